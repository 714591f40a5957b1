//! ReportService: histories, course reports, exports, justifications, supervision.

use classtrack_proto::v1::{self, report_service_server::ReportService};
use tonic::{Request, Response, Status};

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
        self.0.caller(&req).await?;
        not_yet()
    }
    async fn list_audit_events(
        &self,
        req: Request<v1::ListAuditEventsRequest>,
    ) -> Result<Response<v1::ListAuditEventsResponse>, Status> {
        self.0.caller(&req).await?;
        not_yet()
    }
}
