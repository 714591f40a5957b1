//! The `classtrack` binary's parts, as a library so that integration tests
//! start exactly the server that `classtrack serve` runs.

pub mod backup;
pub mod client;
pub mod config;
pub mod in_process;
pub mod metrics;
pub mod server;
pub mod setup;
pub mod sso;
pub mod tls;
pub mod tokens;
