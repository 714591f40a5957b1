//! Sessions: creating one or a weekly series, the roll with manual marks,
//! editing, cancelling and closing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use classtrack_proto::v1::{
    CancelSessionRequest, CloseSessionRequest, CreateSessionRequest, CreateSessionSeriesRequest,
    GetSessionRequest, ListSessionAttendanceRequest, ListSessionsRequest, MarkAttendanceRequest,
    RecordSource, RollCounts, Session, SessionState, UpdateSessionRequest,
};
use serde::Deserialize;

use super::forms::Form;

use super::courses::{get_course, show_course, CourseForms, SeriesForm, SessionForm};
use super::fields::Fields;
use super::student::{today, SessionLine};
use super::{name, Staff, Viewer};
use crate::error::{in_place, FormErrors, PageResult};
use crate::view::{
    clock, date_time, id_of, input_date_time, markable_statuses, parse_local, render,
    render_with_status, state_class, state_label, status_class, status_label, to_timestamp, zone,
    Layout,
};
use crate::AppState;

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    l: Layout,
    days: Vec<(String, Vec<SessionLine>)>,
    problem: Option<String>,
}

/// The caller's sessions from today for two weeks, by day.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    let (start, _) = today(viewer.tz);
    let listed = state
        .api
        .sessions()
        .list_sessions(viewer.req(ListSessionsRequest {
            start_time: Some(to_timestamp(start)),
            end_time: Some(to_timestamp(start + Duration::days(14))),
            page_size: 500,
            include_cancelled: true,
            ..Default::default()
        }))
        .await;
    let (mut sessions, problem) = match listed {
        Ok(r) => (r.into_inner().sessions, None),
        Err(status) => (Vec::new(), Some(in_place(&status)?)),
    };
    sessions.sort_by_key(|s| s.start_time.as_ref().map(|t| (t.seconds, t.nanos)));
    let mut days: Vec<(String, Vec<SessionLine>)> = Vec::new();
    for s in &sessions {
        let day = crate::view::day(s.start_time.as_ref(), viewer.tz);
        let line = SessionLine::new(s, viewer.tz);
        match days.last_mut() {
            Some((d, lines)) if *d == day => lines.push(line),
            _ => days.push((day, vec![line])),
        }
    }
    Ok(render(&SessionsPage {
        l: viewer.layout("Sessions"),
        days,
        problem,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<SessionForm>,
) -> PageResult<Response> {
    let course = get_course(&state, &viewer, &id).await?;
    let tz = zone(&course.time_zone, viewer.tz);
    let again = |errors: FormErrors, form: SessionForm| CourseForms {
        session: form,
        session_errors: errors,
        ..Default::default()
    };
    let Some(start) = parse_local(&form.date, &form.start_time, tz) else {
        let errors = FormErrors::field("session.start_time", "Give a date and a start time.");
        return show_course(&state, &viewer, &id, again(errors, form)).await;
    };
    let Some(end) = parse_local(&form.date, &form.end_time, tz) else {
        let errors = FormErrors::field("session.end_time", "Give an end time.");
        return show_course(&state, &viewer, &id, again(errors, form)).await;
    };
    let Some(end) = end_after(start, end) else {
        let errors = FormErrors::field("session.end_time", ENDS_BEFORE_START);
        return show_course(&state, &viewer, &id, again(errors, form)).await;
    };
    let created = state
        .api
        .sessions()
        .create_session(viewer.req(CreateSessionRequest {
            parent: course.name.clone(),
            session: Some(Session {
                title: form.title.trim().to_string(),
                room: form.room.trim().to_string(),
                start_time: Some(to_timestamp(start)),
                end_time: Some(to_timestamp(end)),
                ..Default::default()
            }),
        }))
        .await;
    match created {
        Ok(r) => {
            let session = r.into_inner().session.unwrap_or_default();
            Ok(viewer.redirect(
                &format!("/sessions/{}", id_of(&session.name)),
                "Session created.",
            ))
        }
        Err(status) => {
            let errors = FormErrors::from_status(&status)?;
            show_course(&state, &viewer, &id, again(errors, form)).await
        }
    }
}

pub async fn create_series(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    fields: Fields,
) -> PageResult<Response> {
    let mut form: SeriesForm = fields.form()?;
    form.weekdays = fields
        .all("weekdays")
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
    let again = |errors: FormErrors, form: SeriesForm| CourseForms {
        series: form,
        series_errors: errors,
        ..Default::default()
    };
    let Ok(duration) = form.duration_minutes.trim().parse::<i32>() else {
        let errors = FormErrors::field("duration_minutes", "Give the length in minutes.");
        return show_course(&state, &viewer, &id, again(errors, form)).await;
    };
    let created = state
        .api
        .sessions()
        .create_session_series(
            viewer.req(CreateSessionSeriesRequest {
                parent: name("courses", &id)?,
                weekdays: form.weekdays.clone(),
                start_local_time: form.start_local_time.trim().to_string(),
                duration_minutes: duration,
                first_date: form.first_date.trim().to_string(),
                last_date: form.last_date.trim().to_string(),
                skip_dates: form
                    .skip_dates
                    .split([',', ' ', ';', '\n'])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(String::from)
                    .collect(),
                room: form.room.trim().to_string(),
                title: form.title.trim().to_string(),
                settings: None,
            }),
        )
        .await;
    match created {
        Ok(r) => {
            let n = r.into_inner().sessions.len();
            Ok(viewer.redirect(&format!("/courses/{id}"), &format!("{n} sessions created.")))
        }
        Err(status) => {
            let errors = FormErrors::from_status(&status)?;
            show_course(&state, &viewer, &id, again(errors, form)).await
        }
    }
}

/// One session as a page header.
pub struct SessionHead {
    pub id: String,
    pub course_id: String,
    pub course: String,
    pub title: String,
    pub when: String,
    pub room: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub live: bool,
    pub ended: bool,
}

impl SessionHead {
    pub fn new(s: &Session, tz: chrono_tz::Tz) -> Self {
        let state = SessionState::try_from(s.state).unwrap_or(SessionState::Unspecified);
        Self {
            id: id_of(&s.name).to_string(),
            course_id: id_of(&s.course).to_string(),
            course: format!("{} · {}", s.course_code, s.course_title),
            title: s.title.clone(),
            when: format!(
                "{}–{}",
                date_time(s.start_time.as_ref(), tz),
                clock(s.end_time.as_ref(), tz)
            ),
            room: s.room.clone(),
            state: state_label(s.state),
            state_class: state_class(s.state),
            live: matches!(state, SessionState::Open | SessionState::Scheduled),
            ended: matches!(state, SessionState::Closed | SessionState::Cancelled),
        }
    }
}

pub struct RollLine {
    pub id: String,
    pub student: String,
    pub display_name: String,
    pub number: String,
    pub status: &'static str,
    pub class: &'static str,
    pub value: i32,
    pub how: String,
    pub note: String,
    pub flagged: bool,
}

#[derive(serde::Serialize)]
pub struct Counts {
    pub enrolled: i32,
    pub present: i32,
    pub late: i32,
    pub excused: i32,
    pub absent: i32,
    pub not_yet: i32,
}

impl From<Option<&RollCounts>> for Counts {
    fn from(c: Option<&RollCounts>) -> Self {
        let c = c.cloned().unwrap_or_default();
        Self {
            enrolled: c.enrolled,
            present: c.present,
            late: c.late,
            excused: c.excused,
            absent: c.absent,
            not_yet: c.not_yet,
        }
    }
}

#[derive(Template)]
#[template(path = "roll.html")]
struct RollPage {
    l: Layout,
    s: SessionHead,
    counts: Counts,
    roll: Vec<RollLine>,
    statuses: Vec<(i32, &'static str)>,
}

pub async fn roll(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let answer = state
        .api
        .attendance()
        .list_session_attendance(viewer.req(ListSessionAttendanceRequest {
            session: viewer.name("sessions", &id)?,
        }))
        .await
        .map_err(|status| viewer.lookup(status))?
        .into_inner();
    let session = answer.session.clone().unwrap_or_default();
    let tz = viewer.tz;
    let mut roll: Vec<RollLine> = answer.entries.iter().map(|e| roll_line(e, tz)).collect();
    roll.sort_by(|a, b| {
        a.display_name
            .to_lowercase()
            .cmp(&b.display_name.to_lowercase())
    });
    Ok(render(&RollPage {
        l: viewer.layout(&format!("{} roll", session.course_code)),
        s: SessionHead::new(&session, tz),
        counts: Counts::from(answer.counts.as_ref()),
        roll,
        statuses: markable_statuses(),
    }))
}

pub fn roll_line(e: &classtrack_proto::v1::RollEntry, tz: chrono_tz::Tz) -> RollLine {
    let student = e.student.clone().unwrap_or_default();
    let record = e.record.clone().unwrap_or_default();
    RollLine {
        id: id_of(&student.name).to_string(),
        student: student.name.clone(),
        display_name: student.display_name.clone(),
        number: student.student_number.clone(),
        status: status_label(record.status),
        class: status_class(record.status),
        value: record.status,
        how: how(&record, tz),
        note: record.note.clone(),
        flagged: record.flagged,
    }
}

/// "QR at 10:02", "by hand at 10:40".
pub fn how(record: &classtrack_proto::v1::AttendanceRecord, tz: chrono_tz::Tz) -> String {
    let source = match RecordSource::try_from(record.source).unwrap_or(RecordSource::Unspecified) {
        RecordSource::Qr => "QR",
        RecordSource::Code => "code",
        RecordSource::Manual => "by hand",
        RecordSource::Close => "at close",
        RecordSource::Justification => "justified",
        RecordSource::Unspecified => return String::new(),
    };
    let at = crate::view::clock_seconds(record.record_time.as_ref(), tz);
    if at.is_empty() {
        source.to_string()
    } else {
        format!("{source} at {at}")
    }
}

#[derive(Deserialize)]
pub struct MarkForm {
    #[serde(default)]
    student: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn mark(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<MarkForm>,
) -> PageResult<Response> {
    let student_id = id_of(&form.student).to_string();
    let back = format!("/sessions/{id}#student-{student_id}");
    let Ok(status) = form.status.parse::<i32>() else {
        return Ok(viewer.redirect(&back, "Choose a status first."));
    };
    let marked = state
        .api
        .attendance()
        .mark_attendance(viewer.req(MarkAttendanceRequest {
            session: name("sessions", &id)?,
            student: name("users", &student_id)?,
            status,
            note: form.note.trim().to_string(),
        }))
        .await;
    viewer.after(&back, marked, |r| {
        let status = r.record.map(|r| r.status).unwrap_or_default();
        format!("Marked {}.", status_label(status).to_lowercase())
    })
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
}

#[derive(Template)]
#[template(path = "session_edit.html")]
struct EditPage {
    l: Layout,
    s: SessionHead,
    f: EditForm,
    errors: FormErrors,
}

const ENDS_BEFORE_START: &str = "The session ends before it starts: check the end time.";

/// The end of a session typed as a time of day on its date. An end earlier
/// than the start is the next morning when that makes a session of at most
/// 12 hours (22:00–01:00, a night lab); otherwise it is a slip (10:00–09:00)
/// and said so, rather than becoming a 23-hour session the API refuses as
/// too long.
fn end_after(
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    if end > start {
        return Some(end);
    }
    let next_day = end + Duration::days(1);
    (next_day > start && next_day - start <= Duration::hours(12)).then_some(next_day)
}

/// The session a page is about; a missing one (or not the viewer's) is 404.
async fn get_session(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<Session> {
    Ok(state
        .api
        .sessions()
        .get_session(viewer.req(GetSessionRequest {
            name: viewer.name("sessions", id)?,
        }))
        .await
        .map_err(|status| viewer.lookup(status))?
        .into_inner()
        .session
        .unwrap_or_default())
}

async fn session_zone(state: &AppState, viewer: &Viewer, session: &Session) -> chrono_tz::Tz {
    match get_course(state, viewer, id_of(&session.course)).await {
        Ok(c) => zone(&c.time_zone, viewer.tz),
        Err(_) => viewer.tz,
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let s = get_session(&state, &viewer, &id).await?;
    let tz = session_zone(&state, &viewer, &s).await;
    let (date, start_time) = input_date_time(s.start_time.as_ref(), tz);
    let (_, end_time) = input_date_time(s.end_time.as_ref(), tz);
    Ok(render(&EditPage {
        l: viewer.layout("Edit session").shape("narrow"),
        s: SessionHead::new(&s, tz),
        f: EditForm {
            title: s.title.clone(),
            room: s.room.clone(),
            date,
            start_time,
            end_time,
        },
        errors: FormErrors::default(),
    }))
}

pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> PageResult<Response> {
    let s = get_session(&state, &viewer, &id).await?;
    let tz = session_zone(&state, &viewer, &s).await;
    let head = SessionHead::new(&s, tz);
    let show = |errors: FormErrors, f: EditForm| {
        render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EditPage {
                l: viewer.layout("Edit session").shape("narrow"),
                s: head,
                f,
                errors,
            },
        )
    };
    let (Some(start), Some(end)) = (
        parse_local(&f.date, &f.start_time, tz),
        parse_local(&f.date, &f.end_time, tz),
    ) else {
        return Ok(show(
            FormErrors::field(
                "session.start_time",
                "Give a date, a start and an end time.",
            ),
            f,
        ));
    };
    let Some(end) = end_after(start, end) else {
        return Ok(show(
            FormErrors::field("session.end_time", ENDS_BEFORE_START),
            f,
        ));
    };
    let updated = state
        .api
        .sessions()
        .update_session(
            viewer.req(UpdateSessionRequest {
                session: Some(Session {
                    name: s.name.clone(),
                    title: f.title.trim().to_string(),
                    room: f.room.trim().to_string(),
                    start_time: Some(to_timestamp(start)),
                    end_time: Some(to_timestamp(end)),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: ["title", "room", "start_time", "end_time"]
                        .map(String::from)
                        .to_vec(),
                }),
            }),
        )
        .await;
    match updated {
        Ok(_) => Ok(viewer.redirect(&format!("/sessions/{id}"), "Session saved.")),
        Err(status) => Ok(show(FormErrors::from_status(&status)?, f)),
    }
}

#[derive(Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> PageResult<Response> {
    let done = state
        .api
        .sessions()
        .cancel_session(viewer.req(CancelSessionRequest {
            name: name("sessions", &id)?,
            reason: form.reason.trim().to_string(),
        }))
        .await;
    viewer.after(&format!("/sessions/{id}"), done, |_| {
        "Session cancelled. It counts for nobody.".into()
    })
}

pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let done = state
        .api
        .sessions()
        .close_session(viewer.req(CloseSessionRequest {
            name: name("sessions", &id)?,
        }))
        .await;
    viewer.after(&format!("/sessions/{id}"), done, |r| {
        match r.marked_absent {
            0 => "Session closed.".to_string(),
            1 => "Session closed; 1 student marked absent.".to_string(),
            n => format!("Session closed; {n} students marked absent."),
        }
    })
}
