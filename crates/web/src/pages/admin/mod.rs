//! Administration: users (search, create, edit, deactivate, reset, import)
//! API tokens for scripts, and supervision (live sessions, rejected check-ins, the audit log).

mod api_tokens;
mod supervision;
mod users;

pub use api_tokens::*;
pub use supervision::*;
pub use users::*;
