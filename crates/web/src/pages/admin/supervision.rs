//! Supervision: the overview of live sessions, rejected check-ins, the
//! audit log.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use classtrack_proto::v1::{
    CheckInRejection, GetSupervisionOverviewRequest, ListAuditEventsRequest,
    ListRejectedCheckInsRequest,
};
use serde::Deserialize;

use crate::pages::forms::Query;

use crate::error::{in_place, PageResult};
use crate::lang::t;
use crate::pages::Admin;
use crate::view::{id_of, render, state_class, state_label, zoned_date_time, Layout};
use crate::AppState;

pub struct LiveLine {
    pub id: String,
    pub course: String,
    pub title: String,
    pub when: String,
    pub room: String,
    pub state: String,
    pub state_class: &'static str,
    pub here: i32,
    pub enrolled: i32,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct OverviewPage {
    l: Layout,
    counts: Vec<(String, i32)>,
    sessions: Vec<LiveLine>,
    rejections: Vec<(String, i32)>,
    problem: Option<String>,
}

pub async fn overview(State(state): State<AppState>, Admin(viewer): Admin) -> PageResult<Response> {
    let answer = state
        .api
        .reports()
        .get_supervision_overview(viewer.req(GetSupervisionOverviewRequest {}))
        .await;
    let mut page = OverviewPage {
        l: viewer.layout(&t("admin-overview-title")),
        counts: Vec::new(),
        sessions: Vec::new(),
        rejections: Vec::new(),
        problem: None,
    };
    match answer {
        Ok(r) => {
            let r = r.into_inner();
            let c = r.counts.unwrap_or_default();
            page.counts = [
                ("admin-count-check-ins-today", c.check_ins_today),
                ("admin-count-refused-today", c.rejections_today),
                ("admin-count-sessions", c.sessions),
                ("admin-count-courses", c.courses),
                ("admin-count-students", c.students),
                ("admin-count-professors", c.professors),
                ("admin-count-admins", c.admins),
            ]
            .into_iter()
            .map(|(key, n)| (t(key), n))
            .collect();
            page.sessions = r
                .sessions
                .iter()
                .map(|l| {
                    let s = l.session.clone().unwrap_or_default();
                    let k = l.counts.unwrap_or_default();
                    LiveLine {
                        id: id_of(&s.name).to_string(),
                        course: s.course_code.clone(),
                        title: s.course_title.clone(),
                        when: crate::view::session_hours(&s, viewer.tz),
                        room: s.room.clone(),
                        state: state_label(s.state).to_string(),
                        state_class: state_class(s.state),
                        here: k.present + k.late,
                        enrolled: k.enrolled,
                    }
                })
                .collect();
            let mut rejections: Vec<(String, i32)> = r
                .rejections_by_reason
                .into_iter()
                .map(|(reason, n)| (crate::reasons::words_for_code(&reason).to_string(), n))
                .collect();
            rejections.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            page.rejections = rejections;
        }
        Err(status) => page.problem = Some(in_place(&status)?),
    }
    Ok(render(&page))
}

pub struct RejectionLine {
    pub when: String,
    pub course: String,
    pub student: String,
    pub reason: String,
    pub detail: String,
    pub address: String,
    pub device: String,
}

#[derive(Deserialize, Default)]
pub struct RejectionsQuery {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "rejections.html")]
struct RejectionsPage {
    l: Layout,
    items: Vec<RejectionLine>,
    reasons: Vec<(String, String)>,
    reason: String,
    next: Option<String>,
    problem: Option<String>,
}

pub async fn rejections(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(query): Query<RejectionsQuery>,
) -> PageResult<Response> {
    let wanted = crate::reasons::from_code(&query.reason).unwrap_or(CheckInRejection::Unspecified);
    let listed = state
        .api
        .reports()
        .list_rejected_check_ins(viewer.req(ListRejectedCheckInsRequest {
            reason: wanted as i32,
            page_size: 100,
            page_token: query.page.clone(),
            ..Default::default()
        }))
        .await;
    let (items, next, problem) = match listed {
        Ok(r) => {
            let r = r.into_inner();
            let next = (!r.next_page_token.is_empty()).then(|| {
                format!(
                    "/admin/rejections?reason={}&page={}",
                    crate::view::url_encode(&query.reason),
                    crate::view::url_encode(&r.next_page_token)
                )
            });
            let items = r
                .rejections
                .iter()
                .map(|x| RejectionLine {
                    when: zoned_date_time(x.time.as_ref(), &x.time_zone, viewer.tz),
                    course: x.course_code.clone(),
                    student: x.student_display_name.clone(),
                    reason: crate::reasons::words(
                        CheckInRejection::try_from(x.reason)
                            .unwrap_or(CheckInRejection::Unspecified),
                    )
                    .to_string(),
                    detail: x.detail.clone(),
                    address: x.client_address.clone(),
                    device: x.device_id.chars().take(8).collect(),
                })
                .collect();
            (items, next, None)
        }
        Err(status) => (Vec::new(), None, Some(in_place(&status)?)),
    };
    let reasons = crate::reasons::all()
        .map(|r| {
            (
                crate::reasons::code(r).to_string(),
                crate::reasons::words(r).to_string(),
            )
        })
        .collect();
    Ok(render(&RejectionsPage {
        l: viewer.layout(&t("admin-rejections-title")),
        items,
        reasons,
        reason: query.reason,
        next,
        problem,
    }))
}

pub struct AuditLine {
    pub when: String,
    pub actor: String,
    /// The actor's address, or "—" when none was recorded (the system, or
    /// an entry older than the address column).
    pub address: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    items: Vec<AuditLine>,
    action: String,
    next: Option<String>,
    problem: Option<String>,
}

pub async fn audit(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(query): Query<AuditQuery>,
) -> PageResult<Response> {
    let listed = state
        .api
        .reports()
        .list_audit_events(viewer.req(ListAuditEventsRequest {
            action: query.action.trim().to_string(),
            page_size: 100,
            page_token: query.page.clone(),
            ..Default::default()
        }))
        .await;
    let (items, next, problem) = match listed {
        Ok(r) => {
            let r = r.into_inner();
            let next = (!r.next_page_token.is_empty()).then(|| {
                format!(
                    "/admin/audit?action={}&page={}",
                    crate::view::url_encode(&query.action),
                    crate::view::url_encode(&r.next_page_token)
                )
            });
            let items = r
                .events
                .iter()
                .map(|e| AuditLine {
                    when: zoned_date_time(e.time.as_ref(), &e.time_zone, viewer.tz),
                    actor: if e.actor_username.is_empty() {
                        t("admin-audit-system")
                    } else {
                        e.actor_username.clone()
                    },
                    address: if e.client_address.is_empty() {
                        "—".into()
                    } else {
                        e.client_address.clone()
                    },
                    action: e.action.clone(),
                    target: e.target.clone(),
                    detail: e.detail.clone(),
                })
                .collect();
            (items, next, None)
        }
        Err(status) => (Vec::new(), None, Some(in_place(&status)?)),
    };
    Ok(render(&AuditPage {
        l: viewer.layout(&t("admin-audit-title")),
        items,
        action: query.action,
        next,
        problem,
    }))
}
