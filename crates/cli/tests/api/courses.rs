//! Courses: creating them, their professors, enrollment one by one and by
//! CSV, editing, and what a student may see of them. One behaviour per
//! test, each once per database.

use classtrack_proto::v1;
use prost_types::FieldMask;
use tonic::{Code, Status};

use crate::helpers::*;

/// CS101, taught by "prof", who is logged in: the app, prof, prof's token
/// and the course.
async fn taught(db: &TestDb) -> (TestApp, v1::User, String, v1::Course) {
    let app = spawn_app(db).await;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let course = app.create_course("CS101", &[&prof], None).await;
    (app, prof, prof_token, course)
}

/// `CreateCourse` by the holder of `token`, taught by `professors`.
async fn create(
    app: &TestApp,
    token: &str,
    course: v1::Course,
    professors: &[&v1::User],
) -> Result<v1::Course, Status> {
    app.courses()
        .create_course(req(
            token,
            v1::CreateCourseRequest {
                course: Some(course),
                professors: professors.iter().map(|p| p.name.clone()).collect(),
            },
        ))
        .await
        .map(|r| r.into_inner().course.unwrap_or_default())
}

fn titled(code: &str, title: &str) -> v1::Course {
    v1::Course {
        code: code.into(),
        title: title.into(),
        ..Default::default()
    }
}

async fn enroll(
    app: &TestApp,
    token: &str,
    course: &v1::Course,
    student: v1::enroll_student_request::Student,
) -> Result<v1::EnrollStudentResponse, Status> {
    app.courses()
        .enroll_student(req(
            token,
            v1::EnrollStudentRequest {
                course: course.name.clone(),
                student: Some(student),
            },
        ))
        .await
        .map(tonic::Response::into_inner)
}

async fn import(
    app: &TestApp,
    token: &str,
    course: &v1::Course,
    csv: &str,
) -> v1::ImportEnrollmentsResponse {
    app.courses()
        .import_enrollments(req(
            token,
            v1::ImportEnrollmentsRequest {
                course: course.name.clone(),
                csv: csv.into(),
                dry_run: false,
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{}: import: {e:?}", app.label))
        .into_inner()
}

/// How many students `ListEnrollments` says the course has.
async fn enrolled_count(app: &TestApp, token: &str, course: &v1::Course) -> i32 {
    app.courses()
        .list_enrollments(req(
            token,
            v1::ListEnrollmentsRequest {
                parent: course.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{}: list enrollments: {e:?}", app.label))
        .into_inner()
        .total_size
}

async fn update(
    app: &TestApp,
    token: &str,
    course: v1::Course,
    paths: &[&str],
) -> Result<v1::Course, Status> {
    app.courses()
        .update_course(req(
            token,
            v1::UpdateCourseRequest {
                course: Some(course),
                update_mask: Some(FieldMask {
                    paths: paths.iter().map(|p| p.to_string()).collect(),
                }),
            },
        ))
        .await
        .map(|r| r.into_inner().course.unwrap_or_default())
}

/// The professors an administrator names teach the new course.
async fn an_admin_creates_a_course_for_its_professors(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let prof = app.create_user(v1::Role::Professor, "prof").await;
    let course = create(&app, &app.admin, titled("CS101", "Programming"), &[&prof])
        .await
        .unwrap_or_else(|e| panic!("{l}: create: {e:?}"));
    assert_eq!(course.professors, std::slice::from_ref(&prof.name), "{l}");
    app.stop().await;
}
per_backend!(an_admin_creates_a_course_for_its_professors);

async fn a_taken_course_code_is_already_exists_naming_the_code(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    app.create_course("CS101", &[], None).await;
    let dup = create(&app, &app.admin, titled("CS101", "Again"), &[]).await;
    assert_eq!(
        fields(&assert_code(l, dup, Code::AlreadyExists)),
        ["course.code"],
        "{l}"
    );
    app.stop().await;
}
per_backend!(a_taken_course_code_is_already_exists_naming_the_code);

/// Every bad field of a new course is named at once, a student named as
/// its professor among them.
async fn an_invalid_course_names_every_bad_field(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let ana = app.create_user(v1::Role::Student, "ana").await;
    let bad = v1::Course {
        code: "x".into(),
        title: "".into(),
        time_zone: "Mars/Olympus".into(),
        settings: Some(v1::CheckInSettings {
            qr_rotation_seconds: Some(1),
            network_allowlist: vec!["300.0.0.0/8".into()],
            ..Default::default()
        }),
        ..Default::default()
    };
    let refused = create(&app, &app.admin, bad, &[&ana]).await;
    assert_eq!(
        fields(&assert_code(l, refused, Code::InvalidArgument)),
        [
            "course.code",
            "course.title",
            "course.time_zone",
            "course.settings.qr_rotation_seconds",
            "course.settings.network_allowlist[0]"
        ],
        "{l}"
    );
    app.stop().await;
}
per_backend!(an_invalid_course_names_every_bad_field);

/// A professor who creates a course teaches it.
async fn a_professor_creates_a_course_and_teaches_it(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let own = create(&app, &prof_token, titled("CS102", "Mine"), &[])
        .await
        .unwrap_or_else(|e| panic!("{l}: professor creates: {e:?}"));
    assert_eq!(own.professors, std::slice::from_ref(&prof.name), "{l}");
    app.stop().await;
}
per_backend!(a_professor_creates_a_course_and_teaches_it);

async fn a_professor_may_not_create_a_course_for_someone_else(db: TestDb) {
    let app = spawn_app(&db).await;
    let (_, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let other = app.create_user(v1::Role::Professor, "other").await;
    let for_other = create(&app, &prof_token, titled("CS103", "Theirs"), &[&other]).await;
    assert_code(app.label, for_other, Code::PermissionDenied);
    app.stop().await;
}
per_backend!(a_professor_may_not_create_a_course_for_someone_else);

/// The professor enrolls an existing student by username, and creates a
/// new one who can log in with the initial password given back.
async fn a_professor_enrolls_an_existing_student_and_creates_a_new_one(db: TestDb) {
    let (app, _, prof_token, course) = taught(&db).await;
    let l = app.label;
    app.create_user(v1::Role::Student, "ana").await;
    use v1::enroll_student_request::Student;
    enroll(
        &app,
        &prof_token,
        &course,
        Student::Existing("users/username:ana".into()),
    )
    .await
    .unwrap_or_else(|e| panic!("{l}: enroll ana: {e:?}"));
    let created = enroll(
        &app,
        &prof_token,
        &course,
        Student::NewStudent(v1::NewStudent {
            username: "bruno".into(),
            email: "bruno@uni.edu".into(),
            display_name: "Bruno".into(),
            student_number: "2026002".into(),
        }),
    )
    .await
    .unwrap_or_else(|e| panic!("{l}: enroll a new student: {e:?}"));
    app.login("bruno", &created.initial_password).await;
    assert_eq!(enrolled_count(&app, &prof_token, &course).await, 2, "{l}");
    app.stop().await;
}
per_backend!(a_professor_enrolls_an_existing_student_and_creates_a_new_one);

async fn only_a_student_can_be_enrolled(db: TestDb) {
    let (app, prof, prof_token, course) = taught(&db).await;
    let l = app.label;
    let not_student = enroll(
        &app,
        &prof_token,
        &course,
        v1::enroll_student_request::Student::Existing(prof.name.clone()),
    )
    .await;
    assert_eq!(
        fields(&assert_code(l, not_student, Code::InvalidArgument)),
        ["existing"],
        "{l}"
    );
    app.stop().await;
}
per_backend!(only_a_student_can_be_enrolled);

/// A student lists only the courses they are enrolled in, with how many
/// are enrolled.
async fn a_student_sees_only_their_own_courses(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (ana, ana_token) = app.user_with_token(v1::Role::Student, "ana").await;
    let bruno = app.create_user(v1::Role::Student, "bruno").await;
    let course = app.create_course("CS101", &[], None).await;
    app.create_course("CS102", &[], None).await;
    app.enroll(&course, &ana).await;
    app.enroll(&course, &bruno).await;
    let mine = app
        .courses()
        .list_courses(req(&ana_token, v1::ListCoursesRequest::default()))
        .await
        .unwrap_or_else(|e| panic!("{l}: list: {e:?}"))
        .into_inner();
    assert_eq!(
        mine.courses
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["CS101"],
        "{l}"
    );
    assert_eq!(mine.courses[0].enrolled_count, 2, "{l}");
    app.stop().await;
}
per_backend!(a_student_sees_only_their_own_courses);

/// A CSV with errors enrolls nobody, and each error names its line and
/// field: a new student without email and name, a professor.
async fn an_import_with_errors_enrolls_nobody_and_names_each_line_and_field(db: TestDb) {
    let (app, _, prof_token, course) = taught(&db).await;
    let l = app.label;
    app.create_user(v1::Role::Student, "ana").await;
    let r = import(
        &app,
        &prof_token,
        &course,
        "username,email,display_name\nana,,\ncarla,,\nprof,,\n",
    )
    .await;
    assert_eq!(
        lines_and_fields(&r.errors),
        [(3, "email"), (3, "display_name"), (4, "username")],
        "{l}: {:?}",
        r.errors
    );
    assert_eq!(enrolled_count(&app, &prof_token, &course).await, 0, "{l}");
    app.stop().await;
}
per_backend!(an_import_with_errors_enrolls_nobody_and_names_each_line_and_field);

/// A CSV without errors enrolls all its lines at once, creating the
/// students who have no account and counting those already enrolled.
async fn an_import_enrolls_existing_and_new_students_at_once(db: TestDb) {
    let (app, _, prof_token, course) = taught(&db).await;
    let l = app.label;
    let ana = app.create_user(v1::Role::Student, "ana").await;
    app.enroll(&course, &ana).await;
    let r = import(
        &app,
        &prof_token,
        &course,
        "username,email,display_name,student_number\nana,,,\ncarla,carla@uni.edu,Carla Núñez,2026003\n",
    )
    .await;
    assert!(r.errors.is_empty(), "{l}: {:?}", r.errors);
    assert_eq!(
        (r.created.len(), r.already_enrolled, r.enrollments.len()),
        (1, 1, 2),
        "{l}"
    );
    assert_eq!(enrolled_count(&app, &prof_token, &course).await, 2, "{l}");
    app.stop().await;
}
per_backend!(an_import_enrolls_existing_and_new_students_at_once);

/// Unenrolling a student who is not enrolled (any more) is NOT_FOUND.
async fn a_student_is_unenrolled_once(db: TestDb) {
    let (app, _, prof_token, course) = taught(&db).await;
    let l = app.label;
    let ana = app.create_user(v1::Role::Student, "ana").await;
    app.enroll(&course, &ana).await;
    let unenroll = || {
        let mut courses = app.courses();
        let request = req(
            &prof_token,
            v1::UnenrollStudentRequest {
                course: course.name.clone(),
                student: ana.name.clone(),
            },
        );
        async move { courses.unenroll_student(request).await }
    };
    unenroll()
        .await
        .unwrap_or_else(|e| panic!("{l}: unenroll: {e:?}"));
    assert_eq!(enrolled_count(&app, &prof_token, &course).await, 0, "{l}");
    assert_code(l, unenroll().await, Code::NotFound);
    app.stop().await;
}
per_backend!(a_student_is_unenrolled_once);

/// A professor's update changes only the paths of its mask (a code sent
/// along with the title is ignored), and may not change the code.
async fn a_professor_edits_the_title_but_not_the_code(db: TestDb) {
    let (app, _, prof_token, course) = taught(&db).await;
    let l = app.label;
    let edited = v1::Course {
        name: course.name.clone(),
        title: "Programming I".into(),
        code: "HACK".into(),
        ..Default::default()
    };
    let upd = update(&app, &prof_token, edited.clone(), &["title"])
        .await
        .unwrap_or_else(|e| panic!("{l}: update: {e:?}"));
    assert_eq!(
        (upd.title.as_str(), upd.code.as_str()),
        ("Programming I", "CS101"),
        "{l}"
    );
    let code = update(&app, &prof_token, edited, &["code"]).await;
    assert_code(l, code, Code::PermissionDenied);
    app.stop().await;
}
per_backend!(a_professor_edits_the_title_but_not_the_code);

async fn a_course_is_found_by_its_code(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let course = app.create_course("CS101", &[], None).await;
    let by_code = app
        .courses()
        .get_course(req(
            &app.admin,
            v1::GetCourseRequest {
                name: "courses/code:CS101".into(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: get by code: {e:?}"));
    assert_eq!(
        by_code.into_inner().course.expect("course").name,
        course.name,
        "{l}"
    );
    app.stop().await;
}
per_backend!(a_course_is_found_by_its_code);

async fn a_student_gets_settings_without_the_geofence_or_the_networks(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let (ana, ana_token) = app.user_with_token(v1::Role::Student, "ana").await;
    let fence = v1::Geofence {
        latitude: 38.736_946,
        longitude: -9.142_685,
        radius_meters: 120.0,
    };
    let settings = v1::CheckInSettings {
        geofence: Some(fence),
        network_allowlist: vec!["192.0.2.0/24".into()],
        ..Default::default()
    };
    let course = app.create_course("CS101", &[&prof], Some(settings)).await;
    app.enroll(&course, &ana).await;
    let session = app
        .create_session(
            &course,
            -5,
            60,
            Some(v1::CheckInSettings {
                geofence: Some(fence),
                network_allowlist: vec!["198.51.100.0/24".into()],
                ..Default::default()
            }),
        )
        .await;

    let hidden = |what: &str, s: Option<&v1::CheckInSettings>| {
        let s = s.unwrap_or_else(|| panic!("{l}: {what}: no settings"));
        assert_eq!(s.geofence, None, "{l}: {what}");
        assert!(s.network_allowlist.is_empty(), "{l}: {what}");
    };
    let got = app
        .courses()
        .get_course(req(
            &ana_token,
            v1::GetCourseRequest {
                name: course.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: get course: {e:?}"))
        .into_inner()
        .course
        .expect("course");
    hidden("GetCourse", got.settings.as_ref());
    let listed = app
        .courses()
        .list_courses(req(&ana_token, v1::ListCoursesRequest::default()))
        .await
        .unwrap_or_else(|e| panic!("{l}: list courses: {e:?}"))
        .into_inner()
        .courses;
    assert_eq!(listed.len(), 1, "{l}");
    hidden("ListCourses", listed[0].settings.as_ref());

    let got = app
        .sessions()
        .get_session(req(
            &ana_token,
            v1::GetSessionRequest {
                name: session.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: get session: {e:?}"))
        .into_inner()
        .session
        .expect("session");
    hidden("GetSession settings", got.settings.as_ref());
    hidden("GetSession effective", got.effective_settings.as_ref());
    assert!(
        got.effective_settings
            .as_ref()
            .is_some_and(|s| s.location_required),
        "{l}: the student learns that a position is needed"
    );
    let listed = app
        .sessions()
        .list_sessions(req(
            &ana_token,
            v1::ListSessionsRequest {
                parent: course.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: list sessions: {e:?}"))
        .into_inner()
        .sessions;
    assert_eq!(listed.len(), 1, "{l}");
    hidden("ListSessions settings", listed[0].settings.as_ref());
    hidden(
        "ListSessions effective",
        listed[0].effective_settings.as_ref(),
    );
    let history = app
        .reports()
        .get_student_history(req(&ana_token, v1::GetStudentHistoryRequest::default()))
        .await
        .unwrap_or_else(|e| panic!("{l}: history: {e:?}"))
        .into_inner();
    for s in history
        .courses
        .iter()
        .flat_map(|c| c.sessions.iter().filter_map(|s| s.session.as_ref()))
        .chain(history.upcoming.iter())
    {
        hidden("history", s.effective_settings.as_ref());
    }

    // Staff still see and edit them.
    let staff = app
        .courses()
        .get_course(req(
            &prof_token,
            v1::GetCourseRequest {
                name: course.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: professor: {e:?}"))
        .into_inner()
        .course
        .expect("course");
    let s = staff.settings.expect("settings");
    assert_eq!(s.geofence, Some(fence), "{l}");
    assert_eq!(s.network_allowlist, ["192.0.2.0/24"], "{l}");
    app.stop().await;
}
per_backend!(a_student_gets_settings_without_the_geofence_or_the_networks);
