//! Absence justifications: students submit and follow them; professors and
//! administrators decide.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use classtrack_proto::v1::{
    DecideJustificationRequest, GetJustificationAttachmentRequest, GetSessionRequest,
    JustificationState, ListJustificationsRequest, Role, SubmitJustificationRequest,
};
use serde::Deserialize;

use super::forms::{Form, Query};

use super::sessions::SessionHead;
use super::{name, upload, Viewer, Visitor};
use crate::error::{in_place, FormErrors, PageResult};
use crate::lang::t;
use crate::view::{date_time, id_of, render, render_with_status, zoned_date_time, Layout};
use crate::AppState;

pub struct JustificationLine {
    pub id: String,
    pub student: String,
    pub course: String,
    pub session_when: String,
    pub reason: String,
    pub state: String,
    pub state_class: &'static str,
    pub pending: bool,
    pub comment: String,
    pub submitted: String,
    pub attachment: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
}

#[derive(Template)]
#[template(path = "justifications.html")]
struct ListPage {
    l: Layout,
    items: Vec<JustificationLine>,
    staff: bool,
    filter: String,
    problem: Option<String>,
    tabs: [(&'static str, String); 4],
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let staff = viewer.is_staff();
    let filter = match query.state.as_str() {
        "" if staff => "pending",
        "" => "all",
        other => other,
    }
    .to_string();
    let wanted = match filter.as_str() {
        "pending" => JustificationState::Pending,
        "approved" => JustificationState::Approved,
        "rejected" => JustificationState::Rejected,
        _ => JustificationState::Unspecified,
    };
    let listed = state
        .api
        .reports()
        .list_justifications(viewer.req(ListJustificationsRequest {
            state: wanted as i32,
            page_size: 200,
            ..Default::default()
        }))
        .await;
    let (items, problem) = match listed {
        Ok(r) => (
            r.into_inner()
                .justifications
                .iter()
                .map(|j| {
                    let st = JustificationState::try_from(j.state)
                        .unwrap_or(JustificationState::Unspecified);
                    JustificationLine {
                        id: id_of(&j.name).to_string(),
                        student: j.student_display_name.clone(),
                        course: j.course_code.clone(),
                        session_when: zoned_date_time(
                            j.session_start_time.as_ref(),
                            &j.session_time_zone,
                            viewer.tz,
                        ),
                        reason: j.reason.clone(),
                        state: match st {
                            JustificationState::Pending => t("justifications-state-pending"),
                            JustificationState::Approved => t("justifications-state-approved"),
                            JustificationState::Rejected => t("justifications-state-rejected"),
                            JustificationState::Unspecified => "—".into(),
                        },
                        state_class: match st {
                            JustificationState::Pending => "pending",
                            JustificationState::Approved => "approved",
                            JustificationState::Rejected => "rejected",
                            JustificationState::Unspecified => "none",
                        },
                        pending: st == JustificationState::Pending,
                        comment: j.decision_comment.clone(),
                        submitted: date_time(j.submit_time.as_ref(), viewer.tz),
                        attachment: j.attachment_filename.clone(),
                    }
                })
                .collect(),
            None,
        ),
        Err(status) => (Vec::new(), Some(in_place(&status)?)),
    };
    Ok(render(&ListPage {
        l: viewer.layout(&t("nav-justifications")),
        items,
        staff: viewer.role != Role::Student,
        filter,
        problem,
        tabs: [
            ("pending", t("justifications-tab-pending")),
            ("approved", t("justifications-tab-approved")),
            ("rejected", t("justifications-tab-rejected")),
            ("all", t("justifications-tab-all")),
        ],
    }))
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    session: String,
}

#[derive(Template)]
#[template(path = "justify.html")]
struct NewPage {
    l: Layout,
    s: SessionHead,
    reason: String,
    errors: FormErrors,
}

pub async fn new_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> PageResult<Response> {
    let s = session_head(&state, &viewer, &query.session).await?;
    Ok(render(&NewPage {
        l: viewer.layout(&t("justify-title")).shape("narrow"),
        s,
        reason: String::new(),
        errors: FormErrors::default(),
    }))
}

async fn session_head(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<SessionHead> {
    let session = state
        .api
        .sessions()
        .get_session(viewer.req(GetSessionRequest {
            name: name("sessions", super::id_param(id))?,
        }))
        .await?
        .into_inner()
        .session
        .unwrap_or_default();
    Ok(SessionHead::new(&session, viewer.tz))
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Visitor(browser): Visitor,
    multipart: Multipart,
) -> PageResult<Response> {
    let upload = upload::read(&browser, multipart).await?;
    let session_id = upload.text("session");
    let reason = upload.text("reason");
    let (attachment, attachment_filename) = match upload.file {
        Some(f) => (f.bytes, f.filename),
        None => (Vec::new(), String::new()),
    };
    let sent = state
        .api
        .reports()
        .submit_justification(viewer.req(SubmitJustificationRequest {
            session: name("sessions", super::id_param(&session_id))?,
            reason: reason.trim().to_string(),
            attachment,
            attachment_filename,
        }))
        .await;
    match sent {
        Ok(_) => Ok(viewer.redirect("/justifications", &t("justify-sent"))),
        Err(status) => {
            let errors = FormErrors::from_status(&status)?;
            let s = session_head(&state, &viewer, &session_id).await?;
            Ok(render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPage {
                    l: viewer.layout(&t("justify-title")).shape("narrow"),
                    s,
                    reason,
                    errors,
                },
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    approve: String,
    #[serde(default)]
    comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> PageResult<Response> {
    let approve = form.approve == "1";
    let done = state
        .api
        .reports()
        .decide_justification(viewer.req(DecideJustificationRequest {
            name: name("justifications", &id)?,
            approve,
            comment: form.comment.trim().to_string(),
        }))
        .await;
    viewer.after("/justifications", done, |_| {
        if approve {
            t("justifications-approved-done")
        } else {
            t("justifications-rejected-done")
        }
    })
}

pub async fn attachment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let file = state
        .api
        .reports()
        .get_justification_attachment(viewer.req(GetJustificationAttachmentRequest {
            name: name("justifications", &id)?,
        }))
        .await?
        .into_inner();
    let content_type = match file.content_type.as_str() {
        "application/pdf" => "application/pdf",
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(content_type),
            ),
            (
                header::CONTENT_DISPOSITION,
                attachment_disposition(&file.filename, "attachment"),
            ),
        ],
        file.content,
    )
        .into_response())
}

/// `Content-Disposition` of a download named `name` (RFC 6266): a plain
/// ASCII `filename` for old clients and `filename*` in UTF-8, so that
/// `certificat-médical.png` keeps its accent.
pub fn attachment_disposition(name: &str, fallback: &str) -> header::HeaderValue {
    let ascii = safe_filename(&name.replace(|c: char| !c.is_ascii(), "_"), fallback);
    let full: String = name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .collect();
    let value = if full.trim_matches('.').trim().is_empty() || full == ascii {
        format!("attachment; filename=\"{ascii}\"")
    } else {
        format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
            percent_encoding::utf8_percent_encode(&full, RFC5987_ESCAPED)
        )
    };
    header::HeaderValue::from_str(&value)
        .unwrap_or_else(|_| header::HeaderValue::from_static("attachment"))
}

/// Everything but RFC 5987's `attr-char` is percent-encoded.
const RFC5987_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A filename safe inside a quoted header value.
pub fn safe_filename(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        fallback.to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_cannot_break_the_header() {
        assert_eq!(safe_filename("note\".pdf\r\nX: y", "f"), "note.pdfXy");
        assert_eq!(safe_filename("..", "f"), "f");
        assert_eq!(safe_filename("CS101-report.csv", "f"), "CS101-report.csv");
    }

    #[test]
    fn download_names_keep_their_accents() {
        assert_eq!(
            attachment_disposition("certificat-médical.png", "f"),
            "attachment; filename=\"certificat-m_dical.png\"; filename*=UTF-8''certificat-m%C3%A9dical.png"
        );
        assert_eq!(
            attachment_disposition("note.pdf", "f"),
            "attachment; filename=\"note.pdf\""
        );
        assert_eq!(
            attachment_disposition("a\"b\r\n;c d.pdf", "f"),
            "attachment; filename=\"abcd.pdf\"; filename*=UTF-8''a%22b%3Bc%20d.pdf"
        );
        assert_eq!(
            attachment_disposition("../../etc/passwd", "f"),
            "attachment; filename=\"....etcpasswd\""
        );
        assert_eq!(
            attachment_disposition("", "f"),
            "attachment; filename=\"f\""
        );
    }
}
