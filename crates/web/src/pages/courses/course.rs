//! One course's page: its sessions (today, upcoming, past) and the forms
//! that add a session or a weekly series, re-shown with their errors.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::ListSessionsRequest;
use serde::Deserialize;

use super::{get_course, CourseLine};
use crate::error::{FormErrors, PageResult};
use crate::pages::sessions::sessions_by_start;
use crate::pages::student::SessionLine;
use crate::pages::{Staff, Viewer};
use crate::view::{render_with_status, to_utc, zone, Layout};
use crate::AppState;

/// The create-session and create-series forms, re-shown with their errors.
#[derive(Deserialize, Default, Clone)]
pub struct SessionForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start_time: String,
    #[serde(default)]
    pub end_time: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct SeriesForm {
    /// 1 = Monday … 7 = Sunday (checkboxes).
    #[serde(skip)]
    pub weekdays: Vec<i32>,
    #[serde(default)]
    pub start_local_time: String,
    #[serde(default)]
    pub duration_minutes: String,
    #[serde(default)]
    pub first_date: String,
    #[serde(default)]
    pub last_date: String,
    #[serde(default)]
    pub skip_dates: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Default)]
pub struct CourseForms {
    pub session: SessionForm,
    pub session_errors: FormErrors,
    pub series: SeriesForm,
    pub series_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "course.html")]
struct CoursePage {
    l: Layout,
    c: CourseLine,
    time_zone: String,
    today: Vec<SessionLine>,
    upcoming: Vec<SessionLine>,
    past: Vec<SessionLine>,
    problem: Option<String>,
    f: CourseForms,
    weekdays: Vec<(i32, String, bool)>,
}

pub async fn show(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let (date, _) = crate::view::input_date_time(
        Some(&crate::view::to_timestamp(chrono::Utc::now())),
        viewer.tz,
    );
    let forms = CourseForms {
        session: SessionForm {
            date: date.clone(),
            start_time: "09:00".into(),
            end_time: "10:30".into(),
            ..Default::default()
        },
        series: SeriesForm {
            start_local_time: "09:00".into(),
            duration_minutes: "90".into(),
            first_date: date,
            ..Default::default()
        },
        ..Default::default()
    };
    show_course(&state, &viewer, &id, forms).await
}

pub async fn show_course(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    f: CourseForms,
) -> PageResult<Response> {
    let course = get_course(state, viewer, id).await?;
    let tz = zone(&course.time_zone, viewer.tz);
    let (sessions, problem) = sessions_by_start(
        state,
        viewer,
        ListSessionsRequest {
            parent: course.name.clone(),
            ..Default::default()
        },
    )
    .await?;
    let (day_start, day_end) = crate::pages::student::today(tz);
    let (mut today, mut upcoming, mut past) = (Vec::new(), Vec::new(), Vec::new());
    for s in &sessions {
        let start = to_utc(s.start_time.as_ref()).unwrap_or(day_start);
        let line = SessionLine::new(s, tz);
        if start >= day_end {
            upcoming.push(line);
        } else if start >= day_start {
            today.push(line);
        } else {
            past.push(line);
        }
    }
    past.reverse();
    let has_errors = !(f.session_errors.is_empty() && f.series_errors.is_empty());
    let weekdays = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let v = i32::try_from(i + 1).unwrap_or(0);
            (v, crate::lang::t(d), f.series.weekdays.contains(&v))
        })
        .collect();
    let page = CoursePage {
        l: viewer.layout(&course.code),
        c: CourseLine::from(&course),
        time_zone: tz.name().to_string(),
        today,
        upcoming,
        past,
        problem,
        f,
        weekdays,
    };
    let status = if has_errors {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with_status(status, &page))
}

/// The message keys of the days of the week, Monday first (ISO numbering from 1).
const WEEKDAYS: [&str; 7] = [
    "weekday-monday",
    "weekday-tuesday",
    "weekday-wednesday",
    "weekday-thursday",
    "weekday-friday",
    "weekday-saturday",
    "weekday-sunday",
];
