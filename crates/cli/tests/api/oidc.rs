//! Login through a real, certified OpenID Connect provider (the npm package
//! `oidc-provider`, e2e/oidc/provider.mjs, started per test on a loopback
//! port): BeginSsoLogin → the provider's own login and consent pages, driven
//! over HTTP → FinishSsoLogin. The account is provisioned with the role its
//! groups give, a state is good once, a token for another client is refused,
//! and a provider that is away is UNAVAILABLE without stopping the server.
//! Needs `node` and `e2e/node_modules` (`cd e2e && npm ci`); skipped with a
//! warning without them, failed under `CI=true`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use classtrack::server::{self, ServerConfig, Tier};
use classtrack_api::oidc::{OidcProvider, OidcSettings};
use classtrack_api::ApiConfig;
use classtrack_core::ManualClock;
use classtrack_proto::v1;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;
use crate::nginx::free_port;

const SECRET: &str = "api-test-client-secret";
/// The test config's public URL, and so the callback the API accepts.
const CALLBACK: &str = "https://attend.example.edu/sso/callback";

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// Whether node and the provider package are here.
fn available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if node && e2e_dir().join("node_modules/oidc-provider").is_dir() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "node or e2e/node_modules/oidc-provider is missing under CI=true: .ci/run runs npm ci in e2e"
    );
    eprintln!(
        "\n*** WARNING: node or e2e/node_modules/oidc-provider not found: the OpenID Connect \
         test was SKIPPED (cd e2e && npm ci) ***\n"
    );
    false
}

/// The provider, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    fn start() -> Self {
        let port = free_port();
        let mut child = Command::new("node")
            .arg("oidc/provider.mjs")
            .current_dir(e2e_dir())
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENT_SECRET", SECRET)
            .env("OIDC_REDIRECT_URIS", CALLBACK)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let up = lines
            .by_ref()
            .any(|l| l.is_ok_and(|l| l.contains("oidc provider listening")));
        assert!(up, "the OpenID provider did not start");
        // Keep reading: a closed pipe would end the provider at its next line.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The settings docs/sso.md gives, for the test provider.
fn settings(issuer: &str) -> OidcSettings {
    OidcSettings {
        name: "testidp".into(),
        label: "Test IdP".into(),
        issuer: issuer.into(),
        client_id: "classtrack".into(),
        client_secret: Some(SECRET.into()),
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        username_claim: "preferred_username".into(),
        display_name_claim: "name".into(),
        email_claim: "email".into(),
        student_number_claim: Some("student_number".into()),
        groups_claim: "groups".into(),
        admin_groups: vec!["classtrack-admins".into()],
        professor_groups: vec!["/staff".into()],
        roles_from_groups: true,
        provision: true,
        timeout: Duration::from_secs(5),
    }
}

async fn spawn_oidc(db: &TestDb, settings: OidcSettings) -> TestApp {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let provider = OidcProvider::new(settings).expect("valid OIDC settings");
    let api = ApiConfig {
        oidc: vec![Arc::new(provider)],
        ..config(clock.clone())
    };
    let running = server::start(ServerConfig {
        tier: Tier::ApiOnly,
        ..server_config(&db.url, api)
    })
    .await
    .expect("server starts");
    TestApp::around(running, clock, db.label()).await
}

async fn begin(app: &TestApp) -> Result<v1::BeginSsoLoginResponse, tonic::Status> {
    app.auth()
        .begin_sso_login(v1::BeginSsoLoginRequest {
            provider: "testidp".into(),
            redirect_uri: CALLBACK.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Logs `account` in at the provider's own pages, from the authorization
/// URL to the redirect back: the callback's `(state, code)`.
async fn at_the_provider(issuer: &str, authorization_url: &str, account: &str) -> (String, String) {
    let mut browser = ProviderBrowser::default();
    let mut next = authorization_url.to_string();
    for _ in 0..12 {
        if next.starts_with(CALLBACK) {
            let url = url::Url::parse(&next).expect("callback URL");
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_else(|| panic!("no {name} in {next}"))
            };
            return (param("state"), param("code"));
        }
        let page = browser.send(issuer, &next, None).await;
        if let Some(location) = page.location {
            next = location;
            continue;
        }
        // A page of the provider's: its login form, or its consent.
        let action = form_action(&page.body)
            .unwrap_or_else(|| panic!("a form at {next}: {} {}", page.status, page.body));
        let form = if page.body.contains("name=\"login\"") {
            format!("prompt=login&login={account}&password=any")
        } else {
            "prompt=consent".to_string()
        };
        let posted = browser.send(issuer, &action, Some(&form)).await;
        next = posted
            .location
            .unwrap_or_else(|| panic!("a redirect after {action}: {}", posted.body));
    }
    panic!("the provider did not send the browser back");
}

fn form_action(html: &str) -> Option<String> {
    let start = html.find("action=\"")? + "action=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&#x2F;", "/"))
}

/// Just enough of a browser for the provider's pages: HTTP/1.1, one
/// connection per request, cookies by name.
#[derive(Default)]
struct ProviderBrowser {
    cookies: std::collections::BTreeMap<String, String>,
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

impl ProviderBrowser {
    /// GET `url` (absolute, or a path at `issuer`), or POST `form` to it.
    async fn send(&mut self, issuer: &str, url: &str, form: Option<&str>) -> Answer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let path = url.strip_prefix(issuer).unwrap_or(url);
        let host = issuer.trim_start_matches("http://");
        let cookies = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request = format!(
            "{} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
            if form.is_some() { "POST" } else { "GET" }
        );
        if !cookies.is_empty() {
            request.push_str(&format!("Cookie: {cookies}\r\n"));
        }
        let body = form.unwrap_or_default();
        if form.is_some() {
            request.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        request.push_str("\r\n");
        request.push_str(body);
        let mut tcp = tokio::net::TcpStream::connect(host).await.expect("connect");
        tcp.write_all(request.as_bytes()).await.expect("request");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw).await.expect("response");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("a status line from {path}: {head}"));
        let mut location = None;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("location") {
                location = Some(value.to_string());
            } else if name.eq_ignore_ascii_case("set-cookie") {
                let pair = value.split(';').next().unwrap_or_default();
                if let Some((k, v)) = pair.split_once('=') {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        Answer {
            status,
            location,
            body: body.to_string(),
        }
    }
}

async fn finish(
    app: &TestApp,
    state: &str,
    code: &str,
) -> Result<v1::FinishSsoLoginResponse, tonic::Status> {
    app.auth()
        .finish_sso_login(v1::FinishSsoLoginRequest {
            state: state.into(),
            code: code.into(),
            redirect_uri: CALLBACK.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

fn reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

/// A first login provisions the student from the ID token's claims; the
/// login is the usual one; its state cannot be used again.
async fn a_provider_login_provisions_and_its_state_is_single_use(db: TestDb) {
    if !available() {
        return;
    }
    let provider = Provider::start();
    let app = spawn_oidc(&db, settings(&provider.issuer)).await;
    let l = app.label;
    let listed = app
        .auth()
        .list_sso_providers(v1::ListSsoProvidersRequest {})
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"))
        .into_inner();
    assert_eq!(
        listed.providers,
        [v1::SsoProvider {
            name: "testidp".into(),
            label: "Test IdP".into()
        }],
        "{l}"
    );
    let begun = begin(&app).await.unwrap_or_else(|e| panic!("{l}: {e:?}"));
    assert!(
        begun
            .authorization_url
            .contains("code_challenge_method=S256"),
        "{l}: PKCE S256 in {}",
        begun.authorization_url
    );
    assert!(begun.authorization_url.contains("nonce="), "{l}");
    let (state, code) = at_the_provider(&provider.issuer, &begun.authorization_url, "ana").await;
    assert_eq!(state, begun.state, "{l}");
    let finished = finish(&app, &state, &code)
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"));
    let login = finished.login.expect("login");
    let ana = login.user.expect("user");
    assert_eq!(ana.username, "ana.sso", "{l}");
    assert_eq!(ana.display_name, "Ana Sso", "{l}");
    assert_eq!(ana.email, "ana.sso@example.edu", "{l}");
    assert_eq!(ana.student_number, "S-1001", "{l}");
    assert_eq!(ana.role, v1::Role::Student as i32, "{l}");
    assert!(
        finished
            .end_session_url
            .starts_with(&format!("{}/session/end", provider.issuer)),
        "{l}: {}",
        finished.end_session_url
    );
    let me = app
        .auth()
        .who_am_i(req(&login.token, v1::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"))
        .into_inner();
    assert_eq!(me.user.map(|u| u.username), Some("ana.sso".into()), "{l}");

    let replayed = finish(&app, &state, &code).await.expect_err("replayed");
    assert_eq!(
        replayed.code(),
        Code::FailedPrecondition,
        "{l}: {replayed:?}"
    );
    assert_eq!(reason(&replayed), "SSO_STATE_UNKNOWN", "{l}");

    // A professor by their group, on a second login of the same provider.
    let begun = begin(&app).await.unwrap_or_else(|e| panic!("{l}: {e:?}"));
    let (state, code) = at_the_provider(&provider.issuer, &begun.authorization_url, "prof").await;
    let prof = finish(&app, &state, &code)
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"))
        .login
        .and_then(|l| l.user)
        .expect("user");
    assert_eq!(prof.role, v1::Role::Professor as i32, "{l}");
}
per_backend!(a_provider_login_provisions_and_its_state_is_single_use);

/// An ID token for another client, signed with the provider's real key, is
/// refused; so is a redirect URI other than this site's callback.
async fn a_token_for_another_client_is_refused(db: TestDb) {
    if !available() {
        return;
    }
    let provider = Provider::start();
    let app = spawn_oidc(&db, settings(&provider.issuer)).await;
    let l = app.label;
    let begun = begin(&app).await.unwrap_or_else(|e| panic!("{l}: {e:?}"));
    let (state, code) =
        at_the_provider(&provider.issuer, &begun.authorization_url, "mallory").await;
    let answer = ProviderBrowser::default()
        .send(&provider.issuer, "/__test/next-token/wrong-aud", Some(""))
        .await;
    assert_eq!(answer.status, 204, "{l}");
    let refused = finish(&app, &state, &code).await.expect_err("wrong aud");
    assert_eq!(refused.code(), Code::Unauthenticated, "{l}: {refused:?}");
    assert_eq!(reason(&refused), "SSO_TOKEN_INVALID", "{l}");

    let elsewhere = app
        .auth()
        .begin_sso_login(v1::BeginSsoLoginRequest {
            provider: "testidp".into(),
            redirect_uri: "https://evil.example/sso/callback".into(),
        })
        .await
        .expect_err("another redirect URI");
    assert_eq!(elsewhere.code(), Code::InvalidArgument, "{l}");
}
per_backend!(a_token_for_another_client_is_refused);

/// A provider that does not answer does not stop the server; its logins are
/// UNAVAILABLE with a RetryInfo, and the local administrator still logs in.
async fn a_provider_away_is_unavailable(db: TestDb) {
    let away = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_oidc(&db, settings(&away)).await;
    let l = app.label;
    let status = begin(&app).await.expect_err("provider away");
    assert_eq!(status.code(), Code::Unavailable, "{l}: {status:?}");
    assert!(status.get_details_retry_info().is_some(), "{l}");
    app.auth()
        .login(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{l}: the break-glass login: {e:?}"));
}
per_backend!(a_provider_away_is_unavailable);
