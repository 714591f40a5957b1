//! A closed-loop load: `concurrency` workers share `count` numbered operations
//! and each runs its next one as soon as the previous answers.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::stats::Recorder;

/// What a finished load measured.
#[derive(Debug)]
pub struct Outcome {
    pub recorder: Recorder,
    pub elapsed: Duration,
    pub attempted: u64,
}

/// Runs operations `0..count`, at most `concurrency` at a time. An operation
/// reports failure as the key it is counted under (see [`crate::stats::status_key`]).
pub async fn drive<F, Fut>(count: usize, concurrency: usize, op: F) -> Outcome
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.clamp(1, count.max(1)) {
        let op = Arc::clone(&op);
        let next = Arc::clone(&next);
        workers.spawn(async move {
            let mut recorder = Recorder::new();
            // Bounded: every pass claims a fresh index below `count`.
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let sent = Instant::now();
                match op(i).await {
                    Ok(()) => recorder.record_ok(sent.elapsed()),
                    Err(key) => recorder.record_error(key),
                }
            }
            recorder
        });
    }
    let mut recorder = Recorder::new();
    while let Some(done) = workers.join_next().await {
        match done {
            Ok(worker) => recorder.merge(&worker),
            Err(e) => recorder.record_error(format!("worker failed: {e}")),
        }
    }
    Outcome {
        recorder,
        elapsed: started.elapsed(),
        attempted: count as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_operation_runs_once() {
        let seen = Arc::new(std::sync::Mutex::new(vec![0u32; 100]));
        let counter = Arc::clone(&seen);
        let outcome = drive(100, 7, move |i| {
            let counter = Arc::clone(&counter);
            async move {
                if let Ok(mut v) = counter.lock() {
                    v[i] += 1;
                }
                if i % 10 == 0 {
                    Err("Odd".to_string())
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert_eq!(outcome.recorder.ok(), 90);
        assert_eq!(outcome.recorder.errors()["Odd"], 10);
        assert!(seen
            .lock()
            .map(|v| v.iter().all(|n| *n == 1))
            .unwrap_or(false));
    }
}
