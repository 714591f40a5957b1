//! Set-based reads for reports: a handful of indexed queries per report,
//! never one per student or per session.

use std::collections::HashMap;

use classtrack_core::{AttendanceStatus, CourseId, SessionId, UserId};
use sqlx::Row;

use crate::courses::Course;
use crate::sessions::{self, Session, SessionRange, SessionScope};
use crate::users::{self, User};
use crate::{Conn, Result, StoreError};

/// Students, sessions and the statuses between them.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Enrolled students with their enrollment time, by name.
    pub students: Vec<(User, i64)>,
    /// Not cancelled, by start time.
    pub sessions: Vec<Session>,
    /// The status of each student at each session that has a record.
    pub statuses: HashMap<(SessionId, UserId), AttendanceStatus>,
}

impl Matrix {
    /// A student's status at a session; `None` when there is no record.
    pub fn status(&self, session: SessionId, student: UserId) -> Option<AttendanceStatus> {
        self.statuses.get(&(session, student)).copied()
    }
}

/// The course's matrix for sessions overlapping [from, to).
pub async fn course_matrix(
    conn: &mut Conn,
    course: &Course,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Matrix> {
    let rows = sqlx::query(&format!(
        "SELECT {}, e.enrolled_at FROM enrollments e JOIN users u ON u.id = e.student_id \
         WHERE e.course_id = ? ORDER BY u.display_name, u.id",
        users::COLUMNS
    ))
    .bind(course.id.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut students = rows
        .iter()
        .map(|r| Ok((users::from_row(r)?, r.try_get::<i64, _>("enrolled_at")?)))
        .collect::<Result<Vec<_>>>()?;
    // As people sort names, on both engines ("Élodie" with the Es).
    classtrack_core::collate::sort_by_name(&mut students, |(u, _)| &u.display_name);
    let range = SessionRange {
        from,
        to,
        include_cancelled: false,
    };
    let sessions = sessions::list(
        conn,
        SessionScope::Course(course.id),
        &range,
        crate::page::Page {
            after_id: 0,
            size: i64::MAX - 1,
        },
    )
    .await?;
    let mut sql = String::from(
        "SELECT a.session_id, a.student_id, a.status FROM attendance a JOIN sessions s ON s.id = a.session_id \
         WHERE s.course_id = ? AND s.cancelled_at IS NULL",
    );
    if from.is_some() {
        sql.push_str(" AND s.end_at > ?");
    }
    if to.is_some() {
        sql.push_str(" AND s.start_at < ?");
    }
    let mut q = sqlx::query(&sql).bind(course.id.0);
    if let Some(f) = from {
        q = q.bind(f);
    }
    if let Some(t) = to {
        q = q.bind(t);
    }
    let mut statuses = HashMap::new();
    for r in q.fetch_all(&mut *conn).await? {
        let status: String = r.try_get("status")?;
        statuses.insert(
            (
                SessionId(r.try_get("session_id")?),
                UserId(r.try_get("student_id")?),
            ),
            status.parse().map_err(StoreError::Corrupt)?,
        );
    }
    Ok(Matrix {
        students,
        sessions,
        statuses,
    })
}

/// One student's courses (with enrollment time), their sessions and records.
pub struct History {
    /// The courses the student is enrolled in, with when (UTC ms), by id.
    pub courses: Vec<(CourseId, i64)>,
    /// The sessions of those courses.
    pub sessions: Vec<Session>,
    /// Each of the student's records, by session (sessions without one are
    /// missing).
    pub records: HashMap<SessionId, crate::attendance::Record>,
}

/// Everything [`History`] holds for one student: the courses they are
/// enrolled in, the sessions of those courses they could attend, and their
/// records. [`StoreError::NotFound`] is never returned: an unknown student
/// has an empty history.
pub async fn student_history(conn: &mut Conn, student: UserId) -> Result<History> {
    let courses = sqlx::query(
        "SELECT course_id, enrolled_at FROM enrollments WHERE student_id = ? ORDER BY course_id",
    )
    .bind(student.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((CourseId(r.try_get("course_id")?), r.try_get("enrolled_at")?)))
    .collect::<Result<Vec<_>>>()?;
    let range = SessionRange::default();
    let sessions = sessions::list(
        conn,
        SessionScope::AttendedBy(student),
        &range,
        crate::page::Page {
            after_id: 0,
            size: i64::MAX - 1,
        },
    )
    .await?;
    let records = crate::attendance::records_of_student(conn, student).await?;
    Ok(History {
        courses,
        sessions,
        records,
    })
}
