//! What every service shares: the store, the clock, the settings, the live hub
//! and the batch loops.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::live::Hub;
use crate::ApiConfig;
use classtrack_store::Store;

/// What every service and background task of one replica shares; cheap to
/// clone (everything in it is shared).
#[derive(Clone)]
pub struct State {
    /// The database.
    pub store: Store,
    /// How the API behaves, shared by every service and task.
    pub config: Arc<ApiConfig>,
    /// Tells live watchers (projectors, rolls) about changes; call
    /// `nudge` after a commit that changed a roll or a session.
    pub hub: Hub,
    /// Logins this replica verified lately.
    pub logins: Arc<crate::access::LoginCache>,
    /// Token lookups and check-ins, batched.
    pub batches: Arc<crate::batch::Batches>,
    /// Flips to true when the server shuts down; long-lived streams end then.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Whether load balancers should send calls here (`/readyz`,
    /// grpc.health.v1).
    pub readiness: Arc<tokio::sync::watch::Sender<crate::health::Readiness>>,
}

impl State {
    /// The state of one replica: the live hub, an empty login cache and
    /// the batch loops (spawned here, so call it inside a Tokio runtime).
    pub fn new(store: Store, config: ApiConfig) -> Self {
        let hub = Hub::new(store.clone(), config.clock.clone());
        let logins = Arc::new(crate::access::LoginCache::new(config.login_cache_ttl));
        let config = Arc::new(config);
        let batches = Arc::new(crate::batch::Batches::spawn(store.clone(), config.clone()));
        Self {
            store,
            config,
            hub,
            logins,
            batches,
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
            readiness: Arc::new(
                tokio::sync::watch::channel(crate::health::Readiness {
                    database: true,
                    draining: false,
                })
                .0,
            ),
        }
    }

    /// The configured clock's time.
    pub fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }

    /// The configured clock's time in milliseconds since the Unix epoch,
    /// as the store keeps times.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}
