//! Refused check-ins, kept for supervision: written in batches, counted
//! per reason, listed with filters.

use classtrack_core::{CourseId, SessionId, UserId};
use sqlx::Row;

use super::records::ROWS_PER_INSERT;
use crate::{Conn, Result};

/// A rejected check-in, kept for supervision.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// The session, when the token named one that exists.
    pub session: Option<SessionId>,
    /// The session's course, when known.
    pub course: Option<CourseId>,
    /// The student refused.
    pub student: UserId,
    /// The refusal's code ([`CheckInRejection::code`](classtrack_core::CheckInRejection::code), e.g.
    /// `DEVICE_IN_USE`).
    pub reason: &'static str,
    /// When (UTC ms).
    pub at: i64,
    /// The client's IP address as the server saw it.
    pub client_address: Option<String>,
    /// The device the check-in came from, when sent.
    pub device_id: Option<String>,
    /// More about the refusal, for the supervisor.
    pub detail: String,
}

/// Stores refusals, many rows to a statement: in chunks whose sizes are
/// powers of two (13 = 8 + 4 + 1), so that any number of them uses one of a
/// few statement texts.
pub async fn record_rejections(conn: &mut Conn, all: &[Rejection]) -> Result<()> {
    let mut rest = all;
    while !rest.is_empty() {
        let n = rest.len().min(ROWS_PER_INSERT);
        let size = if n.is_power_of_two() {
            n
        } else {
            n.next_power_of_two() / 2
        };
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO rejected_checkins (session_id, course_id, student_id, reason, rejected_at, \
             client_address, device_id, detail) VALUES {rows}"
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.session.map(|s| s.0))
                .bind(r.course.map(|c| c.0))
                .bind(r.student.0)
                .bind(r.reason)
                .bind(r.at)
                .bind(r.client_address.as_deref())
                .bind(r.device_id.as_deref())
                .bind(&r.detail);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many times a student was refused for `reason` in a session.
pub async fn count_rejections(
    conn: &mut Conn,
    session: SessionId,
    student: UserId,
    reason: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM rejected_checkins WHERE student_id = ? AND session_id = ? AND reason = ?",
    )
    .bind(student.0)
    .bind(session.0)
    .bind(reason)
    .fetch_one(&mut *conn)
    .await?)
}

/// Which refused check-ins [`rejections`] lists; every `None` field matches
/// all.
#[derive(Debug, Clone, Default)]
pub struct RejectionFilter {
    /// Only this course's.
    pub course: Option<CourseId>,
    /// Only this student's.
    pub student: Option<UserId>,
    /// Only this reason code.
    pub reason: Option<String>,
    /// Only at or after this time (UTC ms).
    pub from: Option<i64>,
    /// Only before this time (UTC ms).
    pub to: Option<i64>,
    /// Only courses taught by this professor.
    pub taught_by: Option<UserId>,
}

/// A refused check-in as [`rejections`] lists it.
#[derive(Debug, Clone)]
pub struct StoredRejection {
    /// Its id, the key of the list's pages.
    pub id: i64,
    /// The session, when the token named one that exists.
    pub session: Option<SessionId>,
    /// The course's code, when the course is known.
    pub course_code: Option<String>,
    /// The course's IANA time zone, in which the refusal's time is shown;
    /// `None` when the course is not known.
    pub time_zone: Option<String>,
    /// The student refused.
    pub student: UserId,
    /// The student's display name.
    pub student_display_name: String,
    /// The refusal's code.
    pub reason: String,
    /// When (UTC ms).
    pub at: i64,
    /// The client's IP address as the server saw it.
    pub client_address: Option<String>,
    /// The device the check-in came from, when sent.
    pub device_id: Option<String>,
    /// More about the refusal.
    pub detail: String,
}

/// One page of refused check-ins that match `f`, newest first (by id);
/// `page.after_id` is the last id seen, and the page holds
/// [`Page::fetch`](crate::page::Page::fetch) rows at most.
pub async fn rejections(
    conn: &mut Conn,
    f: &RejectionFilter,
    page: crate::page::Page,
) -> Result<Vec<StoredRejection>> {
    let mut sql = String::from(
        "SELECT r.id, r.session_id, c.code, c.time_zone, r.student_id, u.display_name, r.reason, r.rejected_at, r.client_address, \
         r.device_id, r.detail FROM rejected_checkins r JOIN users u ON u.id = r.student_id \
         LEFT JOIN courses c ON c.id = r.course_id WHERE 1 = 1",
    );
    let mut binds: Vec<i64> = Vec::new();
    if let Some(c) = f.course {
        sql.push_str(" AND r.course_id = ?");
        binds.push(c.0);
    }
    if let Some(s) = f.student {
        sql.push_str(" AND r.student_id = ?");
        binds.push(s.0);
    }
    if let Some(p) = f.taught_by {
        sql.push_str(
            " AND r.course_id IN (SELECT course_id FROM course_professors WHERE professor_id = ?)",
        );
        binds.push(p.0);
    }
    if let Some(t) = f.from {
        sql.push_str(" AND r.rejected_at >= ?");
        binds.push(t);
    }
    if let Some(t) = f.to {
        sql.push_str(" AND r.rejected_at < ?");
        binds.push(t);
    }
    if page.after_id > 0 {
        sql.push_str(" AND r.id < ?");
        binds.push(page.after_id);
    }
    if f.reason.is_some() {
        sql.push_str(" AND r.reason = ?");
    }
    sql.push_str(" ORDER BY r.id DESC LIMIT ?");
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    if let Some(r) = &f.reason {
        q = q.bind(r.clone());
    }
    let rows = q.bind(page.fetch()).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(StoredRejection {
                id: r.try_get("id")?,
                session: r.try_get::<Option<i64>, _>("session_id")?.map(SessionId),
                course_code: r.try_get("code")?,
                time_zone: r.try_get("time_zone")?,
                student: UserId(r.try_get("student_id")?),
                student_display_name: r.try_get("display_name")?,
                reason: r.try_get("reason")?,
                at: r.try_get("rejected_at")?,
                client_address: r.try_get("client_address")?,
                device_id: r.try_get("device_id")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

/// How many QR and short-code check-ins, and how many refusals, there have
/// been since `since` (UTC ms), for the supervision page's "today".
pub async fn counts_since(conn: &mut Conn, since: i64) -> Result<(i64, i64)> {
    let checkins: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attendance WHERE recorded_at >= ? AND source IN ('qr', 'code')",
    )
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let rejections: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM rejected_checkins WHERE rejected_at >= ?")
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    Ok((checkins, rejections))
}
