//! `report`: the course report of R students × K past sessions (1,000 × 60 by
//! default). The attendance is filled beforehand (not timed): straight
//! through sqlx when the database is known, else by MarkAttendance calls.
//! Timed: `runs` sequential GetCourseReport calls after one warm-up.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use classtrack_proto::v1::{AttendanceStatus, GetCourseReportRequest, MarkAttendanceRequest};
use futures::{StreamExt, TryStreamExt};
use prost::Message;
use sqlx::AnyPool;
use tonic::transport::Channel;

use super::report_of;
use crate::client::{self, Bearer, CALL_TIMEOUT};
use crate::database::{self, Database};
use crate::fixture::{self, resource_id};
use crate::load::{self, Outcome};
use crate::output::ScenarioReport;
use crate::roster;
use crate::stats::{status_key, Recorder};

const DAY: Duration = Duration::from_secs(24 * 3600);

pub struct Sizes {
    pub students: usize,
    pub sessions: usize,
    pub runs: usize,
    pub concurrency: usize,
}

pub async fn run(
    channels: &[Channel],
    admin: &Bearer,
    run_id: &str,
    database: Option<(&Database, &AnyPool)>,
    sizes: &Sizes,
) -> anyhow::Result<ScenarioReport> {
    let channel = &channels[0];
    let course =
        fixture::create_course(channel, admin, &format!("BENCHR-{run_id}"), "Bench report").await?;
    if let Err(status) = get_report(channel, admin, &course).await {
        if status.code() == tonic::Code::Unimplemented {
            return Ok(ScenarioReport::skipped(
                "report",
                "GetCourseReport answered UNIMPLEMENTED: the server has no course report yet",
            ));
        }
    }

    let students = fixture::enroll(
        channel,
        admin,
        &course,
        run_id,
        &roster::roster(run_id, 0..sizes.students),
    )
    .await?;
    let sessions = create_past_sessions(channel, admin, &course, sizes.sessions).await?;
    let fill_started = Instant::now();
    let how = match database {
        Some((db, pool)) => {
            fill_with_sql(db, pool, &sessions, &students).await?;
            "sqlx"
        }
        None => {
            fill_with_marks(channels, admin, &sessions, &students, sizes.concurrency).await?;
            "MarkAttendance"
        }
    };
    let fill_time = fill_started.elapsed();

    let warm_up = get_report(channel, admin, &course).await;
    let shape = match &warm_up {
        Ok(r) => format!(
            "{} rows × {} sessions, {:.1} KiB",
            r.rows.len(),
            r.sessions.len(),
            r.encoded_len() as f64 / 1024.0
        ),
        Err(s) => format!("warm-up failed: {}", status_key(s)),
    };
    let mut recorder = Recorder::new();
    let started = Instant::now();
    for _ in 0..sizes.runs {
        let sent = Instant::now();
        match get_report(channel, admin, &course).await {
            Ok(_) => recorder.record_ok(sent.elapsed()),
            Err(s) => recorder.record_error(status_key(&s)),
        }
    }
    let outcome = Outcome {
        recorder,
        elapsed: started.elapsed(),
        attempted: sizes.runs as u64,
    };
    let mut report = report_of("report", &outcome);
    report.notes.push(format!(
        "{} students × {} sessions filled by {how} in {:.1} s (not timed); response {shape}; sequential calls after one warm-up",
        students.len(),
        sessions.len(),
        fill_time.as_secs_f64()
    ));
    Ok(report)
}

async fn get_report(
    channel: &Channel,
    admin: &Bearer,
    course: &str,
) -> Result<classtrack_proto::v1::GetCourseReportResponse, tonic::Status> {
    let request = GetCourseReportRequest {
        course: course.to_string(),
        ..Default::default()
    };
    Ok(client::reports(channel)
        .get_course_report(admin.request(request, CALL_TIMEOUT))
        .await?
        .into_inner())
}

/// One 90-minute session a day for the last `count` days, one call at a time
/// (concurrent CreateSession calls can meet SQLite's lock-upgrade refusal).
async fn create_past_sessions(
    channel: &Channel,
    admin: &Bearer,
    course: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let now = SystemTime::now();
    futures::stream::iter(1..=count)
        .map(|k| async move {
            let start = now - DAY * (count + 1 - k) as u32;
            let title = format!("report {k}");
            let session = fixture::create_session(
                channel,
                admin,
                course,
                &title,
                start,
                start + Duration::from_secs(90 * 60),
            )
            .await?;
            Ok::<_, anyhow::Error>(session.name)
        })
        .buffered(1)
        .try_collect()
        .await
}

/// A plausible term: mostly present, some late, a few excused or absent.
pub fn status_of(student: usize, session: usize) -> AttendanceStatus {
    match (student * 31 + session * 17 + student * session) % 100 {
        0..=79 => AttendanceStatus::Present,
        80..=87 => AttendanceStatus::Late,
        88..=91 => AttendanceStatus::Excused,
        _ => AttendanceStatus::Absent,
    }
}

async fn fill_with_sql(
    database: &Database,
    pool: &AnyPool,
    sessions: &[String],
    students: &[fixture::Student],
) -> anyhow::Result<()> {
    for (k, session) in sessions.iter().enumerate() {
        let session_id = resource_id(session)?;
        let rows: Vec<(i64, &'static str)> = students
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, stored_status(status_of(i, k))))
            .collect();
        database::upsert_statuses(pool, database.engine(), session_id, &rows).await?;
    }
    Ok(())
}

async fn fill_with_marks(
    channels: &[Channel],
    admin: &Bearer,
    sessions: &[String],
    students: &[fixture::Student],
    concurrency: usize,
) -> anyhow::Result<()> {
    let pairs: Arc<[(String, String, AttendanceStatus)]> = sessions
        .iter()
        .enumerate()
        .flat_map(|(k, session)| {
            students
                .iter()
                .enumerate()
                .map(move |(i, s)| (session.clone(), s.name.clone(), status_of(i, k)))
        })
        .collect();
    let (channels, admin) = (Arc::<[Channel]>::from(channels), admin.clone());
    let outcome = load::drive(pairs.len(), concurrency, move |i| {
        let (channels, admin, pairs) = (Arc::clone(&channels), admin.clone(), Arc::clone(&pairs));
        async move {
            let (session, student, status) = &pairs[i];
            let request = MarkAttendanceRequest {
                session: session.clone(),
                student: student.clone(),
                status: *status as i32,
                note: String::new(),
            };
            client::attendance(&channels[i % channels.len()])
                .mark_attendance(admin.request(request, CALL_TIMEOUT))
                .await
                .map(drop)
                .map_err(|s| status_key(&s))
        }
    })
    .await;
    anyhow::ensure!(
        outcome.recorder.error_count() == 0,
        "filling the report by MarkAttendance failed: {:?}",
        outcome.recorder.errors()
    );
    Ok(())
}

/// The status as the schema stores it (`present`, `late`, …).
fn stored_status(status: AttendanceStatus) -> &'static str {
    match status {
        AttendanceStatus::Present | AttendanceStatus::Unspecified => "present",
        AttendanceStatus::Late => "late",
        AttendanceStatus::Excused => "excused",
        AttendanceStatus::Absent => "absent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_mostly_present() {
        let mut present = 0;
        for i in 0..1_000 {
            for k in 0..60 {
                if status_of(i, k) == AttendanceStatus::Present {
                    present += 1;
                }
            }
        }
        let share = present as f64 / 60_000.0;
        assert!((0.7..0.9).contains(&share), "{share}");
    }
}
