//! The run's results: a JSON document for machines and a table for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::server::Memory;
use crate::stats::LatencySummary;

#[derive(Debug, Serialize)]
pub struct Report {
    pub tool: &'static str,
    pub version: &'static str,
    /// UTC, RFC 3339.
    pub date: String,
    pub command: String,
    pub cpus: usize,
    pub server: ServerInfo,
    pub sizes: Sizes,
    pub scenarios: Vec<ScenarioReport>,
}

#[derive(Debug, Serialize)]
pub struct ServerInfo {
    /// `spawned` or `running`.
    pub kind: &'static str,
    pub pid: Option<u32>,
    pub url: String,
    pub database: Option<String>,
    pub database_version: Option<String>,
    /// Right after start, before any set-up.
    pub memory_started: Option<Memory>,
    /// After the set-up (accounts, logins), before the first scenario.
    pub memory_idle: Option<Memory>,
    pub log: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sizes {
    pub students: usize,
    pub concurrency: usize,
    pub connections: usize,
    pub watchers: usize,
    pub watch_checkins: usize,
    pub watch_connections: usize,
    pub report_students: usize,
    pub report_sessions: usize,
    pub report_runs: usize,
    pub logins: usize,
    pub smoke: bool,
}

/// One scenario's figures. `operations` counts what was attempted,
/// `succeeded` what answered OK; the latency is of the successes only.
#[derive(Debug, Serialize)]
pub struct ScenarioReport {
    pub name: &'static str,
    /// `false` when the scenario could not run (e.g. the server lacks the RPC).
    pub ran: bool,
    pub operations: u64,
    pub succeeded: u64,
    pub elapsed_s: f64,
    pub throughput_per_s: f64,
    pub latency: Option<LatencySummary>,
    pub errors: BTreeMap<String, u64>,
    /// Peak over this scenario alone when `peak_is_per_scenario`.
    pub server_memory: Option<Memory>,
    pub peak_is_per_scenario: bool,
    pub server_cpu_s: Option<f64>,
    pub client_cpu_s: Option<f64>,
    /// Check-ins ÷ baseline throughput, on the baseline's row.
    pub ratio: Option<f64>,
    pub notes: Vec<String>,
}

impl ScenarioReport {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            ran: true,
            operations: 0,
            succeeded: 0,
            elapsed_s: 0.0,
            throughput_per_s: 0.0,
            latency: None,
            errors: BTreeMap::new(),
            server_memory: None,
            peak_is_per_scenario: false,
            server_cpu_s: None,
            client_cpu_s: None,
            ratio: None,
            notes: Vec::new(),
        }
    }

    pub fn skipped(name: &'static str, why: impl Into<String>) -> Self {
        let mut r = Self::new(name);
        r.ran = false;
        r.notes.push(why.into());
        r
    }
}

impl Report {
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let s = &self.sizes;
        let _ = writeln!(out, "ClassTrack bench {} — {}", self.version, self.date);
        let _ = writeln!(out, "command: {}", self.command);
        let _ = writeln!(
            out,
            "server: {} at {}{}{}",
            self.server.kind,
            self.server.url,
            self.server
                .database
                .as_deref()
                .map(|d| format!(", database {d}"))
                .unwrap_or_default(),
            self.server
                .database_version
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default(),
        );
        let _ = writeln!(
            out,
            "sizes: {} students, {} clients over {} connections, {} watchers ({} check-ins, {} connections), \
             report {}×{} ({} runs), {} logins{}",
            s.students,
            s.concurrency,
            s.connections,
            s.watchers,
            s.watch_checkins,
            s.watch_connections,
            s.report_students,
            s.report_sessions,
            s.report_runs,
            s.logins,
            if s.smoke { " [smoke]" } else { "" }
        );
        if let Some(m) = self.server.memory_started {
            let _ = writeln!(out, "server RSS after start: {}", mib(m.rss_kib));
        }
        if let Some(m) = self.server.memory_idle {
            let _ = writeln!(
                out,
                "server RSS idle after set-up: {} (peak during set-up {})",
                mib(m.rss_kib),
                mib(m.peak_kib)
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<9} {:>8} {:>8} {:>6} {:>8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9} {:>7}",
            "scenario",
            "ops",
            "ok",
            "errors",
            "time s",
            "per s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "peak RSS",
            "srv cpu"
        );
        for r in &self.scenarios {
            if !r.ran {
                let _ = writeln!(out, "{:<9} not run", r.name);
            } else {
                let l = r.latency;
                let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
                let _ =
                    writeln!(
                    out,
                    "{:<9} {:>8} {:>8} {:>6} {:>8.2} {:>10.1} {:>8} {:>8} {:>8} {:>8} {:>9} {:>7}",
                    r.name,
                    r.operations,
                    r.succeeded,
                    r.errors.values().sum::<u64>(),
                    r.elapsed_s,
                    r.throughput_per_s,
                    f(l.map(|l| l.p50_ms)),
                    f(l.map(|l| l.p90_ms)),
                    f(l.map(|l| l.p99_ms)),
                    f(l.map(|l| l.max_ms)),
                    r.server_memory.map(|m| mib(m.peak_kib)).unwrap_or_else(|| "-".into()),
                    r.server_cpu_s.map(|c| format!("{c:.1}s")).unwrap_or_else(|| "-".into()),
                );
            }
            if let Some(ratio) = r.ratio {
                let _ = writeln!(out, "    check-ins ÷ baseline: {ratio:.2}");
            }
            for (key, n) in &r.errors {
                let _ = writeln!(out, "    error {key}: {n}");
            }
            for note in &r.notes {
                let _ = writeln!(out, "    {note}");
            }
        }
        out
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
