//! Justifications: a student submits one for an absence (with an optional
//! attachment whose type is sniffed from its bytes, never taken from its
//! name), staff list and decide them, and the attachment is fetched back.

use crate::retry::retrying;
use classtrack_core::validate::{self, Problem, Violations};
use classtrack_core::AttendanceStatus;
use classtrack_core::{JustificationId, RecordSource, Role};
use classtrack_proto::v1;
use classtrack_store::attendance::{self};
use classtrack_store::courses;
use classtrack_store::justifications::{self, Justification, NewJustification};
use classtrack_store::page::Page;
use serde_json::json;
use tonic::Request;

use crate::access::{found, require_course_staff, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::names::parse_name;
use crate::services::audit;
use crate::services::courses::load_course;
use crate::services::sessions::load_session;
use crate::state::State;

/// Largest attachment accepted with a justification.
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;

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
        session_time_zone: j.session_time_zone.clone(),
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

pub(super) async fn submit(
    s: &State,
    req: Request<v1::SubmitJustificationRequest>,
) -> ApiResult<v1::SubmitJustificationResponse> {
    let caller = s.caller(&req).await?;
    if caller.user.role != Role::Student {
        return Err(ApiError::denied("api-error-students-justify"));
    }
    let r = req.into_inner();
    let mut v = Violations::default();
    if r.reason.trim().is_empty() {
        v.problem(
            "reason",
            classtrack_core::validate::Problem::new("api-field-say-why-absent"),
        );
    }
    v.check("reason", validate::multiline(&r.reason, 2000));
    let attachment = if r.attachment.is_empty() {
        None
    } else if r.attachment.len() > MAX_ATTACHMENT_BYTES {
        v.problem(
            "attachment",
            classtrack_core::validate::Problem::new("api-field-file-too-large")
                .number("mib", MAX_ATTACHMENT_BYTES / 1024 / 1024),
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
                v.problem(
                    "attachment",
                    classtrack_core::validate::Problem::new("api-field-file-kind"),
                );
                None
            }
        }
    };
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    retrying!(s, "submit", {
        let mut tx = s.store.begin().await?;
        let session = load_session(&mut tx, &caller, "session", &r.session).await?;
        if !courses::is_enrolled(&mut tx, session.course, caller.user.id).await? {
            return Err(ApiError::denied("api-error-not-enrolled"));
        }
        let record = attendance::get(&mut tx, session.id, caller.user.id).await?;
        let justifiable = match record.as_ref().map(|r| r.status) {
            Some(AttendanceStatus::Absent) | Some(AttendanceStatus::Late) => true,
            None => session.end_at <= now,
            _ => false,
        };
        if !justifiable {
            return Err(ApiError::precondition("api-error-justify-absence-only"));
        }
        if justifications::pending_for(&mut tx, session.id, caller.user.id).await? {
            return Err(ApiError::AlreadyExists {
                field: "session".into(),
                message: "a justification for this session is already waiting for a decision"
                    .into(),
            });
        }
        let j = justifications::create(
            &mut tx,
            NewJustification {
                session: session.id,
                student: caller.user.id,
                reason: r.reason.trim(),
                attachment: attachment.clone(),
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
    })
}

pub(super) async fn list_justifications(
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

pub(super) async fn decide(
    s: &State,
    req: Request<v1::DecideJustificationRequest>,
) -> ApiResult<v1::DecideJustificationResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let mut v = Violations::default();
    if !r.approve && r.comment.trim().is_empty() {
        v.problem(
            "comment",
            classtrack_core::validate::Problem::new("api-field-say-why-rejected"),
        );
    }
    v.check("comment", validate::multiline(&r.comment, 2000));
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    retrying!(s, "decide", {
        let mut tx = s.store.begin().await?;
        let j = load_justification(&mut tx, &caller, &r.name).await?;
        require_course_staff(&mut tx, &caller, j.course).await?;
        let state = if r.approve {
            justifications::State::Approved
        } else {
            justifications::State::Rejected
        };
        if !justifications::decide(&mut tx, j.id, state, r.comment.trim(), caller.user.id, now)
            .await?
        {
            return Err(ApiError::precondition("api-error-justification-decided"));
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
    })
}

pub(super) async fn attachment(
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
        .ok_or_else(|| ApiError::NotFound(Problem::new("api-error-no-attachment")))?;
    Ok(v1::GetJustificationAttachmentResponse {
        content: file.content,
        content_type: file.content_type,
        filename: file.filename,
    })
}
