//! Attendance records, the check-in hot path, rejected check-ins and the
//! per-session event log that live watchers on every replica follow.

use classtrack_core::{AttendanceStatus, CourseId, RecordSource, SessionId, UserId};
use sqlx::Row;

use crate::sessions::{self, Session};
use crate::users::{self, User};
use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub session: SessionId,
    pub student: UserId,
    pub status: AttendanceStatus,
    pub source: RecordSource,
    pub recorded_at: i64,
    pub note: String,
    pub flagged: bool,
    pub device_id: Option<String>,
    pub geo_band: Option<String>,
    pub client_address: Option<String>,
    pub marked_by: Option<UserId>,
    pub updated_at: i64,
}

/// Aliased so that they never collide with the users' columns in joins.
const COLUMNS: &str = "a.session_id AS a_session_id, a.student_id AS a_student_id, a.status AS a_status, \
    a.source AS a_source, a.recorded_at AS a_recorded_at, a.note AS a_note, a.flagged AS a_flagged, \
    a.device_id AS a_device_id, a.geo_band AS a_geo_band, a.client_address AS a_client_address, \
    a.marked_by AS a_marked_by, a.updated_at AS a_updated_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Record> {
    let status: String = row.try_get("a_status")?;
    let source: String = row.try_get("a_source")?;
    Ok(Record {
        session: SessionId(row.try_get("a_session_id")?),
        student: UserId(row.try_get("a_student_id")?),
        status: status.parse().map_err(StoreError::Corrupt)?,
        source: source.parse().map_err(StoreError::Corrupt)?,
        recorded_at: row.try_get("a_recorded_at")?,
        note: row.try_get("a_note")?,
        flagged: row.try_get::<i64, _>("a_flagged")? != 0,
        device_id: row.try_get("a_device_id")?,
        geo_band: row.try_get("a_geo_band")?,
        client_address: row.try_get("a_client_address")?,
        marked_by: row.try_get::<Option<i64>, _>("a_marked_by")?.map(UserId),
        updated_at: row.try_get("a_updated_at")?,
    })
}

fn optional_record(row: &sqlx::any::AnyRow) -> Result<Option<Record>> {
    if row.try_get::<Option<i64>, _>("a_session_id")?.is_some() {
        from_row(row).map(Some)
    } else {
        Ok(None)
    }
}

/// Everything a check-in needs to know.
#[derive(Debug, Clone)]
pub struct CheckInContext {
    pub session: Session,
    pub enrolled: bool,
    pub existing: Option<Record>,
    /// Another student who already checked in with the given device.
    pub device_owner: Option<UserId>,
}

/// A check-in whose context is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextQuery {
    pub session: SessionId,
    pub student: UserId,
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

const INSERT_COLUMNS: &str =
    "INSERT INTO attendance (session_id, student_id, status, source, recorded_at, note, \
    flagged, device_id, geo_band, client_address, marked_by, updated_at)";

/// Rows of one multi-row INSERT: a few thousand bound values, far below both
/// engines' limits, and a power of two (see `crate::padded`).
const ROWS_PER_INSERT: usize = 256;

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a record's twelve columns, in `INSERT_COLUMNS` order.
fn bind_record<'q>(q: AnyQuery<'q>, r: &'q Record) -> AnyQuery<'q> {
    q.bind(r.session.0)
        .bind(r.student.0)
        .bind(r.status.as_str())
        .bind(r.source.as_str())
        .bind(r.recorded_at)
        .bind(&r.note)
        .bind(i64::from(r.flagged))
        .bind(r.device_id.as_deref())
        .bind(r.geo_band.as_deref())
        .bind(r.client_address.as_deref())
        .bind(r.marked_by.map(|m| m.0))
        .bind(r.updated_at)
}

/// Inserts a new record; returns false (and writes nothing) when the student
/// already has one for this session.
pub async fn insert(conn: &mut Conn, r: &Record) -> Result<bool> {
    let sql = format!("{INSERT_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    match bind_record(sqlx::query(&sql), r).execute(&mut *conn).await {
        Ok(_) => Ok(true),
        Err(e) => match StoreError::from(e) {
            StoreError::Conflict { .. } => Ok(false),
            other => Err(other),
        },
    }
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

pub async fn get(conn: &mut Conn, session: SessionId, student: UserId) -> Result<Option<Record>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM attendance a WHERE a.session_id = ? AND a.student_id = ?"
    ))
    .bind(session.0)
    .bind(student.0)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A status set by hand (or by an approved justification).
#[derive(Debug, Clone, Copy)]
pub struct Mark<'a> {
    pub status: AttendanceStatus,
    pub source: RecordSource,
    pub note: &'a str,
    pub by: UserId,
}

/// Sets a manual status, keeping device and location facts of the check-in.
pub async fn set_manual(
    conn: &mut Conn,
    session: SessionId,
    student: UserId,
    mark: Mark<'_>,
    now: i64,
) -> Result<Record> {
    let Mark {
        status,
        source,
        note,
        by,
    } = mark;
    let updated = sqlx::query(
        "UPDATE attendance SET status = ?, source = ?, note = ?, marked_by = ?, updated_at = ? \
         WHERE session_id = ? AND student_id = ?",
    )
    .bind(status.as_str())
    .bind(source.as_str())
    .bind(note)
    .bind(by.0)
    .bind(now)
    .bind(session.0)
    .bind(student.0)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        let record = Record {
            session,
            student,
            status,
            source,
            recorded_at: now,
            note: note.to_string(),
            flagged: false,
            device_id: None,
            geo_band: None,
            client_address: None,
            marked_by: Some(by),
            updated_at: now,
        };
        if !insert(conn, &record).await? {
            // A check-in or a close wrote the row in between: the mark wins.
            sqlx::query(
                "UPDATE attendance SET status = ?, source = ?, note = ?, marked_by = ?, updated_at = ? \
                 WHERE session_id = ? AND student_id = ?",
            )
            .bind(status.as_str())
            .bind(source.as_str())
            .bind(note)
            .bind(by.0)
            .bind(now)
            .bind(session.0)
            .bind(student.0)
            .execute(&mut *conn)
            .await?;
        }
    }
    get(conn, session, student)
        .await?
        .ok_or(StoreError::NotFound)
}

/// A rejected check-in, kept for supervision.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub session: Option<SessionId>,
    pub course: Option<CourseId>,
    pub student: UserId,
    pub reason: &'static str,
    pub at: i64,
    pub client_address: Option<String>,
    pub device_id: Option<String>,
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

/// One line of a session's roll.
#[derive(Debug, Clone)]
pub struct RollEntry {
    pub student: User,
    pub record: Option<Record>,
}

/// Every enrolled student with their record, by name.
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
    rows.iter().map(roll_entry_from_row).collect()
}

fn roll_entry_from_row(row: &sqlx::any::AnyRow) -> Result<RollEntry> {
    Ok(RollEntry {
        student: users::from_row(row)?,
        record: optional_record(row)?,
    })
}

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

/// A change to a session's roll: a record (check-in, mark, absence) or the
/// session itself (closed, cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    pub id: i64,
    pub session: SessionId,
    pub student: Option<UserId>,
    pub kind: String,
}

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

/// Events of the given sessions after `after_id`, oldest first.
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

pub async fn last_event_id(conn: &mut Conn) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM session_events")
            .fetch_one(&mut *conn)
            .await?
            .unwrap_or(0),
    )
}

/// Counts of today's check-ins and rejections (for supervision).
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
    pub enrolled: i64,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub absent: i64,
}

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

#[derive(Debug, Clone, Default)]
pub struct RejectionFilter {
    pub course: Option<CourseId>,
    pub student: Option<UserId>,
    pub reason: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only courses taught by this professor.
    pub taught_by: Option<UserId>,
}

#[derive(Debug, Clone)]
pub struct StoredRejection {
    pub id: i64,
    pub session: Option<SessionId>,
    pub course_code: Option<String>,
    pub student: UserId,
    pub student_display_name: String,
    pub reason: String,
    pub at: i64,
    pub client_address: Option<String>,
    pub device_id: Option<String>,
    pub detail: String,
}

/// Newest first; `page.after_id` is the last id seen.
pub async fn rejections(
    conn: &mut Conn,
    f: &RejectionFilter,
    page: crate::page::Page,
) -> Result<Vec<StoredRejection>> {
    let mut sql = String::from(
        "SELECT r.id, r.session_id, c.code, r.student_id, u.display_name, r.reason, r.rejected_at, r.client_address, \
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

/// Every record of one student, by session.
pub async fn records_of_student(
    conn: &mut Conn,
    student: UserId,
) -> Result<std::collections::HashMap<SessionId, Record>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM attendance a WHERE a.student_id = ?"
    ))
    .bind(student.0)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| from_row(r).map(|rec| (rec.session, rec)))
        .collect()
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
