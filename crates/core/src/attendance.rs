//! Attendance statuses, how a record came to be, and why a check-in is refused.

use std::str::FromStr;

/// A student's standing in one session: what their attendance record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttendanceStatus {
    /// Checked in (or marked) up to the session's late threshold.
    Present,
    /// Checked in after the late threshold (see
    /// [`status_at`](crate::checkin::status_at)); counts as attended unless
    /// the course's [`AbsenceRules`](crate::settings::AbsenceRules) say otherwise.
    Late,
    /// Absent with an approved justification or a professor's excuse; leaves
    /// the attendance rate's denominator.
    Excused,
    /// Not there: marked so, or written when the session was finalised
    /// without a record for the student.
    Absent,
}

impl AttendanceStatus {
    /// Every status, in the order of the variants.
    pub const ALL: [AttendanceStatus; 4] = [Self::Present, Self::Late, Self::Excused, Self::Absent];

    /// The lowercase name stored in the database ("present", "late", …);
    /// [`FromStr`] reads it back.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Late => "late",
            Self::Excused => "excused",
            Self::Absent => "absent",
        }
    }
}

impl FromStr for AttendanceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown attendance status {s:?}"))
    }
}

/// How an attendance record came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordSource {
    /// The student checked in by scanning the session's QR code.
    Qr,
    /// The student checked in by typing the six-digit short code shown
    /// beside the QR.
    Code,
    /// A professor (or an administrator) set the status by hand.
    Manual,
    /// Written when the session was finalised: the absence of a student who
    /// had no record.
    Close,
    /// An approved absence justification excused the student.
    Justification,
}

impl RecordSource {
    /// Every source, in the order of the variants.
    pub const ALL: [RecordSource; 5] = [
        Self::Qr,
        Self::Code,
        Self::Manual,
        Self::Close,
        Self::Justification,
    ];

    /// The lowercase name stored in the database ("qr", "code", …);
    /// [`FromStr`] reads it back.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Code => "code",
            Self::Manual => "manual",
            Self::Close => "close",
            Self::Justification => "justification",
        }
    }

    /// Whether the student made the record by checking in (QR or code), as
    /// opposed to a professor's mark, an approved justification or the
    /// absence written when the session closed. Only these make a later
    /// check-in a repeat.
    pub fn is_check_in(self) -> bool {
        matches!(self, Self::Qr | Self::Code)
    }
}

impl FromStr for RecordSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown record source {s:?}"))
    }
}

/// Why a check-in was refused.
///
/// The order of the variants is *not* the order of the checks; that is
/// [`decide`](crate::checkin::decide)'s, and it differs in three places: the
/// token's signature ([`WrongSession`](Self::WrongSession)) is checked before
/// its age ([`TokenExpired`](Self::TokenExpired)); a closed session
/// ([`SessionClosed`](Self::SessionClosed)) is named before one not open yet
/// ([`SessionNotOpenYet`](Self::SessionNotOpenYet)); and the scan proof
/// ([`ScanProofInvalid`](Self::ScanProofInvalid)) and the code's tries
/// ([`TooManyAttempts`](Self::TooManyAttempts)) are checked with the
/// credential, before the token's age or the code itself and before the
/// session's hours, not last. In full: not a student, the credential as read,
/// the session, the token's signature, then for a token the scan proof and
/// the token's age, for a code the tries and the code, then cancelled,
/// closed, not open yet, the roll, the device, the location and the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckInRejection {
    /// The caller is not a student (professors and administrators do not
    /// check in).
    NotStudent,
    /// The scanned text or URL is not a ClassTrack token (see
    /// [`QrToken::parse`](crate::qr::QrToken::parse)).
    TokenMalformed,
    /// The session the credential names does not exist.
    SessionNotFound,
    /// The token's window is no longer (or not yet) accepted, or a proven
    /// scan is older than the scan allowance (or more than a second in the
    /// future).
    TokenExpired,
    /// The token was not signed with the secret of the session it names: a
    /// forgery, or a token of another session's.
    WrongSession,
    /// The short code typed is not the session's code for any window
    /// accepted now.
    CodeInvalid,
    /// The session was cancelled.
    SessionCancelled,
    /// Check-in has not opened yet: it opens the session's
    /// `opens_before_minutes` before its start.
    SessionNotOpenYet,
    /// The session was closed or finalised, or its end has passed.
    SessionClosed,
    /// The student is not enrolled in the session's course.
    NotEnrolled,
    /// The session binds devices, blocks reuse, and another student already
    /// checked in with this device.
    DeviceInUse,
    /// The session has a geofence and the phone sent no location.
    LocationRequired,
    /// The reported location is outside the geofence, even crediting the
    /// reported accuracy.
    OutsideGeofence,
    /// The client's address is not in the session's network allowlist.
    AddressNotAllowed,
    /// The student typed too many wrong short codes in this session; only
    /// the QR works until its check-in closes.
    TooManyAttempts,
    /// The scan proof of an earlier scan does not match the token and scan
    /// instant it claims.
    ScanProofInvalid,
}

impl CheckInRejection {
    /// Every reason, in the order of the variants (not of the checks).
    pub const ALL: [CheckInRejection; 16] = [
        Self::NotStudent,
        Self::TokenMalformed,
        Self::SessionNotFound,
        Self::TokenExpired,
        Self::WrongSession,
        Self::CodeInvalid,
        Self::SessionCancelled,
        Self::SessionNotOpenYet,
        Self::SessionClosed,
        Self::NotEnrolled,
        Self::DeviceInUse,
        Self::LocationRequired,
        Self::OutsideGeofence,
        Self::AddressNotAllowed,
        Self::TooManyAttempts,
        Self::ScanProofInvalid,
    ];

    /// The reason code: stored, and sent as google.rpc.ErrorInfo.reason.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotStudent => "NOT_STUDENT",
            Self::TokenMalformed => "TOKEN_MALFORMED",
            Self::SessionNotFound => "SESSION_NOT_FOUND",
            Self::TokenExpired => "TOKEN_EXPIRED",
            Self::WrongSession => "WRONG_SESSION",
            Self::CodeInvalid => "CODE_INVALID",
            Self::SessionCancelled => "SESSION_CANCELLED",
            Self::SessionNotOpenYet => "SESSION_NOT_OPEN_YET",
            Self::SessionClosed => "SESSION_CLOSED",
            Self::NotEnrolled => "NOT_ENROLLED",
            Self::DeviceInUse => "DEVICE_IN_USE",
            Self::LocationRequired => "LOCATION_REQUIRED",
            Self::OutsideGeofence => "OUTSIDE_GEOFENCE",
            Self::AddressNotAllowed => "ADDRESS_NOT_ALLOWED",
            Self::TooManyAttempts => "TOO_MANY_ATTEMPTS",
            Self::ScanProofInvalid => "SCAN_PROOF_INVALID",
        }
    }

    /// The reason whose [`code`](Self::code) is `code`; `None` for any other
    /// text.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The message key of what the student is told (`api-error-checkin-…` in the API's
    /// Fluent files, named after the [`code`](Self::code)).
    pub fn key(self) -> &'static str {
        match self {
            Self::NotStudent => "api-error-checkin-not-student",
            Self::TokenMalformed => "api-error-checkin-token-malformed",
            Self::SessionNotFound => "api-error-checkin-session-not-found",
            Self::TokenExpired => "api-error-checkin-token-expired",
            Self::WrongSession => "api-error-checkin-wrong-session",
            Self::CodeInvalid => "api-error-checkin-code-invalid",
            Self::SessionCancelled => "api-error-checkin-session-cancelled",
            Self::SessionNotOpenYet => "api-error-checkin-session-not-open-yet",
            Self::SessionClosed => "api-error-checkin-session-closed",
            Self::NotEnrolled => "api-error-checkin-not-enrolled",
            Self::DeviceInUse => "api-error-checkin-device-in-use",
            Self::LocationRequired => "api-error-checkin-location-required",
            Self::OutsideGeofence => "api-error-checkin-outside-geofence",
            Self::AddressNotAllowed => "api-error-checkin-address-not-allowed",
            Self::TooManyAttempts => "api-error-checkin-too-many-attempts",
            Self::ScanProofInvalid => "api-error-checkin-scan-proof-invalid",
        }
    }

    /// What the student is told, in `locale` (the Fluent message [`key`](Self::key)).
    pub fn text_in(self, locale: classtrack_i18n::Locale) -> String {
        classtrack_i18n::text(locale, self.key(), &[])
    }

    /// What the student is told, in English: the same sentence as
    /// [`text_in`](Self::text_in) gives for English.
    pub fn message(self) -> String {
        self.text_in(classtrack_i18n::Locale::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in CheckInRejection::ALL {
            assert_eq!(CheckInRejection::from_code(r.code()), Some(r));
        }
        for s in AttendanceStatus::ALL {
            assert_eq!(s.as_str().parse::<AttendanceStatus>(), Ok(s));
        }
    }

    /// The English message is the en Fluent text (no second copy), named after the code,
    /// and said in every language.
    #[test]
    fn refusals_speak_from_the_fluent_messages() {
        use classtrack_i18n::Locale;
        for r in CheckInRejection::ALL {
            let key = format!(
                "api-error-checkin-{}",
                r.code().to_lowercase().replace('_', "-")
            );
            assert_eq!(r.key(), key, "{r:?}");
            assert!(classtrack_i18n::has(r.key()), "{key} is missing");
            assert_eq!(r.message(), classtrack_i18n::text(Locale::En, &key, &[]));
            assert_ne!(r.text_in(Locale::Fr), r.message(), "{r:?} in French");
        }
        assert_eq!(
            CheckInRejection::SessionCancelled.message(),
            "This class session was cancelled."
        );
        assert_eq!(
            CheckInRejection::SessionClosed.text_in(Locale::Fr),
            "L’enregistrement des présences de cette séance est fermé."
        );
    }
}
