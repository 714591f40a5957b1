//! Attendance statuses, how a record came to be, and why a check-in is refused.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttendanceStatus {
    Present,
    Late,
    Excused,
    Absent,
}

impl AttendanceStatus {
    pub const ALL: [AttendanceStatus; 4] = [Self::Present, Self::Late, Self::Excused, Self::Absent];

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordSource {
    Qr,
    Code,
    Manual,
    Close,
    Justification,
}

impl RecordSource {
    pub const ALL: [RecordSource; 5] = [
        Self::Qr,
        Self::Code,
        Self::Manual,
        Self::Close,
        Self::Justification,
    ];

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

/// Why a check-in was refused. The order of the variants is the order of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckInRejection {
    NotStudent,
    TokenMalformed,
    SessionNotFound,
    TokenExpired,
    WrongSession,
    CodeInvalid,
    SessionCancelled,
    SessionNotOpenYet,
    SessionClosed,
    NotEnrolled,
    DeviceInUse,
    LocationRequired,
    OutsideGeofence,
    AddressNotAllowed,
    TooManyAttempts,
    ScanProofInvalid,
}

impl CheckInRejection {
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

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the student is told, in plain words.
    pub fn message(self) -> &'static str {
        match self {
            Self::NotStudent => "Only students can check in.",
            Self::TokenMalformed => "This is not a valid ClassTrack check-in code.",
            Self::SessionNotFound => "This class session does not exist.",
            Self::TokenExpired => "This code has expired. Scan the code on the screen again.",
            Self::WrongSession => "This code belongs to a different class session.",
            Self::CodeInvalid => "That code is not right. Check the code on the screen.",
            Self::SessionCancelled => "This class session was cancelled.",
            Self::SessionNotOpenYet => "Check-in for this session has not opened yet.",
            Self::SessionClosed => "Check-in for this session is closed.",
            Self::NotEnrolled => "You are not enrolled in this course.",
            Self::DeviceInUse => {
                "This device was already used to check in another student in this session."
            }
            Self::LocationRequired => "This session needs your location to check in.",
            Self::OutsideGeofence => "You are not in the classroom area.",
            Self::AddressNotAllowed => "Check in from the campus network.",
            Self::TooManyAttempts => {
                "Too many wrong codes for this session. Scan the QR code instead."
            }
            Self::ScanProofInvalid => {
                "This scan could not be confirmed. Scan the code on the screen again."
            }
        }
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
}
