//! Checking a backup (or a copy being restored): an SQLite database, sound
//! (`PRAGMA integrity_check`), ClassTrack's, with migrations this build
//! knows; and what it holds.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};

use super::files::io_error;
use super::{BackupError, Contents, Result};
use crate::{Backend, StoreError};

/// Checks a database file that nobody writes (a backup) and says what it
/// holds. It is opened read-only and immutable: no lock, no `-wal`/`-shm`.
pub async fn inspect(path: &Path) -> Result<Contents> {
    inspect_as(path, path).await
}

/// [`inspect`] of `file`, a copy of `path`: errors name `path`.
pub(super) async fn inspect_as(file: &Path, path: &Path) -> Result<Contents> {
    let not_sqlite = |e: sqlx::Error| BackupError::NotClassTrack {
        path: path.to_path_buf(),
        why: format!("it is not an SQLite database ({e})"),
    };
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .map_err(not_sqlite)?;
    let checked = check(&mut conn, path).await;
    let _ = conn.close().await;
    let (tables, migrations, pending) = checked?;
    let bytes = std::fs::metadata(file)
        .map_err(io_error("read", file))?
        .len();
    Ok(Contents {
        bytes,
        tables,
        migrations,
        pending,
    })
}

type Checked = (Vec<(String, u64)>, usize, Vec<String>);

async fn check(conn: &mut SqliteConnection, path: &Path) -> Result<Checked> {
    let report: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| BackupError::NotClassTrack {
            path: path.to_path_buf(),
            why: format!("it is not an SQLite database ({e})"),
        })?;
    if report != ["ok"] {
        return Err(BackupError::Damaged {
            path: path.to_path_buf(),
            report: report.into_iter().take(3).collect::<Vec<_>>().join("; "),
        });
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' \
         ESCAPE '!' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    if !names.iter().any(|n| n == "_sqlx_migrations") {
        return Err(BackupError::NotClassTrack {
            path: path.to_path_buf(),
            why: "it has no _sqlx_migrations table".into(),
        });
    }
    let rows = sqlx::query(
        "SELECT version, CASE WHEN success THEN 1 ELSE 0 END AS ok, checksum \
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    let mut applied = Vec::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = row.try_get("version").map_err(StoreError::from)?;
        let ok: i64 = row.try_get("ok").map_err(StoreError::from)?;
        let checksum: Vec<u8> = row.try_get("checksum").map_err(StoreError::from)?;
        applied.push((version, ok != 0, checksum));
    }
    let pending = pending_migrations(&applied).map_err(|why| BackupError::Schema {
        path: path.to_path_buf(),
        why,
    })?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names.into_iter().filter(|n| n != "_sqlx_migrations") {
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", name.replace('"', "\"\""));
        let count: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&mut *conn)
            .await
            .map_err(StoreError::from)?;
        tables.push((name, u64::try_from(count).unwrap_or(0)));
    }
    Ok((tables, applied.len(), pending))
}

/// The migrations of this build that `applied` lacks, or why this build
/// cannot run on a database with these: one it doesn't know (a newer build
/// wrote it), one that failed part-way, or one applied from another file.
fn pending_migrations(
    applied: &[(i64, bool, Vec<u8>)],
) -> std::result::Result<Vec<String>, String> {
    let migrator = crate::schema::migrator(Backend::Sqlite);
    let known: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    for (version, ok, checksum) in applied {
        match known.iter().find(|m| m.version == *version) {
            None => {
                return Err(format!(
                    "migration {version:04} is unknown to this build (a newer classtrack wrote \
                     it: restore it with that one)"
                ))
            }
            Some(m) if !ok => {
                return Err(format!(
                    "migration {version:04} ({}) failed part-way",
                    m.description
                ))
            }
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(format!(
                    "migration {version:04} ({}) was applied from a different file than this \
                     build's",
                    m.description
                ))
            }
            Some(_) => {}
        }
    }
    Ok(known
        .iter()
        .filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version))
        .map(|m| format!("{:04} ({})", m.version, m.description))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checksum(version: i64) -> Vec<u8> {
        crate::schema::migrator(Backend::Sqlite)
            .iter()
            .find(|m| m.version == version)
            .map(|m| m.checksum.to_vec())
            .expect("a migration of this build")
    }

    #[test]
    fn an_older_schema_is_pending_and_a_foreign_one_is_refused() {
        let all: Vec<i64> = crate::schema::migrator(Backend::Sqlite)
            .iter()
            .map(|m| m.version)
            .collect();
        let current: Vec<_> = all.iter().map(|v| (*v, true, checksum(*v))).collect();
        assert_eq!(pending_migrations(&current), Ok(vec![]));
        let older = &current[..1];
        let pending = pending_migrations(older).expect("an older build's backup");
        assert_eq!(pending.len(), all.len() - 1);
        assert!(
            pending[0].starts_with(&format!("{:04} (", all[1])),
            "{pending:?}"
        );
        let newer = [current.clone(), vec![(9999, true, vec![1])]].concat();
        assert!(pending_migrations(&newer)
            .unwrap_err()
            .contains("9999 is unknown to this build"));
        let failed = [(all[0], false, checksum(all[0]))];
        assert!(pending_migrations(&failed)
            .unwrap_err()
            .contains("failed part-way"));
        let edited = [(all[0], true, vec![0; 48])];
        assert!(pending_migrations(&edited)
            .unwrap_err()
            .contains("different file"));
    }
}
