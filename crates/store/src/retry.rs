//! Trying again the work the database asks to be tried again (see
//! [`StoreError::is_retryable`]): a deadlock, a Galera certification
//! conflict, a node that is not ready yet. Each try waits a little longer,
//! with jitter so that the replicas that collided do not collide again.

use std::time::Duration;

use rand::Rng;

use crate::StoreError;

/// How often and how patiently retryable work is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries after the first; 0 answers the first failure.
    pub retries: u32,
    /// The longest wait before the first retry; it doubles for each next one…
    pub first_delay: Duration,
    /// …up to this.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Four retries, waiting up to 20, 40, 80 and 160 ms: a lost
    /// certification race clears in well under a second, and the caller
    /// still hears UNAVAILABLE within about a second of a database that
    /// keeps refusing.
    fn default() -> Self {
        Self {
            retries: 4,
            first_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0 for the first retry):
    /// uniformly random up to the exponential bound ("full jitter").
    pub fn delay(&self, attempt: u32) -> Duration {
        let bound = self
            .first_delay
            .checked_mul(2u32.saturating_pow(attempt.min(16)))
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let micros = u64::try_from(bound.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(rand::rng().random_range(0..=micros))
    }

    /// Whether a failure of try `attempt` (0 for the first try) is tried again.
    pub fn again(&self, attempt: u32, retryable: bool) -> bool {
        retryable && attempt < self.retries
    }

    /// Runs `work` until it succeeds, fails with an error that is not
    /// retryable, or has been tried `retries` more times; logs each retry.
    pub async fn run<T, E, F, Fut>(&self, what: &str, mut work: F) -> Result<T, E>
    where
        E: Retryable + std::fmt::Display,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let mut attempt = 0;
        loop {
            match work().await {
                Err(e) if self.again(attempt, e.is_retryable()) => {
                    let delay = self.delay(attempt);
                    tracing::debug!(error = %e, attempt, ?delay, "{what}: the database asked to try again");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                done => return done,
            }
        }
    }
}

/// An error that can say whether the database asked for the work to be
/// tried again.
pub trait Retryable {
    /// See [`StoreError::is_retryable`].
    fn is_retryable(&self) -> bool;
}

impl Retryable for StoreError {
    fn is_retryable(&self) -> bool {
        StoreError::is_retryable(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_stay_within_the_bound() {
        let p = RetryPolicy {
            retries: 10,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        };
        for attempt in 0..10 {
            let bound = Duration::from_millis((10u64 << attempt).min(50));
            for _ in 0..50 {
                assert!(p.delay(attempt) <= bound, "attempt {attempt}");
            }
        }
        // Jitter: not always the same wait.
        let waits: std::collections::HashSet<_> = (0..20).map(|_| p.delay(3)).collect();
        assert!(waits.len() > 1, "the waits are jittered");
    }

    #[derive(Debug)]
    struct Busy(bool);
    impl std::fmt::Display for Busy {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "busy={}", self.0)
        }
    }
    impl Retryable for Busy {
        fn is_retryable(&self) -> bool {
            self.0
        }
    }

    #[tokio::test]
    async fn retryable_failures_are_tried_again_a_bounded_number_of_times() {
        let p = RetryPolicy {
            retries: 3,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        };
        let mut tries = 0;
        let r: Result<(), Busy> = p
            .run("test", || {
                tries += 1;
                async { Err(Busy(true)) }
            })
            .await;
        assert!(r.is_err());
        assert_eq!(tries, 4, "the first try and three retries");

        let mut tries = 0;
        let r: Result<(), Busy> = p
            .run("test", || {
                tries += 1;
                async { Err(Busy(false)) }
            })
            .await;
        assert!(r.is_err());
        assert_eq!(
            tries, 1,
            "a failure that is not retryable is answered at once"
        );

        let mut tries = 0;
        let r: Result<u32, Busy> = p
            .run("test", || {
                tries += 1;
                let n = tries;
                async move {
                    if n < 3 {
                        Err(Busy(true))
                    } else {
                        Ok(n)
                    }
                }
            })
            .await;
        assert_eq!(r.ok(), Some(3), "success after two retries is success");
    }
}
