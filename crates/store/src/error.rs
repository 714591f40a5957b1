//! What the store's functions fail with, and how sqlx's errors map onto it.

use std::sync::Arc;

/// What a store function fails with. Each function's documentation says what
/// `NotFound` and `Conflict` mean for it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database didn't answer or is busy: it is down, the pool had no
    /// free connection in time, a lock wait timed out, a deadlock was broken
    /// or the connection was lost. Worth retrying; answered UNAVAILABLE.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// A write broke a unique key: the row is already there.
    #[error("{field} is already taken")]
    Conflict {
        /// The key, as far as the engine's message names it: `username`,
        /// `email`, `student_number`, `code`, `record` (a session and
        /// student's attendance row) or `value` (any other).
        field: &'static str,
    },
    /// The row asked for doesn't exist.
    #[error("not found")]
    NotFound,
    /// A stored value doesn't decode (an unknown status, role or enum text,
    /// malformed JSON): the message names it.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The caller's own bookkeeping failed, not the database nor its data:
    /// e.g. a batch that answered fewer calls than it was given ("a
    /// check-in lost its answer"). Always a bug; answered as an internal
    /// error.
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// The database URL is not `sqlite://…` or `mysql://…`, doesn't parse,
    /// or names no plain MariaDB database.
    #[error("invalid database url: {0}")]
    BadUrl(String),
    /// Any other failure of a statement (a bug in its SQL, a broken
    /// constraint other than a unique key).
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The schema is not the one this build expects, found by
    /// [`Store::check_schema`](crate::Store::check_schema); the message says what is missing and what to run.
    #[error("{0}")]
    Schema(String),
    /// The TLS handshake with the database failed: its certificate is not
    /// signed by a trusted CA, does not name the host, or the server does
    /// not offer TLS at all although the URL's `ssl-mode` requires it.
    #[error("TLS to the database failed (see ssl-mode and ssl-ca in the database URL)")]
    Tls(#[source] sqlx::Error),
    /// One failure of a statement that served many calls, reported to each.
    #[error(transparent)]
    Shared(Arc<StoreError>),
}

impl StoreError {
    /// Whether the database itself failed (down, busy, gone), as opposed to
    /// the statement.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) | StoreError::Tls(_) => true,
            StoreError::Shared(inner) => inner.is_unavailable(),
            _ => false,
        }
    }
}

/// The store's result: [`StoreError`] unless said otherwise.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match e {
            E::RowNotFound => StoreError::NotFound,
            E::Tls(_) => StoreError::Tls(e),
            // A refused certificate comes out of the handshake as I/O.
            E::Io(ref io)
                if io
                    .get_ref()
                    .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
            {
                StoreError::Tls(e)
            }
            E::Io(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
                StoreError::Unavailable(e)
            }
            E::Database(ref db) => {
                if db.is_unique_violation() {
                    return StoreError::Conflict {
                        field: conflicting_field(db.message()),
                    };
                }
                let msg = db.message().to_ascii_lowercase();
                // SQLite busy/locked, MariaDB lock wait timeout, deadlock, read-only replica.
                let transient = msg.contains("database is locked")
                    || msg.contains("lock wait timeout")
                    || msg.contains("deadlock")
                    || msg.contains("read-only")
                    || msg.contains("gone away")
                    || msg.contains("lost connection");
                if transient {
                    StoreError::Unavailable(e)
                } else {
                    StoreError::Database(e)
                }
            }
            other => StoreError::Database(other),
        }
    }
}

/// Names the unique key a duplicate violated, from the engine's message
/// (SQLite: "UNIQUE constraint failed: users.email"; MariaDB: "Duplicate entry
/// '…' for key 'email'").
fn conflicting_field(message: &str) -> &'static str {
    let key = message
        .rsplit([' ', '.'])
        .next()
        .unwrap_or_default()
        .trim_matches(['\'', '`']);
    match key {
        "username" => "username",
        "email" => "email",
        "student_number" => "student_number",
        "code" => "code",
        _ if message.contains("PRIMARY") || message.contains("attendance") => "record",
        _ => "value",
    }
}
