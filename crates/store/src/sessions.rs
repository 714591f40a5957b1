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
/// A class meeting of a course, with what of its course a check-in needs.
pub struct Session {
    /// The session's id.
    pub id: SessionId,
    /// Its course.
    pub course: CourseId,
    /// The course's code (joined in).
    pub course_code: String,
    /// The course's title (joined in).
    pub course_title: String,
    /// The course's IANA time zone (joined in), for showing local times.
    pub course_time_zone: String,
    /// The session's title, e.g. "Lecture 3".
    pub title: String,
    /// Where it meets.
    pub room: String,
    /// When it starts (UTC ms).
    pub start_at: i64,
    /// When it ends (UTC ms).
    pub end_at: i64,
    /// This session's own overrides.
    pub settings: SettingsOverrides,
    /// The course's defaults.
    pub course_settings: SettingsOverrides,
    /// The key its QR tokens and short codes are signed with; kept on the
    /// server.
    pub secret: SessionSecret,
    /// The series it was created in as one of many, if any.
    pub series_id: Option<String>,
    /// When a professor closed it early (UTC ms).
    pub closed_at: Option<i64>,
    /// When the finaliser marked its missing students absent (UTC ms); it
    /// is closed from then on.
    pub finalized_at: Option<i64>,
    /// When it was cancelled (UTC ms).
    pub cancelled_at: Option<i64>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// When it was created (UTC ms).
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Where a session stands at a given instant, from [`Session::state`].
pub enum SessionState {
    /// Not yet open for check-ins.
    Scheduled,
    /// Open for check-ins: from `opens_before_minutes` before its start to
    /// its end, unless closed or cancelled.
    Open,
    /// Ended, closed by hand or finalised.
    Closed,
    /// Cancelled (whatever the time).
    Cancelled,
}

impl Session {
    /// The settings check-ins to it follow: its own overrides over the
    /// course's, over the defaults.
    pub fn effective_settings(&self) -> CheckInSettings {
        self.settings.over(&self.course_settings).resolve()
    }

    /// Its times, in the form the check-in rules take, under `settings`
    /// (normally [`Session::effective_settings`]).
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

    /// Its state at `now` (UTC ms).
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
/// What [`create`] needs to add a session.
pub struct NewSession {
    /// The course.
    pub course: CourseId,
    /// The title.
    pub title: String,
    /// The room.
    pub room: String,
    /// When it starts (UTC ms).
    pub start_at: i64,
    /// When it ends (UTC ms); after the start.
    pub end_at: i64,
    /// Its own overrides of the course's check-in settings.
    pub settings: SettingsOverrides,
    /// The series it belongs to, when created as one of many.
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

/// Adds a session at `now` (UTC ms) with a fresh random secret, and returns
/// it as stored. [`StoreError::Database`] when the course doesn't exist.
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

/// The session with its course's facts; [`StoreError::NotFound`] when there
/// is none.
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
    /// Every session.
    All,
    /// The sessions of one course.
    Course(CourseId),
    /// The sessions of the courses a professor teaches.
    TaughtBy(UserId),
    /// The sessions of the courses a student is enrolled in.
    AttendedBy(UserId),
}

#[derive(Debug, Clone, Default)]
/// Which times [`list`] covers (both ends in UTC ms); `None` is open-ended.
pub struct SessionRange {
    /// Sessions ending after this.
    pub from: Option<i64>,
    /// Sessions starting before this.
    pub to: Option<i64>,
    /// Include cancelled sessions (left out by default).
    pub include_cancelled: bool,
}

/// One page of the sessions in `scope` and `range`, ordered by start (then
/// id). The page's `after_id` is an offset here, not an id.
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

/// Writes a session's title, room, times and own settings at `now` (UTC
/// ms) and returns it as stored; its other fields are not written.
/// [`StoreError::NotFound`] when there is no such session.
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

/// Cancels the session at `now` (UTC ms) with `reason`; false (and nothing
/// written) when it was already cancelled or doesn't exist.
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

/// Marks the session closed at `now` (UTC ms), if it isn't already; its
/// missing students are marked absent later, by [`finalize`].
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

/// Up to `limit` sessions that still await [`finalize`]: not cancelled, not
/// finalised, and ended by `now` (UTC ms), oldest end first.
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

/// How many sessions there are, cancelled ones left out.
pub async fn count_all(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE cancelled_at IS NULL")
            .fetch_one(&mut *conn)
            .await?,
    )
}
