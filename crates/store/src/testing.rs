//! Databases for tests: a temporary SQLite file always, and a fresh MariaDB
//! database per test when a server answers (dropped afterwards).
//!
//! `CLASSTRACK_TEST_MYSQL_URL` names the server (default
//! `mysql://root@127.0.0.1:3306`). Without one, MariaDB tests are skipped
//! with a loud message, except under `CI=true`, where that is a failure.

use std::io::Write;
use std::sync::OnceLock;

use rand::Rng;

use crate::{Backend, Store};

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    MySql { server: String, name: String },
}

impl TestDb {
    pub async fn open(&self) -> Store {
        Store::open(&self.url)
            .await
            .unwrap_or_else(|e| panic!("opening test database {}: {e:?}", self.url))
    }

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
                for suffix in ["", "-wal", "-shm"] {
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
    let n: u64 = rand::thread_rng().gen();
    format!("{prefix}_{}_{n:016x}", std::process::id())
}

pub fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique("classtrack_test")));
    TestDb {
        url: format!("sqlite://{}", path.display()),
        backend: Backend::Sqlite,
        cleanup: Cleanup::File(path),
    }
}

fn mysql_server() -> String {
    std::env::var("CLASSTRACK_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
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
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        if ci {
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

pub async fn mysql() -> Option<TestDb> {
    if !mysql_available().await {
        return None;
    }
    let server = mysql_server();
    let name = unique("ct_test");
    Some(TestDb {
        url: format!("{}/{name}", server.trim_end_matches('/')),
        backend: Backend::MySql,
        cleanup: Cleanup::MySql { server, name },
    })
}

/// SQLite, plus MariaDB when available.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite()];
    dbs.extend(mysql().await);
    dbs
}
