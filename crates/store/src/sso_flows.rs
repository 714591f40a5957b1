//! OpenID Connect logins under way (table `sso_flows`): what the API needs
//! to finish one on any replica, found by the SHA-256 of the `state` sent to
//! the provider. A flow is taken once: [`take`] deletes the row it returns,
//! so a replayed state finds nothing.

use sqlx::Row;

use crate::{Conn, Result};

/// One login between BeginSsoLogin and FinishSsoLogin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoFlow {
    /// SHA-256 (hex) of the state.
    pub state_hash: String,
    /// The provider's configured name.
    pub provider: String,
    /// The PKCE code verifier (never leaves the server).
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The redirect URI the authorization request named.
    pub redirect_uri: String,
    /// When it began (UTC ms).
    pub created_at: i64,
    /// When it can no longer be finished (UTC ms).
    pub expires_at: i64,
}

/// Stores a flow that has just begun.
pub async fn insert(conn: &mut Conn, flow: &SsoFlow) -> Result<()> {
    sqlx::query(
        "INSERT INTO sso_flows \
         (state_hash, provider, pkce_verifier, nonce, redirect_uri, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&flow.state_hash)
    .bind(&flow.provider)
    .bind(&flow.pkce_verifier)
    .bind(&flow.nonce)
    .bind(&flow.redirect_uri)
    .bind(flow.created_at)
    .bind(flow.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes the flow of `state_hash` out of the table: `None` when there is
/// none, or when another call took it first (the delete is what claims it).
/// An expired flow is taken too; the caller judges its expiry.
pub async fn take(conn: &mut Conn, state_hash: &str) -> Result<Option<SsoFlow>> {
    let row = sqlx::query(
        "SELECT state_hash, provider, pkce_verifier, nonce, redirect_uri, created_at, expires_at \
         FROM sso_flows WHERE state_hash = ?",
    )
    .bind(state_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let deleted = sqlx::query("DELETE FROM sso_flows WHERE state_hash = ?")
        .bind(state_hash)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if deleted != 1 {
        return Ok(None);
    }
    Ok(Some(SsoFlow {
        state_hash: row.try_get("state_hash")?,
        provider: row.try_get("provider")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        nonce: row.try_get("nonce")?,
        redirect_uri: row.try_get("redirect_uri")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    }))
}

/// Removes the flows that expired before `before` (UTC ms).
pub async fn prune(conn: &mut Conn, before: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sso_flows WHERE expires_at < ?")
        .bind(before)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
