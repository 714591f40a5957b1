//! What the web tier knows about one browser, all of it in cookies: the API
//! token of whoever is logged in, a long-lived random browser id (the basis of
//! the device id and of CSRF tokens before login), a pending QR scan, and a
//! one-shot flash message. Replicas share nothing, so nothing lives on the
//! server.

use classtrack_core::forwarded;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::Caller;
use crate::cookies::{
    self, decode_text, BROWSER_COOKIE, FLASH_COOKIE, SCAN_COOKIE, SESSION_COOKIE, SSO_END_COOKIE,
    SSO_FLOW_COOKIE,
};
use crate::error::PageError;
use crate::lang::{self, PageContext, LANG_COOKIE};
use crate::{csrf, AppState};

/// Browsers cap cookie lifetimes at 400 days.
const BROWSER_MAX_AGE: i64 = 400 * 24 * 3600;
const FLASH_MAX_AGE: i64 = 60;
/// Largest urlencoded form accepted (CSV imports confirmed from a preview included).
const FORM_LIMIT: usize = 6 * 1024 * 1024;

/// One browser's cookies, as seen by handlers (a request extension).
#[derive(Clone, Debug)]
pub struct Browser {
    pub id: String,
    pub session: Option<String>,
    pub scan: Option<ScanTicket>,
    pub flash: Option<String>,
    /// An OpenID Connect login begun here (the `ct_sso` cookie, raw).
    pub sso_flow: Option<String>,
    /// The provider's logout URL and label after an OpenID Connect login
    /// (the `ct_sso_end` cookie, raw).
    pub sso_end: Option<String>,
    pub address: Option<String>,
    pub secure: bool,
    /// The language its pages are in (see [`crate::lang::choose`]; once the logged-in user
    /// is known, their saved one: [`crate::lang::prefer`]).
    pub locale: classtrack_i18n::Locale,
}

/// A QR code judged valid when it was scanned, kept while the student logs in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScanTicket {
    pub token: String,
    pub course: String,
    pub scan_seconds: i64,
    pub scan_nanos: i32,
    pub proof: String,
    /// Unix seconds after which the API no longer honours the proof.
    pub expires: i64,
}

impl Browser {
    /// The device id sent with check-ins: derived from the browser id, so the
    /// value administrators can see never reveals the cookie itself.
    pub fn device_id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"classtrack-device\0")
            .chain_update(self.id.as_bytes())
            .finalize();
        hex::encode(&digest[..16])
    }

    /// The CSRF token for forms shown to this browser now.
    pub fn csrf_token(&self) -> String {
        csrf::token(self.csrf_basis())
    }

    fn csrf_basis(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.id)
    }

    pub fn caller(&self) -> Caller {
        Caller {
            token: self.session.clone(),
            address: self.address.clone(),
            locale: self.locale,
        }
    }

    /// A pending scan that has not yet run out.
    pub fn live_scan(&self, now_unix: i64) -> Option<&ScanTicket> {
        self.scan.as_ref().filter(|s| s.expires > now_unix)
    }

    /// `Set-Cookie` for `name=value`, kept `max_age` seconds (see [`cookies::set`]).
    pub fn cookie(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        cookies::set(name, value, max_age, self.secure)
    }

    /// `Set-Cookie` that removes `name`.
    pub fn clear_cookie(&self, name: &str) -> HeaderValue {
        cookies::clear(name, self.secure)
    }

    /// See-other redirect that shows `message` once on the next page.
    pub fn redirect_with_flash(&self, to: &str, message: &str) -> Response {
        let value = cookies::encode_text(message);
        (
            [(
                header::SET_COOKIE,
                self.cookie(FLASH_COOKIE, &value, FLASH_MAX_AGE),
            )],
            Redirect::to(to),
        )
            .into_response()
    }
}

impl ScanTicket {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(value: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// Middleware: reads the cookies, checks the CSRF token of every form post,
/// and sets the cookies that must be (re)issued.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let jar = cookies::parse(&parts.headers);
    let existing_id = jar
        .get(BROWSER_COOKIE)
        .filter(|id| is_browser_id(id))
        .cloned();
    let new_id = existing_id.is_none();
    let browser = Browser {
        id: existing_id.unwrap_or_else(new_browser_id),
        session: jar.get(SESSION_COOKIE).and_then(|v| decode_text(v)),
        scan: jar.get(SCAN_COOKIE).and_then(|v| ScanTicket::decode(v)),
        flash: jar.get(FLASH_COOKIE).and_then(|v| decode_text(v)),
        sso_flow: jar.get(SSO_FLOW_COOKIE).cloned(),
        sso_end: jar.get(SSO_END_COOKIE).cloned(),
        address: client_address(
            &parts.headers,
            parts.extensions.get::<ConnectInfo<SocketAddr>>(),
            &state.config.trusted_proxies,
            state.config.forwarded_header,
        ),
        secure: state.config.secure_cookies(),
        locale: lang::choose(
            jar.get(LANG_COOKIE).map(String::as_str),
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
            state.config.default_locale,
        ),
    };

    let body = if is_safe(&parts.method) {
        body
    } else {
        match check_form(&parts.headers, body, &browser).await {
            Ok(body) => body,
            Err(refusal) => return refusal,
        }
    };

    parts.extensions.insert(browser.clone());
    let context = PageContext {
        locale: std::cell::Cell::new(browser.locale),
        here: parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
    };
    let mut response = lang::scope(context, next.run(Request::from_parts(parts, body))).await;
    // Pages differ by language, and the language may come from Accept-Language.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-language"));

    let headers = response.headers_mut();
    if new_id {
        headers.append(
            header::SET_COOKIE,
            browser.cookie(BROWSER_COOKIE, &browser.id, BROWSER_MAX_AGE),
        );
    }
    let shown_a_page = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if browser.flash.is_some() && shown_a_page {
        headers.append(header::SET_COOKIE, browser.clear_cookie(FLASH_COOKIE));
    }
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Urlencoded posts must carry a valid `csrf` field; multipart uploads are
/// checked by their handler (see `pages::upload`); anything else is refused.
async fn check_form(headers: &HeaderMap, body: Body, browser: &Browser) -> Result<Body, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        return Ok(body);
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(refused());
    }
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| PageError::too_large().into_response())?;
    if !browser.csrf_valid(csrf_field(&bytes).as_deref()) {
        return Err(refused());
    }
    Ok(Body::from(bytes))
}

impl Browser {
    pub fn csrf_valid(&self, presented: Option<&str>) -> bool {
        presented.is_some_and(|t| csrf::verify(self.csrf_basis(), t))
    }
}

fn csrf_field(form: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(form)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
}

fn refused() -> Response {
    PageError::message(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The page was open too long or you logged in or out in another tab. Go back, reload the page and try again.",
    )
    .into_response()
}

fn client_address(
    headers: &HeaderMap,
    connect: Option<&ConnectInfo<SocketAddr>>,
    trusted_proxies: &[ipnet::IpNet],
    header: forwarded::ForwardedHeader,
) -> Option<String> {
    let ConnectInfo(peer) = connect?;
    let values = headers
        .get_all(header.name())
        .iter()
        .filter_map(|v| v.to_str().ok());
    let chain = header.hops(values);
    Some(forwarded::client_address(peer.ip(), &chain, trusted_proxies).to_string())
}

fn new_browser_id() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn is_browser_id(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser(session: Option<&str>) -> Browser {
        Browser {
            id: new_browser_id(),
            session: session.map(str::to_string),
            scan: None,
            flash: None,
            sso_flow: None,
            sso_end: None,
            address: None,
            secure: false,
            locale: Default::default(),
        }
    }

    #[test]
    fn browser_ids_are_random_and_recognised() {
        let a = new_browser_id();
        assert!(is_browser_id(&a));
        assert_ne!(a, new_browser_id());
        assert!(!is_browser_id("short"));
        assert!(!is_browser_id(&"x;".repeat(22)[..43]));
    }

    #[test]
    fn device_id_is_stable_and_does_not_reveal_the_cookie() {
        let b = browser(None);
        assert_eq!(b.device_id(), b.device_id());
        assert_eq!(b.device_id().len(), 32);
        assert!(!b.device_id().contains(&b.id));
    }

    #[test]
    fn csrf_token_follows_the_login() {
        let anonymous = browser(None);
        let token = anonymous.csrf_token();
        assert!(anonymous.csrf_valid(Some(&token)));
        assert!(!anonymous.csrf_valid(None));
        let logged_in = Browser {
            session: Some("api-token".into()),
            ..anonymous.clone()
        };
        assert!(!logged_in.csrf_valid(Some(&token)));
        assert!(logged_in.csrf_valid(Some(&logged_in.csrf_token())));
    }

    #[test]
    fn csrf_field_is_found_among_others() {
        assert_eq!(csrf_field(b"a=1&csrf=abc%2B&b=2").as_deref(), Some("abc+"));
        assert_eq!(csrf_field(b"a=1"), None);
    }

    #[test]
    fn scan_ticket_round_trips_and_rejects_garbage() {
        let ticket = ScanTicket {
            token: "1.2.abc".into(),
            course: "CS101".into(),
            scan_seconds: 1_700_000_000,
            scan_nanos: 5,
            proof: "p".into(),
            expires: 1_700_000_300,
        };
        assert_eq!(ScanTicket::decode(&ticket.encode()), Some(ticket.clone()));
        assert_eq!(ScanTicket::decode("%%%"), None);
        let b = Browser {
            scan: Some(ticket),
            ..browser(None)
        };
        assert!(b.live_scan(1_700_000_299).is_some());
        assert!(b.live_scan(1_700_000_300).is_none());
    }

    #[test]
    fn forwarded_for_is_trusted_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.4, 10.0.0.1".parse().unwrap());
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5000)));
        assert_eq!(
            client_address(&headers, Some(&peer), &[], Default::default()).as_deref(),
            Some("127.0.0.1")
        );
        let proxies: Vec<ipnet::IpNet> = vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
        assert_eq!(
            client_address(&headers, Some(&peer), &proxies, Default::default()).as_deref(),
            Some("198.51.100.4")
        );
        assert_eq!(
            client_address(&headers, None, &proxies, Default::default()),
            None
        );
    }
}
