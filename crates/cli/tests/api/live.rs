//! Replicas: live updates across them, and finalisation exactly once.

use std::time::Duration;

use classtrack_proto::v1;
use classtrack_proto::v1::watch_session_response::Event;

use crate::helpers::*;

async fn a_watcher_on_one_replica_sees_a_check_in_through_another(db: TestDb) {
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
per_backend!(a_watcher_on_one_replica_sees_a_check_in_through_another);

async fn ended_sessions_are_finalised_exactly_once_across_replicas(db: TestDb) {
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
per_backend!(ended_sessions_are_finalised_exactly_once_across_replicas);

async fn the_projector_stream_rotates_with_the_clock(db: TestDb) {
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
per_backend!(the_projector_stream_rotates_with_the_clock);

/// The next message of a stream, within five seconds.
async fn next<T>(l: &str, stream: &mut tonic::Streaming<T>) -> Result<Option<T>, tonic::Status> {
    tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .unwrap_or_else(|_| panic!("{l}: no message within 5 s"))
}

async fn watch(
    app: &TestApp,
    token: &str,
    session: &v1::Session,
) -> tonic::Streaming<v1::WatchSessionResponse> {
    app.attendance()
        .watch_session(req(
            token,
            v1::WatchSessionRequest {
                session: session.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{}: watch: {e:?}", app.label))
        .into_inner()
}

/// The name of the student a `changed` message is about.
fn changed_student(l: &str, msg: v1::WatchSessionResponse) -> String {
    match msg.event {
        Some(Event::Changed(entry)) => entry.student.expect("student").name,
        other => panic!("{l}: expected a change, got {other:?}"),
    }
}

/// "The current roll, then every change as it happens": a watch opened after
/// check-ins (through either replica) gets them in its roll and never again
/// as changes; when the session closes it gets the final roll and ends, and
/// a watch on a closed session gets only the final roll.
async fn a_watch_starts_from_its_roll_and_ends_with_the_session(db: TestDb) {
    let a = spawn_app(&db).await;
    let b = spawn_replica(&db, a.clock.clone()).await;
    let l = a.label;
    let (prof, prof_token) = a.user_with_token(v1::Role::Professor, "prof").await;
    let course = a.create_course("CS101", &[&prof], None).await;
    let mut students = Vec::new();
    for name in ["ana", "bea", "cara", "dan"] {
        let (s, t) = a.user_with_token(v1::Role::Student, name).await;
        a.enroll(&course, &s).await;
        students.push((s, t));
    }
    let session = a.create_session(&course, 0, 60, None).await;
    let qr = a.qr(&session).await;
    a.check_in(&students[0].1, &qr.token, "a")
        .await
        .expect("ana on A");
    b.check_in(&students[1].1, &qr.token, "b")
        .await
        .expect("bea on B");
    // the pollers have run past those changes by now
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut watchers = [
        (watch(&a, &prof_token, &session).await, "A"),
        (watch(&b, &prof_token, &session).await, "B"),
    ];
    for (w, which) in &mut watchers {
        let Some(Event::Roll(roll)) = next(l, w).await.expect("ok").expect("roll").event else {
            panic!("{l} {which}: first message must be the roll")
        };
        assert_eq!(roll.counts.expect("counts").present, 2, "{l} {which}");
    }
    b.check_in(&students[2].1, &qr.token, "c")
        .await
        .expect("cara on B");
    for (w, which) in &mut watchers {
        let msg = next(l, w).await.expect("ok").expect("change");
        assert_eq!(
            changed_student(l, msg),
            students[2].0.name,
            "{l} {which}: the first change after the roll is cara's, nothing older"
        );
    }

    a.close_session(&prof_token, &session).await;
    for (w, which) in &mut watchers {
        let msg = next(l, w).await.expect("ok").expect("session changed");
        assert!(
            matches!(msg.event, Some(Event::SessionChanged(ref s)) if s.state == v1::SessionState::Closed as i32),
            "{l} {which}: {msg:?}"
        );
        let Some(Event::Roll(roll)) = next(l, w).await.expect("ok").expect("roll").event else {
            panic!("{l} {which}: the final roll follows")
        };
        let counts = roll.counts.expect("counts");
        assert_eq!(
            (counts.present, counts.absent, counts.not_yet),
            (3, 1, 0),
            "{l} {which}"
        );
        assert!(
            next(l, w).await.expect("ends OK").is_none(),
            "{l} {which}: the watch ends"
        );
    }

    for app in [&a, &b] {
        let mut w = watch(app, &prof_token, &session).await;
        let Some(Event::Roll(roll)) = next(l, &mut w).await.expect("ok").expect("roll").event
        else {
            panic!("{l}: a closed session's watch starts with its roll")
        };
        assert_eq!(roll.counts.expect("counts").absent, 1, "{l}");
        assert!(
            next(l, &mut w).await.expect("ends OK").is_none(),
            "{l}: a watch on a closed session ends after the final roll"
        );
    }
    b.stop().await;
    a.stop().await;
}
per_backend!(a_watch_starts_from_its_roll_and_ends_with_the_session);

/// How a login is ended, by its owner or an administrator.
#[derive(Debug, Clone, Copy)]
enum Revocation {
    Logout,
    ChangePassword,
    ResetPassword,
    DeactivateUser,
}

async fn revoke(
    app: &TestApp,
    how: Revocation,
    user: &v1::User,
    stream_token: &str,
    other_token: &str,
) {
    let l = app.label;
    match how {
        Revocation::Logout => {
            app.auth()
                .logout(req(stream_token, v1::LogoutRequest {}))
                .await
                .unwrap_or_else(|e| panic!("{l}: logout: {e:?}"));
        }
        Revocation::ChangePassword => {
            // from another login: every other token of the user ends
            app.auth()
                .change_password(req(
                    other_token,
                    v1::ChangePasswordRequest {
                        current_password: PASSWORD.into(),
                        new_password: "a-new-password-2".into(),
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("{l}: change password: {e:?}"));
        }
        Revocation::ResetPassword => {
            app.users()
                .reset_password(req(
                    &app.admin,
                    v1::ResetPasswordRequest {
                        name: user.name.clone(),
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("{l}: reset: {e:?}"));
        }
        Revocation::DeactivateUser => {
            app.users()
                .deactivate_user(req(
                    &app.admin,
                    v1::DeactivateUserRequest {
                        name: user.name.clone(),
                    },
                ))
                .await
                .unwrap_or_else(|e| panic!("{l}: deactivate: {e:?}"));
        }
    }
}

/// A projector and a watcher left open by a professor whose login ends stop
/// with UNAUTHENTICATED: no roll changes and no valid QR token after it, by
/// each of the four ways a login ends, through the same replica and through
/// another one.
async fn streams_end_when_their_login_is_revoked(db: TestDb) {
    use Revocation::*;
    let a = spawn_app(&db).await;
    let b = spawn_replica(&db, a.clock.clone()).await;
    let l = a.label;
    let (ana, ana_token) = a.user_with_token(v1::Role::Student, "ana").await;
    let cases = [
        (Logout, &a),
        (ChangePassword, &a),
        (ResetPassword, &a),
        (DeactivateUser, &a),
        (Logout, &b),
        (DeactivateUser, &b),
    ];
    for (i, (how, through)) in cases.into_iter().enumerate() {
        let what = format!(
            "{l}: {how:?} through {}",
            if i < 4 {
                "the same replica"
            } else {
                "another replica"
            }
        );
        let username = format!("prof{i}");
        let prof = a.create_user(v1::Role::Professor, &username).await;
        let stream_token = a.login(&username, PASSWORD).await;
        let other_token = a.login(&username, PASSWORD).await;
        let course = a.create_course(&format!("CS10{i}"), &[&prof], None).await;
        a.enroll(&course, &ana).await;
        let session = a.create_session(&course, 0, 60, None).await;

        let mut roll = watch(&a, &stream_token, &session).await;
        assert!(
            matches!(
                next(l, &mut roll).await.expect("ok").expect("roll").event,
                Some(Event::Roll(_))
            ),
            "{what}"
        );
        let mut projector = a
            .attendance()
            .stream_qr_tokens(req(
                &stream_token,
                v1::StreamQrTokensRequest {
                    session: session.name.clone(),
                },
            ))
            .await
            .expect("projector")
            .into_inner();
        let qr = next(l, &mut projector)
            .await
            .expect("ok")
            .expect("token")
            .qr_token
            .expect("qr");

        revoke(through, how, &prof, &stream_token, &other_token).await;
        if i >= 4 {
            // another replica trusts its verified logins for login_cache_ttl (1 s here)
            tokio::time::sleep(Duration::from_millis(1200)).await;
        }
        // a check-in and a rotation that an open stream would pass on
        a.check_in(&ana_token, &qr.token, "phone-ana")
            .await
            .expect("ana");
        a.advance(10);

        for (stream, kind) in [
            (next(l, &mut roll).await.map(|m| m.map(|_| ())), "watch"),
            (
                next(l, &mut projector).await.map(|m| m.map(|_| ())),
                "projector",
            ),
        ] {
            let status = match stream {
                Err(status) => status,
                Ok(m) => panic!("{what}: the {kind} went on: {m:?}"),
            };
            assert_eq!(
                status.code(),
                tonic::Code::Unauthenticated,
                "{what}: {kind}: {status:?}"
            );
        }
    }
    b.stop().await;
    a.stop().await;
}
per_backend!(streams_end_when_their_login_is_revoked);
