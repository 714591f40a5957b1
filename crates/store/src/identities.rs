//! Accounts at identity providers (a directory, an OpenID provider) and the
//! ClassTrack users they are.

use classtrack_core::UserId;

use crate::{Conn, Result};

/// The user this provider account is, if it has been seen before.
pub async fn user_of(conn: &mut Conn, provider: &str, subject: &str) -> Result<Option<UserId>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM identities WHERE provider = ? AND subject = ?")
            .bind(provider)
            .bind(subject)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(id.map(UserId))
}

/// The subject this user has at `provider`, if they are linked to one.
pub async fn subject_of(conn: &mut Conn, user: UserId, provider: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT subject FROM identities WHERE user_id = ? AND provider = ?")
            .bind(user.0)
            .bind(provider)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Records that the provider account `subject` is `user`, at `now` (UTC ms).
/// [`crate::StoreError::Conflict`] when either is already linked.
pub async fn link(
    conn: &mut Conn,
    provider: &str,
    subject: &str,
    user: UserId,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO identities (provider, subject, user_id, created_at, last_login_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(provider)
    .bind(subject)
    .bind(user.0)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Notes a login through this provider account at `now` (UTC ms).
pub async fn touch(conn: &mut Conn, provider: &str, subject: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE identities SET last_login_at = ? WHERE provider = ? AND subject = ?")
        .bind(now)
        .bind(provider)
        .bind(subject)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
