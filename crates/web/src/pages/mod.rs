//! Every page, by area. Handlers translate forms into gRPC calls and answers
//! into templates; the API decides what is allowed.

mod admin;
mod auth;
mod checkin;
mod courses;
mod device;
mod enrollment;
mod fields;
mod forms;
mod justifications;
mod language;
mod live;
mod reports;
mod sessions;
mod sso;
mod student;
mod upload;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono_tz::Tz;
use classtrack_proto::v1::{Role, User, WhoAmIRequest};

use crate::browser::Browser;
use crate::error::PageError;
use crate::view::{nav_for, role_of, Layout};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/sso/callback", get(sso::callback))
        .route("/sso/{name}", get(sso::start))
        .route("/language", get(language::choose))
        .route(
            "/account/password",
            get(auth::password_page).post(auth::change_password),
        )
        .route("/device", get(device::show).post(device::decide))
        .route("/student", get(student::home))
        .route("/history", get(student::history))
        .route("/checkin/code", post(checkin::short_code))
        .route("/checkin/location", post(checkin::retry_with_location))
        .route(
            "/c/{token}",
            get(checkin::landing).post(checkin::landing_located),
        )
        .route("/justifications", get(justifications::list))
        .route(
            "/justifications/new",
            get(justifications::new_page).post(justifications::submit),
        )
        .route("/justifications/{id}/decide", post(justifications::decide))
        .route(
            "/justifications/{id}/attachment",
            get(justifications::attachment),
        )
        .route("/courses", get(courses::list).post(courses::create))
        .route("/courses/{id}", get(courses::show))
        .route(
            "/courses/{id}/edit",
            get(courses::edit_page).post(courses::edit),
        )
        .route("/courses/{id}/students", get(enrollment::list))
        .route("/courses/{id}/students/add", post(enrollment::add))
        .route("/courses/{id}/students/create", post(enrollment::create))
        .route("/courses/{id}/students/import", post(enrollment::import))
        .route(
            "/courses/{id}/students/{student}/remove",
            post(enrollment::remove),
        )
        .route("/courses/{id}/sessions", post(sessions::create))
        .route("/courses/{id}/series", post(sessions::create_series))
        .route("/courses/{id}/report", get(reports::course_report))
        .route("/courses/{id}/report.csv", get(reports::export_csv))
        .route(
            "/courses/{id}/report-excel.csv",
            get(reports::export_csv_semicolon),
        )
        .route("/courses/{id}/report.xlsx", get(reports::export_xlsx))
        .route("/sessions", get(sessions::list))
        .route("/sessions/{id}", get(sessions::roll))
        .route("/sessions/{id}/mark", post(sessions::mark))
        .route(
            "/sessions/{id}/edit",
            get(sessions::edit_page).post(sessions::edit),
        )
        .route("/sessions/{id}/cancel", post(sessions::cancel))
        .route("/sessions/{id}/close", post(sessions::close))
        .route("/sessions/{id}/projector", get(live::projector))
        .route("/sessions/{id}/events", get(live::events))
        .route("/admin", get(admin::overview))
        .route("/admin/users", get(admin::users))
        .route(
            "/admin/users/new",
            get(admin::new_user_page).post(admin::create_user),
        )
        .route(
            "/admin/users/import",
            get(admin::import_page).post(admin::import),
        )
        .route(
            "/admin/users/{id}",
            get(admin::edit_user_page).post(admin::edit_user),
        )
        .route(
            "/admin/users/{id}/deactivate",
            post(admin::set_active::<false>),
        )
        .route(
            "/admin/users/{id}/reactivate",
            post(admin::set_active::<true>),
        )
        .route(
            "/admin/users/{id}/reset-password",
            post(admin::reset_password),
        )
        .route("/admin/rejections", get(admin::rejections))
        .route("/admin/audit", get(admin::audit))
        .route(
            "/admin/api-tokens",
            get(admin::api_tokens).post(admin::create_api_token),
        )
        .route(
            "/admin/api-tokens/{id}/revoke",
            post(admin::revoke_api_token),
        )
        .fallback(not_found)
}

/// The page for unknown paths.
pub async fn not_found() -> Response {
    PageError::not_found().into_response()
}

/// `/`: each role's own home.
async fn home(viewer: Viewer) -> Response {
    Redirect::to(home_of(viewer.role)).into_response()
}

pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Admin => "/admin",
        Role::Professor => "/courses",
        Role::Student => "/student",
        Role::Unspecified => "/account/password",
    }
}

/// The logged-in user behind a request, checked with the API on every page.
pub struct Viewer {
    pub user: User,
    pub role: Role,
    pub browser: Browser,
    pub path: String,
    pub tz: Tz,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let browser = browser_of(parts)?;
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let to_login = || PageError::Login {
            next: Some(here.clone()),
        };
        if browser.session.is_none() {
            return Err(to_login());
        }
        let user = state
            .api
            .auth()
            .who_am_i(browser.caller().req(WhoAmIRequest {}))
            .await
            .map_err(|status| match PageError::from(status) {
                PageError::Login { .. } => to_login(),
                other => other,
            })?
            .into_inner()
            .user
            .ok_or_else(to_login)?;
        Ok(Self::new(
            user,
            browser,
            parts.uri.path().to_string(),
            state.config.time_zone,
        ))
    }
}

impl Viewer {
    /// The viewer `user` (as WhoAmI answered) in `browser`: from here on the page, and the
    /// calls made for it, are in the user's saved language if they chose one.
    pub fn new(user: User, mut browser: Browser, path: String, tz: Tz) -> Self {
        browser.locale = crate::lang::prefer(&user.locale);
        Self {
            role: role_of(user.role),
            user,
            browser,
            path,
            tz,
        }
    }

    pub fn layout(&self, title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            user_name: Some(if self.user.display_name.is_empty() {
                self.user.username.clone()
            } else {
                self.user.display_name.clone()
            }),
            role: match self.role {
                Role::Admin => "admin",
                Role::Professor => "professor",
                Role::Student => "student",
                Role::Unspecified => "",
            },
            nav: nav_for(self.role, &self.path),
            csrf: self.browser.csrf_token(),
            flash: self.browser.flash.clone(),
            shape: "wide",
            locale: self.browser.locale,
            here: crate::lang::here(),
        }
    }

    pub fn req<T>(&self, message: T) -> tonic::Request<T> {
        self.browser.caller().req(message)
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Professor)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// 403 in the viewer's own frame: the page exists but is not for them.
    pub fn refuse(&self, text: &str) -> PageError {
        let mut layout = self
            .layout(&crate::lang::t("error-not-allowed"))
            .shape("narrow");
        layout.flash = None;
        PageError::Framed {
            status: StatusCode::FORBIDDEN,
            layout: Box::new(layout),
            text: text.to_string(),
        }
    }

    /// 404 in the viewer's own frame.
    pub fn not_found(&self) -> PageError {
        let mut layout = self
            .layout(&crate::lang::t("page-not-found"))
            .shape("narrow");
        layout.flash = None;
        PageError::Framed {
            status: StatusCode::NOT_FOUND,
            layout: Box::new(layout),
            text: crate::lang::t("page-not-yours"),
        }
    }

    /// The failure of looking up the course, session… a page is about. The
    /// API answers "not allowed" for what does not exist (so that existence
    /// is not revealed), hence both read as "not found" here, as they would
    /// on any site that hides what is not yours.
    pub fn lookup(&self, status: tonic::Status) -> PageError {
        match status.code() {
            tonic::Code::NotFound | tonic::Code::PermissionDenied => self.not_found(),
            _ => PageError::from(status),
        }
    }

    /// `collection/{id}` from a URL id, or 404 in the viewer's frame.
    pub fn name(&self, collection: &str, id: &str) -> Result<String, PageError> {
        name(collection, id).map_err(|_| self.not_found())
    }

    /// Pages for professors and administrators: anyone else is refused
    /// before anything is asked of the API, in their own frame.
    pub fn require_staff(&self) -> Result<(), PageError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(self.refuse(&crate::lang::t("page-staff-only")))
        }
    }

    pub fn require_admin(&self) -> Result<(), PageError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(self.refuse(&crate::lang::t("page-admin-only")))
        }
    }

    pub fn redirect(&self, to: &str, message: &str) -> Response {
        self.browser.redirect_with_flash(to, message)
    }

    /// After an action: back to `to`, saying how it went.
    pub fn after<T>(
        &self,
        to: &str,
        result: Result<tonic::Response<T>, tonic::Status>,
        done: impl FnOnce(T) -> String,
    ) -> Result<Response, PageError> {
        let message = match result {
            Ok(answer) => done(answer.into_inner()),
            Err(status) => crate::error::in_place(&status)?,
        };
        Ok(self.redirect(to, &message))
    }
}

/// A viewer who is an administrator; anyone else gets 403 in their own frame.
pub struct Admin(pub Viewer);

impl FromRequestParts<AppState> for Admin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        viewer.require_admin()?;
        Ok(Self(viewer))
    }
}

/// A viewer who is a professor or an administrator.
pub struct Staff(pub Viewer);

impl FromRequestParts<AppState> for Staff {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        if let Err(refusal) = viewer.require_staff() {
            // A page about a course or session that does not exist (or is
            // not theirs) is "not found" for a student as for anyone; one
            // they may see but not manage is "not allowed".
            exists(state, &viewer, parts.uri.path()).await?;
            return Err(refusal);
        }
        Ok(Self(viewer))
    }
}

/// Ok when the course or session named by `path` (`/courses/{id}/…`,
/// `/sessions/{id}/…`) can be seen by the viewer, else 404.
async fn exists(state: &AppState, viewer: &Viewer, path: &str) -> Result<(), PageError> {
    use classtrack_proto::v1::{GetCourseRequest, GetSessionRequest};
    let mut parts = path.trim_start_matches('/').split('/');
    let found = match (parts.next(), parts.next()) {
        (Some("courses"), Some(id)) => state
            .api
            .courses()
            .get_course(viewer.req(GetCourseRequest {
                name: viewer.name("courses", id)?,
            }))
            .await
            .map(|_| ()),
        (Some("sessions"), Some(id)) => state
            .api
            .sessions()
            .get_session(viewer.req(GetSessionRequest {
                name: viewer.name("sessions", id)?,
            }))
            .await
            .map(|_| ()),
        _ => Ok(()),
    };
    found.map_err(|status| viewer.lookup(status))
}

/// The browser's cookies (set by `browser::layer`).
pub fn browser_of(parts: &Parts) -> Result<Browser, PageError> {
    parts.extensions.get::<Browser>().cloned().ok_or_else(|| {
        PageError::message(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            &crate::lang::t("page-went-wrong"),
            &crate::lang::t("page-could-not-be-shown"),
        )
    })
}

/// The browser, logged in or not (login page, QR landing).
pub struct Visitor(pub Browser);

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, PageError> {
        browser_of(parts).map(Visitor)
    }
}

/// A resource name from a URL id, refusing anything that is not an id
/// (a positive number): `/courses/abc` is a page that does not exist, not a
/// request for the API to refuse.
pub fn name(collection: &str, id: &str) -> Result<String, PageError> {
    if !id.is_empty()
        && id.len() <= 18
        && id.bytes().all(|b| b.is_ascii_digit())
        && id.bytes().any(|b| b != b'0')
    {
        Ok(format!("{collection}/{id}"))
    } else {
        Err(PageError::not_found())
    }
}

/// `sessions/12` or `12` → `12`.
pub fn id_param(value: &str) -> &str {
    crate::view::id_of(value.trim())
}

/// Only local paths are followed after login (see `redirect`).
pub use crate::redirect::local_path;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_built_from_plain_ids_only() {
        assert_eq!(name("users", "12").unwrap(), "users/12");
        assert!(name("users", "../x").is_err());
        assert!(name("users", "").is_err());
        assert!(name("users", "abc").is_err());
        assert!(name("users", "0").is_err());
        assert!(name("users", "1x").is_err());
        assert!(name("users", "-1").is_err());
        assert!(name("users", &"9".repeat(19)).is_err());
    }
}
