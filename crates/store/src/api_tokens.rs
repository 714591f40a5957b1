//! Named API tokens for scripts: a login token (its row in `auth_tokens`,
//! owned by the administrator who made it, expiring and revoked there) with
//! a name and a role of its own, which [`crate::auth::token_users`] gives
//! the calls made with it.

use classtrack_core::{Role, UserId};
use sqlx::Row;

use crate::{Conn, Result, StoreError};

/// A stored API token (never its secret).
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// Its id (`apiTokens/{id}`).
    pub id: i64,
    /// The name it was given.
    pub name: String,
    /// The role its calls act with.
    pub role: Role,
    /// Who made it (and owns it: deactivating them revokes it).
    pub created_by: UserId,
    /// Their username.
    pub created_by_username: String,
    /// When it was made (UTC ms).
    pub created_at: i64,
    /// When it stops working (UTC ms).
    pub expires_at: i64,
    /// When it was revoked, if it was (UTC ms).
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "a.id, a.name, a.role, a.created_by, u.username AS created_by_username, \
                       a.created_at, t.expires_at, t.revoked_at";
const FROM: &str = "FROM api_tokens a JOIN auth_tokens t ON t.token_hash = a.token_hash \
                    JOIN users u ON u.id = a.created_by";

fn from_row(row: &sqlx::any::AnyRow) -> Result<ApiToken> {
    let role: String = row.try_get("role")?;
    Ok(ApiToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("API token role {role:?}")))?,
        created_by: UserId(row.try_get("created_by")?),
        created_by_username: row.try_get("created_by_username")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Stores a new API token for `created_by` by its hash: its login row and
/// its name and role. Returns it.
pub async fn insert(
    conn: &mut Conn,
    token_hash: &str,
    name: &str,
    role: Role,
    created_by: UserId,
    now: i64,
    expires_at: i64,
) -> Result<ApiToken> {
    crate::auth::insert_token(conn, token_hash, created_by, now, expires_at).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (token_hash, name, role, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(token_hash)
    .bind(name)
    .bind(role.as_str())
    .bind(created_by.0)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    get(conn, id).await
}

/// One API token by id.
pub async fn get(conn: &mut Conn, id: i64) -> Result<ApiToken> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The API tokens not revoked and not expired at `now`, newest first.
pub async fn list_live(conn: &mut Conn, now: i64) -> Result<Vec<ApiToken>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE t.revoked_at IS NULL AND t.expires_at > ? ORDER BY a.id DESC"
    ))
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Revokes an API token at `now`; returns its hash, so the caller can
/// forget the cached login. [`StoreError::NotFound`] for an unknown id.
pub async fn revoke(conn: &mut Conn, id: i64, now: i64) -> Result<String> {
    let row = sqlx::query("SELECT token_hash FROM api_tokens WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let hash: String = row.try_get("token_hash")?;
    crate::auth::revoke_token(conn, &hash, now).await?;
    Ok(hash)
}

/// Whether a login token (by hash) is an API token.
pub async fn is_api_token(conn: &mut Conn, token_hash: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT id FROM api_tokens WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}
