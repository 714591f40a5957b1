//! Every check-in rule, with a clock the test moves (no sleeping for expiry).

use classtrack_proto::v1;
use classtrack_store::attendance::{rejections, RejectionFilter};
use classtrack_store::page::Page;
use tonic::Code;

use crate::helpers::*;

struct Class {
    app: TestApp,
    course: v1::Course,
    session: v1::Session,
    ana: (v1::User, String),
    bea: (v1::User, String),
    outsider: (v1::User, String),
    prof_token: String,
}

/// A course with two enrolled students and one who is not, and a session
/// that starts now and lasts an hour.
async fn class(
    db: &classtrack_store::testing::TestDb,
    settings: Option<v1::CheckInSettings>,
) -> Class {
    let app = spawn_app(db).await;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let ana = app.user_with_token(v1::Role::Student, "ana").await;
    let bea = app.user_with_token(v1::Role::Student, "bea").await;
    let outsider = app.user_with_token(v1::Role::Student, "olga").await;
    let course = app.create_course("CS101", &[&prof], settings).await;
    app.enroll(&course, &ana.0).await;
    app.enroll(&course, &bea.0).await;
    let session = app.create_session(&course, 0, 60, None).await;
    Class {
        app,
        course,
        session,
        ana,
        bea,
        outsider,
        prof_token,
    }
}

/// `n` more students of the course, logged in (usernames `{prefix}00`…).
async fn enrolled_students(c: &Class, prefix: &str, n: usize) -> Vec<(v1::User, String)> {
    let mut students = Vec::with_capacity(n);
    for i in 0..n {
        let student = c
            .app
            .user_with_token(v1::Role::Student, &format!("{prefix}{i:02}"))
            .await;
        c.app.enroll(&c.course, &student.0).await;
        students.push(student);
    }
    students
}

/// The session's roll counts, as its professor sees them.
async fn roll_counts(c: &Class) -> v1::RollCounts {
    c.app
        .attendance()
        .list_session_attendance(req(
            &c.prof_token,
            v1::ListSessionAttendanceRequest {
                session: c.session.name.clone(),
            },
        ))
        .await
        .expect("roll")
        .into_inner()
        .counts
        .expect("counts")
}

/// A check-in with the session's short code typed in.
fn typed_code(
    c: &Class,
    token: &str,
    code: &str,
) -> impl std::future::Future<Output = Result<v1::CheckInResponse, tonic::Status>> {
    let r = req(
        token,
        v1::CheckInRequest {
            credential: Some(v1::check_in_request::Credential::ShortCode(v1::ShortCode {
                session: c.session.name.clone(),
                code: code.into(),
            })),
            ..Default::default()
        },
    );
    let mut client = c.app.attendance();
    async move { client.check_in(r).await.map(|r| r.into_inner()) }
}

/// Six digits that are not the session's current code.
fn not_the_code(qr: &v1::QrToken) -> &'static str {
    if qr.short_code == "000000" {
        "111111"
    } else {
        "000000"
    }
}

fn record(r: &v1::CheckInResponse) -> (v1::AttendanceStatus, v1::RecordSource) {
    let rec = r.record.as_ref().expect("record");
    (
        v1::AttendanceStatus::try_from(rec.status).expect("status"),
        v1::RecordSource::try_from(rec.source).expect("source"),
    )
}

async fn present_until_the_late_threshold_then_late(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    c.app.advance(10 * 60); // exactly start + 10 min
    let qr = c.app.qr(&c.session).await;
    let r = c
        .app
        .check_in(&c.ana.1, &qr.token, "phone-ana")
        .await
        .expect("ana");
    assert_eq!(
        record(&r),
        (v1::AttendanceStatus::Present, v1::RecordSource::Qr),
        "{l}"
    );
    c.app.advance(1);
    let qr = c.app.qr(&c.session).await;
    let r = c
        .app
        .check_in(&c.bea.1, &qr.url, "phone-bea")
        .await
        .expect("bea, with the whole URL");
    assert_eq!(record(&r).0, v1::AttendanceStatus::Late, "{l}");
    // a repeat returns the existing record unchanged, even with an old code
    c.app.advance(600);
    let again = c
        .app
        .check_in(&c.bea.1, &qr.token, "phone-bea")
        .await
        .expect("repeat");
    assert!(again.already_recorded, "{l}");
    assert_eq!(again.record, r.record, "{l}");
    c.app.stop().await;
}
per_backend!(present_until_the_late_threshold_then_late);

async fn previous_window_only_within_grace(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let old = c.app.qr(&c.session).await; // window w, 09:00:00–09:00:10
    c.app.advance(12); // 2 s after rotation: grace (3 s) still running
    c.app
        .check_in(&c.ana.1, &old.token, "a")
        .await
        .expect("previous window in grace");
    c.app.advance(1); // 3 s after rotation
    let r = c.app.check_in(&c.bea.1, &old.token, "b").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "TOKEN_EXPIRED",
        "{l}"
    );
    c.app.advance(10); // two windows later
    let r = c.app.check_in(&c.bea.1, &old.token, "b").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "TOKEN_EXPIRED",
        "{l}"
    );
    let fresh = c.app.qr(&c.session).await;
    assert_ne!(fresh.token, old.token, "{l}");
    c.app
        .check_in(&c.bea.1, &fresh.token, "b")
        .await
        .expect("fresh code");
    c.app.stop().await;
}
per_backend!(previous_window_only_within_grace);

async fn forged_foreign_and_malformed_tokens(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let other = c.app.create_session(&c.course, 0, 60, None).await;
    let qr = c.app.qr(&c.session).await;
    let id = |name: &str| name.trim_start_matches("sessions/").to_string();
    // session A's token presented as session B's
    let foreign = qr.token.replacen(&id(&c.session.name), &id(&other.name), 1);
    let r = c.app.check_in(&c.ana.1, &foreign, "a").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "WRONG_SESSION",
        "{l}"
    );
    // a changed MAC character
    let mut chars: Vec<char> = qr.token.chars().collect();
    let last = chars.len() - 2;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    let r = c
        .app
        .check_in(&c.ana.1, &chars.into_iter().collect::<String>(), "a")
        .await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "WRONG_SESSION",
        "{l}"
    );
    for garbage in ["", "hello", "1.2.3", "'; DROP TABLE attendance; --"] {
        let r = c.app.check_in(&c.ana.1, garbage, "a").await;
        assert_eq!(
            reason(&assert_code(l, r, Code::InvalidArgument)),
            "TOKEN_MALFORMED",
            "{l}: {garbage}"
        );
    }
    let missing = qr.token.replacen(&id(&c.session.name), "999999", 1);
    let r = c.app.check_in(&c.ana.1, &missing, "a").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::NotFound)),
        "SESSION_NOT_FOUND",
        "{l}"
    );

    // every refusal is kept for supervision, with device and address
    let store = classtrack_store::Store::connect(&db.url)
        .await
        .expect("store");
    let mut conn = store.acquire().await.expect("conn");
    let kept = rejections(
        &mut conn,
        &RejectionFilter {
            student: Some(classtrack_core::UserId::parse(&c.ana.0.name).expect("id")),
            ..Default::default()
        },
        Page::parse(100, "", "r").expect("page"),
    )
    .await
    .expect("list");
    assert_eq!(kept.len(), 7, "{l}");
    assert!(
        kept.iter().all(|k| k.device_id.as_deref() == Some("a")
            && k.client_address.as_deref() == Some("127.0.0.1")),
        "{l}"
    );
    assert_eq!(kept[0].reason, "SESSION_NOT_FOUND", "{l}");
    drop(conn);
    store.close().await;
    c.app.stop().await;
}
per_backend!(forged_foreign_and_malformed_tokens);

async fn who_may_check_in_and_when(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let qr = c.app.qr(&c.session).await;
    let r = c.app.check_in(&c.outsider.1, &qr.token, "o").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::PermissionDenied)),
        "NOT_ENROLLED",
        "{l}"
    );
    let r = c.app.check_in(&c.prof_token, &qr.token, "p").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::PermissionDenied)),
        "NOT_STUDENT",
        "{l}"
    );
    let r = c.app.check_in("", &qr.token, "p").await;
    assert_code(l, r, Code::Unauthenticated);

    // a future session: its code exists (the projector may show it early) but check-in is not open
    let later = c.app.create_session(&c.course, 60, 60, None).await;
    let early = c.app.qr(&later).await;
    let r = c.app.check_in(&c.ana.1, &early.token, "a").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "SESSION_NOT_OPEN_YET",
        "{l}"
    );

    // cancelled, then closed
    let cancelled = c.app.create_session(&c.course, 0, 60, None).await;
    let ctoken = c.app.qr(&cancelled).await;
    c.app
        .sessions()
        .cancel_session(req(
            &c.prof_token,
            v1::CancelSessionRequest {
                name: cancelled.name.clone(),
                reason: String::new(),
            },
        ))
        .await
        .expect("cancel");
    let r = c.app.check_in(&c.ana.1, &ctoken.token, "a").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "SESSION_CANCELLED",
        "{l}"
    );
    c.app
        .sessions()
        .close_session(req(
            &c.prof_token,
            v1::CloseSessionRequest {
                name: c.session.name.clone(),
            },
        ))
        .await
        .expect("close");
    // ana never checked in: the absence of the close is no check-in of hers
    let r = c.app.check_in(&c.ana.1, &qr.token, "a").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "SESSION_CLOSED",
        "{l}"
    );
    c.app.stop().await;
}
per_backend!(who_may_check_in_and_when);

async fn past_sessions_are_closed_to_check_in(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    c.app.advance(59 * 60 + 55);
    let qr = c.app.qr(&c.session).await;
    c.app.advance(5); // the session's end
    let r = c.app.check_in(&c.ana.1, &qr.token, "a").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "SESSION_CLOSED",
        "{l}"
    );
    c.app.stop().await;
}
per_backend!(past_sessions_are_closed_to_check_in);

/// The reasons stored for a student's refused check-ins, oldest first.
async fn stored_refusals(
    db: &classtrack_store::testing::TestDb,
    student: &v1::User,
) -> Vec<String> {
    let store = classtrack_store::Store::connect(&db.url)
        .await
        .expect("store");
    let mut conn = store.acquire().await.expect("conn");
    let filter = RejectionFilter {
        student: Some(classtrack_core::UserId::parse(&student.name).expect("name")),
        ..Default::default()
    };
    let stored = rejections(&mut conn, &filter, Page::parse(50, "", "r").expect("page"))
        .await
        .expect("rejections");
    drop(conn);
    store.close().await;
    stored.into_iter().rev().map(|r| r.reason).collect()
}

/// A screenshot of the QR code shared after the lecture: the close wrote
/// absences, a professor marked someone, and neither is a check-in of the
/// student's, so a late check-in is refused (and kept for supervision) —
/// whether the professor closed the session or the finaliser did. A student
/// who did check in still gets their record back.
async fn a_saved_token_after_the_close_is_refused_unless_it_is_a_repeat(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let cara = enrolled_students(&c, "cara", 1).await.remove(0);
    let qr = c.app.qr(&c.session).await;
    let ana_record = c
        .app
        .check_in(&c.ana.1, &qr.token, "phone-ana")
        .await
        .expect("ana checks in");
    c.app
        .attendance()
        .mark_attendance(req(
            &c.prof_token,
            v1::MarkAttendanceRequest {
                session: c.session.name.clone(),
                student: cara.0.name.clone(),
                status: v1::AttendanceStatus::Excused as i32,
                note: "sick".into(),
            },
        ))
        .await
        .expect("cara excused");
    // while the session is open, a check-in over a mark answers with the mark
    let r = c
        .app
        .check_in(&cara.1, &qr.token, "phone-cara")
        .await
        .expect("cara while open");
    assert!(r.already_recorded, "{l}");
    assert_eq!(
        record(&r),
        (v1::AttendanceStatus::Excused, v1::RecordSource::Manual),
        "{l}: the mark stands"
    );
    c.app.close_session(&c.prof_token, &c.session).await;

    for (who, what) in [
        (&c.bea, "bea, absent by the close"),
        (&cara, "cara, marked"),
    ] {
        let r = c.app.check_in(&who.1, &qr.token, "late-phone").await;
        assert_eq!(
            reason(&assert_code(l, r, Code::FailedPrecondition)),
            "SESSION_CLOSED",
            "{l}: {what}"
        );
    }
    let again = c
        .app
        .check_in(&c.ana.1, &qr.token, "phone-ana")
        .await
        .expect("ana's repeat");
    assert!(again.already_recorded, "{l}");
    assert_eq!(again.record, ana_record.record, "{l}: her own record");

    // the finaliser's absences are no check-ins either
    let ended = c.app.create_session(&c.course, 0, 60, None).await;
    let old = c.app.qr(&ended).await;
    c.app.advance(60 * 60);
    assert_eq!(c.app.finalize_due().await, 3, "{l}: all three absent");
    c.app.advance(-60 * 60 + 5); // the screenshot's window, to rule out TOKEN_EXPIRED
    let r = c.app.check_in(&c.bea.1, &old.token, "late-phone").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "SESSION_CLOSED",
        "{l}: after the finaliser"
    );

    assert_eq!(
        stored_refusals(&db, &c.bea.0).await,
        ["SESSION_CLOSED", "SESSION_CLOSED"],
        "{l}: kept for supervision"
    );
    assert_eq!(
        stored_refusals(&db, &cara.0).await,
        ["SESSION_CLOSED"],
        "{l}"
    );
    c.app.stop().await;
}
per_backend!(a_saved_token_after_the_close_is_refused_unless_it_is_a_repeat);

async fn one_device_per_student_block_or_flag(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let qr = c.app.qr(&c.session).await;
    c.app
        .check_in(&c.ana.1, &qr.token, "shared-phone")
        .await
        .expect("ana");
    let r = c.app.check_in(&c.bea.1, &qr.token, "shared-phone").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::PermissionDenied)),
        "DEVICE_IN_USE",
        "{l}"
    );

    // the course switches to "accept and flag" (a friend's phone when a battery died)
    c.app
        .courses()
        .update_course(req(
            &c.prof_token,
            v1::UpdateCourseRequest {
                course: Some(v1::Course {
                    name: c.course.name.clone(),
                    settings: Some(v1::CheckInSettings {
                        device_reuse: v1::DeviceReusePolicy::Flag as i32,
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["settings".into()],
                }),
            },
        ))
        .await
        .expect("flag policy");
    let r = c
        .app
        .check_in(&c.bea.1, &qr.token, "shared-phone")
        .await
        .expect("accepted, flagged");
    assert!(r.record.expect("record").flagged, "{l}");
    c.app.stop().await;
}
per_backend!(one_device_per_student_block_or_flag);

async fn one_phone_for_ten_students_at_once_records_one(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let students = enrolled_students(&c, "phone", 10).await;
    let qr = c.app.qr(&c.session).await;
    // the first goes alone; the nine after it share a batch, which must see it and each other
    let answers = futures::future::join_all(
        students
            .iter()
            .map(|(_, token)| c.app.check_in(token, &qr.token, "one-phone")),
    )
    .await;
    let mut recorded = 0;
    for answer in answers {
        match answer {
            Ok(_) => recorded += 1,
            Err(s) => assert_eq!(reason(&s), "DEVICE_IN_USE", "{l}: {s:?}"),
        }
    }
    assert_eq!(recorded, 1, "{l}: one student per phone");
    assert_eq!(roll_counts(&c).await.present, 1, "{l}");
    c.app.stop().await;
}
per_backend!(one_phone_for_ten_students_at_once_records_one);

async fn geofence_and_network_allowlist(db: TestDb) {
    let fence = v1::CheckInSettings {
        geofence: Some(v1::Geofence {
            latitude: 38.7369,
            longitude: -9.1427,
            radius_meters: 100.0,
        }),
        network_allowlist: vec!["10.0.0.0/8".into()],
        ..Default::default()
    };
    let c = class(&db, Some(fence)).await;
    let l = c.app.label;
    let qr = c.app.qr(&c.session).await;
    let attempt = |token: &str, loc: Option<(f64, f64)>, from: &str| {
        let mut r = req(
            token,
            v1::CheckInRequest {
                credential: Some(v1::check_in_request::Credential::Token(qr.token.clone())),
                device_id: format!("dev-{token}"),
                location: loc.map(|(latitude, longitude)| v1::Location {
                    latitude,
                    longitude,
                    accuracy_meters: 10.0,
                }),
                ..Default::default()
            },
        );
        r.metadata_mut()
            .insert("x-forwarded-for", from.parse().expect("ascii"));
        let mut client = c.app.attendance();
        async move { client.check_in(r).await }
    };
    let r = attempt(&c.ana.1, None, "10.1.2.3").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::InvalidArgument)),
        "LOCATION_REQUIRED",
        "{l}"
    );
    let r = attempt(&c.ana.1, Some((38.7469, -9.1427)), "10.1.2.3").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::PermissionDenied)),
        "OUTSIDE_GEOFENCE",
        "{l}"
    );
    let r = attempt(&c.ana.1, Some((38.7370, -9.1428)), "192.168.1.20").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::PermissionDenied)),
        "ADDRESS_NOT_ALLOWED",
        "{l}"
    );
    // a client-written entry to the left of the real address does not help
    let r = attempt(&c.ana.1, Some((38.7370, -9.1428)), "10.1.2.3, 192.168.1.20").await;
    assert_eq!(
        reason(&assert_code(l, r, Code::PermissionDenied)),
        "ADDRESS_NOT_ALLOWED",
        "{l}"
    );
    attempt(&c.ana.1, Some((38.7370, -9.1428)), "10.1.2.3")
        .await
        .expect("inside, from campus");
    c.app.stop().await;
}
per_backend!(geofence_and_network_allowlist);

async fn short_code_and_scan_then_login(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let qr = c.app.qr(&c.session).await;
    let code = |token: &str, code: &str| typed_code(&c, token, code);
    let wrong = not_the_code(&qr);
    let r = code(&c.ana.1, wrong).await;
    assert_eq!(
        reason(&assert_code(l, r, Code::FailedPrecondition)),
        "CODE_INVALID",
        "{l}"
    );
    // guessing is closed after five wrong codes in a session
    for _ in 0..5 {
        let r = code(&c.outsider.1, wrong).await;
        assert_eq!(
            reason(&assert_code(l, r, Code::FailedPrecondition)),
            "CODE_INVALID",
            "{l}"
        );
    }
    let r = code(&c.outsider.1, &qr.short_code).await;
    let refused = assert_code(l, r, Code::ResourceExhausted);
    assert_eq!(reason(&refused), "TOO_MANY_ATTEMPTS", "{l}");
    // RetryInfo like Login's: typing stays closed until the session's
    // check-in closes (the session ends in an hour).
    let retry = {
        use tonic_types::StatusExt;
        refused
            .get_details_retry_info()
            .and_then(|r| r.retry_delay)
            .unwrap_or_else(|| panic!("{l}: RetryInfo on TOO_MANY_ATTEMPTS: {refused:?}"))
    };
    assert_eq!(retry.as_secs(), 3600, "{l}: {retry:?}");
    let r = code(&c.ana.1, &qr.short_code).await.expect("typed code");
    assert_eq!(
        record(&r),
        (v1::AttendanceStatus::Present, v1::RecordSource::Code),
        "{l}"
    );

    // a scan judged now, completed after a two-minute login, counts at the scan
    let scan = c
        .app
        .attendance()
        .scan_qr_token(v1::ScanQrTokenRequest {
            token: qr.url.clone(),
        })
        .await
        .expect("scan")
        .into_inner();
    c.app.advance(120);
    let plain = c.app.check_in(&c.bea.1, &qr.token, "b").await;
    assert_eq!(
        reason(&assert_code(l, plain, Code::FailedPrecondition)),
        "TOKEN_EXPIRED",
        "{l}"
    );
    let with_proof = |proof: String| {
        let r = req(
            &c.bea.1,
            v1::CheckInRequest {
                credential: Some(v1::check_in_request::Credential::Token(qr.token.clone())),
                scan_time: scan.scan_time,
                scan_proof: proof,
                ..Default::default()
            },
        );
        let mut client = c.app.attendance();
        async move { client.check_in(r).await.map(|r| r.into_inner()) }
    };
    let forged = with_proof("A".repeat(22)).await;
    assert_eq!(
        reason(&assert_code(l, forged, Code::FailedPrecondition)),
        "SCAN_PROOF_INVALID",
        "{l}: a forged proof has its own reason"
    );
    let done = with_proof(scan.scan_proof.clone())
        .await
        .expect("checked in after login");
    assert_eq!(
        done.record.expect("record").record_time,
        scan.scan_time,
        "{l}"
    );
    // and the allowance ends
    let (carla, carla_token) = c.app.user_with_token(v1::Role::Student, "carla").await;
    c.app.enroll(&c.course, &carla).await;
    c.app.advance(5 * 60);
    let late = c
        .app
        .attendance()
        .check_in(req(
            &carla_token,
            v1::CheckInRequest {
                credential: Some(v1::check_in_request::Credential::Token(qr.token.clone())),
                scan_time: scan.scan_time,
                scan_proof: scan.scan_proof.clone(),
                ..Default::default()
            },
        ))
        .await;
    assert_eq!(
        reason(&assert_code(l, late, Code::FailedPrecondition)),
        "TOKEN_EXPIRED",
        "{l}"
    );
    c.app.stop().await;
}
per_backend!(short_code_and_scan_then_login);

async fn guessed_codes_sent_at_once_count_together(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let qr = c.app.qr(&c.session).await;
    let wrong = not_the_code(&qr);
    let guess = |code: &str| typed_code(&c, &c.bea.1, code);
    // twelve guesses in one burst (they share batches): five are judged, the rest refused
    let answers = futures::future::join_all((0..12).map(|_| guess(wrong))).await;
    let mut reasons: Vec<String> = answers
        .into_iter()
        .map(|a| reason(&a.expect_err("a wrong code is refused")))
        .collect();
    reasons.sort();
    let mut expected = vec!["CODE_INVALID".to_string(); 5];
    expected.extend(vec!["TOO_MANY_ATTEMPTS".to_string(); 7]);
    assert_eq!(reasons, expected, "{l}");
    let r = guess(&qr.short_code).await;
    assert_eq!(
        reason(&assert_code(l, r, Code::ResourceExhausted)),
        "TOO_MANY_ATTEMPTS",
        "{l}: typing stays closed for her"
    );
    c.app.stop().await;
}
per_backend!(guessed_codes_sent_at_once_count_together);

async fn manual_marks_are_audited_and_override(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let qr = c.app.qr(&c.session).await;
    c.app.check_in(&c.ana.1, &qr.token, "a").await.expect("ana");
    let mark = |student: &str, status: v1::AttendanceStatus, note: &str| {
        let r = req(
            &c.prof_token,
            v1::MarkAttendanceRequest {
                session: c.session.name.clone(),
                student: student.into(),
                status: status as i32,
                note: note.into(),
            },
        );
        let mut client = c.app.attendance();
        async move { client.mark_attendance(r).await.map(|r| r.into_inner()) }
    };
    let m = mark(
        &c.bea.0.name,
        v1::AttendanceStatus::Excused,
        "Doctor's note",
    )
    .await
    .expect("mark");
    let rec = m.record.expect("record");
    assert_eq!(
        (rec.status, rec.source, rec.note.as_str()),
        (
            v1::AttendanceStatus::Excused as i32,
            v1::RecordSource::Manual as i32,
            "Doctor's note"
        ),
        "{l}"
    );
    mark(&c.ana.0.name, v1::AttendanceStatus::Late, "")
        .await
        .expect("override");
    let r = mark(&c.outsider.0.name, v1::AttendanceStatus::Present, "").await;
    assert_code(l, r, Code::FailedPrecondition);
    let r = mark(&c.bea.0.name, v1::AttendanceStatus::Unspecified, "").await;
    assert_eq!(
        fields(&assert_code(l, r, Code::InvalidArgument)),
        ["status"],
        "{l}"
    );

    let counts = roll_counts(&c).await;
    assert_eq!(
        (counts.enrolled, counts.late, counts.excused, counts.not_yet),
        (2, 1, 1, 0),
        "{l}"
    );

    let store = classtrack_store::Store::connect(&db.url)
        .await
        .expect("store");
    let mut conn = store.acquire().await.expect("conn");
    let events = classtrack_store::audit::list(
        &mut conn,
        &classtrack_store::audit::AuditFilter {
            action_prefix: Some("attendance.".into()),
            ..Default::default()
        },
        Page::parse(10, "", "a").expect("page"),
    )
    .await
    .expect("audit");
    assert_eq!(events.len(), 2, "{l}");
    assert!(
        events[0].detail.contains("\"present\"") && events[0].detail.contains("\"late\""),
        "{l}: old and new kept: {}",
        events[0].detail
    );
    drop(conn);
    store.close().await;
    c.app.stop().await;
}
per_backend!(manual_marks_are_audited_and_override);

/// A lecture hall scanning at once: the check-ins of the moment are written
/// together, and each call still gets its own answer.
async fn a_burst_of_check_ins_lands_whole_and_answers_each(db: TestDb) {
    let c = class(&db, None).await;
    let l = c.app.label;
    let mut students = vec![c.ana.clone(), c.bea.clone()];
    students.extend(enrolled_students(&c, "s", 30).await);
    let qr = c.app.qr(&c.session).await;
    // every student taps twice, the outsider five times, all at once
    let mut calls = Vec::new();
    for (user, token) in students.iter().chain(std::iter::repeat_n(&c.outsider, 4)) {
        for _ in 0..2 {
            let device = format!("phone-{}", user.username);
            let app = &c.app;
            let qr = &qr.token;
            calls.push(async move { (user.name.clone(), app.check_in(token, qr, &device).await) });
        }
    }
    let answers = futures::future::join_all(calls).await;

    let mut fresh = std::collections::HashMap::new();
    let mut repeats = std::collections::HashMap::new();
    let mut refused = 0;
    for (name, answer) in answers {
        match answer {
            Ok(r) => {
                let rec = r.record.expect("record");
                assert_eq!(rec.student, name, "{l}: the caller's own record");
                let kept = if r.already_recorded {
                    &mut repeats
                } else {
                    &mut fresh
                };
                assert!(kept.insert(name, rec).is_none(), "{l}: one of each");
            }
            Err(status) if name == c.outsider.0.name => {
                assert_eq!(status.code(), Code::PermissionDenied, "{l}");
                assert_eq!(reason(&status), "NOT_ENROLLED", "{l}");
                refused += 1;
            }
            Err(status) => panic!("{l}: {name} refused: {status:?}"),
        }
    }
    assert_eq!((fresh.len(), repeats.len(), refused), (32, 32, 8), "{l}");
    for (name, rec) in &fresh {
        assert_eq!(
            repeats.get(name),
            Some(rec),
            "{l}: the repeat returns the record"
        );
    }

    let counts = roll_counts(&c).await;
    assert_eq!((counts.enrolled, counts.present), (32, 32), "{l}");
    let store = classtrack_store::Store::connect(&db.url)
        .await
        .expect("store");
    let mut conn = store.acquire().await.expect("conn");
    let filter = RejectionFilter {
        student: Some(classtrack_core::UserId::parse(&c.outsider.0.name).expect("name")),
        ..Default::default()
    };
    let stored = rejections(&mut conn, &filter, Page::parse(50, "", "r").expect("page"))
        .await
        .expect("rejections");
    assert_eq!(stored.len(), 8, "{l}: every refusal is kept");
    drop(conn);
    store.close().await;
    c.app.stop().await;
}
per_backend!(a_burst_of_check_ins_lands_whole_and_answers_each);
