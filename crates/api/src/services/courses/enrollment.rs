//! Enrollment: listing a course's students, enrolling one (an existing
//! student or a new account), unenrolling, and importing a CSV of them.

use crate::retry::retrying;
use classtrack_core::validate::Problem;
use classtrack_core::{Role, UserId};
use classtrack_proto::v1;
use classtrack_store::courses::{self};
use classtrack_store::page::Page;
use classtrack_store::users::{self, User};
use classtrack_store::{Conn, StoreError};
use serde_json::json;
use tonic::Request;

use super::course::load_course;
use crate::access::require_course_staff;
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::import::{self, row_error};
use crate::names::parse_name;
use crate::passwords;
use crate::services::audit;
use crate::services::users::{check_unique, prefixed_conflict, Applicant};
use crate::state::State;

fn enrollment_proto(e: &courses::Enrollment) -> v1::Enrollment {
    v1::Enrollment {
        name: format!("{}/enrollments/{}", e.course.name(), e.student.id.0),
        course: e.course.name(),
        student: Some(convert::user(&e.student)),
        enroll_time: convert::ts(e.enrolled_at),
    }
}

pub(super) async fn list_enrollments(
    s: &State,
    req: Request<v1::ListEnrollmentsRequest>,
) -> ApiResult<v1::ListEnrollmentsResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "enrollments")?;
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "parent", &r.parent).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    let mut list = courses::enrollments(&mut conn, course.id, page).await?;
    let next = page.finish(&mut list, |e| e.student.id.0, "enrollments");
    let total = courses::enrolled_count(&mut conn, course.id).await?;
    Ok(v1::ListEnrollmentsResponse {
        enrollments: list.iter().map(enrollment_proto).collect(),
        next_page_token: next,
        total_size: i32::try_from(total).unwrap_or(i32::MAX),
    })
}

/// `users/{id}` or `users/username:{name}`.
async fn load_student(conn: &mut Conn, field: &str, name: &str) -> ApiResult<User> {
    let user = if let Some(username) = name.strip_prefix("users/username:") {
        users::get_by_username(conn, &username.trim().to_lowercase()).await
    } else {
        let id = parse_name(field, name, UserId::parse)?;
        users::get(conn, id).await
    };
    match user {
        Ok(u) if u.role == Role::Student => Ok(u),
        Ok(_) => Err(ApiError::invalid(field, "only students can be enrolled")),
        Err(StoreError::NotFound) => Err(ApiError::invalid(field, format!("no student {name}"))),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn enroll_student(
    s: &State,
    req: Request<v1::EnrollStudentRequest>,
) -> ApiResult<v1::EnrollStudentResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let now = s.now_ms();
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "course", &r.course).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    drop(conn);
    let (student, password) = match r.student {
        Some(v1::enroll_student_request::Student::Existing(name)) => {
            let mut conn = s.store.acquire().await?;
            (load_student(&mut conn, "existing", &name).await?, None)
        }
        Some(v1::enroll_student_request::Student::NewStudent(n)) => {
            let a = Applicant::new(
                &n.username,
                &n.email,
                &n.display_name,
                Role::Student,
                &n.student_number,
            );
            let v = a.violations("new_student.");
            if !v.is_empty() {
                return Err(ApiError::Invalid(v));
            }
            let password = passwords::generate();
            let hash = passwords::hash(s.config.hash_cost, password.clone()).await?;
            let user = retrying!(s, "enroll a new student", {
                let mut tx = s.store.begin().await?;
                let user =
                    users::create(&mut tx, &a.clone().into_new_user(hash.clone(), true), now)
                        .await
                        .map_err(|e| prefixed_conflict(e, "new_student."))?;
                audit(
                    &mut tx,
                    &caller,
                    "user.create",
                    &user.id.name(),
                    json!({"username": user.username, "role": "student", "via": course.id.name()}),
                    now,
                )
                .await?;
                courses::enroll(&mut tx, course.id, user.id, now).await?;
                audit(
                    &mut tx,
                    &caller,
                    "course.enroll",
                    &course.id.name(),
                    json!({"student": user.id.name()}),
                    now,
                )
                .await?;
                classtrack_store::commit(tx).await?;
                Ok(user)
            })?;
            let mut conn = s.store.acquire().await?;
            let e = courses::enrollment(&mut conn, course.id, user.id).await?;
            return Ok(v1::EnrollStudentResponse {
                enrollment: Some(enrollment_proto(&e)),
                initial_password: password,
            });
        }
        None => {
            return Err(ApiError::invalid(
                "student",
                "name an existing student or a new one",
            ))
        }
    };
    retrying!(s, "enroll student", {
        let mut tx = s.store.begin().await?;
        if courses::enroll(&mut tx, course.id, student.id, now).await? {
            audit(
                &mut tx,
                &caller,
                "course.enroll",
                &course.id.name(),
                json!({"student": student.id.name()}),
                now,
            )
            .await?;
        }
        let e = courses::enrollment(&mut tx, course.id, student.id).await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::EnrollStudentResponse {
            enrollment: Some(enrollment_proto(&e)),
            initial_password: password.clone().unwrap_or_default(),
        })
    })
}

pub(super) async fn unenroll_student(
    s: &State,
    req: Request<v1::UnenrollStudentRequest>,
) -> ApiResult<v1::UnenrollStudentResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let now = s.now_ms();
    retrying!(s, "unenroll student", {
        let mut tx = s.store.begin().await?;
        let course = load_course(&mut tx, &caller, "course", &r.course).await?;
        require_course_staff(&mut tx, &caller, course.id).await?;
        let student = parse_name("student", &r.student, UserId::parse)?;
        if !courses::unenroll(&mut tx, course.id, student).await? {
            return Err(ApiError::NotFound(
                Problem::new("api-error-student-not-enrolled")
                    .text("student", student.to_string())
                    .text("course", course.code.clone()),
            ));
        }
        audit(
            &mut tx,
            &caller,
            "course.unenroll",
            &course.id.name(),
            json!({"student": student.name()}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::UnenrollStudentResponse {})
    })
}

pub(super) async fn import_enrollments(
    s: &State,
    req: Request<v1::ImportEnrollmentsRequest>,
) -> ApiResult<v1::ImportEnrollmentsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "course", &r.course).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    let failed = |errors, read_as: &str| v1::ImportEnrollmentsResponse {
        errors,
        dry_run: r.dry_run,
        read_as: read_as.to_string(),
        ..Default::default()
    };
    let import::Imported { rows, read_as } = match import::read(
        &r.csv,
        &["username"],
        &["email", "display_name", "student_number"],
    ) {
        Ok(imported) => imported,
        Err(errors) => return Ok(failed(errors, "")),
    };
    let mut errors = Vec::new();
    let usernames: Vec<String> = rows
        .iter()
        .map(|r| r.get("username").to_lowercase())
        .collect();
    import::duplicates_in_file(
        rows.iter()
            .zip(&usernames)
            .map(|(r, u)| (r.line, u.as_str())),
        "username",
        &mut errors,
    );
    let existing = users::by_usernames(&mut conn, &usernames).await?;
    let mut enroll_existing = Vec::new();
    let mut applicants = Vec::new();
    for (row, username) in rows.iter().zip(&usernames) {
        if username.is_empty() {
            errors.push(row_error(row.line, "username", "is required"));
            continue;
        }
        if let Some(u) = existing.iter().find(|u| &u.username == username) {
            if u.role != Role::Student {
                errors.push(row_error(
                    row.line,
                    "username",
                    format!("{username:?} is not a student account"),
                ));
            } else {
                enroll_existing.push(u.clone());
            }
            continue;
        }
        let a = Applicant::new(
            username,
            row.get("email"),
            row.get("display_name"),
            Role::Student,
            row.get("student_number"),
        );
        for v in a.violations("") {
            let message = if v.field != "username" && row.get(&v.field).is_empty() {
                format!(
                    "{username:?} has no account yet, so {} is needed to create one",
                    v.field.replace('_', " ")
                )
            } else {
                v.message
            };
            errors.push(row_error(row.line, &v.field, message));
        }
        applicants.push((row.line, a));
    }
    let refs: Vec<(i32, &Applicant)> = applicants.iter().map(|(l, a)| (*l, a)).collect();
    let mut unique_errors = Vec::new();
    check_unique(&mut conn, &refs, &mut unique_errors).await?;
    // usernames already existing were matched above, so only email/number clashes remain relevant
    errors.extend(unique_errors.into_iter().filter(|e| e.field != "username"));
    let mut already = 0;
    for u in &enroll_existing {
        if courses::is_enrolled(&mut conn, course.id, u.id).await? {
            already += 1;
        }
    }
    drop(conn);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Ok(failed(errors, &read_as));
    }
    if r.dry_run {
        let enrollments = enroll_existing
            .iter()
            .map(|u| v1::Enrollment {
                course: course.id.name(),
                student: Some(convert::user(u)),
                ..Default::default()
            })
            .collect();
        return Ok(v1::ImportEnrollmentsResponse {
            enrollments,
            created: applicants
                .iter()
                .map(|(line, a)| a.preview(*line))
                .collect(),
            errors: vec![],
            dry_run: true,
            read_as,
            already_enrolled: already,
        });
    }
    let plain: Vec<String> = applicants.iter().map(|_| passwords::generate()).collect();
    let hashes = passwords::hash_all(s.config.hash_cost, plain.clone()).await?;
    let now = s.now_ms();
    retrying!(s, "import enrollments", {
        let mut tx = s.store.begin().await?;
        let mut created = Vec::new();
        let mut to_enroll: Vec<UserId> = enroll_existing.iter().map(|u| u.id).collect();
        for (((line, a), hash), password) in applicants
            .clone()
            .into_iter()
            .zip(hashes.clone())
            .zip(plain.clone())
        {
            let user = users::create(&mut tx, &a.into_new_user(hash, true), now).await?;
            to_enroll.push(user.id);
            created.push(v1::ImportedUser {
                user: Some(convert::user(&user)),
                initial_password: password,
                line,
            });
        }
        let mut enrollments = Vec::new();
        for id in to_enroll {
            courses::enroll(&mut tx, course.id, id, now).await?;
            enrollments.push(enrollment_proto(
                &courses::enrollment(&mut tx, course.id, id).await?,
            ));
        }
        audit(
            &mut tx,
            &caller,
            "course.import_enrollments",
            &course.id.name(),
            json!({"enrolled": enrollments.len(), "created": created.len(), "already_enrolled": already}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::ImportEnrollmentsResponse {
            enrollments,
            created,
            errors: vec![],
            dry_run: false,
            already_enrolled: already,
            read_as: read_as.clone(),
        })
    })
}
