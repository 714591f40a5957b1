//! The check-in hot path: the contexts a batch of check-ins is judged
//! against, read in the batch's write transaction, and the records it writes.

use classtrack_core::{SessionId, UserId};
use sqlx::Row;

use super::records::{
    bind_record, optional_record, Record, COLUMNS, INSERT_COLUMNS, ROWS_PER_INSERT,
};
use crate::sessions::{self, Session};
use crate::{Conn, Result, StoreError};

/// Everything a check-in needs to know.
#[derive(Debug, Clone)]
pub struct CheckInContext {
    /// The session, locked in share mode on MariaDB until the transaction ends.
    pub session: Session,
    /// Whether the student is enrolled in the session's course.
    pub enrolled: bool,
    /// The student's record for the session, if any (a repeated check-in).
    pub existing: Option<Record>,
    /// Another student who already checked in with the given device.
    pub device_owner: Option<UserId>,
}

/// A check-in whose context is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextQuery {
    /// The session scanned or typed.
    pub session: SessionId,
    /// The student checking in.
    pub student: UserId,
    /// The device the check-in comes from, when the client sent one.
    pub device: Option<String>,
}

/// The contexts of many check-ins at once, in the order asked (`None`: no
/// such session). A burst of check-ins to one session costs three
/// statements, whatever its size: the sessions, the students' enrollments and
/// records, and who used their devices.
///
/// Read it in the check-in's write transaction: on MariaDB the sessions are
/// share-locked until the transaction ends, so a close or a cancellation
/// waits for the check-ins that were judged open; on SQLite the transaction
/// is the only writer.
pub async fn checkin_contexts(
    conn: &mut Conn,
    asked: &[ContextQuery],
) -> Result<Vec<Option<CheckInContext>>> {
    let lock = match crate::backend_of_conn(conn) {
        crate::Backend::MySql => " LOCK IN SHARE MODE",
        crate::Backend::Sqlite => "",
    };
    let mut out = vec![None; asked.len()];
    let mut ids: Vec<i64> = asked.iter().map(|q| q.session.0).collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(crate::IN_CHUNK) {
        let values = crate::padded(chunk);
        let sql = format!(
            "SELECT {} FROM sessions s JOIN courses c ON c.id = s.course_id WHERE s.id IN ({}){lock}",
            sessions::COLUMNS,
            crate::marks(values.len())
        );
        let mut q = sqlx::query(&sql);
        for id in values {
            q = q.bind(*id);
        }
        let found = q.fetch_all(&mut *conn).await?;
        for row in &found {
            let session = sessions::from_row(row)?;
            let wanted: Vec<usize> = (0..asked.len())
                .filter(|&i| asked[i].session == session.id)
                .collect();
            let facts = roll_facts(conn, &session, wanted.iter().map(|&i| &asked[i])).await?;
            for i in wanted {
                let q = &asked[i];
                let (enrolled, existing) =
                    facts.students.get(&q.student).cloned().unwrap_or_default();
                let device_owner = q.device.as_deref().and_then(|d| {
                    facts
                        .devices
                        .iter()
                        .filter(|(device, owner)| device == d && *owner != q.student)
                        .map(|(_, owner)| *owner)
                        .min()
                });
                out[i] = Some(CheckInContext {
                    session: session.clone(),
                    enrolled,
                    existing,
                    device_owner,
                });
            }
        }
    }
    Ok(out)
}

/// What a session's roll says about some students and devices.
struct RollFacts {
    /// Enrolled, and the record if any.
    students: std::collections::HashMap<UserId, (bool, Option<Record>)>,
    /// Devices already used in the session, with their students.
    devices: Vec<(String, UserId)>,
}

async fn roll_facts(
    conn: &mut Conn,
    session: &Session,
    asked: impl Iterator<Item = &ContextQuery>,
) -> Result<RollFacts> {
    let (mut students, mut devices): (Vec<i64>, Vec<&str>) = (Vec::new(), Vec::new());
    for q in asked {
        students.push(q.student.0);
        devices.extend(q.device.as_deref());
    }
    students.sort_unstable();
    students.dedup();
    devices.sort_unstable();
    devices.dedup();
    let mut facts = RollFacts {
        students: std::collections::HashMap::with_capacity(students.len()),
        devices: Vec::new(),
    };
    for chunk in students.chunks(crate::IN_CHUNK) {
        let values = crate::padded(chunk);
        let sql = format!(
            "SELECT u.id AS q_student, e.enrolled_at, {COLUMNS} FROM users u \
             LEFT JOIN enrollments e ON e.course_id = ? AND e.student_id = u.id \
             LEFT JOIN attendance a ON a.session_id = ? AND a.student_id = u.id \
             WHERE u.id IN ({})",
            crate::marks(values.len())
        );
        let mut q = sqlx::query(&sql).bind(session.course.0).bind(session.id.0);
        for id in values {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let enrolled = row.try_get::<Option<i64>, _>("enrolled_at")?.is_some();
            facts.students.insert(
                UserId(row.try_get("q_student")?),
                (enrolled, optional_record(&row)?),
            );
        }
    }
    for chunk in devices.chunks(crate::IN_CHUNK) {
        let values = crate::padded(chunk);
        let sql = format!(
            "SELECT device_id, student_id FROM attendance WHERE session_id = ? AND device_id IN ({})",
            crate::marks(values.len())
        );
        let mut q = sqlx::query(&sql).bind(session.id.0);
        for d in values {
            q = q.bind(*d);
        }
        for row in q.fetch_all(&mut *conn).await? {
            facts.devices.push((
                row.try_get("device_id")?,
                UserId(row.try_get("student_id")?),
            ));
        }
    }
    Ok(facts)
}

/// Inserts check-ins judged in the caller's write transaction, in one
/// multi-row INSERT: at most one per session and student, each judged
/// against a context read in the same transaction
/// ([`checkin_contexts`]). A record that collides with a stored one (written
/// by someone else since the context was read) fails the batch with
/// `Conflict`: roll back and judge again.
pub async fn insert_records(conn: &mut Conn, records: &[Record]) -> Result<()> {
    // Padded like the IN lists (the repeats are ignored), so a collision
    // with a stored record shows as fewer rows than asked.
    let ignore = match crate::backend_of_conn(conn) {
        crate::Backend::MySql => "INSERT IGNORE",
        crate::Backend::Sqlite => "INSERT OR IGNORE",
    };
    for chunk in records.chunks(ROWS_PER_INSERT) {
        let rows = crate::padded(chunk);
        let sql = format!(
            "{ignore}{} VALUES {}",
            INSERT_COLUMNS.trim_start_matches("INSERT"),
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; rows.len()].join(", ")
        );
        let mut q = sqlx::query(&sql);
        for r in rows {
            q = bind_record(q, r);
        }
        if q.execute(&mut *conn).await?.rows_affected() != chunk.len() as u64 {
            return Err(StoreError::Conflict { field: "record" });
        }
    }
    Ok(())
}
