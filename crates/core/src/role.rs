//! The three roles: what a user is to ClassTrack, and so what they may do.

use std::fmt;
use std::str::FromStr;

/// What a user is: each account has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages users and courses, and counts as staff of every course.
    Admin,
    /// Staff of the courses they teach: runs their sessions, marks
    /// attendance by hand, reads their reports.
    Professor,
    /// Checks in to the sessions of the courses they are enrolled in; the
    /// only role that may.
    Student,
}

impl Role {
    /// The lowercase name ("admin", "professor", "student"), as stored and
    /// shown; [`FromStr`] reads it back.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Professor => "professor",
            Role::Student => "student",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is none of the three (the text as given); the error of
/// parsing a [`Role`], which ignores case and surrounding spaces.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?}: expected admin, professor or student")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "professor" => Ok(Role::Professor),
            "student" => Ok(Role::Student),
            _ => Err(UnknownRole(s.to_string())),
        }
    }
}
