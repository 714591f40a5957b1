//! Users: search, create, edit, deactivate, reset a password, import.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::{
    CreateUserRequest, DeactivateUserRequest, GetUserRequest, ImportUsersRequest, ListUsersRequest,
    ReactivateUserRequest, ResetPasswordRequest, Role, UpdateUserRequest, User,
};
use serde::Deserialize;

use crate::pages::forms::{Form, Query};

use crate::error::{in_place, FormErrors, PageResult};
use crate::lang::{t, t_args};
use crate::pages::enrollment::{ImportPage, SecretPage};
use crate::pages::{name, upload, Admin, Visitor};
use crate::view::{id_of, render, render_with_status, role_label, Layout};
use crate::AppState;

pub struct UserLine {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub number: String,
    pub active: bool,
}

impl From<&User> for UserLine {
    fn from(u: &User) -> Self {
        Self {
            id: id_of(&u.name).to_string(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            role: role_label(u.role).to_string(),
            number: u.student_number.clone(),
            active: u.active,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    inactive: String,
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserLine>,
    total: i32,
    q: String,
    role: String,
    inactive: bool,
    next: Option<String>,
    problem: Option<String>,
    /// (value, message key) of each choice.
    roles: [(&'static str, &'static str); 4],
}

fn role_param(role: &str) -> Role {
    match role {
        "admin" => Role::Admin,
        "professor" => Role::Professor,
        "student" => Role::Student,
        _ => Role::Unspecified,
    }
}

pub async fn users(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Query(query): Query<UsersQuery>,
) -> PageResult<Response> {
    let inactive = !query.inactive.is_empty();
    let listed = state
        .api
        .users()
        .list_users(viewer.req(ListUsersRequest {
            page_size: 100,
            page_token: query.page.clone(),
            role: role_param(&query.role) as i32,
            query: query.q.trim().to_string(),
            include_inactive: inactive,
        }))
        .await;
    let (users, total, next, problem) = match listed {
        Ok(r) => {
            let r = r.into_inner();
            let next = (!r.next_page_token.is_empty()).then(|| {
                format!(
                    "/admin/users?q={}&role={}&inactive={}&page={}",
                    crate::view::url_encode(&query.q),
                    crate::view::url_encode(&query.role),
                    if inactive { "1" } else { "" },
                    crate::view::url_encode(&r.next_page_token)
                )
            });
            (
                r.users.iter().map(UserLine::from).collect(),
                r.total_size,
                next,
                None,
            )
        }
        Err(status) => (Vec::new(), 0, None, Some(in_place(&status)?)),
    };
    Ok(render(&UsersPage {
        l: viewer.layout(&t("admin-users-title")),
        users,
        total,
        q: query.q,
        role: query.role,
        inactive,
        next,
        problem,
        roles: [
            ("", "admin-roles-everyone"),
            ("student", "admin-roles-students"),
            ("professor", "admin-roles-professors"),
            ("admin", "admin-roles-admins"),
        ],
    }))
}

#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    student_number: String,
    #[serde(default)]
    password: String,
}

impl UserForm {
    fn user(&self) -> User {
        User {
            username: self.username.trim().to_string(),
            display_name: self.display_name.trim().to_string(),
            email: self.email.trim().to_string(),
            role: role_param(&self.role) as i32,
            student_number: self.student_number.trim().to_string(),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
    l: Layout,
    /// Empty when creating.
    id: String,
    f: UserForm,
    errors: FormErrors,
    active: bool,
    roles: [(&'static str, &'static str); 3],
}

/// The roles of the form: (value, message key).
const ROLES: [(&str, &str); 3] = [
    ("student", "admin-role-student"),
    ("professor", "admin-role-professor"),
    ("admin", "admin-role-admin"),
];

pub async fn new_user_page(Admin(viewer): Admin) -> Response {
    render(&UserFormPage {
        l: viewer.layout(&t("admin-user-new")).shape("narrow"),
        id: String::new(),
        f: UserForm {
            role: "student".into(),
            ..Default::default()
        },
        errors: FormErrors::default(),
        active: true,
        roles: ROLES,
    })
}

pub async fn create_user(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Form(f): Form<UserForm>,
) -> PageResult<Response> {
    let created = state
        .api
        .users()
        .create_user(viewer.req(CreateUserRequest {
            user: Some(f.user()),
            password: f.password.clone(),
        }))
        .await;
    match created {
        Ok(r) => {
            let r = r.into_inner();
            let user = r.user.unwrap_or_default();
            let who = t_args(
                "admin-user-who",
                &[
                    ("name", (&user.display_name).into()),
                    ("username", (&user.username).into()),
                    ("role", role_word(user.role).into()),
                ],
            );
            if r.initial_password.is_empty() {
                let created = t_args("admin-user-created-flash", &[("who", (&who).into())]);
                return Ok(viewer.redirect("/admin/users", &created));
            }
            Ok(render(&SecretPage {
                l: viewer.layout(&t("admin-user-created")).shape("narrow"),
                heading: t("admin-user-created"),
                who,
                password: r.initial_password,
                back: "/admin/users".into(),
            }))
        }
        Err(status) => Ok(render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &UserFormPage {
                l: viewer.layout(&t("admin-user-new")).shape("narrow"),
                id: String::new(),
                errors: FormErrors::from_status(&status)?,
                f: UserForm {
                    password: String::new(),
                    ..f
                },
                active: true,
                roles: ROLES,
            },
        )),
    }
}

/// The form's (and the messages') word for a role.
fn role_word(role: i32) -> &'static str {
    match crate::view::role_of(role) {
        Role::Admin => "admin",
        Role::Professor => "professor",
        _ => "student",
    }
}

pub async fn edit_user_page(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user = state
        .api
        .users()
        .get_user(viewer.req(GetUserRequest {
            name: name("users", &id)?,
        }))
        .await?
        .into_inner()
        .user
        .unwrap_or_default();
    Ok(render(&UserFormPage {
        l: viewer.layout(&user.display_name).shape("narrow"),
        id,
        f: UserForm {
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            role: role_word(user.role).to_string(),
            student_number: user.student_number.clone(),
            password: String::new(),
        },
        errors: FormErrors::default(),
        active: user.active,
        roles: ROLES,
    }))
}

pub async fn edit_user(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> PageResult<Response> {
    let mut user = f.user();
    user.name = name("users", &id)?;
    let updated = state
        .api
        .users()
        .update_user(
            viewer.req(UpdateUserRequest {
                user: Some(user),
                update_mask: Some(prost_types::FieldMask {
                    paths: ["email", "display_name", "student_number", "role"]
                        .map(String::from)
                        .to_vec(),
                }),
            }),
        )
        .await;
    match updated {
        Ok(_) => Ok(viewer.redirect(
            "/admin/users",
            &t_args("admin-user-saved", &[("username", (&f.username).into())]),
        )),
        Err(status) => Ok(render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &UserFormPage {
                l: viewer.layout(&f.display_name).shape("narrow"),
                id,
                errors: FormErrors::from_status(&status)?,
                f,
                active: true,
                roles: ROLES,
            },
        )),
    }
}

/// `POST /admin/users/{id}/deactivate` (`ACTIVE` false) and `…/reactivate`
/// (true): the account can no longer, or again, log in.
pub async fn set_active<const ACTIVE: bool>(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let name = name("users", &id)?;
    let mut users = state.api.users();
    let done = if ACTIVE {
        users
            .reactivate_user(viewer.req(ReactivateUserRequest { name }))
            .await
            .map(|r| r.map(|_| t("admin-user-reactivated")))
    } else {
        users
            .deactivate_user(viewer.req(DeactivateUserRequest { name }))
            .await
            .map(|r| r.map(|_| t("admin-user-deactivated")))
    };
    viewer.after(&format!("/admin/users/{id}"), done, String::from)
}

pub async fn reset_password(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user_name = name("users", &id)?;
    let done = state
        .api
        .users()
        .reset_password(viewer.req(ResetPasswordRequest {
            name: user_name.clone(),
        }))
        .await;
    match done {
        Ok(r) => {
            let user = state
                .api
                .users()
                .get_user(viewer.req(GetUserRequest { name: user_name }))
                .await
                .ok()
                .and_then(|u| u.into_inner().user)
                .unwrap_or_default();
            Ok(render(&SecretPage {
                l: viewer.layout(&t("admin-user-reset-title")).shape("narrow"),
                heading: t("admin-user-reset-heading"),
                who: t_args(
                    "admin-user-logged-out",
                    &[
                        ("name", (&user.display_name).into()),
                        ("username", (&user.username).into()),
                    ],
                ),
                password: r.into_inner().new_password,
                back: format!("/admin/users/{id}"),
            }))
        }
        Err(status) => Ok(viewer.redirect(&format!("/admin/users/{id}"), &in_place(&status)?)),
    }
}

#[derive(Template)]
#[template(path = "users_import.html")]
struct ImportFormPage {
    l: Layout,
}

pub async fn import_page(Admin(viewer): Admin) -> Response {
    render(&ImportFormPage {
        l: viewer
            .layout(&t("admin-users-import-title"))
            .shape("narrow"),
    })
}

pub async fn import(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Visitor(browser): Visitor,
    multipart: Multipart,
) -> PageResult<Response> {
    let upload = upload::read(&browser, multipart).await?;
    let csv = upload.csv();
    let dry_run = upload.text("write") != "1";
    let answer = state
        .api
        .users()
        .import_users(viewer.req(ImportUsersRequest {
            csv: csv.clone(),
            dry_run,
        }))
        .await;
    let mut page = ImportPage::new(
        viewer.layout(&t("admin-users-import-title")),
        "/admin/users",
        dry_run,
        &t("admin-col-role"),
        &csv,
    );
    match answer {
        Ok(r) => {
            let r = r.into_inner();
            page.problems = ImportPage::problems(&r.errors);
            page.read_as = r.read_as.clone();
            page.rows = r
                .users
                .iter()
                .map(|u| {
                    let role = u.user.as_ref().map(|x| role_label(x.role).to_string());
                    ImportPage::row(u, role.unwrap_or_default())
                })
                .collect();
            let n = r.users.len();
            page.note = match (dry_run, r.errors.is_empty()) {
                (_, false) => t("admin-import-nothing-written"),
                (true, true) => t_args("admin-users-import-valid", &[("count", n.into())]),
                (false, true) => t_args("admin-users-import-done", &[("count", n.into())]),
            };
        }
        Err(status) => page.general = Some(in_place(&status)?),
    }
    Ok(render(&page))
}
