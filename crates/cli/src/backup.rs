//! `classtrack backup` and `classtrack restore`: the store does the work
//! (`classtrack_store::backup`); this says what was written.

use std::path::Path;

use anyhow::Context;
use classtrack_store::backup::{self, Contents};

use crate::server::redact;

/// Backs up the SQLite database of `database_url` to `to` and prints what
/// the copy holds.
pub async fn backup(database_url: &str, to: &Path, force: bool) -> anyhow::Result<()> {
    let contents = backup::backup(database_url, to, force)
        .await
        .with_context(|| format!("backing up {}", redact(database_url)))?;
    println!(
        "Backed up {} to {}: {}",
        redact(database_url),
        to.display(),
        summary(&contents)
    );
    print_tables(&contents);
    Ok(())
}

/// Replaces the SQLite database of `database_url` with the backup `from`
/// and prints what it now holds.
pub async fn restore(from: &Path, database_url: &str) -> anyhow::Result<()> {
    let contents = backup::restore(from, database_url)
        .await
        .with_context(|| format!("restoring {} into {}", from.display(), redact(database_url)))?;
    println!(
        "Restored {} into {}: {}",
        from.display(),
        redact(database_url),
        summary(&contents)
    );
    print_tables(&contents);
    Ok(())
}

/// Size, the checks passed and the schema, in one line.
fn summary(c: &Contents) -> String {
    let schema = if c.pending.is_empty() {
        format!("schema current ({} migrations)", c.migrations)
    } else {
        format!(
            "schema of an older build ({} migrations; the server's next start or `classtrack \
             migrate` applies {})",
            c.migrations,
            c.pending.join(", ")
        )
    };
    format!("{}, integrity_check ok, {schema}", size(c.bytes))
}

fn print_tables(c: &Contents) {
    let width = c.tables.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    for (table, rows) in &c.tables {
        println!("  {table:<width$} {rows:>9} rows");
    }
}

/// `2103296 bytes (2.0 MiB)`.
fn size(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    format!("{bytes} bytes ({mib:.1} MiB)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_bytes_and_mebibytes() {
        assert_eq!(size(0), "0 bytes (0.0 MiB)");
        assert_eq!(size(2_103_296), "2103296 bytes (2.0 MiB)");
    }
}
