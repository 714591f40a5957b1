//! What every service shares: the store, the clock, the settings, the live hub
//! and the batch loops.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::live::Hub;
use crate::ApiConfig;
use classtrack_store::Store;

#[derive(Clone)]
pub struct State {
    pub store: Store,
    pub config: Arc<ApiConfig>,
    pub hub: Hub,
    pub logins: Arc<crate::access::LoginCache>,
    /// Token lookups and check-ins, batched.
    pub batches: Arc<crate::batch::Batches>,
    /// Flips to true when the server shuts down; long-lived streams end then.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

impl State {
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
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}
