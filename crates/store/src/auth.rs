//! Bearer tokens (stored as SHA-256 hashes), and failed logins with the
//! lock rows that let the login throttle count and reserve atomically.

use classtrack_core::UserId;
use sqlx::Row;

use crate::users::{self, User, COLUMNS};
use crate::{Conn, Result};

/// Stores a new bearer token by its SHA-256 hash (never the token), for
/// `user`, issued at `now` and valid until `expires_at` (UTC ms).
/// [`StoreError::Conflict`](crate::StoreError::Conflict) if the hash is
/// already stored.
pub async fn insert_token(
    conn: &mut Conn,
    token_hash: &str,
    user: UserId,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(token_hash)
    .bind(user.0)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The active users behind unexpired, unrevoked tokens, with each token's
/// expiry, in the order asked: a burst of calls is one statement. The user
/// of an API token ([`crate::api_tokens`]) comes back with the token's role.
pub async fn token_users(
    conn: &mut Conn,
    token_hashes: &[String],
    now: i64,
) -> Result<Vec<Option<(User, i64)>>> {
    let mut found = std::collections::HashMap::with_capacity(token_hashes.len());
    for chunk in token_hashes.chunks(crate::IN_CHUNK) {
        let values = crate::padded(chunk);
        let sql = format!(
            "SELECT {COLUMNS}, t.token_hash, t.expires_at, a.role AS token_role FROM auth_tokens t \
             JOIN users u ON u.id = t.user_id LEFT JOIN api_tokens a ON a.token_hash = t.token_hash \
             WHERE t.token_hash IN ({}) AND t.expires_at > ? AND t.revoked_at IS NULL AND u.active = 1",
            crate::marks(values.len())
        );
        let mut q = sqlx::query(&sql);
        for hash in values {
            q = q.bind(hash);
        }
        for row in q.bind(now).fetch_all(&mut *conn).await? {
            let hash: String = row.try_get("token_hash")?;
            let mut user = users::from_row(&row)?;
            if let Some(role) = row.try_get::<Option<String>, _>("token_role")? {
                user.role = role
                    .parse()
                    .map_err(|_| crate::StoreError::Corrupt(format!("API token role {role:?}")))?;
            }
            found.insert(hash, (user, row.try_get("expires_at")?));
        }
    }
    Ok(token_hashes.iter().map(|h| found.get(h).cloned()).collect())
}

/// Revokes one token at `now` (UTC ms); a no-op when it is unknown or
/// already revoked.
pub async fn revoke_token(conn: &mut Conn, token_hash: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE auth_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(token_hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Revokes every token of `user` except `keep` (if any).
pub async fn revoke_user_tokens(
    conn: &mut Conn,
    user: UserId,
    keep: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_hash <> ?",
    )
    .bind(now)
    .bind(user.0)
    .bind(keep.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Failed logins the throttle weighs for one attempt, each with the time that
/// decides when it ends: the latest failure of the pair (its delay runs from
/// there), the oldest of the account's and the address's (the window slides
/// past them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecentFailures {
    /// Failures of this account from this address.
    pub pair: i64,
    /// The latest of them (UTC ms).
    pub pair_latest: Option<i64>,
    /// Failures of this account from any address.
    pub account: i64,
    /// The oldest of them (UTC ms).
    pub account_oldest: Option<i64>,
    /// Failures from this address for any account.
    pub address: i64,
    /// The oldest of them (UTC ms).
    pub address_oldest: Option<i64>,
}

/// Locks the throttle rows of an account and of an address until the
/// transaction ends, so that the logins for either, on any replica, count and
/// reserve one after another. The account's row is always locked first: two
/// logins never wait on each other in a cycle. (On SQLite the transaction
/// already holds the one write lock; the rows only record the time.)
pub async fn lock_throttle(
    conn: &mut Conn,
    login_key: &str,
    address: &str,
    now: i64,
) -> Result<()> {
    let upsert = match crate::backend_of_conn(conn) {
        crate::Backend::Sqlite => {
            "INSERT INTO login_throttle_keys (throttle_key, touched_at) VALUES (?, ?) \
             ON CONFLICT (throttle_key) DO UPDATE SET touched_at = excluded.touched_at"
        }
        // An upsert takes the row's exclusive lock at once (INSERT IGNORE then
        // SELECT … FOR UPDATE would take a shared lock first and deadlock).
        crate::Backend::MySql => {
            "INSERT INTO login_throttle_keys (throttle_key, touched_at) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE touched_at = VALUES(touched_at)"
        }
    };
    for key in [format!("account:{login_key}"), format!("address:{address}")] {
        sqlx::query(upsert)
            .bind(key)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Failures since `since` of the pair, the account and the address. Read
/// right after [`lock_throttle`], as the transaction's first reads: MariaDB
/// takes the snapshot at the first read, so it sees every attempt committed
/// before the lock was granted.
pub async fn recent_failures(
    conn: &mut Conn,
    login_key: &str,
    address: &str,
    since: i64,
) -> Result<RecentFailures> {
    let pair = sqlx::query(
        "SELECT COUNT(*) AS n, MAX(failed_at) AS latest FROM login_failures \
         WHERE login_key = ? AND client_address = ? AND failed_at > ?",
    )
    .bind(login_key)
    .bind(address)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let by_key = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures WHERE login_key = ? AND failed_at > ?",
    )
    .bind(login_key)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let by_addr = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures WHERE client_address = ? AND failed_at > ?",
    )
    .bind(address)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    Ok(RecentFailures {
        pair: pair.try_get("n")?,
        pair_latest: pair.try_get("latest")?,
        account: by_key.try_get("n")?,
        account_oldest: by_key.try_get("oldest")?,
        address: by_addr.try_get("n")?,
        address_oldest: by_addr.try_get("oldest")?,
    })
}

/// Reserves a password check: it counts as a failure from now on, unless
/// the login succeeds and [`clear_pair_failures`] forgets it. A check that
/// never finishes (a crash) stays counted, as it should.
pub async fn reserve_attempt(
    conn: &mut Conn,
    login_key: &str,
    address: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_failures (login_key, client_address, failed_at) VALUES (?, ?, ?)",
    )
    .bind(login_key)
    .bind(address)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// After a successful login: forgets the failures of this account from this
/// address (the attempt just reserved among them). Failures from elsewhere
/// still count towards the account's limit.
pub async fn clear_pair_failures(conn: &mut Conn, login_key: &str, address: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE login_key = ? AND client_address = ?")
        .bind(login_key)
        .bind(address)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets failures and tokens that can no longer matter.
pub async fn prune(
    conn: &mut Conn,
    failures_before: i64,
    tokens_expired_before: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE failed_at < ?")
        .bind(failures_before)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM login_throttle_keys WHERE touched_at < ?")
        .bind(failures_before)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM device_authorizations WHERE expires_at < ?")
        .bind(tokens_expired_before)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM api_tokens WHERE token_hash IN \
         (SELECT token_hash FROM auth_tokens WHERE expires_at < ?)",
    )
    .bind(tokens_expired_before)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM auth_tokens WHERE expires_at < ?")
        .bind(tokens_expired_before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
