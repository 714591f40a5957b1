//! Every RPC, called as anonymous, a student, another professor, the owning
//! professor and an administrator, with the exact status code expected.

use std::future::Future;
use std::pin::Pin;

use classtrack_proto::v1;
use prost_types::FieldMask;
use tonic::Code;

use crate::helpers::*;

const WHO: [&str; 5] = [
    "anonymous",
    "student",
    "other professor",
    "owning professor",
    "admin",
];
const OK: Code = Code::Ok;
const U: Code = Code::Unauthenticated;
const D: Code = Code::PermissionDenied;
const I: Code = Code::InvalidArgument;
const N: Code = Code::NotFound;

/// The world every call runs in.
#[derive(Clone)]
struct Ctx {
    channel: tonic::transport::Channel,
    /// Tokens in WHO order ("" for anonymous).
    tokens: Vec<String>,
    admin: String,
    owner: String,
    course: String,
    session: String,
    student: String,
    spare_students: Vec<String>,
    qr: String,
}

impl Ctx {
    fn token(&self, who: usize) -> &str {
        &self.tokens[who]
    }
    fn clients(&self) -> classtrack_proto::Clients {
        classtrack_proto::Clients::new(self.channel.clone())
    }
    fn users(&self) -> v1::user_service_client::UserServiceClient<tonic::transport::Channel> {
        self.clients().users()
    }
    fn courses(&self) -> v1::course_service_client::CourseServiceClient<tonic::transport::Channel> {
        self.clients().courses()
    }
    fn sessions(
        &self,
    ) -> v1::session_service_client::SessionServiceClient<tonic::transport::Channel> {
        self.clients().sessions()
    }
    fn attendance(
        &self,
    ) -> v1::attendance_service_client::AttendanceServiceClient<tonic::transport::Channel> {
        self.clients().attendance()
    }
    fn auth(&self) -> v1::auth_service_client::AuthServiceClient<tonic::transport::Channel> {
        self.clients().auth()
    }
    fn reports(&self) -> v1::report_service_client::ReportServiceClient<tonic::transport::Channel> {
        self.clients().reports()
    }
    /// A session closed with the student absent.
    async fn closed_session(&self) -> String {
        let s = self.fresh_session().await;
        self.sessions()
            .close_session(req(
                &self.admin,
                v1::CloseSessionRequest { name: s.clone() },
            ))
            .await
            .expect("close");
        s
    }
    /// A pending justification of the student, with a PDF attached.
    async fn justification(&self) -> String {
        let session = self.closed_session().await;
        self.reports()
            .submit_justification(req(
                self.token(1),
                v1::SubmitJustificationRequest {
                    session,
                    reason: "Ill".into(),
                    attachment: b"%PDF-1.4".to_vec(),
                    attachment_filename: "n.pdf".into(),
                },
            ))
            .await
            .expect("submit")
            .into_inner()
            .justification
            .expect("j")
            .name
    }
    /// A fresh session of the course, made by the admin (for calls that end one).
    async fn fresh_session(&self) -> String {
        self.sessions()
            .create_session(req(
                &self.admin,
                v1::CreateSessionRequest {
                    parent: self.course.clone(),
                    session: Some(v1::Session {
                        start_time: Some(ts(start_of_term())),
                        end_time: Some(ts(start_of_term() + chrono::Duration::hours(1))),
                        ..Default::default()
                    }),
                },
            ))
            .await
            .expect("fresh session")
            .into_inner()
            .session
            .expect("session")
            .name
    }
}

type Outcome = Pin<Box<dyn Future<Output = Code> + Send>>;
type Call = Box<dyn Fn(Ctx, usize) -> Outcome>;

fn call<F, Fut, T>(f: F) -> Call
where
    F: Fn(Ctx, usize) -> Fut + 'static,
    Fut: Future<Output = Result<T, tonic::Status>> + Send + 'static,
{
    Box::new(move |ctx, who| {
        let fut = f(ctx, who);
        Box::pin(async move {
            match fut.await {
                Ok(_) => Code::Ok,
                Err(s) => s.code(),
            }
        })
    })
}

fn table() -> Vec<(&'static str, [Code; 5], Call)> {
    vec![
        // AuthService
        (
            "AuthService.Login",
            [OK, OK, OK, OK, OK],
            call(|c, _| async move {
                c.auth()
                    .login(v1::LoginRequest {
                        login: "admin".into(),
                        password: ADMIN_PASSWORD.into(),
                    })
                    .await
            }),
        ),
        (
            "AuthService.WhoAmI",
            [U, OK, OK, OK, OK],
            call(|c, w| async move {
                c.auth()
                    .who_am_i(req(c.token(w), v1::WhoAmIRequest {}))
                    .await
            }),
        ),
        (
            "AuthService.ChangePassword",
            [U, I, I, I, I],
            call(|c, w| async move {
                c.auth()
                    .change_password(req(
                        c.token(w),
                        v1::ChangePasswordRequest {
                            current_password: "wrong-password".into(),
                            new_password: "another-password".into(),
                        },
                    ))
                    .await
            }),
        ),
        (
            // Nobody but the caller: the request names no user.
            "AuthService.SetMyLocale",
            [U, OK, OK, OK, OK],
            call(|c, w| async move {
                c.auth()
                    .set_my_locale(req(
                        c.token(w),
                        v1::SetMyLocaleRequest {
                            locale: "fr".into(),
                        },
                    ))
                    .await
            }),
        ),
        // UserService
        (
            "UserService.CreateUser",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.users()
                    .create_user(req(
                        c.token(w),
                        v1::CreateUserRequest {
                            user: Some(v1::User {
                                username: format!("made-by-{w}"),
                                email: format!("m{w}@uni.edu"),
                                display_name: "M".into(),
                                role: v1::Role::Student as i32,
                                ..Default::default()
                            }),
                            password: String::new(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "UserService.GetUser",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.users()
                    .get_user(req(
                        c.token(w),
                        v1::GetUserRequest {
                            name: c.spare_students[0].clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "UserService.ListUsers",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.users()
                    .list_users(req(c.token(w), v1::ListUsersRequest::default()))
                    .await
            }),
        ),
        (
            "UserService.UpdateUser",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.users()
                    .update_user(req(
                        c.token(w),
                        v1::UpdateUserRequest {
                            user: Some(v1::User {
                                name: c.spare_students[0].clone(),
                                display_name: format!("Renamed {w}"),
                                ..Default::default()
                            }),
                            update_mask: Some(FieldMask {
                                paths: vec!["display_name".into()],
                            }),
                        },
                    ))
                    .await
            }),
        ),
        (
            "UserService.DeactivateUser",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.users()
                    .deactivate_user(req(
                        c.token(w),
                        v1::DeactivateUserRequest {
                            name: c.spare_students[1].clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "UserService.ReactivateUser",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.users()
                    .reactivate_user(req(
                        c.token(w),
                        v1::ReactivateUserRequest {
                            name: c.spare_students[1].clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "UserService.ResetPassword",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.users()
                    .reset_password(req(
                        c.token(w),
                        v1::ResetPasswordRequest {
                            name: c.spare_students[1].clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "UserService.ImportUsers",
            [U, D, D, D, OK],
            call(|c, w| async move {
                let csv = format!(
                    "username,email,display_name,role\nimp-{w},imp{w}@uni.edu,Imp,student\n"
                );
                c.users()
                    .import_users(req(
                        c.token(w),
                        v1::ImportUsersRequest {
                            csv: csv.into(),
                            dry_run: false,
                        },
                    ))
                    .await
            }),
        ),
        // CourseService
        (
            "CourseService.CreateCourse",
            [U, D, OK, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .create_course(req(
                        c.token(w),
                        v1::CreateCourseRequest {
                            course: Some(v1::Course {
                                code: format!("NEW{w}"),
                                title: "New".into(),
                                ..Default::default()
                            }),
                            professors: vec![],
                        },
                    ))
                    .await
            }),
        ),
        (
            "CourseService.GetCourse",
            [U, OK, D, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .get_course(req(
                        c.token(w),
                        v1::GetCourseRequest {
                            name: c.course.clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "CourseService.ListCourses",
            [U, OK, OK, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .list_courses(req(c.token(w), v1::ListCoursesRequest::default()))
                    .await
            }),
        ),
        (
            "CourseService.UpdateCourse",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .update_course(req(
                        c.token(w),
                        v1::UpdateCourseRequest {
                            course: Some(v1::Course {
                                name: c.course.clone(),
                                title: format!("Title {w}"),
                                ..Default::default()
                            }),
                            update_mask: Some(FieldMask {
                                paths: vec!["title".into()],
                            }),
                        },
                    ))
                    .await
            }),
        ),
        (
            "CourseService.SetCourseProfessors",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.courses()
                    .set_course_professors(req(
                        c.token(w),
                        v1::SetCourseProfessorsRequest {
                            course: c.course.clone(),
                            professors: vec![c.owner.clone()],
                        },
                    ))
                    .await
            }),
        ),
        (
            "CourseService.ListEnrollments",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .list_enrollments(req(
                        c.token(w),
                        v1::ListEnrollmentsRequest {
                            parent: c.course.clone(),
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "CourseService.EnrollStudent",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .enroll_student(req(
                        c.token(w),
                        v1::EnrollStudentRequest {
                            course: c.course.clone(),
                            student: Some(v1::enroll_student_request::Student::Existing(
                                c.spare_students[2].clone(),
                            )),
                        },
                    ))
                    .await
            }),
        ),
        (
            "CourseService.UnenrollStudent",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .enroll_student(req(
                        &c.admin,
                        v1::EnrollStudentRequest {
                            course: c.course.clone(),
                            student: Some(v1::enroll_student_request::Student::Existing(
                                c.spare_students[2].clone(),
                            )),
                        },
                    ))
                    .await
                    .expect("setup");
                c.courses()
                    .unenroll_student(req(
                        c.token(w),
                        v1::UnenrollStudentRequest {
                            course: c.course.clone(),
                            student: c.spare_students[2].clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "CourseService.ImportEnrollments",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.courses()
                    .import_enrollments(req(
                        c.token(w),
                        v1::ImportEnrollmentsRequest {
                            course: c.course.clone(),
                            csv: "username\nspare2\n".into(),
                            dry_run: true,
                        },
                    ))
                    .await
            }),
        ),
        // SessionService
        (
            "SessionService.CreateSession",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.sessions()
                    .create_session(req(
                        c.token(w),
                        v1::CreateSessionRequest {
                            parent: c.course.clone(),
                            session: Some(v1::Session {
                                start_time: Some(ts(start_of_term())),
                                end_time: Some(ts(start_of_term() + chrono::Duration::hours(1))),
                                ..Default::default()
                            }),
                        },
                    ))
                    .await
            }),
        ),
        (
            "SessionService.CreateSessionSeries",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.sessions()
                    .create_session_series(req(
                        c.token(w),
                        v1::CreateSessionSeriesRequest {
                            parent: c.course.clone(),
                            weekdays: vec![v1::Weekday::Friday as i32],
                            start_local_time: "08:00".into(),
                            duration_minutes: 60,
                            first_date: "2026-09-14".into(),
                            last_date: "2026-09-30".into(),
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "SessionService.GetSession",
            [U, OK, D, OK, OK],
            call(|c, w| async move {
                c.sessions()
                    .get_session(req(
                        c.token(w),
                        v1::GetSessionRequest {
                            name: c.session.clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "SessionService.ListSessions",
            [U, OK, D, OK, OK],
            call(|c, w| async move {
                c.sessions()
                    .list_sessions(req(
                        c.token(w),
                        v1::ListSessionsRequest {
                            parent: c.course.clone(),
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "SessionService.UpdateSession",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.sessions()
                    .update_session(req(
                        c.token(w),
                        v1::UpdateSessionRequest {
                            session: Some(v1::Session {
                                name: c.session.clone(),
                                room: format!("Room {w}"),
                                ..Default::default()
                            }),
                            update_mask: Some(FieldMask {
                                paths: vec!["room".into()],
                            }),
                        },
                    ))
                    .await
            }),
        ),
        (
            "SessionService.CancelSession",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                let s = c.fresh_session().await;
                c.sessions()
                    .cancel_session(req(
                        c.token(w),
                        v1::CancelSessionRequest {
                            name: s,
                            reason: String::new(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "SessionService.CloseSession",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                let s = c.fresh_session().await;
                c.sessions()
                    .close_session(req(c.token(w), v1::CloseSessionRequest { name: s }))
                    .await
            }),
        ),
        // AttendanceService
        (
            "AttendanceService.GetQrToken",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.attendance()
                    .get_qr_token(req(
                        c.token(w),
                        v1::GetQrTokenRequest {
                            session: c.session.clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AttendanceService.StreamQrTokens",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.attendance()
                    .stream_qr_tokens(req(
                        c.token(w),
                        v1::StreamQrTokensRequest {
                            session: c.session.clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AttendanceService.ScanQrToken",
            [OK, OK, OK, OK, OK],
            call(|c, w| async move {
                c.attendance()
                    .scan_qr_token(req(
                        c.token(w),
                        v1::ScanQrTokenRequest {
                            token: c.qr.clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AttendanceService.CheckIn",
            [U, OK, D, D, D],
            call(|c, w| async move {
                c.attendance()
                    .check_in(req(
                        c.token(w),
                        v1::CheckInRequest {
                            credential: Some(v1::check_in_request::Credential::Token(c.qr.clone())),
                            device_id: format!("dev{w}"),
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "AttendanceService.MarkAttendance",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.attendance()
                    .mark_attendance(req(
                        c.token(w),
                        v1::MarkAttendanceRequest {
                            session: c.session.clone(),
                            student: c.student.clone(),
                            status: v1::AttendanceStatus::Excused as i32,
                            note: String::new(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AttendanceService.ListSessionAttendance",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.attendance()
                    .list_session_attendance(req(
                        c.token(w),
                        v1::ListSessionAttendanceRequest {
                            session: c.session.clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AttendanceService.WatchSession",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.attendance()
                    .watch_session(req(
                        c.token(w),
                        v1::WatchSessionRequest {
                            session: c.session.clone(),
                        },
                    ))
                    .await
            }),
        ),
        // ReportService
        (
            "ReportService.GetStudentHistory (own)",
            [U, OK, OK, OK, OK],
            call(|c, w| async move {
                c.reports()
                    .get_student_history(req(c.token(w), v1::GetStudentHistoryRequest::default()))
                    .await
            }),
        ),
        (
            "ReportService.GetStudentHistory (a student's)",
            [U, OK, D, OK, OK],
            call(|c, w| async move {
                c.reports()
                    .get_student_history(req(
                        c.token(w),
                        v1::GetStudentHistoryRequest {
                            student: c.student.clone(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "ReportService.GetCourseReport",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.reports()
                    .get_course_report(req(
                        c.token(w),
                        v1::GetCourseReportRequest {
                            course: c.course.clone(),
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "ReportService.ExportCourseReport",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.reports()
                    .export_course_report(req(
                        c.token(w),
                        v1::ExportCourseReportRequest {
                            course: c.course.clone(),
                            format: v1::ExportFormat::Csv as i32,
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "ReportService.SubmitJustification",
            [U, OK, D, D, D],
            call(|c, w| async move {
                let session = c.closed_session().await;
                c.reports()
                    .submit_justification(req(
                        c.token(w),
                        v1::SubmitJustificationRequest {
                            session,
                            reason: "Ill".into(),
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "ReportService.ListJustifications",
            [U, OK, OK, OK, OK],
            call(|c, w| async move {
                c.reports()
                    .list_justifications(req(c.token(w), v1::ListJustificationsRequest::default()))
                    .await
            }),
        ),
        (
            "ReportService.DecideJustification",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                let name = c.justification().await;
                c.reports()
                    .decide_justification(req(
                        c.token(w),
                        v1::DecideJustificationRequest {
                            name,
                            approve: true,
                            comment: String::new(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "ReportService.GetJustificationAttachment",
            [U, OK, D, OK, OK],
            call(|c, w| async move {
                let name = c.justification().await;
                c.reports()
                    .get_justification_attachment(req(
                        c.token(w),
                        v1::GetJustificationAttachmentRequest { name },
                    ))
                    .await
            }),
        ),
        (
            "ReportService.GetSupervisionOverview",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.reports()
                    .get_supervision_overview(req(c.token(w), v1::GetSupervisionOverviewRequest {}))
                    .await
            }),
        ),
        (
            "ReportService.ListRejectedCheckIns",
            [U, D, D, OK, OK],
            call(|c, w| async move {
                c.reports()
                    .list_rejected_check_ins(req(
                        c.token(w),
                        v1::ListRejectedCheckInsRequest {
                            course: c.course.clone(),
                            ..Default::default()
                        },
                    ))
                    .await
            }),
        ),
        (
            "ReportService.ListAuditEvents",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.reports()
                    .list_audit_events(req(c.token(w), v1::ListAuditEventsRequest::default()))
                    .await
            }),
        ),
        (
            "AuthService.StartDeviceAuthorization",
            [OK, OK, OK, OK, OK],
            call(|c, w| async move {
                c.auth()
                    .start_device_authorization(req(
                        c.token(w),
                        v1::StartDeviceAuthorizationRequest::default(),
                    ))
                    .await
            }),
        ),
        (
            "AuthService.PollDeviceAuthorization",
            [N, N, N, N, N],
            call(|c, w| async move {
                c.auth()
                    .poll_device_authorization(req(
                        c.token(w),
                        v1::PollDeviceAuthorizationRequest {
                            device_code: "no-such-device-code".into(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AuthService.GetDeviceAuthorization",
            [U, I, I, I, I],
            call(|c, w| async move {
                c.auth()
                    .get_device_authorization(req(
                        c.token(w),
                        v1::GetDeviceAuthorizationRequest {
                            user_code: "BCDF-GHJK".into(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AuthService.ApproveDeviceAuthorization",
            [U, I, I, I, I],
            call(|c, w| async move {
                c.auth()
                    .approve_device_authorization(req(
                        c.token(w),
                        v1::ApproveDeviceAuthorizationRequest {
                            user_code: "BCDF-GHJK".into(),
                            approve: true,
                        },
                    ))
                    .await
            }),
        ),
        (
            "AuthService.CreateApiToken",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.auth()
                    .create_api_token(req(
                        c.token(w),
                        v1::CreateApiTokenRequest {
                            api_token: Some(v1::ApiToken {
                                display_name: "nightly export".into(),
                                role: v1::Role::Professor as i32,
                                expire_time: Some(ts(start_of_term() + chrono::Duration::days(30))),
                                ..Default::default()
                            }),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AuthService.ListApiTokens",
            [U, D, D, D, OK],
            call(|c, w| async move {
                c.auth()
                    .list_api_tokens(req(c.token(w), v1::ListApiTokensRequest {}))
                    .await
            }),
        ),
        (
            "AuthService.RevokeApiToken",
            [U, D, D, D, N],
            call(|c, w| async move {
                c.auth()
                    .revoke_api_token(req(
                        c.token(w),
                        v1::RevokeApiTokenRequest {
                            name: "apiTokens/999999".into(),
                        },
                    ))
                    .await
            }),
        ),
        (
            "AuthService.ListSsoProviders",
            [OK, OK, OK, OK, OK],
            call(|c, w| async move {
                c.auth()
                    .list_sso_providers(req(c.token(w), v1::ListSsoProvidersRequest {}))
                    .await
            }),
        ),
        (
            // Needs no login; no provider of that name is configured here.
            "AuthService.BeginSsoLogin",
            [N, N, N, N, N],
            call(|c, w| async move {
                c.auth()
                    .begin_sso_login(req(
                        c.token(w),
                        v1::BeginSsoLoginRequest {
                            provider: "no-such-provider".into(),
                            redirect_uri: "https://elsewhere.example/sso/callback".into(),
                        },
                    ))
                    .await
            }),
        ),
        (
            // Needs no login; a redirect URI other than this site's callback.
            "AuthService.FinishSsoLogin",
            [I, I, I, I, I],
            call(|c, w| async move {
                c.auth()
                    .finish_sso_login(req(
                        c.token(w),
                        v1::FinishSsoLoginRequest {
                            state: "some-state".into(),
                            code: "some-code".into(),
                            redirect_uri: "https://elsewhere.example/sso/callback".into(),
                        },
                    ))
                    .await
            }),
        ),
        // Last: it ends the callers' logins.
        (
            "AuthService.Logout",
            [U, OK, OK, OK, OK],
            call(
                |c, w| async move { c.auth().logout(req(c.token(w), v1::LogoutRequest {})).await },
            ),
        ),
    ]
}

async fn every_rpc_for_every_kind_of_caller(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (_, student) = app.user_with_token(v1::Role::Student, "student").await;
    let (_, other_prof) = app.user_with_token(v1::Role::Professor, "other-prof").await;
    let (owner, owner_token) = app.user_with_token(v1::Role::Professor, "owner").await;
    let course = app.create_course("AUTHZ", &[&owner], None).await;
    let student_user = app
        .users()
        .list_users(req(
            &app.admin,
            v1::ListUsersRequest {
                query: "student".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("list")
        .into_inner()
        .users
        .remove(0);
    app.enroll(&course, &student_user).await;
    let mut spares = Vec::new();
    for i in 0..3 {
        spares.push(
            app.create_user(v1::Role::Student, &format!("spare{i}"))
                .await,
        );
    }
    app.enroll(&course, &spares[0]).await;
    let session = app.create_session(&course, 0, 60, None).await;
    let qr = app.qr(&session).await;
    let ctx = Ctx {
        channel: app.channel.clone(),
        tokens: vec![
            String::new(),
            student,
            other_prof,
            owner_token,
            app.admin.clone(),
        ],
        admin: app.admin.clone(),
        owner: owner.name.clone(),
        course: course.name.clone(),
        session: session.name.clone(),
        student: student_user.name.clone(),
        spare_students: spares.iter().map(|s| s.name.clone()).collect(),
        qr: qr.token,
    };
    let mut failures = Vec::new();
    let rows = table();
    for (rpc, expected, f) in &rows {
        for (who, want) in expected.iter().enumerate() {
            let got = f(ctx.clone(), who).await;
            if got != *want {
                failures.push(format!(
                    "{rpc} as {}: expected {want:?}, got {got:?}",
                    WHO[who]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{l}: {} of {} calls wrong:\n{}",
        failures.len(),
        rows.len() * 5,
        failures.join("\n")
    );
    app.stop().await;
}
per_backend!(every_rpc_for_every_kind_of_caller);

/// The table above covers the whole contract: an RPC added without a row
/// fails here, read from the compiled descriptor set.
#[test]
fn every_rpc_of_the_contract_has_a_row() {
    use prost::Message;
    let set = prost_types::FileDescriptorSet::decode(classtrack_proto::FILE_DESCRIPTOR_SET)
        .expect("the contract's descriptor set");
    let contract: Vec<String> = set
        .file
        .iter()
        .filter(|f| f.package() == "classtrack.v1")
        .flat_map(|f| &f.service)
        .flat_map(|s| {
            s.method
                .iter()
                .map(move |m| format!("{}.{}", s.name(), m.name()))
        })
        .collect();
    assert!(contract.len() >= 45, "the contract's RPCs: {contract:?}");
    let rows: std::collections::HashSet<String> = table()
        .iter()
        .map(|(name, _, _)| name.split(" (").next().unwrap_or(name).to_string())
        .collect();
    let missing: Vec<&String> = contract.iter().filter(|rpc| !rows.contains(*rpc)).collect();
    assert!(missing.is_empty(), "RPCs without a row: {missing:?}");
    let unknown: Vec<&String> = rows.iter().filter(|r| !contract.contains(r)).collect();
    assert!(
        unknown.is_empty(),
        "rows naming no RPC of the contract: {unknown:?}"
    );
}
