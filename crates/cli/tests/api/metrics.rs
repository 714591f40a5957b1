//! The metrics move with the calls, under the right labels: calls by method
//! and code, latency histograms, open streams, check-ins and logins by
//! outcome, refusals by reason, database errors by class, the pool.
//!
//! The recorder is one per process and the other tests of this binary run
//! beside these, so the checks are on how much a value grew at least
//! (`>=`), and each series asked for is one these calls must move.

use std::collections::HashMap;
use std::time::Duration;

use classtrack_proto::v1;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tonic::Code;

use crate::helpers::*;

/// One reading of /metrics: each series (`name{labels}`) and its value.
struct Reading(HashMap<String, f64>);

impl Reading {
    async fn of(app: &TestApp) -> Self {
        let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let uri = format!("{}/metrics", app.url).parse().expect("uri");
        let response = client.get(uri).await.expect("/metrics answers");
        assert_eq!(response.status(), 200);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&body);
        let series = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (series, value) = l.rsplit_once(' ')?;
                Some((series.to_string(), value.parse().ok()?))
            })
            .collect();
        Self(series)
    }

    /// The value of one series, 0 when it is not there.
    fn get(&self, series: &str) -> f64 {
        self.0.get(series).copied().unwrap_or(0.0)
    }

    /// The value of the series named `name` whose labels include all of `labels`.
    fn find(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|(series, _)| {
                series
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('{'))
                    && labels
                        .iter()
                        .all(|(k, v)| series.contains(&format!("{k}=\"{v}\"")))
            })
            .map(|(_, v)| *v)
            .sum()
    }
}

/// How much `find(name, labels)` grew from `before` to `after`.
fn grew(before: &Reading, after: &Reading, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.find(name, labels) - before.find(name, labels)
}

const LOGIN: &str = "classtrack.v1.AuthService/Login";
const CHECK_IN: &str = "classtrack.v1.AttendanceService/CheckIn";
const WATCH: &str = "classtrack.v1.AttendanceService/WatchSession";

async fn calls_move_their_counters_and_histograms(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (student, token) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("CS101", &[], None).await;
    app.enroll(&course, &student).await;
    let session = app.create_session(&course, 0, 60, None).await;
    let before = Reading::of(&app).await;

    // A login refused, and one that works.
    let refused = app
        .auth()
        .login(v1::LoginRequest {
            login: "ana".into(),
            password: "not-her-password".into(),
        })
        .await;
    assert_code(l, refused, Code::Unauthenticated);
    app.login("ana", PASSWORD).await;
    // A check-in recorded, its repeat, and one refused with an expired token.
    let qr = app.qr(&session).await;
    app.check_in(&token, &qr.token, "phone-ana")
        .await
        .unwrap_or_else(|e| panic!("{l}: check-in: {e:?}"));
    app.check_in(&token, &qr.token, "phone-ana")
        .await
        .unwrap_or_else(|e| panic!("{l}: repeat: {e:?}"));
    let (other, other_token) = app.user_with_token(v1::Role::Student, "bea").await;
    app.enroll(&course, &other).await;
    app.advance(60);
    let expired = app.check_in(&other_token, &qr.token, "phone-bea").await;
    assert_eq!(
        reason(&assert_code(l, expired, Code::FailedPrecondition)),
        "TOKEN_EXPIRED",
        "{l}"
    );
    // A username already taken: a unique key the database refuses.
    let taken = app
        .users()
        .create_user(req(
            &app.admin,
            v1::CreateUserRequest {
                user: Some(v1::User {
                    username: "ana".into(),
                    email: "another-ana@uni.example.edu".into(),
                    display_name: "Another Ana".into(),
                    role: v1::Role::Student as i32,
                    ..Default::default()
                }),
                password: PASSWORD.into(),
            },
        ))
        .await;
    assert_code(l, taken, Code::AlreadyExists);
    // A stream, open while we read.
    let mut watch = app
        .attendance()
        .watch_session(req(
            &app.admin,
            v1::WatchSessionRequest {
                session: session.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: watch: {e:?}"))
        .into_inner();
    watch
        .message()
        .await
        .unwrap_or_else(|e| panic!("{l}: first roll: {e:?}"))
        .expect("the whole roll first");

    let during = Reading::of(&app).await;
    let at_least = |what: &str, name: &str, labels: &[(&str, &str)], n: f64| {
        let by = grew(&before, &during, name, labels);
        assert!(
            by >= n,
            "{l}: {what}: {name}{labels:?} grew by {by}, not {n}"
        );
    };
    let rpc = "classtrack_rpc_requests_total";
    at_least(
        "refused login",
        rpc,
        &[("method", LOGIN), ("code", "UNAUTHENTICATED")],
        1.0,
    );
    at_least("logins", rpc, &[("method", LOGIN), ("code", "OK")], 1.0);
    at_least(
        "check-ins",
        rpc,
        &[("method", CHECK_IN), ("code", "OK")],
        2.0,
    );
    at_least(
        "expired",
        rpc,
        &[("method", CHECK_IN), ("code", "FAILED_PRECONDITION")],
        1.0,
    );
    let logins = "classtrack_logins_total";
    at_least("login failure", logins, &[("outcome", "failure")], 1.0);
    at_least("login success", logins, &[("outcome", "success")], 1.0);
    let checkins = "classtrack_checkins_total";
    at_least("recorded", checkins, &[("outcome", "recorded")], 1.0);
    at_least("repeat", checkins, &[("outcome", "repeat")], 1.0);
    at_least("refused", checkins, &[("outcome", "refused")], 1.0);
    let refusals = "classtrack_checkin_refusals_total";
    at_least("expired", refusals, &[("reason", "TOKEN_EXPIRED")], 1.0);
    at_least(
        "password checks",
        "classtrack_login_password_checks_total",
        &[],
        2.0,
    );
    at_least(
        "taken username",
        "classtrack_db_errors_total",
        &[("class", "conflict")],
        1.0,
    );
    // Unary latencies are histograms: every CheckIn in _count and in the
    // +Inf bucket, each bucket at most the next.
    let duration = "classtrack_rpc_duration_seconds";
    at_least(
        "latency count",
        &format!("{duration}_count"),
        &[("method", CHECK_IN)],
        3.0,
    );
    let count = during.find(&format!("{duration}_count"), &[("method", CHECK_IN)]);
    let inf = during.find(
        &format!("{duration}_bucket"),
        &[("method", CHECK_IN), ("le", "+Inf")],
    );
    assert_eq!(count, inf, "{l}: +Inf bucket and count");
    let mut last = 0.0;
    for le in ["0.001", "0.01", "0.1", "1", "10", "+Inf"] {
        let bucket = during.find(
            &format!("{duration}_bucket"),
            &[("method", CHECK_IN), ("le", le)],
        );
        assert!(bucket >= last, "{l}: bucket le={le} below the one before");
        last = bucket;
    }
    assert_eq!(
        during.find(&format!("{duration}_count"), &[("method", WATCH)]),
        0.0,
        "{l}: streams have no latency histogram"
    );
    at_least("acquires", "classtrack_db_acquire_seconds_count", &[], 1.0);
    let open = during.get(&format!(
        "classtrack_rpc_streams_open{{method=\"{WATCH}\"}}"
    ));
    assert!(open >= 1.0, "{l}: the open watch is counted: {open}");
    assert!(
        during.get("classtrack_db_pool_connections") >= 1.0,
        "{l}: the pool"
    );
    assert!(
        during.get("classtrack_db_pool_max_connections") >= 1.0,
        "{l}: the pool's limit"
    );

    // The client leaves the stream: it ends CANCELLED.
    drop(watch);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let after = Reading::of(&app).await;
        if grew(
            &before,
            &after,
            rpc,
            &[("method", WATCH), ("code", "CANCELLED")],
        ) >= 1.0
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{l}: the watch that ended is not counted CANCELLED"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
}
per_backend!(calls_move_their_counters_and_histograms);
