//! Every write path tries again what the database asks to be tried again
//! (a deadlock, a Galera certification conflict, a node not ready: see
//! `StoreError::is_retryable`), with jittered backoff, as often as
//! `ApiConfig::retry` allows; only then is the call answered UNAVAILABLE
//! (with a RetryInfo).

/// Runs `$body` — the statements of one transaction, from `begin` to
/// `commit`, ending in an `ApiResult` — and runs it again while it fails
/// with a retryable database error, as `$state.config.retry` allows. The
/// body is an async block, so `?` and `return` leave the body (this try),
/// not the function.
macro_rules! retrying {
    ($state:expr, $what:literal, $body:block) => {{
        let policy: &classtrack_store::retry::RetryPolicy = &$state.config.retry;
        let mut attempt = 0u32;
        loop {
            let done: $crate::error::ApiResult<_> = async { $body }.await;
            match done {
                Err(e) if policy.again(attempt, e.is_retryable()) => {
                    let delay = policy.delay(attempt);
                    tracing::debug!(error = %e, attempt, ?delay, concat!($what, ": the database asked to try again"));
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                done => break done,
            }
        }
    }};
}

pub(crate) use retrying;
