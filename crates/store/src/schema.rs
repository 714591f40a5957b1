//! The migrations embedded in this build, applying them under a lock that
//! every replica honours, and checking with `SELECT` only that a database
//! has them all.

use std::time::Duration;

use sqlx::migrate::MigrateError;

use crate::{Backend, Result, Store, StoreError};

/// The lock table: one row per lock held, replicated like any row (on
/// Galera a lock taken on one node is seen on every node, which
/// `GET_LOCK` is not; and MariaDB answers sqlx's `GET_LOCK(name, -1)`
/// with NULL, no lock at all).
const LOCK_TABLE: &str = "CREATE TABLE IF NOT EXISTS classtrack_locks (\
     name VARCHAR(64) NOT NULL PRIMARY KEY, \
     holder VARCHAR(200) NOT NULL, \
     expires_at BIGINT NOT NULL)";

/// How long a lock is held without its holder renewing it; a holder that
/// died (kill -9) leaves it to the next after this.
const LOCK_LEASE: Duration = Duration::from_secs(30);

/// How long `migrate` waits for another process's migration.
const LOCK_WAIT: Duration = Duration::from_secs(15 * 60);

impl Store {
    /// Applies the pending migrations of this engine (DDL: the account must
    /// be allowed to create tables and triggers), holding the migration
    /// lock ([`Store::lock`]): replicas started together on a fresh
    /// database migrate one after the other, the first does the work and
    /// the others find nothing left to do. A migration that MariaDB left
    /// half-applied (its DDL cannot be rolled back) is a
    /// [`StoreError::Schema`] that gives the repair step.
    pub async fn migrate(&self) -> Result<()> {
        let lock = self.lock("migrate").await?;
        let done = self.migrate_locked().await;
        lock.release().await;
        done
    }

    async fn migrate_locked(&self) -> Result<()> {
        // Unlocked: the lock above is the one every replica honours.
        let mut migrator = migrator(self.backend());
        migrator.set_locking(false);
        match migrator.run(&self.pool()).await {
            Ok(()) => Ok(()),
            Err(MigrateError::Dirty(version)) => Err(StoreError::Schema(half_applied(
                self.backend(),
                version,
                "was left half-applied by an earlier run",
            ))),
            Err(MigrateError::ExecuteMigration(e, version)) if self.backend() == Backend::MySql => {
                Err(StoreError::Schema(half_applied(
                    self.backend(),
                    version,
                    &format!("failed part-way ({e})"),
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Takes the lock `name` in the lock table, waiting (up to a quarter of
    /// an hour) while another process holds it; the lock is renewed while
    /// held and lapses 30 s after a holder that died. Retryable refusals
    /// (a Galera certification conflict between two takers) are waited out
    /// like a held lock.
    pub async fn lock(&self, name: &str) -> Result<Lock> {
        let mut conn = self.acquire().await?;
        sqlx::query(LOCK_TABLE).execute(&mut *conn).await?;
        drop(conn);
        let holder = format!(
            "{}:{}:{:x}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "classtrack".into()),
            std::process::id(),
            rand::random::<u32>()
        );
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            let now = now_ms();
            let mut conn = self.acquire().await?;
            sqlx::query("DELETE FROM classtrack_locks WHERE name = ? AND expires_at < ?")
                .bind(name)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            let taken = sqlx::query(
                "INSERT INTO classtrack_locks (name, holder, expires_at) VALUES (?, ?, ?)",
            )
            .bind(name)
            .bind(&holder)
            .bind(now + lease_ms())
            .execute(&mut *conn)
            .await
            .map_err(StoreError::from);
            drop(conn);
            match taken {
                Ok(_) => break,
                Err(e) if matches!(e, StoreError::Conflict { .. }) || e.is_retryable() => {
                    if started.elapsed() > LOCK_WAIT {
                        return Err(StoreError::Schema(format!(
                            "the {name} lock is still held after {} minutes; if no classtrack \
                             is migrating, run `DELETE FROM classtrack_locks WHERE name = '{name}'`",
                            LOCK_WAIT.as_secs() / 60
                        )));
                    }
                    if !said {
                        tracing::info!(
                            lock = name,
                            "waiting for another classtrack holding the lock"
                        );
                        said = true;
                    }
                    let jitter = rand::random::<u64>() % 200;
                    tokio::time::sleep(Duration::from_millis(100 + jitter)).await;
                }
                Err(e) => return Err(e),
            }
        }
        let renew = tokio::spawn({
            let store = self.clone();
            let (name, holder) = (name.to_string(), holder.clone());
            async move {
                loop {
                    tokio::time::sleep(LOCK_LEASE / 3).await;
                    let renewed = sqlx::query(
                        "UPDATE classtrack_locks SET expires_at = ? WHERE name = ? AND holder = ?",
                    )
                    .bind(now_ms() + lease_ms())
                    .bind(&name)
                    .bind(&holder)
                    .execute(&store.pool())
                    .await;
                    if let Err(e) = renewed {
                        tracing::warn!(lock = %name, error = %e, "renewing the lock failed");
                    }
                }
            }
        });
        Ok(Lock {
            store: self.clone(),
            name: name.to_string(),
            holder,
            renew,
        })
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
        .fetch_all(&self.pool())
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
        match schema_problems(&migrator(self.backend()), &applied) {
            None => Ok(()),
            Some(problems) => Err(StoreError::Schema(format!(
                "the database schema is not current: {problems}; run `classtrack migrate` \
                 with an account that may change the schema"
            ))),
        }
    }
}

/// A lock taken with [`Store::lock`]; [`Lock::release`] gives it back
/// (dropped unreleased, it lapses after its lease).
pub struct Lock {
    store: Store,
    name: String,
    holder: String,
    renew: tokio::task::JoinHandle<()>,
}

impl Lock {
    /// Gives the lock back at once.
    pub async fn release(self) {
        self.renew.abort();
        let released = sqlx::query("DELETE FROM classtrack_locks WHERE name = ? AND holder = ?")
            .bind(&self.name)
            .bind(&self.holder)
            .execute(&self.store.pool())
            .await;
        if let Err(e) = released {
            tracing::warn!(lock = %self.name, error = %e, "releasing the lock failed; it lapses on its own");
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.renew.abort();
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn lease_ms() -> i64 {
    i64::try_from(LOCK_LEASE.as_millis()).unwrap_or(30_000)
}

/// What to do about migration `version` that `what` (MariaDB cannot roll
/// DDL back, so part of it may be in the database).
fn half_applied(backend: Backend, version: i64, what: &str) -> String {
    let file = migrator(backend)
        .iter()
        .find(|m| m.version == version)
        .map_or_else(String::new, |m| {
            format!(
                " (crates/store/migrations/mysql/{version:04}_{}.sql)",
                m.description.replace(' ', "_")
            )
        });
    format!(
        "migration {version:04}{file} {what}. To repair: undo the part of it that is in the \
         database (or restore the backup taken before the upgrade), then run \
         `DELETE FROM _sqlx_migrations WHERE version = {version};` and `classtrack migrate` again"
    )
}

/// The migrations embedded in this build for an engine.
pub(crate) fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::MySql => sqlx::migrate!("./migrations/mysql"),
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
