//! Group commit for the check-in burst. Calls that arrive while the database
//! works on a batch wait and go together in the next one: a lone call goes at
//! once and waits for nothing, while 300 students scanning within seconds
//! share statements (and, for writes, one commit) instead of queueing for
//! the database one by one.
//!
//! Two loops per replica: bearer-token lookups for every call, and the
//! check-ins themselves (judged and written together, see [`crate::checkin`]).

use std::future::Future;
use std::sync::Arc;

use classtrack_store::users::User;
use classtrack_store::{auth, Store, StoreError};
// One call's answer is the store's own result type: `checkin` and this
// module both use it, so neither defines it for the other.
use classtrack_store::Result as StoreResult;
use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};

use crate::checkin::{self, Ask, Judgement};
use crate::error::{ApiError, ApiResult};
use crate::ApiConfig;

/// The most calls one batch serves.
const MAX_BATCH: usize = 256;

/// A loop that runs queued inputs together.
pub struct Batcher<I, O> {
    queue: mpsc::Sender<(I, oneshot::Sender<O>)>,
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the loop: `run` gets up to `max` inputs at a time and answers
    /// each, in order. One batch runs at a time (more in parallel measured
    /// slower on both engines: smaller batches, more statements). A panic in
    /// `run` fails that batch's calls, not the loop.
    pub fn spawn<F, Fut>(max: usize, run: F) -> Self
    where
        F: Fn(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<O>> + Send + 'static,
    {
        let (queue, mut rx) = mpsc::channel::<(I, oneshot::Sender<O>)>(max * 4);
        tokio::spawn(async move {
            let mut jobs = Vec::with_capacity(max);
            // While a batch runs, the calls that arrive queue up for the next.
            while rx.recv_many(&mut jobs, max).await > 0 {
                let (inputs, replies): (Vec<I>, Vec<_>) = jobs.drain(..).unzip();
                metrics::histogram!(crate::metrics::BATCH_SIZE).record(inputs.len() as f64);
                match std::panic::AssertUnwindSafe(run(inputs))
                    .catch_unwind()
                    .await
                {
                    Ok(outputs) => {
                        for (reply, output) in replies.into_iter().zip(outputs) {
                            // The caller may have gone (a cancelled request): the work stands.
                            let _ = reply.send(output);
                        }
                    }
                    Err(_) => tracing::error!("a batch of database work panicked"),
                }
            }
        });
        Self { queue }
    }

    /// Queues one input and waits for its answer.
    pub async fn call(&self, input: I) -> ApiResult<O> {
        let (reply, answer) = oneshot::channel();
        let lost = || ApiError::internal(BatchLost);
        self.queue.send((input, reply)).await.map_err(|_| lost())?;
        answer.await.map_err(|_| lost())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the batch that held this call failed")]
struct BatchLost;

/// The replica's batch loops.
pub struct Batches {
    logins: Batcher<String, StoreResult<Option<(User, i64)>>>,
    checkins: Batcher<Ask, StoreResult<Option<Judgement>>>,
}

impl Batches {
    /// Starts the two loops: token lookups on pooled connections, check-ins on one kept
    /// connection.
    pub fn spawn(store: Store, config: Arc<ApiConfig>) -> Self {
        let (s, c) = (store.clone(), config.clone());
        let logins = Batcher::spawn(MAX_BATCH, move |hashes: Vec<String>| {
            let (store, now) = (s.clone(), c.clock.now().timestamp_millis());
            async move {
                let found = async {
                    let mut conn = store.acquire().await?;
                    auth::token_users(&mut conn, &hashes, now).await
                };
                each(hashes.len(), found.await)
            }
        });
        // One batch at a time, so one connection, kept: its statements stay prepared.
        let kept = Arc::new(tokio::sync::Mutex::new(store.kept()));
        let checkins = Batcher::spawn(MAX_BATCH, move |asks: Vec<Ask>| {
            let (kept, config) = (kept.clone(), config.clone());
            async move { checkin::run(&mut *kept.lock().await, &config, &asks).await }
        });
        Self { logins, checkins }
    }

    /// The active user behind a token hash, and the token's expiry.
    pub async fn token_user(&self, hash: String) -> ApiResult<Option<(User, i64)>> {
        Ok(self.logins.call(hash).await??)
    }

    /// Judges and writes a check-in with the others of the moment.
    pub async fn check_in(&self, ask: Ask) -> ApiResult<Option<Judgement>> {
        Ok(self.checkins.call(ask).await??)
    }
}

/// One answer per call: the batch's, or its one failure shared by all.
fn each<T>(n: usize, all: StoreResult<Vec<T>>) -> Vec<StoreResult<T>> {
    match all {
        Ok(found) => found.into_iter().map(Ok).collect(),
        Err(e) => {
            let e = Arc::new(e);
            (0..n).map(|_| Err(StoreError::Shared(e.clone()))).collect()
        }
    }
}
