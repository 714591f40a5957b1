//! Absence justifications and their attachments.

use classtrack_core::{CourseId, JustificationId, SessionId, UserId};
use sqlx::Row;

use crate::page::Page;
use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Where a justification stands.
pub enum State {
    /// Waiting for a professor's decision.
    Pending,
    /// Approved: the student's record for the session is excused.
    Approved,
    /// Rejected.
    Rejected,
}

impl State {
    /// The text stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Approved => "approved",
            State::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(State::Pending),
            "approved" => Ok(State::Approved),
            "rejected" => Ok(State::Rejected),
            other => Err(StoreError::Corrupt(format!(
                "justification state {other:?}"
            ))),
        }
    }
}

#[derive(Debug, Clone)]
/// A student's justification of an absence, with the session's and the
/// student's facts joined in.
pub struct Justification {
    /// Its id.
    pub id: JustificationId,
    /// The session it justifies.
    pub session: SessionId,
    /// The session's course.
    pub course: CourseId,
    /// The course's code.
    pub course_code: String,
    /// When the session starts (UTC ms).
    pub session_start: i64,
    /// The course's IANA time zone, in which the session's times are meant.
    pub session_time_zone: String,
    /// The student who submitted it.
    pub student: UserId,
    /// The student's display name.
    pub student_display_name: String,
    /// The student's explanation.
    pub reason: String,
    /// Pending, approved or rejected.
    pub state: State,
    /// The professor's comment on the decision; empty while pending.
    pub decision_comment: String,
    /// Who decided, once decided.
    pub decided_by: Option<UserId>,
    /// When it was submitted (UTC ms).
    pub submitted_at: i64,
    /// When it was decided (UTC ms).
    pub decided_at: Option<i64>,
    /// The attachment's file name, when there is one.
    pub attachment_filename: Option<String>,
    /// The attachment's MIME type, when there is one.
    pub attachment_content_type: Option<String>,
    /// The attachment's size in bytes; 0 without one.
    pub attachment_size: i64,
}

/// A file attached to a justification (a doctor's note).
#[derive(Clone)]
pub struct Attachment {
    /// The file's bytes.
    pub content: Vec<u8>,
    /// Its name as uploaded.
    pub filename: String,
    /// Its MIME type as uploaded.
    pub content_type: String,
}

/// What [`create`] needs to submit a justification.
pub struct NewJustification<'a> {
    /// The session it justifies.
    pub session: SessionId,
    /// The student submitting it.
    pub student: UserId,
    /// The explanation.
    pub reason: &'a str,
    /// An optional file.
    pub attachment: Option<Attachment>,
}

const COLUMNS: &str = "j.id, j.session_id, s.course_id, c.code, s.start_at, c.time_zone, j.student_id, u.display_name, j.reason, \
    j.state, j.decision_comment, j.decided_by, j.submitted_at, j.decided_at, j.attachment_filename, \
    j.attachment_content_type, j.attachment_size";
const FROM: &str = "FROM justifications j JOIN sessions s ON s.id = j.session_id JOIN courses c ON c.id = s.course_id \
    JOIN users u ON u.id = j.student_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Justification> {
    let state: String = r.try_get("state")?;
    Ok(Justification {
        id: JustificationId(r.try_get("id")?),
        session: SessionId(r.try_get("session_id")?),
        course: CourseId(r.try_get("course_id")?),
        course_code: r.try_get("code")?,
        session_start: r.try_get("start_at")?,
        session_time_zone: r.try_get("time_zone")?,
        student: UserId(r.try_get("student_id")?),
        student_display_name: r.try_get("display_name")?,
        reason: r.try_get("reason")?,
        state: State::parse(&state)?,
        decision_comment: r.try_get("decision_comment")?,
        decided_by: r.try_get::<Option<i64>, _>("decided_by")?.map(UserId),
        submitted_at: r.try_get("submitted_at")?,
        decided_at: r.try_get("decided_at")?,
        attachment_filename: r.try_get("attachment_filename")?,
        attachment_content_type: r.try_get("attachment_content_type")?,
        attachment_size: r.try_get("attachment_size")?,
    })
}

/// Submits a justification at `now` (UTC ms), pending, and returns it as
/// stored. Check [`pending_for`] first in the same transaction: nothing here
/// stops a second pending one. [`StoreError::Database`] when the session or
/// student doesn't exist.
pub async fn create(conn: &mut Conn, new: NewJustification<'_>, now: i64) -> Result<Justification> {
    let (content, filename, content_type, size) = match new.attachment {
        Some(a) => {
            let size = a.content.len() as i64;
            (
                Some(a.content),
                Some(a.filename),
                Some(a.content_type),
                size,
            )
        }
        None => (None, None, None, 0),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO justifications (session_id, student_id, reason, state, decision_comment, submitted_at, attachment, \
         attachment_filename, attachment_content_type, attachment_size) VALUES (?, ?, ?, 'pending', '', ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.session.0)
    .bind(new.student.0)
    .bind(new.reason)
    .bind(now)
    .bind(content)
    .bind(filename)
    .bind(content_type)
    .bind(size)
    .fetch_one(&mut *conn)
    .await?;
    get(conn, JustificationId(id)).await
}

/// The justification with this id (without its attachment's bytes);
/// [`StoreError::NotFound`] when there is none.
pub async fn get(conn: &mut Conn, id: JustificationId) -> Result<Justification> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE j.id = ?"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Whether the student has a justification for the session waiting for a
/// decision. Read it in the transaction that submits one: on MariaDB it
/// first locks the student's row until that transaction ends, so that a
/// second submission at the same moment waits, and then reads the latest
/// committed justifications (a locking read), so that it sees the first
/// one; on SQLite the transaction is the only writer.
pub async fn pending_for(conn: &mut Conn, session: SessionId, student: UserId) -> Result<bool> {
    let lock = match crate::backend_of_conn(conn) {
        crate::Backend::MySql => {
            sqlx::query("SELECT id FROM users WHERE id = ? FOR UPDATE")
                .bind(student.0)
                .fetch_optional(&mut *conn)
                .await?;
            " LOCK IN SHARE MODE"
        }
        crate::Backend::Sqlite => "",
    };
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM justifications WHERE session_id = ? AND student_id = ? \
         AND state = 'pending'{lock}"
    ))
    .bind(session.0)
    .bind(student.0)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Default)]
/// Which justifications [`list`] returns; every `None` field matches all.
pub struct Filter {
    /// Only for this course's sessions.
    pub course: Option<CourseId>,
    /// Only this student's.
    pub student: Option<UserId>,
    /// Only for courses taught by this professor.
    pub taught_by: Option<UserId>,
    /// Only in this state.
    pub state: Option<State>,
}

/// One page of the justifications that match `f`, newest first (by id);
/// `page.after_id` is the last id seen.
pub async fn list(conn: &mut Conn, f: &Filter, page: Page) -> Result<Vec<Justification>> {
    let mut sql = format!("SELECT {COLUMNS} {FROM} WHERE 1 = 1");
    let mut binds = Vec::new();
    if let Some(c) = f.course {
        sql.push_str(" AND s.course_id = ?");
        binds.push(c.0);
    }
    if let Some(s) = f.student {
        sql.push_str(" AND j.student_id = ?");
        binds.push(s.0);
    }
    if let Some(p) = f.taught_by {
        sql.push_str(
            " AND s.course_id IN (SELECT course_id FROM course_professors WHERE professor_id = ?)",
        );
        binds.push(p.0);
    }
    if page.after_id > 0 {
        sql.push_str(" AND j.id < ?");
        binds.push(page.after_id);
    }
    if f.state.is_some() {
        sql.push_str(" AND j.state = ?");
    }
    sql.push_str(" ORDER BY j.id DESC LIMIT ?");
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    if let Some(s) = f.state {
        q = q.bind(s.as_str());
    }
    let rows = q.bind(page.fetch()).fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// Records a decision (`state`, `comment`, who, at `now` in UTC ms); false
/// (and nothing written) when it was no longer pending or doesn't exist.
/// Excusing the record is the caller's job, in the same transaction.
pub async fn decide(
    conn: &mut Conn,
    id: JustificationId,
    state: State,
    comment: &str,
    by: UserId,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE justifications SET state = ?, decision_comment = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(comment)
    .bind(by.0)
    .bind(now)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The attachment's bytes, `None` when the justification has none;
/// [`StoreError::NotFound`] when there is no such justification.
pub async fn attachment(conn: &mut Conn, id: JustificationId) -> Result<Option<Attachment>> {
    let row = sqlx::query(
        "SELECT attachment, attachment_filename, attachment_content_type FROM justifications WHERE id = ?",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let content: Option<Vec<u8>> = row.try_get("attachment")?;
    Ok(match content {
        Some(content) => Some(Attachment {
            content,
            filename: row
                .try_get::<Option<String>, _>("attachment_filename")?
                .unwrap_or_default(),
            content_type: row
                .try_get::<Option<String>, _>("attachment_content_type")?
                .unwrap_or_default(),
        }),
        None => None,
    })
}
