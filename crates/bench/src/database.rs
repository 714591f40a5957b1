//! The database behind the server, reached straight through sqlx: wiped before
//! a spawned run, loaded with rows for the baseline and the report scenario.
//!
//! The pool is the server's own set-up (`classtrack_store::pool_options`): the
//! same driver, pool size and SQLite pragmas, so the baseline measures what
//! the server's storage could do at best.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use serde::Serialize;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyPool, Executor, QueryBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Mariadb,
}

#[derive(Clone)]
pub struct Database {
    url: String,
    engine: Engine,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({})", self.redacted())
    }
}

impl Database {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
            Engine::Mariadb
        } else {
            bail!("--database-url must be sqlite://FILE or mysql://USER@HOST:PORT/DATABASE");
        };
        Ok(Self {
            url: url.to_string(),
            engine,
        })
    }

    /// A fresh SQLite file in the temporary directory.
    pub fn temporary_sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("classtrack-bench-{}.db", std::process::id()));
        Self {
            url: format!("sqlite://{}", path.display()),
            engine: Engine::Sqlite,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The URL without its password, for printing.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.url.clone(),
        }
    }

    /// Removes everything a previous run left: the SQLite file, or the MariaDB
    /// database (only one whose name says it is for benchmarks).
    pub async fn wipe(&self) -> anyhow::Result<()> {
        match self.engine {
            Engine::Sqlite => {
                if let Some(path) = self.sqlite_path() {
                    for suffix in ["", "-wal", "-shm", "-journal"] {
                        let file = PathBuf::from(format!("{}{suffix}", path.display()));
                        match std::fs::remove_file(&file) {
                            Ok(()) => {}
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                            Err(e) => {
                                return Err(e)
                                    .with_context(|| format!("removing {}", file.display()))
                            }
                        }
                    }
                }
                Ok(())
            }
            Engine::Mariadb => {
                let (server, name) = self.mariadb_server_and_name()?;
                if !name.to_ascii_lowercase().contains("bench") {
                    bail!(
                        "refusing to drop MariaDB database {name:?} for a fresh run: \
                         use a database whose name contains \"bench\""
                    );
                }
                sqlx::any::install_default_drivers();
                let options: AnyConnectOptions = server.parse().context("MariaDB server URL")?;
                let mut conn = sqlx::ConnectOptions::connect(&options)
                    .await
                    .with_context(|| format!("connecting to {}", self.redacted()))?;
                conn.execute(format!("DROP DATABASE IF EXISTS `{name}`").as_str())
                    .await
                    .with_context(|| format!("dropping database {name}"))?;
                sqlx::Connection::close(conn).await?;
                Ok(())
            }
        }
    }

    /// The SQLite file, when this is a file URL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self
            .url
            .strip_prefix("sqlite://")
            .or_else(|| self.url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    fn mariadb_server_and_name(&self) -> anyhow::Result<(String, String)> {
        let mut parsed = url::Url::parse(&self.url).context("--database-url")?;
        let name = parsed.path().trim_start_matches('/').to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("the MariaDB URL must name a database of letters, digits and '_'");
        }
        parsed.set_path("/");
        Ok((parsed.to_string(), name))
    }

    /// A pool configured like the server's own.
    pub async fn pool(&self, size: u32) -> anyhow::Result<AnyPool> {
        sqlx::any::install_default_drivers();
        let options: AnyConnectOptions = self.url.parse().context("--database-url")?;
        let backend = match self.engine {
            Engine::Sqlite => classtrack_store::Backend::Sqlite,
            Engine::Mariadb => classtrack_store::Backend::MySql,
        };
        let pool = classtrack_store::pool_options(
            backend,
            &classtrack_store::PoolOptions {
                max_connections: Some(size),
                acquire_timeout: Duration::from_secs(30),
                ..classtrack_store::PoolOptions::default()
            },
        )
        .connect_with(options)
        .await
        .with_context(|| format!("connecting to {}", self.redacted()))?;
        Ok(pool)
    }

    /// The server's default pool size for this engine.
    pub fn server_pool_size(&self) -> u32 {
        classtrack_store::PoolOptions::default().size(match self.engine {
            Engine::Sqlite => classtrack_store::Backend::Sqlite,
            Engine::Mariadb => classtrack_store::Backend::MySql,
        })
    }

    pub async fn version(&self, pool: &AnyPool) -> Option<String> {
        let sql = match self.engine {
            Engine::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
            Engine::Mariadb => "SELECT CONCAT('MariaDB ', VERSION())",
        };
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(pool)
            .await
            .ok()
    }
}

/// UTC milliseconds now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One check-in as the server writes it: one INSERT of the attendance row;
/// the schema's trigger adds the roll event that live watchers follow.
pub async fn insert_check_in(
    pool: &AnyPool,
    session_id: i64,
    student_id: i64,
    device_id: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO attendance (session_id, student_id, status, source, recorded_at, note, \
         flagged, device_id, client_address, updated_at) \
         VALUES (?, ?, 'present', 'qr', ?, '', 0, ?, '127.0.0.1', ?)",
    )
    .bind(session_id)
    .bind(student_id)
    .bind(now)
    .bind(device_id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Writes `status` for every (session, student) pair given, replacing what is
/// there (the server may already have closed a past session and marked absences).
pub async fn upsert_statuses(
    pool: &AnyPool,
    engine: Engine,
    session_id: i64,
    rows: &[(i64, &'static str)],
) -> Result<(), sqlx::Error> {
    const ROWS_PER_STATEMENT: usize = 500;
    let now = now_ms();
    let mut tx = pool.begin().await?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::new(
            "INSERT INTO attendance (session_id, student_id, status, source, recorded_at, note, \
             flagged, updated_at) ",
        );
        q.push_values(chunk, |mut b, (student_id, status)| {
            let source = if *status == "excused" { "manual" } else { "qr" };
            b.push_bind(session_id)
                .push_bind(*student_id)
                .push_bind(*status)
                .push_bind(source)
                .push_bind(now)
                .push_bind("")
                .push_bind(0i32)
                .push_bind(now);
        });
        q.push(match engine {
            Engine::Sqlite => {
                " ON CONFLICT (session_id, student_id) DO UPDATE SET status = excluded.status, \
                 source = excluded.source, updated_at = excluded.updated_at"
            }
            Engine::Mariadb => {
                " ON DUPLICATE KEY UPDATE status = VALUES(status), source = VALUES(source), \
                 updated_at = VALUES(updated_at)"
            }
        });
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await
}

pub fn sql_error_key(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => format!("sql/{code}"),
            None => "sql/database".to_string(),
        },
        sqlx::Error::PoolTimedOut => "sql/pool-timed-out".to_string(),
        sqlx::Error::Io(_) => "sql/io".to_string(),
        other => format!(
            "sql/{}",
            other.to_string().chars().take(40).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_and_redaction() {
        let db = Database::parse("sqlite:///tmp/bench.db?mode=rwc").expect("sqlite url");
        assert_eq!(db.sqlite_path(), Some(PathBuf::from("/tmp/bench.db")));
        assert_eq!(
            Database::parse("sqlite::memory:")
                .ok()
                .and_then(|d| d.sqlite_path()),
            None
        );
        let my =
            Database::parse("mysql://root:pw@127.0.0.1:3306/classtrack_bench").expect("mysql url");
        assert_eq!(my.engine(), Engine::Mariadb);
        assert!(!my.redacted().contains("pw"));
        let (server, name) = my.mariadb_server_and_name().expect("has a name");
        assert_eq!(name, "classtrack_bench");
        assert!(server.ends_with("127.0.0.1:3306/"));
        assert!(Database::parse("postgres://x").is_err());
    }

    /// The baseline's and the report fill's SQL against the real SQLite schema.
    #[tokio::test]
    async fn check_ins_and_statuses_fit_the_schema() -> anyhow::Result<()> {
        let path =
            std::env::temp_dir().join(format!("classtrack-bench-test-{}.db", std::process::id()));
        let db = Database::parse(&format!("sqlite://{}?mode=rwc", path.display()))?;
        db.wipe().await?;
        let pool = db.pool(2).await?;
        sqlx::raw_sql(include_str!(
            "../../store/migrations/sqlite/0001_initial.sql"
        ))
        .execute(&pool)
        .await?;
        sqlx::raw_sql(include_str!(
            "../../store/migrations/sqlite/0002_roll_event_triggers.sql"
        ))
        .execute(&pool)
        .await?;
        sqlx::raw_sql(
            "INSERT INTO users (id, username, email, display_name, role, password_hash, created_at, updated_at) \
             VALUES (1, 'a', 'a@x.org', 'A', 'student', '-', 0, 0), (2, 'b', 'b@x.org', 'B', 'student', '-', 0, 0); \
             INSERT INTO courses (id, code, title, term, time_zone, settings, absence_rules, created_at, updated_at) \
             VALUES (1, 'C', 'C', 'T', 'UTC', '{}', '{}', 0, 0); \
             INSERT INTO sessions (id, course_id, title, room, start_at, end_at, settings, secret, created_at, updated_at) \
             VALUES (1, 1, 'S', 'R', 0, 1, '{}', x'00', 0, 0);",
        )
        .execute(&pool)
        .await?;
        insert_check_in(&pool, 1, 1, "dev-1").await?;
        assert!(
            insert_check_in(&pool, 1, 1, "dev-1").await.is_err(),
            "one record per student"
        );
        upsert_statuses(&pool, Engine::Sqlite, 1, &[(1, "late"), (2, "absent")]).await?;
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM attendance ORDER BY student_id")
                .fetch_all(&pool)
                .await?;
        assert_eq!(statuses, ["late", "absent"]);
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_events")
            .fetch_one(&pool)
            .await?;
        // the triggers: one event for the check-in, one per status written
        assert_eq!(events, 3);
        pool.close().await;
        db.wipe().await?;
        Ok(())
    }
}
