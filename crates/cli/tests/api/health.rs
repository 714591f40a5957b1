//! Health a load balancer can use: plain-HTTP `/healthz` and `/readyz`,
//! and grpc.health.v1 saying the same, following a database outage and its
//! end within about a second. The outage is a TCP relay in front of
//! MariaDB, killed with its connections and started again.

use std::time::{Duration, Instant};

use classtrack_proto::v1;
use classtrack_store::testing::Relay;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::helpers::*;

per_backend!(healthz_and_readyz_answer_over_plain_http);
mariadb_only!(readiness_follows_a_database_outage_and_its_end_within_a_second);

async fn serving(app: &TestApp) -> ServingStatus {
    let status = HealthClient::new(app.channel.clone())
        .check(HealthCheckRequest {
            service: "classtrack.v1.SessionService".into(),
        })
        .await
        .expect("health answers")
        .into_inner()
        .status;
    ServingStatus::try_from(status).expect("a status")
}

async fn healthz_and_readyz_answer_over_plain_http(db: TestDb) {
    let app = spawn_app(&db).await;
    assert_eq!(
        crate::http::get(&app.url, "/healthz").await,
        (200, "ok\n".into())
    );
    assert_eq!(
        crate::http::get(&app.url, "/readyz").await,
        (200, "ready\n".into())
    );
    assert_eq!(serving(&app).await, ServingStatus::Serving);
    app.stop().await;
}

/// How long until `check` holds, polling every 20 ms, up to 5 s.
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: not after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

async fn readiness_follows_a_database_outage_and_its_end_within_a_second(db: TestDb) {
    let u = url::Url::parse(&db.url).expect("url");
    let target = format!(
        "{}:{}",
        u.host_str().expect("host"),
        u.port().unwrap_or(3306)
    );
    let relay = Relay::start(&target).await;
    let through = db.url.replacen(&target, &relay.addr, 1);
    // The production pool settings: a call waits up to 5 s for a busy pool,
    // but a database the probe found gone is not waited for, so a call in
    // the outage is answered within about a second.
    let clock = std::sync::Arc::new(classtrack_core::ManualClock::new(start_of_term()));
    let running = classtrack::server::start(classtrack::server::ServerConfig {
        pool: Default::default(),
        ..server_config(&through, config(clock.clone()))
    })
    .await
    .expect("server starts");
    let app = TestApp::around(running, clock, db.label()).await;
    assert_eq!(crate::http::get(&app.url, "/readyz").await.0, 200);

    relay.kill();
    // A call that starts the moment the database goes (before the probe
    // has seen it): it stops waiting when the probe finds the database gone.
    let in_flight = {
        let mut courses = app.courses();
        let request = req(&app.admin, v1::ListCoursesRequest::default());
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = courses.list_courses(request).await;
            (answer, started.elapsed())
        })
    };
    let down = until("/readyz 503 after the database went away", async || {
        crate::http::get(&app.url, "/readyz").await.0 == 503
    })
    .await;
    let (_, body) = crate::http::get(&app.url, "/readyz").await;
    assert!(body.contains("database"), "{body}");
    assert_eq!(serving(&app).await, ServingStatus::NotServing);
    assert_eq!(
        crate::http::get(&app.url, "/healthz").await.0,
        200,
        "still alive"
    );
    // A call meanwhile: UNAVAILABLE, soon, never INTERNAL.
    let started = Instant::now();
    let answer = app
        .courses()
        .list_courses(req(&app.admin, v1::ListCoursesRequest::default()))
        .await;
    let took = started.elapsed();
    assert_code("during the outage", answer, Code::Unavailable);
    assert!(
        took < Duration::from_millis(1500),
        "UNAVAILABLE after {took:?}"
    );

    let (answer, in_flight_took) = in_flight.await.expect("the call in flight ends");
    assert_code(
        "in flight when the database went",
        answer,
        Code::Unavailable,
    );
    assert!(
        in_flight_took < Duration::from_millis(2000),
        "a call in flight when the database went: UNAVAILABLE after {in_flight_took:?} \
         (the pool's 5 s wait is for a busy pool, not a gone database)"
    );

    relay.revive().await;
    let up = until("/readyz 200 after the database came back", async || {
        crate::http::get(&app.url, "/readyz").await.0 == 200
    })
    .await;
    assert_eq!(serving(&app).await, ServingStatus::Serving);
    app.courses()
        .list_courses(req(&app.admin, v1::ListCoursesRequest::default()))
        .await
        .expect("served again");
    eprintln!(
        "not ready {down:?} after the outage, ready {up:?} after its end; a call in it: \
         {took:?}, one in flight when it began: {in_flight_took:?}"
    );
    assert!(
        down <= Duration::from_millis(1000),
        "not ready after {down:?}"
    );
    assert!(
        up <= Duration::from_millis(1000),
        "ready again after {up:?}"
    );
    app.stop().await;
}
