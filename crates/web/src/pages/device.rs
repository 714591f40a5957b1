//! `/device`: approving a client's sign-in (RFC 8628's device flow, e.g.
//! `classtrack login --sso`). The visitor logs in as on any page (the
//! `Viewer` sends them to the login page and back), types the code the
//! client shows (or follows `/device?code=…`), sees what is asking, and
//! approves or denies. The API decides everything.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::{ApproveDeviceAuthorizationRequest, GetDeviceAuthorizationRequest};
use serde::Deserialize;

use super::forms::{Form, Query};
use super::Viewer;
use crate::error::{FormErrors, PageResult};
use crate::lang::t;
use crate::view::{render, render_with_status, Layout};
use crate::AppState;

#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage {
    l: Layout,
    errors: FormErrors,
    /// The code as typed or as the API shows it.
    code: String,
    /// What is asking, once the code is known to be waiting.
    asking: Option<Asking>,
    /// What was decided, once it is.
    done: Option<String>,
}

struct Asking {
    client_name: String,
    client_address: String,
}

#[derive(Deserialize, Default)]
pub struct DeviceQuery {
    /// `code` in the link the device shows, `user_code` from the form here.
    #[serde(default, alias = "user_code")]
    code: String,
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    user_code: String,
    #[serde(default)]
    decision: String,
}

fn page(viewer: &Viewer, code: String) -> DevicePage {
    DevicePage {
        l: viewer.layout(&t("admin-device-title")).shape("narrow"),
        errors: FormErrors::default(),
        code,
        asking: None,
        done: None,
    }
}

/// `GET /device[?code=…]`: the code form, or what asks with that code.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<DeviceQuery>,
) -> PageResult {
    let code = q.code.trim().to_string();
    let mut p = page(&viewer, code.clone());
    if code.is_empty() {
        return Ok(render(&p));
    }
    let answer = state
        .api
        .auth()
        .get_device_authorization(viewer.req(GetDeviceAuthorizationRequest { user_code: code }))
        .await;
    match answer {
        Ok(found) => {
            let found = found.into_inner();
            p.code = found.user_code;
            p.asking = Some(Asking {
                client_name: found.client_name,
                client_address: found.client_address,
            });
            Ok(render(&p))
        }
        Err(status) => {
            p.errors = FormErrors::from_status(&status)?;
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

/// `POST /device`: approve or deny.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<DecisionForm>,
) -> PageResult<Response> {
    let approve = form.decision == "approve";
    let mut p = page(&viewer, form.user_code.clone());
    let answer = state
        .api
        .auth()
        .approve_device_authorization(viewer.req(ApproveDeviceAuthorizationRequest {
            user_code: form.user_code,
            approve,
        }))
        .await;
    match answer {
        Ok(_) => {
            p.done = Some(t(if approve {
                "admin-device-approved"
            } else {
                "admin-device-denied"
            }));
            Ok(render(&p))
        }
        Err(status) => {
            p.errors = FormErrors::from_status(&status)?;
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}
