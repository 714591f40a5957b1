//! GetStudentHistory: one student's records in their courses, with the
//! counts and warnings the course report would show for them.

use classtrack_core::rates::{self, Meeting};
use classtrack_core::Role;
use classtrack_core::UserId;
use classtrack_proto::v1;
use classtrack_store::reports::{self as store_reports};
use classtrack_store::sessions::Session;
use classtrack_store::{courses, users};
use tonic::Request;

use super::report::{counts_for, counts_proto, is_upcoming, warning_proto};
use crate::access::found;
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::names::parse_name;
use crate::state::State;

pub(super) async fn student_history(
    s: &State,
    req: Request<v1::GetStudentHistoryRequest>,
) -> ApiResult<v1::GetStudentHistoryResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let student = if r.student.is_empty() {
        caller.user.id
    } else {
        parse_name("student", &r.student, UserId::parse)?
    };
    let mut conn = s.store.acquire().await?;
    let allowed = caller.user.id == student
        || caller.is_admin()
        || (caller.user.role == Role::Professor
            && courses::teaches_student(&mut conn, caller.user.id, student).await?);
    if !allowed {
        return Err(ApiError::denied("api-error-own-attendance-only"));
    }
    let user = found(&caller, student, users::get(&mut conn, student).await)?;
    let mut h = store_reports::student_history(&mut conn, student).await?;
    // A professor sees the student only in the courses they teach.
    if caller.user.role == Role::Professor && caller.user.id != student {
        let mut taught = Vec::new();
        for (course, enrolled_at) in h.courses {
            if courses::is_professor(&mut conn, course, caller.user.id).await? {
                taught.push((course, enrolled_at));
            }
        }
        h.courses = taught;
        h.sessions
            .retain(|x| h.courses.iter().any(|(c, _)| *c == x.course));
    }
    let now = s.now_ms();
    let mut out = Vec::new();
    for (course_id, enrolled_at) in &h.courses {
        let course = courses::get(&mut conn, *course_id).await?;
        let mine: Vec<&Session> = h
            .sessions
            .iter()
            .filter(|x| x.course == *course_id)
            .collect();
        let meetings: Vec<Meeting> = mine
            .iter()
            .filter(|x| counts_for(x, *enrolled_at, now))
            .map(|x| Meeting {
                status: h.records.get(&x.id).map(|r| r.status),
            })
            .collect();
        let upcoming = mine
            .iter()
            .filter(|x| is_upcoming(x, *enrolled_at, now))
            .count() as u32;
        let tally = rates::tally(&meetings, upcoming, &course.absence_rules);
        let warning = rates::warning(&tally, &course.absence_rules);
        out.push(v1::CourseHistory {
            course: course.id.name(),
            course_code: course.code.clone(),
            course_title: course.title.clone(),
            counts: Some(counts_proto(&tally)),
            warning: Some(warning_proto(&warning)),
            sessions: mine
                .iter()
                .filter(|x| x.start_at <= now)
                .map(|x| v1::SessionStatus {
                    session: Some(convert::session_for(
                        caller.user.role,
                        convert::session(x, now),
                    )),
                    record: h.records.get(&x.id).map(convert::record),
                })
                .collect(),
        });
    }
    let upcoming = h
        .sessions
        .iter()
        .filter(|x| x.start_at > now)
        .take(20)
        .map(|x| convert::session_for(caller.user.role, convert::session(x, now)))
        .collect();
    Ok(v1::GetStudentHistoryResponse {
        student: Some(convert::user(&user)),
        courses: out,
        upcoming,
    })
}
