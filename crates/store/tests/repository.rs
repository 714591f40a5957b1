//! The repository suite, run on SQLite and (when it answers) MariaDB.

use classtrack_core::settings::{AbsenceRules, SettingsOverrides};
use classtrack_core::{AttendanceStatus, RecordSource, Role, SessionId, UserId};
use classtrack_store::attendance::{self, Record};
use classtrack_store::courses::{self, NewCourse};
use classtrack_store::page::Page;
use classtrack_store::sessions::{self, NewSession};
use classtrack_store::users::{self, NewUser, UserFilter};
use classtrack_store::{testing, StoreError};

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        email: format!("{name}@uni.example.edu"),
        display_name: format!("{name} Ñúñez"),
        role,
        student_number: (role == Role::Student).then(|| format!("S-{name}")),
        password_hash: "x".into(),
        must_change_password: false,
    }
}

#[tokio::test]
async fn repositories_behave_the_same_on_every_backend() {
    for db in testing::all().await {
        let store = db.open().await;
        let label = db.label();
        let mut c = store.acquire().await.expect("connection");

        // users: unique keys are enforced and named
        let prof = users::create(&mut c, &new_user("prof", Role::Professor), 1)
            .await
            .expect("create");
        let ana = users::create(&mut c, &new_user("ana", Role::Student), 1)
            .await
            .expect("create");
        let bob = users::create(&mut c, &new_user("bob", Role::Student), 1)
            .await
            .expect("create");
        assert_eq!(ana.display_name, "ana Ñúñez", "{label}");
        let mut same_name = new_user("ana", Role::Student);
        same_name.email = "other@uni.example.edu".into();
        same_name.student_number = None;
        let dup = users::create(&mut c, &same_name, 1).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { field: "username" })),
            "{label}: {dup:?}"
        );
        let mut other_email = new_user("carol", Role::Student);
        other_email.email = "ana@uni.example.edu".into();
        other_email.student_number = None;
        let dup = users::create(&mut c, &other_email, 1).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { field: "email" })),
            "{label}: {dup:?}"
        );

        // search with SQL metacharacters is literal
        let f = UserFilter {
            query: Some("%'_!".into()),
            ..Default::default()
        };
        let (found, total) = users::list(&mut c, &f, Page::parse(10, "", "u").expect("page"))
            .await
            .expect("list");
        assert!(found.is_empty() && total == 0, "{label}");
        let f = UserFilter {
            role: Some(Role::Student),
            query: Some("ÑÚ".into()),
            ..Default::default()
        };
        let page = Page::parse(1, "", "u").expect("page");
        let (mut found, total) = users::list(&mut c, &f, page).await.expect("list");
        let next = page.finish(&mut found, |u| u.id.0, "u");
        assert_eq!((found.len(), total), (1, 2), "{label}");
        let page = Page::parse(1, &next, "u").expect("next page");
        let (mut rest, _) = users::list(&mut c, &f, page).await.expect("list");
        assert!(
            page.finish(&mut rest, |u| u.id.0, "u").is_empty(),
            "{label}: last page"
        );
        assert_eq!(rest.len(), 1, "{label}");
        assert_ne!(rest[0].id, found[0].id, "{label}");

        // courses and enrollment
        let course = courses::create(
            &mut c,
            &NewCourse {
                code: "CS101".into(),
                title: "Programming".into(),
                term: "2026F".into(),
                time_zone: "Europe/Lisbon".into(),
                settings: SettingsOverrides::default(),
                absence_rules: AbsenceRules::default(),
            },
            1,
        )
        .await
        .expect("course");
        courses::set_professors(&mut c, course.id, &[prof.id])
            .await
            .expect("profs");
        assert!(courses::is_professor(&mut c, course.id, prof.id)
            .await
            .expect("q"));
        assert!(courses::enroll(&mut c, course.id, ana.id, 10)
            .await
            .expect("enroll"));
        assert!(!courses::enroll(&mut c, course.id, ana.id, 10)
            .await
            .expect("enroll again"));

        // a session, a check-in, and the one-row-per-student rule
        let s = sessions::create(
            &mut c,
            &NewSession {
                course: course.id,
                title: "Lecture 1".into(),
                room: "A1".into(),
                start_at: 1_000,
                end_at: 5_000,
                settings: SettingsOverrides::default(),
                series_id: None,
            },
            1,
        )
        .await
        .expect("session");
        let record = Record {
            device_id: Some("dev-1".into()),
            client_address: Some("10.0.0.1".into()),
            ..Record::new(
                s.id,
                ana.id,
                AttendanceStatus::Present,
                RecordSource::Qr,
                1_500,
            )
        };
        assert!(
            attendance::insert(&mut c, &record).await.expect("insert"),
            "{label}"
        );
        assert!(
            !attendance::insert(&mut c, &record).await.expect("repeat"),
            "{label}"
        );
        let ask = |session, student, device: Option<&str>| attendance::ContextQuery {
            session,
            student,
            device: device.map(String::from),
        };
        let contexts = attendance::checkin_contexts(
            &mut c,
            &[
                ask(s.id, ana.id, Some("dev-1")),
                ask(SessionId(999), ana.id, None),
                ask(s.id, bob.id, Some("dev-1")),
                ask(s.id, ana.id, None),
            ],
        )
        .await
        .expect("contexts");
        assert_eq!(contexts.len(), 4, "{label}: one answer per question");
        let ctx = contexts[0].as_ref().expect("exists");
        assert!(
            ctx.enrolled && ctx.existing.as_ref() == Some(&record),
            "{label}"
        );
        assert_eq!(ctx.device_owner, None, "{label}: ana's own phone");
        assert!(contexts[1].is_none(), "{label}: no such session");
        let ctx = contexts[2].as_ref().expect("exists");
        assert!(!ctx.enrolled && ctx.existing.is_none(), "{label}");
        assert_eq!(
            ctx.device_owner,
            Some(ana.id),
            "{label}: bob's phone was ana's"
        );
        assert!(
            contexts[3].as_ref().is_some_and(|c| c.enrolled),
            "{label}: the same student asked twice"
        );

        // finalisation marks the enrolled without a record absent, exactly once
        courses::enroll(&mut c, course.id, bob.id, 10)
            .await
            .expect("enroll");
        let late_student = users::create(&mut c, &new_user("late", Role::Student), 1)
            .await
            .expect("u");
        courses::enroll(&mut c, course.id, late_student.id, 9_000)
            .await
            .expect("enroll after end");
        drop(c);
        let mut tx = store.begin().await.expect("tx");
        assert_eq!(
            sessions::finalize(&mut tx, s.id, 6_000)
                .await
                .expect("finalize"),
            Some(1),
            "{label}"
        );
        tx.commit().await.expect("commit");
        let mut c = store.acquire().await.expect("connection");
        assert_eq!(
            sessions::finalize(&mut c, s.id, 7_000)
                .await
                .expect("again"),
            None,
            "{label}"
        );
        let fresh = sessions::get(&mut c, s.id).await.expect("get");
        let roll = attendance::roll(&mut c, &fresh).await.expect("roll");
        let statuses: Vec<_> = roll
            .iter()
            .map(|e| {
                (
                    e.student.username.as_str(),
                    e.record.as_ref().map(|r| r.status),
                )
            })
            .collect();
        assert!(
            statuses.contains(&("bob", Some(AttendanceStatus::Absent))),
            "{label}: {statuses:?}"
        );
        assert!(statuses.contains(&("late", None)), "{label}: {statuses:?}");

        let events = attendance::events_after(&mut c, &[s.id], 0, 10)
            .await
            .expect("events");
        assert_eq!(
            events.last().map(|e| e.kind.as_str()),
            Some("closed"),
            "{label}"
        );

        // a manual mark updates a check-in's record, keeping its device and
        // address, and inserts one for a student who has none
        let mark = attendance::Mark {
            status: AttendanceStatus::Excused,
            source: RecordSource::Manual,
            note: "doctor",
            by: prof.id,
        };
        let marked = attendance::set_manual(&mut c, s.id, ana.id, mark, 8_000)
            .await
            .expect("mark");
        assert_eq!(
            marked,
            Record {
                status: AttendanceStatus::Excused,
                source: RecordSource::Manual,
                note: "doctor".into(),
                marked_by: Some(prof.id),
                updated_at: 8_000,
                ..record.clone()
            },
            "{label}: the check-in's facts are kept"
        );
        let marked = attendance::set_manual(&mut c, s.id, late_student.id, mark, 8_000)
            .await
            .expect("mark without a record");
        assert_eq!(
            marked,
            Record {
                note: "doctor".into(),
                marked_by: Some(prof.id),
                ..Record::new(
                    s.id,
                    late_student.id,
                    AttendanceStatus::Excused,
                    RecordSource::Manual,
                    8_000
                )
            },
            "{label}: a new record"
        );
        assert!(users::get(&mut c, UserId(12345)).await.is_err());
    }
}

#[tokio::test]
async fn check_ins_and_token_lookups_go_in_batches() {
    for db in testing::all().await {
        let store = db.open().await;
        let label = db.label();
        let mut c = store.acquire().await.expect("connection");
        let mut students = Vec::new();
        for name in ["ana", "bob", "cid"] {
            students.push(
                users::create(&mut c, &new_user(name, Role::Student), 1)
                    .await
                    .expect("student"),
            );
        }
        let course = courses::create(
            &mut c,
            &NewCourse {
                code: "CS102".into(),
                title: "Batches".into(),
                term: "2026F".into(),
                time_zone: "UTC".into(),
                settings: SettingsOverrides::default(),
                absence_rules: AbsenceRules::default(),
            },
            1,
        )
        .await
        .expect("course");
        let session = |title: &str| NewSession {
            course: course.id,
            title: title.into(),
            room: "B2".into(),
            start_at: 1_000,
            end_at: 5_000,
            settings: SettingsOverrides::default(),
            series_id: None,
        };
        let open = sessions::create(&mut c, &session("open"), 1)
            .await
            .expect("open");
        let cancelled = sessions::create(&mut c, &session("cancelled"), 1)
            .await
            .expect("cancelled");
        assert!(sessions::cancel(&mut c, cancelled.id, "strike", 2)
            .await
            .expect("cancel"));
        drop(c);
        let record = |session: SessionId, student: UserId, device: &str| Record {
            device_id: Some(device.into()),
            ..Record::new(
                session,
                student,
                AttendanceStatus::Present,
                RecordSource::Qr,
                1_500,
            )
        };
        let (ana, bob, cid) = (students[0].id, students[1].id, students[2].id);
        let rejection = |student: UserId, reason: &'static str| attendance::Rejection {
            session: Some(open.id),
            course: Some(course.id),
            student,
            reason,
            at: 1_600,
            client_address: Some("10.0.0.9".into()),
            device_id: None,
            detail: String::new(),
        };

        // one transaction: refusals and check-ins, each in one statement
        let mut tx = store.begin().await.expect("tx");
        attendance::record_rejections(
            &mut tx,
            &[
                rejection(cid, "TOKEN_EXPIRED"),
                rejection(cid, "CODE_INVALID"),
            ],
        )
        .await
        .expect("refusals");
        attendance::insert_records(
            &mut tx,
            &[
                record(open.id, ana, "d-ana"),
                record(cancelled.id, bob, "d-bob"),
                record(open.id, bob, "d-bob"),
            ],
        )
        .await
        .expect("batch");
        tx.commit().await.expect("commit");
        let mut c = store.acquire().await.expect("connection");
        let kept = attendance::get(&mut c, open.id, ana)
            .await
            .expect("get")
            .expect("ana's record");
        assert_eq!(kept, record(open.id, ana, "d-ana"), "{label}");
        assert!(
            attendance::get(&mut c, open.id, bob)
                .await
                .expect("get")
                .is_some(),
            "{label}"
        );
        assert_eq!(
            attendance::count_rejections(&mut c, open.id, cid, "CODE_INVALID")
                .await
                .expect("count"),
            1,
            "{label}"
        );
        let events = attendance::events_after(&mut c, &[open.id], 0, 10)
            .await
            .expect("events");
        assert_eq!(events.len(), 2, "{label}: one roll event per record");
        // any number of refusals, in power-of-two chunks
        let many = vec![rejection(bob, "TOKEN_EXPIRED"); 13];
        attendance::record_rejections(&mut c, &many)
            .await
            .expect("thirteen");
        assert_eq!(
            attendance::count_rejections(&mut c, open.id, bob, "TOKEN_EXPIRED")
                .await
                .expect("count"),
            13,
            "{label}"
        );
        drop(c);

        // the contexts read in the write transaction see the batch's session as it is
        let mut tx = store.begin().await.expect("tx");
        let contexts = attendance::checkin_contexts(
            &mut tx,
            &[
                attendance::ContextQuery {
                    session: cancelled.id,
                    student: cid,
                    device: Some("d-ana".into()),
                },
                attendance::ContextQuery {
                    session: open.id,
                    student: cid,
                    device: Some("d-bob".into()),
                },
            ],
        )
        .await
        .expect("contexts");
        drop(tx);
        let cancelled_ctx = contexts[0].as_ref().expect("cancelled session");
        assert!(
            cancelled_ctx.session.cancelled_at.is_some(),
            "{label}: the cancellation is read"
        );
        assert_eq!(
            cancelled_ctx.device_owner, None,
            "{label}: ana's phone was used in another session"
        );
        let open_ctx = contexts[1].as_ref().expect("open session");
        assert_eq!(open_ctx.device_owner, Some(bob), "{label}: bob's phone");
        assert!(open_ctx.existing.is_none(), "{label}");

        // a record that collides with a stored one fails the batch, which rolls back whole
        let mut tx = store.begin().await.expect("tx");
        let collided = attendance::insert_records(
            &mut tx,
            &[record(open.id, cid, "d-cid"), record(open.id, ana, "d-x")],
        )
        .await;
        assert!(
            matches!(collided, Err(StoreError::Conflict { .. })),
            "{label}: {collided:?}"
        );
        drop(tx);
        let mut c = store.acquire().await.expect("connection");
        assert!(
            attendance::get(&mut c, open.id, cid)
                .await
                .expect("get")
                .is_none(),
            "{label}: half a batch is never written"
        );

        // token lookups: one answer per hash, in order, only live tokens
        use classtrack_store::auth;
        auth::insert_token(&mut c, "h-ana", ana, 1, 10_000)
            .await
            .expect("token");
        auth::insert_token(&mut c, "h-bob-old", bob, 1, 500)
            .await
            .expect("token");
        auth::insert_token(&mut c, "h-cid", cid, 1, 10_000)
            .await
            .expect("token");
        let found = auth::token_users(
            &mut c,
            &[
                "h-cid".into(),
                "nope".into(),
                "h-bob-old".into(),
                "h-ana".into(),
            ],
            1_000,
        )
        .await
        .expect("lookup");
        let who: Vec<_> = found
            .iter()
            .map(|f| f.as_ref().map(|(u, exp)| (u.id, *exp)))
            .collect();
        assert_eq!(
            who,
            vec![Some((cid, 10_000)), None, None, Some((ana, 10_000))],
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_kept_connection_commits_rolls_back_and_is_replaced_after_a_failure() {
    for db in testing::all().await {
        let store = db.open().await;
        let label = db.label();
        let mut kept = store.kept();
        let named = |name: &str| new_user(name, Role::Student);

        let mut tx = kept.begin().await.expect("begin");
        users::create(&mut tx, &named("kept"), 1)
            .await
            .expect("create");
        tx.commit().await.expect("commit");
        let mut tx = kept.begin().await.expect("begin");
        users::create(&mut tx, &named("dropped"), 1)
            .await
            .expect("create");
        drop(tx);
        let mut c = store.acquire().await.expect("connection");
        assert!(
            users::get_by_username(&mut c, "kept").await.is_ok(),
            "{label}: committed"
        );
        assert!(
            users::get_by_username(&mut c, "dropped").await.is_err(),
            "{label}: a dropped transaction is rolled back"
        );
        drop(c);

        // on SQLite the kept connection's transaction is the one writer
        if store.backend() == classtrack_store::Backend::Sqlite {
            let tx = kept.begin().await.expect("begin");
            let other = tokio::time::timeout(std::time::Duration::from_millis(200), store.begin());
            assert!(other.await.is_err(), "{label}: a second writer waits");
            drop(tx);
        }

        // a connection the server closed fails once, then is replaced
        if store.backend() == classtrack_store::Backend::MySql {
            let mut tx = kept.begin().await.expect("begin");
            let id: i64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
                .fetch_one(&mut *tx)
                .await
                .expect("id");
            tx.commit().await.expect("commit");
            let mut c = store.acquire().await.expect("connection");
            sqlx::query(&format!("KILL {id}"))
                .execute(&mut *c)
                .await
                .expect("kill");
            drop(c);
            let failed = match kept.begin().await {
                Ok(mut tx) => users::create(&mut tx, &named("lost"), 1).await.err(),
                Err(e) => Some(e),
            };
            let failed = failed.expect("the closed connection fails");
            assert!(failed.is_unavailable(), "{label}: {failed:?}");
            kept.reset();
            let mut tx = kept.begin().await.expect("a fresh connection");
            users::create(&mut tx, &named("after"), 1)
                .await
                .expect("create");
            tx.commit().await.expect("commit");
        }
    }
}

/// An acknowledged commit survives a power loss: every SQLite connection
/// of the pool — pooled, kept, in a write transaction — runs WAL with
/// `synchronous = FULL` (2). On MariaDB durability is the server's
/// `innodb_flush_log_at_trx_commit`, not the store's to set.
#[tokio::test]
async fn sqlite_commits_are_durable() {
    let db = testing::sqlite();
    let store = db.open().await;
    let mut pooled = Vec::new();
    for _ in 0..3 {
        pooled.push(store.acquire().await.expect("connection"));
    }
    for conn in &mut pooled {
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut **conn)
            .await
            .expect("pragma");
        assert_eq!(
            synchronous, 2,
            "synchronous = FULL on every pooled connection"
        );
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut **conn)
            .await
            .expect("pragma");
        assert_eq!(journal, "wal");
    }
    drop(pooled);
    let mut kept = store.kept();
    let mut tx = kept.begin().await.expect("kept transaction");
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *tx)
        .await
        .expect("pragma");
    assert_eq!(synchronous, 2, "synchronous = FULL on the kept connection");
    drop(tx);
    drop(kept);
    store.close().await;
}
