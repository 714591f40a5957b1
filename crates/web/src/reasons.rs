//! Why a check-in was refused, in the words every page uses: the student's
//! result page, the supervision overview and the refused check-ins list
//! (with its filter). The list and the wording come from the contract's
//! `CheckInRejection` enum, so a new reason cannot be missing from a page: the
//! match below stops compiling until it has its words.

use classtrack_proto::v1::CheckInRejection;

/// Every reason of the contract, in the contract's order (UNSPECIFIED left out).
pub fn all() -> impl Iterator<Item = CheckInRejection> {
    (1..).map_while(|v| CheckInRejection::try_from(v).ok())
}

/// The reason's code as the API sends it in ErrorInfo and stores it,
/// e.g. `TOKEN_EXPIRED`.
pub fn code(reason: CheckInRejection) -> &'static str {
    reason
        .as_str_name()
        .trim_start_matches("CHECK_IN_REJECTION_")
}

/// The reason named by its code (`TOKEN_EXPIRED`) or its enum name.
pub fn from_code(code: &str) -> Option<CheckInRejection> {
    let code = code.trim_start_matches("CHECK_IN_REJECTION_");
    CheckInRejection::from_str_name(&format!("CHECK_IN_REJECTION_{code}"))
        .filter(|r| *r != CheckInRejection::Unspecified)
}

/// A few words for a headline or a table cell, in the page's language.
pub fn words(reason: CheckInRejection) -> String {
    crate::lang::t(key(reason))
}

/// The message key of a reason's words (`reason-token-expired`).
fn key(reason: CheckInRejection) -> &'static str {
    use CheckInRejection as R;
    match reason {
        R::Unspecified => "reason-unspecified",
        R::NotStudent => "reason-not-student",
        R::TokenMalformed => "reason-token-malformed",
        R::SessionNotFound => "reason-session-not-found",
        R::TokenExpired => "reason-token-expired",
        R::WrongSession => "reason-wrong-session",
        R::SessionNotOpenYet => "reason-session-not-open-yet",
        R::SessionClosed => "reason-session-closed",
        R::SessionCancelled => "reason-session-cancelled",
        R::NotEnrolled => "reason-not-enrolled",
        R::DeviceInUse => "reason-device-in-use",
        R::LocationRequired => "reason-location-required",
        R::OutsideGeofence => "reason-outside-geofence",
        R::AddressNotAllowed => "reason-address-not-allowed",
        R::CodeInvalid => "reason-code-invalid",
        R::TooManyAttempts => "reason-too-many-attempts",
        R::ScanProofInvalid => "reason-scan-proof-invalid",
    }
}

/// The words for a stored or sent code; an unknown code reads "Not checked in".
pub fn words_for_code(code: &str) -> String {
    words(from_code(code).unwrap_or(CheckInRejection::Unspecified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// The values the compiled contract declares for the enum.
    fn declared() -> Vec<i32> {
        let set = prost_types::FileDescriptorSet::decode(classtrack_proto::FILE_DESCRIPTOR_SET)
            .expect("the contract's descriptor set");
        set.file
            .iter()
            .flat_map(|f| &f.enum_type)
            .find(|e| e.name() == "CheckInRejection")
            .expect("CheckInRejection in the contract")
            .value
            .iter()
            .map(|v| v.number())
            .filter(|n| *n != 0)
            .collect()
    }

    #[test]
    fn every_reason_of_the_contract_is_listed_once_with_its_own_words() {
        let listed: Vec<i32> = all().map(|r| r as i32).collect();
        assert_eq!(listed, declared());
        let mut seen = std::collections::HashSet::new();
        for r in all() {
            assert_ne!(words(r), words(CheckInRejection::Unspecified), "{r:?}");
            assert!(seen.insert(words(r)), "{r:?} shares its words");
            assert_eq!(from_code(code(r)), Some(r));
            assert_eq!(from_code(r.as_str_name()), Some(r));
        }
        assert!(all().any(|r| r == CheckInRejection::TooManyAttempts));
    }

    #[test]
    fn an_unknown_code_reads_as_not_checked_in() {
        assert_eq!(words_for_code("NO_SUCH_REASON"), "Not checked in");
        assert_eq!(words_for_code(""), "Not checked in");
        assert_eq!(words_for_code("UNSPECIFIED"), "Not checked in");
        assert_eq!(words_for_code("TOKEN_EXPIRED"), "Code expired");
    }
}
