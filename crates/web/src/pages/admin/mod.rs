//! Administration: users (search, create, edit, deactivate, reset, import)
//! and supervision (live sessions, rejected check-ins, the audit log).

mod supervision;
mod users;

pub use supervision::*;
pub use users::*;
