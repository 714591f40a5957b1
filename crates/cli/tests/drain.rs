//! A replica's health as a load balancer sees it, and its drain on SIGTERM:
//! the real `classtrack serve` binary, its plain-HTTP `/healthz` and
//! `/readyz`, grpc.health.v1, and an open stream.
//!
//! On SIGTERM: `/readyz` 503 and NOT_SERVING at once, calls served on for
//! `shutdown_grace`, then open streams end with UNAVAILABLE (a client
//! reconnects, to another replica) and the process exits 0.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use classtrack_proto::v1;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

#[path = "support/http.rs"]
mod http;

const BINARY: &str = env!("CARGO_BIN_EXE_classtrack");
const ADMIN_PASSWORD: &str = "a-long-enough-admin-passphrase";

struct Server {
    child: Child,
    addr: String,
    dir: std::path::PathBuf,
}

impl Server {
    fn start(grace: &str) -> Self {
        let n: u64 = rand::random();
        let dir = std::env::temp_dir().join(format!("classtrack-drain-test-{n:016x}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut cmd = Command::new(BINARY);
        for (var, _) in std::env::vars() {
            if var.starts_with("CLASSTRACK_") {
                cmd.env_remove(var);
            }
        }
        let mut child = cmd
            .current_dir(&dir)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--public-url",
                "http://127.0.0.1:9",
            ])
            .args([
                "--database-url",
                "sqlite://drain.db",
                "--shutdown-grace",
                grace,
            ])
            .env("CLASSTRACK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "info,classtrack=debug,classtrack_api=debug")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("server.log")).expect("log"))
            .spawn()
            .expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let line = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("ClassTrack listening on"))
            .expect("the listening line");
        let addr = line
            .trim_start_matches("ClassTrack listening on http://")
            .split_whitespace()
            .next()
            .expect("address")
            .to_string();
        Self { child, addr, dir }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn terminate(&self) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: sending a signal to our own child process.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM sent");
    }

    /// Waits for the process to end, up to `limit`.
    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "still running after {limit:?}; its log:\n{}",
                std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn serving(channel: &tonic::transport::Channel) -> ServingStatus {
    let status = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health answers")
        .into_inner()
        .status;
    ServingStatus::try_from(status).expect("a status")
}

fn req<T>(token: &str, body: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(body);
    r.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    r
}

#[tokio::test]
async fn sigterm_drains_then_ends_streams_with_unavailable_and_exits() {
    let mut server = Server::start("2s");
    let channel = tonic::transport::Endpoint::from_shared(server.url())
        .expect("url")
        .connect()
        .await
        .expect("connects");
    let clients = classtrack_proto::Clients::new(channel.clone());
    assert_eq!(http::get(&server.addr, "/healthz").await.0, 200);
    assert_eq!(
        http::get(&server.addr, "/readyz").await,
        (200, "ready\n".into())
    );
    assert_eq!(serving(&channel).await, ServingStatus::Serving);

    let token = clients
        .auth()
        .login(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        })
        .await
        .expect("login")
        .into_inner()
        .token;
    let course = clients
        .courses()
        .create_course(req(
            &token,
            v1::CreateCourseRequest {
                course: Some(v1::Course {
                    code: "DR101".into(),
                    title: "Draining".into(),
                    term: "2026F".into(),
                    time_zone: "UTC".into(),
                    ..Default::default()
                }),
                professors: vec![],
            },
        ))
        .await
        .expect("course")
        .into_inner()
        .course
        .expect("course");
    let now = std::time::SystemTime::now();
    let at = |d: Duration| prost_types::Timestamp::from(now + d);
    let session = clients
        .sessions()
        .create_session(req(
            &token,
            v1::CreateSessionRequest {
                parent: course.name.clone(),
                session: Some(v1::Session {
                    title: "Lecture".into(),
                    start_time: Some(prost_types::Timestamp::from(now - Duration::from_secs(60))),
                    end_time: Some(at(Duration::from_secs(3600))),
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("session")
        .into_inner()
        .session
        .expect("session");
    let mut watch = clients
        .attendance()
        .watch_session(req(
            &token,
            v1::WatchSessionRequest {
                session: session.name.clone(),
            },
        ))
        .await
        .expect("watch")
        .into_inner();
    watch
        .message()
        .await
        .expect("the roll")
        .expect("a first message");

    server.terminate();
    let signalled = Instant::now();
    // At once: not ready, for HTTP and gRPC health alike.
    let mut drained = None;
    while signalled.elapsed() < Duration::from_millis(500) {
        if http::get(&server.addr, "/readyz").await.0 == 503 {
            drained = Some(signalled.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained = drained.expect("/readyz answers 503 within half a second of SIGTERM");
    let (code, body) = http::get(&server.addr, "/readyz").await;
    assert_eq!(code, 503);
    assert!(body.contains("draining"), "{body}");
    assert_eq!(serving(&channel).await, ServingStatus::NotServing);
    assert_eq!(
        http::get(&server.addr, "/healthz").await.0,
        200,
        "alive while draining"
    );
    // Calls are still served during the grace period, and the stream stays open.
    clients
        .courses()
        .list_courses(req(&token, v1::ListCoursesRequest::default()))
        .await
        .expect("served while draining");
    let early = tokio::time::timeout(Duration::from_millis(800), watch.message()).await;
    assert!(
        early.is_err(),
        "the stream stays open during the grace period: {early:?}"
    );
    // Then the stream ends with UNAVAILABLE, not OK.
    let end = tokio::time::timeout(Duration::from_secs(5), watch.message())
        .await
        .expect("the stream ends after the grace period");
    let ended = signalled.elapsed();
    match end {
        Err(status) => assert_eq!(status.code(), Code::Unavailable, "{status:?}"),
        Ok(m) => panic!("the stream ended without UNAVAILABLE: {m:?}"),
    }
    assert!(
        ended >= Duration::from_millis(1900),
        "streams end after the 2 s grace, not at once ({ended:?})"
    );
    let status = server.wait(Duration::from_secs(10));
    assert!(status.success(), "exits 0 after a drain: {status:?}");
    eprintln!("NOT_SERVING after {drained:?}; streams ended after {ended:?}");
}
