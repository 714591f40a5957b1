//! Device authorizations (RFC 8628's device flow, served for ClassTrack's
//! own clients): a client asks for one, a logged-in user approves or denies
//! it by its short user code, and the client, polling with its secret
//! device code, receives a login once. Only the device code's SHA-256 is
//! stored.

use classtrack_core::UserId;
use sqlx::Row;

use crate::{Conn, Result, StoreError};

/// A new device authorization, as it is stored.
#[derive(Debug, Clone)]
pub struct NewDeviceAuthorization<'a> {
    /// SHA-256 (hex) of the secret device code.
    pub device_code_hash: &'a str,
    /// The short code the user types, without its dash (`WDJBMJHT`).
    pub user_code: &'a str,
    /// What the client says it is (shown to the user who approves).
    pub client_name: &'a str,
    /// The address the request came from, when known.
    pub client_address: Option<&'a str>,
    /// When it was asked for (UTC ms).
    pub created_at: i64,
    /// When it can no longer be approved nor polled (UTC ms).
    pub expires_at: i64,
    /// How long a client waits between polls (ms).
    pub interval_ms: i64,
}

/// What a user decided, if anything yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nobody has answered yet.
    Pending,
    /// The user approved: the client's next poll gets a login for them.
    Approved(UserId),
    /// The user refused.
    Denied,
}

/// A stored device authorization.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    /// Its row id.
    pub id: i64,
    /// The short code, without its dash.
    pub user_code: String,
    /// What the client said it is.
    pub client_name: String,
    /// Where the client asked from.
    pub client_address: Option<String>,
    /// When it was asked for (UTC ms).
    pub created_at: i64,
    /// When it expires (UTC ms).
    pub expires_at: i64,
    /// The polling interval now (ms); each too-early poll adds 5 s.
    pub interval_ms: i64,
    /// The last poll (UTC ms).
    pub last_polled_at: Option<i64>,
    /// The user's answer.
    pub decision: Decision,
}

const COLUMNS: &str = "id, user_code, client_name, client_address, created_at, expires_at, \
                       interval_ms, last_polled_at, user_id, approved";

fn from_row(row: &sqlx::any::AnyRow) -> Result<DeviceAuthorization> {
    let approved: Option<i64> = row.try_get("approved")?;
    let user: Option<i64> = row.try_get("user_id")?;
    let decision = match (approved, user) {
        (None, _) => Decision::Pending,
        (Some(0), _) => Decision::Denied,
        (Some(_), Some(u)) => Decision::Approved(UserId(u)),
        (Some(_), None) => {
            return Err(StoreError::Corrupt(
                "a device authorization approved by nobody".into(),
            ))
        }
    };
    Ok(DeviceAuthorization {
        id: row.try_get("id")?,
        user_code: row.try_get("user_code")?,
        client_name: row.try_get("client_name")?,
        client_address: row.try_get("client_address")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        interval_ms: row.try_get("interval_ms")?,
        last_polled_at: row.try_get("last_polled_at")?,
        decision,
    })
}

/// Stores a new device authorization. [`StoreError::Conflict`] when its
/// user code (or device code) is already taken: the caller draws another.
pub async fn insert(conn: &mut Conn, new: &NewDeviceAuthorization<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO device_authorizations (device_code_hash, user_code, client_name, client_address, \
         created_at, expires_at, interval_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new.device_code_hash)
    .bind(new.user_code)
    .bind(new.client_name)
    .bind(new.client_address)
    .bind(new.created_at)
    .bind(new.expires_at)
    .bind(new.interval_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The authorization of a device code's hash, whatever its state.
pub async fn by_device_code(
    conn: &mut Conn,
    device_code_hash: &str,
) -> Result<Option<DeviceAuthorization>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM device_authorizations WHERE device_code_hash = ?"
    ))
    .bind(device_code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The authorization of a user code that nobody has answered yet and that
/// has not expired by `now`.
pub async fn pending_by_user_code(
    conn: &mut Conn,
    user_code: &str,
    now: i64,
) -> Result<Option<DeviceAuthorization>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM device_authorizations \
         WHERE user_code = ? AND approved IS NULL AND expires_at > ?"
    ))
    .bind(user_code)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records a poll at `now`, with the interval the client must keep from now on.
pub async fn polled(conn: &mut Conn, id: i64, now: i64, interval_ms: i64) -> Result<()> {
    sqlx::query(
        "UPDATE device_authorizations SET last_polled_at = ?, interval_ms = ? WHERE id = ?",
    )
    .bind(now)
    .bind(interval_ms)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Answers a pending authorization for `user`. False when it was answered
/// meanwhile (or expired): nothing is changed then.
pub async fn decide(
    conn: &mut Conn,
    id: i64,
    user: UserId,
    approve: bool,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE device_authorizations SET user_id = ?, approved = ?, decided_at = ? \
         WHERE id = ? AND approved IS NULL AND expires_at > ?",
    )
    .bind(user.0)
    .bind(i64::from(approve))
    .bind(now)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes an authorization (its login was issued: it serves once). False
/// when another poll removed it first.
pub async fn remove(conn: &mut Conn, id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM device_authorizations WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes every authorization a user approved or denied that has not
/// been collected yet (their account was deactivated).
pub async fn remove_for_user(conn: &mut Conn, user: UserId) -> Result<()> {
    sqlx::query("DELETE FROM device_authorizations WHERE user_id = ?")
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
