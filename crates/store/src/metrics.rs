//! The database's Prometheus metrics: the pool's connections (sampled when
//! `/metrics` is read, [`sample`]), the calls waiting for a connection and
//! how long they waited (every acquire and begin of [`Store`] goes through
//! [`acquiring`]), and the database's errors by class (every sqlx error the
//! store turns into a [`StoreError`](crate::StoreError) is counted, also
//! those a caller then retries).

use std::future::Future;
use std::time::Instant;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

use crate::Store;

/// Connections the pool holds now (in use and idle).
pub const POOL_CONNECTIONS: &str = "classtrack_db_pool_connections";
/// Idle connections of the pool.
pub const POOL_IDLE: &str = "classtrack_db_pool_idle";
/// The pool's size limit (`database_max_connections`).
pub const POOL_MAX: &str = "classtrack_db_pool_max_connections";
/// Calls waiting for a connection now.
pub const POOL_WAITERS: &str = "classtrack_db_pool_waiters";
/// How long getting a connection took.
pub const ACQUIRE: &str = "classtrack_db_acquire_seconds";
/// Database errors, by `class`.
pub const ERRORS: &str = "classtrack_db_errors_total";

/// The values of [`ERRORS`]' `class`: the database is down, busy or gone
/// (answered UNAVAILABLE); two writers collided (a unique key, a deadlock,
/// a Galera certification conflict); anything else.
pub const ERROR_CLASSES: [&str; 3] = ["unavailable", "conflict", "other"];

/// Acquire-time buckets, in seconds, up to past the default acquire timeout (5 s).
pub const ACQUIRE_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Describes every metric of the store and registers each at zero. Call it
/// once the recorder is installed; calling it again changes nothing.
pub fn register() {
    describe_gauge!(
        POOL_CONNECTIONS,
        "Database connections the pool holds (in use and idle), when /metrics was read."
    );
    describe_gauge!(
        POOL_IDLE,
        "Idle database connections in the pool, when /metrics was read."
    );
    describe_gauge!(
        POOL_MAX,
        "The pool's size limit (database_max_connections)."
    );
    describe_gauge!(POOL_WAITERS, "Calls waiting for a database connection now.");
    describe_histogram!(
        ACQUIRE,
        metrics::Unit::Seconds,
        "How long getting a database connection took (for a transaction, with its BEGIN), \
         including the ones that timed out."
    );
    describe_counter!(
        ERRORS,
        "Database errors by class: unavailable (down, busy, gone, pool timeout), conflict \
         (unique key, deadlock, certification conflict), other."
    );
    for gauge in [POOL_CONNECTIONS, POOL_IDLE, POOL_MAX, POOL_WAITERS] {
        gauge!(gauge).increment(0.0);
    }
    // Registering the handle is enough for the exporter to show it.
    let _ = histogram!(ACQUIRE);
    for class in ERROR_CLASSES {
        counter!(ERRORS, "class" => class).increment(0);
    }
}

/// Sets the pool's gauges from `store`'s pool, as it is now.
pub fn sample(store: &Store) {
    let pool = store.pool();
    gauge!(POOL_CONNECTIONS).set(f64::from(pool.size()));
    gauge!(POOL_IDLE).set(pool.num_idle() as f64);
    gauge!(POOL_MAX).set(f64::from(pool.options().get_max_connections()));
}

/// Waits for `getting` (an acquire, or a begin that acquires), counted in
/// [`POOL_WAITERS`] meanwhile and timed in [`ACQUIRE`].
pub(crate) async fn acquiring<T>(
    getting: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    let waiting = Waiting::new();
    let got = getting.await;
    drop(waiting);
    got
}

/// One call in [`POOL_WAITERS`]; its wait goes into [`ACQUIRE`] when it
/// ends, also when the call gave up (its future dropped).
struct Waiting(Instant);

impl Waiting {
    fn new() -> Self {
        gauge!(POOL_WAITERS).increment(1.0);
        Self(Instant::now())
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        gauge!(POOL_WAITERS).decrement(1.0);
        histogram!(ACQUIRE).record(self.0.elapsed().as_secs_f64());
    }
}

/// Counts a database error in [`ERRORS`] (a row not found is no error).
pub(crate) fn failed(e: &sqlx::Error) {
    if let Some(class) = class_of(e) {
        counter!(ERRORS, "class" => class).increment(1);
    }
}

/// The class of an error, from sqlx's error itself: SQLSTATE 40001
/// (MariaDB's deadlock and Galera's certification conflict, 1213) and
/// unique keys are conflicts; SQLSTATE 08… (connection; 1047 "not ready" is
/// 08S01), MariaDB's lock wait timeout (1205), SQLite's busy and locked, a
/// lost connection and the pool's own failures are the database being
/// unavailable.
fn class_of(e: &sqlx::Error) -> Option<&'static str> {
    use sqlx::Error as E;
    match e {
        E::RowNotFound => None,
        E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
            Some("unavailable")
        }
        E::Database(db) => {
            let state = db.code().unwrap_or_default();
            let message = db.message().to_ascii_lowercase();
            if db.is_unique_violation() || state == "40001" || message.contains("deadlock") {
                Some("conflict")
            } else if state.starts_with("08")
                || [
                    "database is locked",
                    "lock wait timeout",
                    "gone away",
                    "lost connection",
                ]
                .iter()
                .any(|m| message.contains(m))
                || mysql_number(db.as_ref()).is_some_and(|n| matches!(n, 1047 | 1205))
            {
                Some("unavailable")
            } else {
                Some("other")
            }
        }
        _ => Some("other"),
    }
}

/// MariaDB's error number, when the error came from MariaDB.
fn mysql_number(db: &dyn sqlx::error::DatabaseError) -> Option<u16> {
    db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(|e| e.number())
}
