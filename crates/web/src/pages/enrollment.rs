//! A course's students: list, add an existing one, create one, remove, and
//! CSV import with a preview of every problem before anything is written.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_i18n::Arg;
use classtrack_proto::v1::{
    enroll_student_request::Student, EnrollStudentRequest, ImportEnrollmentsRequest,
    ListEnrollmentsRequest, NewStudent, UnenrollStudentRequest,
};
use serde::Deserialize;

use super::forms::Form;

use super::courses::get_course;
use super::{name, upload, Staff, Viewer, Visitor};
use crate::error::{in_place, FormErrors, PageResult};
use crate::lang::{t, t_args};
use crate::view::{date_time, id_of, render, render_with_status, Layout};
use crate::AppState;

pub struct StudentLine {
    pub id: String,
    pub display_name: String,
    pub username: String,
    pub number: String,
    pub email: String,
    pub since: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewStudentForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub student_number: String,
}

#[derive(Default)]
pub struct Forms {
    existing: String,
    existing_errors: FormErrors,
    new: NewStudentForm,
    new_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "enrollment.html")]
struct EnrollmentPage {
    l: Layout,
    course_id: String,
    course: String,
    students: Vec<StudentLine>,
    total: i32,
    problem: Option<String>,
    f: Forms,
}

pub async fn list(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    show(&state, &viewer, &id, Forms::default()).await
}

async fn show(state: &AppState, viewer: &Viewer, id: &str, f: Forms) -> PageResult<Response> {
    let course = get_course(state, viewer, id).await?;
    let listed = state
        .api
        .courses()
        .list_enrollments(viewer.req(ListEnrollmentsRequest {
            parent: course.name.clone(),
            page_size: 1000,
            page_token: String::new(),
        }))
        .await;
    let (students, total, problem) = match listed {
        Ok(r) => {
            let r = r.into_inner();
            let lines: Vec<StudentLine> = r
                .enrollments
                .iter()
                .map(|e| {
                    let s = e.student.clone().unwrap_or_default();
                    StudentLine {
                        id: id_of(&s.name).to_string(),
                        display_name: s.display_name,
                        username: s.username,
                        number: s.student_number,
                        email: s.email,
                        since: date_time(e.enroll_time.as_ref(), viewer.tz),
                    }
                })
                .collect();
            let total = r
                .total_size
                .max(i32::try_from(lines.len()).unwrap_or(i32::MAX));
            (lines, total, None)
        }
        Err(status) => (Vec::new(), 0, Some(in_place(&status)?)),
    };
    let status = if f.existing_errors.is_empty() && f.new_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_with_status(
        status,
        &EnrollmentPage {
            l: viewer.layout(&t_args(
                "admin-enrol-title",
                &[("code", (&course.code).into())],
            )),
            course_id: id.to_string(),
            course: format!("{} · {}", course.code, course.title),
            students,
            total,
            problem,
            f,
        },
    ))
}

#[derive(Deserialize)]
pub struct AddForm {
    /// A username (or a `users/…` resource name).
    #[serde(default)]
    existing: String,
}

pub async fn add(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
    Form(form): Form<AddForm>,
) -> PageResult<Response> {
    let username = form.existing.trim().to_string();
    let existing = if username.starts_with("users/") {
        username.clone()
    } else {
        format!("users/username:{username}")
    };
    let done = enroll(&state, &viewer, &id, Student::Existing(existing)).await;
    match done {
        Ok(_) => Ok(viewer.redirect(
            &format!("/courses/{id}/students"),
            &t_args("admin-enrol-enrolled", &[("who", (&username).into())]),
        )),
        Err(status) => {
            let mut errors = FormErrors::from_status(&status)?;
            if errors.fields.is_empty() {
                let general = errors.general.take().unwrap_or_default();
                errors.fields.push(("existing".into(), general));
            }
            let f = Forms {
                existing: username,
                existing_errors: errors,
                ..Default::default()
            };
            show(&state, &viewer, &id, f).await
        }
    }
}

async fn enroll(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    student: Student,
) -> Result<classtrack_proto::v1::EnrollStudentResponse, tonic::Status> {
    let course = name("courses", id)
        .map_err(|_| tonic::Status::not_found(t("admin-enrol-no-such-course")))?;
    state
        .api
        .courses()
        .enroll_student(viewer.req(EnrollStudentRequest {
            course,
            student: Some(student),
        }))
        .await
        .map(tonic::Response::into_inner)
}

#[derive(Template)]
#[template(path = "secret.html")]
pub struct SecretPage {
    pub l: Layout,
    pub heading: String,
    pub who: String,
    pub password: String,
    pub back: String,
}

pub async fn create(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
    Form(form): Form<NewStudentForm>,
) -> PageResult<Response> {
    let student = Student::NewStudent(NewStudent {
        username: form.username.trim().to_string(),
        email: form.email.trim().to_string(),
        display_name: form.display_name.trim().to_string(),
        student_number: form.student_number.trim().to_string(),
    });
    match enroll(&state, &viewer, &id, student).await {
        Ok(answer) => {
            let who = answer
                .enrollment
                .and_then(|e| e.student)
                .map(|s| format!("{} ({})", s.display_name, s.username))
                .unwrap_or_else(|| form.username.clone());
            if answer.initial_password.is_empty() {
                return Ok(viewer.redirect(
                    &format!("/courses/{id}/students"),
                    &t_args("admin-enrol-enrolled", &[("who", (&who).into())]),
                ));
            }
            Ok(render(&SecretPage {
                l: viewer.layout(&t("admin-enrol-created")).shape("narrow"),
                heading: t("admin-enrol-created-heading"),
                who,
                password: answer.initial_password,
                back: format!("/courses/{id}/students"),
            }))
        }
        Err(status) => {
            let f = Forms {
                new: form,
                new_errors: FormErrors::from_status(&status)?,
                ..Default::default()
            };
            show(&state, &viewer, &id, f).await
        }
    }
}

pub async fn remove(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path((id, student)): Path<(String, String)>,
) -> PageResult<Response> {
    let done = state
        .api
        .courses()
        .unenroll_student(viewer.req(UnenrollStudentRequest {
            course: name("courses", &id)?,
            student: name("users", &student)?,
        }))
        .await;
    viewer.after(&format!("/courses/{id}/students"), done, |_| {
        t("admin-enrol-removed")
    })
}

/// One row of an import preview.
pub struct ImportRow {
    pub line: i32,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub extra: String,
    pub password: String,
}

pub struct RowProblem {
    pub line: i32,
    pub field: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub l: Layout,
    pub back: String,
    pub action: String,
    pub dry_run: bool,
    pub problems: Vec<RowProblem>,
    pub rows: Vec<ImportRow>,
    pub note: String,
    pub extra_label: String,
    /// The uploaded file, base64, for the form that confirms the import.
    pub kept: String,
    /// How the API read the file ("CSV separated by ';', windows-1252").
    pub read_as: String,
    pub general: Option<String>,
}

impl ImportPage {
    /// An empty preview (or result) of `csv`; the form posts back to `back/import`.
    pub fn new(l: Layout, back: &str, dry_run: bool, extra_label: &str, csv: &[u8]) -> Self {
        Self {
            l,
            back: back.to_string(),
            action: format!("{back}/import"),
            dry_run,
            problems: Vec::new(),
            rows: Vec::new(),
            note: String::new(),
            extra_label: extra_label.to_string(),
            kept: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, csv),
            read_as: String::new(),
            general: None,
        }
    }

    pub fn problems(errors: &[classtrack_proto::v1::RowError]) -> Vec<RowProblem> {
        errors
            .iter()
            .map(|e| RowProblem {
                line: e.line,
                field: e.field.clone(),
                message: crate::error::sentence(&e.message),
            })
            .collect()
    }

    pub fn row(u: &classtrack_proto::v1::ImportedUser, extra: String) -> ImportRow {
        let user = u.user.clone().unwrap_or_default();
        ImportRow {
            line: u.line,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            extra,
            password: u.initial_password.clone(),
        }
    }
}

pub async fn import(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Visitor(browser): Visitor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult<Response> {
    let upload = upload::read(&browser, multipart).await?;
    let csv = upload.csv();
    let dry_run = upload.text("write") != "1";
    let answer = state
        .api
        .courses()
        .import_enrollments(viewer.req(ImportEnrollmentsRequest {
            course: name("courses", &id)?,
            csv: csv.clone(),
            dry_run,
        }))
        .await;
    let mut page = ImportPage::new(
        viewer.layout(&t("admin-enrol-import-title")),
        &format!("/courses/{id}/students"),
        dry_run,
        &t("admin-field-student-number"),
        &csv,
    );
    match answer {
        Ok(r) => {
            let r = r.into_inner();
            page.problems = ImportPage::problems(&r.errors);
            page.read_as = r.read_as.clone();
            page.rows = r
                .created
                .iter()
                .map(|u| {
                    let number = u.user.as_ref().map(|s| s.student_number.clone());
                    ImportPage::row(u, number.unwrap_or_default())
                })
                .collect();
            let counts: [(&str, Arg<'_>); 3] = [
                ("count", r.enrollments.len().into()),
                ("created", r.created.len().into()),
                ("already", r.already_enrolled.into()),
            ];
            page.note = match (dry_run, r.errors.is_empty()) {
                (_, false) => t("admin-import-nothing-written"),
                (true, true) => t_args("admin-enrol-import-valid", &counts),
                (false, true) => t_args("admin-enrol-import-done", &counts),
            };
        }
        Err(status) => page.general = Some(in_place(&status)?),
    }
    Ok(render(&page))
}
