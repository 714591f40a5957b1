//! Courses: the list (with creation) here; one course's sessions in
//! `course.rs`, its settings in `settings.rs`.

mod course;
mod settings;

pub use course::{show, show_course, CourseForms, SeriesForm, SessionForm};
pub use settings::{edit, edit_page};

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::{
    Course, CreateCourseRequest, GetCourseRequest, ListCoursesRequest, ListUsersRequest, Role,
};
use serde::Deserialize;

use super::fields::Fields;
use super::forms::Query;
use super::Viewer;
use crate::error::{in_place, FormErrors, PageResult};
use crate::view::{id_of, render_with_status, Layout};
use crate::AppState;

pub struct CourseLine {
    pub id: String,
    pub code: String,
    pub title: String,
    pub term: String,
    pub enrolled: i32,
}

impl From<&Course> for CourseLine {
    fn from(c: &Course) -> Self {
        Self {
            id: id_of(&c.name).to_string(),
            code: c.code.clone(),
            title: c.title.clone(),
            term: c.term.clone(),
            enrolled: c.enrolled_count,
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct CourseForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub term: String,
    #[serde(default)]
    pub time_zone: String,
    /// Resource names of the chosen professors (admin; checkboxes).
    #[serde(skip)]
    pub professors: Vec<String>,
}

#[derive(Template)]
#[template(path = "courses.html")]
struct CoursesPage {
    l: Layout,
    courses: Vec<CourseLine>,
    query: String,
    problem: Option<String>,
    can_create: bool,
    is_admin: bool,
    form: CourseForm,
    errors: FormErrors,
    professors: Vec<Choice>,
}

/// A checkbox among several: value, label, whether ticked.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let form = CourseForm {
        time_zone: viewer.tz.name().to_string(),
        ..Default::default()
    };
    show_list(&state, &viewer, query.q, form, FormErrors::default()).await
}

async fn show_list(
    state: &AppState,
    viewer: &Viewer,
    query: String,
    form: CourseForm,
    errors: FormErrors,
) -> PageResult<Response> {
    let listed = state
        .api
        .courses()
        .list_courses(viewer.req(ListCoursesRequest {
            page_size: 200,
            query: query.trim().to_string(),
            ..Default::default()
        }))
        .await;
    let (courses, problem) = match listed {
        Ok(r) => (
            r.into_inner()
                .courses
                .iter()
                .map(CourseLine::from)
                .collect(),
            None,
        ),
        Err(status) => (Vec::new(), Some(in_place(&status)?)),
    };
    let professors = if viewer.is_admin() {
        professors(state, viewer, &form.professors).await
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_with_status(
        status,
        &CoursesPage {
            l: viewer.layout(&crate::lang::t("nav-courses")),
            courses,
            query,
            problem,
            can_create: viewer.is_admin(),
            is_admin: viewer.is_admin(),
            form,
            errors,
            professors,
        },
    ))
}

/// Every professor as a checkbox, ticked when in `chosen`.
pub(super) async fn professors(
    state: &AppState,
    viewer: &Viewer,
    chosen: &[String],
) -> Vec<Choice> {
    let listed = state
        .api
        .users()
        .list_users(viewer.req(ListUsersRequest {
            page_size: 500,
            role: Role::Professor as i32,
            ..Default::default()
        }))
        .await;
    listed
        .map(|r| {
            r.into_inner()
                .users
                .into_iter()
                .map(|u| Choice {
                    checked: chosen.contains(&u.name),
                    label: format!("{} ({})", u.display_name, u.username),
                    value: u.name,
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    fields: Fields,
) -> PageResult<Response> {
    let mut form: CourseForm = fields.form()?;
    form.professors = fields.all("professors");
    let professors = if viewer.is_admin() {
        form.professors.clone()
    } else {
        vec![viewer.user.name.clone()]
    };
    let created = state
        .api
        .courses()
        .create_course(viewer.req(CreateCourseRequest {
            course: Some(Course {
                code: form.code.trim().to_string(),
                title: form.title.trim().to_string(),
                term: form.term.trim().to_string(),
                time_zone: form.time_zone.trim().to_string(),
                ..Default::default()
            }),
            professors,
        }))
        .await;
    match created {
        Ok(r) => {
            let course = r.into_inner().course.unwrap_or_default();
            Ok(viewer.redirect(
                &format!("/courses/{}", id_of(&course.name)),
                &crate::lang::t_args("course-created", &[("code", course.code.as_str().into())]),
            ))
        }
        Err(status) => {
            let errors = FormErrors::from_status(&status)?;
            show_list(&state, &viewer, String::new(), form, errors).await
        }
    }
}

/// The course a page is about; a missing one (or not the viewer's) is 404.
pub async fn get_course(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<Course> {
    Ok(state
        .api
        .courses()
        .get_course(viewer.req(GetCourseRequest {
            name: viewer.name("courses", id)?,
        }))
        .await
        .map_err(|status| viewer.lookup(status))?
        .into_inner()
        .course
        .unwrap_or_default())
}
