//! `spawn_app`: a fresh database, the server on port 0 with a clock the test
//! moves, and typed helpers for the usual set-up.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use classtrack::server::{self, Running, ServerConfig, Tier};
use classtrack_api::{ApiConfig, HashCost};
use classtrack_core::ManualClock;
use classtrack_proto::v1;
use classtrack_store::testing;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "student-password";

/// The course `code` ("Course {code}", term 2026F) in the time zone `zone`.
fn course_named(code: &str, zone: &str) -> v1::Course {
    v1::Course {
        code: code.into(),
        title: format!("Course {code}"),
        term: "2026F".into(),
        time_zone: zone.into(),
        ..Default::default()
    }
}

/// Monday 14 September 2026, 09:00 UTC.
pub fn start_of_term() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 14, 9, 0, 0)
        .single()
        .expect("valid date")
}

pub struct TestApp {
    pub url: String,
    pub clock: Arc<ManualClock>,
    pub channel: Channel,
    pub clients: classtrack_proto::Clients,
    pub admin: String,
    pub running: Option<Running>,
    pub label: &'static str,
}

pub use classtrack_store::testing::TestDb;

/// Runs each `async fn name(db: TestDb)` as two tests named by their
/// backend: `name::sqlite`, and `name::mariadb` (which passes with a loud
/// warning when no MariaDB answers, and fails under `CI=true`).
macro_rules! per_backend {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::sqlite().await).await
            }

            #[tokio::test]
            async fn mariadb() {
                if let Some(db) = $crate::helpers::mariadb().await {
                    super::$name(db).await
                }
            }
        }
    )+};
}

/// Like [`per_backend!`] for a test that the server process's `TZ` must not
/// change: each backend's test runs again in a child process of this test
/// binary whose `TZ` is `$tz`, and fails if it fails there. Setting `TZ` in
/// this process instead would change it for every test running beside it
/// (`cargo test` runs the whole binary in one process).
macro_rules! per_backend_in_zone {
    ($name:ident, $tz:literal) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if $crate::helpers::in_child_with_tz(module_path!(), "sqlite", $tz) {
                    super::$name($crate::helpers::sqlite().await).await
                }
            }

            #[tokio::test]
            async fn mariadb() {
                if $crate::helpers::in_child_with_tz(module_path!(), "mariadb", $tz) {
                    if let Some(db) = $crate::helpers::mariadb().await {
                        super::$name(db).await
                    }
                }
            }
        }
    };
}

/// For [`per_backend_in_zone!`]: in the child, true (run the test's body);
/// in this process, runs the test `module::backend` in a child of this test
/// binary with `TZ=tz`, fails if it failed there, and gives false.
pub fn in_child_with_tz(module: &str, backend: &str, tz: &str) -> bool {
    const CHILD: &str = "CLASSTRACK_TEST_CHILD";
    if std::env::var_os(CHILD).is_some() {
        assert_eq!(std::env::var("TZ").as_deref(), Ok(tz), "the child's TZ");
        return true;
    }
    // `api::web::name` names the test `web::name::sqlite` inside the binary.
    let module = module.split_once("::").map_or(module, |(_, rest)| rest);
    let test = format!("{module}::{backend}");
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(exe)
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env("TZ", tz)
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs again");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{test} with TZ={tz} failed:\n{said}");
    assert!(
        said.contains("1 passed"),
        "{test} did not run in the child:\n{said}"
    );
    false
}

/// Runs each `async fn name(db: TestDb)` as one test named `name::mariadb`:
/// for what only MariaDB has (its triggers' SIGNAL, its error numbers).
macro_rules! mariadb_only {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn mariadb() {
                if let Some(db) = $crate::helpers::mariadb().await {
                    super::$name(db).await
                }
            }
        }
    )+};
}

fn test_log() {
    if std::env::var("TEST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn")
            .try_init();
    }
}

/// A fresh SQLite database, migrated.
pub async fn sqlite() -> TestDb {
    test_log();
    let db = testing::sqlite();
    db.migrate().await;
    db
}

/// A fresh MariaDB database, migrated, when a server answers.
pub async fn mariadb() -> Option<TestDb> {
    test_log();
    testing::mysql().await
}

/// Every backend available: SQLite always, MariaDB when it answers.
pub async fn backends() -> Vec<TestDb> {
    if std::env::var("TEST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn")
            .try_init();
    }
    testing::all().await
}

pub fn config(clock: Arc<ManualClock>) -> ApiConfig {
    ApiConfig {
        public_url: "https://attend.example.edu".into(),
        hash_cost: HashCost::Fast,
        clock,
        // the tests drive finalisation themselves
        finalize_interval: Duration::from_secs(3600),
        live_poll_interval: Duration::from_millis(100),
        // The tests stand in for a load balancer on this machine: their
        // `x-forwarded-for` names the client (by default no peer is trusted).
        trusted_proxies: vec!["127.0.0.1/32".parse().expect("CIDR")],
        // streams re-check their login; keep the cross-replica bound short
        login_cache_ttl: Duration::from_secs(1),
        ..ApiConfig::default()
    }
}

pub async fn spawn_app(db: &TestDb) -> TestApp {
    let clock = Arc::new(ManualClock::new(start_of_term()));
    spawn_replica(db, clock).await
}

/// Another server on the same database (a second replica), sharing the clock.
pub async fn spawn_replica(db: &TestDb, clock: Arc<ManualClock>) -> TestApp {
    spawn_at(&db.url, db.label(), clock).await
}

/// A server on the database at `url`.
pub async fn spawn_at(url: &str, label: &'static str, clock: Arc<ManualClock>) -> TestApp {
    spawn_tier(url, label, clock, Tier::ApiOnly).await
}

/// The server as `classtrack serve` runs it: the API and the pages on one port.
pub async fn spawn_with_pages(db: &TestDb) -> TestApp {
    let clock = Arc::new(ManualClock::new(start_of_term()));
    spawn_tier(&db.url, db.label(), clock, Tier::Both).await
}

/// A server serving `tier` whose site zone (the `time_zone` setting) is `zone`, its clock at
/// [`start_of_term`].
pub async fn spawn_in_zone(db: &TestDb, zone: &str, tier: Tier) -> TestApp {
    let clock = Arc::new(ManualClock::new(start_of_term()));
    let api = ApiConfig {
        default_time_zone: zone.into(),
        ..config(clock.clone())
    };
    spawn_configured(&db.url, db.label(), clock, api, tier).await
}

/// A server on the database at `url` serving `tier` (`Tier::Both` for the pages).
pub async fn spawn_tier(
    url: &str,
    label: &'static str,
    clock: Arc<ManualClock>,
    tier: Tier,
) -> TestApp {
    spawn_configured(url, label, clock.clone(), config(clock), tier).await
}

/// A server on the database at `url` serving `tier`, its API configured as `api` (whose clock
/// is `clock`, the one the test moves).
pub async fn spawn_configured(
    url: &str,
    label: &'static str,
    clock: Arc<ManualClock>,
    api: ApiConfig,
    tier: Tier,
) -> TestApp {
    let running = server::start(ServerConfig {
        tier,
        ..server_config(url, api)
    })
    .await
    .expect("server starts");
    TestApp::around(running, clock, label).await
}

/// How the tests start a server on `database_url`: the API alone on an
/// ephemeral loopback port, plain HTTP, without migrating (the database is
/// migrated already), the test admin, nothing printed.
pub fn server_config(database_url: &str, api: ApiConfig) -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".into(),
        metrics_listen: None,
        database_url: database_url.to_string(),
        // The test databases are migrated before the server starts, and on
        // MariaDB the server's account may only read and write rows.
        migrate: false,
        // The tests share one MariaDB and run several at once, some with two
        // replicas: at the production pool of 32 per server, two such tests
        // exceed MariaDB's default max_connections (151) and it refuses the
        // next connection (error 1040: UNAVAILABLE), which is what a
        // loaded CI run once met. 12 per server keeps six two-replica tests
        // under it. SQLite keeps its own default. Tests of the pool itself
        // set theirs (the store's tests/replicas.rs, health.rs).
        pool: classtrack_store::PoolOptions {
            max_connections: database_url.starts_with("mysql:").then_some(12),
            ..classtrack_store::PoolOptions::default()
        },
        api,
        tier: Tier::ApiOnly,
        tls: None,
        admin_password: Some(ADMIN_PASSWORD.into()),
        demo: false,
        announce: false,
    }
}

impl TestApp {
    /// A client of an already started server, logged in as the admin.
    pub async fn around(running: Running, clock: Arc<ManualClock>, label: &'static str) -> Self {
        let mut app = Self::at(format!("http://{}", running.addr), clock, label).await;
        app.running = Some(running);
        app
    }

    /// A client of the server at `url` (started elsewhere: another process,
    /// as in tests/galera.rs), logged in as the admin.
    pub async fn at(url: String, clock: Arc<ManualClock>, label: &'static str) -> Self {
        let channel = Channel::from_shared(url.clone())
            .expect("url")
            .connect()
            .await
            .expect("connects");
        let mut app = TestApp {
            url,
            clock,
            clients: classtrack_proto::Clients::new(channel.clone()),
            channel,
            admin: String::new(),
            running: None,
            label,
        };
        app.admin = app.login("admin", ADMIN_PASSWORD).await;
        app
    }
}

/// `app.auth()`, `app.courses()`…: the clients of the server under test.
impl std::ops::Deref for TestApp {
    type Target = classtrack_proto::Clients;
    fn deref(&self) -> &Self::Target {
        &self.clients
    }
}

impl TestApp {
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("server stops");
        }
    }

    pub async fn report(&self, token: &str, course: &v1::Course) -> v1::GetCourseReportResponse {
        self.reports()
            .get_course_report(req(
                token,
                v1::GetCourseReportRequest {
                    course: course.name.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: report: {e:?}", self.label))
            .into_inner()
    }

    /// The whole exported file.
    pub async fn export(
        &self,
        token: &str,
        course: &v1::Course,
        format: v1::ExportFormat,
    ) -> Vec<u8> {
        self.export_in(token, course, format, None).await
    }

    /// [`TestApp::export`] with `accept-language` metadata.
    pub async fn export_in(
        &self,
        token: &str,
        course: &v1::Course,
        format: v1::ExportFormat,
        language: Option<&str>,
    ) -> Vec<u8> {
        let mut request = req(
            token,
            v1::ExportCourseReportRequest {
                course: course.name.clone(),
                format: format as i32,
                ..Default::default()
            },
        );
        if let Some(language) = language {
            request
                .metadata_mut()
                .insert("accept-language", language.parse().expect("ascii"));
        }
        let mut stream = self
            .reports()
            .export_course_report(request)
            .await
            .unwrap_or_else(|e| panic!("{}: export: {e:?}", self.label))
            .into_inner();
        let mut out = Vec::new();
        while let Some(chunk) = stream
            .message()
            .await
            .unwrap_or_else(|e| panic!("{}: export chunk: {e:?}", self.label))
        {
            out.extend(chunk.chunk);
        }
        out
    }

    pub async fn login(&self, login: &str, password: &str) -> String {
        self.auth()
            .login(v1::LoginRequest {
                login: login.into(),
                password: password.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("{}: login {login}: {e:?}", self.label))
            .into_inner()
            .token
    }

    pub async fn create_user(&self, role: v1::Role, username: &str) -> v1::User {
        self.users()
            .create_user(req(
                &self.admin,
                v1::CreateUserRequest {
                    user: Some(v1::User {
                        username: username.into(),
                        email: format!("{username}@uni.example.edu"),
                        display_name: format!("Name of {username}"),
                        role: role as i32,
                        ..Default::default()
                    }),
                    password: PASSWORD.into(),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: create {username}: {e:?}", self.label))
            .into_inner()
            .user
            .expect("user")
    }

    /// A user and their token.
    pub async fn user_with_token(&self, role: v1::Role, username: &str) -> (v1::User, String) {
        let u = self.create_user(role, username).await;
        let t = self.login(username, PASSWORD).await;
        (u, t)
    }

    pub async fn create_course(
        &self,
        code: &str,
        professors: &[&v1::User],
        settings: Option<v1::CheckInSettings>,
    ) -> v1::Course {
        let course = v1::Course {
            settings,
            ..course_named(code, "Europe/Lisbon")
        };
        self.add_course(course, professors).await
    }

    /// A course `code` in the time zone `zone`, without professors.
    pub async fn create_course_in(&self, code: &str, zone: &str) -> v1::Course {
        self.add_course(course_named(code, zone), &[]).await
    }

    async fn add_course(&self, course: v1::Course, professors: &[&v1::User]) -> v1::Course {
        self.courses()
            .create_course(req(
                &self.admin,
                v1::CreateCourseRequest {
                    course: Some(course),
                    professors: professors.iter().map(|p| p.name.clone()).collect(),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: create course: {e:?}", self.label))
            .into_inner()
            .course
            .expect("course")
    }

    /// A course `code` in `zone` with a session open now, and one check-in refused there: a
    /// second student on the first one's device (`DEVICE_IN_USE`). The students are
    /// `{code}-a` and `{code}-b`, in lower case.
    pub async fn refusal_in(&self, code: &str, zone: &str) -> (v1::Course, v1::Session) {
        let course = self.create_course_in(code, zone).await;
        let session = self.create_session(&course, 0, 60, None).await;
        let qr = self.qr(&session).await;
        for (i, who) in ["a", "b"].into_iter().enumerate() {
            let username = format!("{}-{who}", code.to_lowercase());
            let (student, token) = self.user_with_token(v1::Role::Student, &username).await;
            self.enroll(&course, &student).await;
            let answer = self.check_in(&token, &qr.token, "shared-device").await;
            assert_eq!(
                answer.is_ok(),
                i == 0,
                "{}: {username}: only the device's first student is in: {answer:?}",
                self.label
            );
        }
        (course, session)
    }

    pub async fn enroll(&self, course: &v1::Course, student: &v1::User) {
        self.courses()
            .enroll_student(req(
                &self.admin,
                v1::EnrollStudentRequest {
                    course: course.name.clone(),
                    student: Some(v1::enroll_student_request::Student::Existing(
                        student.name.clone(),
                    )),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: enroll: {e:?}", self.label));
    }

    /// A session of `course` from `start_offset_min` minutes from now, lasting `minutes`.
    pub async fn create_session(
        &self,
        course: &v1::Course,
        start_offset_min: i64,
        minutes: i64,
        settings: Option<v1::CheckInSettings>,
    ) -> v1::Session {
        let now = self.clock_now();
        let start = now + chrono::Duration::minutes(start_offset_min);
        self.sessions()
            .create_session(req(
                &self.admin,
                v1::CreateSessionRequest {
                    parent: course.name.clone(),
                    session: Some(v1::Session {
                        title: "Lecture".into(),
                        room: "B-101".into(),
                        start_time: Some(ts(start)),
                        end_time: Some(ts(start + chrono::Duration::minutes(minutes))),
                        settings,
                        ..Default::default()
                    }),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: create session: {e:?}", self.label))
            .into_inner()
            .session
            .expect("session")
    }

    pub async fn qr(&self, session: &v1::Session) -> v1::QrToken {
        self.attendance()
            .get_qr_token(req(
                &self.admin,
                v1::GetQrTokenRequest {
                    session: session.name.clone(),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: qr: {e:?}", self.label))
            .into_inner()
            .qr_token
            .expect("token")
    }

    pub async fn check_in(
        &self,
        token: &str,
        qr: &str,
        device: &str,
    ) -> Result<v1::CheckInResponse, Status> {
        self.attendance()
            .check_in(req(
                token,
                v1::CheckInRequest {
                    credential: Some(v1::check_in_request::Credential::Token(qr.into())),
                    device_id: device.into(),
                    ..Default::default()
                },
            ))
            .await
            .map(|r| r.into_inner())
    }

    /// Runs the finaliser now (what the background task does every
    /// `finalize_interval`); returns how many students it marked absent.
    pub async fn finalize_due(&self) -> u64 {
        let api = self.running.as_ref().expect("running").api.clone();
        let guard = api.lock().await;
        guard
            .as_ref()
            .expect("api")
            .finalize_due()
            .await
            .unwrap_or_else(|e| panic!("{}: finalize: {e:?}", self.label))
    }

    pub async fn close_session(
        &self,
        token: &str,
        session: &v1::Session,
    ) -> v1::CloseSessionResponse {
        self.sessions()
            .close_session(req(
                token,
                v1::CloseSessionRequest {
                    name: session.name.clone(),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("{}: close: {e:?}", self.label))
            .into_inner()
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use classtrack_core::Clock;
        self.clock.now()
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
    }
}

pub fn ts(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

/// A request carrying a bearer token ("" for none).
pub fn req<T>(token: &str, body: T) -> Request<T> {
    let mut r = Request::new(body);
    if !token.is_empty() {
        r.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("ascii token"),
        );
    }
    r
}

/// The google.rpc.ErrorInfo reason of a refused check-in.
pub fn reason(status: &Status) -> String {
    use tonic_types::StatusExt;
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_else(|| format!("no reason ({:?}: {})", status.code(), status.message()))
}

/// The fields named by a status's BadRequest details.
pub fn fields(status: &Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(label: &str, r: Result<T, Status>, code: Code) -> Status {
    match r {
        Ok(v) => panic!("{label}: expected {code:?}, got Ok({v:?})"),
        Err(s) => {
            assert_eq!(s.code(), code, "{label}: {s:?}");
            s
        }
    }
}

/// The admin's Login as a gRPC-Web request body: one length-prefixed,
/// uncompressed protobuf message.
pub fn grpc_web_admin_login() -> Vec<u8> {
    use prost::Message;
    let message = v1::LoginRequest {
        login: "admin".into(),
        password: ADMIN_PASSWORD.into(),
    }
    .encode_to_vec();
    let mut body = vec![0u8];
    body.extend((message.len() as u32).to_be_bytes());
    body.extend(message);
    body
}

/// Each error of a CSV import as (line, field), in order.
pub fn lines_and_fields(errors: &[v1::RowError]) -> Vec<(i32, &str)> {
    errors.iter().map(|e| (e.line, e.field.as_str())).collect()
}
