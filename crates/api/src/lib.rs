//! The ClassTrack gRPC API: every service of `classtrack.v1`, translating
//! proto into domain calls on the store, with authentication, role checks and
//! one error mapping.

#![warn(missing_docs)]

mod access;
/// One access-log line per request (target `access`).
pub mod access_log;
mod batch;
/// First start (the admin account) and the demo data.
pub mod bootstrap;
mod checkin;
mod convert;
/// Checking passwords against an LDAP directory.
pub mod directory;
mod error;
/// Liveness, readiness and grpc.health.v1.
pub mod health;
mod import;
pub mod language;
mod live;
/// The API's Prometheus metrics: what they are, and the layer that counts calls.
pub mod metrics;
mod names;
/// Logging in through OpenID Connect providers.
pub mod oidc;
mod passwords;
mod provisioning;
mod reflection;
/// When a response has been sent whole, and with which gRPC status.
pub mod response_end;
mod retry;
mod services;
mod signin;
mod state;
mod tasks;
mod throttle;
mod unknown;

use std::sync::Arc;
use std::time::Duration;

use classtrack_core::{Clock, SystemClock};
use classtrack_proto::v1;
use classtrack_store::Store;
use ipnet::IpNet;

pub use access::InProcess;
pub use bootstrap::{ensure_admin, load_demo, DemoLogins, DEMO_PASSWORD};
pub use error::{ApiError, SsoRefusal};
pub use passwords::HashCost;
pub use state::State;
pub use throttle::LoginThrottle;

/// How the API behaves; every field has a sensible default.
#[derive(Clone)]
pub struct ApiConfig {
    /// Base of the check-in URLs in QR codes, e.g. `https://attend.uni.edu`.
    pub public_url: String,
    /// Lifetime of a login.
    pub token_ttl: Duration,
    /// How long a replica trusts a verified login before looking it up again
    /// (revocation through another replica takes effect within this time).
    pub login_cache_ttl: Duration,
    /// How failed logins slow down further attempts (docs/security.md).
    pub login_throttle: LoginThrottle,
    /// How long after a valid scan the check-in may complete (login first).
    pub scan_allowance: Duration,
    /// Peers whose `Forwarded` / `x-forwarded-for` is believed (a load
    /// balancer, a web tier run apart). None by default: no other process,
    /// even on this machine, may choose the client address it reports.
    pub trusted_proxies: Vec<IpNet>,
    /// The header those proxies write; only that one is read.
    pub forwarded_header: classtrack_core::forwarded::ForwardedHeader,
    /// Time zone for new courses and "today".
    pub default_time_zone: String,
    /// The site's language (`en`, `fr`, `ar`): pages for a browser that asks for none of
    /// ours, and the language of the API's messages when a call names none.
    pub default_locale: String,
    /// The argon2 cost of new password hashes.
    pub hash_cost: HashCost,
    /// How often replicas look for other replicas' roll changes.
    pub live_poll_interval: Duration,
    /// How often ended sessions are finalised.
    pub finalize_interval: Duration,
    /// The time every service and task reads (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// How writes are tried again when the database asks for it.
    pub retry: classtrack_store::retry::RetryPolicy,
    /// The LDAP directory that checks passwords (docs/sso.md); `None`: local
    /// passwords only. With one, only administrators with a local password
    /// log in locally (break-glass).
    pub directory: Option<Arc<directory::Directory>>,
    /// The OpenID Connect providers one can log in with (`[[oidc]]`,
    /// docs/sso.md), in the order of the login page's buttons.
    pub oidc: Vec<Arc<oidc::OidcProvider>>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            login_cache_ttl: Duration::from_secs(5),
            login_throttle: LoginThrottle::default(),
            scan_allowance: Duration::from_secs(5 * 60),
            trusted_proxies: Vec::new(),
            forwarded_header: Default::default(),
            default_time_zone: "UTC".into(),
            default_locale: "en".into(),
            hash_cost: HashCost::default(),
            live_poll_interval: Duration::from_millis(50),
            finalize_interval: Duration::from_secs(15),
            clock: Arc::new(SystemClock),
            retry: Default::default(),
            directory: None,
            oidc: Vec::new(),
        }
    }
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("public_url", &self.public_url)
            .field("token_ttl", &self.token_ttl)
            .field("default_time_zone", &self.default_time_zone)
            .field("directory", &self.directory)
            .field("oidc", &self.oidc)
            .finish_non_exhaustive()
    }
}

/// The largest request a service reads: above the largest file it accepts
/// (a 5 MiB CSV import, a 2 MiB attachment) and tonic's 4 MiB default, so
/// that a file too large gets the service's own answer naming its limit.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// The API's routes (from [`Api::routes`]) with the web pages beside them on
/// one port: gRPC and gRPC-Web calls go to the services (a call to a service
/// or method that does not exist is answered UNIMPLEMENTED, never by a page),
/// everything else to `pages`.
pub fn beside_pages(routes: axum::Router, pages: axum::Router) -> axum::Router {
    routes.fallback_service(unknown::GrpcOrPages::new(pages))
}

/// The running API: its state and background work.
pub struct Api {
    /// What the services share; the server uses it for start-up work
    /// ([`ensure_admin`], [`load_demo`]).
    pub state: State,
    tasks: tasks::Tasks,
}

impl Api {
    /// Starts the background tasks (finalising ended sessions, following
    /// roll changes for live watchers).
    pub fn start(store: Store, config: ApiConfig) -> Self {
        let state = State::new(store, config);
        let tasks = tasks::Tasks::spawn(&state);
        Self { state, tasks }
    }

    /// Every gRPC service, health and reflection as axum routes, with
    /// gRPC-Web accepted and every call counted ([`metrics::count_calls`]).
    /// Call it once: it starts the health reporter.
    pub fn routes(&self) -> axum::Router {
        use services::*;
        let (health_reporter, health) = tonic_health::server::health_reporter();
        let s = self.state.clone();
        tokio::spawn(health::report(s.clone(), health_reporter));
        let readiness = s.readiness.subscribe();
        tonic::service::Routes::new(health)
            .add_service(reflection::v1())
            .add_service(reflection::v1alpha())
            .add_service(
                v1::auth_service_server::AuthServiceServer::new(AuthApi(s.clone()))
                    .max_decoding_message_size(MAX_REQUEST_BYTES),
            )
            .add_service(
                v1::user_service_server::UserServiceServer::new(UserApi(s.clone()))
                    .max_decoding_message_size(MAX_REQUEST_BYTES),
            )
            .add_service(
                v1::course_service_server::CourseServiceServer::new(CourseApi(s.clone()))
                    .max_decoding_message_size(MAX_REQUEST_BYTES),
            )
            .add_service(
                v1::session_service_server::SessionServiceServer::new(SessionApi(s.clone()))
                    .max_decoding_message_size(MAX_REQUEST_BYTES),
            )
            .add_service(
                v1::attendance_service_server::AttendanceServiceServer::new(AttendanceApi(
                    s.clone(),
                ))
                .max_decoding_message_size(MAX_REQUEST_BYTES),
            )
            .add_service(
                v1::report_service_server::ReportServiceServer::new(ReportApi(s))
                    .max_decoding_message_size(MAX_REQUEST_BYTES),
            )
            .into_axum_router()
            // Inside gRPC-Web: the metrics read the status from gRPC's trailers.
            .layer(axum::middleware::from_fn(language::scope))
            .layer(axum::middleware::from_fn(metrics::count_calls))
            .layer(tonic_web::GrpcWebLayer::new())
            .route("/healthz", axum::routing::get(health::healthz))
            .route(
                "/readyz",
                axum::routing::get(move || health::readyz(readiness.clone())),
            )
    }

    /// Finalises every session that has ended (what the background task does
    /// every `finalize_interval`). Returns how many students were marked absent.
    pub async fn finalize_due(&self) -> Result<u64, classtrack_store::StoreError> {
        tasks::finalize_due(&self.state).await
    }

    /// Begins a drain: `/readyz` answers 503 and grpc.health.v1 NOT_SERVING
    /// at once, so that load balancers move away, while every call is still
    /// served.
    pub fn drain(&self) {
        self.state.readiness.send_modify(|r| r.draining = true);
    }

    /// Whether load balancers should send calls here, as `/readyz` says.
    pub fn readiness(&self) -> health::Readiness {
        *self.state.readiness.borrow()
    }

    /// Ends background tasks and open streams (projectors, watchers: with
    /// UNAVAILABLE, so that clients reconnect, to another replica), so that
    /// a graceful shutdown of the HTTP server does not wait on them.
    pub fn begin_shutdown(&self) {
        self.drain();
        self.state.stopping.send_replace(true);
    }

    /// Ends the background tasks and open streams, waits for the tasks to
    /// stop, then closes the database pool.
    pub async fn shutdown(self) {
        self.begin_shutdown();
        self.tasks.join().await;
        self.state.store.close().await;
    }
}
