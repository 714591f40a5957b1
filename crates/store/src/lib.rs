//! ClassTrack storage: one sqlx pool over MariaDB or SQLite, the migrations of
//! each, and repositories as plain functions over a connection so that
//! callers decide what runs in one transaction.
//!
//! Both engines take the same `?` placeholders and, for everything here, the
//! same SQL; the few places where the dialects differ ask [`Backend`].
//! Times are UTC milliseconds since the epoch.
//!
//! Where things are: opening a store, its pool and its transactions in
//! `pool.rs` ([`Store`], [`Tx`], [`Kept`]), the migrations and the schema
//! check in `schema.rs`, [`StoreError`] in `error.rs`; one repository module
//! per table group ([`users`], [`courses`], [`sessions`], [`attendance`] with
//! one file per story, [`events`], [`justifications`], [`auth`], [`api_tokens`], [`device`], [`audit`],
//! [`reports`]); [`page`] for keyset pagination; [`backup`] for copying a
//! live SQLite database and restoring one, with `in_use.rs` for the lock
//! that tells a restore a server uses the file; [`metrics`] for the pool's
//! and the database errors' Prometheus metrics. `testing` (the test
//! databases) exists only with the `testing` feature, which only
//! `[dev-dependencies]` turn on.

#![warn(missing_docs)]

pub mod api_tokens;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod courses;
pub mod device;
pub mod events;
pub mod identities;
pub mod justifications;
pub mod metrics;
pub mod page;
pub mod reports;
pub mod retry;
pub mod sessions;
pub mod sso_flows;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

mod connect;
mod error;
mod in_use;
mod pool;
mod schema;
mod urls;

pub use connect::{pool_options, PoolOptions};
pub use error::{Result, StoreError};
pub use pool::{commit, Kept, Store, Tx, DEFAULT_SQLITE_URL};
pub use schema::Lock;
pub use urls::{backend_of, mysql_database_name, mysql_hosts, redact_url};

pub use sqlx::AnyConnection as Conn;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the embedded default (one file, one writer at a time).
    Sqlite,
    /// MariaDB (or MySQL), for servers and several replicas.
    MySql,
}

/// How many values go into one `IN (…)` list: far below both engines' limits
/// on bound parameters, and a power of two (see [`padded`]).
pub(crate) const IN_CHUNK: usize = 512;

/// `?, ?, …` for `n` values.
pub(crate) fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The values of an `IN (…)` list, the last repeated up to the next power of
/// two: batches of any size then share a handful of statement texts, which
/// each connection prepares once (MariaDB parses every new text).
pub(crate) fn padded<T>(values: &[T]) -> Vec<&T> {
    let mut out: Vec<&T> = values.iter().collect();
    if let Some(last) = values.last() {
        out.resize(values.len().next_power_of_two(), last);
    }
    out
}

/// The engine behind a connection.
pub(crate) fn backend_of_conn(conn: &Conn) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        Backend::Sqlite
    } else {
        Backend::MySql
    }
}

/// Escapes `%`, `_` and the escape character itself for `LIKE ? ESCAPE '!'`.
pub fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '!') {
            p.push('!');
        }
        p.push(c);
    }
    p.push('%');
    p
}
