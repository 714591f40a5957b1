//! The server under test: one this process started (and will stop), or one
//! already running on this machine.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use classtrack_proto::endpoint::Target;
use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;
use tokio::process::{Child, Command};

use crate::client::{self, Bearer};
use crate::database::Database;

/// How long a spawned server may take to answer its first login.
const START_TIMEOUT: Duration = Duration::from_secs(120);
const POLL_EVERY: Duration = Duration::from_millis(250);

pub enum Server {
    Spawned(Box<Spawned>),
    Running { target: Target },
}

impl Server {
    pub fn url(&self) -> &str {
        match self {
            Server::Spawned(s) => &s.url,
            Server::Running { target } => &target.url,
        }
    }

    /// Where the clients connect, with the TLS settings of `--target`.
    pub fn target(&self) -> Target {
        match self {
            Server::Spawned(s) => Target::new(s.url.clone()),
            Server::Running { target } => target.clone(),
        }
    }

    pub fn process(&self) -> Option<&Spawned> {
        match self {
            Server::Spawned(s) => Some(s),
            Server::Running { .. } => None,
        }
    }

    /// Stops a spawned server; a running one is left as it was.
    pub async fn stop(self) -> anyhow::Result<()> {
        match self {
            Server::Spawned(s) => s.stop().await,
            Server::Running { .. } => Ok(()),
        }
    }
}

/// A `classtrack serve` child on a free loopback port. It is killed when
/// dropped, so an error anywhere in the run does not leave it behind.
pub struct Spawned {
    child: Child,
    pid: u32,
    url: String,
    log: PathBuf,
    exe: PathBuf,
    password: String,
}

impl Spawned {
    /// Starts `binary serve` (default: this executable) on `database` with a
    /// random admin password, and waits until the admin can log in.
    pub async fn start(
        database: &Database,
        binary: Option<&Path>,
    ) -> anyhow::Result<(Self, Bearer)> {
        let password = Alphanumeric.sample_string(&mut rand::rng(), 24);
        let exe = match binary {
            Some(path) => path.to_path_buf(),
            None => std::env::current_exe().context("locating the classtrack binary")?,
        };
        Self::launch(exe, database, password, "server").await
    }

    /// Another replica of the same binary on the same database (already
    /// set up by this one), on a port of its own.
    pub async fn another(&self, database: &Database) -> anyhow::Result<Self> {
        let (replica, _) =
            Self::launch(self.exe.clone(), database, self.password.clone(), "replica").await?;
        Ok(replica)
    }

    /// Where clients connect.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The clients' target (plain HTTP on loopback).
    pub fn target(&self) -> Target {
        Target::new(self.url.clone())
    }

    async fn launch(
        exe: PathBuf,
        database: &Database,
        password: String,
        role: &str,
    ) -> anyhow::Result<(Self, Bearer)> {
        let port = free_port()?;
        let url = format!("http://127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!(
            "classtrack-bench-{}-{role}.log",
            std::process::id()
        ));
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("creating the server log {}", log.display()))?;
        let log_err = log_file.try_clone().context("duplicating the log handle")?;
        let mut command = Command::new(&exe);
        command
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--database-url")
            .arg(database.url())
            .env("CLASSTRACK_ADMIN_PASSWORD", &password)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true);
        // Per-request logging (the access log) would be measured too; keep
        // the server quiet unless asked (the server reads CLASSTRACK_LOG,
        // not RUST_LOG).
        if std::env::var_os("CLASSTRACK_LOG").is_none() {
            command.env("CLASSTRACK_LOG", "warn");
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {} serve", exe.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Self {
            child,
            pid,
            url,
            log,
            exe,
            password: password.clone(),
        };
        let admin = server.wait_ready(&password).await?;
        Ok((server, admin))
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    async fn wait_ready(&mut self, password: &str) -> anyhow::Result<Bearer> {
        let started = Instant::now();
        let mut last_error = String::from("no answer yet");
        while started.elapsed() < START_TIMEOUT {
            if let Some(status) = self.child.try_wait().context("checking on the server")? {
                bail!(
                    "the server exited ({status}) before answering; its log ({}):\n{}",
                    self.log.display(),
                    log_tail(&self.log)
                );
            }
            match self.try_login(password).await {
                Ok(admin) => return Ok(admin),
                Err(e) => last_error = e,
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        bail!(
            "the server did not answer within {START_TIMEOUT:?} (last: {last_error}); its log ({}):\n{}",
            self.log.display(),
            log_tail(&self.log)
        )
    }

    async fn try_login(&self, password: &str) -> Result<Bearer, String> {
        let channel = client::connect(&Target::new(self.url.clone()), 1)
            .await
            .map_err(|e| format!("{e:#}"))?
            .pop()
            .ok_or("no channel")?;
        client::login(&channel, "admin", password, Duration::from_secs(10))
            .await
            .map_err(|s| format!("{:?}: {}", s.code(), s.message()))
    }

    /// Resident memory now.
    pub fn memory(&self) -> Option<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        Some(Memory {
            rss_kib: status_field_kib(&status, "VmRSS:")?,
            peak_kib: status_field_kib(&status, "VmHWM:")?,
        })
    }

    /// Restarts the peak-RSS count from the current RSS, so the next peak
    /// belongs to the next scenario and not to the set-up (Linux `clear_refs` 5).
    pub fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }

    /// User plus system CPU time the server has used so far.
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        cpu_time_of_stat(&stat)
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.start_kill().context("stopping the server")?;
        self.child
            .wait()
            .await
            .context("waiting for the server to stop")?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener
        .local_addr()
        .context("reading the free port")?
        .port())
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// `VmRSS:   12345 kB` → 12345.
fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// utime + stime from `/proc/PID/stat`, in clock ticks of 1/100 s (Linux's USER_HZ).
fn cpu_time_of_stat(stat: &str) -> Option<Duration> {
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// CPU time this process (the load generator) has used so far.
pub fn own_cpu_time() -> Option<Duration> {
    cpu_time_of_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_fields() {
        let status = "Name:\tclasstrack\nVmHWM:\t   40960 kB\nVmRSS:\t   20480 kB\n";
        assert_eq!(status_field_kib(status, "VmRSS:"), Some(20_480));
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(40_960));
        assert_eq!(status_field_kib(status, "VmSwap:"), None);
        let stat = "42 (class track) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3";
        assert_eq!(cpu_time_of_stat(stat), Some(Duration::from_millis(3_000)));
    }

    #[test]
    fn own_cpu_time_is_readable() {
        assert!(own_cpu_time().is_some());
    }
}
