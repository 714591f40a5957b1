//! The migrations embedded in this build, applying them, and checking with
//! `SELECT` only that a database has them all.

use crate::{Backend, Result, Store, StoreError};

impl Store {
    /// Applies the pending migrations of this engine (DDL: the account must
    /// be allowed to create tables and triggers).
    pub async fn migrate(&self) -> Result<()> {
        migrator(self.backend()).run(self.pool()).await?;
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
        .fetch_all(self.pool())
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
        match schema_problems(migrator(self.backend()), &applied) {
            None => Ok(()),
            Some(problems) => Err(StoreError::Schema(format!(
                "the database schema is not current: {problems}; run `classtrack migrate` \
                 with an account that may change the schema"
            ))),
        }
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
