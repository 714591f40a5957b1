//! The audit log: who changed what, with old and new values.

use std::collections::HashMap;

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
    /// The IANA time zone of the course the target is about (`courses/{id}`,
    /// `sessions/{id}` and what lies under it, or `justifications/{id}`, by
    /// its session), in which the entry's time is shown; `None` for other
    /// targets.
    pub time_zone: Option<String>,
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
/// is the last id seen. The actor's username is joined in, and the zone of
/// the course each target is about.
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
    let mut events = rows
        .iter()
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
                time_zone: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    fill_zones(conn, &mut events).await?;
    Ok(events)
}

/// What a target is about, for its zone: a course, or a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum About {
    /// `courses/{id}`, and anything under it.
    Course(i64),
    /// `sessions/{id}`, and anything under it (`sessions/{id}/attendance/{student}`).
    Session(i64),
    /// `justifications/{id}`: about its session.
    Justification(i64),
}

/// The course or session a target names, if it names one.
fn about(target: &str) -> Option<About> {
    let mut parts = target.splitn(3, '/');
    let (collection, id) = (parts.next()?, parts.next()?);
    let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
    match collection {
        "courses" => Some(About::Course(id)),
        "sessions" => Some(About::Session(id)),
        "justifications" => Some(About::Justification(id)),
        _ => None,
    }
}

/// Sets each event's `time_zone` from the course its target is about: one
/// query each for the sessions', the justifications' and the courses' zones,
/// by primary key.
async fn fill_zones(conn: &mut Conn, events: &mut [AuditEvent]) -> Result<()> {
    let subjects: Vec<Option<About>> = events.iter().map(|e| about(&e.target)).collect();
    let (mut sessions, mut justifications, mut courses) = (Vec::new(), Vec::new(), Vec::new());
    for a in subjects.iter().flatten() {
        match *a {
            About::Session(id) => sessions.push(id),
            About::Justification(id) => justifications.push(id),
            About::Course(id) => courses.push(id),
        }
    }
    for ids in [&mut sessions, &mut justifications, &mut courses] {
        ids.sort_unstable();
        ids.dedup();
    }
    let of_sessions = zones(
        conn,
        "SELECT s.id, c.time_zone FROM sessions s JOIN courses c ON c.id = s.course_id \
         WHERE s.id IN",
        &sessions,
    )
    .await?;
    let of_justifications = zones(
        conn,
        "SELECT j.id, c.time_zone FROM justifications j JOIN sessions s ON s.id = j.session_id \
         JOIN courses c ON c.id = s.course_id WHERE j.id IN",
        &justifications,
    )
    .await?;
    let of_courses = zones(
        conn,
        "SELECT c.id, c.time_zone FROM courses c WHERE c.id IN",
        &courses,
    )
    .await?;
    for (event, subject) in events.iter_mut().zip(subjects) {
        event.time_zone = match subject {
            Some(About::Session(id)) => of_sessions.get(&id).cloned(),
            Some(About::Justification(id)) => of_justifications.get(&id).cloned(),
            Some(About::Course(id)) => of_courses.get(&id).cloned(),
            None => None,
        };
    }
    Ok(())
}

/// The zone of each id `select` (a query ending in `IN`, answering the id and
/// a zone) finds.
async fn zones(conn: &mut Conn, select: &str, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(crate::IN_CHUNK) {
        let values = crate::padded(chunk);
        let sql = format!("{select} ({})", crate::marks(values.len()));
        let mut q = sqlx::query(&sql);
        for id in values {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            found.insert(row.try_get("id")?, row.try_get("time_zone")?);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_about_its_course_or_session() {
        assert_eq!(about("courses/7"), Some(About::Course(7)));
        assert_eq!(about("sessions/12"), Some(About::Session(12)));
        assert_eq!(about("sessions/12/attendance/5"), Some(About::Session(12)));
        assert_eq!(about("justifications/4"), Some(About::Justification(4)));
        for other in ["users/3", "sessions/x", "sessions/0", "courses", ""] {
            assert_eq!(about(other), None, "{other:?}");
        }
    }
}
