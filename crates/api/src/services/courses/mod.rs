//! CourseService: courses and their professors (`course`), and enrollment
//! (`enrollment`).

mod course;
mod enrollment;

use classtrack_proto::v1::{self, course_service_server::CourseService};
use tonic::{Request, Response, Status};

use super::reply;
use crate::access::require_course_member;
use crate::convert;
use crate::state::State;
pub(crate) use course::{course_proto, load_course};
use course::{create_course, list_courses, set_course_professors, update_course};
use enrollment::{enroll_student, import_enrollments, list_enrollments, unenroll_student};

/// CourseService: courses, their professors and their students.
pub struct CourseApi(pub State);

#[tonic::async_trait]
impl CourseService for CourseApi {
    async fn create_course(
        &self,
        req: Request<v1::CreateCourseRequest>,
    ) -> Result<Response<v1::CreateCourseResponse>, Status> {
        reply(create_course(&self.0, req).await)
    }
    async fn get_course(
        &self,
        req: Request<v1::GetCourseRequest>,
    ) -> Result<Response<v1::GetCourseResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let mut conn = self.0.store.acquire().await?;
                let course = load_course(&mut conn, &caller, "name", &req.get_ref().name).await?;
                require_course_member(&mut conn, &caller, course.id).await?;
                Ok(v1::GetCourseResponse {
                    course: Some(convert::course_for(
                        caller.user.role,
                        course_proto(&mut conn, &course).await?,
                    )),
                })
            }
            .await,
        )
    }
    async fn list_courses(
        &self,
        req: Request<v1::ListCoursesRequest>,
    ) -> Result<Response<v1::ListCoursesResponse>, Status> {
        reply(list_courses(&self.0, req).await)
    }
    async fn update_course(
        &self,
        req: Request<v1::UpdateCourseRequest>,
    ) -> Result<Response<v1::UpdateCourseResponse>, Status> {
        reply(update_course(&self.0, req).await)
    }
    async fn set_course_professors(
        &self,
        req: Request<v1::SetCourseProfessorsRequest>,
    ) -> Result<Response<v1::SetCourseProfessorsResponse>, Status> {
        reply(set_course_professors(&self.0, req).await)
    }
    async fn list_enrollments(
        &self,
        req: Request<v1::ListEnrollmentsRequest>,
    ) -> Result<Response<v1::ListEnrollmentsResponse>, Status> {
        reply(list_enrollments(&self.0, req).await)
    }
    async fn enroll_student(
        &self,
        req: Request<v1::EnrollStudentRequest>,
    ) -> Result<Response<v1::EnrollStudentResponse>, Status> {
        reply(enroll_student(&self.0, req).await)
    }
    async fn unenroll_student(
        &self,
        req: Request<v1::UnenrollStudentRequest>,
    ) -> Result<Response<v1::UnenrollStudentResponse>, Status> {
        reply(unenroll_student(&self.0, req).await)
    }
    async fn import_enrollments(
        &self,
        req: Request<v1::ImportEnrollmentsRequest>,
    ) -> Result<Response<v1::ImportEnrollmentsResponse>, Status> {
        reply(import_enrollments(&self.0, req).await)
    }
}
