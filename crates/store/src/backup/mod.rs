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

//!
//! Here the backup; the restore in `restore.rs`, the check of a backup file
//! in `inspect.rs`, the file operations both use in `files.rs`.

mod files;
mod inspect;
mod restore;

use std::io;
use std::path::{Path, PathBuf};

pub use self::inspect::inspect;
pub use self::restore::restore;

use self::files::{
    rename, same_file, sqlite_database, start_partial, suffixed, sync_directory_of, sync_file,
};
use crate::{Backend, PoolOptions, Store, StoreError};

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
