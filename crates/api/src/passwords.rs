//! argon2id password hashing, off the async threads.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::error::{ApiError, ApiResult};

/// argon2id cost. `Default` is OWASP's recommendation (19 MiB, 2 passes);
/// `Fast` exists for tests only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HashCost {
    #[default]
    Standard,
    Fast,
}

fn hasher(cost: HashCost) -> Argon2<'static> {
    let params = match cost {
        HashCost::Standard => Params::new(19 * 1024, 2, 1, None),
        HashCost::Fast => Params::new(64, 1, 1, None),
    }
    .unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// argon2 is CPU-bound and takes 19 MiB a hash: run at most one per core, so
/// that a login storm queues instead of multiplying memory.
fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

pub async fn hash(cost: HashCost, password: String) -> ApiResult<String> {
    let _slot = slots().acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher(cost)
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(e.to_string().into()))
    })
    .await
    .map_err(ApiError::internal)?
}

/// Hashes many passwords using every core.
pub async fn hash_all(cost: HashCost, passwords: Vec<String>) -> ApiResult<Vec<String>> {
    // `hash` itself runs at most one per core; spawn them all and keep the order.
    let handles: Vec<_> = passwords
        .into_iter()
        .map(|p| tokio::spawn(hash(cost, p)))
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.map_err(ApiError::internal)??);
    }
    Ok(out)
}

/// Verifies against the stored hash; with no stored hash (unknown user) it
/// verifies against a dummy so that timing does not tell which usernames exist.
pub async fn verify(stored: Option<String>, password: String) -> ApiResult<bool> {
    let _slot = slots().acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let dummy;
        let hash_text = match &stored {
            Some(h) => h.as_str(),
            None => {
                dummy = dummy_hash();
                dummy.as_str()
            }
        };
        let Ok(parsed) = PasswordHash::new(hash_text) else {
            return false;
        };
        // The stored hash carries its own parameters.
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && stored.is_some()
    })
    .await
    .map_err(ApiError::internal)
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            hasher(HashCost::Standard)
                .hash_password(b"not a real password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// A password for a new or reset account: 16 letters and digits.
pub fn generate() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}
