//! Group commit for the check-in burst. Calls that arrive while the database
//! works on a batch wait and go together in the next one: a lone call goes at
//! once and waits for nothing, while 300 students scanning within seconds
//! share statements (and, for writes, one commit) instead of queueing for
//! the database one by one.
//!
//! Three loops per replica: bearer-token lookups, check-in contexts, and
//! writes (check-ins and refusals, one transaction per batch).

use std::future::Future;
use std::sync::Arc;

use classtrack_core::clock::Clock;
use classtrack_store::attendance::{self, CheckInContext, ContextQuery, Insert, Record, Rejection};
use classtrack_store::users::User;
use classtrack_store::{auth, Store, StoreError};
use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};

use crate::error::{ApiError, ApiResult};

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
                metrics::histogram!("classtrack_batch_size").record(inputs.len() as f64);
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

/// One write of the check-in path.
pub enum Write {
    CheckIn(Record),
    Refusal(Rejection),
}

/// What became of a [`Write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    CheckIn(Insert),
    Refusal,
}

type Answer<T> = Result<T, StoreError>;

/// The replica's batch loops.
pub struct Batches {
    logins: Batcher<String, Answer<Option<(User, i64)>>>,
    contexts: Batcher<ContextQuery, Answer<Option<CheckInContext>>>,
    writes: Batcher<Write, Answer<Written>>,
}

impl Batches {
    pub fn spawn(store: Store, clock: Arc<dyn Clock>) -> Self {
        let s = store.clone();
        let logins = Batcher::spawn(MAX_BATCH, move |hashes: Vec<String>| {
            let (store, now) = (s.clone(), clock.now().timestamp_millis());
            async move {
                let found = async {
                    let mut conn = store.acquire().await?;
                    auth::token_users(&mut conn, &hashes, now).await
                };
                each(hashes.len(), found.await)
            }
        });
        let s = store.clone();
        let contexts = Batcher::spawn(MAX_BATCH, move |asked: Vec<ContextQuery>| {
            let store = s.clone();
            async move {
                let found = async {
                    let mut conn = store.acquire().await?;
                    attendance::checkin_contexts(&mut conn, &asked).await
                };
                each(asked.len(), found.await)
            }
        });
        let writes = Batcher::spawn(MAX_BATCH, move |writes: Vec<Write>| {
            write_all(store.clone(), writes)
        });
        Self {
            logins,
            contexts,
            writes,
        }
    }

    /// The active user behind a token hash, and the token's expiry.
    pub async fn token_user(&self, hash: String) -> ApiResult<Option<(User, i64)>> {
        Ok(self.logins.call(hash).await??)
    }

    pub async fn checkin_context(&self, q: ContextQuery) -> ApiResult<Option<CheckInContext>> {
        Ok(self.contexts.call(q).await??)
    }

    /// Inserts a check-in while its session is open.
    pub async fn insert_checkin(&self, r: Record) -> ApiResult<Insert> {
        match self.writes.call(Write::CheckIn(r)).await?? {
            Written::CheckIn(inserted) => Ok(inserted),
            Written::Refusal => Err(ApiError::internal(BatchLost)),
        }
    }

    pub async fn record_rejection(&self, r: Rejection) -> ApiResult<()> {
        self.writes.call(Write::Refusal(r)).await??;
        Ok(())
    }
}

/// One answer per call: the batch's, or its one failure shared by all.
fn each<T>(n: usize, all: Answer<Vec<T>>) -> Vec<Answer<T>> {
    match all {
        Ok(found) => found.into_iter().map(Ok).collect(),
        Err(e) => {
            let e = Arc::new(e);
            (0..n).map(|_| Err(StoreError::Shared(e.clone()))).collect()
        }
    }
}

/// Writes a batch in one transaction. If the batch fails for a reason of its
/// own (a record that collides with one stored meanwhile), every write is
/// retried alone so that each gets its own answer; if the database fails,
/// every write gets that failure.
async fn write_all(store: Store, writes: Vec<Write>) -> Vec<Answer<Written>> {
    let together = async {
        let (mut records, mut refusals) = (Vec::new(), Vec::new());
        for w in &writes {
            match w {
                Write::CheckIn(r) => records.push(r.clone()),
                Write::Refusal(r) => refusals.push(r.clone()),
            }
        }
        let mut tx = store.begin().await?;
        attendance::record_rejections(&mut tx, &refusals).await?;
        let mut inserted = attendance::insert_checkins(&mut tx, &records)
            .await?
            .into_iter();
        classtrack_store::commit(tx).await?;
        Ok::<_, StoreError>(
            writes
                .iter()
                .map(|w| match w {
                    Write::CheckIn(_) => {
                        Written::CheckIn(inserted.next().unwrap_or(Insert::Exists))
                    }
                    Write::Refusal(_) => Written::Refusal,
                })
                .collect::<Vec<_>>(),
        )
    };
    match together.await {
        Ok(done) => done.into_iter().map(Ok).collect(),
        Err(e) if e.is_unavailable() => each(writes.len(), Err(e)),
        Err(e) => {
            tracing::debug!(error = %e, "a batch of check-ins is written one by one");
            let mut out = Vec::with_capacity(writes.len());
            for w in &writes {
                out.push(write_one(&store, w).await);
            }
            out
        }
    }
}

async fn write_one(store: &Store, w: &Write) -> Answer<Written> {
    let mut writer = store.writer().await?;
    match w {
        Write::CheckIn(r) => Ok(Written::CheckIn(
            attendance::insert_while_open(&mut writer, r).await?,
        )),
        Write::Refusal(r) => {
            attendance::record_rejection(&mut writer, r).await?;
            Ok(Written::Refusal)
        }
    }
}
