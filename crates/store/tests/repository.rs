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
            session: s.id,
            student: ana.id,
            status: AttendanceStatus::Present,
            source: RecordSource::Qr,
            recorded_at: 1_500,
            note: String::new(),
            flagged: false,
            device_id: Some("dev-1".into()),
            geo_band: None,
            client_address: Some("10.0.0.1".into()),
            marked_by: None,
            updated_at: 1_500,
        };
        assert!(
            attendance::insert(&mut c, &record).await.expect("insert"),
            "{label}"
        );
        assert!(
            !attendance::insert(&mut c, &record).await.expect("repeat"),
            "{label}"
        );
        let ctx = attendance::checkin_context(&mut c, s.id, ana.id, Some("dev-1"))
            .await
            .expect("ctx")
            .expect("exists");
        assert!(
            ctx.enrolled && ctx.existing.as_ref() == Some(&record),
            "{label}"
        );
        let ctx = attendance::checkin_context(&mut c, s.id, bob.id, Some("dev-1"))
            .await
            .expect("ctx")
            .expect("exists");
        assert!(!ctx.enrolled && ctx.existing.is_none(), "{label}");
        assert_eq!(
            ctx.device_owner,
            Some(ana.id),
            "{label}: bob's phone was ana's"
        );
        assert!(
            attendance::checkin_context(&mut c, SessionId(999), ana.id, None)
                .await
                .expect("ctx")
                .is_none()
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

        // a check-in racing the close does not land after it
        let late_record = Record {
            student: late_student.id,
            ..record.clone()
        };
        assert_eq!(
            attendance::insert_while_open(&mut c, &late_record)
                .await
                .expect("insert"),
            attendance::Insert::SessionEnded,
            "{label}"
        );

        let events = attendance::events_after(&mut c, &[s.id], 0, 10)
            .await
            .expect("events");
        assert_eq!(
            events.last().map(|e| e.kind.as_str()),
            Some("closed"),
            "{label}"
        );
        assert!(users::get(&mut c, UserId(12345)).await.is_err());
    }
}
