//! Attendance records: one row per session and student, written by a
//! check-in, a manual mark or a session's close, and read back one at a
//! time or per student.

use classtrack_core::{AttendanceStatus, RecordSource, SessionId, UserId};
use sqlx::Row;

use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
/// A student's attendance at one session: a row of `attendance`, at most one
/// per session and student.
pub struct Record {
    /// The session.
    pub session: SessionId,
    /// The student.
    pub student: UserId,
    /// Present, late, excused or absent.
    pub status: AttendanceStatus,
    /// What wrote the status: a QR or short-code check-in, a manual mark, the
    /// session's close, or an approved justification.
    pub source: RecordSource,
    /// When the student checked in, or the record was first written (UTC ms).
    pub recorded_at: i64,
    /// Free text of the professor's mark or the justification; empty otherwise.
    pub note: String,
    /// The check-in used a device another student already used in the
    /// session (the course flags device reuse instead of refusing it).
    pub flagged: bool,
    /// The device the check-in came from, kept only when the session binds
    /// devices.
    pub device_id: Option<String>,
    /// How far from the geofence's centre the check-in was, as a band such
    /// as `50-100m`; never the coordinates.
    pub geo_band: Option<String>,
    /// The client's IP address as the server saw it.
    pub client_address: Option<String>,
    /// Who set the status by hand, for manual marks.
    pub marked_by: Option<UserId>,
    /// When the record last changed (UTC ms).
    pub updated_at: i64,
}

impl Record {
    /// A record written at `at` (UTC milliseconds, both `recorded_at` and
    /// `updated_at`), with an empty note, not flagged, no device, location
    /// band, client address or marker: set those with struct update syntax.
    pub fn new(
        session: SessionId,
        student: UserId,
        status: AttendanceStatus,
        source: RecordSource,
        at: i64,
    ) -> Self {
        Record {
            session,
            student,
            status,
            source,
            recorded_at: at,
            note: String::new(),
            flagged: false,
            device_id: None,
            geo_band: None,
            client_address: None,
            marked_by: None,
            updated_at: at,
        }
    }
}

/// Aliased so that they never collide with the users' columns in joins.
pub(super) const COLUMNS: &str = "a.session_id AS a_session_id, a.student_id AS a_student_id, a.status AS a_status, \
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

pub(super) fn optional_record(row: &sqlx::any::AnyRow) -> Result<Option<Record>> {
    if row.try_get::<Option<i64>, _>("a_session_id")?.is_some() {
        from_row(row).map(Some)
    } else {
        Ok(None)
    }
}

pub(super) const INSERT_COLUMNS: &str =
    "INSERT INTO attendance (session_id, student_id, status, source, recorded_at, note, \
    flagged, device_id, geo_band, client_address, marked_by, updated_at)";

/// Rows of one multi-row INSERT: a few thousand bound values, far below both
/// engines' limits, and a power of two (see `crate::padded`).
pub(super) const ROWS_PER_INSERT: usize = 256;

pub(super) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a record's twelve columns, in `INSERT_COLUMNS` order.
pub(super) fn bind_record<'q>(q: AnyQuery<'q>, r: &'q Record) -> AnyQuery<'q> {
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

/// The record of a student at a session, `None` when there is none.
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
    /// The status to set.
    pub status: AttendanceStatus,
    /// [`RecordSource::Manual`] or [`RecordSource::Justification`].
    pub source: RecordSource,
    /// Why, shown with the record.
    pub note: &'a str,
    /// The professor or administrator who marked it.
    pub by: UserId,
}

/// Sets a manual status at `now` (UTC ms) and returns the record as
/// stored, keeping the device and location facts of a check-in. Without a
/// record it inserts one (`recorded_at` = `now`). Run it in a write
/// transaction; the `record` event comes from the database's triggers.
/// [`StoreError::NotFound`] only if the row vanished before it was read back.
pub async fn set_manual(
    conn: &mut Conn,
    session: SessionId,
    student: UserId,
    mark: Mark<'_>,
    now: i64,
) -> Result<Record> {
    // Update the stored record; without one, insert it. When the insert
    // collides (a check-in or a close wrote the row in between), the mark
    // wins: update the row that is there now.
    if !update_mark(conn, session, student, mark, now).await? {
        let record = Record {
            note: mark.note.to_string(),
            marked_by: Some(mark.by),
            ..Record::new(session, student, mark.status, mark.source, now)
        };
        if !insert(conn, &record).await? {
            update_mark(conn, session, student, mark, now).await?;
        }
    }
    get(conn, session, student)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Writes a mark onto the stored record; false when there is none.
async fn update_mark(
    conn: &mut Conn,
    session: SessionId,
    student: UserId,
    mark: Mark<'_>,
    now: i64,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE attendance SET status = ?, source = ?, note = ?, marked_by = ?, updated_at = ? \
         WHERE session_id = ? AND student_id = ?",
    )
    .bind(mark.status.as_str())
    .bind(mark.source.as_str())
    .bind(mark.note)
    .bind(mark.by.0)
    .bind(now)
    .bind(session.0)
    .bind(student.0)
    .execute(&mut *conn)
    .await?;
    Ok(updated.rows_affected() > 0)
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
