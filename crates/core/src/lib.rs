//! The ClassTrack domain: who may do what, how attendance is decided, and how
//! QR tokens are made and judged. No I/O lives here.

#![warn(missing_docs)]

pub mod attendance;
pub mod checkin;
pub mod clock;
pub mod collate;
pub mod forwarded;
pub mod names;
pub mod qr;
pub mod rates;
pub mod role;
pub mod schedule;
pub mod settings;
pub mod spreadsheet;
pub mod validate;

pub use attendance::{AttendanceStatus, CheckInRejection, RecordSource};
pub use clock::{Clock, ManualClock, SystemClock};
pub use names::{CourseId, JustificationId, NameError, SessionId, UserId};
pub use role::Role;
