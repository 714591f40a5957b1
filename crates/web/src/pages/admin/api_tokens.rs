//! API tokens for scripts: the live ones, a form to make one (its secret
//! shown once, on the page that answers the form) and a revoke button each.
//! The API checks everything, audits, and never gives a secret again.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use classtrack_proto::v1::{
    ApiToken, CreateApiTokenRequest, ListApiTokensRequest, RevokeApiTokenRequest, Role,
};
use serde::Deserialize;

use crate::error::{FormErrors, PageResult};
use crate::lang::t;
use crate::pages::forms::Form;
use crate::pages::{name, Admin};
use crate::view::{date_time, id_of, render, render_with_status, role_label, to_timestamp, Layout};
use crate::AppState;

pub struct TokenLine {
    pub id: String,
    pub name: String,
    pub role: String,
    pub creator: String,
    pub created: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "api_tokens.html")]
pub struct ApiTokensPage {
    l: Layout,
    items: Vec<TokenLine>,
    errors: FormErrors,
    /// The form as sent, when it comes back with errors.
    display_name: String,
    role: String,
    days: String,
    /// A token just made: its name and its secret, shown this once.
    made: Option<(String, String)>,
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    days: String,
}

async fn page(state: &AppState, viewer: &crate::pages::Viewer) -> PageResult<ApiTokensPage> {
    let tokens = state
        .api
        .auth()
        .list_api_tokens(viewer.req(ListApiTokensRequest {}))
        .await?
        .into_inner()
        .api_tokens;
    Ok(ApiTokensPage {
        l: viewer.layout(&t("admin-tokens-title")),
        items: tokens.iter().map(|token| line(token, viewer.tz)).collect(),
        errors: FormErrors::default(),
        display_name: String::new(),
        role: "professor".into(),
        days: "90".into(),
        made: None,
    })
}

fn line(token: &ApiToken, tz: chrono_tz::Tz) -> TokenLine {
    TokenLine {
        id: id_of(&token.name).to_string(),
        name: token.display_name.clone(),
        role: role_label(token.role).to_string(),
        creator: token.creator_username.clone(),
        created: date_time(token.create_time.as_ref(), tz),
        expires: date_time(token.expire_time.as_ref(), tz),
    }
}

/// `GET /admin/api-tokens`.
pub async fn api_tokens(State(state): State<AppState>, Admin(viewer): Admin) -> PageResult {
    Ok(render(&page(&state, &viewer).await?))
}

/// `POST /admin/api-tokens`: makes one and shows its secret once.
pub async fn create_api_token(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Form(form): Form<NewTokenForm>,
) -> PageResult {
    let role = match form.role.as_str() {
        "admin" => Role::Admin,
        "professor" => Role::Professor,
        "student" => Role::Student,
        _ => Role::Unspecified,
    };
    let days: Option<i64> = form.days.trim().parse().ok().filter(|d| *d > 0);
    let expire_time =
        days.map(|d| to_timestamp(Utc::now() + chrono::Duration::days(d.min(100_000))));
    let answer = state
        .api
        .auth()
        .create_api_token(viewer.req(CreateApiTokenRequest {
            api_token: Some(ApiToken {
                display_name: form.display_name.clone(),
                role: role as i32,
                expire_time,
                ..Default::default()
            }),
        }))
        .await;
    let mut p = page(&state, &viewer).await?;
    match answer {
        Ok(made) => {
            let made = made.into_inner();
            let shown = made
                .api_token
                .map(|token| token.display_name)
                .unwrap_or_default();
            p.made = Some((shown, made.secret));
            Ok(render(&p))
        }
        Err(status) => {
            let mut errors = FormErrors::from_status(&status)?;
            if days.is_none() {
                errors = FormErrors::field("days", &t("admin-tokens-days-missing"));
            }
            p.errors = errors;
            p.display_name = form.display_name;
            p.role = form.role;
            p.days = form.days;
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

/// `POST /admin/api-tokens/{id}/revoke`.
pub async fn revoke_api_token(
    State(state): State<AppState>,
    Admin(viewer): Admin,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let token = name("apiTokens", &id)?;
    let done = state
        .api
        .auth()
        .revoke_api_token(viewer.req(RevokeApiTokenRequest { name: token }))
        .await;
    viewer.after("/admin/api-tokens", done, |_| t("admin-tokens-revoked"))
}
