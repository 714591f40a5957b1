//! ClassTrack's web tier: server-rendered pages for administrators, professors
//! and students, and the projector. It is one more gRPC client of the API: it
//! translates forms into calls and statuses into plain words, and holds no
//! business rules and no state of its own (cookies carry what a browser needs).

mod api;
mod assets;
mod browser;
mod cookies;
mod csrf;
mod error;
mod lang;
mod pages;
mod qr_svg;
mod reasons;
mod redirect;
mod security;
mod view;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;

pub use api::Api;

/// How the web tier reaches the API and how it presents itself.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// gRPC address of the API, e.g. `https://api.example.edu:8080`, or plain
    /// `http://127.0.0.1:8080` on this machine (see [`classtrack_proto::endpoint`]).
    pub api_url: String,
    /// A PEM file of CA certificates trusted, besides the system's roots, for
    /// an `https` `api_url`.
    pub ca_cert: Option<PathBuf>,
    /// Allow a plain `http` `api_url` on another machine (the passwords typed
    /// into the login form then cross the network in clear text).
    pub insecure: bool,
    /// The address browsers use to reach the site, e.g. `https://attend.example.edu`.
    /// An `https` URL makes every cookie `Secure`.
    pub public_url: String,
    /// The site's zone (the `time_zone` setting; never the process's `TZ`):
    /// for pages when a course names none, and the new-course form.
    pub time_zone: chrono_tz::Tz,
    /// The language of a browser that asks for none we speak (the `default_locale` setting).
    pub default_locale: classtrack_i18n::Locale,
    /// Reverse proxies in front of the pages whose `Forwarded` /
    /// `X-Forwarded-For` name the browser (read right to left past them).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header those proxies write (only that one is read).
    pub forwarded_header: classtrack_core::forwarded::ForwardedHeader,
}

impl WebConfig {
    pub fn new(api_url: impl Into<String>, public_url: impl Into<String>) -> Self {
        Self {
            api_url: api_url.into(),
            ca_cert: None,
            insecure: false,
            public_url: public_url.into(),
            time_zone: chrono_tz::UTC,
            default_locale: classtrack_i18n::Locale::En,
            trusted_proxies: Vec::new(),
            forwarded_header: Default::default(),
        }
    }

    fn secure_cookies(&self) -> bool {
        self.public_url
            .trim()
            .to_ascii_lowercase()
            .starts_with("https://")
    }
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    pub api: Api,
    pub config: Arc<WebConfig>,
}

/// All pages and static assets. Connects lazily to the API at `api_url`,
/// over TLS when it is `https` (a plain `http` URL beyond loopback is refused
/// unless `insecure`).
///
/// Unknown paths get a 404 page: beside tonic's routes (which have their own
/// fallback) mount it with `fallback_service`, not `merge`. Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so the
/// browser's address reaches the API as `x-forwarded-for`.
pub fn router(config: WebConfig) -> anyhow::Result<Router> {
    let endpoint = classtrack_proto::endpoint::endpoint(
        &config.api_url,
        config.ca_cert.as_deref(),
        config.insecure,
    )
    .with_context(|| format!("the API address {}", config.api_url))?
    .connect_timeout(Duration::from_secs(5))
    // Until the answer starts: a hung API becomes a plain "not answering"
    // page; the projector's streams, once answering, run on.
    .timeout(Duration::from_secs(20))
    .http2_keep_alive_interval(Duration::from_secs(30));
    Ok(router_on(config, endpoint.connect_lazy()))
}

/// All pages and static assets, calling the API through `channel` (e.g. an
/// in-process channel when both tiers run in one process).
pub fn router_on(config: WebConfig, channel: tonic::transport::Channel) -> Router {
    let hsts = config.secure_cookies();
    let state = AppState {
        api: Api::new(channel),
        config: Arc::new(config),
    };
    let pages = security::with_headers(pages::routes().merge(assets::routes()).layer(
        axum::middleware::from_fn_with_state(state.clone(), browser::layer),
    ));
    // Browsers that reached the site over https keep to https.
    let pages = if hsts {
        pages.layer(security::hsts())
    } else {
        pages
    };
    pages.with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn headers_of(public_url: &str, path: &str) -> axum::http::HeaderMap {
        let channel = tonic::transport::Endpoint::from_static("http://127.0.0.1:9").connect_lazy();
        let app = router_on(WebConfig::new("http://127.0.0.1:9", public_url), channel);
        let response = app
            .oneshot(
                axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await
            .expect("answer");
        response.headers().clone()
    }

    async fn hsts_of(public_url: &str) -> Option<String> {
        headers_of(public_url, "/static/app.css")
            .await
            .get(axum::http::header::STRICT_TRANSPORT_SECURITY)
            .map(|v| v.to_str().unwrap_or_default().to_string())
    }

    fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
        headers.get(name).map(|v| v.to_str().unwrap_or_default())
    }

    #[tokio::test]
    async fn every_response_carries_the_security_headers() {
        // A page (the 404 page needs no API) and an asset.
        for path in ["/no-such-page", "/static/app.css"] {
            let headers = headers_of("http://127.0.0.1:8080", path).await;
            assert_eq!(
                header(&headers, "content-security-policy"),
                Some(security::CONTENT_SECURITY_POLICY),
                "{path}"
            );
            assert_eq!(
                header(&headers, "x-content-type-options"),
                Some("nosniff"),
                "{path}"
            );
            assert_eq!(header(&headers, "x-frame-options"), Some("DENY"), "{path}");
            assert_eq!(
                header(&headers, "referrer-policy"),
                Some("same-origin"),
                "{path}"
            );
            assert_eq!(
                header(&headers, "permissions-policy"),
                Some("camera=(self), geolocation=(self), microphone=()"),
                "{path}"
            );
            assert_eq!(
                headers.get_all("content-security-policy").iter().count(),
                1,
                "{path}"
            );
        }
        let page = headers_of("http://127.0.0.1:8080", "/no-such-page").await;
        assert_eq!(header(&page, "cache-control"), Some("no-store"));
        // A header the handler set is left as it is.
        let asset = headers_of("http://127.0.0.1:8080", "/static/app.css").await;
        assert_eq!(header(&asset, "cache-control"), Some("public, max-age=600"));
    }

    #[tokio::test]
    async fn hsts_only_for_an_https_site() {
        assert_eq!(
            hsts_of("https://attend.example.edu").await.as_deref(),
            Some("max-age=31536000; includeSubDomains")
        );
        assert_eq!(hsts_of("http://127.0.0.1:8080").await, None);
    }
}
