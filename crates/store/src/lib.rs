//! ClassTrack storage: one sqlx pool over MariaDB or SQLite, the migrations of
//! each, and repositories as plain functions over a connection so that
//! callers decide what runs in one transaction.
//!
//! Both engines take the same `?` placeholders and, for everything here, the
//! same SQL; the few places where the dialects differ ask [`Backend`].
//! Times are UTC milliseconds since the epoch.

pub mod attendance;
pub mod audit;
pub mod auth;
pub mod courses;
pub mod events;
pub mod justifications;
pub mod page;
pub mod reports;
pub mod sessions;
pub mod testing;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};

pub use sqlx::AnyConnection as Conn;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    #[error("not found")]
    NotFound,
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("invalid database url: {0}")]
    BadUrl(String),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The schema is not the one this build expects, found by
    /// [`Store::check_schema`]; the message says what is missing and what to run.
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

    /// Applies the pending migrations of this engine (DDL: the account must
    /// be allowed to create tables and triggers).
    pub async fn migrate(&self) -> Result<()> {
        migrator(self.backend).run(&self.pool).await?;
        Ok(())
    }

    /// Checks, with `SELECT` only, that every migration of this build has
    /// been applied, completely and unchanged, and none that this build
    /// doesn't know. Otherwise a one-line [`StoreError::Schema`] names the
    /// migrations and says to run `classtrack migrate`.
    pub async fn check_schema(&self) -> Result<()> {
        // `success` is a BOOLEAN (TINYINT on MariaDB, which the Any driver
        // doesn't decode): read it as an integer on both engines.
        let rows = sqlx::query(
            "SELECT version, CASE WHEN success THEN 1 ELSE 0 END AS ok, checksum \
             FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(sqlx::Error::Database(db))
                if db.message().contains("_sqlx_migrations")
                    && (db.message().contains("doesn't exist")
                        || db.message().contains("no such table")) =>
            {
                return Err(StoreError::Schema(
                    "the database has no ClassTrack schema (no _sqlx_migrations table): run \
                     `classtrack migrate` with an account that may change the schema"
                        .into(),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let mut applied = Vec::with_capacity(rows.len());
        for row in &rows {
            use sqlx::Row;
            let version: i64 = row.try_get("version")?;
            let ok: i64 = row.try_get("ok")?;
            let checksum: Vec<u8> = row.try_get("checksum")?;
            applied.push((version, ok != 0, checksum));
        }
        match schema_problems(migrator(self.backend), &applied) {
            None => Ok(()),
            Some(problems) => Err(StoreError::Schema(format!(
                "the database schema is not current: {problems}; run `classtrack migrate` \
                 with an account that may change the schema"
            ))),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

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

    pub async fn close(&self) {
        self.pool.close().await;
    }
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

/// Commits a transaction begun with [`Store::begin`].
pub async fn commit(tx: Tx<'_>) -> Result<()> {
    tx.commit().await
}

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

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MYSQL_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/mysql");

/// The migrations embedded in this build for an engine.
fn migrator(backend: Backend) -> &'static sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::MySql => &MYSQL_MIGRATIONS,
    }
}

/// What is wrong with the applied migrations `(version, success, checksum)`
/// against the embedded ones, in words; `None` when the schema is current.
fn schema_problems(
    migrator: &sqlx::migrate::Migrator,
    applied: &[(i64, bool, Vec<u8>)],
) -> Option<String> {
    let known: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    let mut problems = Vec::new();
    let missing: Vec<String> = known
        .iter()
        .filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version))
        .map(|m| format!("{:04} ({})", m.version, m.description))
        .collect();
    if !missing.is_empty() {
        let s = if missing.len() == 1 { "" } else { "s" };
        problems.push(format!("missing migration{s} {}", missing.join(", ")));
    }
    for (version, ok, checksum) in applied {
        match known.iter().find(|m| m.version == *version) {
            None => problems.push(format!(
                "migration {version:04} is applied but unknown to this build (a newer \
                 classtrack migrated it)"
            )),
            Some(_) if !ok => problems.push(format!("migration {version:04} failed part-way")),
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => problems.push(format!(
                "migration {version:04} ({}) was applied from a different file",
                m.description
            )),
            Some(_) => {}
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
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
