//! The client's address behind proxies: believed only through trusted hops.
//! By default no peer is trusted, so a local process cannot choose the
//! address it is recorded under. Behind a real nginx running
//! deploy/nginx.conf (TLS ended at nginx, two replicas in its upstream
//! block, trusted with `--trusted-proxy`) the student's and the
//! administrator's own addresses reach the records and the audit log,
//! whatever they wrote in `X-Forwarded-For`; pages, gRPC-Web and the live
//! roll's Server-Sent Events pass through too, the events unbuffered.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use classtrack::server::{self, ServerConfig, Tier};
use classtrack_core::ManualClock;
use classtrack_proto::v1;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use tonic::transport::Channel;
use tonic::Request;

use crate::helpers::*;
use crate::nginx::{nginx, Nginx};
use crate::tls::TestPki;

/// A server with its pages on `db`, on `clock`, trusting exactly `trusted`
/// as proxies.
async fn spawn_trusting_at(
    db: &classtrack_store::testing::TestDb,
    clock: Arc<ManualClock>,
    trusted: &[&str],
) -> TestApp {
    let mut api = config(clock.clone());
    api.trusted_proxies = trusted
        .iter()
        .map(|t| classtrack_core::forwarded::parse_proxy(t).expect("CIDR"))
        .collect();
    let running = server::start(ServerConfig {
        tier: Tier::Both,
        ..server_config(&db.url, api)
    })
    .await
    .expect("server starts");
    TestApp::around(running, clock, db.label()).await
}

/// A server on `db` trusting exactly `trusted` as proxies.
async fn spawn_trusting(db: &classtrack_store::testing::TestDb, trusted: &[&str]) -> TestApp {
    spawn_trusting_at(db, Arc::new(ManualClock::new(start_of_term())), trusted).await
}

/// A typed wrong code from `channel`, claiming `spoofed` as its address.
async fn wrong_code(channel: Channel, token: &str, session: &v1::Session, spoofed: &str) {
    let mut r = req(
        token,
        v1::CheckInRequest {
            credential: Some(v1::check_in_request::Credential::ShortCode(v1::ShortCode {
                session: session.name.clone(),
                code: "000000".into(),
            })),
            ..Default::default()
        },
    );
    r.metadata_mut()
        .insert("x-forwarded-for", spoofed.parse().expect("ascii"));
    // nginx appends to X-Forwarded-For and passes this one on untouched.
    r.metadata_mut().insert(
        "forwarded",
        format!("for={spoofed}").parse().expect("ascii"),
    );
    let refused = v1::attendance_service_client::AttendanceServiceClient::new(channel)
        .check_in(r)
        .await;
    assert!(refused.is_err(), "a wrong code is refused: {refused:?}");
}

/// The addresses recorded with the course's refused check-ins.
async fn recorded_addresses(app: &TestApp) -> Vec<String> {
    app.reports()
        .list_rejected_check_ins(req(&app.admin, v1::ListRejectedCheckInsRequest::default()))
        .await
        .expect("rejections")
        .into_inner()
        .rejections
        .into_iter()
        .map(|r| r.client_address)
        .collect()
}

async fn a_class(app: &TestApp) -> (String, v1::Session) {
    let (prof, _) = app.user_with_token(v1::Role::Professor, "prof").await;
    let (ana, token) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("NET101", &[&prof], None).await;
    app.enroll(&course, &ana).await;
    let session = app.create_session(&course, 0, 60, None).await;
    (token, session)
}

async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(db: TestDb) {
    let app = spawn_trusting(&db, &[]).await;
    let l = app.label;
    let (token, session) = a_class(&app).await;
    wrong_code(app.channel.clone(), &token, &session, "203.0.113.9").await;
    assert_eq!(recorded_addresses(&app).await, ["127.0.0.1"], "{l}");
    app.stop().await;
}
per_backend!(a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored);

/// A user created by the admin's token over `channel`, the request claiming
/// `spoofed` in `X-Forwarded-For`; the new user's resource name.
async fn create_user_claiming(
    channel: Channel,
    admin: &str,
    username: &str,
    spoofed: Option<&str>,
) -> String {
    let mut r = req(
        admin,
        v1::CreateUserRequest {
            user: Some(v1::User {
                username: username.into(),
                email: format!("{username}@uni.example.edu"),
                display_name: format!("Name of {username}"),
                role: v1::Role::Student as i32,
                ..Default::default()
            }),
            password: PASSWORD.into(),
        },
    );
    if let Some(spoofed) = spoofed {
        r.metadata_mut()
            .insert("x-forwarded-for", spoofed.parse().expect("ascii"));
    }
    v1::user_service_client::UserServiceClient::new(channel)
        .create_user(r)
        .await
        .unwrap_or_else(|e| panic!("create {username}: {e:?}"))
        .into_inner()
        .user
        .expect("user")
        .name
}

/// The addresses of the audit entries about `target`, newest first.
async fn audited_addresses(app: &TestApp, target: &str) -> Vec<String> {
    app.reports()
        .list_audit_events(req(
            &app.admin,
            v1::ListAuditEventsRequest {
                target: target.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("audit")
        .into_inner()
        .events
        .into_iter()
        .map(|e| e.client_address)
        .collect()
}

async fn the_audit_log_records_the_callers_address_through_trusted_proxies_only(db: TestDb) {
    // Only 192.0.2.0/24 is a proxy: the admin's own 127.0.0.1 is not,
    // so what it writes in X-Forwarded-For is not believed.
    let app = spawn_trusting(&db, &["192.0.2.0/24"]).await;
    let l = app.label;
    let user = create_user_claiming(
        app.channel.clone(),
        &app.admin,
        "spoofer",
        Some("203.0.113.9"),
    )
    .await;
    assert_eq!(audited_addresses(&app, &user).await, ["127.0.0.1"], "{l}");
    app.stop().await;

    // The same call from a trusted proxy: the address it names is the caller's.
    let app = spawn_trusting(&db, &["127.0.0.1"]).await;
    let user = create_user_claiming(
        app.channel.clone(),
        &app.admin,
        "proxied",
        Some("203.0.113.9"),
    )
    .await;
    assert_eq!(audited_addresses(&app, &user).await, ["203.0.113.9"], "{l}");

    // The finaliser's own entries have no address.
    let session = {
        let (prof, _) = app.user_with_token(v1::Role::Professor, "prof").await;
        let course = app.create_course("AUD101", &[&prof], None).await;
        app.create_session(&course, 0, 60, None).await
    };
    app.advance(2 * 3600);
    app.finalize_due().await;
    assert_eq!(
        audited_addresses(&app, &session.name)
            .await
            .first()
            .map(String::as_str),
        Some(""),
        "{l}: session.finalize"
    );
    app.stop().await;
}
per_backend!(the_audit_log_records_the_callers_address_through_trusted_proxies_only);

/// Two replicas on one database, both trusting nginx (127.0.0.1), and nginx
/// running deploy/nginx.conf in front of them.
struct Behind {
    app: TestApp,
    replica: TestApp,
    nginx: Nginx,
    _pki: TestPki,
}

impl Behind {
    async fn start(binary: &PathBuf, db: &classtrack_store::testing::TestDb) -> Self {
        // nginx reaches the servers from 127.0.0.1; clients are 127.0.0.2 and up.
        let app = spawn_trusting(db, &["127.0.0.1"]).await;
        let replica = spawn_trusting_at(db, app.clock.clone(), &["127.0.0.1"]).await;
        let pki = TestPki::new("nginx");
        let addr = |a: &TestApp| a.running.as_ref().expect("running").addr;
        let nginx = Nginx::start(binary, &[addr(&app), addr(&replica)], &pki);
        Self {
            app,
            replica,
            nginx,
            _pki: pki,
        }
    }

    async fn stop(self) {
        drop(self.nginx);
        self.replica.stop().await;
        self.app.stop().await;
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

#[tokio::test]
async fn behind_nginx_the_students_own_address_is_recorded_and_throttled() {
    let Some(binary) = nginx() else { return };
    let db = backends().await.remove(0);
    let behind = Behind::start(&binary, &db).await;
    let (app, nginx) = (&behind.app, &behind.nginx);
    let (token, session) = a_class(app).await;
    let through = nginx.channel_from(ip("127.0.0.2")).await;

    // What the student claims is left of what nginx wrote, or in a
    // `Forwarded` header nginx does not write: ignored.
    wrong_code(through.clone(), &token, &session, "198.51.100.7").await;
    assert_eq!(recorded_addresses(app).await, ["127.0.0.2"]);

    // The login throttle counts that address too: failures from 127.0.0.2
    // through nginx do not slow a login from elsewhere through nginx.
    let auth = |c: Channel| v1::auth_service_client::AuthServiceClient::new(c);
    for _ in 0..5 {
        let r = auth(through.clone())
            .login(Request::new(v1::LoginRequest {
                login: "ana".into(),
                password: "not-her-password".into(),
            }))
            .await;
        assert_eq!(r.expect_err("wrong").code(), tonic::Code::Unauthenticated);
    }
    let throttled = auth(through.clone())
        .login(Request::new(v1::LoginRequest {
            login: "ana".into(),
            password: PASSWORD.into(),
        }))
        .await;
    assert_eq!(
        throttled
            .expect_err("throttled from the guessing address")
            .code(),
        tonic::Code::ResourceExhausted
    );
    let elsewhere = nginx.channel_from(ip("127.0.0.3")).await;
    auth(elsewhere)
        .login(Request::new(v1::LoginRequest {
            login: "ana".into(),
            password: PASSWORD.into(),
        }))
        .await
        .expect("the owner, from another address, logs in");
    behind.stop().await;
}

/// A request through `send` with the browser's `cookie` (if any).
async fn fetch(
    send: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    method: hyper::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> hyper::Response<hyper::body::Incoming> {
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, "localhost");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body))).expect("request");
    send.ready().await.expect("connection ready");
    tokio::time::timeout(Duration::from_secs(10), send.send_request(request))
        .await
        .unwrap_or_else(|_| panic!("{path} through nginx: no answer within 10 s"))
        .unwrap_or_else(|e| panic!("{path} through nginx: {e}"))
}

async fn text_of(response: hyper::Response<hyper::body::Incoming>) -> String {
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}

/// Reads `body` until an SSE event of `kind` whose data satisfies `wanted`
/// arrives, or `within` passes (then `None`).
async fn next_event(
    body: &mut hyper::body::Incoming,
    buffer: &mut String,
    kind: &str,
    wanted: impl Fn(&str) -> bool,
    within: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let is_kind = event.lines().any(|l| l == format!("event: {kind}"));
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                .collect();
            if is_kind && wanted(&data) {
                return Some(data);
            }
        }
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .ok()??;
        if let Ok(data) = frame.expect("event stream").into_data() {
            buffer.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test]
async fn behind_nginx_pages_grpc_web_and_the_live_rolls_events_pass_over_tls() {
    let Some(binary) = nginx() else { return };
    let db = backends().await.remove(0);
    let behind = Behind::start(&binary, &db).await;
    let (app, nginx) = (&behind.app, &behind.nginx);
    let mut browser = nginx.https_from(ip("127.0.0.2")).await;

    // A page: the login form, with the server's own HSTS.
    let login = fetch(&mut browser, hyper::Method::GET, "/login", &[], Vec::new()).await;
    assert_eq!(login.status(), hyper::StatusCode::OK);
    assert!(
        login
            .headers()
            .contains_key(hyper::header::STRICT_TRANSPORT_SECURITY),
        "{:?}",
        login.headers()
    );
    let page = text_of(login).await;
    assert!(page.contains("name=\"password\""), "{page}");

    // gRPC-Web over HTTP/1.1.
    let answer = fetch(
        &mut browser,
        hyper::Method::POST,
        "/classtrack.v1.AuthService/Login",
        &[
            ("content-type", "application/grpc-web+proto"),
            ("x-grpc-web", "1"),
        ],
        grpc_web_admin_login(),
    )
    .await;
    assert_eq!(answer.status(), hyper::StatusCode::OK);
    let answer = text_of(answer).await;
    assert!(answer.contains("grpc-status:0"), "{answer:?}");

    // A body larger than nginx's default limit (1 MiB), as large as an
    // attachment of 2 MiB with the rest of its request, is let through to
    // the server, which answers it in gRPC. (Not 5 MiB: the server's gRPC
    // decoder stops reading at 4 MiB, and nginx then answers 502 to a
    // request whose body it could not finish sending.)
    let mut large = vec![0u8];
    let message = vec![b'x'; 3 * 1024 * 1024];
    large.extend((message.len() as u32).to_be_bytes());
    large.extend(message);
    let answer = fetch(
        &mut browser,
        hyper::Method::POST,
        "/classtrack.v1.CourseService/ImportEnrollments",
        &[
            ("content-type", "application/grpc-web+proto"),
            ("x-grpc-web", "1"),
        ],
        large,
    )
    .await;
    let status = answer.status();
    // A trailers-only answer has its grpc-status among the headers.
    let in_headers = answer.headers().get("grpc-status").cloned();
    let answer = text_of(answer).await;
    assert!(
        status == hyper::StatusCode::OK
            && (in_headers.is_some() || answer.contains("grpc-status:")),
        "a 3 MiB request reaches the server: {status} {answer:?}"
    );

    // The live roll page's events: the whole roll at once, then a check-in
    // as soon as it happens, not when a buffer fills or the 15 s keep-alive
    // comes. Two streams: nginx hands them to the two replicas in turn, so
    // the check-in, made on one replica, reaches a stream of the other too.
    let (token, session) = a_class(app).await;
    let cookie = format!(
        "ct_session={}",
        URL_SAFE_NO_PAD.encode(app.admin.as_bytes())
    );
    let id = session.name.trim_start_matches("sessions/");
    let mut streams = Vec::new();
    for _ in 0..2 {
        let mut events = nginx.https_from(ip("127.0.0.2")).await;
        let stream = fetch(
            &mut events,
            hyper::Method::GET,
            &format!("/sessions/{id}/events"),
            &[("cookie", &cookie), ("accept", "text/event-stream")],
            Vec::new(),
        )
        .await;
        assert_eq!(stream.status(), hyper::StatusCode::OK);
        let mut body = stream.into_body();
        let mut buffer = String::new();
        let first = next_event(
            &mut body,
            &mut buffer,
            "roll",
            |_| true,
            Duration::from_secs(5),
        )
        .await;
        assert!(
            first.is_some(),
            "the first roll through nginx within 5 s: {buffer:?}"
        );
        streams.push((events, body, buffer));
    }
    let qr = behind.replica.qr(&session).await;
    behind
        .replica
        .check_in(&token, &qr.token, "phone")
        .await
        .expect("checks in");
    for (n, (_, body, buffer)) in streams.iter_mut().enumerate() {
        let checked_in = next_event(
            body,
            buffer,
            "roll",
            |data| !data.contains("\"checked_in\":[]"),
            Duration::from_secs(3),
        )
        .await;
        assert!(
            checked_in.is_some(),
            "the check-in reaches live roll {n} through nginx within 3 s: {buffer:?}"
        );
    }
    drop(streams);
    behind.stop().await;
}

#[tokio::test]
async fn behind_nginx_an_administrators_change_is_audited_with_their_own_address() {
    let Some(binary) = nginx() else { return };
    let db = backends().await.remove(0);
    let behind = Behind::start(&binary, &db).await;
    let (app, nginx) = (&behind.app, &behind.nginx);

    // The administrator at 127.0.0.4 logs in and creates an account
    // through nginx, claiming another address.
    let through = nginx.channel_from(ip("127.0.0.4")).await;
    let token = v1::auth_service_client::AuthServiceClient::new(through.clone())
        .login(Request::new(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        }))
        .await
        .expect("admin logs in through nginx")
        .into_inner()
        .token;
    let user = create_user_claiming(through, &token, "bea", Some("198.51.100.7")).await;
    assert_eq!(audited_addresses(app, &user).await, ["127.0.0.4"]);

    // The audit page, through nginx, shows it.
    let mut browser = nginx.https_from(ip("127.0.0.5")).await;
    let cookie = format!("ct_session={}", URL_SAFE_NO_PAD.encode(token.as_bytes()));
    let page = fetch(
        &mut browser,
        hyper::Method::GET,
        "/admin/audit?action=user.create",
        &[("cookie", &cookie)],
        Vec::new(),
    )
    .await;
    assert_eq!(page.status(), hyper::StatusCode::OK);
    let page = text_of(page).await;
    assert!(
        page.contains("<td class=\"address\">127.0.0.4</td>"),
        "{page}"
    );
    assert!(!page.contains("198.51.100.7"), "{page}");
    behind.stop().await;
}

#[tokio::test]
async fn behind_nginx_a_call_no_replica_answers_is_unavailable_not_internal() {
    let Some(binary) = nginx() else { return };
    // Nothing listens on the one upstream (a replica that died): nginx
    // answers the call itself, and must answer it in gRPC.
    let gone = std::net::SocketAddr::from(([127, 0, 0, 1], crate::nginx::free_port()));
    let pki = TestPki::new("nginx-none");
    let nginx = Nginx::start(&binary, &[gone], &pki);
    let through = nginx.channel_from(ip("127.0.0.2")).await;
    let answer = v1::auth_service_client::AuthServiceClient::new(through)
        .login(Request::new(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        }))
        .await;
    let status = answer.expect_err("no replica answers");
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
}
