//! Bearer tokens (stored as SHA-256 hashes) and failed logins for throttling.

use classtrack_core::UserId;
use sqlx::Row;

use crate::users::{self, User, COLUMNS};
use crate::{Conn, Result};

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
/// expiry, in the order asked: a burst of calls is one statement.
pub async fn token_users(
    conn: &mut Conn,
    token_hashes: &[String],
    now: i64,
) -> Result<Vec<Option<(User, i64)>>> {
    let mut found = std::collections::HashMap::with_capacity(token_hashes.len());
    for chunk in token_hashes.chunks(crate::IN_CHUNK) {
        let values = crate::padded(chunk);
        let sql = format!(
            "SELECT {COLUMNS}, t.token_hash, t.expires_at FROM auth_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash IN ({}) AND t.expires_at > ? AND t.revoked_at IS NULL AND u.active = 1",
            crate::marks(values.len())
        );
        let mut q = sqlx::query(&sql);
        for hash in values {
            q = q.bind(hash);
        }
        for row in q.bind(now).fetch_all(&mut *conn).await? {
            let hash: String = row.try_get("token_hash")?;
            found.insert(hash, (users::from_row(&row)?, row.try_get("expires_at")?));
        }
    }
    Ok(token_hashes.iter().map(|h| found.get(h).cloned()).collect())
}

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

pub async fn record_login_failure(
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

/// Failures since `since` for an account and for an address: (count, oldest) each.
pub async fn recent_failures(
    conn: &mut Conn,
    login_key: &str,
    address: &str,
    since: i64,
) -> Result<((i64, Option<i64>), (i64, Option<i64>))> {
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
    Ok((
        (by_key.try_get("n")?, by_key.try_get("oldest")?),
        (by_addr.try_get("n")?, by_addr.try_get("oldest")?),
    ))
}

pub async fn clear_login_failures(conn: &mut Conn, login_key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE login_key = ?")
        .bind(login_key)
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
    sqlx::query("DELETE FROM auth_tokens WHERE expires_at < ?")
        .bind(tokens_expired_before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
