//! The web tier over HTTP: `Tier::Both` on an ephemeral port, pages fetched
//! like a browser without JavaScript would (cookies kept, redirects not
//! followed, CSRF tokens taken from the forms), data set up through gRPC.
//!
//! The pages take "today" from the real clock, so these servers run on a
//! manual clock set to the real time.

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use classtrack::server::Tier;
use classtrack_core::ManualClock;
use classtrack_proto::v1;
use classtrack_store::testing::TestDb;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{header, Method, Request, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

use crate::helpers::*;

/// The server with its pages, on a clock at the real time.
async fn spawn_web(db: &TestDb) -> TestApp {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    spawn_tier(&db.url, db.label(), clock, Tier::Both).await
}

/// One browser: its cookies and the CSRF token of the last form it was shown.
pub(crate) struct Browser {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
    cookies: HashMap<String, String>,
    csrf: Option<String>,
    /// The `Accept-Language` it sends, if any.
    accept_language: Option<String>,
}

/// An answer: status, `Location`, `Content-Disposition` and the body as text.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    disposition: Option<String>,
    pub(crate) body: String,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self::at(app.url.clone())
    }

    /// A browser of the site at `base`, e.g. `http://127.0.0.1:8081`.
    pub(crate) fn at(base: String) -> Self {
        Self {
            base,
            client: Client::builder(TokioExecutor::new()).build_http(),
            cookies: HashMap::new(),
            csrf: None,
            accept_language: None,
        }
    }

    /// Logged in with an API token, as the login page would leave it.
    pub(crate) fn with_token(app: &TestApp, token: &str) -> Self {
        let mut b = Self::new(app);
        b.cookies.insert(
            "ct_session".into(),
            URL_SAFE_NO_PAD.encode(token.as_bytes()),
        );
        b
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    /// Posts `fields` and the CSRF token of the last page shown.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form = fields.to_vec();
        let csrf = self.csrf.clone().unwrap_or_default();
        form.push(("csrf", &csrf));
        let body = serde_urlencoded_pairs(&form);
        self.send(
            Method::POST,
            path,
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
        )
        .await
    }

    /// Posts a `multipart/form-data` form, as a file upload: `fields`, the
    /// CSRF token and the part `file` with `file_name` and `bytes`.
    async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> Page {
        const BOUNDARY: &str = "----classtrack-test-boundary-7d41";
        let csrf = self.csrf.clone().unwrap_or_default();
        let mut body = Vec::new();
        for (name, value) in fields.iter().chain([&("csrf", csrf.as_str())]) {
            body.extend(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if !file_name.is_empty() {
            body.extend(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                     filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        self.send(Method::POST, path, Some((&content_type, body)))
            .await
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<(&str, Vec<u8>)>) -> Page {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(languages) = &self.accept_language {
            request = request.header(header::ACCEPT_LANGUAGE, languages);
        }
        let body = match form {
            Some((content_type, body)) => {
                request = request.header(header::CONTENT_TYPE, content_type);
                body
            }
            None => Vec::new(),
        };
        let request = request.body(Full::new(Bytes::from(body))).expect("request");
        let response = self
            .client
            .request(request)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        for value in response.headers().get_all(header::SET_COOKIE) {
            let value = value.to_str().expect("ascii cookie");
            let pair = value.split(';').next().unwrap_or("");
            if let Some((name, v)) = pair.split_once('=') {
                if value.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), v.to_string());
                }
            }
        }
        let text = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let status = response.status();
        let location = text(header::LOCATION);
        let disposition = text(header::CONTENT_DISPOSITION);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = String::from_utf8_lossy(&body).into_owned();
        if let Some(csrf) = csrf_of(&body) {
            self.csrf = Some(csrf);
        }
        Page {
            status,
            location,
            disposition,
            body,
        }
    }
}

fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn csrf_of(body: &str) -> Option<String> {
    let at = body.find(r#"name="csrf" value=""#)? + r#"name="csrf" value=""#.len();
    let rest = &body[at..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The `<option>` of `session` in the code form, as written.
fn option_of<'a>(body: &'a str, session: &v1::Session) -> &'a str {
    let id = session.name.trim_start_matches("sessions/");
    let at = body
        .find(&format!(r#"<option value="{id}""#))
        .unwrap_or_else(|| panic!("no option for {id} in {body}"));
    let rest = &body[at..];
    &rest[..rest.find('>').unwrap_or(rest.len())]
}

/// Two courses of one student, each with a session open now; B started later.
struct TwoOpen {
    student: String,
    a: v1::Session,
    b: v1::Session,
}

async fn two_open_sessions(app: &TestApp) -> TwoOpen {
    let (_, student) = app.user_with_token(v1::Role::Student, "ana").await;
    let me = app
        .auth()
        .who_am_i(req(&student, v1::WhoAmIRequest {}))
        .await
        .expect("who am i")
        .into_inner()
        .user
        .expect("user");
    let first = app.create_course("CS101", &[], None).await;
    let second = app.create_course("MATH201", &[], None).await;
    app.enroll(&first, &me).await;
    app.enroll(&second, &me).await;
    let a = app.create_session(&first, -20, 90, None).await;
    let b = app.create_session(&second, -5, 90, None).await;
    TwoOpen { student, a, b }
}

async fn the_code_form_preselects_the_latest_session_and_the_result_names_its_session(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let s = two_open_sessions(&app).await;
    let mut browser = Browser::with_token(&app, &s.student);
    let home = browser.get("/student").await;
    assert_eq!(home.status, StatusCode::OK, "{l}: {home:?}");
    assert!(
        option_of(&home.body, &s.b).contains("selected"),
        "{l}: the session that started last is chosen: {}",
        home.body
    );
    assert!(!option_of(&home.body, &s.a).contains("selected"), "{l}");
    assert!(
        home.body.contains("2 sessions are open"),
        "{l}: the form says there is a choice"
    );
    // A wrong code says which session it was judged against.
    let a_id = s.a.name.trim_start_matches("sessions/").to_string();
    let wrong = browser
        .post("/checkin/code", &[("session", &a_id), ("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::OK, "{l}: {wrong:?}");
    assert!(wrong.body.contains("Wrong code"), "{l}: {}", wrong.body);
    assert!(
        wrong.body.contains("Checked against CS101"),
        "{l}: the page names the session: {}",
        wrong.body
    );
    app.stop().await;
}
per_backend!(the_code_form_preselects_the_latest_session_and_the_result_names_its_session);

async fn the_projector_of_a_session_not_open_yet_says_when_it_opens(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let course = app.create_course("CS101", &[], None).await;
    // Opens 10 minutes before its start, so in 50 minutes.
    let later = app.create_session(&course, 60, 60, None).await;
    let mut browser = Browser::with_token(&app, &app.admin);
    let id = later.name.trim_start_matches("sessions/");
    let page = browser.get(&format!("/sessions/{id}/projector")).await;
    assert_eq!(page.status, StatusCode::OK, "{l}: {page:?}");
    // In the course's zone, here the site's (UTC): never the process's `TZ`, which another test
    // of this binary sets (under `cargo test` they share one process).
    // From the session's own start, not from "now": a minute may turn between the two.
    let start = later.start_time.as_ref().expect("a start");
    let opens = chrono::DateTime::from_timestamp(start.seconds, 0).expect("a time")
        - chrono::Duration::minutes(10);
    let zone = chrono_tz::UTC;
    let opens = opens.with_timezone(&zone).format("%H:%M").to_string();
    assert!(
        page.body.contains(&format!(
            "Check-in opens at <strong dir=\"ltr\">{opens}</strong>"
        )),
        "{l}: {}",
        page.body
    );
    assert!(
        !page.body.contains("<svg"),
        "{l}: no QR code before it opens"
    );
    assert!(
        page.body.contains("data-opens-in="),
        "{l}: the page knows when to switch"
    );
    assert!(
        !page.body.contains("events?qr=1"),
        "{l}: no codes are streamed before it opens"
    );
    // Once open, the code is there.
    app.advance(55 * 60);
    let page = browser.get(&format!("/sessions/{id}/projector")).await;
    assert!(page.body.contains("<svg"), "{l}: {}", page.body);
    assert!(!page.body.contains("Check-in opens at"), "{l}");
    app.stop().await;
}
per_backend!(the_projector_of_a_session_not_open_yet_says_when_it_opens);

async fn after_login_only_local_paths_are_followed(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/courses\r\nSet-Cookie: x=1",
        "/courses\n",
        "/courses\0",
        "/%2F/evil.example",
        "/%5Cevil.example",
        " //evil.example",
    ] {
        let mut browser = Browser::new(&app);
        browser.get("/login").await;
        let page = browser
            .post(
                "/login",
                &[
                    ("login", "admin"),
                    ("password", ADMIN_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{l}: {next:?}: {page:?}"
        );
        assert_eq!(page.location.as_deref(), Some("/admin"), "{l}: {next:?}");
    }
    let mut browser = Browser::new(&app);
    browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[
                ("login", "admin"),
                ("password", ADMIN_PASSWORD),
                ("next", "/admin/users?q=a%20b"),
            ],
        )
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/admin/users?q=a%20b"),
        "{l}"
    );
    app.stop().await;
}
per_backend!(after_login_only_local_paths_are_followed);

async fn a_missing_or_malformed_course_or_session_is_not_found(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let (student, student_token) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("CS101", &[&prof], None).await;
    app.enroll(&course, &student).await;
    for token in [&prof_token, &student_token, &app.admin] {
        let mut browser = Browser::with_token(&app, token);
        for path in [
            "/courses/999999",
            "/courses/999999/report",
            "/courses/999999/edit",
            "/sessions/999999",
            "/sessions/999999/projector",
            "/courses/abc/report",
            "/courses/abc",
            "/sessions/0",
            "/sessions/1x",
        ] {
            let page = browser.get(path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{l}: {path}: {page:?}");
            assert!(
                page.body.contains("Not found"),
                "{l}: {path}: {}",
                page.body
            );
            assert!(
                page.body.contains("Log out"),
                "{l}: {path}: in the viewer's frame"
            );
        }
    }
    app.stop().await;
}
per_backend!(a_missing_or_malformed_course_or_session_is_not_found);

async fn a_student_is_refused_staff_pages_in_their_own_frame(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let (prof, _) = app.user_with_token(v1::Role::Professor, "prof").await;
    let (student, token) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("CS101", &[&prof], None).await;
    app.enroll(&course, &student).await;
    let id = course.name.trim_start_matches("courses/");
    let mut browser = Browser::with_token(&app, &token);
    for path in [
        format!("/courses/{id}/report"),
        format!("/courses/{id}/report.csv"),
        format!("/courses/{id}/report-excel.csv"),
        format!("/courses/{id}/students"),
        format!("/courses/{id}/edit"),
        "/admin".to_string(),
        "/admin/users".to_string(),
        "/admin/users/new".to_string(),
        "/admin/audit".to_string(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{l}: {path}: {page:?}");
        for staff_only in ["New user", "Download CSV", "Add student", "/admin/users\""] {
            assert!(
                !page.body.contains(staff_only),
                "{l}: {path} shows {staff_only:?}: {}",
                page.body
            );
        }
        assert!(
            page.body.contains("My attendance"),
            "{l}: {path}: the student's own frame: {}",
            page.body
        );
    }
    app.stop().await;
}
per_backend!(a_student_is_refused_staff_pages_in_their_own_frame);

async fn a_student_never_sees_the_geofence_or_the_networks(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let (student, token) = app.user_with_token(v1::Role::Student, "ana").await;
    let settings = v1::CheckInSettings {
        geofence: Some(v1::Geofence {
            latitude: 38.736_946,
            longitude: -9.142_685,
            radius_meters: 120.0,
        }),
        network_allowlist: vec!["192.0.2.0/24".into()],
        ..Default::default()
    };
    let course = app.create_course("CS101", &[], Some(settings)).await;
    app.enroll(&course, &student).await;
    app.create_session(&course, -5, 60, None).await;
    let id = course.name.trim_start_matches("courses/");
    let mut browser = Browser::with_token(&app, &token);
    for path in [
        format!("/courses/{id}/edit"),
        format!("/courses/{id}"),
        "/student".into(),
    ] {
        let page = browser.get(&path).await;
        for secret in ["38.73", "9.14", "120", "192.0.2"] {
            assert!(
                !page.body.contains(secret),
                "{l}: {path} shows {secret}: {}",
                page.body
            );
        }
    }
    // The check-in page still knows that the class needs the position.
    let home = browser.get("/student").await;
    assert!(
        home.body.contains("data-needs-location"),
        "{l}: {}",
        home.body
    );
    app.stop().await;
}
per_backend!(a_student_never_sees_the_geofence_or_the_networks);

async fn a_session_that_ends_before_it_starts_is_named_so(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let course = app.create_course("CS101", &[], None).await;
    let id = course.name.trim_start_matches("courses/");
    let mut browser = Browser::with_token(&app, &app.admin);
    browser.get(&format!("/courses/{id}")).await;
    let page = browser
        .post(
            &format!("/courses/{id}/sessions"),
            &[
                ("date", "2026-12-10"),
                ("start_time", "10:00"),
                ("end_time", "09:00"),
                ("title", "Lecture"),
                ("room", ""),
            ],
        )
        .await;
    assert!(
        page.body.contains("ends before it starts"),
        "{l}: {}",
        page.body
    );
    assert!(!page.body.contains("12 hours"), "{l}");
    // A class past midnight is still one.
    let page = browser
        .post(
            &format!("/courses/{id}/sessions"),
            &[
                ("date", "2026-12-10"),
                ("start_time", "22:00"),
                ("end_time", "01:00"),
                ("title", "Night lab"),
                ("room", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{l}: {}", page.body);
    app.stop().await;
}
per_backend!(a_session_that_ends_before_it_starts_is_named_so);

/// The account page's two buttons: deactivate, then reactivate, each back
/// on the account's page saying what happened, and the account as it says.
async fn an_admin_deactivates_and_reactivates_an_account_from_its_page(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let ana = app.create_user(v1::Role::Student, "ana").await;
    let id = ana.name.trim_start_matches("users/");
    let page_of_ana = format!("/admin/users/{id}");
    let mut browser = Browser::with_token(&app, &app.admin);
    let active = |app: &TestApp| {
        let name = ana.name.clone();
        let mut users = app.users();
        let admin = app.admin.clone();
        async move {
            users
                .get_user(req(&admin, v1::GetUserRequest { name }))
                .await
                .expect("get ana")
                .into_inner()
                .user
                .expect("ana")
                .active
        }
    };
    for (action, flash, now_active) in [
        ("deactivate", "Deactivated", false),
        ("reactivate", "Reactivated", true),
    ] {
        browser.get(&page_of_ana).await;
        let page = browser.post(&format!("{page_of_ana}/{action}"), &[]).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{l}: {action}: {}",
            page.body
        );
        assert_eq!(
            page.location.as_deref(),
            Some(page_of_ana.as_str()),
            "{l}: {action}"
        );
        assert_eq!(active(&app).await, now_active, "{l}: after {action}");
        let shown = browser.get(&page_of_ana).await;
        assert!(shown.body.contains(flash), "{l}: {action}: {}", shown.body);
    }
    app.stop().await;
}
per_backend!(an_admin_deactivates_and_reactivates_an_account_from_its_page);

/// A refusal shows its own sentence in the page's language, not its status's generic one:
/// an administrator may not deactivate their own account.
async fn a_refusal_is_shown_in_its_own_words_in_every_language(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let me = app
        .auth()
        .who_am_i(req(&app.admin, v1::WhoAmIRequest {}))
        .await
        .expect("who am I")
        .into_inner()
        .user
        .expect("the administrator");
    let my_page = format!("/admin/users/{}", me.name.trim_start_matches("users/"));
    for (language, said, generic) in [
        (
            "fr",
            "Vous ne pouvez pas désactiver votre propre compte.",
            "Ce n’est pas possible dans l’état actuel.",
        ),
        (
            "ar",
            "لا يمكنك تعطيل حسابك بنفسك.",
            "لا يمكن القيام بهذا في الحالة الحالية.",
        ),
        (
            "en",
            "You cannot deactivate your own account.",
            "present state",
        ),
    ] {
        let mut browser = Browser::with_token(&app, &app.admin);
        browser.accept_language = Some(language.into());
        browser.get(&my_page).await;
        let page = browser.post(&format!("{my_page}/deactivate"), &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{l}: {}", page.body);
        let shown = browser.get(&my_page).await;
        assert!(
            shown.body.contains(said) && !shown.body.contains(generic),
            "{l}: {language}: {}",
            shown.body
        );
    }
    app.stop().await;
}
per_backend!(a_refusal_is_shown_in_its_own_words_in_every_language);

async fn an_attachment_keeps_its_accents_in_the_download_name(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let (student, token) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("CS101", &[&prof], None).await;
    app.enroll(&course, &student).await;
    let session = app.create_session(&course, -120, 60, None).await;
    let justification = app
        .reports()
        .submit_justification(req(
            &token,
            v1::SubmitJustificationRequest {
                session: session.name.clone(),
                reason: "ill".into(),
                attachment: b"\x89PNG\r\n\x1a\n".to_vec(),
                attachment_filename: "certificat-médical.png".into(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: submit: {e:?}"))
        .into_inner()
        .justification
        .expect("justification");
    let id = justification.name.trim_start_matches("justifications/");
    let mut browser = Browser::with_token(&app, &prof_token);
    let page = browser
        .get(&format!("/justifications/{id}/attachment"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{l}: {page:?}");
    let disposition = page.disposition.unwrap_or_default();
    assert!(
        disposition.contains("filename*=UTF-8''certificat-m%C3%A9dical.png"),
        "{l}: {disposition}"
    );
    app.stop().await;
}
per_backend!(an_attachment_keeps_its_accents_in_the_download_name);

async fn the_report_counts_only_sessions_that_have_happened(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let (student, _) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("CS101", &[], None).await;
    app.enroll(&course, &student).await;
    for days_ago in [3, 2] {
        app.create_session(&course, -days_ago * 24 * 60, 60, None)
            .await;
    }
    for days_ahead in [1, 2, 3] {
        app.create_session(&course, days_ahead * 24 * 60, 60, None)
            .await;
    }
    let id = course.name.trim_start_matches("courses/");
    let mut browser = Browser::with_token(&app, &app.admin);
    let page = browser.get(&format!("/courses/{id}/report")).await;
    assert_eq!(page.status, StatusCode::OK, "{l}: {page:?}");
    assert!(
        page.body.contains("2 sessions held so far"),
        "{l}: {}",
        page.body
    );
    app.stop().await;
}
per_backend!(the_report_counts_only_sessions_that_have_happened);

/// `classtrack web` run apart: the pages on their own port, reaching the
/// API over TLS at `api_url` with `ca_cert` trusted.
async fn web_apart(api_url: String, ca_cert: std::path::PathBuf) -> String {
    let mut config = classtrack_web::WebConfig::new(api_url, "http://127.0.0.1");
    config.ca_cert = Some(ca_cert);
    let app = classtrack_web::router(config).expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_web_tier_run_apart_logs_in_over_tls_and_only_with_a_trusted_ca() {
    let db = backends().await.remove(0);
    let pki = crate::tls::TestPki::new("web-apart");
    let other = crate::tls::TestPki::new("web-apart-other");
    let running = crate::tls::start_tls(&db, &pki.files).await;
    let api = format!("https://localhost:{}", running.addr.port());

    // Trusting another CA: the login form's password never reaches the API.
    let mut browser = Browser::at(web_apart(api.clone(), other.ca_file()).await);
    browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[("login", "admin"), ("password", "wrong-password")],
        )
        .await;
    assert_ne!(page.status, StatusCode::SEE_OTHER, "{page:?}");
    assert!(page.body.contains("could not be reached"), "{}", page.body);
    assert_eq!(
        crate::tls::login_failures(&db, "admin").await,
        0,
        "no Login reached the API"
    );

    // Trusting the server's CA: logged in, the admin's page shown.
    let mut browser = Browser::at(web_apart(api, pki.ca_file()).await);
    browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[("login", "admin"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{page:?}");
    assert_eq!(page.location.as_deref(), Some("/admin"));
    running.stop().await.expect("stops");
}

#[tokio::test]
async fn the_web_tier_refuses_plain_http_to_another_machine_without_insecure() {
    let e = classtrack_web::router(classtrack_web::WebConfig::new(
        "http://10.0.0.5:8080",
        "http://127.0.0.1",
    ))
    .expect_err("refused");
    assert!(format!("{e:#}").contains("--insecure"), "{e:#}");
    let mut config = classtrack_web::WebConfig::new("http://10.0.0.5:8080", "http://127.0.0.1");
    config.insecure = true;
    assert!(classtrack_web::router(config).is_ok());
}

/// An Excel workbook uploaded on the import page: the preview says how it
/// was read and what would be created; confirming imports exactly the file
/// uploaded (carried over as it was, not as text), with its accents.
async fn a_workbook_uploaded_in_the_browser_is_previewed_then_imported(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let workbook = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/imports/students.xlsx"),
    )
    .expect("the workbook");
    let mut browser = Browser::with_token(&app, &app.admin);
    browser.get("/admin/users/import").await;
    let preview = browser
        .upload("/admin/users/import", &[], "students.xlsx", &workbook)
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{l}: {preview:?}");
    assert!(
        preview
            .body
            .contains("Read as: Excel workbook, sheet &#34;Étudiants&#34;.")
            || preview
                .body
                .contains("Read as: Excel workbook, sheet &quot;Étudiants&quot;."),
        "{l}: the preview says how the file was read: {}",
        preview.body
    );
    assert!(preview.body.contains("3 users would be created"), "{l}");
    let at = preview
        .body
        .find(r#"name="kept" value=""#)
        .expect("the kept file")
        + r#"name="kept" value=""#.len();
    let kept = &preview.body[at..];
    let kept = kept[..kept.find('"').expect("end")].to_string();
    let done = browser
        .upload(
            "/admin/users/import",
            &[("write", "1"), ("kept", &kept)],
            "",
            &[],
        )
        .await;
    assert!(done.body.contains("3 users created"), "{l}: {}", done.body);
    let users = app
        .users()
        .list_users(req(
            &app.admin,
            v1::ListUsersRequest {
                query: "elodie".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("users")
        .into_inner()
        .users;
    assert_eq!(users.len(), 1, "{l}");
    assert_eq!(users[0].display_name, "Élodie Martin", "{l}");
    app.stop().await;
}
per_backend!(a_workbook_uploaded_in_the_browser_is_previewed_then_imported);

/// The report page offers the CSV French Excel opens (`;`, a BOM), and the
/// download is that file.
async fn the_report_offers_a_csv_for_excel_in_french(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let (prof, token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let course = app.create_course("FR101", &[&prof], None).await;
    let id = course.name.trim_start_matches("courses/");
    let mut browser = Browser::with_token(&app, &token);
    let page = browser.get(&format!("/courses/{id}/report")).await;
    assert!(
        page.body
            .contains(&format!("/courses/{id}/report-excel.csv")),
        "{l}: the link: {}",
        page.body
    );
    let file = browser
        .get(&format!("/courses/{id}/report-excel.csv"))
        .await;
    assert_eq!(file.status, StatusCode::OK, "{l}: {file:?}");
    assert!(file.body.starts_with('\u{feff}'), "{l}: a BOM first");
    assert!(
        file.body.contains("student_number;username;display_name"),
        "{l}: separated by semicolons: {}",
        file.body
    );
    assert!(
        file.disposition
            .as_deref()
            .is_some_and(|d| d.contains("FR101-attendance-excel.csv")),
        "{l}: {:?}",
        file.disposition
    );
    app.stop().await;
}
per_backend!(the_report_offers_a_csv_for_excel_in_french);

/// The site's zone is the `time_zone` setting, whatever the process's `TZ`
/// says: the real binary run with `TZ=Asia/Tokyo --time-zone
/// America/Montreal` pre-fills America/Montreal in the new-course form.
#[tokio::test]
async fn the_site_zone_is_the_setting_never_the_process_tz() {
    let n: u64 = rand::random();
    let dir = std::env::temp_dir().join(format!("classtrack-tz-test-{n:016x}"));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_classtrack"))
        .current_dir(&dir)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "sqlite://tz.db",
        ])
        .args([
            "--time-zone",
            "America/Montreal",
            "--public-url",
            "http://127.0.0.1:9",
        ])
        .env("TZ", "Asia/Tokyo")
        .env("CLASSTRACK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env_remove("CLASSTRACK_TIME_ZONE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = std::io::BufRead::lines(std::io::BufReader::new(stdout))
        .map_while(Result::ok)
        .find(|l| l.starts_with("ClassTrack listening on"))
        .expect("the listening line");
    let base = line
        .trim_start_matches("ClassTrack listening on ")
        .split_whitespace()
        .next()
        .expect("url")
        .to_string();
    let mut browser = Browser::at(base);
    browser.get("/login").await;
    let login = browser
        .post(
            "/login",
            &[("login", "admin"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{login:?}");
    let page = browser.get("/courses").await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        page.body.contains(r#"value="America/Montreal""#),
        "the form pre-fills the site's zone: {}",
        page.body
    );
    assert!(
        !page.body.contains("Asia/Tokyo"),
        "the process's TZ is not used"
    );
}

/// Words of a page that are message keys (`nav-courses`): a message left untranslated.
fn untranslated_keys(body: &str) -> Vec<String> {
    body.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .filter(|w| w.contains('-') && classtrack_i18n::has(w))
        .map(str::to_string)
        .collect()
}

async fn the_pages_speak_the_browsers_language(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    for (languages, html, heading) in [
        (
            "fr-FR,fr;q=0.9,en;q=0.5",
            r#"<html lang="fr" dir="ltr">"#,
            "<h1>Connexion</h1>",
        ),
        (
            "ar-MA, en;q=0.2",
            r#"<html lang="ar" dir="rtl">"#,
            "<h1>تسجيل الدخول</h1>",
        ),
        (
            "de-DE, en;q=0.9",
            r#"<html lang="en" dir="ltr">"#,
            "<h1>Log in</h1>",
        ),
        ("de-DE", r#"<html lang="en" dir="ltr">"#, "<h1>Log in</h1>"),
    ] {
        let mut browser = Browser::new(&app);
        browser.accept_language = Some(languages.into());
        let page = browser.get("/login").await;
        assert_eq!(page.status, StatusCode::OK, "{l}: {languages}");
        assert!(page.body.contains(html), "{l}: {languages}: {}", page.body);
        assert!(
            page.body.contains(heading),
            "{l}: {languages}: {}",
            page.body
        );
        assert_eq!(
            untranslated_keys(&page.body),
            Vec::<String>::new(),
            "{l}: {languages}"
        );
    }
    app.stop().await;
}
per_backend!(the_pages_speak_the_browsers_language);

async fn the_switcher_keeps_the_choice_over_the_browsers_language(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let mut browser = Browser::with_token(&app, &app.admin);
    browser.accept_language = Some("fr".into());
    let page = browser.get("/admin/users").await;
    assert!(page.body.contains(r#"lang="fr""#), "{l}: {}", page.body);
    assert!(
        page.body.contains(">Utilisateurs</a>"),
        "{l}: the menu in French"
    );
    assert!(
        page.body
            .contains(r#"href="/language?lang=ar&#38;next=%2Fadmin%2Fusers""#),
        "{l}: the switcher comes back here: {}",
        page.body
    );

    let switched = browser.get("/language?lang=ar&next=%2Fadmin%2Fusers").await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER, "{l}");
    assert_eq!(switched.location.as_deref(), Some("/admin/users"), "{l}");
    assert_eq!(
        browser.cookies.get("ct_lang").map(String::as_str),
        Some("ar"),
        "{l}"
    );
    let page = browser.get("/admin/users").await;
    assert!(
        page.body.contains(r#"<html lang="ar" dir="rtl">"#),
        "{l}: {}",
        page.body
    );
    assert!(
        page.body.contains(">المستخدمون</a>"),
        "{l}: the menu in Arabic"
    );
    assert!(page.body.contains(">تسجيل الخروج</button>"), "{l}");
    assert_eq!(untranslated_keys(&page.body), Vec::<String>::new(), "{l}");

    let elsewhere = browser
        .get("/language?lang=en&next=%2F%2Fevil.example")
        .await;
    assert_eq!(
        elsewhere.location.as_deref(),
        Some("/"),
        "{l}: only local paths"
    );
    let unknown = browser.get("/language?lang=xx&next=%2Flogin").await;
    assert_eq!(unknown.location.as_deref(), Some("/login"), "{l}");
    assert_eq!(
        browser.cookies.get("ct_lang").map(String::as_str),
        Some("en"),
        "{l}: a language we don't speak changes nothing"
    );
    app.stop().await;
}
per_backend!(the_switcher_keeps_the_choice_over_the_browsers_language);

/// English sentences of the web's messages (no placeholders, long enough to be unmistakable)
/// that `locale` translates differently: none of them may show on a page in `locale`.
fn english_left(body: &str, locale: classtrack_i18n::Locale) -> Vec<String> {
    classtrack_i18n::SOURCES
        .iter()
        .filter(|(tag, file, _)| *tag == "en" && *file != "api.ftl")
        .flat_map(|(_, _, source)| source.lines())
        .filter_map(|line| line.split_once(" = "))
        .filter(|(key, value)| {
            !key.starts_with(' ') && !value.contains('{') && value.chars().count() >= 12
        })
        .filter(|(key, value)| classtrack_i18n::text(locale, key, &[]) != *value)
        .filter(|(_, value)| body.contains(*value))
        .map(|(key, value)| format!("{key}: {value}"))
        .collect()
}

async fn the_students_and_professors_pages_speak_french_and_arabic(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let s = two_open_sessions(&app).await;
    let course = s.a.course.trim_start_matches("courses/").to_string();
    let session = s.a.name.trim_start_matches("sessions/").to_string();
    let staff_pages = [
        "/courses".to_string(),
        format!("/courses/{course}"),
        format!("/courses/{course}/report"),
        "/sessions".to_string(),
        format!("/sessions/{session}"),
        format!("/sessions/{session}/projector"),
        format!("/sessions/{session}/edit"),
        "/justifications".to_string(),
    ];
    let student_pages = ["/student", "/history", "/justifications"];
    for (locale, tag, dir, words) in [
        (
            classtrack_i18n::Locale::Fr,
            "fr",
            "ltr",
            ["Taper le code", "Bilan de présence", "Série hebdomadaire"],
        ),
        (
            classtrack_i18n::Locale::Ar,
            "ar",
            "rtl",
            ["اكتب الرمز", "تقرير الحضور", "سلسلة أسبوعية"],
        ),
    ] {
        let mut staff = Browser::with_token(&app, &app.admin);
        staff.accept_language = Some(tag.into());
        let mut student = Browser::with_token(&app, &s.student);
        student.accept_language = Some(tag.into());
        let mut seen = String::new();
        for path in &staff_pages {
            let page = staff.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{l} {tag} {path}: {page:?}");
            check_page(l, tag, dir, locale, path, &page.body);
            seen.push_str(&page.body);
        }
        for path in student_pages {
            let page = student.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{l} {tag} {path}: {page:?}");
            check_page(l, tag, dir, locale, path, &page.body);
            seen.push_str(&page.body);
        }
        // A refused typed code: the headline and the API's sentence in the page's language.
        let wrong = student
            .post(
                "/checkin/code",
                &[("session", &session), ("code", "000000")],
            )
            .await;
        check_page(l, tag, dir, locale, "/checkin/code", &wrong.body);
        assert!(
            wrong
                .body
                .contains(&classtrack_i18n::text(locale, "reason-code-invalid", &[])),
            "{l} {tag}: {}",
            wrong.body
        );
        for word in words {
            assert!(seen.contains(word), "{l} {tag}: {word} is on the pages");
        }
        // A form the API refuses: each field's sentence in the page's language.
        let refused = staff
            .post(
                &format!("/courses/{course}/series"),
                &[("duration_minutes", "60")],
            )
            .await;
        check_page(l, tag, dir, locale, "/series", &refused.body);
        let no_weekday = classtrack_i18n::text(locale, "api-field-no-weekday", &[]);
        // The page makes it a sentence (capital first letter): compare the rest.
        let rest: String = no_weekday.chars().skip(1).collect();
        assert!(
            refused.body.contains(&rest),
            "{l} {tag}: {no_weekday}: {}",
            refused.body
        );
    }
    app.stop().await;
}
per_backend!(the_students_and_professors_pages_speak_french_and_arabic);

fn check_page(
    l: &str,
    tag: &str,
    dir: &str,
    locale: classtrack_i18n::Locale,
    path: &str,
    body: &str,
) {
    assert!(
        body.contains(&format!(r#"<html lang="{tag}" dir="{dir}">"#)),
        "{l} {tag} {path}"
    );
    assert_eq!(
        untranslated_keys(body),
        Vec::<String>::new(),
        "{l} {tag} {path}"
    );
    // What people typed (names, in <bdi>) is theirs, not a message: the bootstrap account's
    // display name is "Administrator".
    let mut ours = String::new();
    let mut rest = body;
    while let Some(at) = rest.find("<bdi>") {
        ours.push_str(&rest[..at]);
        rest = rest[at..]
            .split_once("</bdi>")
            .map_or("", |(_, after)| after);
    }
    ours.push_str(rest);
    assert_eq!(
        english_left(&ours, locale),
        Vec::<String>::new(),
        "{l} {tag} {path}: English left on the page"
    );
}

/// A sentence of the administrator's pages as it was in English and as it is now in French and
/// Arabic.
struct Words {
    english: &'static str,
    french: &'static str,
    arabic: &'static str,
}

const fn words(english: &'static str, french: &'static str, arabic: &'static str) -> Words {
    Words {
        english,
        french,
        arabic,
    }
}

impl Words {
    fn in_language(&self, tag: &str) -> &'static str {
        if tag == "ar" {
            self.arabic
        } else {
            self.french
        }
    }
}

/// `page` (what: a path, or a form sent) in `tag`: no message key left (an `admin-` key missing
/// from every language shows as itself), the English sentence gone, its translation there.
fn assert_translated(l: &str, tag: &str, what: &str, page: &Page, words: &Words) {
    let dir = if tag == "ar" { "rtl" } else { "ltr" };
    assert!(
        page.body
            .contains(&format!(r#"<html lang="{tag}" dir="{dir}">"#)),
        "{l}: {tag}: {what}: {}",
        page.body
    );
    assert!(
        !page.body.contains("admin-"),
        "{l}: {tag}: {what} shows a message key: {}",
        page.body
    );
    assert_eq!(
        untranslated_keys(&page.body),
        Vec::<String>::new(),
        "{l}: {tag}: {what}"
    );
    assert!(
        !page.body.contains(words.english),
        "{l}: {tag}: {what} still says {:?}: {}",
        words.english,
        page.body
    );
    let wanted = words.in_language(tag);
    assert!(
        page.body.contains(wanted),
        "{l}: {tag}: {what} lacks {wanted:?}: {}",
        page.body
    );
}

async fn the_administrators_pages_speak_french_and_arabic(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let course = app.create_course("CS101", &[], None).await;
    let course_id = course.name.trim_start_matches("courses/").to_string();
    for tag in ["fr", "ar"] {
        let ana = app
            .create_user(v1::Role::Student, &format!("ana{tag}"))
            .await;
        app.enroll(&course, &ana).await;
        let ana_page = format!("/admin/users/{}", ana.name.trim_start_matches("users/"));
        let mut browser = Browser::with_token(&app, &app.admin);
        browser.accept_language = Some(tag.into());

        let pages = [
            (
                "/admin".to_string(),
                words(
                    "Refused check-ins today",
                    "Pointages refusés aujourd’hui",
                    "تسجيلات الحضور المرفوضة اليوم",
                ),
            ),
            (
                "/admin".to_string(),
                words(
                    "No sessions today.",
                    "Aucune séance aujourd’hui.",
                    "لا توجد حصص اليوم.",
                ),
            ),
            (
                "/admin/users".to_string(),
                words(
                    "Include deactivated",
                    "Inclure les comptes désactivés",
                    "تضمين الحسابات المعطّلة",
                ),
            ),
            (
                "/admin/users/new".to_string(),
                words(
                    "Password (leave empty to generate one)",
                    "Mot de passe (laissez vide pour en générer un)",
                    "كلمة المرور (اتركها فارغة لتوليد واحدة)",
                ),
            ),
            (
                ana_page.clone(),
                words(
                    "Reset password",
                    "Réinitialiser le mot de passe",
                    "إعادة تعيين كلمة المرور",
                ),
            ),
            (
                "/admin/users/import".to_string(),
                words("Check the file", "Vérifier le fichier", "تحقّق من الملف"),
            ),
            (
                "/admin/audit".to_string(),
                words(
                    "Action starts with",
                    "Action commençant par",
                    "الإجراء يبدأ بـ",
                ),
            ),
            (
                "/admin/rejections".to_string(),
                words(
                    "No refused check-ins.",
                    "Aucun pointage refusé.",
                    "لا توجد تسجيلات حضور مرفوضة.",
                ),
            ),
            (
                "/admin/api-tokens".to_string(),
                words("Make token", "Créer le jeton", "إنشاء الرمز"),
            ),
            (
                format!("/courses/{course_id}/edit"),
                words(
                    "Absences in a row",
                    "Absences consécutives",
                    "الغيابات المتتالية",
                ),
            ),
            (
                format!("/courses/{course_id}/students"),
                words("Create and enroll", "Créer et inscrire", "إنشاء وتسجيل"),
            ),
            (
                "/account/password".to_string(),
                words(
                    "New password again",
                    "Nouveau mot de passe (confirmation)",
                    "تأكيد كلمة المرور الجديدة",
                ),
            ),
            (
                "/device".to_string(),
                words(
                    "Enter the code your device",
                    "Saisissez le code qu’affiche votre appareil",
                    "أدخل الرمز الذي يعرضه جهازك",
                ),
            ),
        ];
        for (path, expected) in &pages {
            let shown = browser.get(path).await;
            assert_eq!(shown.status, StatusCode::OK, "{l}: {tag}: {path}");
            assert_translated(l, tag, path, &shown, expected);
        }

        // Words made in Rust: an import's preview (a plural), a flash message, a token's secret.
        browser.get("/admin/users/import").await;
        let csv = format!(
            "username,email,display_name,role\nzoe{tag},zoe{tag}@uni.example.edu,Zoé {tag},student\n"
        );
        let preview = browser
            .upload("/admin/users/import", &[("csv", &csv)], "", &[])
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{l}: {tag}: {preview:?}");
        let one_user = words(
            "would be created",
            "1 utilisateur serait créé",
            "سيُنشأ مستخدم واحد",
        );
        assert_translated(l, tag, "the import preview", &preview, &one_user);

        browser.get(&ana_page).await;
        let deactivated = browser.post(&format!("{ana_page}/deactivate"), &[]).await;
        assert_eq!(deactivated.status, StatusCode::SEE_OTHER, "{l}: {tag}");
        let shown = browser.get(&ana_page).await;
        let flash = words(
            "they can no longer log in",
            "Compte désactivé : la personne ne peut plus se connecter.",
            "عُطّل الحساب: لم يعد بإمكان صاحبه تسجيل الدخول.",
        );
        assert_translated(l, tag, "the flash after deactivating", &shown, &flash);

        browser.get("/admin/api-tokens").await;
        let made = browser
            .post(
                "/admin/api-tokens",
                &[
                    ("display_name", "nightly"),
                    ("role", "professor"),
                    ("days", "30"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{l}: {tag}: {}", made.body);
        let secret = words(
            "shown only now",
            "Son secret, affiché seulement maintenant",
            "سرّه، يُعرض الآن فقط",
        );
        assert_translated(l, tag, "a token just made", &made, &secret);
        assert!(
            made.body.contains("<bdi>nightly</bdi>"),
            "{l}: {tag}: the token's name is isolated: {}",
            made.body
        );
    }
    app.stop().await;
}
per_backend!(the_administrators_pages_speak_french_and_arabic);

/// A browser sending `Accept-Language: en`, logged in as `username` through the login page.
async fn logged_in_in_english(app: &TestApp, username: &str) -> Browser {
    let mut browser = Browser::new(app);
    browser.accept_language = Some("en".into());
    browser.get("/login").await;
    let login = browser
        .post("/login", &[("login", username), ("password", PASSWORD)])
        .await;
    assert_eq!(
        login.status,
        StatusCode::SEE_OTHER,
        "{}: {login:?}",
        app.label
    );
    browser
}

async fn the_saved_language_follows_the_user_to_any_browser(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let (_, token) = app.user_with_token(v1::Role::Professor, "fanny").await;
    app.auth()
        .set_my_locale(req(
            &token,
            v1::SetMyLocaleRequest {
                locale: "fr".into(),
            },
        ))
        .await
        .expect("French saved");

    let mut browser = logged_in_in_english(&app, "fanny").await;
    let page = browser.get("/courses").await;
    assert!(
        page.body.contains(r#"<html lang="fr" dir="ltr">"#),
        "{l}: the saved language wins over Accept-Language: {}",
        page.body
    );
    assert!(page.body.contains(">Cours</a>"), "{l}: the menu in French");

    let switched = browser.get("/language?lang=ar&next=%2Fcourses").await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER, "{l}");
    assert_eq!(
        browser.cookies.get("ct_lang").map(String::as_str),
        Some("ar"),
        "{l}: the cookie too, for the pages before login"
    );
    let saved = app
        .auth()
        .who_am_i(req(&token, v1::WhoAmIRequest {}))
        .await
        .expect("who am I")
        .into_inner()
        .user
        .expect("a user");
    assert_eq!(saved.locale, "ar", "{l}: the switcher saved the choice");

    let mut elsewhere = logged_in_in_english(&app, "fanny").await;
    assert!(!elsewhere.cookies.contains_key("ct_lang"), "{l}");
    let page = elsewhere.get("/courses").await;
    assert!(
        page.body.contains(r#"<html lang="ar" dir="rtl">"#),
        "{l}: a new browser speaks Arabic after login: {}",
        page.body
    );
    assert_eq!(untranslated_keys(&page.body), Vec::<String>::new(), "{l}");

    // Logged out, the browser's own choice is all there is.
    let mut anonymous = Browser::new(&app);
    anonymous.accept_language = Some("en".into());
    let page = anonymous.get("/login").await;
    assert!(page.body.contains(r#"<html lang="en""#), "{l}");
    app.stop().await;
}
per_backend!(the_saved_language_follows_the_user_to_any_browser);

async fn the_session_time_is_in_the_pages_language(db: TestDb) {
    let app = spawn_web(&db).await;
    let l = app.label;
    let course = app.create_course("FR101", &[], None).await;
    // Tuesday 7 December 2027, 09:00–10:30 in Lisbon (UTC in winter), as in the site's zone.
    let start = chrono::DateTime::parse_from_rfc3339("2027-12-07T09:00:00Z")
        .expect("a time")
        .with_timezone(&Utc);
    let session = app
        .sessions()
        .create_session(req(
            &app.admin,
            v1::CreateSessionRequest {
                parent: course.name.clone(),
                session: Some(v1::Session {
                    title: "Cours magistral".into(),
                    start_time: Some(ts(start)),
                    end_time: Some(ts(start + chrono::Duration::minutes(90))),
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("a session")
        .into_inner()
        .session
        .expect("a session");
    let path = format!("/sessions/{}", session.name.trim_start_matches("sessions/"));
    for (language, when) in [
        ("fr", "mardi 7 décembre 2027 à 09:00–10:30"),
        ("en", "Tuesday, 7 December 2027 at 09:00–10:30"),
        ("ar", "الثلاثاء، 7 ديسمبر 2027 في 9:00 ص–10:30 ص"),
    ] {
        let mut browser = Browser::with_token(&app, &app.admin);
        browser.accept_language = Some(language.into());
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{l}: {language}: {page:?}");
        assert!(
            page.body.contains(when),
            "{l}: {language}: the session's time as {when:?}: {}",
            page.body
        );
    }
    app.stop().await;
}
per_backend!(the_session_time_is_in_the_pages_language);

/// A session's times are its course's, labelled with the zone when it is not the site's (UTC
/// here), on the lists, the roll and the overview; the process's `TZ` changes nothing.
async fn a_sessions_times_are_its_courses_labelled_when_not_the_sites(db: TestDb) {
    // Run in a child process whose TZ is Asia/Tokyo (`per_backend_in_zone!`).
    let app = spawn_web(&db).await;
    let l = app.label;
    let lisbon = app.create_course("LIS1", &[], None).await;
    let utc = app
        .courses()
        .create_course(req(
            &app.admin,
            v1::CreateCourseRequest {
                course: Some(v1::Course {
                    code: "UTC1".into(),
                    title: "Course UTC1".into(),
                    term: "2026F".into(),
                    time_zone: "UTC".into(),
                    ..Default::default()
                }),
                professors: vec![],
            },
        ))
        .await
        .expect("a course in UTC")
        .into_inner()
        .course
        .expect("a course");
    let away = app.create_session(&lisbon, -5, 60, None).await;
    let home = app.create_session(&utc, -5, 60, None).await;
    assert_eq!(
        away.time_zone, "Europe/Lisbon",
        "{l}: the session says its zone"
    );
    let hours = |s: &v1::Session, tz: chrono_tz::Tz| {
        let at = |t: &Option<prost_types::Timestamp>| {
            let t = t.as_ref().expect("a time");
            chrono::DateTime::from_timestamp(t.seconds, 0)
                .expect("a time")
                .with_timezone(&tz)
                .format("%H:%M")
                .to_string()
        };
        format!("{}–{}", at(&s.start_time), at(&s.end_time))
    };
    let away_hours = format!(
        "{} (Europe/Lisbon)",
        hours(&away, chrono_tz::Europe::Lisbon)
    );
    let home_hours = hours(&home, chrono_tz::UTC);

    let mut browser = Browser::with_token(&app, &app.admin);
    browser.accept_language = Some("en".into());
    for path in ["/sessions", "/admin"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{l}: {path}");
        assert!(
            page.body.contains(&away_hours),
            "{l}: {path}: {away_hours:?} in {}",
            page.body
        );
        assert!(
            page.body.contains(&home_hours),
            "{l}: {path}: {home_hours:?}"
        );
        assert_eq!(
            page.body.matches("(Europe/Lisbon)").count(),
            1,
            "{l}: {path}: only the Lisbon session is labelled"
        );
        assert!(
            !page.body.contains("(UTC)"),
            "{l}: {path}: the site's zone is not"
        );
    }
    let roll = browser
        .get(&format!(
            "/sessions/{}",
            away.name.trim_start_matches("sessions/")
        ))
        .await;
    assert!(
        roll.body.contains(&format!(
            "{} (Europe/Lisbon)",
            hours(&away, chrono_tz::Europe::Lisbon)
                .split('–')
                .nth(1)
                .expect("an end")
        )),
        "{l}: the roll's heading ends with the course's zone: {}",
        roll.body
    );

    let (student, token) = app.user_with_token(v1::Role::Student, "ana").await;
    app.enroll(&lisbon, &student).await;
    let missed = app.create_session(&lisbon, -120, 60, None).await;
    app.reports()
        .submit_justification(req(
            &token,
            v1::SubmitJustificationRequest {
                session: missed.name.clone(),
                reason: "ill".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: submit: {e:?}"));
    let page = browser.get("/justifications").await;
    let start = missed.start_time.as_ref().expect("a start");
    let when = chrono::DateTime::from_timestamp(start.seconds, 0)
        .expect("a time")
        .with_timezone(&chrono_tz::Europe::Lisbon)
        .format("%H:%M (Europe/Lisbon)")
        .to_string();
    assert!(
        page.body.contains(&when),
        "{l}: the justified session's start as {when:?}: {}",
        page.body
    );
    app.stop().await;
}
per_backend_in_zone!(
    a_sessions_times_are_its_courses_labelled_when_not_the_sites,
    "Asia/Tokyo"
);

/// The refused check-ins and the audit log show each row's time in its course's zone, labelled
/// when that is not the site's (Europe/Paris here), and the rows in the site's zone (a course
/// there, a user) unlabelled, in the page's language.
async fn refusals_and_audit_entries_are_shown_in_their_courses_zone(db: TestDb) {
    let app = spawn_in_zone(&db, "Europe/Paris", Tier::Both).await;
    let l = app.label;
    app.refusal_in("NY1", "America/New_York").await;
    app.refusal_in("PAR1", "Europe/Paris").await;
    // Everything happened at start_of_term: 09:00 UTC, 05:00 in New York, 11:00 in Paris.
    for (language, new_york, paris) in [
        (
            "en",
            "Monday, 14 September 2026 at 05:00 (America/New_York)",
            "Monday, 14 September 2026 at 11:00",
        ),
        (
            "fr",
            "lundi 14 septembre 2026 à 05:00 (America/New_York)",
            "lundi 14 septembre 2026 à 11:00",
        ),
    ] {
        let (new_york, paris) = (format!("<td>{new_york}</td>"), format!("<td>{paris}</td>"));
        let mut browser = Browser::with_token(&app, &app.admin);
        browser.accept_language = Some(language.into());
        let rejections = browser.get("/admin/rejections").await;
        assert_eq!(rejections.status, StatusCode::OK, "{l}: {language}");
        let rows = |page: &Page, mark: &str| -> Vec<String> {
            page.body
                .split("<tr>")
                .filter(|row| row.contains(mark))
                .map(String::from)
                .collect()
        };
        let (abroad, home) = (
            rows(&rejections, "<td>NY1</td>"),
            rows(&rejections, "<td>PAR1</td>"),
        );
        assert!(
            abroad.len() == 1 && abroad[0].contains(&new_york),
            "{l}: {language}: the New York refusal as {new_york:?}: {abroad:?}"
        );
        assert!(
            home.len() == 1 && home[0].contains(&paris),
            "{l}: {language}: the Paris refusal as {paris:?}, unlabelled: {home:?}"
        );

        let audit = browser.get("/admin/audit").await;
        assert_eq!(audit.status, StatusCode::OK, "{l}: {language}");
        let created = rows(&audit, "<code>session.create</code>");
        assert_eq!(
            (
                created.iter().filter(|r| r.contains(&new_york)).count(),
                created.iter().filter(|r| r.contains(&paris)).count(),
            ),
            (1, 1),
            "{l}: {language}: one session created in each zone, as {new_york:?} and {paris:?}: \
             {created:?}"
        );
        let users = rows(&audit, "<code>user.create</code>");
        assert!(
            users.len() == 4 && users.iter().all(|r| r.contains(&paris)),
            "{l}: {language}: the users' entries in the site's zone, unlabelled: {users:?}"
        );
        for page in [&rejections, &audit] {
            assert!(
                !page.body.contains("(Europe/Paris)"),
                "{l}: {language}: the site's zone is never labelled"
            );
        }
    }
    app.stop().await;
}
per_backend!(refusals_and_audit_entries_are_shown_in_their_courses_zone);
