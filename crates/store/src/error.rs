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
    /// A SQLite database cannot be marked as in use (see `in_use.rs`): a
    /// `classtrack restore` is replacing it, or its lock file cannot be
    /// opened. The message says which.
    #[error("{0}")]
    Lock(String),
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

    /// Whether the database refused the work without doing any of it and
    /// asks for it to be tried again: a deadlock or a Galera certification
    /// conflict (MariaDB 1213, SQLSTATE 40001: the transaction was rolled
    /// back), a node that is not ready (1047, SQLSTATE 08S01: nothing ran),
    /// SQLite's busy or locked database. [`crate::retry`] tries such work
    /// again; other failures are answered at once (a lost connection may
    /// have committed).
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Unavailable(sqlx::Error::Database(db)) => is_retryable(db.as_ref()),
            StoreError::Shared(inner) => inner.is_retryable(),
            _ => false,
        }
    }
}

/// MariaDB's error number and SQLSTATE, when the error comes from MariaDB.
fn mysql_code(db: &dyn sqlx::error::DatabaseError) -> Option<(u16, String)> {
    let my = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()?;
    Some((my.number(), my.code().unwrap_or_default().to_string()))
}

/// Work the database refused whole and asks to be tried again (see
/// [`StoreError::is_retryable`]).
fn is_retryable(db: &dyn sqlx::error::DatabaseError) -> bool {
    match mysql_code(db) {
        // 1213 deadlock / certification conflict, 1047 "WSREP has not yet
        // prepared node for application use". Not 1205 (a lock wait that
        // already waited its full timeout: trying again waits as long).
        Some((number, state)) => {
            matches!(number, 1213 | 1047) || state == "40001" || state == "08S01"
        }
        None => {
            let msg = db.message().to_ascii_lowercase();
            msg.contains("database is locked") || msg.contains("database is busy")
        }
    }
}

/// A database error that says the database is busy, away or not ready,
/// not that the statement is wrong: answered UNAVAILABLE.
fn is_transient(db: &dyn sqlx::error::DatabaseError) -> bool {
    if is_retryable(db) {
        return true;
    }
    if let Some((number, _)) = mysql_code(db) {
        // 1205 lock wait timeout, 1290 read-only (a node leaving), 1969 max_statement_time
        // exceeded, 2006/2013 gone away / lost connection, 1927 connection
        // killed, 1053 server shutdown in progress, 1040 too many connections.
        if matches!(
            number,
            1205 | 1290 | 1969 | 2006 | 2013 | 1927 | 1053 | 1040
        ) {
            return true;
        }
    }
    let msg = db.message().to_ascii_lowercase();
    msg.contains("lock wait timeout")
        || msg.contains("deadlock")
        || msg.contains("read-only")
        || msg.contains("gone away")
        || msg.contains("lost connection")
}

/// The store's result: [`StoreError`] unless said otherwise.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        crate::metrics::failed(&e);
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
                if is_transient(db.as_ref()) {
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
