//! A database that asks for work to be tried again — a deadlock, a Galera
//! certification conflict (1213, SQLSTATE 40001), a node not ready (1047,
//! SQLSTATE 08S01) — is tried again on every write path, and only a
//! database that keeps refusing is answered UNAVAILABLE, with a RetryInfo.
//! The refusals are injected with a trigger that SIGNALs the error while a
//! counter in a MEMORY table (which a rollback does not restore) is above
//! zero.

use std::time::Duration;

use classtrack_proto::v1;
use sqlx::{Connection, Executor, Row};
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;

mariadb_only!(
    a_close_the_database_refuses_twice_succeeds,
    a_check_in_the_database_refuses_twice_succeeds,
    a_node_that_is_not_ready_yet_is_waited_for,
    a_database_that_keeps_refusing_is_unavailable_with_retry_info,
);
per_backend!(closing_one_session_from_two_replicas_at_once_closes_it_once);

/// Makes the next `times` `event`s on `table` fail with MariaDB error
/// `errno` / `sqlstate`.
async fn refuse(db: &TestDb, table: &str, event: &str, errno: u16, sqlstate: &str, times: i64) {
    let mut conn = sqlx::AnyConnection::connect(&db.admin_url)
        .await
        .expect("admin connection");
    conn.execute("CREATE TABLE IF NOT EXISTS test_faults (n INT NOT NULL) ENGINE=MEMORY")
        .await
        .expect("faults table");
    conn.execute("DELETE FROM test_faults")
        .await
        .expect("reset");
    conn.execute(format!("INSERT INTO test_faults VALUES ({times})").as_str())
        .await
        .expect("count");
    let trigger = format!("test_fault_{}_{}", table, event.to_ascii_lowercase());
    conn.execute(format!("DROP TRIGGER IF EXISTS {trigger}").as_str())
        .await
        .expect("drop trigger");
    conn.execute(
        format!(
            "CREATE TRIGGER {trigger} BEFORE {event} ON {table} FOR EACH ROW BEGIN \
             IF (SELECT n FROM test_faults) > 0 THEN \
               UPDATE test_faults SET n = n - 1; \
               SIGNAL SQLSTATE '{sqlstate}' SET MYSQL_ERRNO = {errno}, \
                 MESSAGE_TEXT = 'injected by the test'; \
             END IF; END"
        )
        .as_str(),
    )
    .await
    .expect("trigger");
    conn.close().await.expect("close");
}

/// Refusals left.
async fn left(db: &TestDb) -> i64 {
    let mut conn = sqlx::AnyConnection::connect(&db.admin_url)
        .await
        .expect("admin connection");
    let row = sqlx::query("SELECT CAST(n AS SIGNED) FROM test_faults")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    row.try_get::<i64, _>(0).expect("n")
}

async fn a_session(app: &TestApp) -> (v1::Session, v1::Course) {
    let prof = app.create_user(v1::Role::Professor, "prof").await;
    let course = app.create_course("RT101", &[&prof], None).await;
    let session = app.create_session(&course, -5, 60, None).await;
    (session, course)
}

async fn a_close_the_database_refuses_twice_succeeds(db: TestDb) {
    let app = spawn_app(&db).await;
    let (session, _) = a_session(&app).await;
    refuse(&db, "sessions", "UPDATE", 1213, "40001", 2).await;
    let closed = app.close_session(&app.admin, &session).await;
    assert!(
        closed.session.expect("session").closed_time.is_some(),
        "closed after two refusals"
    );
    assert_eq!(
        left(&db).await,
        0,
        "both refusals were met, then it went through"
    );
    app.stop().await;
}

async fn a_check_in_the_database_refuses_twice_succeeds(db: TestDb) {
    let app = spawn_app(&db).await;
    let (session, course) = a_session(&app).await;
    let (student, token) = app.user_with_token(v1::Role::Student, "stu").await;
    app.enroll(&course, &student).await;
    let qr = app.qr(&session).await;
    refuse(&db, "attendance", "INSERT", 1213, "40001", 2).await;
    let answer = app.check_in(&token, &qr.token, "phone-1").await;
    assert!(answer.is_ok(), "checked in after two refusals: {answer:?}");
    assert_eq!(left(&db).await, 0);
    let again = app
        .check_in(&token, &qr.token, "phone-1")
        .await
        .expect("repeat");
    assert!(again.already_recorded, "the record is there: {again:?}");
    app.stop().await;
}

/// 1047 / 08S01: "WSREP has not yet prepared node for application use".
async fn a_node_that_is_not_ready_yet_is_waited_for(db: TestDb) {
    let app = spawn_app(&db).await;
    let (session, _) = a_session(&app).await;
    refuse(&db, "sessions", "UPDATE", 1047, "08S01", 3).await;
    app.close_session(&app.admin, &session).await;
    assert_eq!(left(&db).await, 0);
    app.stop().await;
}

async fn a_database_that_keeps_refusing_is_unavailable_with_retry_info(db: TestDb) {
    let app = spawn_app(&db).await;
    let (session, _) = a_session(&app).await;
    refuse(&db, "sessions", "UPDATE", 1213, "40001", 1000).await;
    let started = std::time::Instant::now();
    let answer = app
        .sessions()
        .close_session(req(
            &app.admin,
            v1::CloseSessionRequest {
                name: session.name.clone(),
            },
        ))
        .await;
    let took = started.elapsed();
    let status = assert_code("close", answer, Code::Unavailable);
    let retry = status
        .get_details_retry_info()
        .and_then(|r| r.retry_delay)
        .expect("UNAVAILABLE carries a RetryInfo");
    assert!(retry >= Duration::from_millis(100), "retry after {retry:?}");
    // The first try and the default four retries.
    assert_eq!(1000 - left(&db).await, 5, "tried five times in all");
    assert!(took < Duration::from_secs(2), "answered within {took:?}");
    app.stop().await;
}

/// Eight sessions, each closed from two replicas at the same moment: both
/// answers OK, each session closed once (one audit entry).
async fn closing_one_session_from_two_replicas_at_once_closes_it_once(db: TestDb) {
    let a = spawn_app(&db).await;
    let b = spawn_replica(&db, a.clock.clone()).await;
    let prof = a.create_user(v1::Role::Professor, "prof").await;
    let course = a.create_course("RT102", &[&prof], None).await;
    let mut sessions = Vec::new();
    for i in 0..8 {
        sessions.push(a.create_session(&course, -5 - i, 60, None).await);
    }
    let (mut on_a, mut on_b) = (a.sessions(), b.sessions());
    for session in &sessions {
        let (x, y) = tokio::join!(
            on_a.close_session(req(
                &a.admin,
                v1::CloseSessionRequest {
                    name: session.name.clone(),
                },
            )),
            on_b.close_session(req(
                &b.admin,
                v1::CloseSessionRequest {
                    name: session.name.clone(),
                },
            )),
        );
        for (which, r) in [("a", x), ("b", y)] {
            assert!(r.is_ok(), "{}: close on {which}: {r:?}", db.label());
        }
    }
    let audit = a
        .reports()
        .list_audit_events(req(
            &a.admin,
            v1::ListAuditEventsRequest {
                action: "session.close".into(),
                page_size: 100,
                ..Default::default()
            },
        ))
        .await
        .expect("audit")
        .into_inner();
    let closes = audit
        .events
        .iter()
        .filter(|e| e.action == "session.close")
        .count();
    assert_eq!(closes, 8, "{}: each session closed once", db.label());
    b.stop().await;
    a.stop().await;
}
