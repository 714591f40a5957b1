//! ReportService: histories, course reports, exports, justifications, supervision.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use classtrack_core::rates::{self, Level, Meeting};
use classtrack_core::settings::AbsenceRules;
use classtrack_core::validate::{self, Violations};
use classtrack_core::{AttendanceStatus, CourseId, UserId};
use classtrack_core::{JustificationId, RecordSource, Role};
use classtrack_proto::v1::{self, report_service_server::ReportService};
use classtrack_store::attendance::{self, RejectionFilter};
use classtrack_store::audit::{self, AuditFilter};
use classtrack_store::justifications::{self, Justification, NewJustification};
use classtrack_store::page::Page;
use classtrack_store::reports::{self as store_reports, Matrix};
use classtrack_store::sessions::{self, Session};
use classtrack_store::{courses, users};
use serde_json::json;
use tokio::sync::mpsc;
use tonic::{Request, Response, Status};

use super::courses::load_course;
use super::sessions::load_session;
use super::{audit, reply};
use crate::access::{found, require_course_staff, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::names::parse_name;
use crate::state::State;

pub struct ReportApi(pub State);

type Stream<T> = tokio_stream::wrappers::ReceiverStream<Result<T, Status>>;

#[tonic::async_trait]
impl ReportService for ReportApi {
    async fn get_student_history(
        &self,
        req: Request<v1::GetStudentHistoryRequest>,
    ) -> Result<Response<v1::GetStudentHistoryResponse>, Status> {
        reply(student_history(&self.0, req).await)
    }
    async fn get_course_report(
        &self,
        req: Request<v1::GetCourseReportRequest>,
    ) -> Result<Response<v1::GetCourseReportResponse>, Status> {
        reply(course_report(&self.0, req).await)
    }
    type ExportCourseReportStream = Stream<v1::ExportCourseReportResponse>;
    async fn export_course_report(
        &self,
        req: Request<v1::ExportCourseReportRequest>,
    ) -> Result<Response<Self::ExportCourseReportStream>, Status> {
        reply(export(&self.0, req).await)
    }
    async fn submit_justification(
        &self,
        req: Request<v1::SubmitJustificationRequest>,
    ) -> Result<Response<v1::SubmitJustificationResponse>, Status> {
        reply(submit(&self.0, req).await)
    }
    async fn list_justifications(
        &self,
        req: Request<v1::ListJustificationsRequest>,
    ) -> Result<Response<v1::ListJustificationsResponse>, Status> {
        reply(list_justifications(&self.0, req).await)
    }
    async fn decide_justification(
        &self,
        req: Request<v1::DecideJustificationRequest>,
    ) -> Result<Response<v1::DecideJustificationResponse>, Status> {
        reply(decide(&self.0, req).await)
    }
    async fn get_justification_attachment(
        &self,
        req: Request<v1::GetJustificationAttachmentRequest>,
    ) -> Result<Response<v1::GetJustificationAttachmentResponse>, Status> {
        reply(attachment(&self.0, req).await)
    }
    async fn get_supervision_overview(
        &self,
        req: Request<v1::GetSupervisionOverviewRequest>,
    ) -> Result<Response<v1::GetSupervisionOverviewResponse>, Status> {
        reply(supervision(&self.0, req).await)
    }
    async fn list_rejected_check_ins(
        &self,
        req: Request<v1::ListRejectedCheckInsRequest>,
    ) -> Result<Response<v1::ListRejectedCheckInsResponse>, Status> {
        reply(list_rejected(&self.0, req).await)
    }
    async fn list_audit_events(
        &self,
        req: Request<v1::ListAuditEventsRequest>,
    ) -> Result<Response<v1::ListAuditEventsResponse>, Status> {
        reply(list_audit(&self.0, req).await)
    }
}

fn optional<T>(
    field: &str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, classtrack_core::NameError>,
) -> ApiResult<Option<T>> {
    if value.is_empty() {
        Ok(None)
    } else {
        parse_name(field, value, parse).map(Some)
    }
}

/// Admin: every course. Professor: their courses only.
async fn list_rejected(
    s: &State,
    req: Request<v1::ListRejectedCheckInsRequest>,
) -> ApiResult<v1::ListRejectedCheckInsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "rejections")?;
    let course = optional("course", &r.course, CourseId::parse)?;
    let reason = match v1::CheckInRejection::try_from(r.reason) {
        Ok(v1::CheckInRejection::Unspecified) => None,
        Ok(reason) => Some(
            reason
                .as_str_name()
                .trim_start_matches("CHECK_IN_REJECTION_")
                .to_string(),
        ),
        Err(_) => return Err(ApiError::invalid("reason", "unknown rejection reason")),
    };
    let mut conn = s.store.acquire().await?;
    if let Some(c) = course {
        require_course_staff(&mut conn, &caller, c).await?;
    }
    let filter = RejectionFilter {
        course,
        student: optional("student", &r.student, UserId::parse)?,
        reason,
        from: convert::opt_ms(r.start_time.as_ref(), "start_time")?,
        to: convert::opt_ms(r.end_time.as_ref(), "end_time")?,
        taught_by: (!caller.is_admin()).then_some(caller.user.id),
    };
    let mut rows = attendance::rejections(&mut conn, &filter, page).await?;
    let next = page.finish(&mut rows, |r| r.id, "rejections");
    Ok(v1::ListRejectedCheckInsResponse {
        rejections: rows
            .iter()
            .map(|x| v1::RejectedCheckIn {
                session: x.session.map(|s| s.name()).unwrap_or_default(),
                course_code: x.course_code.clone().unwrap_or_default(),
                student: x.student.name(),
                student_display_name: x.student_display_name.clone(),
                reason: convert::rejection(&x.reason) as i32,
                time: convert::ts(x.at),
                client_address: x.client_address.clone().unwrap_or_default(),
                device_id: x.device_id.clone().unwrap_or_default(),
                detail: x.detail.clone(),
            })
            .collect(),
        next_page_token: next,
    })
}

async fn list_audit(
    s: &State,
    req: Request<v1::ListAuditEventsRequest>,
) -> ApiResult<v1::ListAuditEventsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let mut v = Violations::default();
    v.check(
        "action",
        validate::text(&r.action, false, validate::MAX_FILTER),
    );
    v.check(
        "target",
        validate::text(&r.target, false, validate::MAX_FILTER),
    );
    v.into_result().map_err(ApiError::Invalid)?;
    let page = Page::parse(r.page_size, &r.page_token, "audit")?;
    let filter = AuditFilter {
        actor: optional("actor", &r.actor, UserId::parse)?,
        action_prefix: (!r.action.trim().is_empty()).then(|| r.action.trim().to_string()),
        target: (!r.target.trim().is_empty()).then(|| r.target.trim().to_string()),
        from: convert::opt_ms(r.start_time.as_ref(), "start_time")?,
        to: convert::opt_ms(r.end_time.as_ref(), "end_time")?,
    };
    let mut conn = s.store.acquire().await?;
    let mut events = audit::list(&mut conn, &filter, page).await?;
    let next = page.finish(&mut events, |e| e.id, "audit");
    Ok(v1::ListAuditEventsResponse {
        events: events
            .into_iter()
            .map(|e| v1::AuditEvent {
                id: e.id,
                time: convert::ts(e.at),
                actor: e.actor.map(|a| a.name()).unwrap_or_default(),
                actor_username: e.actor_username.unwrap_or_default(),
                client_address: e.client_address.unwrap_or_default(),
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
        next_page_token: next,
    })
}

/// Largest attachment accepted with a justification.
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;

fn counts_proto(t: &rates::Tally) -> v1::AttendanceCounts {
    v1::AttendanceCounts {
        sessions: t.sessions as i32,
        present: t.present as i32,
        late: t.late as i32,
        excused: t.excused as i32,
        absent: t.absent as i32,
        unrecorded: t.unrecorded as i32,
        attendance_rate: t.rate,
        unexcused_absences: t.unexcused_absences as i32,
        consecutive_absences: t.current_streak as i32,
    }
}

fn warning_proto(w: &rates::Warning) -> v1::AbsenceWarning {
    v1::AbsenceWarning {
        level: match w.level {
            Level::None => v1::WarningLevel::None,
            Level::Near => v1::WarningLevel::Near,
            Level::Over => v1::WarningLevel::Over,
        } as i32,
        reasons: w.reasons.clone(),
    }
}

/// Whether a session counts for a student enrolled at `enrolled_at`: over
/// (or closed) by `now`, and the student enrolled by its end or by its
/// creation (as the finaliser decides: [`Session::enrollment_cutoff`]).
fn counts_for(session: &Session, enrolled_at: i64, now: i64) -> bool {
    let over =
        session.end_at <= now || session.closed_at.is_some() || session.finalized_at.is_some();
    over && session.enrollment_cutoff() >= enrolled_at
}

/// A session still to come that will count for the student.
fn is_upcoming(session: &Session, enrolled_at: i64, now: i64) -> bool {
    let over =
        session.end_at <= now || session.closed_at.is_some() || session.finalized_at.is_some();
    !over && session.enrollment_cutoff() >= enrolled_at
}

/// One student's row of the course report.
struct Row {
    statuses: Vec<Option<AttendanceStatus>>,
    tally: rates::Tally,
    warning: rates::Warning,
}

fn report_rows(m: &Matrix, rules: &AbsenceRules, now: i64) -> Vec<Row> {
    m.students
        .iter()
        .map(|(student, enrolled_at)| {
            let statuses: Vec<_> = m
                .sessions
                .iter()
                .map(|s| m.status(s.id, student.id))
                .collect();
            let meetings: Vec<Meeting> = m
                .sessions
                .iter()
                .zip(&statuses)
                .filter(|(s, _)| counts_for(s, *enrolled_at, now))
                .map(|(_, status)| Meeting { status: *status })
                .collect();
            let upcoming = m
                .sessions
                .iter()
                .filter(|s| is_upcoming(s, *enrolled_at, now))
                .count() as u32;
            let tally = rates::tally(&meetings, upcoming, rules);
            let warning = rates::warning(&tally, rules);
            Row {
                statuses,
                tally,
                warning,
            }
        })
        .collect()
}

fn range(
    start: Option<&prost_types::Timestamp>,
    end: Option<&prost_types::Timestamp>,
) -> ApiResult<(Option<i64>, Option<i64>)> {
    Ok((
        convert::opt_ms(start, "start_time")?,
        convert::opt_ms(end, "end_time")?,
    ))
}

async fn course_report(
    s: &State,
    req: Request<v1::GetCourseReportRequest>,
) -> ApiResult<v1::GetCourseReportResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let (from, to) = range(r.start_time.as_ref(), r.end_time.as_ref())?;
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "course", &r.course).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    let m = store_reports::course_matrix(&mut conn, &course, from, to).await?;
    drop(conn);
    let now = s.now_ms();
    let rows = report_rows(&m, &course.absence_rules, now);
    let mut totals = rates::Tally::default();
    let mut session_counts = vec![v1::RollCounts::default(); m.sessions.len()];
    for row in &rows {
        for (i, status) in row.statuses.iter().enumerate() {
            let c = &mut session_counts[i];
            c.enrolled += 1;
            match status {
                Some(AttendanceStatus::Present) => c.present += 1,
                Some(AttendanceStatus::Late) => c.late += 1,
                Some(AttendanceStatus::Excused) => c.excused += 1,
                Some(AttendanceStatus::Absent) => c.absent += 1,
                None => c.not_yet += 1,
            }
        }
        let t = &row.tally;
        totals.sessions += t.sessions;
        totals.present += t.present;
        totals.late += t.late;
        totals.excused += t.excused;
        totals.absent += t.absent;
        totals.unrecorded += t.unrecorded;
        totals.unexcused_absences += t.unexcused_absences;
        totals.rated += t.rated;
        totals.missed += t.missed;
    }
    totals.rate = if totals.rated == 0 {
        1.0
    } else {
        f64::from(totals.rated - totals.missed) / f64::from(totals.rated)
    };
    Ok(v1::GetCourseReportResponse {
        course: course.id.name(),
        sessions: m
            .sessions
            .iter()
            .map(|x| convert::session(x, now))
            .collect(),
        rows: m
            .students
            .iter()
            .zip(&rows)
            .map(|((student, _), row)| v1::ReportRow {
                student: Some(convert::user(student)),
                statuses: row
                    .statuses
                    .iter()
                    .map(|st| st.map_or(v1::AttendanceStatus::Unspecified, convert::status) as i32)
                    .collect(),
                counts: Some(counts_proto(&row.tally)),
                warning: Some(warning_proto(&row.warning)),
            })
            .collect(),
        session_counts,
        totals: Some(counts_proto(&totals)),
    })
}

const CHUNK: usize = 64 * 1024;

fn status_word(s: Option<AttendanceStatus>) -> &'static str {
    s.map_or("", AttendanceStatus::as_str)
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::None => "",
        Level::Near => "near limit",
        Level::Over => "over limit",
    }
}

/// Streams the report: CSV row by row in 64 KiB chunks; XLSX is assembled by
/// rust_xlsxwriter in constant-memory mode and then sent in chunks.
async fn export(
    s: &State,
    req: Request<v1::ExportCourseReportRequest>,
) -> ApiResult<Stream<v1::ExportCourseReportResponse>> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let format = match v1::ExportFormat::try_from(r.format) {
        Ok(v1::ExportFormat::Csv) | Ok(v1::ExportFormat::Unspecified) => v1::ExportFormat::Csv,
        Ok(v1::ExportFormat::Xlsx) => v1::ExportFormat::Xlsx,
        Err(_) => return Err(ApiError::invalid("format", "choose csv or xlsx")),
    };
    let (from, to) = range(r.start_time.as_ref(), r.end_time.as_ref())?;
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "course", &r.course).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    let m = store_reports::course_matrix(&mut conn, &course, from, to).await?;
    drop(conn);
    let now = s.now_ms();
    let zone: chrono_tz::Tz = course.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let headers: Vec<String> = m
        .sessions
        .iter()
        .map(|x| {
            let local = DateTime::<Utc>::from_timestamp_millis(x.start_at)
                .unwrap_or_default()
                .with_timezone(&zone);
            format!("{} {}", local.format("%Y-%m-%d %H:%M"), x.title)
                .trim()
                .to_string()
        })
        .collect();
    let (tx, rx) = mpsc::channel(8);
    let safe_code: String = course
        .code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let (content_type, filename) = match format {
        v1::ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{safe_code}-attendance.xlsx"),
        ),
        _ => (
            "text/csv; charset=utf-8",
            format!("{safe_code}-attendance.csv"),
        ),
    };
    let rules = course.absence_rules;
    tokio::task::spawn_blocking(move || {
        let rows = report_rows(&m, &rules, now);
        let mut first = true;
        let mut send = |bytes: Vec<u8>| {
            let msg = v1::ExportCourseReportResponse {
                chunk: bytes,
                content_type: if first {
                    content_type.to_string()
                } else {
                    String::new()
                },
                filename: if first {
                    filename.clone()
                } else {
                    String::new()
                },
            };
            first = false;
            tx.blocking_send(Ok(msg)).is_ok()
        };
        let result = match format {
            v1::ExportFormat::Xlsx => xlsx(&m, &rows, &headers)
                .map(|bytes| {
                    for c in bytes.chunks(CHUNK) {
                        if !send(c.to_vec()) {
                            break;
                        }
                    }
                })
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
            _ => csv_rows(&m, &rows, &headers, &mut send),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "export failed");
            let _ = tx.blocking_send(Err(Status::internal(
                "the export failed; it has been logged",
            )));
        }
    });
    Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
}

fn summary(row: &Row) -> [String; 6] {
    let t = &row.tally;
    [
        t.present.to_string(),
        t.late.to_string(),
        t.excused.to_string(),
        t.absent.to_string(),
        format!("{:.1}", t.rate * 100.0),
        level_word(row.warning.level).to_string(),
    ]
}

const SUMMARY: [&str; 6] = [
    "present",
    "late",
    "excused",
    "absent",
    "rate_percent",
    "warning",
];

/// Hands the CSV to the stream in chunks as it is written.
struct ChunkSink<'a> {
    buf: Vec<u8>,
    send: &'a mut dyn FnMut(Vec<u8>) -> bool,
}

impl std::io::Write for ChunkSink<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK && !(self.send)(std::mem::take(&mut self.buf)) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client left",
            ));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn csv_rows(
    m: &Matrix,
    rows: &[Row],
    headers: &[String],
    send: &mut dyn FnMut(Vec<u8>) -> bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut w = csv::Writer::from_writer(ChunkSink {
        buf: Vec::with_capacity(CHUNK * 2),
        send,
    });
    let mut head = vec![
        "student_number".to_string(),
        "username".into(),
        "display_name".into(),
    ];
    head.extend(headers.iter().cloned());
    head.extend(SUMMARY.iter().map(|s| s.to_string()));
    w.write_record(&head)?;
    for ((student, _), row) in m.students.iter().zip(rows) {
        let mut record = vec![
            student.student_number.clone().unwrap_or_default(),
            student.username.clone(),
            student.display_name.clone(),
        ];
        record.extend(row.statuses.iter().map(|s| status_word(*s).to_string()));
        record.extend(summary(row));
        w.write_record(&record)?;
    }
    w.flush()?;
    let sink = w.into_inner().map_err(|e| e.to_string())?;
    if !sink.buf.is_empty() {
        (sink.send)(sink.buf);
    }
    Ok(())
}

fn xlsx(
    m: &Matrix,
    rows: &[Row],
    headers: &[String],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name("Attendance")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let head = ["student_number", "username", "display_name"]
        .iter()
        .map(|s| s.to_string())
        .chain(headers.iter().cloned())
        .chain(SUMMARY.iter().map(|s| s.to_string()));
    for (col, h) in (0u16..).zip(head) {
        sheet.write_string_with_format(0, col, h, &bold)?;
    }
    for (i, ((student, _), row)) in m.students.iter().zip(rows).enumerate() {
        let r = (i + 1) as u32;
        sheet.write_string(r, 0, student.student_number.clone().unwrap_or_default())?;
        sheet.write_string(r, 1, &student.username)?;
        sheet.write_string(r, 2, &student.display_name)?;
        let mut c = 3u16;
        for st in &row.statuses {
            sheet.write_string(r, c, status_word(*st))?;
            c += 1;
        }
        let t = &row.tally;
        for n in [t.present, t.late, t.excused, t.absent] {
            sheet.write_number(r, c, f64::from(n))?;
            c += 1;
        }
        sheet.write_number(r, c, (t.rate * 1000.0).round() / 10.0)?;
        sheet.write_string(r, c + 1, level_word(row.warning.level))?;
    }
    book.save_to_buffer()
}

async fn student_history(
    s: &State,
    req: Request<v1::GetStudentHistoryRequest>,
) -> ApiResult<v1::GetStudentHistoryResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let student = if r.student.is_empty() {
        caller.user.id
    } else {
        parse_name("student", &r.student, UserId::parse)?
    };
    let mut conn = s.store.acquire().await?;
    let allowed = caller.user.id == student
        || caller.is_admin()
        || (caller.user.role == Role::Professor
            && courses::teaches_student(&mut conn, caller.user.id, student).await?);
    if !allowed {
        return Err(ApiError::denied("you may see only your own attendance"));
    }
    let user = found(&caller, student, users::get(&mut conn, student).await)?;
    let mut h = store_reports::student_history(&mut conn, student).await?;
    // A professor sees the student only in the courses they teach.
    if caller.user.role == Role::Professor && caller.user.id != student {
        let mut taught = Vec::new();
        for (course, enrolled_at) in h.courses {
            if courses::is_professor(&mut conn, course, caller.user.id).await? {
                taught.push((course, enrolled_at));
            }
        }
        h.courses = taught;
        h.sessions
            .retain(|x| h.courses.iter().any(|(c, _)| *c == x.course));
    }
    let now = s.now_ms();
    let mut out = Vec::new();
    for (course_id, enrolled_at) in &h.courses {
        let course = courses::get(&mut conn, *course_id).await?;
        let mine: Vec<&Session> = h
            .sessions
            .iter()
            .filter(|x| x.course == *course_id)
            .collect();
        let meetings: Vec<Meeting> = mine
            .iter()
            .filter(|x| counts_for(x, *enrolled_at, now))
            .map(|x| Meeting {
                status: h.records.get(&x.id).map(|r| r.status),
            })
            .collect();
        let upcoming = mine
            .iter()
            .filter(|x| is_upcoming(x, *enrolled_at, now))
            .count() as u32;
        let tally = rates::tally(&meetings, upcoming, &course.absence_rules);
        let warning = rates::warning(&tally, &course.absence_rules);
        out.push(v1::CourseHistory {
            course: course.id.name(),
            course_code: course.code.clone(),
            course_title: course.title.clone(),
            counts: Some(counts_proto(&tally)),
            warning: Some(warning_proto(&warning)),
            sessions: mine
                .iter()
                .filter(|x| x.start_at <= now)
                .map(|x| v1::SessionStatus {
                    session: Some(convert::session_for(
                        caller.user.role,
                        convert::session(x, now),
                    )),
                    record: h.records.get(&x.id).map(convert::record),
                })
                .collect(),
        });
    }
    let upcoming = h
        .sessions
        .iter()
        .filter(|x| x.start_at > now)
        .take(20)
        .map(|x| convert::session_for(caller.user.role, convert::session(x, now)))
        .collect();
    Ok(v1::GetStudentHistoryResponse {
        student: Some(convert::user(&user)),
        courses: out,
        upcoming,
    })
}

fn justification_proto(j: &Justification) -> v1::Justification {
    v1::Justification {
        name: j.id.name(),
        session: j.session.name(),
        student: j.student.name(),
        reason: j.reason.clone(),
        state: match j.state {
            justifications::State::Pending => v1::JustificationState::Pending,
            justifications::State::Approved => v1::JustificationState::Approved,
            justifications::State::Rejected => v1::JustificationState::Rejected,
        } as i32,
        decision_comment: j.decision_comment.clone(),
        decided_by: j.decided_by.map(|u| u.name()).unwrap_or_default(),
        submit_time: convert::ts(j.submitted_at),
        decide_time: convert::opt_ts(j.decided_at),
        attachment_filename: j.attachment_filename.clone().unwrap_or_default(),
        attachment_content_type: j.attachment_content_type.clone().unwrap_or_default(),
        attachment_size: j.attachment_size,
        student_display_name: j.student_display_name.clone(),
        course_code: j.course_code.clone(),
        session_start_time: convert::ts(j.session_start),
    }
}

/// The type of an attachment from its first bytes, never from its name.
fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

/// A filename safe to show and to offer for download.
fn safe_filename(name: &str, extension: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem: String = base
        .rsplit_once('.')
        .map_or(base, |(s, _)| s)
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .take(80)
        .collect();
    let stem = stem.trim();
    format!(
        "{}.{extension}",
        if stem.is_empty() { "attachment" } else { stem }
    )
}

async fn submit(
    s: &State,
    req: Request<v1::SubmitJustificationRequest>,
) -> ApiResult<v1::SubmitJustificationResponse> {
    let caller = s.caller(&req).await?;
    if caller.user.role != Role::Student {
        return Err(ApiError::denied("only students submit justifications"));
    }
    let r = req.into_inner();
    let mut v = Violations::default();
    if r.reason.trim().is_empty() {
        v.add("reason", "say why you were absent or late");
    }
    v.check("reason", validate::multiline(&r.reason, 2000));
    let attachment = if r.attachment.is_empty() {
        None
    } else if r.attachment.len() > MAX_ATTACHMENT_BYTES {
        v.add(
            "attachment",
            format!(
                "the file is larger than {} MiB",
                MAX_ATTACHMENT_BYTES / 1024 / 1024
            ),
        );
        None
    } else {
        match sniff(&r.attachment) {
            Some((content_type, ext)) => Some(justifications::Attachment {
                filename: safe_filename(&r.attachment_filename, ext),
                content_type: content_type.to_string(),
                content: r.attachment,
            }),
            None => {
                v.add("attachment", "only PDF, PNG and JPEG files are accepted");
                None
            }
        }
    };
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let session = load_session(&mut tx, &caller, "session", &r.session).await?;
    if !courses::is_enrolled(&mut tx, session.course, caller.user.id).await? {
        return Err(ApiError::denied("you are not enrolled in this course"));
    }
    let record = attendance::get(&mut tx, session.id, caller.user.id).await?;
    let justifiable = match record.as_ref().map(|r| r.status) {
        Some(AttendanceStatus::Absent) | Some(AttendanceStatus::Late) => true,
        None => session.end_at <= now,
        _ => false,
    };
    if !justifiable {
        return Err(ApiError::FailedPrecondition(
            "only an absence or a late mark can be justified".into(),
        ));
    }
    if justifications::pending_for(&mut tx, session.id, caller.user.id).await? {
        return Err(ApiError::AlreadyExists {
            field: "session".into(),
            message: "a justification for this session is already waiting for a decision".into(),
        });
    }
    let j = justifications::create(
        &mut tx,
        NewJustification {
            session: session.id,
            student: caller.user.id,
            reason: r.reason.trim(),
            attachment,
        },
        now,
    )
    .await?;
    audit(
        &mut tx,
        &caller,
        "justification.submit",
        &j.id.name(),
        json!({"session": session.id.name(), "attachment": j.attachment_filename}),
        now,
    )
    .await?;
    classtrack_store::commit(tx).await?;
    Ok(v1::SubmitJustificationResponse {
        justification: Some(justification_proto(&j)),
    })
}

async fn list_justifications(
    s: &State,
    req: Request<v1::ListJustificationsRequest>,
) -> ApiResult<v1::ListJustificationsResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "justifications")?;
    let state = match v1::JustificationState::try_from(r.state) {
        Ok(v1::JustificationState::Unspecified) => None,
        Ok(v1::JustificationState::Pending) => Some(justifications::State::Pending),
        Ok(v1::JustificationState::Approved) => Some(justifications::State::Approved),
        Ok(v1::JustificationState::Rejected) => Some(justifications::State::Rejected),
        Err(_) => return Err(ApiError::invalid("state", "unknown state")),
    };
    let mut conn = s.store.acquire().await?;
    let course = if r.course.is_empty() {
        None
    } else {
        Some(
            load_course(&mut conn, &caller, "course", &r.course)
                .await?
                .id,
        )
    };
    let mut filter = justifications::Filter {
        course,
        state,
        ..Default::default()
    };
    match caller.user.role {
        Role::Student => filter.student = Some(caller.user.id),
        Role::Professor => filter.taught_by = Some(caller.user.id),
        Role::Admin => {}
    }
    let mut list = justifications::list(&mut conn, &filter, page).await?;
    let next = page.finish(&mut list, |j| j.id.0, "justifications");
    Ok(v1::ListJustificationsResponse {
        justifications: list.iter().map(justification_proto).collect(),
        next_page_token: next,
    })
}

async fn load_justification(
    conn: &mut classtrack_store::Conn,
    caller: &Caller,
    name: &str,
) -> ApiResult<Justification> {
    let id = parse_name("name", name, JustificationId::parse)?;
    found(caller, id, justifications::get(conn, id).await)
}

async fn decide(
    s: &State,
    req: Request<v1::DecideJustificationRequest>,
) -> ApiResult<v1::DecideJustificationResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let mut v = Violations::default();
    if !r.approve && r.comment.trim().is_empty() {
        v.add("comment", "say why the justification is rejected");
    }
    v.check("comment", validate::multiline(&r.comment, 2000));
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let j = load_justification(&mut tx, &caller, &r.name).await?;
    require_course_staff(&mut tx, &caller, j.course).await?;
    let state = if r.approve {
        justifications::State::Approved
    } else {
        justifications::State::Rejected
    };
    if !justifications::decide(&mut tx, j.id, state, r.comment.trim(), caller.user.id, now).await? {
        return Err(ApiError::FailedPrecondition(
            "this justification was already decided".into(),
        ));
    }
    let mut detail = json!({"decision": state.as_str(), "comment": r.comment.trim()});
    if r.approve {
        let before = attendance::get(&mut tx, j.session, j.student).await?;
        let note = format!(
            "Justified: {}",
            j.reason.chars().take(200).collect::<String>()
        );
        attendance::set_manual(
            &mut tx,
            j.session,
            j.student,
            attendance::Mark {
                status: AttendanceStatus::Excused,
                source: RecordSource::Justification,
                note: &note,
                by: caller.user.id,
            },
            now,
        )
        .await?;
        detail["old_status"] = json!(before.map(|b| b.status.as_str()));
        detail["new_status"] = json!("excused");
    }
    audit(
        &mut tx,
        &caller,
        "justification.decide",
        &j.id.name(),
        detail,
        now,
    )
    .await?;
    let after = justifications::get(&mut tx, j.id).await?;
    classtrack_store::commit(tx).await?;
    s.hub.nudge();
    Ok(v1::DecideJustificationResponse {
        justification: Some(justification_proto(&after)),
    })
}

async fn attachment(
    s: &State,
    req: Request<v1::GetJustificationAttachmentRequest>,
) -> ApiResult<v1::GetJustificationAttachmentResponse> {
    let caller = s.caller(&req).await?;
    let mut conn = s.store.acquire().await?;
    let j = load_justification(&mut conn, &caller, &req.get_ref().name).await?;
    if j.student != caller.user.id {
        require_course_staff(&mut conn, &caller, j.course).await?;
    }
    let file = justifications::attachment(&mut conn, j.id)
        .await?
        .ok_or_else(|| ApiError::NotFound("this justification has no attachment".into()))?;
    Ok(v1::GetJustificationAttachmentResponse {
        content: file.content,
        content_type: file.content_type,
        filename: file.filename,
    })
}

async fn supervision(
    s: &State,
    req: Request<v1::GetSupervisionOverviewRequest>,
) -> ApiResult<v1::GetSupervisionOverviewResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let now = s.now();
    let zone: chrono_tz::Tz = s.config.default_time_zone.parse().unwrap_or(chrono_tz::UTC);
    let local_midnight = now
        .with_timezone(&zone)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let day_start = chrono::TimeZone::from_local_datetime(&zone, &local_midnight)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc));
    let (from, to) = (
        day_start.timestamp_millis(),
        (day_start + chrono::Duration::days(1)).timestamp_millis(),
    );
    let mut conn = s.store.acquire().await?;
    let today = sessions::list(
        &mut conn,
        sessions::SessionScope::All,
        &sessions::SessionRange {
            from: Some(from),
            to: Some(to),
            include_cancelled: false,
        },
        Page {
            after_id: 0,
            size: 500,
        },
    )
    .await?;
    let now_ms = now.timestamp_millis();
    let mut live = Vec::new();
    for x in &today {
        let counts = attendance::status_counts(&mut conn, x).await?;
        live.push(v1::LiveSession {
            session: Some(convert::session(x, now_ms)),
            counts: Some(crate::live::counts_proto(&counts)),
        });
    }
    live.sort_by_key(|l| {
        l.session
            .as_ref()
            .map(|x| x.state != v1::SessionState::Open as i32)
    });
    let by_role: HashMap<String, i64> =
        users::count_by_role(&mut conn).await?.into_iter().collect();
    let (checkins, rejections) = attendance::counts_since(&mut conn, from).await?;
    let mut by_reason = HashMap::new();
    for r in attendance::rejections(
        &mut conn,
        &RejectionFilter {
            from: Some(from),
            ..Default::default()
        },
        Page {
            after_id: 0,
            size: 10_000,
        },
    )
    .await?
    {
        *by_reason.entry(r.reason).or_insert(0) += 1;
    }
    let n = |x: i64| i32::try_from(x).unwrap_or(i32::MAX);
    Ok(v1::GetSupervisionOverviewResponse {
        sessions: live,
        counts: Some(v1::SystemCounts {
            admins: n(*by_role.get("admin").unwrap_or(&0)),
            professors: n(*by_role.get("professor").unwrap_or(&0)),
            students: n(*by_role.get("student").unwrap_or(&0)),
            courses: n(courses::count_all(&mut conn).await?),
            sessions: n(sessions::count_all(&mut conn).await?),
            check_ins_today: n(checkins),
            rejections_today: n(rejections),
        }),
        rejections_by_reason: by_reason,
    })
}
