//! The student's pages: today's sessions with check-in, and their history.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{Duration, TimeZone, Utc};
use classtrack_proto::v1::{
    AttendanceStatus, GetStudentHistoryRequest, ListSessionsRequest, Session, SessionState,
    WarningLevel,
};

use super::Viewer;
use crate::error::{in_place, PageResult};
use crate::lang::{t, t_args};
use crate::view::{
    day, id_of, percent, render, state_class, state_label, status_class, status_label,
    to_timestamp, Layout, RateChart,
};
use crate::AppState;

pub struct SessionLine {
    pub id: String,
    pub course: String,
    pub title: String,
    pub when: String,
    /// "09:00–10:30", for lists already grouped by day.
    pub time: String,
    pub room: String,
    pub state: String,
    pub state_class: &'static str,
    pub open: bool,
    /// The class checks the phone's position (a geofence applies).
    pub needs_location: bool,
    /// Unix seconds of the start, to choose among open sessions.
    pub start: i64,
    /// Preselected in the typed-code menu.
    pub selected: bool,
}

impl SessionLine {
    /// `site`: the viewer's zone; the times are the course's, labelled when they differ.
    pub fn new(s: &Session, site: chrono_tz::Tz) -> Self {
        let tz = crate::view::session_zone(s, site);
        Self {
            id: id_of(&s.name).to_string(),
            course: if s.course_title.is_empty() {
                s.course_code.clone()
            } else {
                format!("{} · {}", s.course_code, s.course_title)
            },
            title: s.title.clone(),
            when: format!(
                "{} {}",
                day(s.start_time.as_ref(), tz),
                crate::view::session_hours(s, site)
            ),
            time: crate::view::session_hours(s, site),
            room: s.room.clone(),
            state: state_label(s.state),
            state_class: state_class(s.state),
            open: s.state == SessionState::Open as i32,
            needs_location: s
                .effective_settings
                .as_ref()
                .is_some_and(|e| e.location_required || e.geofence.is_some()),
            start: s.start_time.as_ref().map_or(0, |t| t.seconds),
            selected: false,
        }
    }
}

#[derive(Template)]
#[template(path = "student_home.html")]
struct HomePage {
    l: Layout,
    sessions: Vec<SessionLine>,
    open_count: usize,
    /// Some open session needs the phone's position.
    needs_location: bool,
    problem: Option<String>,
}

pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    let (start, end) = today(viewer.tz);
    let listed = state
        .api
        .sessions()
        .list_sessions(viewer.req(ListSessionsRequest {
            start_time: Some(to_timestamp(start)),
            end_time: Some(to_timestamp(end)),
            page_size: 100,
            ..Default::default()
        }))
        .await;
    let (mut sessions, problem) = match listed {
        Ok(r) => (
            r.into_inner()
                .sessions
                .iter()
                .map(|s| SessionLine::new(s, viewer.tz))
                .collect::<Vec<_>>(),
            None,
        ),
        Err(status) => (Vec::new(), Some(in_place(&status)?)),
    };
    sessions.sort_by_key(|s| !s.open);
    preselect_latest_open(&mut sessions);
    Ok(render(&HomePage {
        l: viewer.layout(&t("student-check-in")).shape("narrow"),
        open_count: sessions.iter().filter(|s| s.open).count(),
        needs_location: sessions.iter().any(|s| s.open && s.needs_location),
        sessions,
        problem,
    }))
}

/// With several sessions open (a class running late into the next one), the
/// typed-code menu starts on the one that began last: the class the student
/// has most likely just walked into. The code is checked against the chosen
/// session only, and the result page names it.
fn preselect_latest_open(sessions: &mut [SessionLine]) {
    if let Some(latest) = sessions
        .iter_mut()
        .filter(|s| s.open)
        .max_by_key(|s| s.start)
    {
        latest.selected = true;
    }
}

/// Midnight to midnight today, in `tz`, as UTC.
pub fn today(tz: chrono_tz::Tz) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let local_today = Utc::now().with_timezone(&tz).date_naive();
    let start = tz
        .from_local_datetime(&local_today.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    (start, start + Duration::days(1))
}

pub struct CourseLine {
    pub code: String,
    pub title: String,
    pub rate: String,
    pub counts: String,
    pub warning: &'static str,
    pub reasons: Vec<String>,
    pub sessions: Vec<HistoryLine>,
}

pub struct HistoryLine {
    pub id: String,
    pub when: String,
    pub status: String,
    pub class: &'static str,
    pub justifiable: bool,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    l: Layout,
    courses: Vec<CourseLine>,
    chart: RateChart,
    upcoming: Vec<SessionLine>,
    problem: Option<String>,
}

pub async fn history(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    let l = viewer.layout(&t("nav-history"));
    let answer = state
        .api
        .reports()
        .get_student_history(viewer.req(GetStudentHistoryRequest::default()))
        .await;
    let answer = match answer {
        Ok(a) => a.into_inner(),
        Err(status) => {
            return Ok(render(&HistoryPage {
                l,
                courses: Vec::new(),
                chart: RateChart::new([]),
                upcoming: Vec::new(),
                problem: Some(in_place(&status)?),
            }));
        }
    };
    let tz = viewer.tz;
    let courses: Vec<CourseLine> = answer
        .courses
        .iter()
        .map(|c| {
            let counts = c.counts.unwrap_or_default();
            let warning = c.warning.clone().unwrap_or_default();
            CourseLine {
                code: c.course_code.clone(),
                title: c.course_title.clone(),
                rate: percent(counts.attendance_rate),
                counts: t_args(
                    "history-counts",
                    &[
                        ("count", counts.sessions.into()),
                        ("present", counts.present.into()),
                        ("late", counts.late.into()),
                        ("excused", counts.excused.into()),
                        ("absent", counts.absent.into()),
                    ],
                ),
                warning: match WarningLevel::try_from(warning.level) {
                    Ok(WarningLevel::Over) => "over",
                    Ok(WarningLevel::Near) => "near",
                    _ => "",
                },
                reasons: warning.reasons,
                sessions: c
                    .sessions
                    .iter()
                    .rev()
                    .map(|s| {
                        let session = s.session.clone().unwrap_or_default();
                        let status = s.record.as_ref().map(|r| r.status).unwrap_or_default();
                        HistoryLine {
                            id: id_of(&session.name).to_string(),
                            when: crate::view::zoned_date_time(
                                session.start_time.as_ref(),
                                &session.time_zone,
                                tz,
                            ),
                            status: status_label(status),
                            class: status_class(status),
                            justifiable: status == AttendanceStatus::Absent as i32
                                || status == AttendanceStatus::Late as i32,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let chart = RateChart::new(answer.courses.iter().map(|c| {
        (
            c.course_code.clone(),
            c.counts.as_ref().map(|k| k.attendance_rate).unwrap_or(0.0),
        )
    }));
    Ok(render(&HistoryPage {
        l,
        courses,
        chart,
        upcoming: answer
            .upcoming
            .iter()
            .take(10)
            .map(|s| SessionLine::new(s, tz))
            .collect(),
        problem: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_shows_rates_warnings_and_justify_links() {
        let page = HistoryPage {
            l: Layout::bare("My attendance"),
            courses: vec![CourseLine {
                code: "MATH201".into(),
                title: "Linear Algebra".into(),
                rate: "50%".into(),
                counts: "2 sessions".into(),
                warning: "over",
                reasons: vec!["3 unexcused absences (limit 3)".into()],
                sessions: vec![HistoryLine {
                    id: "4".into(),
                    when: "Mon 5 Jan 2026, 09:00".into(),
                    status: "Absent".into(),
                    class: "absent",
                    justifiable: true,
                }],
            }],
            chart: RateChart::new([("MATH201".to_string(), 0.5)]),
            upcoming: Vec::new(),
            problem: None,
        };
        let html = page.render().unwrap();
        assert!(html.contains("Absence limit reached"));
        assert!(html.contains("/justifications/new?session=4"));
        assert!(html.contains(r#"class="bar poor""#));
    }
}
