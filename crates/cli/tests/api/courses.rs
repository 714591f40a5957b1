use classtrack_proto::v1;
use prost_types::FieldMask;
use tonic::Code;

use crate::helpers::*;

async fn courses_professors_and_enrollment(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (prof, prof_token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let (ana, ana_token) = app.user_with_token(v1::Role::Student, "ana").await;
    let course = app.create_course("CS101", &[&prof], None).await;
    assert_eq!(course.professors, std::slice::from_ref(&prof.name), "{l}");
    let dup = app
        .courses()
        .create_course(req(
            &app.admin,
            v1::CreateCourseRequest {
                course: Some(v1::Course {
                    code: "CS101".into(),
                    title: "Again".into(),
                    ..Default::default()
                }),
                professors: vec![],
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, dup, Code::AlreadyExists)),
        ["course.code"],
        "{l}"
    );
    let bad = app
        .courses()
        .create_course(req(
            &app.admin,
            v1::CreateCourseRequest {
                course: Some(v1::Course {
                    code: "x".into(),
                    title: "".into(),
                    time_zone: "Mars/Olympus".into(),
                    settings: Some(v1::CheckInSettings {
                        qr_rotation_seconds: Some(1),
                        network_allowlist: vec!["300.0.0.0/8".into()],
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                professors: vec![ana.name.clone()],
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, bad, Code::InvalidArgument)),
        [
            "course.code",
            "course.title",
            "course.time_zone",
            "course.settings.qr_rotation_seconds",
            "course.settings.network_allowlist[0]"
        ],
        "{l}"
    );

    // a professor may create a course, and teaches it; not one for someone else
    let own = app
        .courses()
        .create_course(req(
            &prof_token,
            v1::CreateCourseRequest {
                course: Some(v1::Course {
                    code: "CS102".into(),
                    title: "Mine".into(),
                    ..Default::default()
                }),
                professors: vec![],
            },
        ))
        .await
        .expect("professor creates")
        .into_inner()
        .course
        .expect("course");
    assert_eq!(own.professors, std::slice::from_ref(&prof.name), "{l}");
    let (other, _) = app.user_with_token(v1::Role::Professor, "other").await;
    let for_other = app
        .courses()
        .create_course(req(
            &prof_token,
            v1::CreateCourseRequest {
                course: Some(v1::Course {
                    code: "CS103".into(),
                    title: "Theirs".into(),
                    ..Default::default()
                }),
                professors: vec![other.name.clone()],
            },
        ))
        .await;
    assert_code(l, for_other, Code::PermissionDenied);

    // the professor enrolls an existing student and creates a new one
    app.courses()
        .enroll_student(req(
            &prof_token,
            v1::EnrollStudentRequest {
                course: course.name.clone(),
                student: Some(v1::enroll_student_request::Student::Existing(
                    "users/username:ana".into(),
                )),
            },
        ))
        .await
        .expect("enroll");
    let created = app
        .courses()
        .enroll_student(req(
            &prof_token,
            v1::EnrollStudentRequest {
                course: course.name.clone(),
                student: Some(v1::enroll_student_request::Student::NewStudent(
                    v1::NewStudent {
                        username: "bruno".into(),
                        email: "bruno@uni.edu".into(),
                        display_name: "Bruno".into(),
                        student_number: "2026002".into(),
                    },
                )),
            },
        ))
        .await
        .expect("enroll new")
        .into_inner();
    app.login("bruno", &created.initial_password).await;
    let not_student = app
        .courses()
        .enroll_student(req(
            &prof_token,
            v1::EnrollStudentRequest {
                course: course.name.clone(),
                student: Some(v1::enroll_student_request::Student::Existing(
                    prof.name.clone(),
                )),
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, not_student, Code::InvalidArgument)),
        ["existing"],
        "{l}"
    );

    // students see only their own courses
    let mine = app
        .courses()
        .list_courses(req(&ana_token, v1::ListCoursesRequest::default()))
        .await
        .expect("list")
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

    // bulk enrollment: errors first, then all at once
    let bad_csv = "username,email,display_name\nana,,\ncarla,,\nprof,,\n";
    let r = app
        .courses()
        .import_enrollments(req(
            &prof_token,
            v1::ImportEnrollmentsRequest {
                course: course.name.clone(),
                csv: bad_csv.into(),
                dry_run: false,
            },
        ))
        .await
        .expect("import")
        .into_inner();
    let got: Vec<(i32, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
    assert_eq!(
        got,
        [(3, "email"), (3, "display_name"), (4, "username")],
        "{l}: {:?}",
        r.errors
    );
    let csv = "username,email,display_name,student_number\nana,,,\ncarla,carla@uni.edu,Carla Núñez,2026003\n";
    let r = app
        .courses()
        .import_enrollments(req(
            &prof_token,
            v1::ImportEnrollmentsRequest {
                course: course.name.clone(),
                csv: csv.into(),
                dry_run: false,
            },
        ))
        .await
        .expect("import")
        .into_inner();
    assert!(r.errors.is_empty(), "{l}: {:?}", r.errors);
    assert_eq!(
        (r.created.len(), r.already_enrolled, r.enrollments.len()),
        (1, 1, 2),
        "{l}"
    );
    let list = app
        .courses()
        .list_enrollments(req(
            &prof_token,
            v1::ListEnrollmentsRequest {
                parent: course.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .expect("list")
        .into_inner();
    assert_eq!(list.total_size, 3, "{l}");

    app.courses()
        .unenroll_student(req(
            &prof_token,
            v1::UnenrollStudentRequest {
                course: course.name.clone(),
                student: ana.name.clone(),
            },
        ))
        .await
        .expect("unenroll");
    let again = app
        .courses()
        .unenroll_student(req(
            &prof_token,
            v1::UnenrollStudentRequest {
                course: course.name.clone(),
                student: ana.name.clone(),
            },
        ))
        .await;
    assert_code(l, again, Code::NotFound);

    // the professor may edit title and settings but not the code
    let upd = app
        .courses()
        .update_course(req(
            &prof_token,
            v1::UpdateCourseRequest {
                course: Some(v1::Course {
                    name: course.name.clone(),
                    title: "Programming I".into(),
                    code: "HACK".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["title".into()],
                }),
            },
        ))
        .await
        .expect("update")
        .into_inner()
        .course
        .expect("course");
    assert_eq!(
        (upd.title.as_str(), upd.code.as_str()),
        ("Programming I", "CS101"),
        "{l}"
    );
    let code = app
        .courses()
        .update_course(req(
            &prof_token,
            v1::UpdateCourseRequest {
                course: Some(v1::Course {
                    name: course.name.clone(),
                    code: "HACK".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["code".into()],
                }),
            },
        ))
        .await;
    assert_code(l, code, Code::PermissionDenied);
    let by_code = app
        .courses()
        .get_course(req(
            &app.admin,
            v1::GetCourseRequest {
                name: "courses/code:CS101".into(),
            },
        ))
        .await
        .expect("get by code");
    assert_eq!(
        by_code.into_inner().course.expect("course").name,
        course.name,
        "{l}"
    );
    app.stop().await;
}
per_backend!(courses_professors_and_enrollment);

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
