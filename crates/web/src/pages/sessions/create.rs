//! Adding sessions to a course: one (a date, a start and an end time) or a
//! weekly series; a form with errors is shown again on the course's page.

use axum::extract::{Path, State};
use axum::response::Response;
use classtrack_proto::v1::{CreateSessionRequest, CreateSessionSeriesRequest, Session};

use super::{end_after, ENDS_BEFORE_START};
use crate::error::{FormErrors, PageResult};
use crate::pages::courses::{get_course, show_course, CourseForms, SeriesForm, SessionForm};
use crate::pages::fields::Fields;
use crate::pages::forms::Form;
use crate::pages::{name, Viewer};
use crate::view::{id_of, parse_local, to_timestamp, zone};
use crate::AppState;

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
        let errors = FormErrors::field("session.start_time", &crate::lang::t("session-need-start"));
        return show_course(&state, &viewer, &id, again(errors, form)).await;
    };
    let Some(end) = parse_local(&form.date, &form.end_time, tz) else {
        let errors = FormErrors::field("session.end_time", &crate::lang::t("session-need-end"));
        return show_course(&state, &viewer, &id, again(errors, form)).await;
    };
    let Some(end) = end_after(start, end) else {
        let errors = FormErrors::field("session.end_time", &crate::lang::t(ENDS_BEFORE_START));
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
                &crate::lang::t("session-created"),
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
        let errors = FormErrors::field("duration_minutes", &crate::lang::t("session-need-minutes"));
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
