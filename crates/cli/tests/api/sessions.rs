use classtrack_proto::v1;
use prost_types::FieldMask;
use tonic::Code;

use crate::helpers::*;

async fn single_sessions_series_and_lifecycle(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let (ana, ana_token) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("CS101", &[&prof], None).await;
    app.enroll(&course, &ana).await;

    let backwards = app
        .sessions()
        .create_session(req(
            &prof_token,
            v1::CreateSessionRequest {
                parent: course.name.clone(),
                session: Some(v1::Session {
                    start_time: Some(ts(app.clock_now())),
                    end_time: Some(ts(app.clock_now() - chrono::Duration::minutes(5))),
                    ..Default::default()
                }),
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, backwards, Code::InvalidArgument)),
        ["session.end_time"],
        "{l}"
    );

    // Mondays and Wednesdays for three weeks in Lisbon, one holiday skipped
    let series = app
        .sessions()
        .create_session_series(req(
            &prof_token,
            v1::CreateSessionSeriesRequest {
                parent: course.name.clone(),
                weekdays: vec![v1::Weekday::Monday as i32, v1::Weekday::Wednesday as i32],
                start_local_time: "10:00".into(),
                duration_minutes: 90,
                first_date: "2026-09-14".into(),
                last_date: "2026-10-02".into(),
                skip_dates: vec!["2026-09-16".into()],
                room: "A-1".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("series")
        .into_inner();
    assert_eq!(series.sessions.len(), 5, "{l}");
    // 10:00 in Lisbon (UTC+1 in September) is 09:00 UTC: the first one is open now
    let first = &series.sessions[0];
    assert_eq!(
        first.start_time.as_ref().map(|t| t.seconds),
        Some(start_of_term().timestamp()),
        "{l}"
    );
    assert_eq!(first.state, v1::SessionState::Open as i32, "{l}");
    assert_eq!(
        series.sessions[1].state,
        v1::SessionState::Scheduled as i32,
        "{l}"
    );

    // today's sessions, as the student sees them
    let today = app
        .sessions()
        .list_sessions(req(
            &ana_token,
            v1::ListSessionsRequest {
                start_time: Some(ts(app.clock_now() - chrono::Duration::hours(9))),
                end_time: Some(ts(app.clock_now() + chrono::Duration::hours(15))),
                ..Default::default()
            },
        ))
        .await
        .expect("today")
        .into_inner();
    assert_eq!(today.sessions.len(), 1, "{l}");

    let moved = app
        .sessions()
        .update_session(req(
            &prof_token,
            v1::UpdateSessionRequest {
                session: Some(v1::Session {
                    name: series.sessions[1].name.clone(),
                    room: "B-2".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["room".into()],
                }),
            },
        ))
        .await
        .expect("update")
        .into_inner()
        .session
        .expect("session");
    assert_eq!(moved.room, "B-2", "{l}");

    let cancelled = app
        .sessions()
        .cancel_session(req(
            &prof_token,
            v1::CancelSessionRequest {
                name: series.sessions[2].name.clone(),
                reason: "Holiday".into(),
            },
        ))
        .await
        .expect("cancel")
        .into_inner();
    assert_eq!(
        cancelled.session.expect("s").state,
        v1::SessionState::Cancelled as i32,
        "{l}"
    );
    let listed = app
        .sessions()
        .list_sessions(req(
            &prof_token,
            v1::ListSessionsRequest {
                parent: course.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .expect("list")
        .into_inner();
    assert_eq!(
        listed.sessions.len(),
        4,
        "{l}: cancelled sessions are hidden unless asked for"
    );

    let closed = app
        .sessions()
        .close_session(req(
            &prof_token,
            v1::CloseSessionRequest {
                name: first.name.clone(),
            },
        ))
        .await
        .expect("close")
        .into_inner();
    assert_eq!(
        (closed.marked_absent, closed.session.expect("s").state),
        (1, v1::SessionState::Closed as i32),
        "{l}"
    );
    let again = app
        .sessions()
        .close_session(req(
            &prof_token,
            v1::CloseSessionRequest {
                name: first.name.clone(),
            },
        ))
        .await
        .expect("close again")
        .into_inner();
    assert_eq!(
        again.marked_absent, 0,
        "{l}: closing twice marks nobody twice"
    );
    let closed_cancel = app
        .sessions()
        .close_session(req(
            &prof_token,
            v1::CloseSessionRequest {
                name: series.sessions[2].name.clone(),
            },
        ))
        .await;
    assert_code(l, closed_cancel, Code::FailedPrecondition);
    app.stop().await;
}
per_backend!(single_sessions_series_and_lifecycle);

/// A meeting recorded after it took place counts for the students enrolled
/// when it was created: the finaliser marks them absent and the report
/// counts it for them, and for nobody who enrolled later.
async fn a_session_created_after_it_ended_counts_for_those_enrolled_then(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let course = app.create_course("CS101", &[&prof], None).await;
    let ana = app.create_user(v1::Role::Student, "ana").await;
    let bea = app.create_user(v1::Role::Student, "bea").await;
    app.enroll(&course, &ana).await;
    app.enroll(&course, &bea).await;
    app.advance(60);
    // this morning's lecture, entered after it ended
    let past = app.create_session(&course, -180, 60, None).await;
    app.advance(60);
    let cara = app.create_user(v1::Role::Student, "cara").await;
    app.enroll(&course, &cara).await;

    assert_eq!(app.finalize_due().await, 2, "{l}: ana and bea are absent");
    let roll = app
        .attendance()
        .list_session_attendance(req(
            &prof_token,
            v1::ListSessionAttendanceRequest {
                session: past.name.clone(),
            },
        ))
        .await
        .expect("roll")
        .into_inner();
    let absent: Vec<_> = roll
        .entries
        .iter()
        .filter(|e| {
            e.record.as_ref().map(|r| r.status) == Some(v1::AttendanceStatus::Absent as i32)
        })
        .map(|e| e.student.as_ref().expect("student").username.clone())
        .collect();
    assert_eq!(absent, ["ana", "bea"], "{l}");

    let report = app.report(&prof_token, &course).await;
    assert_eq!(report.sessions.len(), 1, "{l}");
    let row = |user: &v1::User| {
        report
            .rows
            .iter()
            .find(|r| r.student.as_ref().map(|s| &s.name) == Some(&user.name))
            .and_then(|r| r.counts)
            .map(|c| (c.sessions, c.absent))
            .expect("row")
    };
    assert_eq!(row(&ana), (1, 1), "{l}: the report counts it for ana");
    assert_eq!(row(&bea), (1, 1), "{l}");
    assert_eq!(
        row(&cara),
        (0, 0),
        "{l}: cara enrolled after it was created"
    );
    app.stop().await;
}
per_backend!(a_session_created_after_it_ended_counts_for_those_enrolled_then);
