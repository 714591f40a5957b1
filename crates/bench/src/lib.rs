//! `classtrack bench`: a load generator that speaks real gRPC to a ClassTrack
//! server, like the phones, projectors and desks do.
//!
//! A run starts a server (`--spawn`) or finds one (`--target`), sets up a
//! course of students with their logins done (not timed), then runs the
//! chosen scenarios — `checkin`, `watch`, `login`, `report` — and prints
//! throughput, latency percentiles, errors by status and the server's memory.
//! `--baseline` adds the raw database limit for the same check-in rows.
//! These are benchmarks, not tests: nothing fails on speed.
//!
//! This file runs one; the flags and the plan they resolve to are in
//! `args.rs`, each scenario in `scenario/`, the set-up in `fixture.rs`.

mod args;
mod client;
mod database;
mod fixture;
mod load;
mod output;
mod roster;
mod scenario;
mod server;
mod stats;

use std::future::Future;
use std::sync::Arc;

use anyhow::{bail, Context};
use sqlx::AnyPool;

pub use crate::args::{BenchArgs, ScenarioName, Secret};

use crate::args::{name_of, Plan};
use crate::client::Bearer;
use crate::database::Database;
use crate::output::{Report, ScenarioReport, ServerInfo};
use crate::scenario::Cohort;
use crate::server::{Server, Spawned};

/// Runs the benchmark the flags describe and prints its results.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let plan = Plan::of(&args)?;
    let database = match (&args.database_url, args.spawn) {
        (Some(url), _) => Some(Database::parse(url)?),
        (None, true) => Some(Database::temporary_sqlite()),
        (None, false) => None,
    };
    let (server, admin) = match (&args.target, args.spawn) {
        (Some(url), false) => {
            client::check_loopback(url)?;
            let target = classtrack_proto::endpoint::Target {
                url: url.clone(),
                ca_cert: args.ca_cert.clone(),
                insecure: false,
            };
            let password = args
                .admin_password
                .as_ref()
                .context("--target needs --admin-password (or CLASSTRACK_ADMIN_PASSWORD)")?;
            let channel = client::connect(&target, 1).await?.remove(0);
            let admin = client::login(&channel, "admin", &password.0, client::CALL_TIMEOUT)
                .await
                .map_err(|s| {
                    anyhow::anyhow!(
                        "admin login at {url} failed: {:?}: {}",
                        s.code(),
                        s.message()
                    )
                })?;
            (Server::Running { target }, admin)
        }
        (None, true) => {
            let database = database
                .as_ref()
                .context("a spawned server needs a database")?;
            progress(format!(
                "wiping {} and starting the server",
                database.redacted()
            ));
            database.wipe().await?;
            let (spawned, admin) = Spawned::start(database, args.server_bin.as_deref()).await?;
            (Server::Spawned(Box::new(spawned)), admin)
        }
        _ => bail!("give either --target URL or --spawn"),
    };
    let result = bench(&plan, &server, &admin, database.as_ref()).await;
    let stopped = server.stop().await;
    if args.spawn {
        if let (Some(db), None) = (&database, &args.database_url) {
            let _ = db.wipe().await;
        }
    }
    let report = result?;
    stopped?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    let failed: Vec<&str> = report
        .scenarios
        .iter()
        .filter(|r| {
            r.notes.iter().any(|n| n.starts_with("failed:")) || (plan.smoke && !r.errors.is_empty())
        })
        .map(|r| r.name)
        .collect();
    if !failed.is_empty() {
        bail!("scenarios failed: {}", failed.join(", "));
    }
    Ok(())
}

async fn bench(
    plan: &Plan,
    server: &Server,
    admin: &Bearer,
    database: Option<&Database>,
) -> anyhow::Result<Report> {
    let sizes = &plan.sizes;
    let run_id = roster::run_id();
    let process = server.process();
    let memory_started = process.and_then(Spawned::memory);
    let channels = client::connect(&server.target(), sizes.connections).await?;

    let pool: Option<AnyPool> = match database {
        Some(db) if plan.baseline || plan.runs(ScenarioName::Report) => Some(
            db.pool(plan.baseline_pool.unwrap_or(db.server_pool_size()))
                .await?,
        ),
        _ => None,
    };
    let database_version = match (database, &pool) {
        (Some(db), Some(pool)) => db.version(pool).await,
        _ => None,
    };

    let needs_cohort = plan.baseline || plan.scenarios.iter().any(|s| *s != ScenarioName::Report);
    let cohort = if needs_cohort {
        Some(set_up_cohort(plan, &channels, admin, &run_id).await?)
    } else {
        None
    };
    let memory_idle = process.and_then(Spawned::memory);

    let mut scenarios = Vec::new();
    let mut checkin_rate = None;
    for &name in &plan.scenarios {
        progress(format!("scenario {name:?}"));
        let report = match (name, &cohort) {
            (ScenarioName::Checkin, Some(cohort)) => {
                measured(
                    server,
                    "checkin",
                    scenario::checkin::run(&channels, admin, cohort, sizes.concurrency),
                )
                .await
            }
            (ScenarioName::Watch, Some(cohort)) => {
                let watch = scenario::watch::Sizes {
                    name: "watch",
                    watchers: sizes.watchers,
                    checkins: sizes.watch_checkins,
                    connections: sizes.watch_connections,
                    concurrency: sizes.concurrency,
                };
                measured(
                    server,
                    "watch",
                    scenario::watch::run(
                        &server.target(),
                        &channels,
                        admin,
                        cohort,
                        &run_id,
                        &watch,
                    ),
                )
                .await
            }
            (ScenarioName::Replicas, Some(cohort)) => {
                let watch = scenario::watch::Sizes {
                    name: "replicas",
                    watchers: sizes.watchers,
                    checkins: sizes.watch_checkins,
                    connections: sizes.watch_connections,
                    concurrency: sizes.concurrency,
                };
                match (process, database) {
                    (Some(first), Some(db)) => {
                        measured(
                            server,
                            "replicas",
                            scenario::replicas::run(
                                first, db, &channels, admin, cohort, &run_id, &watch,
                            ),
                        )
                        .await
                    }
                    _ => ScenarioReport::skipped(
                        "replicas",
                        "needs --spawn (a second replica is started on the same database)",
                    ),
                }
            }
            (ScenarioName::Login, Some(cohort)) => {
                measured(
                    server,
                    "login",
                    scenario::login::run(&channels, cohort, sizes.logins, sizes.concurrency),
                )
                .await
            }
            (ScenarioName::Report, _) => {
                let report = scenario::report::Sizes {
                    students: sizes.report_students,
                    sessions: sizes.report_sessions,
                    runs: sizes.report_runs,
                    concurrency: sizes.concurrency,
                };
                let db = database.zip(pool.as_ref());
                measured(
                    server,
                    "report",
                    scenario::report::run(&channels, admin, &run_id, db, &report),
                )
                .await
            }
            _ => ScenarioReport::skipped(name_of(name), "no students were set up"),
        };
        if name == ScenarioName::Checkin && report.ran {
            checkin_rate = Some(report.throughput_per_s);
        }
        scenarios.push(report);
        if name == ScenarioName::Checkin && plan.baseline {
            scenarios.push(
                baseline(
                    server,
                    &channels,
                    admin,
                    cohort.as_ref(),
                    database,
                    pool.as_ref(),
                    plan,
                    checkin_rate,
                )
                .await,
            );
        }
    }
    if plan.baseline && !plan.runs(ScenarioName::Checkin) {
        scenarios.push(
            baseline(
                server,
                &channels,
                admin,
                cohort.as_ref(),
                database,
                pool.as_ref(),
                plan,
                None,
            )
            .await,
        );
    }
    if let Some(pool) = pool {
        pool.close().await;
    }

    Ok(Report {
        tool: "classtrack bench",
        version: env!("CARGO_PKG_VERSION"),
        date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        command: command_line(),
        cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        server: ServerInfo {
            kind: if process.is_some() {
                "spawned"
            } else {
                "running"
            },
            pid: process.map(Spawned::pid),
            url: server.url().to_string(),
            database: database.map(Database::redacted),
            database_version,
            memory_started,
            memory_idle,
            log: process.map(|p| p.log().display().to_string()),
        },
        sizes: sizes.clone(),
        scenarios,
    })
}

/// The raw database limit, and the ratio of the check-in rate to it.
#[allow(clippy::too_many_arguments)]
async fn baseline(
    server: &Server,
    channels: &[tonic::transport::Channel],
    admin: &Bearer,
    cohort: Option<&Cohort>,
    database: Option<&Database>,
    pool: Option<&AnyPool>,
    plan: &Plan,
    checkin_rate: Option<f64>,
) -> ScenarioReport {
    let (Some(cohort), Some(db), Some(pool)) = (cohort, database, pool) else {
        return ScenarioReport::skipped(
            "baseline",
            "failed: no students or no database for the baseline",
        );
    };
    progress("scenario baseline".to_string());
    let pool_size = plan.baseline_pool.unwrap_or(db.server_pool_size());
    let run = scenario::baseline::run(
        &channels[0],
        admin,
        cohort,
        db,
        pool,
        pool_size,
        plan.sizes.concurrency,
    );
    let mut report = measured(server, "baseline", run).await;
    if let Some(rate) = checkin_rate {
        if report.throughput_per_s > 0.0 {
            report.ratio = Some(rate / report.throughput_per_s);
        }
    }
    report
}

/// The main course with its students enrolled and, when a scenario checks
/// in, logged in.
async fn set_up_cohort(
    plan: &Plan,
    channels: &[tonic::transport::Channel],
    admin: &Bearer,
    run_id: &str,
) -> anyhow::Result<Cohort> {
    let sizes = &plan.sizes;
    progress(format!("set-up: course with {} students", sizes.students));
    let course = fixture::create_course(
        &channels[0],
        admin,
        &format!("BENCH-{run_id}"),
        "Bench course",
    )
    .await?;
    let mut students = fixture::enroll(
        &channels[0],
        admin,
        &course,
        run_id,
        &roster::roster(run_id, 0..sizes.students),
    )
    .await?;
    let bearers = if plan.runs(ScenarioName::Checkin)
        || plan.runs(ScenarioName::Watch)
        || plan.runs(ScenarioName::Replicas)
    {
        progress(format!("set-up: logging {} students in", students.len()));
        fixture::log_in_all(channels, &mut students, sizes.concurrency).await?
    } else {
        Vec::new()
    };
    Ok(Cohort {
        course,
        students: Arc::from(students),
        bearers: Arc::from(bearers),
    })
}

/// Runs one scenario and adds the server's memory and CPU over it. A
/// scenario that cannot run is reported as failed, and the run goes on.
async fn measured(
    server: &Server,
    name: &'static str,
    scenario: impl Future<Output = anyhow::Result<ScenarioReport>>,
) -> ScenarioReport {
    let process = server.process();
    let per_scenario = process.is_some_and(Spawned::reset_peak);
    let server_cpu = process.and_then(Spawned::cpu_time);
    let own_cpu = server::own_cpu_time();
    let mut report = match scenario.await {
        Ok(report) => report,
        Err(e) => ScenarioReport::skipped(name, format!("failed: {e:#}")),
    };
    report.server_memory = process.and_then(Spawned::memory);
    report.peak_is_per_scenario = per_scenario;
    report.server_cpu_s = process
        .and_then(Spawned::cpu_time)
        .zip(server_cpu)
        .map(|(after, before)| after.saturating_sub(before).as_secs_f64());
    report.client_cpu_s = server::own_cpu_time()
        .zip(own_cpu)
        .map(|(after, before)| after.saturating_sub(before).as_secs_f64());
    report
}

/// The command as typed, with any password on it hidden.
fn command_line() -> String {
    let mut hide_next = false;
    std::env::args()
        .map(|arg| {
            let shown = if hide_next {
                "***".to_string()
            } else if let Some((flag, _)) = arg
                .split_once('=')
                .filter(|(f, _)| *f == "--admin-password")
            {
                format!("{flag}=***")
            } else {
                arg.clone()
            };
            hide_next = arg == "--admin-password";
            shown
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Progress goes to stderr so that `--json` output stays clean.
pub(crate) fn progress(message: String) {
    eprintln!("[bench] {message}");
}
