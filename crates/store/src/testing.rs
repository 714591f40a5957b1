//! Databases for tests: a temporary SQLite file always, and a fresh MariaDB
//! database per test when a server answers (dropped afterwards).
//!
//! `CLASSTRACK_TEST_MYSQL_URL` names the server (default
//! `mysql://root@127.0.0.1:3306`), with any query it needs
//! (`?ssl-mode=verify-identity&ssl-ca=…`). Without one, MariaDB tests are
//! skipped with a loud message, except under `CI=true`, where that is a
//! failure.
//!
//! On MariaDB the tests run as the server runs in production with
//! `--no-migrate`: each database is created and migrated with that URL's
//! account (it must be allowed to create databases, users and triggers),
//! and [`TestDb::url`] is for an account with only `SELECT, INSERT, UPDATE,
//! DELETE` on the test databases, made once per test binary with a random
//! password. [`TestDb::admin_url`] keeps the privileged account for what
//! needs it.

/// Runs each `async fn name(db: TestDb)` as two tests of its own,
/// `name::sqlite` and `name::mariadb`, so that one database's failure
/// cannot hide the other's and the test's name says which failed. Each gets
/// a fresh database, neither created nor migrated ([`TestDb::open`] and
/// [`TestDb::migrate`] migrate it); the MariaDB one passes without running
/// when no server answers (see [`mysql_available`]).
///
/// ```ignore
/// use classtrack_store::testing::{per_backend, TestDb};
///
/// per_backend!(a_user_is_created);
///
/// async fn a_user_is_created(db: TestDb) {
///     let store = db.open().await;
///     // …
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __per_backend {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::testing::sqlite()).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mariadb() {
                if let Some(db) = $crate::testing::mysql_fresh().await {
                    super::$name(db).await
                }
            }
        }
    )+};
}

/// Runs each `async fn name(db: TestDb)` as one test, `name::mariadb`, on a
/// fresh MariaDB database: for what only MariaDB has (its variables, its
/// hosts, its accounts). It passes without running when no server answers.
#[doc(hidden)]
#[macro_export]
macro_rules! __mariadb_only {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mariadb() {
                if let Some(db) = $crate::testing::mysql_fresh().await {
                    super::$name(db).await
                }
            }
        }
    )+};
}

pub use crate::__mariadb_only as mariadb_only;
pub use crate::__per_backend as per_backend;

use std::io::Write;
use std::sync::OnceLock;

use crate::{Backend, Store};

/// A database that exists for one test.
pub struct TestDb {
    /// What the code under test connects with. On MariaDB an account that
    /// may only read and write rows of the test databases (a server on it
    /// starts with `migrate: false`); on SQLite the file.
    pub url: String,
    /// The same database as an account that may change the schema: it
    /// migrates the database, and serves tests of migrations and DDL. The
    /// same as [`TestDb::url`] on SQLite.
    pub admin_url: String,
    /// The engine the database runs on.
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    MySql { server: String, name: String },
}

impl TestDb {
    /// Brings the database up to date with [`TestDb::admin_url`] (creating
    /// it when missing); a no-op when it already is.
    pub async fn migrate(&self) {
        let store = Store::open(&self.admin_url).await.unwrap_or_else(|e| {
            panic!("migrating test database {}: {e:?}", redact(&self.admin_url))
        });
        store.close().await;
    }

    /// Migrates (as the privileged account), then opens the store as a
    /// server with `migrate: false` does, with [`TestDb::url`].
    pub async fn open(&self) -> Store {
        self.migrate().await;
        Store::open_without_migrating(&self.url)
            .await
            .unwrap_or_else(|e| panic!("opening test database {}: {e:?}", redact(&self.url)))
    }

    /// `"sqlite"` or `"mariadb"`, to name the backend in assertion messages.
    pub fn label(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::MySql => "mariadb",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                // `-lock`: the in-use mark every store on the file took.
                for suffix in ["", "-wal", "-shm", "-lock"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::MySql { server, name } => {
                let (server, name) = (server.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread of our own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            sqlx::any::install_default_drivers();
                            if let Ok(mut conn) =
                                <sqlx::AnyConnection as sqlx::Connection>::connect(&server).await
                            {
                                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
                                    .execute(&mut conn)
                                    .await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

fn unique(prefix: &str) -> String {
    let n: u64 = rand::random();
    format!("{prefix}_{}_{n:016x}", std::process::id())
}

/// A fresh SQLite file, not migrated yet ([`TestDb::open`] migrates it).
pub fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique("classtrack_test")));
    let url = format!("sqlite://{}", path.display());
    TestDb {
        admin_url: url.clone(),
        url,
        backend: Backend::Sqlite,
        cleanup: Cleanup::File(path),
    }
}

/// The privileged server URL: `CLASSTRACK_TEST_MYSQL_URL` or the default.
pub fn mysql_server() -> String {
    std::env::var("CLASSTRACK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// `server` (which may carry a query such as `?ssl-mode=…`) with the
/// database `name` as its path: the database goes before the query.
pub fn with_database(server: &str, name: &str) -> String {
    match url::Url::parse(server) {
        Ok(mut u) => {
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        Err(_) => format!("{}/{name}", server.trim_end_matches('/')),
    }
}

/// Whether MariaDB answers, checked once per test binary. Under CI=true a
/// missing server panics; otherwise the skip is announced on stderr directly
/// (not through the test harness's capture).
pub async fn mysql_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    if let Some(a) = AVAILABLE.get() {
        return *a;
    }
    sqlx::any::install_default_drivers();
    let server = mysql_server();
    let ok = tokio::time::timeout(std::time::Duration::from_secs(3), async {
        <sqlx::AnyConnection as sqlx::Connection>::connect(&server)
            .await
            .is_ok()
    })
    .await
    .unwrap_or(false);
    let first = AVAILABLE.set(ok).is_ok();
    if !ok {
        let server = redact(&server);
        if under_ci() {
            panic!("CI=true but MariaDB does not answer at {server}: the MariaDB half of the suite cannot run");
        }
        if first {
            let _ = writeln!(
                std::io::stderr(),
                "\n*** WARNING: MariaDB does not answer at {server}; MariaDB tests are SKIPPED (SQLite only). \
                 Start MariaDB or set CLASSTRACK_TEST_MYSQL_URL. ***\n"
            );
        }
    }
    ok
}

/// The account prefix of the test binaries' row-only accounts.
const DML_PREFIX: &str = "ct_dml_";

/// The server URL as this test binary's account with only `SELECT, INSERT,
/// UPDATE, DELETE` on the databases `ct_test_…`, created on first use (with
/// the privileged URL) under the name `ct_dml_<pid>_<unix time>_<random>`
/// and a random password. Accounts of test binaries that have ended (or
/// that are more than a day old) are dropped then.
async fn dml_server(server: &str) -> Result<String, String> {
    static DML: tokio::sync::OnceCell<Result<String, String>> = tokio::sync::OnceCell::const_new();
    DML.get_or_init(|| async {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(server)
            .await
            .map_err(|e| e.to_string())?;
        drop_stale_accounts(&mut conn).await;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let tag: u32 = rand::random();
        let user = format!("{DML_PREFIX}{}_{now}_{tag:08x}", std::process::id());
        let password: String = {
            let bytes: [u8; 18] = rand::random();
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        };
        for sql in [
            format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"),
            format!("GRANT SELECT, INSERT, UPDATE, DELETE ON `ct\\_test\\_%`.* TO '{user}'@'%'"),
        ] {
            sqlx::query(&sql)
                .execute(&mut conn)
                .await
                .map_err(|e| format!("{}: {e}", sql.replace(&password, "***")))?;
        }
        let _ = sqlx::Connection::close(conn).await;
        let mut url = url::Url::parse(server).map_err(|e| e.to_string())?;
        url.set_username(&user)
            .and_then(|()| url.set_password(Some(&password)))
            .map_err(|()| "the MariaDB URL cannot carry a user".to_string())?;
        Ok(url.to_string())
    })
    .await
    .clone()
}

/// Drops the `ct_dml_…` accounts whose test binary has ended (its process
/// is gone from /proc) or which are more than a day old. Best effort.
async fn drop_stale_accounts(conn: &mut sqlx::AnyConnection) {
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(User AS CHAR(128)) FROM mysql.user WHERE User LIKE 'ct!_dml!_%' ESCAPE '!'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let proc_visible = std::path::Path::new("/proc/self").exists();
    for user in users {
        let mut parts = user[DML_PREFIX.len()..].split('_');
        let (Some(Ok(pid)), Some(Ok(created))) = (
            parts.next().map(str::parse::<u32>),
            parts.next().map(str::parse::<u64>),
        ) else {
            continue;
        };
        let ended = proc_visible && !std::path::Path::new(&format!("/proc/{pid}")).exists();
        if ended || now.saturating_sub(created) > 24 * 3600 {
            let _ = sqlx::query(&format!("DROP USER IF EXISTS '{user}'@'%'"))
                .execute(&mut *conn)
                .await;
        }
    }
}

/// A MariaDB database for one test, not created or migrated yet: for tests
/// of what happens on an empty database. Its [`TestDb::url`] is already the
/// row-only account's.
pub async fn mysql_fresh() -> Option<TestDb> {
    if !mysql_available().await {
        return None;
    }
    let server = mysql_server();
    let name = unique("ct_test");
    let dml = match dml_server(&server).await {
        Ok(dml) => dml,
        Err(e) => {
            let message = format!(
                "cannot make a row-only MariaDB account for the tests ({e}); the MariaDB tests \
                 run as {} instead, which does not prove the server works with `migrate: false` \
                 and SELECT, INSERT, UPDATE, DELETE",
                redact(&server)
            );
            if under_ci() {
                panic!("CI=true and {message}");
            }
            static WARNED: OnceLock<()> = OnceLock::new();
            if WARNED.set(()).is_ok() {
                let _ = writeln!(std::io::stderr(), "\n*** WARNING: {message} ***\n");
            }
            server.clone()
        }
    };
    Some(TestDb {
        url: with_database(&dml, &name),
        admin_url: with_database(&server, &name),
        backend: Backend::MySql,
        cleanup: Cleanup::MySql { server, name },
    })
}

/// A fresh MariaDB database, migrated, when a server answers.
pub async fn mysql() -> Option<TestDb> {
    let db = mysql_fresh().await?;
    db.migrate().await;
    Some(db)
}

/// SQLite, plus MariaDB when available, both migrated: a server on them
/// starts with `migrate: false`.
pub async fn all() -> Vec<TestDb> {
    let sqlite = sqlite();
    sqlite.migrate().await;
    let mut dbs = vec![sqlite];
    dbs.extend(mysql().await);
    dbs
}

/// A TCP relay in front of a database server, killed on demand with every
/// connection it carries and started again on the same address: a database
/// host that dies and comes back.
pub struct Relay {
    /// `127.0.0.1:PORT`, where the relay listens.
    pub addr: String,
    target: String,
    tasks: std::sync::Arc<std::sync::Mutex<tokio::task::JoinSet<()>>>,
}

impl Relay {
    /// A relay on a port of its own to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a relay");
        let addr = listener.local_addr().expect("addr").to_string();
        let relay = Self {
            addr,
            target: target.to_string(),
            tasks: Default::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let target = self.target.clone();
        let spawner = self.tasks.clone();
        self.tasks.lock().expect("relay").spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                spawner.lock().expect("relay").spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
    }

    /// Closes the relay and every connection through it: new connections
    /// are refused.
    pub fn kill(&self) {
        self.tasks.lock().expect("relay").abort_all();
    }

    /// Listens again on the same address.
    pub async fn revive(&self) {
        let listener = tokio::net::TcpListener::bind(&self.addr)
            .await
            .expect("bind the relay again");
        self.serve(listener);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_goes_before_the_query() {
        assert_eq!(
            with_database(
                "mysql://root@localhost:3317?ssl-mode=verify-identity&ssl-ca=/tmp/x/ca.pem",
                "ct_test_1"
            ),
            "mysql://root@localhost:3317/ct_test_1?ssl-mode=verify-identity&ssl-ca=/tmp/x/ca.pem"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/", "ct_test_1"),
            "mysql://root@127.0.0.1:3306/ct_test_1"
        );
    }
}
