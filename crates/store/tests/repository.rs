//! The repository suite: one behaviour per test, each run once per database
//! as its own named test (`…::sqlite`, `…::mariadb`), so that a failure on
//! one engine cannot hide the other's result.

use classtrack_core::settings::{AbsenceRules, SettingsOverrides};
use classtrack_core::{AttendanceStatus, CourseId, RecordSource, Role, SessionId, UserId};
use classtrack_store::attendance::{self, Record};
use classtrack_store::audit::{self, AuditFilter};
use classtrack_store::courses::{self, Course, NewCourse};
use classtrack_store::page::Page;
use classtrack_store::sessions::{self, NewSession, Session};
use classtrack_store::testing::{self, mariadb_only, per_backend, TestDb};
use classtrack_store::users::{self, NewUser, User, UserFilter};
use classtrack_store::{auth, Backend, Store, StoreError};

per_backend!(
    a_user_reads_back_as_written,
    a_taken_username_is_a_conflict_naming_the_username,
    a_taken_email_is_a_conflict_naming_the_email,
    an_unknown_user_is_not_found,
    a_search_with_sql_metacharacters_is_literal,
    a_search_ignores_case_and_pages_by_key,
    the_professors_set_are_the_courses_professors,
    a_student_is_enrolled_once,
    a_record_is_inserted_once,
    check_in_contexts_answer_each_question_in_order,
    finalising_marks_the_enrolled_without_a_record_absent_once,
    finalising_leaves_a_closed_event,
    a_manual_mark_keeps_the_check_ins_device_and_address,
    a_manual_mark_inserts_a_record_for_a_student_without_one,
    refusals_and_records_of_a_batch_go_in_one_transaction,
    any_number_of_refusals_is_written,
    contexts_read_in_the_write_transaction_see_the_session_as_it_is,
    a_batch_with_a_colliding_record_rolls_back_whole,
    token_lookups_answer_each_hash_in_order_with_live_tokens_only,
    a_kept_connection_commits_and_rolls_back,
    a_refusal_is_listed_with_its_courses_zone,
    an_audit_entry_carries_the_zone_of_the_course_its_target_is_about,
);
mariadb_only!(a_kept_connection_the_server_closed_fails_once_then_is_replaced);

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

async fn create_user(store: &Store, name: &str, role: Role) -> User {
    let mut c = store.acquire().await.expect("connection");
    users::create(&mut c, &new_user(name, role), 1)
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
}

/// What the course tests start from: a professor, three students, the
/// course CS101 taught by the professor with ana enrolled (at 10 ms), and
/// its session "Lecture 1" from 1 s to 5 s.
struct Class {
    store: Store,
    label: &'static str,
    prof: User,
    ana: User,
    bob: User,
    cid: User,
    course: Course,
    session: Session,
}

async fn class(db: &TestDb) -> Class {
    let store = db.open().await;
    let prof = create_user(&store, "prof", Role::Professor).await;
    let ana = create_user(&store, "ana", Role::Student).await;
    let bob = create_user(&store, "bob", Role::Student).await;
    let cid = create_user(&store, "cid", Role::Student).await;
    let mut c = store.acquire().await.expect("connection");
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
        .expect("professors");
    courses::enroll(&mut c, course.id, ana.id, 10)
        .await
        .expect("enroll ana");
    let session = sessions::create(&mut c, &lecture(course.id, "Lecture 1"), 1)
        .await
        .expect("session");
    drop(c);
    Class {
        label: db.label(),
        store,
        prof,
        ana,
        bob,
        cid,
        course,
        session,
    }
}

fn lecture(course: CourseId, title: &str) -> NewSession {
    NewSession {
        course,
        title: title.into(),
        room: "A1".into(),
        start_at: 1_000,
        end_at: 5_000,
        settings: SettingsOverrides::default(),
        series_id: None,
    }
}

impl Class {
    /// A second session of the course, cancelled.
    async fn cancelled_session(&self) -> Session {
        let mut c = self.store.acquire().await.expect("connection");
        let s = sessions::create(&mut c, &lecture(self.course.id, "cancelled"), 1)
            .await
            .expect("session");
        assert!(
            sessions::cancel(&mut c, s.id, "strike", 2)
                .await
                .expect("cancel"),
            "{}: cancelled",
            self.label
        );
        s
    }
}

/// A QR check-in at 1.5 s from `device`.
fn checked_in(session: SessionId, student: UserId, device: &str) -> Record {
    Record {
        device_id: Some(device.into()),
        ..Record::new(
            session,
            student,
            AttendanceStatus::Present,
            RecordSource::Qr,
            1_500,
        )
    }
}

fn refused(class: &Class, student: UserId, reason: &'static str) -> attendance::Rejection {
    attendance::Rejection {
        session: Some(class.session.id),
        course: Some(class.course.id),
        student,
        reason,
        at: 1_600,
        client_address: Some("10.0.0.9".into()),
        device_id: None,
        detail: String::new(),
    }
}

async fn insert_batch(store: &Store, records: &[Record]) {
    let mut tx = store.begin().await.expect("tx");
    attendance::insert_records(&mut tx, records)
        .await
        .expect("batch");
    tx.commit().await.expect("commit");
}

// Users.

/// Text comes back as it was written, accents included.
async fn a_user_reads_back_as_written(db: TestDb) {
    let store = db.open().await;
    let l = db.label();
    let ana = create_user(&store, "ana", Role::Student).await;
    let mut c = store.acquire().await.expect("connection");
    let read = users::get(&mut c, ana.id).await.expect("get");
    assert_eq!(read.display_name, "ana Ñúñez", "{l}");
    assert_eq!(read.email, "ana@uni.example.edu", "{l}");
    assert_eq!(read.student_number.as_deref(), Some("S-ana"), "{l}");
    assert_eq!(read.role, Role::Student, "{l}");
}

/// Creates ana, then `second`, which may collide with her on a unique key.
async fn after_ana(db: &TestDb, second: NewUser) -> classtrack_store::Result<User> {
    let store = db.open().await;
    create_user(&store, "ana", Role::Student).await;
    let mut c = store.acquire().await.expect("connection");
    users::create(&mut c, &second, 1).await
}

async fn a_taken_username_is_a_conflict_naming_the_username(db: TestDb) {
    let same_name = NewUser {
        email: "other@uni.example.edu".into(),
        student_number: None,
        ..new_user("ana", Role::Student)
    };
    let dup = after_ana(&db, same_name).await;
    assert!(
        matches!(dup, Err(StoreError::Conflict { field: "username" })),
        "{}: {dup:?}",
        db.label()
    );
}

async fn a_taken_email_is_a_conflict_naming_the_email(db: TestDb) {
    let same_email = NewUser {
        email: "ana@uni.example.edu".into(),
        student_number: None,
        ..new_user("carol", Role::Student)
    };
    let dup = after_ana(&db, same_email).await;
    assert!(
        matches!(dup, Err(StoreError::Conflict { field: "email" })),
        "{}: {dup:?}",
        db.label()
    );
}

async fn an_unknown_user_is_not_found(db: TestDb) {
    let store = db.open().await;
    let mut c = store.acquire().await.expect("connection");
    let got = users::get(&mut c, UserId(12345)).await;
    assert!(
        matches!(got, Err(StoreError::NotFound)),
        "{}: {got:?}",
        db.label()
    );
}

/// `%`, `_`, `'` and `!` in a search are the characters, not patterns.
async fn a_search_with_sql_metacharacters_is_literal(db: TestDb) {
    let store = db.open().await;
    create_user(&store, "ana", Role::Student).await;
    let mut c = store.acquire().await.expect("connection");
    let f = UserFilter {
        query: Some("%'_!".into()),
        ..Default::default()
    };
    let (found, total) = users::list(&mut c, &f, Page::parse(10, "", "u").expect("page"))
        .await
        .expect("list");
    assert!(found.is_empty() && total == 0, "{}: {found:?}", db.label());
}

/// "ÑÚ" finds both students named "… Ñúñez" (not the professor), one page
/// at a time: the second page has the other one, and no page after it.
async fn a_search_ignores_case_and_pages_by_key(db: TestDb) {
    let store = db.open().await;
    let l = db.label();
    create_user(&store, "prof", Role::Professor).await;
    create_user(&store, "ana", Role::Student).await;
    create_user(&store, "bob", Role::Student).await;
    let mut c = store.acquire().await.expect("connection");
    let f = UserFilter {
        role: Some(Role::Student),
        query: Some("ÑÚ".into()),
        ..Default::default()
    };
    let page = Page::parse(1, "", "u").expect("page");
    let (mut found, total) = users::list(&mut c, &f, page).await.expect("list");
    let next = page.finish(&mut found, |u| u.id.0, "u");
    assert_eq!((found.len(), total), (1, 2), "{l}");
    let page = Page::parse(1, &next, "u").expect("next page");
    let (mut rest, _) = users::list(&mut c, &f, page).await.expect("list");
    assert!(
        page.finish(&mut rest, |u| u.id.0, "u").is_empty(),
        "{l}: last page"
    );
    assert_eq!(rest.len(), 1, "{l}");
    assert_ne!(rest[0].id, found[0].id, "{l}");
}

// Courses.

async fn the_professors_set_are_the_courses_professors(db: TestDb) {
    let k = class(&db).await;
    let mut c = k.store.acquire().await.expect("connection");
    assert!(
        courses::is_professor(&mut c, k.course.id, k.prof.id)
            .await
            .expect("professor"),
        "{}: the professor set",
        k.label
    );
    assert!(
        !courses::is_professor(&mut c, k.course.id, k.ana.id)
            .await
            .expect("student"),
        "{}: a student is not a professor of it",
        k.label
    );
}

/// Enrolling says whether it enrolled: a second time, it does not.
async fn a_student_is_enrolled_once(db: TestDb) {
    let k = class(&db).await;
    let mut c = k.store.acquire().await.expect("connection");
    assert!(
        courses::enroll(&mut c, k.course.id, k.bob.id, 10)
            .await
            .expect("enroll"),
        "{}: enrolled",
        k.label
    );
    assert!(
        !courses::enroll(&mut c, k.course.id, k.bob.id, 10)
            .await
            .expect("enroll again"),
        "{}: already enrolled",
        k.label
    );
}

// Records and the check-in path.

/// One row per session and student: a second insert writes nothing.
async fn a_record_is_inserted_once(db: TestDb) {
    let k = class(&db).await;
    let mut c = k.store.acquire().await.expect("connection");
    let record = checked_in(k.session.id, k.ana.id, "dev-1");
    assert!(
        attendance::insert(&mut c, &record).await.expect("insert"),
        "{}: inserted",
        k.label
    );
    assert!(
        !attendance::insert(&mut c, &record).await.expect("repeat"),
        "{}: not twice",
        k.label
    );
    assert_eq!(
        attendance::get(&mut c, k.session.id, k.ana.id)
            .await
            .expect("get"),
        Some(record),
        "{}",
        k.label
    );
}

/// One answer per question, in the order asked: the enrollment, the stored
/// record, who else used the device, and `None` for no such session.
async fn check_in_contexts_answer_each_question_in_order(db: TestDb) {
    let k = class(&db).await;
    let l = k.label;
    let (s, ana, bob) = (k.session.id, k.ana.id, k.bob.id);
    let mut c = k.store.acquire().await.expect("connection");
    let record = checked_in(s, ana, "dev-1");
    attendance::insert(&mut c, &record).await.expect("insert");
    let ask = |session, student, device: Option<&str>| attendance::ContextQuery {
        session,
        student,
        device: device.map(String::from),
    };
    let contexts = attendance::checkin_contexts(
        &mut c,
        &[
            ask(s, ana, Some("dev-1")),
            ask(SessionId(999), ana, None),
            ask(s, bob, Some("dev-1")),
            ask(s, ana, None),
        ],
    )
    .await
    .expect("contexts");
    assert_eq!(contexts.len(), 4, "{l}: one answer per question");
    let ctx = contexts[0].as_ref().expect("exists");
    assert!(
        ctx.enrolled && ctx.existing.as_ref() == Some(&record),
        "{l}: ana is enrolled and has her record"
    );
    assert_eq!(ctx.device_owner, None, "{l}: ana's own phone");
    assert!(contexts[1].is_none(), "{l}: no such session");
    let ctx = contexts[2].as_ref().expect("exists");
    assert!(!ctx.enrolled && ctx.existing.is_none(), "{l}: bob");
    assert_eq!(ctx.device_owner, Some(ana), "{l}: bob's phone was ana's");
    assert!(
        contexts[3].as_ref().is_some_and(|c| c.enrolled),
        "{l}: the same student asked twice"
    );
}

/// Closing a session marks absent who was enrolled by its end and has no
/// record, and says how many; a second close does nothing.
async fn finalising_marks_the_enrolled_without_a_record_absent_once(db: TestDb) {
    let k = class(&db).await;
    let l = k.label;
    let mut c = k.store.acquire().await.expect("connection");
    attendance::insert(&mut c, &checked_in(k.session.id, k.ana.id, "dev-1"))
        .await
        .expect("ana checks in");
    courses::enroll(&mut c, k.course.id, k.bob.id, 10)
        .await
        .expect("enroll bob");
    courses::enroll(&mut c, k.course.id, k.cid.id, 9_000)
        .await
        .expect("enroll cid after the end");
    drop(c);
    let mut tx = k.store.begin().await.expect("tx");
    assert_eq!(
        sessions::finalize(&mut tx, k.session.id, 6_000)
            .await
            .expect("finalize"),
        Some(1),
        "{l}: bob only"
    );
    tx.commit().await.expect("commit");
    let mut c = k.store.acquire().await.expect("connection");
    assert_eq!(
        sessions::finalize(&mut c, k.session.id, 7_000)
            .await
            .expect("again"),
        None,
        "{l}: closed already"
    );
    let fresh = sessions::get(&mut c, k.session.id).await.expect("get");
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
        statuses.contains(&("ana", Some(AttendanceStatus::Present))),
        "{l}: {statuses:?}"
    );
    assert!(
        statuses.contains(&("bob", Some(AttendanceStatus::Absent))),
        "{l}: {statuses:?}"
    );
    assert!(statuses.contains(&("cid", None)), "{l}: {statuses:?}");
}

/// The close is the session's last event, for live watchers.
async fn finalising_leaves_a_closed_event(db: TestDb) {
    let k = class(&db).await;
    let mut tx = k.store.begin().await.expect("tx");
    sessions::finalize(&mut tx, k.session.id, 6_000)
        .await
        .expect("finalize");
    tx.commit().await.expect("commit");
    let mut c = k.store.acquire().await.expect("connection");
    let events = attendance::events_after(&mut c, &[k.session.id], 0, 10)
        .await
        .expect("events");
    assert_eq!(
        events.last().map(|e| e.kind.as_str()),
        Some("closed"),
        "{}: {events:?}",
        k.label
    );
}

fn doctors_note(by: UserId) -> attendance::Mark<'static> {
    attendance::Mark {
        status: AttendanceStatus::Excused,
        source: RecordSource::Manual,
        note: "doctor",
        by,
    }
}

/// A manual mark over a check-in changes its status, source, note, marker
/// and time, and keeps the check-in's device and address.
async fn a_manual_mark_keeps_the_check_ins_device_and_address(db: TestDb) {
    let k = class(&db).await;
    let mut c = k.store.acquire().await.expect("connection");
    let record = Record {
        client_address: Some("10.0.0.1".into()),
        ..checked_in(k.session.id, k.ana.id, "dev-1")
    };
    attendance::insert(&mut c, &record).await.expect("insert");
    let marked = attendance::set_manual(
        &mut c,
        k.session.id,
        k.ana.id,
        doctors_note(k.prof.id),
        8_000,
    )
    .await
    .expect("mark");
    assert_eq!(
        marked,
        Record {
            status: AttendanceStatus::Excused,
            source: RecordSource::Manual,
            note: "doctor".into(),
            marked_by: Some(k.prof.id),
            updated_at: 8_000,
            ..record
        },
        "{}: the check-in's facts are kept",
        k.label
    );
}

async fn a_manual_mark_inserts_a_record_for_a_student_without_one(db: TestDb) {
    let k = class(&db).await;
    let mut c = k.store.acquire().await.expect("connection");
    let marked = attendance::set_manual(
        &mut c,
        k.session.id,
        k.bob.id,
        doctors_note(k.prof.id),
        8_000,
    )
    .await
    .expect("mark without a record");
    assert_eq!(
        marked,
        Record {
            note: "doctor".into(),
            marked_by: Some(k.prof.id),
            ..Record::new(
                k.session.id,
                k.bob.id,
                AttendanceStatus::Excused,
                RecordSource::Manual,
                8_000
            )
        },
        "{}: a new record",
        k.label
    );
}

// Batches: what one check-in batch writes in its transaction.

/// Refusals and records of a batch are written in one transaction, each
/// kind in one statement, and every record leaves a roll event.
async fn refusals_and_records_of_a_batch_go_in_one_transaction(db: TestDb) {
    let k = class(&db).await;
    let l = k.label;
    let cancelled = k.cancelled_session().await;
    let (open, ana, bob, cid) = (k.session.id, k.ana.id, k.bob.id, k.cid.id);
    let mut tx = k.store.begin().await.expect("tx");
    attendance::record_rejections(
        &mut tx,
        &[
            refused(&k, cid, "TOKEN_EXPIRED"),
            refused(&k, cid, "CODE_INVALID"),
        ],
    )
    .await
    .expect("refusals");
    attendance::insert_records(
        &mut tx,
        &[
            checked_in(open, ana, "d-ana"),
            checked_in(cancelled.id, bob, "d-bob"),
            checked_in(open, bob, "d-bob"),
        ],
    )
    .await
    .expect("batch");
    tx.commit().await.expect("commit");
    let mut c = k.store.acquire().await.expect("connection");
    assert_eq!(
        attendance::get(&mut c, open, ana).await.expect("get"),
        Some(checked_in(open, ana, "d-ana")),
        "{l}: ana's record as written"
    );
    assert!(
        attendance::get(&mut c, open, bob)
            .await
            .expect("get")
            .is_some(),
        "{l}: bob's record"
    );
    assert_eq!(
        attendance::count_rejections(&mut c, open, cid, "CODE_INVALID")
            .await
            .expect("count"),
        1,
        "{l}: the refusal"
    );
    let events = attendance::events_after(&mut c, &[open], 0, 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 2, "{l}: one roll event per record");
}

/// More refusals than one statement's chunk are all written.
async fn any_number_of_refusals_is_written(db: TestDb) {
    let k = class(&db).await;
    let mut c = k.store.acquire().await.expect("connection");
    let many = vec![refused(&k, k.bob.id, "TOKEN_EXPIRED"); 13];
    attendance::record_rejections(&mut c, &many)
        .await
        .expect("thirteen");
    assert_eq!(
        attendance::count_rejections(&mut c, k.session.id, k.bob.id, "TOKEN_EXPIRED")
            .await
            .expect("count"),
        13,
        "{}",
        k.label
    );
}

/// Read in the write transaction, a context sees its session's
/// cancellation, and a device counts as used only in its own session.
async fn contexts_read_in_the_write_transaction_see_the_session_as_it_is(db: TestDb) {
    let k = class(&db).await;
    let l = k.label;
    let cancelled = k.cancelled_session().await;
    let (open, ana, bob, cid) = (k.session.id, k.ana.id, k.bob.id, k.cid.id);
    insert_batch(
        &k.store,
        &[
            checked_in(open, ana, "d-ana"),
            checked_in(open, bob, "d-bob"),
        ],
    )
    .await;
    let mut tx = k.store.begin().await.expect("tx");
    let contexts = attendance::checkin_contexts(
        &mut tx,
        &[
            attendance::ContextQuery {
                session: cancelled.id,
                student: cid,
                device: Some("d-ana".into()),
            },
            attendance::ContextQuery {
                session: open,
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
        "{l}: the cancellation is read"
    );
    assert_eq!(
        cancelled_ctx.device_owner, None,
        "{l}: ana's phone was used in another session"
    );
    let open_ctx = contexts[1].as_ref().expect("open session");
    assert_eq!(open_ctx.device_owner, Some(bob), "{l}: bob's phone");
    assert!(open_ctx.existing.is_none(), "{l}: cid has no record");
}

/// A record that collides with a stored one fails the batch as a conflict,
/// and none of the batch is written.
async fn a_batch_with_a_colliding_record_rolls_back_whole(db: TestDb) {
    let k = class(&db).await;
    let l = k.label;
    let (open, ana, cid) = (k.session.id, k.ana.id, k.cid.id);
    insert_batch(&k.store, &[checked_in(open, ana, "d-ana")]).await;
    let mut tx = k.store.begin().await.expect("tx");
    let collided = attendance::insert_records(
        &mut tx,
        &[checked_in(open, cid, "d-cid"), checked_in(open, ana, "d-x")],
    )
    .await;
    assert!(
        matches!(collided, Err(StoreError::Conflict { .. })),
        "{l}: {collided:?}"
    );
    drop(tx);
    let mut c = k.store.acquire().await.expect("connection");
    assert!(
        attendance::get(&mut c, open, cid)
            .await
            .expect("get")
            .is_none(),
        "{l}: half a batch is never written"
    );
    assert_eq!(
        attendance::get(&mut c, open, ana).await.expect("get"),
        Some(checked_in(open, ana, "d-ana")),
        "{l}: the stored record is unchanged"
    );
}

/// One answer per hash, in the order asked: the user and the expiry of a
/// live token, `None` for an unknown or expired one.
async fn token_lookups_answer_each_hash_in_order_with_live_tokens_only(db: TestDb) {
    let k = class(&db).await;
    let (ana, bob, cid) = (k.ana.id, k.bob.id, k.cid.id);
    let mut c = k.store.acquire().await.expect("connection");
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
        "{}",
        k.label
    );
}

// The kept connection of the check-in batch loop.

async fn a_kept_connection_commits_and_rolls_back(db: TestDb) {
    let store = db.open().await;
    let l = db.label();
    let mut kept = store.kept();
    let mut tx = kept.begin().await.expect("begin");
    users::create(&mut tx, &new_user("kept", Role::Student), 1)
        .await
        .expect("create");
    tx.commit().await.expect("commit");
    let mut tx = kept.begin().await.expect("begin");
    users::create(&mut tx, &new_user("dropped", Role::Student), 1)
        .await
        .expect("create");
    drop(tx);
    let mut c = store.acquire().await.expect("connection");
    assert!(
        users::get_by_username(&mut c, "kept").await.is_ok(),
        "{l}: committed"
    );
    assert!(
        users::get_by_username(&mut c, "dropped").await.is_err(),
        "{l}: a dropped transaction is rolled back"
    );
}

/// On SQLite the kept connection's transaction is the one writer: another
/// write transaction waits for it.
#[tokio::test]
async fn on_sqlite_a_kept_connections_transaction_is_the_one_writer() {
    let db = testing::sqlite();
    let store = db.open().await;
    assert_eq!(store.backend(), Backend::Sqlite);
    let mut kept = store.kept();
    let tx = kept.begin().await.expect("begin");
    let other = tokio::time::timeout(std::time::Duration::from_millis(200), store.begin());
    assert!(other.await.is_err(), "a second writer waits");
    drop(tx);
}

/// A kept connection the server closed fails once, as unavailable (not an
/// internal error); after `reset` a fresh connection is used.
async fn a_kept_connection_the_server_closed_fails_once_then_is_replaced(db: TestDb) {
    let store = db.open().await;
    let l = db.label();
    let mut kept = store.kept();
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
        Ok(mut tx) => users::create(&mut tx, &new_user("lost", Role::Student), 1)
            .await
            .err(),
        Err(e) => Some(e),
    };
    let failed = failed.expect("the closed connection fails");
    assert!(failed.is_unavailable(), "{l}: {failed:?}");
    kept.reset();
    let mut tx = kept.begin().await.expect("a fresh connection");
    users::create(&mut tx, &new_user("after", Role::Student), 1)
        .await
        .expect("create");
    tx.commit().await.expect("commit");
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

// Zones: lists whose times are shown in a course's zone carry it.

const FIRST_TEN: Page = Page {
    after_id: 0,
    size: 10,
};

/// A refusal is listed with its course's zone, and with none when the course
/// is not known (a token naming no session).
async fn a_refusal_is_listed_with_its_courses_zone(db: TestDb) {
    let k = class(&db).await;
    let l = k.label;
    let mut c = k.store.acquire().await.expect("connection");
    let unknown = attendance::Rejection {
        session: None,
        course: None,
        ..refused(&k, k.bob.id, "TOKEN_INVALID")
    };
    attendance::record_rejections(&mut c, &[refused(&k, k.cid.id, "TOKEN_EXPIRED"), unknown])
        .await
        .expect("refusals");
    let listed = attendance::rejections(&mut c, &attendance::RejectionFilter::default(), FIRST_TEN)
        .await
        .expect("list");
    let zones: Vec<(&str, Option<&str>)> = listed
        .iter()
        .map(|r| (r.reason.as_str(), r.time_zone.as_deref()))
        .collect();
    assert_eq!(
        zones,
        [
            ("TOKEN_INVALID", None),
            ("TOKEN_EXPIRED", Some("Europe/Lisbon"))
        ],
        "{l}: newest first, each with its course's zone"
    );
}

/// An audit entry about a course, a session or a session's attendance
/// carries that course's zone; one about anything else, or about a session
/// that does not exist, carries none.
async fn an_audit_entry_carries_the_zone_of_the_course_its_target_is_about(db: TestDb) {
    let k = class(&db).await;
    let l = k.label;
    let mut c = k.store.acquire().await.expect("connection");
    let other = courses::create(
        &mut c,
        &NewCourse {
            code: "NY1".into(),
            title: "Abroad".into(),
            term: "2026F".into(),
            time_zone: "America/New_York".into(),
            settings: SettingsOverrides::default(),
            absence_rules: AbsenceRules::default(),
        },
        1,
    )
    .await
    .expect("course");
    let abroad = sessions::create(&mut c, &lecture(other.id, "Abroad 1"), 1)
        .await
        .expect("session");
    let excuse = classtrack_store::justifications::create(
        &mut c,
        classtrack_store::justifications::NewJustification {
            session: abroad.id,
            student: k.ana.id,
            reason: "ill",
            attachment: None,
        },
        5,
    )
    .await
    .expect("justification");
    let targets = [
        k.course.id.name(),
        k.session.id.name(),
        format!("{}/attendance/{}", abroad.id.name(), k.ana.id.0),
        other.id.name(),
        k.ana.id.name(),
        SessionId(abroad.id.0 + 1000).name(),
        excuse.id.name(),
    ];
    for (i, target) in targets.iter().enumerate() {
        audit::record(&mut c, None, None, "test.zone", target, "{}", 10 + i as i64)
            .await
            .expect("record");
    }
    let listed = audit::list(&mut c, &AuditFilter::default(), FIRST_TEN)
        .await
        .expect("list");
    let zones: Vec<(&str, Option<&str>)> = listed
        .iter()
        .rev()
        .map(|e| (e.target.as_str(), e.time_zone.as_deref()))
        .collect();
    let expected: Vec<(&str, Option<&str>)> = targets
        .iter()
        .map(String::as_str)
        .zip([
            Some("Europe/Lisbon"),
            Some("Europe/Lisbon"),
            Some("America/New_York"),
            Some("America/New_York"),
            None,
            None,
            Some("America/New_York"),
        ])
        .collect();
    assert_eq!(zones, expected, "{l}: each entry's zone, oldest first");
}
