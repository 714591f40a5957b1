//! Resource names on the wire (`users/42`, `courses/7`, `sessions/99`) and the ids behind them.

use std::fmt;

/// A resource name that does not parse: wrong collection, or an id that is
/// not a positive integer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{got:?} is not a valid {kind} name: expected {kind}s/{{id}}")]
pub struct NameError {
    /// What kind of name was expected: "user", "course", "session" or
    /// "justification".
    pub kind: &'static str,
    /// The text given, cut to its first 80 characters.
    pub got: String,
}

macro_rules! resource_id {
    ($ty:ident, $collection:literal, $kind:literal) => {
        #[doc = concat!("The id of a ", $kind, ": its database row id, named `", $collection, "/{id}` on the wire.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub i64);

        impl $ty {
            #[doc = concat!("Parses `", $collection, "/{id}` where id is a positive integer; anything else is a [`NameError`].")]
            pub fn parse(name: &str) -> Result<Self, NameError> {
                name.strip_prefix(concat!($collection, "/"))
                    .and_then(|id| id.parse::<i64>().ok())
                    .filter(|id| *id > 0)
                    .map($ty)
                    .ok_or_else(|| NameError {
                        kind: $kind,
                        got: name.chars().take(80).collect(),
                    })
            }

            #[doc = concat!("The name on the wire, `", $collection, "/{id}` (the same text as `Display`).")]
            pub fn name(self) -> String {
                format!(concat!($collection, "/{}"), self.0)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($collection, "/{}"), self.0)
            }
        }
    };
}

resource_id!(UserId, "users", "user");
resource_id!(CourseId, "courses", "course");
resource_id!(SessionId, "sessions", "session");
resource_id!(JustificationId, "justifications", "justification");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_garbage() {
        assert_eq!(UserId::parse("users/42"), Ok(UserId(42)));
        assert_eq!(UserId(42).name(), "users/42");
        for bad in [
            "users/",
            "users/0",
            "users/-1",
            "courses/1",
            "users/1x",
            "",
            "users/1/2",
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
