//! ReportService, one story per module: a student's history, the course
//! report, its CSV/XLSX export, justifications, and supervision (with the
//! rejected check-ins and the audit log).

mod export;
mod history;
mod justifications;
mod report;
mod supervision;

use classtrack_proto::v1::{self, report_service_server::ReportService};
use tonic::{Request, Response, Status};

use super::reply;
use crate::state::State;
use export::{export, Stream};
use history::student_history;
use justifications::{attachment, decide, list_justifications, submit};
use report::course_report;
use supervision::{list_audit, list_rejected, supervision};

/// ReportService: histories, course reports and exports, justifications, supervision and the
/// audit log.
pub struct ReportApi(pub State);

#[tonic::async_trait]
impl ReportService for ReportApi {
    async fn get_student_history(
        &self,
        req: Request<v1::GetStudentHistoryRequest>,
    ) -> Result<Response<v1::GetStudentHistoryResponse>, Status> {
        reply(student_history(&self.0, req).await)
    }
    async fn get_course_report(
        &self,
        req: Request<v1::GetCourseReportRequest>,
    ) -> Result<Response<v1::GetCourseReportResponse>, Status> {
        reply(course_report(&self.0, req).await)
    }
    type ExportCourseReportStream = Stream<v1::ExportCourseReportResponse>;
    async fn export_course_report(
        &self,
        req: Request<v1::ExportCourseReportRequest>,
    ) -> Result<Response<Self::ExportCourseReportStream>, Status> {
        reply(export(&self.0, req).await)
    }
    async fn submit_justification(
        &self,
        req: Request<v1::SubmitJustificationRequest>,
    ) -> Result<Response<v1::SubmitJustificationResponse>, Status> {
        reply(submit(&self.0, req).await)
    }
    async fn list_justifications(
        &self,
        req: Request<v1::ListJustificationsRequest>,
    ) -> Result<Response<v1::ListJustificationsResponse>, Status> {
        reply(list_justifications(&self.0, req).await)
    }
    async fn decide_justification(
        &self,
        req: Request<v1::DecideJustificationRequest>,
    ) -> Result<Response<v1::DecideJustificationResponse>, Status> {
        reply(decide(&self.0, req).await)
    }
    async fn get_justification_attachment(
        &self,
        req: Request<v1::GetJustificationAttachmentRequest>,
    ) -> Result<Response<v1::GetJustificationAttachmentResponse>, Status> {
        reply(attachment(&self.0, req).await)
    }
    async fn get_supervision_overview(
        &self,
        req: Request<v1::GetSupervisionOverviewRequest>,
    ) -> Result<Response<v1::GetSupervisionOverviewResponse>, Status> {
        reply(supervision(&self.0, req).await)
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
