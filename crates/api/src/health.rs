//! What a replica says about itself, to load balancers and orchestrators:
//! `GET /healthz` (the process is alive: always 200), `GET /readyz` (200
//! while the database answers and the replica is not draining, else 503
//! with the reason), and `grpc.health.v1` saying the same as `/readyz`.
//! The database is probed every quarter second on a connection of its own
//! ([`Store::probe`](classtrack_store::Store::probe), which also moves to
//! the next database host when the one in use is gone), so both follow an
//! outage and its end within about a second.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use tokio::sync::watch;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use crate::state::State;

/// How often the database is probed.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);

/// The longest a probe waits for the database before it counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_millis(700);

/// What a replica can say about its readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    /// The database answered the last probe.
    pub database: bool,
    /// The replica is shutting down: it still serves calls, but a load
    /// balancer should send no new ones.
    pub draining: bool,
}

impl Readiness {
    /// Whether a load balancer should send calls here.
    pub fn ready(&self) -> bool {
        self.database && !self.draining
    }

    /// Why not, in words, or `ready`.
    pub fn reason(&self) -> &'static str {
        match (self.database, self.draining) {
            (_, true) => "draining: this replica is shutting down",
            (false, false) => "the database does not answer",
            (true, false) => "ready",
        }
    }
}

/// The services `grpc.health.v1` reports on, besides the whole server ("").
const SERVICES: [&str; 6] = [
    "classtrack.v1.AuthService",
    "classtrack.v1.UserService",
    "classtrack.v1.CourseService",
    "classtrack.v1.SessionService",
    "classtrack.v1.AttendanceService",
    "classtrack.v1.ReportService",
];

/// Probes the database every [`PROBE_INTERVAL`] and reports readiness to
/// `readiness` and to grpc.health.v1 at once when it changes (a drain is
/// reported the moment it begins). Ends when the server stops.
pub async fn report(state: State, reporter: HealthReporter) {
    let readiness = state.readiness.clone();
    let mut changed = readiness.subscribe();
    let mut stopping = state.stopping.subscribe();
    let mut reported = None;
    loop {
        let now = *readiness.borrow();
        if reported != Some(now.ready()) {
            let status = if now.ready() {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            reporter.set_service_status("", status).await;
            for name in SERVICES {
                reporter.set_service_status(name, status).await;
            }
            if reported.is_some() {
                tracing::warn!(
                    ready = now.ready(),
                    reason = now.reason(),
                    "readiness changed"
                );
            }
            reported = Some(now.ready());
        }
        tokio::select! {
            _ = tokio::time::sleep(PROBE_INTERVAL) => {}
            _ = changed.changed() => continue,
            _ = stopping.changed() => {
                if *stopping.borrow() {
                    return;
                }
            }
        }
        let answers = matches!(
            tokio::time::timeout(PROBE_TIMEOUT, state.store.probe()).await,
            Ok(Ok(()))
        );
        state.store.set_reachable(answers);
        readiness.send_if_modified(|r| {
            let was = r.database;
            r.database = answers;
            was != answers
        });
    }
}

/// `GET /healthz`: the process is alive and answers HTTP.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

/// `GET /readyz`: 200 `ready`, or 503 with the reason.
pub async fn readyz(readiness: watch::Receiver<Readiness>) -> impl IntoResponse {
    let now = *readiness.borrow();
    let code = if now.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, format!("{}\n", now.reason()))
}
