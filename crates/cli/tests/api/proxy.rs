//! The client's address behind proxies: believed only through trusted hops.
//! By default no peer is trusted, so a local process cannot choose the
//! address it is recorded under; behind a real nginx (`grpc_pass`, trusted
//! with `--trusted-proxy`) the student's own address reaches the records,
//! whatever the student wrote in `X-Forwarded-For`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use classtrack::server;
use classtrack_core::ManualClock;
use classtrack_proto::v1;
use tonic::transport::{Channel, Endpoint};
use tonic::Request;

use crate::helpers::*;

/// A server on `db` trusting exactly `trusted` as proxies.
async fn spawn_trusting(db: &classtrack_store::testing::TestDb, trusted: &[&str]) -> TestApp {
    let clock = Arc::new(ManualClock::new(start_of_term()));
    let mut api = config(clock.clone());
    api.trusted_proxies = trusted
        .iter()
        .map(|t| classtrack_core::forwarded::parse_proxy(t).expect("CIDR"))
        .collect();
    let running = server::start(server_config(&db.url, api))
        .await
        .expect("server starts");
    TestApp::around(running, clock, db.label()).await
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

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    for db in backends().await {
        let app = spawn_trusting(&db, &[]).await;
        let l = app.label;
        let (token, session) = a_class(&app).await;
        wrong_code(app.channel.clone(), &token, &session, "203.0.113.9").await;
        assert_eq!(recorded_addresses(&app).await, ["127.0.0.1"], "{l}");
        app.stop().await;
    }
}

/// nginx from Debian, when installed (`.ci/run` installs it; under CI a
/// missing nginx fails the test).
fn nginx() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "nginx is missing under CI: .ci/run installs it (apt-get install nginx-light)"
        );
        eprintln!("\n!!! nginx is not installed: the reverse-proxy test is SKIPPED !!!\n");
    }
    found
}

/// nginx in front of `upstream`, as docs/deployment.md's example: gRPC
/// passed on, `X-Forwarded-For` appended with the address nginx saw.
struct Nginx {
    child: std::process::Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    fn start(binary: &PathBuf, upstream: std::net::SocketAddr) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("classtrack-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("nginx dir");
        let conf = format!(
            "worker_processes 1;\n\
             daemon off;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {d}/body;\n\
               proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fastcgi;\n\
               uwsgi_temp_path {d}/uwsgi;\n\
               scgi_temp_path {d}/scgi;\n\
               server {{\n\
                 listen 127.0.0.1:{port} http2;\n\
                 location / {{\n\
                   grpc_pass grpc://{upstream};\n\
                   grpc_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                 }}\n\
               }}\n\
             }}\n",
            d = dir.display(),
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf).expect("nginx.conf");
        let child = std::process::Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nginx starts");
        Self { child, dir, port }
    }

    /// A channel through nginx from `local`, once nginx answers.
    async fn channel_from(&self, local: IpAddr) -> Channel {
        for _ in 0..100 {
            let endpoint = Endpoint::from_shared(format!("http://127.0.0.1:{}", self.port))
                .expect("url")
                .local_address(Some(local));
            if let Ok(channel) = endpoint.connect().await {
                return channel;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        panic!("nginx does not answer on port {}: {log}", self.port);
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn behind_nginx_the_students_own_address_is_recorded_and_throttled() {
    let Some(binary) = nginx() else { return };
    let db = backends().await.remove(0);
    // nginx reaches the server from 127.0.0.1; the student is 127.0.0.2.
    let app = spawn_trusting(&db, &["127.0.0.1"]).await;
    let (token, session) = a_class(&app).await;
    let upstream = app.running.as_ref().expect("running").addr;
    let nginx = Nginx::start(&binary, upstream);
    let student: IpAddr = "127.0.0.2".parse().expect("ip");
    let through = nginx.channel_from(student).await;

    // What the student claims is left of what nginx wrote, or in a
    // `Forwarded` header nginx does not write: ignored.
    wrong_code(through.clone(), &token, &session, "198.51.100.7").await;
    assert_eq!(recorded_addresses(&app).await, ["127.0.0.2"]);

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
    let elsewhere = nginx.channel_from("127.0.0.3".parse().expect("ip")).await;
    auth(elsewhere)
        .login(Request::new(v1::LoginRequest {
            login: "ana".into(),
            password: PASSWORD.into(),
        }))
        .await
        .expect("the owner, from another address, logs in");
    drop(nginx);
    app.stop().await;
}
