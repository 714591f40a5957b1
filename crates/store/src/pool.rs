//! Opening a store: its pool, the transactions it begins (write, snapshot,
//! on a kept connection), and moving to the next MariaDB host when the
//! current one fails. Connecting to one host (the pool's settings, each
//! connection's, creating the database) is in `connect.rs`; reading a
//! database URL in `urls.rs`.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Transaction};

use crate::connect::{connect_pool, create_mysql_database, PoolOptions};
use crate::urls::{backend_of, host_of, mysql_hosts, sqlite_url};
use crate::{Backend, Conn, Result, StoreError};

/// A pool over one database, with its engine. A MariaDB URL may name
/// several hosts (a Galera cluster): the store uses the first that answers
/// and, when [`Store::probe`] finds it gone, the next one that does.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    backend: Backend,
    /// One URL per host, in the order the database URL gives them.
    hosts: Vec<String>,
    options: PoolOptions,
    /// The host in use and its pool.
    current: RwLock<(usize, AnyPool)>,
    /// The connection [`Store::probe`] checks the database on, outside the
    /// pool so that a busy pool does not look like a dead database.
    probe: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
    /// SQLite has one writer at a time: writers of this process queue here
    /// instead of spinning in SQLite's busy handler.
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
    /// On a SQLite file: the mark that a restore must wait for (`in_use.rs`).
    in_use: Option<Arc<crate::in_use::InUse>>,
    /// Whether the database answered its last probe ([`Store::set_reachable`]):
    /// while it does not, calls that need a connection fail at once instead
    /// of waiting out the acquire timeout, which is then only the wait for
    /// a pool busy with work.
    reachable: tokio::sync::watch::Sender<bool>,
}

/// The longest [`Store::probe`] waits for one host to answer before it
/// tries the next.
const PROBE_HOST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

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
            slot @ None => slot.insert(self.store.acquire().await?),
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

    pub(crate) async fn connect_to(url: &str, create: bool, pool: &PoolOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let in_use = match backend {
            Backend::Sqlite => crate::in_use::InUse::mark(url)?.map(Arc::new),
            Backend::MySql => None,
        };
        let hosts = match backend {
            Backend::Sqlite => vec![sqlite_url(url, create)],
            Backend::MySql => mysql_hosts(url)?,
        };
        let mut last = None;
        for (i, host) in hosts.iter().enumerate() {
            let connected = async {
                if backend == Backend::MySql && create {
                    create_mysql_database(host).await?;
                }
                connect_pool(backend, host, create, pool).await
            }
            .await;
            match connected {
                Ok(current) => {
                    if i > 0 {
                        tracing::warn!(host = %host_of(host), "the first database hosts do not answer; using this one");
                    }
                    return Ok(Self {
                        inner: Arc::new(Inner {
                            backend,
                            options: *pool,
                            current: RwLock::new((i, current)),
                            probe: tokio::sync::Mutex::new(None),
                            hosts,
                            sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
                            in_use,
                            reachable: tokio::sync::watch::Sender::new(true),
                        }),
                    });
                }
                // Only an unreachable host lets the next one be tried: a
                // wrong password or a missing schema is the same everywhere.
                Err(e) if e.is_unavailable() && i + 1 < hosts.len() => {
                    tracing::warn!(host = %host_of(host), error = %e, "database host does not answer; trying the next");
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(StoreError::BadUrl("no database host".into())))
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The sqlx pool of the host in use, for callers that run their own
    /// statements (schema checks, tests).
    pub fn pool(&self) -> AnyPool {
        match self.inner.current.read() {
            Ok(current) => current.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }

    /// The host in use (`host:port`, or the SQLite file), for logs and health.
    pub fn current_host(&self) -> String {
        let i = match self.inner.current.read() {
            Ok(current) => current.0,
            Err(poisoned) => poisoned.into_inner().0,
        };
        self.inner
            .hosts
            .get(i)
            .map_or_else(String::new, |h| host_of(h))
    }

    /// The pool's settings.
    pub fn options(&self) -> &PoolOptions {
        &self.inner.options
    }

    /// Checks that the database answers, within the acquire timeout, on a
    /// connection of its own (a pool busy with work is not a dead
    /// database). When the host in use does not answer and the URL names
    /// others, moves to the first of them that does: new work then goes
    /// there, and connections of the old pool are dropped as they fail.
    pub async fn probe(&self) -> Result<()> {
        let timeout = self.inner.options.acquire_timeout.min(PROBE_HOST_TIMEOUT);
        let mut probe = self.inner.probe.lock().await;
        if let Some(conn) = probe.as_mut() {
            match tokio::time::timeout(timeout, sqlx::Connection::ping(conn)).await {
                Ok(Ok(())) => return Ok(()),
                _ => *probe = None,
            }
        }
        let (start, _) = match self.inner.current.read() {
            Ok(c) => (c.0, ()),
            Err(p) => (p.into_inner().0, ()),
        };
        let n = self.inner.hosts.len();
        let mut last = StoreError::Internal("no database host");
        for step in 0..n {
            let i = (start + step) % n;
            let host = &self.inner.hosts[i];
            let connect = async {
                let options: AnyConnectOptions = host
                    .parse()
                    .map_err(|e: sqlx::Error| StoreError::BadUrl(e.to_string()))?;
                let mut conn = sqlx::ConnectOptions::connect(&options).await?;
                sqlx::Connection::ping(&mut conn).await?;
                Ok::<_, StoreError>(conn)
            };
            match tokio::time::timeout(timeout, connect).await {
                Ok(Ok(conn)) => {
                    if step > 0 {
                        self.switch_to(i).await?;
                    }
                    *probe = Some(conn);
                    return Ok(());
                }
                Ok(Err(e)) => last = e,
                Err(_) => last = StoreError::Unavailable(sqlx::Error::PoolTimedOut),
            }
        }
        Err(last)
    }

    /// Makes host `i` the one in use: a fresh pool on it replaces the old,
    /// which is closed in the background once its connections come back.
    async fn switch_to(&self, i: usize) -> Result<()> {
        let host = &self.inner.hosts[i];
        let pool = connect_pool(self.inner.backend, host, false, &self.inner.options).await?;
        let old = match self.inner.current.write() {
            Ok(mut current) => std::mem::replace(&mut *current, (i, pool)),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), (i, pool)),
        };
        tracing::warn!(from = %host_of(&self.inner.hosts[old.0]), to = %host_of(host), "moved to another database host");
        tokio::spawn(async move { old.1.close().await });
        Ok(())
    }

    /// Records what the last probe found (the health task calls it after
    /// each [`Store::probe`]). While the database is unreachable, calls
    /// that need a connection fail with [`StoreError::Unavailable`] at once,
    /// and calls already waiting for one stop waiting.
    pub fn set_reachable(&self, reachable: bool) {
        self.inner.reachable.send_if_modified(|r| {
            let changed = *r != reachable;
            *r = reachable;
            changed
        });
    }

    /// Waits for `getting` (an acquire, or a begin that acquires) while the
    /// database is reachable: a busy pool is waited for up to the acquire
    /// timeout, a database the probe found gone is not waited for at all.
    async fn getting<T>(
        &self,
        getting: impl std::future::Future<Output = std::result::Result<T, sqlx::Error>>,
    ) -> Result<T> {
        let mut reachable = self.inner.reachable.subscribe();
        if !*reachable.borrow_and_update() {
            return Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut));
        }
        tokio::select! {
            got = crate::metrics::acquiring(getting) => Ok(got?),
            _ = reachable.wait_for(|r| !*r) => {
                Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut))
            }
        }
    }

    /// Takes a connection from the pool for reads or single statements outside
    /// a transaction; it goes back to the pool when dropped.
    /// [`StoreError::Unavailable`] when none frees up within the acquire
    /// timeout, or at once while the database is unreachable.
    pub async fn acquire(&self) -> Result<PoolConnection<Any>> {
        self.getting(self.pool().acquire()).await
    }

    /// Begins a write transaction. On SQLite it takes the write lock up
    /// front (`BEGIN IMMEDIATE`), so that it never fails half-way with
    /// "database is locked" when it starts writing.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        let writer = self.writer_place().await;
        Ok(Tx {
            inner: self
                .getting(self.pool().begin_with(self.begin_statement()))
                .await?,
            _writer: writer,
        })
    }

    /// Begins a read-only transaction whose reads all see one snapshot of
    /// the database (MariaDB: `WITH CONSISTENT SNAPSHOT`; SQLite in WAL
    /// mode: from the first read on), e.g. a roll and the position of the
    /// roll-event log it corresponds to. It takes no writer's place.
    pub async fn snapshot(&self) -> Result<Tx<'static>> {
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::MySql => "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
        };
        Ok(Tx {
            inner: self.getting(self.pool().begin_with(begin)).await?,
            _writer: None,
        })
    }

    /// On SQLite, the writers of this process queue here for the one
    /// writer's place instead of spinning in SQLite's busy handler.
    async fn writer_place(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend() {
            Backend::Sqlite => Some(self.inner.sqlite_writer.clone().lock_owned().await),
            Backend::MySql => None,
        }
    }

    /// How a write transaction begins: on SQLite with the write lock up front.
    fn begin_statement(&self) -> &'static str {
        match self.backend() {
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
        sqlx::query("SELECT 1").execute(&self.pool()).await?;
        Ok(())
    }

    /// Closes the pool: waits for the connections in use to come back, then
    /// closes them all; on SQLite it then gives up the file's in-use mark.
    pub async fn close(&self) {
        self.pool().close().await;
        if let Some(conn) = self.inner.probe.lock().await.take() {
            let _ = sqlx::Connection::close(conn).await;
        }
        if let Some(in_use) = &self.inner.in_use {
            in_use.release();
        }
    }
}

/// Commits a transaction begun with [`Store::begin`].
pub async fn commit(tx: Tx<'_>) -> Result<()> {
    tx.commit().await
}
