//! Editing a session: its title, room, date and times.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::{Session, UpdateSessionRequest};
use serde::Deserialize;

use super::{end_after, get_session, session_zone, SessionHead, ENDS_BEFORE_START};
use crate::error::{FormErrors, PageResult};
use crate::pages::forms::Form;
use crate::pages::{Staff, Viewer};
use crate::view::{input_date_time, parse_local, render, render_with_status, to_timestamp, Layout};
use crate::AppState;

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
        l: viewer
            .layout(&crate::lang::t("session-edit"))
            .shape("narrow"),
        s: SessionHead::new(&s, viewer.tz),
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
    let head = SessionHead::new(&s, viewer.tz);
    let show = |errors: FormErrors, f: EditForm| {
        render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EditPage {
                l: viewer
                    .layout(&crate::lang::t("session-edit"))
                    .shape("narrow"),
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
            FormErrors::field("session.start_time", &crate::lang::t("session-need-times")),
            f,
        ));
    };
    let Some(end) = end_after(start, end) else {
        return Ok(show(
            FormErrors::field("session.end_time", &crate::lang::t(ENDS_BEFORE_START)),
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
        Ok(_) => Ok(viewer.redirect(&format!("/sessions/{id}"), &crate::lang::t("session-saved"))),
        Err(status) => Ok(show(FormErrors::from_status(&status)?, f)),
    }
}
