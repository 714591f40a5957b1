//! Sessions: the caller's next two weeks, a session's header, cancelling
//! and closing here; creating one or a weekly series in `create.rs`, the
//! roll with manual marks in `roll.rs`, editing in `edit.rs`.

mod create;
mod edit;
mod roll;

pub use create::{create, create_series};
pub use edit::{edit, edit_page};
pub use roll::{how, mark, roll, Counts};

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Duration;
use classtrack_proto::v1::{
    CancelSessionRequest, CloseSessionRequest, GetSessionRequest, ListSessionsRequest, Session,
    SessionState,
};
use serde::Deserialize;

use super::courses::get_course;
use super::forms::Form;
use super::student::{today, SessionLine};
use super::{name, Viewer};
use crate::error::{in_place, PageResult};
use crate::view::{
    clock, date_time, id_of, render, state_class, state_label, to_timestamp, zone, Layout,
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
    let (sessions, problem) = sessions_by_start(
        &state,
        &viewer,
        ListSessionsRequest {
            start_time: Some(to_timestamp(start)),
            end_time: Some(to_timestamp(start + Duration::days(14))),
            ..Default::default()
        },
    )
    .await?;
    let mut days: Vec<(String, Vec<SessionLine>)> = Vec::new();
    for s in &sessions {
        let day = crate::view::day(
            s.start_time.as_ref(),
            crate::view::session_zone(s, viewer.tz),
        );
        let line = SessionLine::new(s, viewer.tz);
        match days.last_mut() {
            Some((d, lines)) if *d == day => lines.push(line),
            _ => days.push((day, vec![line])),
        }
    }
    Ok(render(&SessionsPage {
        l: viewer.layout(&crate::lang::t("nav-sessions")),
        days,
        problem,
    }))
}

/// Up to 500 of the sessions `filter` finds, cancelled ones included, by
/// start time; when the API fails, none and the failure in words for the
/// page.
pub async fn sessions_by_start(
    state: &AppState,
    viewer: &Viewer,
    filter: ListSessionsRequest,
) -> PageResult<(Vec<Session>, Option<String>)> {
    let listed = state
        .api
        .sessions()
        .list_sessions(viewer.req(ListSessionsRequest {
            page_size: 500,
            include_cancelled: true,
            ..filter
        }))
        .await;
    let (mut sessions, problem) = match listed {
        Ok(r) => (r.into_inner().sessions, None),
        Err(status) => (Vec::new(), Some(in_place(&status)?)),
    };
    sessions.sort_by_key(|s| s.start_time.as_ref().map(|t| (t.seconds, t.nanos)));
    Ok((sessions, problem))
}

/// One session as a page header.
pub struct SessionHead {
    pub id: String,
    pub course_id: String,
    pub course: String,
    pub title: String,
    pub when: String,
    pub room: String,
    pub state: String,
    pub state_class: &'static str,
    pub live: bool,
    pub ended: bool,
}

impl SessionHead {
    /// `site`: the viewer's zone; the times are the course's, labelled when they differ.
    pub fn new(s: &Session, site: chrono_tz::Tz) -> Self {
        let tz = crate::view::session_zone(s, site);
        let state = SessionState::try_from(s.state).unwrap_or(SessionState::Unspecified);
        Self {
            id: id_of(&s.name).to_string(),
            course_id: id_of(&s.course).to_string(),
            course: format!("{} · {}", s.course_code, s.course_title),
            title: s.title.clone(),
            when: format!(
                "{}–{}{}",
                date_time(s.start_time.as_ref(), tz),
                clock(s.end_time.as_ref(), tz),
                crate::view::zone_label(tz, site)
            ),
            room: s.room.clone(),
            state: state_label(s.state),
            state_class: state_class(s.state),
            live: matches!(state, SessionState::Open | SessionState::Scheduled),
            ended: matches!(state, SessionState::Closed | SessionState::Cancelled),
        }
    }
}

/// The message key for a session that would end before it starts.
pub(super) const ENDS_BEFORE_START: &str = "session-ends-before-start";

/// The end of a session typed as a time of day on its date. An end earlier
/// than the start is the next morning when that makes a session of at most
/// 12 hours (22:00–01:00, a night lab); otherwise it is a slip (10:00–09:00)
/// and said so, rather than becoming a 23-hour session the API refuses as
/// too long.
pub(super) fn end_after(
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
pub(super) async fn get_session(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> PageResult<Session> {
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

pub(super) async fn session_zone(
    state: &AppState,
    viewer: &Viewer,
    session: &Session,
) -> chrono_tz::Tz {
    match get_course(state, viewer, id_of(&session.course)).await {
        Ok(c) => zone(&c.time_zone, viewer.tz),
        Err(_) => viewer.tz,
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
        crate::lang::t("session-cancelled-done")
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
        crate::lang::t_args("session-closed-done", &[("count", r.marked_absent.into())])
    })
}
