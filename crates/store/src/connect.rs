//! Connecting to one database host: how the pool is sized and how long a
//! call waits, the settings every connection gets (SQLite's pragmas,
//! MariaDB's session), errors that say what `classtrack migrate` would fix,
//! and creating the MariaDB database when asked to.

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::urls::mysql_database_name;
use crate::{Backend, Result, StoreError};

/// How the connection pool is sized, and how long a call waits for a free
/// connection or a statement before it fails (and is answered UNAVAILABLE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Connections at most; `None`: 8 on SQLite (one writer at a time
    /// anyway), 32 on MariaDB.
    pub max_connections: Option<u32>,
    /// How long a call waits for a free connection (or for a new one to
    /// connect) before it fails with [`StoreError::Unavailable`]: the wait
    /// for a pool busy with work (a lecture hall logging in at once). A
    /// database that is gone is not waited for: once the health probe finds
    /// it unreachable ([`crate::Store::set_reachable`]), calls fail at once.
    pub acquire_timeout: Duration,
    /// MariaDB stops a statement that runs longer than this
    /// (`max_statement_time`); `None`: no limit. Not applied on SQLite.
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(10)),
        }
    }
}

impl PoolOptions {
    /// The pool's size on `backend`.
    pub fn size(&self, backend: Backend) -> u32 {
        self.max_connections.unwrap_or(match backend {
            Backend::Sqlite => 8,
            Backend::MySql => 32,
        })
    }
}

/// The server's pool set-up: its size and timeout, and the settings every
/// connection gets (SQLite's pragmas; MariaDB's time zone, character set,
/// statement timeout and Galera's causal reads). The benchmark's baseline
/// uses it too, so that both measure the same.
pub fn pool_options(backend: Backend, options: &PoolOptions) -> AnyPoolOptions {
    let statement_timeout = options.statement_timeout;
    AnyPoolOptions::new()
        .max_connections(options.size(backend).max(1))
        .min_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // synchronous = FULL: a commit is on disk before it is
                    // acknowledged, so a check-in answered OK survives a power
                    // loss (NORMAL in WAL mode may lose the last commits).
                    // Group commit makes it one fsync per batch of check-ins.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                } else {
                    mysql_session(conn, statement_timeout).await?;
                }
                Ok(())
            })
        })
}

/// A pool on one host's URL; the errors say what `classtrack migrate` would
/// fix when the database was not to be created.
pub(crate) async fn connect_pool(
    backend: Backend,
    url: &str,
    create: bool,
    pool: &PoolOptions,
) -> Result<AnyPool> {
    let options: AnyConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| StoreError::BadUrl(e.to_string()))?;
    pool_options(backend, pool)
        .connect_with(options)
        .await
        .map_err(|e| match backend {
            Backend::MySql if !create && is_unknown_database(&e) => {
                let name = mysql_database_name(url).map_or_else(|_| String::new(), |(_, n)| n);
                StoreError::Schema(format!(
                    "the database {name} does not exist: run `classtrack migrate` with an \
                     account that may create it"
                ))
            }
            Backend::Sqlite if !create => StoreError::Schema(format!(
                "cannot open the SQLite database without creating it ({e}): run \
                 `classtrack migrate` first"
            )),
            _ => e.into(),
        })
}

/// What every MariaDB connection sets: UTC, utf8mb4, the statement
/// timeout, and on Galera causal reads (`wsrep_sync_wait = 1`: a read or a
/// transaction's BEGIN first waits until this node has applied everything
/// the cluster committed before it, so a replica reads what another just
/// wrote). Outside Galera `wsrep_sync_wait` does nothing; a server that does
/// not know the variable at all (MySQL) is left as it is.
async fn mysql_session(
    conn: &mut sqlx::AnyConnection,
    statement_timeout: Option<Duration>,
) -> sqlx::Result<()> {
    let limit = statement_timeout.map_or(0.0, |t| t.as_secs_f64());
    conn.execute(
        format!("SET time_zone = '+00:00', NAMES utf8mb4, SESSION max_statement_time = {limit:.3}")
            .as_str(),
    )
    .await?;
    match conn.execute("SET SESSION wsrep_sync_wait = 1").await {
        Err(sqlx::Error::Database(db)) if db.message().contains("Unknown system variable") => {
            Ok(())
        }
        other => other.map(|_| ()),
    }
}

/// MariaDB's "Unknown database" (1049).
fn is_unknown_database(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.message().starts_with("Unknown database"))
}

/// Creates the URL's database when it is missing. It connects to the server
/// with the URL's query kept (`ssl-mode`, `ssl-ca`, …) and runs `CREATE
/// DATABASE` only when the database isn't there, so an account that may
/// only use an existing database gets through.
pub(crate) async fn create_mysql_database(url: &str) -> Result<()> {
    let (server, name) = mysql_database_name(url)?;
    let options: AnyConnectOptions = server
        .parse()
        .map_err(|e: sqlx::Error| StoreError::BadUrl(e.to_string()))?;
    let mut conn = sqlx::ConnectOptions::connect(&options).await?;
    let exists = sqlx::query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await?
        .is_some();
    if !exists {
        sqlx::query(&format!(
            "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .execute(&mut conn)
        .await?;
    }
    sqlx::Connection::close(conn).await?;
    Ok(())
}
