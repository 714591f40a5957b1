//! CourseService: courses, their professors, enrollment.

use classtrack_core::settings::SettingsOverrides;
use classtrack_core::validate::{self, Violations};
use classtrack_core::{CourseId, Role, UserId};
use classtrack_proto::v1::{self, course_service_server::CourseService};
use classtrack_store::courses::{self, Course, CourseScope, NewCourse};
use classtrack_store::page::Page;
use classtrack_store::users::{self, User};
use classtrack_store::{Conn, StoreError};
use serde_json::json;
use tonic::{Request, Response, Status};

use super::users::{check_unique, prefixed_conflict, Applicant};
use super::{audit, mask_paths, reply};
use crate::access::{found, require_course_member, require_course_staff, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::import::{self, row_error};
use crate::names::parse_name;
use crate::passwords;
use crate::state::State;

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

/// `courses/{id}` or `courses/code:{code}`; missing courses are hidden from non-admins.
pub(crate) async fn load_course(
    conn: &mut Conn,
    caller: &Caller,
    field: &str,
    name: &str,
) -> ApiResult<Course> {
    if let Some(code) = name.strip_prefix("courses/code:") {
        return found(caller, name, courses::get_by_code(conn, code).await);
    }
    let id = parse_name(field, name, CourseId::parse)?;
    found(caller, id, courses::get(conn, id).await)
}

pub(crate) async fn course_proto(conn: &mut Conn, c: &Course) -> ApiResult<v1::Course> {
    let professors = courses::professors(conn, c.id).await?;
    let enrolled = courses::enrolled_count(conn, c.id).await?;
    Ok(convert::course(c, &professors, enrolled))
}

fn check_course_fields(v: &mut Violations, code: &str, title: &str, term: &str, zone: &str) {
    v.check("course.code", validate::course_code(code));
    v.check("course.title", validate::text(title, true, 200));
    v.check("course.term", validate::text(term, false, 64));
    v.check("course.time_zone", validate::time_zone(zone));
}

/// Professors named by resource name, each checked to be an active professor.
async fn professors_named(
    conn: &mut Conn,
    field: &str,
    names: &[String],
) -> ApiResult<Vec<UserId>> {
    let mut ids = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let id = parse_name(&f, n, UserId::parse)?;
        match users::get(conn, id).await {
            Ok(u) if u.role == Role::Professor && u.active => ids.push(id),
            Ok(_) => {
                return Err(ApiError::invalid(
                    f,
                    format!("{n} is not an active professor"),
                ))
            }
            Err(StoreError::NotFound) => {
                return Err(ApiError::invalid(f, format!("{n} does not exist")))
            }
            Err(e) => return Err(e.into()),
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

async fn create_course(
    s: &State,
    req: Request<v1::CreateCourseRequest>,
) -> ApiResult<v1::CreateCourseResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let mut r = req.into_inner();
    // A professor creates courses that they teach, and only those.
    if caller.user.role == Role::Professor {
        let me = caller.user.id.name();
        if r.professors.iter().any(|p| p != &me) {
            return Err(ApiError::denied(
                "a professor may only create courses they teach themselves",
            ));
        }
        r.professors = vec![me];
    }
    let c = r.course.unwrap_or_default();
    let zone = if c.time_zone.trim().is_empty() {
        s.config.default_time_zone.clone()
    } else {
        c.time_zone.trim().to_string()
    };
    let settings = match &c.settings {
        Some(p) => convert::settings_from(p, "course.settings")?,
        None => SettingsOverrides::default(),
    };
    let rules = c
        .absence_rules
        .as_ref()
        .map(convert::absence_rules_from)
        .unwrap_or_default();
    let mut v = Violations::default();
    check_course_fields(&mut v, c.code.trim(), c.title.trim(), c.term.trim(), &zone);
    v.extend(settings.validate("course.settings"));
    v.extend(rules.validate("course.absence_rules"));
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let professors = professors_named(&mut tx, "professors", &r.professors).await?;
    let course = courses::create(
        &mut tx,
        &NewCourse {
            code: c.code.trim().to_string(),
            title: c.title.trim().to_string(),
            term: c.term.trim().to_string(),
            time_zone: zone,
            settings,
            absence_rules: rules,
        },
        now,
    )
    .await
    .map_err(|e| prefixed_conflict(e, "course."))?;
    courses::set_professors(&mut tx, course.id, &professors).await?;
    audit(
        &mut tx,
        &caller,
        "course.create",
        &course.id.name(),
        json!({"code": course.code, "professors": r.professors}),
        now,
    )
    .await?;
    let proto = course_proto(&mut tx, &course).await?;
    classtrack_store::commit(tx).await?;
    Ok(v1::CreateCourseResponse {
        course: Some(proto),
    })
}

async fn list_courses(
    s: &State,
    req: Request<v1::ListCoursesRequest>,
) -> ApiResult<v1::ListCoursesResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "courses")?;
    let mut v = Violations::default();
    v.check(
        "query",
        validate::text(&r.query, false, validate::MAX_FILTER),
    );
    v.into_result().map_err(ApiError::Invalid)?;
    let scope = match caller.user.role {
        Role::Admin => CourseScope::All,
        Role::Professor => CourseScope::TaughtBy(caller.user.id),
        Role::Student => CourseScope::AttendedBy(caller.user.id),
    };
    let mut conn = s.store.acquire().await?;
    let mut list = courses::list(&mut conn, scope, Some(&r.query), page).await?;
    let next = page.finish(&mut list, |c| c.id.0, "courses");
    let mut out = Vec::with_capacity(list.len());
    for c in &list {
        out.push(convert::course_for(
            caller.user.role,
            course_proto(&mut conn, c).await?,
        ));
    }
    Ok(v1::ListCoursesResponse {
        courses: out,
        next_page_token: next,
    })
}

async fn update_course(
    s: &State,
    req: Request<v1::UpdateCourseRequest>,
) -> ApiResult<v1::UpdateCourseResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let c = r.course.unwrap_or_default();
    let paths = mask_paths(
        r.update_mask.as_ref(),
        &[
            "code",
            "title",
            "term",
            "time_zone",
            "settings",
            "absence_rules",
        ],
    )?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let mut course = load_course(&mut tx, &caller, "course.name", &c.name).await?;
    require_course_staff(&mut tx, &caller, course.id).await?;
    let before = course.clone();
    for p in &paths {
        match *p {
            "code" if !caller.is_admin() => {
                return Err(ApiError::denied(
                    "only an administrator may change a course's code",
                ))
            }
            "code" => course.code = c.code.trim().to_string(),
            "title" => course.title = c.title.trim().to_string(),
            "term" => course.term = c.term.trim().to_string(),
            "time_zone" => course.time_zone = c.time_zone.trim().to_string(),
            "settings" => {
                course.settings = match &c.settings {
                    Some(p) => convert::settings_from(p, "course.settings")?,
                    None => SettingsOverrides::default(),
                }
            }
            "absence_rules" => {
                course.absence_rules = c
                    .absence_rules
                    .as_ref()
                    .map(convert::absence_rules_from)
                    .unwrap_or_default()
            }
            _ => {}
        }
    }
    let mut v = Violations::default();
    check_course_fields(
        &mut v,
        &course.code,
        &course.title,
        &course.term,
        &course.time_zone,
    );
    v.extend(course.settings.validate("course.settings"));
    v.extend(course.absence_rules.validate("course.absence_rules"));
    v.into_result().map_err(ApiError::Invalid)?;
    let after = courses::update(&mut tx, &course, now)
        .await
        .map_err(|e| prefixed_conflict(e, "course."))?;
    audit(
        &mut tx,
        &caller,
        "course.update",
        &after.id.name(),
        json!({"fields": paths, "old": {"code": before.code, "title": before.title, "term": before.term}, "new": {"code": after.code, "title": after.title, "term": after.term}}),
        now,
    )
    .await?;
    let proto = course_proto(&mut tx, &after).await?;
    classtrack_store::commit(tx).await?;
    Ok(v1::UpdateCourseResponse {
        course: Some(proto),
    })
}

async fn set_course_professors(
    s: &State,
    req: Request<v1::SetCourseProfessorsRequest>,
) -> ApiResult<v1::SetCourseProfessorsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let course = load_course(&mut tx, &caller, "course", &r.course).await?;
    let ids = professors_named(&mut tx, "professors", &r.professors).await?;
    let before = courses::professors(&mut tx, course.id).await?;
    courses::set_professors(&mut tx, course.id, &ids).await?;
    audit(
        &mut tx,
        &caller,
        "course.set_professors",
        &course.id.name(),
        json!({"old": before.iter().map(|u| u.name()).collect::<Vec<_>>(), "new": ids.iter().map(|u| u.name()).collect::<Vec<_>>()}),
        now,
    )
    .await?;
    let proto = course_proto(&mut tx, &course).await?;
    classtrack_store::commit(tx).await?;
    Ok(v1::SetCourseProfessorsResponse {
        course: Some(proto),
    })
}

fn enrollment_proto(e: &courses::Enrollment) -> v1::Enrollment {
    v1::Enrollment {
        name: format!("{}/enrollments/{}", e.course.name(), e.student.id.0),
        course: e.course.name(),
        student: Some(convert::user(&e.student)),
        enroll_time: convert::ts(e.enrolled_at),
    }
}

async fn list_enrollments(
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

async fn enroll_student(
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
            let mut tx = s.store.begin().await?;
            let user = users::create(&mut tx, &a.into_new_user(hash, true), now)
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
        initial_password: password.unwrap_or_default(),
    })
}

async fn unenroll_student(
    s: &State,
    req: Request<v1::UnenrollStudentRequest>,
) -> ApiResult<v1::UnenrollStudentResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let course = load_course(&mut tx, &caller, "course", &r.course).await?;
    require_course_staff(&mut tx, &caller, course.id).await?;
    let student = parse_name("student", &r.student, UserId::parse)?;
    if !courses::unenroll(&mut tx, course.id, student).await? {
        return Err(ApiError::NotFound(format!(
            "{student} is not enrolled in {}",
            course.code
        )));
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
}

async fn import_enrollments(
    s: &State,
    req: Request<v1::ImportEnrollmentsRequest>,
) -> ApiResult<v1::ImportEnrollmentsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "course", &r.course).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    let failed = |errors| v1::ImportEnrollmentsResponse {
        errors,
        dry_run: r.dry_run,
        ..Default::default()
    };
    let rows = match import::read(
        &r.csv,
        &["username"],
        &["email", "display_name", "student_number"],
    ) {
        Ok(rows) => rows,
        Err(errors) => return Ok(failed(errors)),
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
        return Ok(failed(errors));
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
            already_enrolled: already,
        });
    }
    let plain: Vec<String> = applicants.iter().map(|_| passwords::generate()).collect();
    let hashes = passwords::hash_all(s.config.hash_cost, plain.clone()).await?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let mut created = Vec::new();
    let mut to_enroll: Vec<UserId> = enroll_existing.iter().map(|u| u.id).collect();
    for (((line, a), hash), password) in applicants.into_iter().zip(hashes).zip(plain) {
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
    })
}
