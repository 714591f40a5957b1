//! The web tier's cookies: their names, reading them from a request's
//! `Cookie` headers and writing `Set-Cookie` values, both with the `cookie`
//! crate. Every cookie is `Path=/`, `HttpOnly` and `SameSite=Lax`, and
//! `Secure` when the site is served over https. What the cookies mean is
//! `browser`'s business.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, SameSite};

/// The API token of whoever is logged in (see [`encode_text`]).
pub const SESSION_COOKIE: &str = "ct_session";
/// A long-lived random browser id.
pub const BROWSER_COOKIE: &str = "ct_browser";
/// A QR scan waiting for the student to log in.
pub const SCAN_COOKIE: &str = "ct_scan";
/// A one-shot message for the next page.
pub const FLASH_COOKIE: &str = "ct_flash";
/// An OpenID Connect login under way in this browser: its state and where
/// to go after it (`pages::sso`), for ten minutes.
pub const SSO_FLOW_COOKIE: &str = "ct_sso";
/// The identity provider's logout URL and label, kept from an OpenID
/// Connect login so that logging out can offer it.
pub const SSO_END_COOKIE: &str = "ct_sso_end";

/// The cookies of a request, from every `Cookie` header: name → value, with
/// surrounding double quotes removed. The first occurrence of a name wins;
/// pairs that don't parse and headers that aren't visible ASCII are skipped.
pub fn parse(headers: &HeaderMap) -> HashMap<String, String> {
    let mut jar = HashMap::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for cookie in Cookie::split_parse(value).flatten() {
            jar.entry(cookie.name().to_string())
                .or_insert_with(|| cookie.value_trimmed().to_string());
        }
    }
    jar
}

/// A `Set-Cookie` value that keeps `name=value` for `max_age` seconds (0 or
/// less: removes it).
pub fn set(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(max_age.max(0)))
        .secure(secure)
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value that removes the cookie `name`.
pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", 0, secure)
}

/// Text as a cookie value: unpadded URL-safe base64, so `;`, `,`, spaces and
/// non-ASCII survive.
pub fn encode_text(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text.as_bytes())
}

/// The text of an [`encode_text`] value; `None` for garbage or empty text.
pub fn decode_text(value: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
    String::from_utf8(bytes).ok().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_parsed_from_every_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; b=two".parse().unwrap());
        headers.append(header::COOKIE, "c=\"3\"; a=ignored".parse().unwrap());
        headers.append(
            header::COOKIE,
            " d = 4 ;no-pair; =empty-name;e=".parse().unwrap(),
        );
        let jar = parse(&headers);
        assert_eq!(jar["a"], "1");
        assert_eq!(jar["b"], "two");
        assert_eq!(jar["c"], "3");
        assert_eq!(jar["d"], "4");
        assert_eq!(jar["e"], "");
        assert_eq!(jar.len(), 5, "{jar:?}");
    }

    #[test]
    fn non_ascii_cookie_headers_are_skipped() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_bytes(b"a=\xc3\xa9").unwrap(),
        );
        headers.append(header::COOKIE, "b=2".parse().unwrap());
        let jar = parse(&headers);
        assert_eq!(jar.get("a"), None);
        assert_eq!(jar["b"], "2");
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_under_https() {
        let plain = set("x", "v", 10, false);
        assert_eq!(plain, "x=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=10");
        let secure = set("x", "v", 10, true);
        assert_eq!(
            secure,
            "x=v; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=10"
        );
        let parsed = Cookie::parse(secure.to_str().unwrap()).unwrap();
        assert_eq!(parsed.http_only(), Some(true));
        assert_eq!(parsed.same_site(), Some(SameSite::Lax));
        assert_eq!(parsed.secure(), Some(true));
        assert_eq!(parsed.path(), Some("/"));
        assert_eq!(parsed.max_age(), Some(cookie::time::Duration::seconds(10)));
    }

    #[test]
    fn a_cleared_cookie_is_empty_and_expires_at_once() {
        assert_eq!(
            clear(SCAN_COOKIE, false),
            "ct_scan=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
        assert_eq!(
            set("x", "v", -5, true),
            "x=v; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn text_cookies_round_trip() {
        assert_eq!(
            decode_text(&encode_text("Saved; ok")).as_deref(),
            Some("Saved; ok")
        );
        assert_eq!(decode_text(""), None);
        assert_eq!(decode_text("%%%"), None);
    }
}
