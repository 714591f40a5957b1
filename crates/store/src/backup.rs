//! Backing up a SQLite database while a server writes to it, and restoring
//! a backup while none runs (`classtrack backup`, `classtrack restore`).
//!
//! A backup is `VACUUM INTO` on one of the store's connections: it runs as
//! one read transaction, so the copy is the database as of one commit (every
//! check-in acknowledged before it began, none half-written), and in WAL
//! mode it does not hold up the writers. Copying the file instead misses
//! what is still in its `-wal` file, which is usually everything recent. The
//! copy goes to `FILE.partial`, is fsynced and checked ([`Contents`]), and
//! only then renamed to `FILE`.
//!
//! A restore copies a backup beside the configured database, fsyncs and
//! checks the copy, removes the old database's `-wal`, `-shm` and `-journal`
//! (they belong to the old file, and SQLite would replay them into the new
//! one) and renames the copy over the database. It holds the database's
//! lock exclusively all along (`in_use.rs`): it refuses while a server uses
//! the file, and no server opens the file half-way through.
//!
//! MariaDB is backed up with its own tools, `mariadb-dump
//! --single-transaction` or mariabackup: see docs/operations.md.

use std::io;
use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};

use crate::in_use::{self, Exclusive};
use crate::{backend_of, Backend, PoolOptions, Store, StoreError};

/// What a backup file holds, read back from the file after it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// Its size in bytes.
    pub bytes: u64,
    /// Every table but `_sqlx_migrations` and SQLite's own, in name order,
    /// with its number of rows.
    pub tables: Vec<(String, u64)>,
    /// How many migrations it has; this build knows each of them.
    pub migrations: usize,
    /// This build's migrations it does not have yet (an older build wrote
    /// it), as `0005 (description)`. A server started on it with
    /// migrations on, or `classtrack migrate`, applies them.
    pub pending: Vec<String>,
}

/// Why a backup or a restore did nothing. Each message names the file and
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database URL names MariaDB, whose backups are made with its own
    /// tools.
    #[error(
        "classtrack backup and restore copy SQLite databases only; back up MariaDB with \
         `mariadb-dump --single-transaction` (see \"Backup and restore\" in docs/operations.md)"
    )]
    NotSqlite,
    /// An in-memory database has no file to copy or replace.
    #[error("the database is in memory: there is no file to back up or restore")]
    InMemory,
    /// The backup's destination exists and may not be replaced.
    #[error("{0} exists; give --force to replace it")]
    Exists(PathBuf),
    /// A file or directory that must exist does not.
    #[error("{0} does not exist")]
    NoFile(PathBuf),
    /// The backup would be written over the database, or restored from it.
    #[error("{0} is the database itself")]
    SameFile(PathBuf),
    /// A restore found a store using the database.
    #[error("a ClassTrack server is using {0}; stop it first")]
    InUse(PathBuf),
    /// The file to restore has a write-ahead log beside it: it is a
    /// database in use (or not closed cleanly), not a backup.
    #[error(
        "{path} has a write-ahead log beside it ({wal}): it is a live database, not a backup; \
         make a backup of it with `classtrack backup`"
    )]
    LiveDatabase {
        /// The file given.
        path: PathBuf,
        /// Its `-wal` file.
        wal: PathBuf,
    },
    /// The file is not an SQLite database, or not one of ClassTrack's.
    #[error("{path} is not a ClassTrack database: {why}")]
    NotClassTrack {
        /// The file checked.
        path: PathBuf,
        /// What it is instead, or what it lacks.
        why: String,
    },
    /// `PRAGMA integrity_check` found problems.
    #[error("{path} is damaged: PRAGMA integrity_check reports {report}")]
    Damaged {
        /// The file checked.
        path: PathBuf,
        /// The first problems it reported.
        report: String,
    },
    /// The file's migrations are not ones this build can run on.
    #[error("{path} has a schema this build cannot use: {why}")]
    Schema {
        /// The file checked.
        path: PathBuf,
        /// Which migration, and why.
        why: String,
    },
    /// A file operation failed.
    #[error("cannot {what} {path}")]
    Io {
        /// What was being done (`"write"`, `"rename to"`, …).
        what: &'static str,
        /// The file it was done to.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// The database failed (it is busy or gone, the URL is wrong, a
    /// restore holds it).
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, BackupError>;

/// Backs up the SQLite database of `url` to `to` (see [`Store::backup_to`]),
/// whether a server is running on it or not. Nothing is created where the
/// database is missing.
pub async fn backup(url: &str, to: &Path, replace: bool) -> Result<Contents> {
    let database = sqlite_database(url)?;
    if !database.is_file() {
        return Err(BackupError::NoFile(database));
    }
    let one = PoolOptions {
        max_connections: Some(1),
        ..PoolOptions::default()
    };
    let store = Store::connect_to(url, false, &one).await?;
    let result = store.backup_to(to, replace).await;
    store.close().await;
    result
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `to` while
    /// servers keep writing to it: the database as of one commit, by
    /// `VACUUM INTO` to `to.partial`, fsynced, checked (`PRAGMA
    /// integrity_check`, migrations this build knows), then renamed to
    /// `to`. An existing `to` is replaced only with `replace`, and so is a
    /// `to.partial` left by a backup that failed (or one still running).
    /// [`BackupError::NotSqlite`] on MariaDB.
    pub async fn backup_to(&self, to: &Path, replace: bool) -> Result<Contents> {
        if self.backend() != Backend::Sqlite {
            return Err(BackupError::NotSqlite);
        }
        if to.exists() {
            if !replace {
                return Err(BackupError::Exists(to.to_path_buf()));
            }
            if self.is_its_file(to).await? {
                return Err(BackupError::SameFile(to.to_path_buf()));
            }
        }
        let partial = suffixed(to, ".partial");
        start_partial(&partial, replace)?;
        match self.write_partial(&partial).await {
            Ok(contents) => {
                rename(&partial, to)?;
                sync_directory_of(to)?;
                Ok(contents)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }

    /// `VACUUM INTO` the empty file `partial`, then fsync and check it.
    async fn write_partial(&self, partial: &Path) -> Result<Contents> {
        let into = partial.to_str().ok_or_else(|| BackupError::Io {
            what: "name",
            path: partial.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "the path is not UTF-8"),
        })?;
        let mut conn = self.acquire().await?;
        sqlx::query("VACUUM INTO ?")
            .bind(into)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::from)?;
        drop(conn);
        sync_file(partial).await?;
        inspect(partial).await
    }

    /// Whether `path` is this database's own file.
    async fn is_its_file(&self, path: &Path) -> Result<bool> {
        let mut conn = self.acquire().await?;
        let main: String =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(&mut *conn)
                .await
                .map_err(StoreError::from)?;
        Ok(same_file(Path::new(&main), path))
    }
}

/// Replaces the SQLite database of `url` with the backup `from`, which must
/// be a sound ClassTrack database whose migrations this build knows (it may
/// lack later ones, which the next start applies). Refused while a server
/// (or any store) uses the database, and no server can open it until the
/// restore has finished. The new file keeps the old one's owner and mode.
///
/// A crash part-way leaves either the old database or the new one, except
/// between removing the old `-wal` and the rename, which can lose what the
/// old database still had in its log; the backup is untouched, so the
/// restore can be run again.
pub async fn restore(from: &Path, url: &str) -> Result<Contents> {
    let database = sqlite_database(url)?;
    if !from.is_file() {
        return Err(BackupError::NoFile(from.to_path_buf()));
    }
    let wal = suffixed(from, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::LiveDatabase {
            path: from.to_path_buf(),
            wal,
        });
    }
    if same_file(from, &database) {
        return Err(BackupError::SameFile(database));
    }
    let directory = directory_of(&database);
    if !directory.is_dir() {
        return Err(BackupError::NoFile(directory.to_path_buf()));
    }
    let _exclusive = Exclusive::try_take(&database)
        .map_err(io_error("lock", &in_use::lock_path(&database)))?
        .ok_or_else(|| BackupError::InUse(database.clone()))?;
    let staged = suffixed(&database, ".restoring");
    // Left by a restore that failed: nobody else writes it while we hold the lock.
    remove_if_there(&staged)?;
    let contents = match stage(from, &staged, &database).await {
        Ok(contents) => contents,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    for stale in ["-wal", "-shm", "-journal"] {
        remove_if_there(&suffixed(&database, stale))?;
    }
    rename(&staged, &database)?;
    sync_directory_of(&database)?;
    Ok(contents)
}

/// Copies `from` to `staged`, fsyncs and checks the copy, and gives it the
/// owner and mode of the database it will replace.
async fn stage(from: &Path, staged: &Path, database: &Path) -> Result<Contents> {
    tokio::fs::copy(from, staged)
        .await
        .map_err(io_error("copy the backup to", staged))?;
    sync_file(staged).await?;
    let contents = inspect_as(staged, from).await?;
    keep_owner_and_mode(database, staged)?;
    Ok(contents)
}

/// Checks a database file that nobody writes (a backup) and says what it
/// holds. It is opened read-only and immutable: no lock, no `-wal`/`-shm`.
pub async fn inspect(path: &Path) -> Result<Contents> {
    inspect_as(path, path).await
}

/// [`inspect`] of `file`, a copy of `path`: errors name `path`.
async fn inspect_as(file: &Path, path: &Path) -> Result<Contents> {
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

/// The file of a SQLite URL; [`BackupError::NotSqlite`] for MariaDB.
fn sqlite_database(url: &str) -> Result<PathBuf> {
    if backend_of(url)? != Backend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    in_use::sqlite_file(url)?.ok_or(BackupError::InMemory)
}

/// Creates `partial` empty (what `VACUUM INTO` accepts), removing one left
/// behind first when `replace`. Only its owner may read it: it holds
/// password hashes and students' records.
fn start_partial(partial: &Path, replace: bool) -> Result<()> {
    let create = || {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(partial)
    };
    match create() {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && replace => {
            remove_if_there(partial)?;
            create().map(drop).map_err(io_error("create", partial))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(BackupError::Exists(partial.to_path_buf()))
        }
        Err(e) => Err(io_error("create", partial)(e)),
    }
}

/// On Unix, gives `staged` the owner and mode of `database` when that
/// exists: a restore run as root must not leave a file the server's
/// account cannot write.
fn keep_owner_and_mode(database: &Path, staged: &Path) -> Result<()> {
    let Ok(old) = std::fs::metadata(database) else {
        return Ok(());
    };
    std::fs::set_permissions(staged, old.permissions())
        .map_err(io_error("set the mode of", staged))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let new = std::fs::metadata(staged).map_err(io_error("read", staged))?;
        if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
            std::os::unix::fs::chown(staged, Some(old.uid()), Some(old.gid())).map_err(|e| {
                BackupError::Io {
                    what: "give the old database's owner (run classtrack restore as the \
                           server's user) to",
                    path: staged.to_path_buf(),
                    source: e,
                }
            })?;
        }
    }
    Ok(())
}

/// Whether two paths name one file (both must exist to be the same).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `path` with `suffix` added to its file name.
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn io_error<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> BackupError + 'a {
    move |source| BackupError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error("remove", path)(e)),
        _ => Ok(()),
    }
}

async fn sync_file(path: &Path) -> Result<()> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(io_error("open", path))?;
    file.sync_all().await.map_err(io_error("fsync", path))
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| BackupError::Io {
        what: "rename to",
        path: to.to_path_buf(),
        source,
    })
}

/// Makes a rename into the directory of `path` durable.
fn sync_directory_of(path: &Path) -> Result<()> {
    let directory = directory_of(path);
    std::fs::File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(io_error("fsync", directory))
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
