//! The login throttle (docs/security.md): guesses slow down instead of
//! locking anyone out.
//!
//! Every password check is first reserved as a failure in the database, in
//! one transaction that locks the account's and the address's throttle rows,
//! counts their recent failures and inserts the reservation. Concurrent
//! logins — on this replica or another — therefore count one after another,
//! and no more checks run than the policy admits; a login that succeeds
//! forgets its pair's failures afterwards.
//!
//! Three counts within the window decide:
//! * the account from one address (the pair): the first few failures are
//!   free, then each attempt waits a delay that doubles per failure, up to a
//!   cap — a guesser slows down, the owner typing from elsewhere is unaffected;
//! * the account from every address: a looser limit, so that a guesser
//!   spread over many addresses is still held back;
//! * the address for every account: a limit sized for a lecture hall of
//!   students behind one NAT.

use std::time::Duration;

use classtrack_store::auth::{self, RecentFailures};
use classtrack_store::retry::RetryPolicy;
use classtrack_store::{users, Store, StoreError};

use crate::error::{ApiError, ApiResult};

/// The throttle's limits; the defaults follow docs/security.md.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    /// How long a failure counts.
    pub window: Duration,
    /// Failures of one account from one address before delays begin.
    pub free_failures_per_pair: i64,
    /// The delay after the first failure beyond the free ones; it doubles
    /// with each further failure…
    pub first_delay: Duration,
    /// …up to this.
    pub max_delay: Duration,
    /// Failures of one account from all addresses together.
    pub max_failures_per_account: i64,
    /// Failures from one address for all accounts together (a lecture hall
    /// behind one NAT is hundreds of students).
    pub max_failures_per_address: i64,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            free_failures_per_pair: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5 * 60),
            max_failures_per_account: 50,
            max_failures_per_address: 300,
        }
    }
}

impl LoginThrottle {
    /// How long the next attempt must wait, if at all, given the failures
    /// within the window. Every limit that applies is honoured: the longest
    /// wait wins.
    pub fn wait(&self, f: &RecentFailures, now: i64) -> Option<Duration> {
        let window = millis(self.window);
        let mut until = None::<i64>;
        let mut later = |t: i64| until = Some(until.map_or(t, |u: i64| u.max(t)));
        if f.pair >= self.free_failures_per_pair {
            let doublings = u32::try_from(f.pair - self.free_failures_per_pair).unwrap_or(u32::MAX);
            let delay = self
                .first_delay
                .checked_mul(2u32.saturating_pow(doublings.min(31)))
                .unwrap_or(self.max_delay)
                .min(self.max_delay);
            later(f.pair_latest.unwrap_or(now) + millis(delay));
        }
        if f.account >= self.max_failures_per_account {
            later(f.account_oldest.unwrap_or(now) + window);
        }
        if f.address >= self.max_failures_per_address {
            later(f.address_oldest.unwrap_or(now) + window);
        }
        let wait = until? - now;
        (wait > 0).then(|| Duration::from_millis(u64::try_from(wait).unwrap_or(0)))
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// A password check the throttle admitted, reserved as a failure.
pub struct Attempt {
    /// The user behind the login, with their password hash; `None` for an
    /// unknown login, which is throttled all the same.
    pub found: Option<(users::User, String)>,
    /// What failures are counted under: the username when the login names
    /// an account (by username or email alike), else what was typed.
    pub key: String,
}

/// Admits a password check for `login` from `address`, reserving it, or
/// answers how long to wait. A reservation the database asks to try again
/// (a lost lock conflict: a deadlock victim, a Galera certification
/// conflict, SQLite's locked database) is tried again as `retry` allows;
/// any other failure is answered at once.
pub async fn admit(
    store: &Store,
    policy: &LoginThrottle,
    retry: &RetryPolicy,
    login: &str,
    address: &str,
    now: i64,
) -> ApiResult<Attempt> {
    let mut tries = 0;
    loop {
        match reserve(store, policy, login, address, now).await {
            Err(ReserveError::Store(e)) if retry.again(tries, e.is_retryable()) => {
                tokio::time::sleep(retry.delay(tries)).await;
                tries += 1;
            }
            Err(ReserveError::Store(e)) => return Err(e.into()),
            Err(ReserveError::Wait(retry_after)) => {
                return Err(ApiError::Throttled { retry_after })
            }
            Ok(attempt) => return Ok(attempt),
        }
    }
}

enum ReserveError {
    Wait(Duration),
    Store(StoreError),
}

impl From<StoreError> for ReserveError {
    fn from(e: StoreError) -> Self {
        ReserveError::Store(e)
    }
}

async fn reserve(
    store: &Store,
    policy: &LoginThrottle,
    login: &str,
    address: &str,
    now: i64,
) -> Result<Attempt, ReserveError> {
    let mut conn = store.acquire().await?;
    let found = users::credentials(&mut conn, login).await?;
    drop(conn);
    let key = found
        .as_ref()
        .map_or_else(|| login.to_string(), |(u, _)| u.username.clone());
    // Nothing is read in the transaction before the lock is granted: MariaDB
    // takes a transaction's snapshot at its first read, which must see every
    // attempt committed by the logins that held the lock before.
    let mut tx = store.begin().await?;
    auth::lock_throttle(&mut tx, &key, address, now).await?;
    let failures =
        auth::recent_failures(&mut tx, &key, address, now - millis(policy.window)).await?;
    if let Some(wait) = policy.wait(&failures, now) {
        // Dropping the transaction rolls back the lock rows' touch.
        return Err(ReserveError::Wait(wait.max(Duration::from_secs(1))));
    }
    auth::reserve_attempt(&mut tx, &key, address, now).await?;
    tx.commit().await?;
    Ok(Attempt { found, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(pair: i64, account: i64, address: i64) -> RecentFailures {
        RecentFailures {
            pair,
            pair_latest: Some(100_000),
            account,
            account_oldest: Some(0),
            address,
            address_oldest: Some(0),
        }
    }

    #[test]
    fn a_failure_other_than_an_unavailable_database_is_not_retried() {
        // An unavailable database can't be built here without sqlx; what is
        // not Unavailable is never retried, shared or not.
        assert!(!StoreError::NotFound.is_retryable());
        let shared = StoreError::Shared(std::sync::Arc::new(StoreError::Corrupt("x".into())));
        assert!(!shared.is_retryable());
    }

    #[test]
    fn delays_double_per_failure_up_to_the_cap() {
        let p = LoginThrottle::default();
        assert_eq!(p.wait(&failures(4, 4, 4), 100_000), None);
        let secs = |n| p.wait(&failures(n, n, n), 100_000).map(|d| d.as_secs());
        assert_eq!(secs(5), Some(1));
        assert_eq!(secs(6), Some(2));
        assert_eq!(secs(7), Some(4));
        assert_eq!(secs(13), Some(256));
        assert_eq!(secs(14), Some(300));
        assert_eq!(secs(40), Some(300));
        // the delay runs from the latest failure
        assert_eq!(p.wait(&failures(5, 5, 5), 101_000), None);
    }

    #[test]
    fn account_and_address_limits_last_until_the_window_passes_their_oldest() {
        let p = LoginThrottle::default();
        let window = p.window.as_millis() as i64;
        let account = p.wait(&failures(0, 50, 50), 100_000);
        assert_eq!(
            account,
            Some(Duration::from_millis((window - 100_000) as u64))
        );
        assert_eq!(p.wait(&failures(0, 0, 299), 100_000), None);
        assert!(p.wait(&failures(0, 0, 300), 100_000).is_some());
        assert_eq!(p.wait(&failures(0, 50, 300), window + 1), None);
    }
}
