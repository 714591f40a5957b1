//! The file operations of a backup and a restore: each fsynced where a
//! crash must not lose it, each error naming the file and what was being
//! done to it.

use std::io;
use std::path::{Path, PathBuf};

use super::{BackupError, Result};
use crate::in_use;
use crate::{backend_of, Backend};

/// The file of a SQLite URL; [`BackupError::NotSqlite`] for MariaDB.
pub(super) fn sqlite_database(url: &str) -> Result<PathBuf> {
    if backend_of(url)? != Backend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    in_use::sqlite_file(url)?.ok_or(BackupError::InMemory)
}

/// Creates `partial` empty (what `VACUUM INTO` accepts), removing one left
/// behind first when `replace`. Only its owner may read it: it holds
/// password hashes and students' records.
pub(super) fn start_partial(partial: &Path, replace: bool) -> Result<()> {
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
pub(super) fn keep_owner_and_mode(database: &Path, staged: &Path) -> Result<()> {
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
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `path` with `suffix` added to its file name.
pub(super) fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

pub(super) fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

pub(super) fn io_error<'a>(
    what: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> BackupError + 'a {
    move |source| BackupError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

pub(super) fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error("remove", path)(e)),
        _ => Ok(()),
    }
}

pub(super) async fn sync_file(path: &Path) -> Result<()> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(io_error("open", path))?;
    file.sync_all().await.map_err(io_error("fsync", path))
}

pub(super) fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| BackupError::Io {
        what: "rename to",
        path: to.to_path_buf(),
        source,
    })
}

/// Makes a rename into the directory of `path` durable.
pub(super) fn sync_directory_of(path: &Path) -> Result<()> {
    let directory = directory_of(path);
    std::fs::File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(io_error("fsync", directory))
}
