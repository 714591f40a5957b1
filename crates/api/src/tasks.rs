//! Background work of a replica: finalising ended sessions, following roll
//! changes for live watchers, pruning old login data (health: `health.rs`),
//! discovering the OpenID providers at start.

use classtrack_core::SessionId;
use classtrack_store::{auth, sessions, StoreError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::State;

/// The replica's background tasks, joined on shutdown.
pub struct Tasks {
    handles: Vec<JoinHandle<()>>,
}

impl Tasks {
    /// Starts them; they end when `state.stopping` turns true.
    pub fn spawn(state: &State) -> Self {
        let rx = state.stopping.subscribe();
        let handles = vec![
            tokio::spawn(
                state
                    .hub
                    .clone()
                    .run(state.config.live_poll_interval, rx.clone()),
            ),
            tokio::spawn(finalizer(state.clone(), rx)),
        ];
        // Discovery of the OpenID providers, not waited for: one that is
        // away does not hold the server up (its logins retry it).
        for provider in &state.config.oidc {
            let provider = provider.clone();
            tokio::spawn(async move { provider.warm_up().await });
        }
        Self { handles }
    }

    /// Waits for the tasks, once `State::stopping` was raised.
    pub async fn join(self) {
        for h in self.handles {
            let _ = h.await;
        }
    }
}

/// Marks absences for sessions that ended, every `finalize_interval`. Any
/// number of replicas may run this: the store claims each session once.
async fn finalizer(state: State, mut stop: watch::Receiver<bool>) {
    let mut ticks = 0u64;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(state.config.finalize_interval) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = finalize_due(&state).await {
            tracing::warn!(error = %e, "finalising ended sessions failed; will retry");
        }
        ticks += 1;
        if ticks.is_multiple_of(240) {
            if let Err(e) = prune(&state).await {
                tracing::warn!(error = %e, "pruning old logins failed");
            }
        }
    }
}

/// Finalises every session that has ended, each in its own transaction with an audit entry:
/// the store marks absent the enrolled students without a record. Returns how many were marked.
pub async fn finalize_due(state: &State) -> Result<u64, StoreError> {
    let now = state.now_ms();
    let mut conn = state.store.acquire().await?;
    let due = sessions::due_for_finalize(&mut conn, now, 100).await?;
    drop(conn);
    let mut marked = 0;
    for id in due {
        marked += state
            .config
            .retry
            .run("finalise a session", || finalize_one(state, id, now))
            .await?;
        state.hub.nudge();
    }
    Ok(marked)
}

/// Finalises one session (if no other replica did) with its audit entry;
/// returns how many students were marked absent.
async fn finalize_one(state: &State, id: SessionId, now: i64) -> Result<u64, StoreError> {
    let mut tx = state.store.begin().await?;
    let mut marked = 0;
    if let Some(n) = sessions::finalize(&mut tx, id, now).await? {
        classtrack_store::audit::record(
            &mut tx,
            None,
            None,
            "session.finalize",
            &id.name(),
            &format!("{{\"marked_absent\":{n}}}"),
            now,
        )
        .await?;
        marked = n;
    }
    classtrack_store::commit(tx).await?;
    Ok(marked)
}

async fn prune(state: &State) -> Result<(), StoreError> {
    let now = state.now_ms();
    let mut conn = state.store.acquire().await?;
    auth::prune(&mut conn, now - 24 * 3600 * 1000, now).await?;
    classtrack_store::sso_flows::prune(&mut conn, now).await?;
    classtrack_store::attendance::prune_events(&mut conn, now - 24 * 3600 * 1000).await
}
