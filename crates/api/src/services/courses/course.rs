//! Courses themselves: creating, listing and updating them, their
//! professors, and the loaders the other services use
//! ([`load_course`], [`course_proto`]).

use crate::retry::retrying;
use classtrack_core::settings::SettingsOverrides;
use classtrack_core::validate::{self, Violations};
use classtrack_core::{CourseId, Role, UserId};
use classtrack_proto::v1;
use classtrack_store::courses::{self, Course, CourseScope, NewCourse};
use classtrack_store::page::Page;
use classtrack_store::users::{self};
use classtrack_store::{Conn, StoreError};
use serde_json::json;
use tonic::Request;

use crate::access::{found, require_course_staff, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::names::parse_name;
use crate::services::users::prefixed_conflict;
use crate::services::{audit, mask_paths};
use crate::state::State;

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

/// A course as the API shows it, with its professors and enrolled count read from `conn`.
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

pub(super) async fn create_course(
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
            return Err(ApiError::denied("api-error-professor-own-courses"));
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
    retrying!(s, "create course", {
        let mut tx = s.store.begin().await?;
        let professors = professors_named(&mut tx, "professors", &r.professors).await?;
        let course = courses::create(
            &mut tx,
            &NewCourse {
                code: c.code.trim().to_string(),
                title: c.title.trim().to_string(),
                term: c.term.trim().to_string(),
                time_zone: zone.clone(),
                settings: settings.clone(),
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
    })
}

pub(super) async fn list_courses(
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

pub(super) async fn update_course(
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
    retrying!(s, "update course", {
        let mut tx = s.store.begin().await?;
        let mut course = load_course(&mut tx, &caller, "course.name", &c.name).await?;
        require_course_staff(&mut tx, &caller, course.id).await?;
        let before = course.clone();
        for p in &paths {
            match *p {
                "code" if !caller.is_admin() => {
                    return Err(ApiError::denied("api-error-course-code-admin-only"))
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
    })
}

pub(super) async fn set_course_professors(
    s: &State,
    req: Request<v1::SetCourseProfessorsRequest>,
) -> ApiResult<v1::SetCourseProfessorsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let now = s.now_ms();
    retrying!(s, "set course professors", {
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
    })
}
