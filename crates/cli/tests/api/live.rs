//! Replicas: live updates across them, and finalisation exactly once.

use std::time::Duration;

use classtrack_proto::v1;
use classtrack_proto::v1::watch_session_response::Event;

use crate::helpers::*;

#[tokio::test]
async fn a_watcher_on_one_replica_sees_a_check_in_through_another() {
    for db in backends().await {
        let a = spawn_app(&db).await;
        let b = spawn_replica(&db, a.clock.clone()).await;
        let l = a.label;
        let (prof, prof_token) = a.user_with_token(v1::Role::Professor, "prof").await;
        let (ana, ana_token) = a.user_with_token(v1::Role::Student, "ana").await;
        let (bea, bea_token) = a.user_with_token(v1::Role::Student, "bea").await;
        let course = a.create_course("CS101", &[&prof], None).await;
        a.enroll(&course, &ana).await;
        a.enroll(&course, &bea).await;
        let session = a.create_session(&course, 0, 60, None).await;

        let mut on_b = b
            .attendance()
            .watch_session(req(
                &prof_token,
                v1::WatchSessionRequest {
                    session: session.name.clone(),
                },
            ))
            .await
            .expect("watch on B")
            .into_inner();
        let mut on_a = a
            .attendance()
            .watch_session(req(
                &prof_token,
                v1::WatchSessionRequest {
                    session: session.name.clone(),
                },
            ))
            .await
            .expect("watch on A")
            .into_inner();
        for w in [&mut on_a, &mut on_b] {
            let first = w.message().await.expect("stream").expect("roll");
            let Some(Event::Roll(roll)) = first.event else {
                panic!("{l}: first message must be the roll")
            };
            assert_eq!(roll.entries.len(), 2, "{l}");
        }

        let qr = a.qr(&session).await;
        a.check_in(&ana_token, &qr.token, "a")
            .await
            .expect("check-in on A");
        // The poll interval is 100 ms in tests; allow generous slack for a loaded CI machine.
        for (w, which) in [(&mut on_b, "B"), (&mut on_a, "A")] {
            let msg = tokio::time::timeout(Duration::from_secs(5), w.message())
                .await
                .expect("in time")
                .expect("stream")
                .expect("event");
            let Some(Event::Changed(entry)) = msg.event else {
                panic!("{l}: expected a change on {which}, got {msg:?}")
            };
            assert_eq!(
                entry.student.expect("student").name,
                ana.name,
                "{l} {which}"
            );
            assert_eq!(msg.counts.expect("counts").present, 1, "{l} {which}");
        }
        // a check-in through B reaches the watcher on A
        b.check_in(&bea_token, &qr.token, "b")
            .await
            .expect("check-in on B");
        let msg = tokio::time::timeout(Duration::from_secs(5), on_a.message())
            .await
            .expect("in time")
            .expect("stream")
            .expect("event");
        assert!(
            matches!(msg.event, Some(Event::Changed(ref e)) if e.student.as_ref().map(|s| s.name.as_str()) == Some(bea.name.as_str())),
            "{l}: {msg:?}"
        );
        // closing is seen too
        b.sessions()
            .close_session(req(
                &prof_token,
                v1::CloseSessionRequest {
                    name: session.name.clone(),
                },
            ))
            .await
            .expect("close");
        let msg = tokio::time::timeout(Duration::from_secs(5), on_a.message())
            .await
            .expect("in time")
            .expect("stream")
            .expect("event");
        assert!(
            matches!(msg.event, Some(Event::SessionChanged(ref s)) if s.state == v1::SessionState::Closed as i32),
            "{l}: {msg:?}"
        );
        b.stop().await;
        a.stop().await;
    }
}

#[tokio::test]
async fn ended_sessions_are_finalised_exactly_once_across_replicas() {
    for db in backends().await {
        let a = spawn_app(&db).await;
        let b = spawn_replica(&db, a.clock.clone()).await;
        let l = a.label;
        let prof = a.create_user(v1::Role::Professor, "prof").await;
        let course = a.create_course("CS101", &[&prof], None).await;
        let mut tokens = Vec::new();
        for i in 0..6 {
            let (s, t) = a
                .user_with_token(v1::Role::Student, &format!("stu{i}"))
                .await;
            a.enroll(&course, &s).await;
            tokens.push(t);
        }
        let earlier = a.create_session(&course, 0, 60, None).await;
        let qr = a.qr(&earlier).await;
        a.check_in(&tokens[0], &qr.token, "d0")
            .await
            .expect("one present");
        a.advance(61 * 60);
        // a student enrolled after the session ended is not absent for it
        let late_joiner = a.create_user(v1::Role::Student, "late").await;
        a.enroll(&course, &late_joiner).await;

        let api_a = a.running.as_ref().expect("running").api.clone();
        let api_b = b.running.as_ref().expect("running").api.clone();
        let run = |api: std::sync::Arc<tokio::sync::Mutex<Option<classtrack_api::Api>>>| async move {
            let guard = api.lock().await;
            guard
                .as_ref()
                .expect("api")
                .finalize_due()
                .await
                .expect("finalize")
        };
        let (na, nb) = tokio::join!(run(api_a.clone()), run(api_b.clone()));
        assert_eq!(na + nb, 5, "{l}: five absences in all ({na} + {nb})");
        assert!(na == 0 || nb == 0, "{l}: one replica did it");
        assert_eq!(run(api_a).await, 0, "{l}: nothing left to do");

        let roll = a
            .attendance()
            .list_session_attendance(req(
                &a.admin,
                v1::ListSessionAttendanceRequest {
                    session: earlier.name.clone(),
                },
            ))
            .await
            .expect("roll")
            .into_inner();
        let counts = roll.counts.expect("counts");
        assert_eq!(
            (counts.present, counts.absent, counts.not_yet),
            (1, 5, 1),
            "{l}"
        );
        let joiner = roll
            .entries
            .iter()
            .find(|e| e.student.as_ref().map(|s| s.username.as_str()) == Some("late"))
            .expect("listed");
        assert!(
            joiner.record.is_none(),
            "{l}: the late joiner has no absence"
        );
        b.stop().await;
        a.stop().await;
    }
}

#[tokio::test]
async fn the_projector_stream_rotates_with_the_clock() {
    for db in backends().await {
        let app = spawn_app(&db).await;
        let l = app.label;
        let prof = app.create_user(v1::Role::Professor, "prof").await;
        let course = app.create_course("CS101", &[&prof], None).await;
        let session = app.create_session(&course, 0, 60, None).await;
        let mut stream = app
            .attendance()
            .stream_qr_tokens(req(
                &app.admin,
                v1::StreamQrTokensRequest {
                    session: session.name.clone(),
                },
            ))
            .await
            .expect("stream")
            .into_inner();
        let first = stream
            .message()
            .await
            .expect("ok")
            .expect("token")
            .qr_token
            .expect("qr");
        assert!(
            first.url.starts_with("https://attend.example.edu/c/"),
            "{l}: {}",
            first.url
        );
        app.advance(10);
        let second = tokio::time::timeout(Duration::from_secs(5), stream.message())
            .await
            .expect("in time")
            .expect("ok")
            .expect("token")
            .qr_token
            .expect("qr");
        assert_ne!(first.token, second.token, "{l}");
        assert_eq!(second.window_start_time, first.expire_time, "{l}");
        app.sessions()
            .close_session(req(
                &app.admin,
                v1::CloseSessionRequest {
                    name: session.name.clone(),
                },
            ))
            .await
            .expect("close");
        let end = tokio::time::timeout(Duration::from_secs(5), stream.message())
            .await
            .expect("in time")
            .expect("ok");
        assert!(
            end.is_none(),
            "{l}: the stream ends when the session closes"
        );
        app.stop().await;
    }
}
