//! ReportService: histories, course reports, exports, justifications, supervision.

use classtrack_core::{CourseId, UserId};
use classtrack_proto::v1::{self, report_service_server::ReportService};
use classtrack_store::attendance::{self, RejectionFilter};
use classtrack_store::audit::{self, AuditFilter};
use classtrack_store::page::Page;
use tonic::{Request, Response, Status};

use super::{parse_name, reply};
use crate::access::require_course_staff;
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

pub struct ReportApi(pub State);

fn not_yet<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented(
        "reports are not available on this server yet",
    ))
}

type Stream<T> = tokio_stream::wrappers::ReceiverStream<Result<T, Status>>;

#[tonic::async_trait]
impl ReportService for ReportApi {
    async fn get_student_history(
        &self,
        req: Request<v1::GetStudentHistoryRequest>,
    ) -> Result<Response<v1::GetStudentHistoryResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn get_course_report(
        &self,
        req: Request<v1::GetCourseReportRequest>,
    ) -> Result<Response<v1::GetCourseReportResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    type ExportCourseReportStream = Stream<v1::ExportCourseReportResponse>;
    async fn export_course_report(
        &self,
        req: Request<v1::ExportCourseReportRequest>,
    ) -> Result<Response<Self::ExportCourseReportStream>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn submit_justification(
        &self,
        req: Request<v1::SubmitJustificationRequest>,
    ) -> Result<Response<v1::SubmitJustificationResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn list_justifications(
        &self,
        req: Request<v1::ListJustificationsRequest>,
    ) -> Result<Response<v1::ListJustificationsResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn decide_justification(
        &self,
        req: Request<v1::DecideJustificationRequest>,
    ) -> Result<Response<v1::DecideJustificationResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn get_justification_attachment(
        &self,
        req: Request<v1::GetJustificationAttachmentRequest>,
    ) -> Result<Response<v1::GetJustificationAttachmentResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn get_supervision_overview(
        &self,
        req: Request<v1::GetSupervisionOverviewRequest>,
    ) -> Result<Response<v1::GetSupervisionOverviewResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn list_rejected_check_ins(
        &self,
        req: Request<v1::ListRejectedCheckInsRequest>,
    ) -> Result<Response<v1::ListRejectedCheckInsResponse>, Status> {
        reply(list_rejected(&self.0, req).await)
    }
    async fn list_audit_events(
        &self,
        req: Request<v1::ListAuditEventsRequest>,
    ) -> Result<Response<v1::ListAuditEventsResponse>, Status> {
        reply(list_audit(&self.0, req).await)
    }
}

fn optional<T>(
    field: &str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, classtrack_core::NameError>,
) -> ApiResult<Option<T>> {
    if value.is_empty() {
        Ok(None)
    } else {
        parse_name(field, value, parse).map(Some)
    }
}

/// Admin: every course. Professor: their courses only.
async fn list_rejected(
    s: &State,
    req: Request<v1::ListRejectedCheckInsRequest>,
) -> ApiResult<v1::ListRejectedCheckInsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "rejections")?;
    let course = optional("course", &r.course, CourseId::parse)?;
    let reason = match v1::CheckInRejection::try_from(r.reason) {
        Ok(v1::CheckInRejection::Unspecified) => None,
        Ok(reason) => Some(
            reason
                .as_str_name()
                .trim_start_matches("CHECK_IN_REJECTION_")
                .to_string(),
        ),
        Err(_) => return Err(ApiError::invalid("reason", "unknown rejection reason")),
    };
    let mut conn = s.store.acquire().await?;
    if let Some(c) = course {
        require_course_staff(&mut conn, &caller, c).await?;
    }
    let filter = RejectionFilter {
        course,
        student: optional("student", &r.student, UserId::parse)?,
        reason,
        from: convert::opt_ms(r.start_time.as_ref(), "start_time")?,
        to: convert::opt_ms(r.end_time.as_ref(), "end_time")?,
        taught_by: (!caller.is_admin()).then_some(caller.user.id),
    };
    let mut rows = attendance::rejections(&mut conn, &filter, page).await?;
    let next = page.finish(&mut rows, |r| r.id, "rejections");
    Ok(v1::ListRejectedCheckInsResponse {
        rejections: rows
            .iter()
            .map(|x| v1::RejectedCheckIn {
                session: x.session.map(|s| s.name()).unwrap_or_default(),
                course_code: x.course_code.clone().unwrap_or_default(),
                student: x.student.name(),
                student_display_name: x.student_display_name.clone(),
                reason: convert::rejection(&x.reason) as i32,
                time: convert::ts(x.at),
                client_address: x.client_address.clone().unwrap_or_default(),
                device_id: x.device_id.clone().unwrap_or_default(),
                detail: x.detail.clone(),
            })
            .collect(),
        next_page_token: next,
    })
}

async fn list_audit(
    s: &State,
    req: Request<v1::ListAuditEventsRequest>,
) -> ApiResult<v1::ListAuditEventsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "audit")?;
    let filter = AuditFilter {
        actor: optional("actor", &r.actor, UserId::parse)?,
        action_prefix: (!r.action.trim().is_empty()).then(|| r.action.trim().to_string()),
        target: (!r.target.trim().is_empty()).then(|| r.target.trim().to_string()),
        from: convert::opt_ms(r.start_time.as_ref(), "start_time")?,
        to: convert::opt_ms(r.end_time.as_ref(), "end_time")?,
    };
    let mut conn = s.store.acquire().await?;
    let mut events = audit::list(&mut conn, &filter, page).await?;
    let next = page.finish(&mut events, |e| e.id, "audit");
    Ok(v1::ListAuditEventsResponse {
        events: events
            .into_iter()
            .map(|e| v1::AuditEvent {
                id: e.id,
                time: convert::ts(e.at),
                actor: e.actor.map(|a| a.name()).unwrap_or_default(),
                actor_username: e.actor_username.unwrap_or_default(),
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
        next_page_token: next,
    })
}
