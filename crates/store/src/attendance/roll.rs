//! A session's roll: every enrolled student with their record, some lines
//! of it for live updates, and its counts by status.

use classtrack_core::{AttendanceStatus, SessionId, UserId};
use sqlx::Row;

use super::records::{optional_record, Record, COLUMNS};
use crate::sessions::{self, Session};
use crate::users::{self, User};
use crate::{Conn, Result, StoreError};

/// One line of a session's roll.
#[derive(Debug, Clone)]
pub struct RollEntry {
    /// The student.
    pub student: User,
    /// Their record for the session; `None` when there is none yet.
    pub record: Option<Record>,
}

/// Every enrolled student with their record, by name (as people sort names:
/// [`classtrack_core::collate`]).
pub async fn roll(conn: &mut Conn, session: &Session) -> Result<Vec<RollEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {}, {COLUMNS} FROM enrollments e JOIN users u ON u.id = e.student_id \
         LEFT JOIN attendance a ON a.session_id = ? AND a.student_id = e.student_id \
         WHERE e.course_id = ? ORDER BY u.display_name, u.id",
        users::COLUMNS
    ))
    .bind(session.id.0)
    .bind(session.course.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut roll = rows
        .iter()
        .map(roll_entry_from_row)
        .collect::<Result<Vec<_>>>()?;
    classtrack_core::collate::sort_by_name(&mut roll, |e| &e.student.display_name);
    Ok(roll)
}

fn roll_entry_from_row(row: &sqlx::any::AnyRow) -> Result<RollEntry> {
    Ok(RollEntry {
        student: users::from_row(row)?,
        record: optional_record(row)?,
    })
}

/// The roll line of one student (enrolled or not) for a session;
/// [`StoreError::NotFound`] when there is no such user.
pub async fn roll_entry(conn: &mut Conn, session: SessionId, student: UserId) -> Result<RollEntry> {
    let row = sqlx::query(&format!(
        "SELECT {}, {COLUMNS} FROM users u \
         LEFT JOIN attendance a ON a.session_id = ? AND a.student_id = u.id WHERE u.id = ?",
        users::COLUMNS
    ))
    .bind(session.0)
    .bind(student.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    roll_entry_from_row(&row)
}

/// The sessions repository's row, under the name the attendance callers use.
pub use sessions::Session as SessionRow;

/// Roll entries of some students of a session (for live updates).
pub async fn roll_entries(
    conn: &mut Conn,
    session: SessionId,
    students: &[UserId],
) -> Result<Vec<RollEntry>> {
    let mut out = Vec::with_capacity(students.len());
    for chunk in students.chunks(crate::IN_CHUNK) {
        let marks = crate::marks(chunk.len());
        let sql = format!(
            "SELECT {}, {COLUMNS} FROM users u LEFT JOIN attendance a ON a.session_id = ? AND a.student_id = u.id \
             WHERE u.id IN ({marks})",
            users::COLUMNS
        );
        let mut q = sqlx::query(&sql).bind(session.0);
        for s in chunk {
            q = q.bind(s.0);
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.push(roll_entry_from_row(&row)?);
        }
    }
    Ok(out)
}

/// Enrolled students and the records among them, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// Students enrolled in the course now.
    pub enrolled: i64,
    /// Enrolled students recorded present.
    pub present: i64,
    /// Enrolled students recorded late.
    pub late: i64,
    /// Enrolled students recorded excused.
    pub excused: i64,
    /// Enrolled students recorded absent.
    pub absent: i64,
}

/// How many students are enrolled in the session's course, and how many of
/// them have each status (students no longer enrolled are not counted).
pub async fn status_counts(conn: &mut Conn, session: &Session) -> Result<StatusCounts> {
    let rows = sqlx::query(
        "SELECT a.status, COUNT(*) AS n FROM attendance a \
         JOIN enrollments e ON e.course_id = ? AND e.student_id = a.student_id \
         WHERE a.session_id = ? GROUP BY a.status",
    )
    .bind(session.course.0)
    .bind(session.id.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut c = StatusCounts {
        enrolled: crate::courses::enrolled_count(conn, session.course).await?,
        ..Default::default()
    };
    for row in rows {
        let status: String = row.try_get("status")?;
        let n: i64 = row.try_get("n")?;
        match status.parse().map_err(StoreError::Corrupt)? {
            AttendanceStatus::Present => c.present = n,
            AttendanceStatus::Late => c.late = n,
            AttendanceStatus::Excused => c.excused = n,
            AttendanceStatus::Absent => c.absent = n,
        }
    }
    Ok(c)
}
