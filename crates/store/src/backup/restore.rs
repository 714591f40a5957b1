//! Restoring a backup over the configured SQLite database, with no server
//! on it: the copy is staged beside the database, checked, and renamed over
//! it under the database's exclusive lock.

use std::path::Path;

use super::files::{
    directory_of, io_error, keep_owner_and_mode, remove_if_there, rename, same_file,
    sqlite_database, suffixed, sync_directory_of, sync_file,
};
use super::inspect::inspect_as;
use super::{BackupError, Contents, Result};
use crate::in_use::{self, Exclusive};

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
