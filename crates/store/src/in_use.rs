//! The mark a process leaves on a SQLite database while it has it open, so
//! that `classtrack restore` can tell that a server is using the file.
//!
//! The mark is an advisory lock (`flock`) on a file beside the database,
//! `{database}-lock`. Every [`Store`](crate::Store) on a SQLite file holds it
//! shared, from before its pool connects until [`Store::close`](crate::Store::close):
//! a server, a second replica in the same process, `classtrack migrate`,
//! `classtrack backup`. A restore takes it exclusive without waiting, so it
//! fails while any of them runs, and none of them can open the database
//! while a restore is replacing it.
//!
//! The kernel drops the lock when the process ends, however it ends, so a
//! crash never leaves a stale lock. The file itself stays (empty, harmless):
//! removing a lock file invites a race between one process unlinking it and
//! another locking the name anew. The lock is on its own file, not on the
//! database, because SQLite's own POSIX locks on the database are dropped
//! when the process closes *any* descriptor of that file, and because a
//! restore renames a new database over the old one while the name, which the
//! lock file follows, stays.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fs4::{FileExt, TryLockError};

use crate::{Result, StoreError};

/// A shared hold on a database's lock file, for as long as a store uses it.
#[derive(Debug)]
pub(crate) struct InUse {
    file: Mutex<Option<File>>,
}

impl InUse {
    /// Marks the SQLite database of `url` as in use by this process; `None`
    /// for an in-memory database. Fails when a restore holds the database,
    /// or when its lock file cannot be opened.
    pub(crate) fn mark(url: &str) -> Result<Option<Self>> {
        let Some(database) = sqlite_file(url)? else {
            return Ok(None);
        };
        let lock = lock_path(&database);
        let file = open(&lock).map_err(|e| {
            StoreError::Lock(format!(
                "cannot open {}, which tells `classtrack restore` that a server uses {}: {e}",
                lock.display(),
                database.display()
            ))
        })?;
        match FileExt::try_lock_shared(&file) {
            Ok(()) => Ok(Some(Self {
                file: Mutex::new(Some(file)),
            })),
            Err(TryLockError::WouldBlock) => Err(StoreError::Lock(format!(
                "{} is being restored (`classtrack restore` holds {}); start once it has finished",
                database.display(),
                lock.display()
            ))),
            Err(TryLockError::Error(e)) => Err(StoreError::Lock(format!(
                "cannot lock {} for {}: {e}",
                lock.display(),
                database.display()
            ))),
        }
    }

    /// Gives the mark up (closing the file drops the lock).
    pub(crate) fn release(&self) {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// The exclusive hold a restore takes: no store has the database open, and
/// none can open it until this is dropped.
#[derive(Debug)]
pub(crate) struct Exclusive {
    _file: File,
}

impl Exclusive {
    /// Takes the database's lock exclusively without waiting; `Ok(None)`
    /// when a store holds it.
    pub(crate) fn try_take(database: &Path) -> io::Result<Option<Self>> {
        let file = open(&lock_path(database))?;
        match FileExt::try_lock(&file) {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

/// The file beside `database` whose lock marks it as in use.
pub(crate) fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

/// The file a SQLite URL names, as sqlx will open it; `None` for an
/// in-memory database.
pub(crate) fn sqlite_file(url: &str) -> Result<Option<PathBuf>> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options: sqlx::sqlite::SqliteConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| StoreError::BadUrl(e.to_string()))?;
    Ok(Some(options.get_filename().to_path_buf()))
}

/// Opens the lock file, creating it when missing. A lock file made by
/// another account (a restore run as root) is opened for reading, which is
/// all `flock` needs.
fn open(lock: &Path) -> io::Result<File> {
    match OpenOptions::new().write(true).create_new(true).open(lock) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => File::open(lock),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db() -> PathBuf {
        let n: u64 = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        std::env::temp_dir().join(format!("classtrack_in_use_{}_{n}.db", std::process::id()))
    }

    #[test]
    fn stores_share_the_mark_and_a_restore_waits_for_all_of_them() {
        let db = temp_db();
        let url = format!("sqlite://{}", db.display());
        let first = InUse::mark(&url).expect("marks").expect("a file");
        let second = InUse::mark(&url)
            .expect("a second store shares it")
            .expect("a file");
        assert!(Exclusive::try_take(&db).expect("tries").is_none());
        first.release();
        assert!(
            Exclusive::try_take(&db).expect("tries").is_none(),
            "one store still uses it"
        );
        second.release();
        let restore = Exclusive::try_take(&db).expect("tries").expect("free");
        match InUse::mark(&url) {
            Err(StoreError::Lock(message)) => {
                assert!(message.contains("being restored"), "{message}")
            }
            other => panic!("a store opened a database being restored: {other:?}"),
        }
        drop(restore);
        assert!(InUse::mark(&url).expect("marks again").is_some());
        let _ = std::fs::remove_file(lock_path(&db));
    }

    #[test]
    fn the_file_is_the_one_sqlx_opens_and_memory_has_none() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/classtrack/classtrack.db?mode=rwc").expect("parses"),
            Some(PathBuf::from("/var/lib/classtrack/classtrack.db"))
        );
        assert_eq!(
            sqlite_file("sqlite://classtrack.db").expect("parses"),
            Some(PathBuf::from("classtrack.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:").expect("parses"), None);
        assert_eq!(
            lock_path(Path::new("/srv/ct.db")),
            PathBuf::from("/srv/ct.db-lock")
        );
    }
}
