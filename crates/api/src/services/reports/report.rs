//! GetCourseReport: every enrolled student's counts, rate and warning over
//! the course's sessions, and the rules that decide which sessions count for
//! whom (shared with the history and the export).

use classtrack_core::rates::{self, Level, Meeting};
use classtrack_core::settings::AbsenceRules;
use classtrack_core::AttendanceStatus;
use classtrack_proto::v1;
use classtrack_store::reports::{self as store_reports, Matrix};
use classtrack_store::sessions::Session;
use tonic::Request;

use crate::access::require_course_staff;
use crate::convert;
use crate::error::ApiResult;
use crate::services::courses::load_course;
use crate::state::State;

pub(super) fn counts_proto(t: &rates::Tally) -> v1::AttendanceCounts {
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

pub(super) fn warning_proto(w: &rates::Warning) -> v1::AbsenceWarning {
    v1::AbsenceWarning {
        level: match w.level {
            Level::None => v1::WarningLevel::None,
            Level::Near => v1::WarningLevel::Near,
            Level::Over => v1::WarningLevel::Over,
        } as i32,
        // In the caller's language (the call's accept-language).
        reasons: w
            .reasons
            .iter()
            .map(|r| r.text_in(crate::language::current()))
            .collect(),
    }
}

/// Whether a session counts for a student enrolled at `enrolled_at`: over
/// (or closed) by `now`, and the student enrolled by its end or by its
/// creation (as the finaliser decides: [`Session::enrollment_cutoff`]).
pub(super) fn counts_for(session: &Session, enrolled_at: i64, now: i64) -> bool {
    let over =
        session.end_at <= now || session.closed_at.is_some() || session.finalized_at.is_some();
    over && session.enrollment_cutoff() >= enrolled_at
}

/// A session still to come that will count for the student.
pub(super) fn is_upcoming(session: &Session, enrolled_at: i64, now: i64) -> bool {
    let over =
        session.end_at <= now || session.closed_at.is_some() || session.finalized_at.is_some();
    !over && session.enrollment_cutoff() >= enrolled_at
}

/// One student's row of the course report.
pub(super) struct Row {
    /// The student's status in each of the report's sessions, in order
    /// (`None`: no record).
    pub(super) statuses: Vec<Option<AttendanceStatus>>,
    /// The student's counts over those sessions.
    pub(super) tally: rates::Tally,
    /// The absence warning the tally earns.
    pub(super) warning: rates::Warning,
}

pub(super) fn report_rows(m: &Matrix, rules: &AbsenceRules, now: i64) -> Vec<Row> {
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

pub(super) fn range(
    start: Option<&prost_types::Timestamp>,
    end: Option<&prost_types::Timestamp>,
) -> ApiResult<(Option<i64>, Option<i64>)> {
    Ok((
        convert::opt_ms(start, "start_time")?,
        convert::opt_ms(end, "end_time")?,
    ))
}

pub(super) async fn course_report(
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
