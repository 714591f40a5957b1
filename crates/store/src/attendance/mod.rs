//! Attendance: the records, the check-in hot path, refused check-ins and a
//! session's roll, one module each. Every name is re-exported here, so
//! callers write `attendance::insert`, `attendance::Record`, … whichever
//! module holds it. The roll-event log is [`crate::events`], re-exported too.

mod checkin;
mod records;
mod rejections;
mod roll;

pub use crate::events::{
    event_position, events_after, last_event_id, prune_events, push_event, EventPosition,
    SessionEvent,
};
pub use checkin::{checkin_contexts, insert_records, CheckInContext, ContextQuery};
pub use records::{get, insert, records_of_student, set_manual, Mark, Record};
pub use rejections::{
    count_rejections, counts_since, record_rejections, rejections, Rejection, RejectionFilter,
    StoredRejection,
};
pub use roll::{
    roll, roll_entries, roll_entry, status_counts, RollEntry, SessionRow, StatusCounts,
};
