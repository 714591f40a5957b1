//! Login (finishing a pending QR check-in right after it, or first asking
//! for a new password when the server chose the current one), logout, and
//! changing one's own password. Logging in through an OpenID provider is
//! `sso.rs`; it ends in [`logged_in`] too.

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use classtrack_proto::v1::{ChangePasswordRequest, LoginRequest, LoginResponse, LogoutRequest};
use serde::Deserialize;

use super::forms::{Form, Query};
use tonic::Code;

use super::{checkin, home_of, local_path, Viewer, Visitor};
use crate::browser::Browser;
use crate::cookies::{encode_text, SCAN_COOKIE, SESSION_COOKIE, SSO_END_COOKIE};
use crate::error::{plain_message, FormErrors, PageResult};
use crate::lang::t;
use crate::view::{clock_seconds, render, render_with_status, to_utc, Layout};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    l: Layout,
    login: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
    scan: Option<String>,
    /// The "Log in with …" buttons.
    providers: Vec<super::sso::ProviderButton>,
    /// The identity provider's logout, offered after logging out.
    end_session: Option<super::sso::EndSession>,
}

pub async fn login_page(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Query(query): Query<LoginQuery>,
) -> Response {
    let notice = query
        .expired
        .is_some()
        .then(|| crate::lang::t("login-ended"));
    let next = local_path(query.next.as_deref()).unwrap_or_default();
    let mut page = LoginPage::new(&state, &browser, &next).await;
    page.notice = notice;
    // Offered once, after logging out of an account that came from a provider.
    page.end_session = browser
        .sso_end
        .as_deref()
        .filter(|_| browser.session.is_none())
        .and_then(super::sso::EndSession::decode);
    let mut response = render(&page);
    if browser.sso_end.is_some() && browser.session.is_none() {
        response
            .headers_mut()
            .append(header::SET_COOKIE, browser.clear_cookie(SSO_END_COOKIE));
    }
    response
}

impl LoginPage {
    /// The empty login page, with its provider buttons (none when the API
    /// cannot say which: the password form still works).
    pub(super) async fn new(state: &AppState, browser: &Browser, next: &str) -> Self {
        Self {
            l: login_layout(browser),
            login: String::new(),
            next: next.to_string(),
            error: None,
            notice: None,
            scan: scan_notice(browser, state),
            providers: super::sso::buttons(state, browser, next).await,
            end_session: None,
        }
    }

    /// The page with an error, answered 401.
    pub(super) fn refusal(mut self, error: String) -> Response {
        self.error = Some(error);
        render_with_status(StatusCode::UNAUTHORIZED, &self)
    }
}

fn login_layout(browser: &Browser) -> Layout {
    let mut l = Layout::bare(&crate::lang::t("login-title"));
    l.csrf = browser.csrf_token();
    l.flash = browser.flash.clone();
    l
}

fn scan_notice(browser: &Browser, state: &AppState) -> Option<String> {
    let now = Utc::now().timestamp();
    let scan = browser.live_scan(now)?;
    let at = prost_types::Timestamp {
        seconds: scan.scan_seconds,
        nanos: scan.scan_nanos,
    };
    let minutes = ((scan.expires - now) as u64).div_ceil(60);
    Some(crate::lang::t_args(
        "login-scan-kept",
        &[
            ("course", scan.course.as_str().into()),
            (
                "time",
                clock_seconds(Some(&at), state.config.time_zone)
                    .as_str()
                    .into(),
            ),
            (
                "within",
                crate::view::seconds_in_words(minutes * 60).as_str().into(),
            ),
        ],
    ))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let answer = state
        .api
        .auth()
        .login(browser.caller().req(LoginRequest {
            login: form.login.trim().to_string(),
            password: form.password.clone(),
        }))
        .await;
    let answer = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) => {
            let error = match status.code() {
                Code::Unauthenticated | Code::NotFound | Code::InvalidArgument => {
                    crate::lang::t("login-wrong")
                }
                _ => plain_message(&status),
            };
            let next = local_path(Some(&form.next)).unwrap_or_default();
            let mut page = LoginPage::new(&state, &browser, &next).await;
            page.login = form.login;
            return Ok(page.refusal(error));
        }
    };
    let mut response = logged_in(&state, &browser, answer, &form.next).await?;
    // A password login is not the provider's: nothing to log out of there.
    if browser.sso_end.is_some() {
        response
            .headers_mut()
            .append(header::SET_COOKIE, browser.clear_cookie(SSO_END_COOKIE));
    }
    Ok(response)
}

/// After a login (a password's or a provider's): the session cookie, then a
/// password change if one is due, the check-in of a scan made while logged
/// out, or the page the person was going to (`next`) or their home.
pub(super) async fn logged_in(
    state: &AppState,
    browser: &Browser,
    answer: LoginResponse,
    next: &str,
) -> PageResult {
    let user = answer.user.unwrap_or_default();
    let role = crate::view::role_of(user.role);
    let lifetime = to_utc(answer.expire_time.as_ref())
        .map(|end| (end - Utc::now()).num_seconds())
        .unwrap_or(8 * 3600);
    let session_cookie = browser.cookie(SESSION_COOKIE, &encode_text(&answer.token), lifetime);
    let signed_in = Browser {
        session: Some(answer.token.clone()),
        flash: None,
        ..browser.clone()
    };

    // A password the server chose (a reset, an import) is changed before
    // anything else; the API would refuse the rest, a pending check-in too.
    if answer.password_change_required {
        let mut response =
            browser.redirect_with_flash("/account/password", &t("admin-password-set-for-you"));
        response
            .headers_mut()
            .append(header::SET_COOKIE, session_cookie);
        return Ok(response);
    }

    if let Some(scan) = browser.live_scan(Utc::now().timestamp()).cloned() {
        let viewer = Viewer::new(user, signed_in, "/student".into(), state.config.time_zone);
        // The scan is kept when the page asks for the location: its retry
        // needs the proof.
        let (mut response, keep_scan) = checkin::finish_scan(state, &viewer, &scan).await?;
        let headers = response.headers_mut();
        headers.append(header::SET_COOKIE, session_cookie);
        if !keep_scan {
            headers.append(header::SET_COOKIE, browser.clear_cookie(SCAN_COOKIE));
        }
        return Ok(response);
    }

    let to = local_path(Some(next)).unwrap_or_else(|| home_of(role).to_string());
    Ok(([(header::SET_COOKIE, session_cookie)], Redirect::to(&to)).into_response())
}

pub async fn logout(State(state): State<AppState>, Visitor(browser): Visitor) -> Response {
    if browser.session.is_some() {
        // Revoking may fail if the token already lapsed; the cookie goes either way.
        let _ = state
            .api
            .auth()
            .logout(browser.caller().req(LogoutRequest {}))
            .await;
    }
    let mut response = browser.redirect_with_flash("/login", &crate::lang::t("login-logged-out"));
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, browser.clear_cookie(SESSION_COOKIE));
    // A scan kept for a location retry belongs to whoever made it.
    if browser.scan.is_some() {
        headers.append(header::SET_COOKIE, browser.clear_cookie(SCAN_COOKIE));
    }
    response
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    errors: FormErrors,
}

pub async fn password_page(viewer: Viewer) -> Response {
    render(&PasswordPage {
        l: viewer.layout(&t("admin-password-title")).shape("narrow"),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let show = |errors: FormErrors| {
        Ok(render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                l: viewer.layout(&t("admin-password-title")).shape("narrow"),
                errors,
            },
        ))
    };
    if form.new_password != form.confirm_password {
        return show(FormErrors::field(
            "confirm_password",
            &t("admin-password-not-same"),
        ));
    }
    let answer = state
        .api
        .auth()
        .change_password(viewer.req(ChangePasswordRequest {
            current_password: form.current_password,
            new_password: form.new_password,
        }))
        .await;
    match answer {
        Ok(answer) => {
            let answer = answer.into_inner();
            let lifetime = to_utc(answer.expire_time.as_ref())
                .map(|end| (end - Utc::now()).num_seconds())
                .unwrap_or(8 * 3600);
            let mut response = viewer.redirect(home_of(viewer.role), &t("admin-password-changed"));
            response.headers_mut().append(
                header::SET_COOKIE,
                viewer
                    .browser
                    .cookie(SESSION_COOKIE, &encode_text(&answer.token), lifetime),
            );
            Ok(response)
        }
        Err(status) if status.code() == Code::Unauthenticated => show(FormErrors::field(
            "current_password",
            &t("admin-password-wrong-current"),
        )),
        Err(status) => show(FormErrors::from_status(&status)?),
    }
}
