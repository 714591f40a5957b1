//! The audit log: who changed what, with old and new values.

use classtrack_core::UserId;
use sqlx::Row;

use crate::page::Page;
use crate::{Conn, Result};

/// Writes one entry. `client_address` is the caller's address (`None` for
/// the system's own entries, such as the finaliser's).
pub async fn record(
    conn: &mut Conn,
    actor: Option<UserId>,
    client_address: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, client_address, action, target, detail) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(now)
    .bind(actor.map(|a| a.0))
    .bind(client_address)
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
/// One entry of the audit log, as [`list`] reads it.
pub struct AuditEvent {
    /// Its id, the key of the list's pages.
    pub id: i64,
    /// When (UTC ms).
    pub at: i64,
    /// Who did it; `None` for the system (the finaliser, the bootstrap).
    pub actor: Option<UserId>,
    /// The actor's username, `None` for the system or a deleted user.
    pub actor_username: Option<String>,
    /// Where the actor called from; `None` for the system and for entries
    /// older than the column.
    pub client_address: Option<String>,
    /// What was done, a dotted name such as `user.create`.
    pub action: String,
    /// What it was done to, as a resource name (e.g. `users/12`).
    pub target: String,
    /// The old and new values, as the caller wrote them.
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
/// Which entries [`list`] returns; every `None` field matches all.
pub struct AuditFilter {
    /// Only this actor's.
    pub actor: Option<UserId>,
    /// Only actions starting with this text (taken literally, not as a LIKE
    /// pattern).
    pub action_prefix: Option<String>,
    /// Only this target.
    pub target: Option<String>,
    /// Only at or after this time (UTC ms).
    pub from: Option<i64>,
    /// Only before this time (UTC ms).
    pub to: Option<i64>,
}

/// One page of entries that match `f`, newest first (by id); `page.after_id`
/// is the last id seen. The actor's username is joined in.
pub async fn list(conn: &mut Conn, f: &AuditFilter, page: Page) -> Result<Vec<AuditEvent>> {
    let mut sql = String::from(
        "SELECT a.id, a.at, a.actor_id, u.username, a.client_address, a.action, a.target, a.detail \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE 1 = 1",
    );
    if f.actor.is_some() {
        sql.push_str(" AND a.actor_id = ?");
    }
    if f.action_prefix.is_some() {
        sql.push_str(" AND a.action LIKE ? ESCAPE '!'");
    }
    if f.target.is_some() {
        sql.push_str(" AND a.target = ?");
    }
    if f.from.is_some() {
        sql.push_str(" AND a.at >= ?");
    }
    if f.to.is_some() {
        sql.push_str(" AND a.at < ?");
    }
    if page.after_id > 0 {
        sql.push_str(" AND a.id < ?");
    }
    sql.push_str(" ORDER BY a.id DESC LIMIT ?");
    let mut q = sqlx::query(&sql);
    if let Some(a) = f.actor {
        q = q.bind(a.0);
    }
    if let Some(p) = &f.action_prefix {
        let escaped: String = p
            .chars()
            .flat_map(|c| {
                if matches!(c, '%' | '_' | '!') {
                    vec!['!', c]
                } else {
                    vec![c]
                }
            })
            .collect();
        q = q.bind(format!("{escaped}%"));
    }
    if let Some(t) = &f.target {
        q = q.bind(t.clone());
    }
    if let Some(v) = f.from {
        q = q.bind(v);
    }
    if let Some(v) = f.to {
        q = q.bind(v);
    }
    if page.after_id > 0 {
        q = q.bind(page.after_id);
    }
    let rows = q.bind(page.fetch()).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEvent {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get::<Option<i64>, _>("actor_id")?.map(UserId),
                actor_username: r.try_get("username")?,
                client_address: r.try_get("client_address")?,
                action: r.try_get("action")?,
                target: r.try_get("target")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
