//! Logging in through an OpenID Connect provider: the login page's
//! "Log in with …" buttons, `/sso/{name}` (BeginSsoLogin, then off to the
//! provider) and `/sso/callback` (FinishSsoLogin, then on as after a
//! password login, a scan made while logged out included).
//!
//! The API keeps the flow (state, PKCE verifier, nonce); this browser keeps
//! the state too, in the `ct_sso` cookie, so that a callback carrying a
//! state begun in another browser is refused here before the API sees it.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use classtrack_proto::v1::{BeginSsoLoginRequest, FinishSsoLoginRequest, ListSsoProvidersRequest};
use serde::{Deserialize, Serialize};

use super::auth::{logged_in, LoginPage};
use super::forms::Query;
use super::{local_path, Visitor};
use crate::browser::Browser;
use crate::cookies::{SSO_END_COOKIE, SSO_FLOW_COOKIE};
use crate::error::{plain_message, PageResult};
use crate::lang::{t, t_args};
use crate::AppState;

/// How long the browser keeps a begun login: the API's flow lifetime.
const FLOW_MAX_AGE: i64 = 10 * 60;

/// One "Log in with …" button.
pub struct ProviderButton {
    /// `/sso/{name}`, with the page to go to after.
    pub href: String,
    /// "Log in with {label}".
    pub text: String,
}

/// The provider's logout, offered on the login page after logging out.
#[derive(Serialize, Deserialize)]
pub struct EndSession {
    /// The provider's end-session URL.
    pub url: String,
    /// The provider's label.
    pub label: String,
}

impl EndSession {
    /// "Also log out of {label}".
    pub fn text(&self) -> String {
        t_args(
            "sso-logout-provider",
            &[("provider", self.label.as_str().into())],
        )
    }

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The cookie's value, if it is one of ours with a web URL in it.
    pub fn decode(value: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        let end: Self = serde_json::from_slice(&bytes).ok()?;
        let web = end.url.starts_with("https://") || end.url.starts_with("http://");
        web.then_some(end)
    }
}

/// A login begun in this browser: the state the API gave it, the provider,
/// and where to go after.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    provider: String,
    next: String,
}

impl Flow {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(value: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// The login page's buttons; none when the API cannot say (the password
/// form still works then).
pub(super) async fn buttons(
    state: &AppState,
    browser: &Browser,
    next: &str,
) -> Vec<ProviderButton> {
    let answer = state
        .api
        .auth()
        .list_sso_providers(browser.caller().req(ListSsoProvidersRequest {}))
        .await;
    let providers = match answer {
        Ok(answer) => answer.into_inner().providers,
        Err(status) => {
            tracing::warn!(code = ?status.code(), message = status.message(), "could not list the identity providers");
            return Vec::new();
        }
    };
    providers
        .into_iter()
        .map(|p| {
            let mut href = format!("/sso/{}", urlencoding(&p.name));
            if !next.is_empty() {
                href.push_str(&format!("?next={}", urlencoding(next)));
            }
            ProviderButton {
                href,
                text: t_args("login-with", &[("provider", p.label.as_str().into())]),
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct StartQuery {
    next: Option<String>,
}

/// `/sso/{name}`: begins the login at the API and sends the browser to the
/// provider, keeping the state in this browser.
pub async fn start(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Path(name): Path<String>,
    Query(query): Query<StartQuery>,
) -> PageResult {
    let next = local_path(query.next.as_deref()).unwrap_or_default();
    let answer = state
        .api
        .auth()
        .begin_sso_login(browser.caller().req(BeginSsoLoginRequest {
            provider: name.clone(),
            redirect_uri: callback_url(&state),
        }))
        .await;
    let begun = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) => {
            let page = LoginPage::new(&state, &browser, &next).await;
            return Ok(page.refusal(plain_message(&status)));
        }
    };
    let flow = Flow {
        state: begun.state,
        provider: name,
        next,
    };
    Ok((
        [(
            header::SET_COOKIE,
            browser.cookie(SSO_FLOW_COOKIE, &flow.encode(), FLOW_MAX_AGE),
        )],
        Redirect::to(&begun.authorization_url),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// `/sso/callback`: where the provider sends the browser back. The state
/// must be the one this browser began; the API then checks everything else.
pub async fn callback(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Query(query): Query<CallbackQuery>,
) -> PageResult {
    let flow = browser.sso_flow.as_deref().and_then(Flow::decode);
    let next = flow.as_ref().map(|f| f.next.clone()).unwrap_or_default();
    let refuse = |error: String| async {
        let page = LoginPage::new(&state, &browser, &next).await;
        let mut response = page.refusal(error);
        if browser.sso_flow.is_some() {
            response
                .headers_mut()
                .append(header::SET_COOKIE, browser.clear_cookie(SSO_FLOW_COOKIE));
        }
        response
    };
    if let Some(error) = query.error.as_deref() {
        // The provider's own words are not shown: they may be anyone's.
        tracing::info!(error, "the identity provider did not log the person in");
        let error = short(error);
        return Ok(refuse(t_args(
            "sso-provider-refused",
            &[("error", error.as_str().into())],
        ))
        .await);
    }
    let (Some(given_state), Some(code)) = (query.state, query.code) else {
        return Ok(refuse(t("sso-callback-incomplete")).await);
    };
    let Some(flow) = flow.filter(|f| same(&f.state, &given_state)) else {
        tracing::info!("sso callback refused: its state was not begun in this browser");
        return Ok(refuse(t("sso-other-browser")).await);
    };
    let answer = state
        .api
        .auth()
        .finish_sso_login(browser.caller().req(FinishSsoLoginRequest {
            state: given_state,
            code,
            redirect_uri: callback_url(&state),
        }))
        .await;
    let finished = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) => return Ok(refuse(plain_message(&status)).await),
    };
    let Some(login) = finished.login else {
        return Ok(refuse(t("error-internal")).await);
    };
    let lifetime = crate::view::to_utc(login.expire_time.as_ref())
        .map(|end| (end - chrono::Utc::now()).num_seconds())
        .unwrap_or(8 * 3600);
    let mut response = logged_in(&state, &browser, login, &flow.next).await?;
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, browser.clear_cookie(SSO_FLOW_COOKIE));
    if finished.end_session_url.is_empty() {
        if browser.sso_end.is_some() {
            headers.append(header::SET_COOKIE, browser.clear_cookie(SSO_END_COOKIE));
        }
    } else {
        let end = EndSession {
            url: finished.end_session_url,
            label: finished.provider_label,
        };
        headers.append(
            header::SET_COOKIE,
            browser.cookie(SSO_END_COOKIE, &end.encode(), lifetime),
        );
    }
    Ok(response)
}

/// The web tier's callback at its public URL: what the API expects as the
/// redirect URI.
fn callback_url(state: &AppState) -> String {
    format!(
        "{}/sso/callback",
        state.config.public_url.trim_end_matches('/')
    )
}

/// Compares the states without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// An OAuth error code, as shown: short, and only its plain characters.
fn short(error: &str) -> String {
    error
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect()
}

/// Percent-encodes a path or query component.
fn urlencoding(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_survives_its_cookie_and_garbage_does_not() {
        let flow = Flow {
            state: "abc".into(),
            provider: "uni".into(),
            next: "/c/xyz".into(),
        };
        let back = Flow::decode(&flow.encode()).expect("decoded");
        assert_eq!((back.state.as_str(), back.next.as_str()), ("abc", "/c/xyz"));
        assert!(Flow::decode("%%%").is_none());
    }

    #[test]
    fn only_a_web_url_is_offered_as_the_providers_logout() {
        let end = |url: &str| EndSession {
            url: url.into(),
            label: "Uni".into(),
        };
        assert!(EndSession::decode(&end("https://id.example/logout").encode()).is_some());
        assert!(EndSession::decode(&end("javascript:alert(1)").encode()).is_none());
    }

    #[test]
    fn states_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert_eq!(short("access_denied<script>"), "access_deniedscript");
    }
}
