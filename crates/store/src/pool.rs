//! Opening a store: the pool and the settings of its connections, the
//! transactions it begins (write, snapshot, on a kept connection), and
//! creating the SQLite file or the MariaDB database when asked to.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::{Backend, Conn, Result, StoreError};

/// A pool over one database, with its engine.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: writers of this process queue here
    /// instead of spinning in SQLite's busy handler.
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction, on a pooled connection ([`Store::begin`]) or a kept
/// one ([`Kept::begin`]), or a read-only snapshot ([`Store::snapshot`]). Derefs to the connection, so repositories take
/// `&mut tx`; end it with [`commit`] (dropping it rolls back).
pub struct Tx<'c> {
    inner: Transaction<'c, Any>,
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx<'_> {
    /// Commits the transaction; on SQLite it then gives up the writer's place.
    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

/// A connection kept by one loop of work (the check-in batches), so that
/// the statements it prepares stay prepared instead of being prepared again
/// on whichever pooled connection comes next. Taken from the pool when first
/// needed; after an idle spell it is checked before use, and after a failure
/// ([`Kept::reset`]) it is replaced.
pub struct Kept {
    store: Store,
    conn: Option<PoolConnection<Any>>,
    last_used: std::time::Instant,
}

/// Idle longer than this, a kept connection is pinged before use (the
/// server may have closed it meanwhile).
const KEPT_IDLE_CHECK: Duration = Duration::from_secs(30);

impl Kept {
    /// Begins a write transaction on the kept connection (on SQLite with
    /// the write lock up front, as [`Store::begin`]).
    pub async fn begin(&mut self) -> Result<Tx<'_>> {
        let writer = self.store.writer_place().await;
        if self.last_used.elapsed() > KEPT_IDLE_CHECK {
            if let Some(conn) = self.conn.as_mut() {
                if sqlx::Connection::ping(&mut **conn).await.is_err() {
                    self.conn = None;
                }
            }
        }
        self.last_used = std::time::Instant::now();
        let conn = match &mut self.conn {
            Some(conn) => conn,
            slot @ None => slot.insert(self.store.pool.acquire().await?),
        };
        let inner = sqlx::Connection::begin_with(&mut **conn, self.store.begin_statement()).await?;
        Ok(Tx {
            inner,
            _writer: writer,
        })
    }

    /// Gives the connection back after a failure; the next transaction
    /// takes a fresh one.
    pub fn reset(&mut self) {
        self.conn = None;
    }
}

/// Where the embedded default keeps its data.
pub const DEFAULT_SQLITE_URL: &str = "sqlite://classtrack.db";

/// How the connection pool is sized, and how long a call waits for a free
/// connection before it fails (and is answered UNAVAILABLE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Connections at most; `None`: 8 on SQLite (one writer at a time
    /// anyway), 32 on MariaDB.
    pub max_connections: Option<u32>,
    /// How long a call waits for a free connection before it fails with
    /// [`StoreError::Unavailable`].
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(5),
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
/// connection gets (SQLite's pragmas, MariaDB's time zone and character
/// set). The benchmark's baseline uses it too, so that both measure the same.
pub fn pool_options(backend: Backend, options: &PoolOptions) -> AnyPoolOptions {
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
                    conn.execute("SET time_zone = '+00:00', NAMES utf8mb4")
                        .await?;
                }
                Ok(())
            })
        })
}

impl Store {
    /// Connects (creating the SQLite file or the MariaDB database when
    /// missing) and applies pending migrations. The account needs the
    /// rights to change the schema (see `docs/deployment.md`).
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, true, &PoolOptions::default()).await
    }

    /// [`Store::open`] (`migrate`) or [`Store::open_without_migrating`],
    /// with a pool sized by `pool`.
    pub async fn open_with(url: &str, migrate: bool, pool: &PoolOptions) -> Result<Self> {
        if migrate {
            let store = Self::connect_to(url, true, pool).await?;
            store.migrate().await?;
            Ok(store)
        } else {
            let store = Self::connect_to(url, false, pool).await?;
            if let Err(e) = store.check_schema().await {
                store.close().await;
                return Err(e);
            }
            Ok(store)
        }
    }

    /// Opens a database that `classtrack migrate` has already brought up to
    /// date, for a server whose account may only read and write rows
    /// (`SELECT, INSERT, UPDATE, DELETE`): it creates nothing (no SQLite
    /// file, no MariaDB database, no `_sqlx_migrations` table) and runs no
    /// DDL, then checks the schema with [`Store::check_schema`], which
    /// needs only `SELECT`. A database that is missing, empty or behind
    /// fails with a one-line [`StoreError::Schema`] that says what is
    /// missing and to run `classtrack migrate`.
    pub async fn open_without_migrating(url: &str) -> Result<Self> {
        Self::open_with(url, false, &PoolOptions::default()).await
    }

    /// Connects without migrating (creating the SQLite file or the MariaDB
    /// database when missing).
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_to(url, true, &PoolOptions::default()).await
    }

    async fn connect_to(url: &str, create: bool, pool: &PoolOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url(url, create),
            Backend::MySql => {
                if create {
                    create_mysql_database(url).await?;
                }
                url.to_string()
            }
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| StoreError::BadUrl(e.to_string()))?;
        let pool = pool_options(backend, pool)
            .connect_with(options)
            .await
            .map_err(|e| match backend {
                Backend::MySql if !create && is_unknown_database(&e) => {
                    let name = mysql_database_name(&url).map_or_else(|_| String::new(), |(_, n)| n);
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
            })?;
        Ok(Self {
            pool,
            backend,
            sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The sqlx pool, for callers that run their own statements (the benchmark).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Takes a connection from the pool for reads or single statements outside
    /// a transaction; it goes back to the pool when dropped.
    /// [`StoreError::Unavailable`] when none frees up within the acquire timeout.
    pub async fn acquire(&self) -> Result<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a write transaction. On SQLite it takes the write lock up
    /// front (`BEGIN IMMEDIATE`), so that it never fails half-way with
    /// "database is locked" when it starts writing.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        let writer = self.writer_place().await;
        Ok(Tx {
            inner: self.pool.begin_with(self.begin_statement()).await?,
            _writer: writer,
        })
    }

    /// Begins a read-only transaction whose reads all see one snapshot of
    /// the database (MariaDB: `WITH CONSISTENT SNAPSHOT`; SQLite in WAL
    /// mode: from the first read on), e.g. a roll and the position of the
    /// roll-event log it corresponds to. It takes no writer's place.
    pub async fn snapshot(&self) -> Result<Tx<'static>> {
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN",
            Backend::MySql => "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
        };
        Ok(Tx {
            inner: self.pool.begin_with(begin).await?,
            _writer: None,
        })
    }

    /// On SQLite, the writers of this process queue here for the one
    /// writer's place instead of spinning in SQLite's busy handler.
    async fn writer_place(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.clone().lock_owned().await),
            Backend::MySql => None,
        }
    }

    /// How a write transaction begins: on SQLite with the write lock up front.
    fn begin_statement(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::MySql => "BEGIN",
        }
    }

    /// A connection to keep for one loop of work (see [`Kept`]).
    pub fn kept(&self) -> Kept {
        Kept {
            store: self.clone(),
            conn: None,
            last_used: std::time::Instant::now(),
        }
    }

    /// Answers whether the database responds.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool: waits for the connections in use to come back, then
    /// closes them all.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Commits a transaction begun with [`Store::begin`].
pub async fn commit(tx: Tx<'_>) -> Result<()> {
    tx.commit().await
}

/// The engine a URL names: `sqlite:…`, or `mysql:…`/`mariadb:…`;
/// [`StoreError::BadUrl`] for anything else.
pub fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
        Ok(Backend::MySql)
    } else {
        Err(StoreError::BadUrl(
            "expected sqlite://FILE or mysql://USER@HOST:PORT/DATABASE".into(),
        ))
    }
}

/// Creates the file when missing, if `create`.
fn sqlite_url(url: &str, create: bool) -> String {
    let mode = if create { "rwc" } else { "rw" };
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode={mode}")
    } else {
        format!("{url}?mode={mode}")
    }
}

/// MariaDB's "Unknown database" (1049).
fn is_unknown_database(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.message().starts_with("Unknown database"))
}

/// The database named in a MariaDB URL, checked to be a plain identifier.
pub fn mysql_database_name(url: &str) -> Result<(String, String)> {
    let parsed = url::Url::parse(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
    let name = parsed.path().trim_start_matches('/').to_string();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::BadUrl(
            "the MariaDB url must name a database of letters, digits and '_'".into(),
        ));
    }
    let mut server = parsed.clone();
    server.set_path("/");
    Ok((server.to_string(), name))
}

/// Creates the URL's database when it is missing. It connects to the server
/// with the URL's query kept (`ssl-mode`, `ssl-ca`, …) and runs `CREATE
/// DATABASE` only when the database isn't there, so an account that may
/// only use an existing database gets through.
async fn create_mysql_database(url: &str) -> Result<()> {
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
