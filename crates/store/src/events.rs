//! The roll-event log (`session_events`): a row per change to a session's
//! roll, which live watchers on every replica follow. Check-ins, marks and
//! closes write it; it depends on no other repository, so that both the
//! attendance and the sessions repositories can write to it.

use classtrack_core::{SessionId, UserId};
use sqlx::Row;

use crate::{Conn, Result};

/// A change to a session's roll: a record (check-in, mark, absence) or the
/// session itself (closed, cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    /// Increases with every event, across sessions (see [`EventPosition`]
    /// for why a lower id may still commit later on MariaDB).
    pub id: i64,
    /// The session whose roll changed.
    pub session: SessionId,
    /// The student whose record changed; `None` for a change to the session.
    pub student: Option<UserId>,
    /// `record` (written by the database's triggers on `attendance`),
    /// `session` (edited), `closed` or `cancelled`.
    pub kind: String,
}

/// Appends an event to the log at `now` (UTC ms), in the caller's
/// transaction, so that it commits with the change it announces. Record
/// events come from triggers; callers push the session's own ones.
pub async fn push_event(
    conn: &mut Conn,
    session: SessionId,
    student: Option<UserId>,
    kind: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO session_events (session_id, student_id, kind, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(session.0)
    .bind(student.map(|s| s.0))
    .bind(kind)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Up to `limit` events of the given sessions with ids above `after_id`,
/// oldest first; none when `sessions_filter` is empty.
pub async fn events_after(
    conn: &mut Conn,
    sessions_filter: &[SessionId],
    after_id: i64,
    limit: i64,
) -> Result<Vec<SessionEvent>> {
    if sessions_filter.is_empty() {
        return Ok(Vec::new());
    }
    let marks = crate::marks(sessions_filter.len());
    let sql = format!(
        "SELECT id, session_id, student_id, kind FROM session_events WHERE session_id IN ({marks}) AND id > ? \
         ORDER BY id LIMIT ?"
    );
    let mut q = sqlx::query(&sql);
    for s in sessions_filter {
        q = q.bind(s.0);
    }
    let rows = q.bind(after_id).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(SessionEvent {
                id: r.try_get("id")?,
                session: SessionId(r.try_get("session_id")?),
                student: r.try_get::<Option<i64>, _>("student_id")?.map(UserId),
                kind: r.try_get("kind")?,
            })
        })
        .collect()
}

/// Where the roll-event log stood when a roll was read: read in the same
/// snapshot ([`crate::Store::snapshot`]), it tells a watcher which events
/// the roll already contains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventPosition {
    /// The newest event id of any session.
    pub newest: i64,
    /// The session's events among the `lookback` ids up to `newest`: on
    /// MariaDB ids are taken at insert and may commit out of order, so a
    /// lower id than `newest` may still be missing from the snapshot.
    pub recent: std::collections::BTreeSet<i64>,
    /// How many ids below `newest` may still be uncommitted (the live
    /// poller's look-back).
    pub lookback: i64,
}

impl EventPosition {
    /// Whether an event is newer than the roll read with this position:
    /// above `newest`, or within the look-back and not yet visible then.
    /// Events further back are taken as committed before the roll, as the
    /// live poller does.
    pub fn is_after(&self, id: i64) -> bool {
        id > self.newest || (id > self.newest - self.lookback && !self.recent.contains(&id))
    }
}

/// The log's position, for one session's roll read in the same snapshot.
pub async fn event_position(
    conn: &mut Conn,
    session: SessionId,
    lookback: i64,
) -> Result<EventPosition> {
    let newest = last_event_id(conn).await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM session_events WHERE session_id = ? AND id > ?")
            .bind(session.0)
            .bind(newest - lookback)
            .fetch_all(&mut *conn)
            .await?;
    Ok(EventPosition {
        newest,
        recent: ids.into_iter().filter(|id| *id <= newest).collect(),
        lookback,
    })
}

/// The newest event id of any session; 0 when the log is empty.
pub async fn last_event_id(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM session_events")
            .fetch_one(&mut *conn)
            .await?
            .unwrap_or(0),
    )
}

/// Forgets roll events older than `before`: watchers only need recent ones.
pub async fn prune_events(conn: &mut Conn, before: i64) -> Result<()> {
    sqlx::query("DELETE FROM session_events WHERE created_at < ?")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::EventPosition;

    #[test]
    fn an_event_is_after_the_roll_when_newer_or_not_yet_visible_then() {
        let position = EventPosition {
            newest: 2000,
            recent: [1990, 2000].into_iter().collect(),
            lookback: 1024,
        };
        assert!(position.is_after(2001), "newer than the snapshot");
        assert!(!position.is_after(2000), "in the roll");
        assert!(!position.is_after(1990), "in the roll");
        assert!(
            position.is_after(1995),
            "a lower id that committed after the snapshot (MariaDB)"
        );
        assert!(!position.is_after(976), "beyond the look-back: old");
    }
}
