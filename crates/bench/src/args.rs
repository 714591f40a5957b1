//! The flags of `classtrack bench` and the plan they resolve to: which
//! scenarios run, and how big, against the defaults (full or `--smoke`).

use std::str::FromStr;

use anyhow::bail;

use crate::output::Sizes;
use crate::scenario;

/// Flags of `classtrack bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// A running server to load, on this machine only (e.g. http://127.0.0.1:8080,
    /// or https://localhost:8443 with --ca-cert).
    #[arg(long, conflicts_with = "spawn", required_unless_present = "spawn")]
    pub target: Option<String>,
    /// With an https:// --target: PEM file of the CA that signed the server's
    /// certificate, trusted besides the system's roots.
    #[arg(long, env = "CLASSTRACK_CA_CERT")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Start a server (`classtrack serve`) on a free loopback port and a fresh
    /// database, and stop it at the end.
    #[arg(long)]
    pub spawn: bool,
    /// With --spawn: the server binary to start [default: this executable].
    #[arg(long, requires = "spawn")]
    pub server_bin: Option<std::path::PathBuf>,
    /// With --spawn: the database to give the server, wiped first (a MariaDB
    /// database must have "bench" in its name); default a temporary SQLite file.
    /// With --target: the server's database, for --baseline and the report fill.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Password of the target's `admin` account (needed with --target).
    #[arg(long, env = "CLASSTRACK_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,
    /// Scenarios to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
    pub scenario: Vec<ScenarioName>,
    /// Students of the course (each checks in once) [default: 5000; smoke 40].
    #[arg(short = 's', long)]
    pub students: Option<usize>,
    /// Concurrent clients [default: 64; smoke 8].
    #[arg(short = 'c', long)]
    pub concurrency: Option<usize>,
    /// HTTP/2 connections the clients share [default: 4; smoke 2].
    #[arg(long)]
    pub connections: Option<usize>,
    /// Watchers of one session in the watch scenario [default: 1000; smoke 20].
    #[arg(short = 'w', long)]
    pub watchers: Option<usize>,
    /// Check-ins while they watch (a lecture of this size) [default: 300; smoke 20].
    #[arg(long)]
    pub watch_checkins: Option<usize>,
    /// HTTP/2 connections for the watchers [default: one per 100 watchers].
    #[arg(long)]
    pub watch_connections: Option<usize>,
    /// Students in the report course [default: 1000; smoke 40].
    #[arg(long)]
    pub report_students: Option<usize>,
    /// Past sessions in the report course [default: 60; smoke 5].
    #[arg(long)]
    pub report_sessions: Option<usize>,
    /// Timed GetCourseReport calls [default: 10; smoke 3].
    #[arg(long)]
    pub report_runs: Option<usize>,
    /// Logins in the login storm [default: 1000; smoke 20].
    #[arg(long)]
    pub logins: Option<usize>,
    /// Also measure the raw database limit (needs the database URL) and the
    /// ratio of check-ins to it.
    #[arg(long)]
    pub baseline: bool,
    /// Connections of the baseline's pool [default: the server's, SQLite 8, MariaDB 32].
    #[arg(long, requires = "baseline")]
    pub baseline_pool: Option<u32>,
    /// Tiny sizes, a few seconds per scenario (for CI). Any error fails the run.
    #[arg(long)]
    pub smoke: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioName {
    Checkin,
    Watch,
    /// `watch` with the watchers on a second replica (needs --spawn).
    Replicas,
    Login,
    Report,
    All,
}

/// A password that stays out of `Debug` output.
#[derive(Clone)]
pub struct Secret(pub(crate) String);

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// What to run and how big, flags resolved against the defaults.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) sizes: Sizes,
    pub(crate) scenarios: Vec<ScenarioName>,
    pub(crate) baseline: bool,
    pub(crate) baseline_pool: Option<u32>,
    pub(crate) smoke: bool,
}

impl Plan {
    pub(crate) fn of(args: &BenchArgs) -> anyhow::Result<Self> {
        let pick = |given: Option<usize>, full: usize, smoke: usize| {
            given.unwrap_or(if args.smoke { smoke } else { full })
        };
        let watchers = pick(args.watchers, 1_000, 20);
        let sizes = Sizes {
            students: pick(args.students, 5_000, 40),
            concurrency: pick(args.concurrency, 64, 8).max(1),
            connections: pick(args.connections, 4, 2).max(1),
            watchers,
            watch_checkins: pick(args.watch_checkins, 300, 20),
            watch_connections: args
                .watch_connections
                .unwrap_or(watchers.div_ceil(scenario::watch::WATCHERS_PER_CONNECTION))
                .max(1),
            report_students: pick(args.report_students, 1_000, 40),
            report_sessions: pick(args.report_sessions, 60, 5),
            report_runs: pick(args.report_runs, 10, 3).max(1),
            logins: pick(args.logins, 1_000, 20),
            smoke: args.smoke,
        };
        let order = [
            ScenarioName::Checkin,
            ScenarioName::Watch,
            ScenarioName::Replicas,
            ScenarioName::Login,
            ScenarioName::Report,
        ];
        let all = args.scenario.contains(&ScenarioName::All);
        let scenarios: Vec<ScenarioName> = order
            .into_iter()
            .filter(|s| all || args.scenario.contains(s))
            .collect();
        let needs_students = args.baseline || scenarios.iter().any(|s| *s != ScenarioName::Report);
        if needs_students && sizes.students == 0 {
            bail!("--students must be at least 1 for these scenarios");
        }
        if args.baseline && args.database_url.is_none() && !args.spawn {
            bail!("--baseline needs the database: give --database-url (or use --spawn)");
        }
        Ok(Self {
            sizes,
            scenarios,
            baseline: args.baseline,
            baseline_pool: args.baseline_pool,
            smoke: args.smoke,
        })
    }

    pub(crate) fn runs(&self, s: ScenarioName) -> bool {
        self.scenarios.contains(&s)
    }
}

/// The scenario's name as the flag and the report spell it.
pub(crate) fn name_of(s: ScenarioName) -> &'static str {
    match s {
        ScenarioName::Checkin => "checkin",
        ScenarioName::Watch => "watch",
        ScenarioName::Replicas => "replicas",
        ScenarioName::Login => "login",
        ScenarioName::Report => "report",
        ScenarioName::All => "all",
    }
}
