//! Class meetings: creation, listing, cancelling, closing and the one-time
//! finalisation that marks missing students absent.

use chrono::DateTime;
use classtrack_core::checkin::SessionTimes;
use classtrack_core::qr::SessionSecret;
use classtrack_core::settings::{CheckInSettings, SettingsOverrides};
use classtrack_core::{CourseId, SessionId, UserId};
use sqlx::Row;

use crate::courses::{json, to_json};
use crate::page::Page;
use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone)]
pub struct Session {
    pub id: SessionId,
    pub course: CourseId,
    pub course_code: String,
    pub course_title: String,
    pub course_time_zone: String,
    pub title: String,
    pub room: String,
    pub start_at: i64,
    pub end_at: i64,
    /// This session's own overrides.
    pub settings: SettingsOverrides,
    /// The course's defaults.
    pub course_settings: SettingsOverrides,
    pub secret: SessionSecret,
    pub series_id: Option<String>,
    pub closed_at: Option<i64>,
    pub finalized_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Scheduled,
    Open,
    Closed,
    Cancelled,
}

impl Session {
    pub fn effective_settings(&self) -> CheckInSettings {
        self.settings.over(&self.course_settings).resolve()
    }

    pub fn times(&self, settings: &CheckInSettings) -> SessionTimes {
        SessionTimes {
            start: ms(self.start_at),
            end: ms(self.end_at),
            cancelled: self.cancelled_at.is_some(),
            closed: self.closed_at.is_some() || self.finalized_at.is_some(),
            opens_before_minutes: settings.opens_before_minutes,
        }
    }

    /// Who the session counts for: the students enrolled by this instant —
    /// its end, or its creation when it was created after it ended (a past
    /// meeting recorded afterwards counts for the students enrolled then).
    /// The finaliser marks them absent when they have no record, and the
    /// reports count the session for them and for nobody enrolled later.
    pub fn enrollment_cutoff(&self) -> i64 {
        self.end_at.max(self.created_at)
    }

    pub fn state(&self, now: i64) -> SessionState {
        let settings = self.effective_settings();
        let times = self.times(&settings);
        if times.cancelled {
            SessionState::Cancelled
        } else if times.closed || now >= self.end_at {
            SessionState::Closed
        } else if ms(now) >= times.opens_at() {
            SessionState::Open
        } else {
            SessionState::Scheduled
        }
    }
}

pub(crate) fn ms(t: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp_millis(t).unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub course: CourseId,
    pub title: String,
    pub room: String,
    pub start_at: i64,
    pub end_at: i64,
    pub settings: SettingsOverrides,
    pub series_id: Option<String>,
}

pub(crate) const COLUMNS: &str =
    "s.id, s.course_id, c.code AS course_code, c.title AS course_title, \
    c.time_zone AS course_time_zone, s.title, s.room, s.start_at, s.end_at, s.settings, \
    c.settings AS course_settings, s.secret, s.series_id, s.closed_at, s.finalized_at, \
    s.cancelled_at, s.cancel_reason, s.created_at";

pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Session> {
    let secret: Vec<u8> = row.try_get("secret")?;
    Ok(Session {
        id: SessionId(row.try_get("id")?),
        course: CourseId(row.try_get("course_id")?),
        course_code: row.try_get("course_code")?,
        course_title: row.try_get("course_title")?,
        course_time_zone: row.try_get("course_time_zone")?,
        title: row.try_get("title")?,
        room: row.try_get("room")?,
        start_at: row.try_get("start_at")?,
        end_at: row.try_get("end_at")?,
        settings: json(&row.try_get::<String, _>("settings")?, "session settings")?,
        course_settings: json(
            &row.try_get::<String, _>("course_settings")?,
            "course settings",
        )?,
        secret: SessionSecret::from_bytes(&secret)
            .ok_or_else(|| StoreError::Corrupt("session secret".into()))?,
        series_id: row.try_get("series_id")?,
        closed_at: row.try_get("closed_at")?,
        finalized_at: row.try_get("finalized_at")?,
        cancelled_at: row.try_get("cancelled_at")?,
        cancel_reason: row.try_get("cancel_reason")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn create(conn: &mut Conn, new: &NewSession, now: i64) -> Result<Session> {
    let secret = SessionSecret::generate();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (course_id, title, room, start_at, end_at, settings, secret, series_id, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.course.0)
    .bind(&new.title)
    .bind(&new.room)
    .bind(new.start_at)
    .bind(new.end_at)
    .bind(to_json(&new.settings)?)
    .bind(secret.as_bytes().to_vec())
    .bind(new.series_id.as_deref())
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    get(conn, SessionId(id)).await
}

pub async fn get(conn: &mut Conn, id: SessionId) -> Result<Session> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sessions s JOIN courses c ON c.id = s.course_id WHERE s.id = ?"
    ))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Whose sessions to list.
#[derive(Debug, Clone, Copy)]
pub enum SessionScope {
    All,
    Course(CourseId),
    TaughtBy(UserId),
    AttendedBy(UserId),
}

#[derive(Debug, Clone, Default)]
pub struct SessionRange {
    /// Sessions ending after this.
    pub from: Option<i64>,
    /// Sessions starting before this.
    pub to: Option<i64>,
    pub include_cancelled: bool,
}

/// Ordered by start; the page's `after_id` is an offset here.
pub async fn list(
    conn: &mut Conn,
    scope: SessionScope,
    range: &SessionRange,
    page: Page,
) -> Result<Vec<Session>> {
    let mut sql = format!("SELECT {COLUMNS} FROM sessions s JOIN courses c ON c.id = s.course_id");
    let who = match scope {
        SessionScope::All => {
            sql.push_str(" WHERE 1 = 1");
            None
        }
        SessionScope::Course(c) => {
            sql.push_str(" WHERE s.course_id = ?");
            Some(c.0)
        }
        SessionScope::TaughtBy(u) => {
            sql.push_str(
                " JOIN course_professors p ON p.course_id = s.course_id WHERE p.professor_id = ?",
            );
            Some(u.0)
        }
        SessionScope::AttendedBy(u) => {
            sql.push_str(" JOIN enrollments e ON e.course_id = s.course_id WHERE e.student_id = ?");
            Some(u.0)
        }
    };
    if range.from.is_some() {
        sql.push_str(" AND s.end_at > ?");
    }
    if range.to.is_some() {
        sql.push_str(" AND s.start_at < ?");
    }
    if !range.include_cancelled {
        sql.push_str(" AND s.cancelled_at IS NULL");
    }
    sql.push_str(" ORDER BY s.start_at, s.id LIMIT ? OFFSET ?");
    let mut q = sqlx::query(&sql);
    if let Some(w) = who {
        q = q.bind(w);
    }
    if let Some(f) = range.from {
        q = q.bind(f);
    }
    if let Some(t) = range.to {
        q = q.bind(t);
    }
    let rows = q
        .bind(page.fetch())
        .bind(page.after_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn update(conn: &mut Conn, s: &Session, now: i64) -> Result<Session> {
    sqlx::query(
        "UPDATE sessions SET title = ?, room = ?, start_at = ?, end_at = ?, settings = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&s.title)
    .bind(&s.room)
    .bind(s.start_at)
    .bind(s.end_at)
    .bind(to_json(&s.settings)?)
    .bind(now)
    .bind(s.id.0)
    .execute(&mut *conn)
    .await?;
    get(conn, s.id).await
}

/// Returns false when it was already cancelled.
pub async fn cancel(conn: &mut Conn, id: SessionId, reason: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE sessions SET cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE id = ? AND cancelled_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(now)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn mark_closed(conn: &mut Conn, id: SessionId, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE sessions SET closed_at = ?, updated_at = ? WHERE id = ? AND closed_at IS NULL",
    )
    .bind(now)
    .bind(now)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks absent every student the session counts for (enrolled by its end,
/// or by its creation if later: [`Session::enrollment_cutoff`]) who has no
/// record, exactly once across all replicas: the first caller to claim the
/// session does it, in the caller's transaction. Returns how many were
/// marked, or None when another caller already finalised it.
pub async fn finalize(conn: &mut Conn, id: SessionId, now: i64) -> Result<Option<u64>> {
    let claimed = sqlx::query(
        "UPDATE sessions SET finalized_at = ?, closed_at = COALESCE(closed_at, ?) \
         WHERE id = ? AND finalized_at IS NULL AND cancelled_at IS NULL",
    )
    .bind(now)
    .bind(now)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(None);
    }
    let marked = sqlx::query(
        "INSERT INTO attendance (session_id, student_id, status, source, recorded_at, note, flagged, updated_at) \
         SELECT s.id, e.student_id, 'absent', 'close', ?, '', 0, ? \
         FROM sessions s JOIN enrollments e ON e.course_id = s.course_id \
         WHERE s.id = ? \
         AND e.enrolled_at <= CASE WHEN s.created_at > s.end_at THEN s.created_at ELSE s.end_at END \
         AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id AND a.student_id = e.student_id)",
    )
    .bind(now)
    .bind(now)
    .bind(id.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::events::push_event(conn, id, None, "closed", now).await?;
    Ok(Some(marked))
}

/// Sessions past their end (or closed by hand) that still await finalisation.
pub async fn due_for_finalize(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<SessionId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM sessions WHERE finalized_at IS NULL AND cancelled_at IS NULL AND end_at <= ? \
         ORDER BY end_at LIMIT ?",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.into_iter().map(SessionId).collect())
}

pub async fn count_all(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE cancelled_at IS NULL")
            .fetch_one(&mut *conn)
            .await?,
    )
}
