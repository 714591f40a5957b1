use classtrack_proto::v1;
use prost_types::FieldMask;
use tonic::Code;

use crate::helpers::*;

fn new_user(username: &str, email: &str, name: &str, role: i32) -> v1::CreateUserRequest {
    v1::CreateUserRequest {
        user: Some(v1::User {
            username: username.into(),
            email: email.into(),
            display_name: name.into(),
            role,
            ..Default::default()
        }),
        password: String::new(),
    }
}

async fn bad_input_names_the_field_and_writes_nothing(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let student = v1::Role::Student as i32;
    let cases: Vec<(v1::CreateUserRequest, &[&str])> = vec![
        (
            new_user("", "", "", student),
            &["user.username", "user.email", "user.display_name"],
        ),
        (
            new_user("ok-name", "not-an-email", "Ok", student),
            &["user.email"],
        ),
        (
            new_user(
                "robert'); DROP TABLE users;--",
                "r@uni.edu",
                "Bobby",
                student,
            ),
            &["user.username"],
        ),
        (
            new_user("ok-name", "ok@uni.edu", &"x".repeat(201), student),
            &["user.display_name"],
        ),
        (
            new_user(&"a".repeat(65), "ok@uni.edu", "Ok", student),
            &["user.username"],
        ),
        (new_user("ok-name", "ok@uni.edu", "Ok", 99), &["user.role"]),
        (new_user("ok-name", "ok@uni.edu", "Ok", 0), &["user.role"]),
    ];
    for (request, expected) in cases {
        let r = app.users().create_user(req(&app.admin, request)).await;
        assert_eq!(
            fields(&assert_code(l, r, Code::InvalidArgument)),
            expected,
            "{l}"
        );
    }
    let mut with_number = new_user("prof-x", "px@uni.edu", "Prof X", v1::Role::Professor as i32);
    with_number.user.as_mut().expect("user").student_number = "123".into();
    let r = app.users().create_user(req(&app.admin, with_number)).await;
    assert_eq!(
        fields(&assert_code(l, r, Code::InvalidArgument)),
        ["user.student_number"],
        "{l}"
    );

    // nothing was written: only the admin exists
    let list = app
        .users()
        .list_users(req(
            &app.admin,
            v1::ListUsersRequest {
                include_inactive: true,
                ..Default::default()
            },
        ))
        .await
        .expect("list");
    assert_eq!(list.into_inner().total_size, 1, "{l}");

    // unicode and SQL metacharacters in free text are data, not code
    let odd = "Zoë O'Brien-Ñúñez \"; DELETE FROM users; -- 王";
    let r = app
        .users()
        .create_user(req(
            &app.admin,
            new_user("zoe", "ZOE@Uni.Example.edu", odd, student),
        ))
        .await
        .expect("created")
        .into_inner();
    let zoe = r.user.expect("user");
    assert_eq!(
        (zoe.display_name.as_str(), zoe.email.as_str()),
        (odd, "zoe@uni.example.edu"),
        "{l}"
    );
    assert_eq!(
        r.initial_password.len(),
        16,
        "{l}: a generated password is returned once"
    );
    let dup = app
        .users()
        .create_user(req(
            &app.admin,
            new_user("zoe", "other@uni.edu", "Z", student),
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, dup, Code::AlreadyExists)),
        ["user.username"],
        "{l}"
    );
    let search = app
        .users()
        .list_users(req(
            &app.admin,
            v1::ListUsersRequest {
                query: "ñúñez".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("search")
        .into_inner();
    assert_eq!(
        search.users.len(),
        1,
        "{l}: unicode search, case-insensitive"
    );
    let bad_page = app
        .users()
        .list_users(req(
            &app.admin,
            v1::ListUsersRequest {
                page_token: "bogus".into(),
                ..Default::default()
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, bad_page, Code::InvalidArgument)),
        ["page_token"],
        "{l}"
    );
    app.stop().await;
}
per_backend!(bad_input_names_the_field_and_writes_nothing);

async fn list_filters_pages_and_update_with_mask(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    for i in 0..5 {
        app.create_user(v1::Role::Student, &format!("stud{i}"))
            .await;
    }
    let prof = app.create_user(v1::Role::Professor, "prof").await;
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = app
            .users()
            .list_users(req(
                &app.admin,
                v1::ListUsersRequest {
                    page_size: 2,
                    page_token: token.clone(),
                    role: v1::Role::Student as i32,
                    ..Default::default()
                },
            ))
            .await
            .expect("page")
            .into_inner();
        assert_eq!(page.total_size, 5, "{l}");
        assert!(page.users.len() <= 2, "{l}");
        seen.extend(page.users.into_iter().map(|u| u.username));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, ["stud0", "stud1", "stud2", "stud3", "stud4"], "{l}");

    let update = |paths: &[&str], user: v1::User| v1::UpdateUserRequest {
        user: Some(user),
        update_mask: Some(FieldMask {
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }),
    };
    let changed = app
        .users()
        .update_user(req(
            &app.admin,
            update(
                &["display_name"],
                v1::User {
                    name: prof.name.clone(),
                    display_name: "Prof. Grace Hopper".into(),
                    email: "ignored@x.edu".into(),
                    ..Default::default()
                },
            ),
        ))
        .await
        .expect("update")
        .into_inner()
        .user
        .expect("user");
    assert_eq!(
        (changed.display_name.as_str(), changed.email.as_str()),
        ("Prof. Grace Hopper", "prof@uni.example.edu"),
        "{l}"
    );
    let no_mask = app
        .users()
        .update_user(req(
            &app.admin,
            update(
                &[],
                v1::User {
                    name: prof.name.clone(),
                    ..Default::default()
                },
            ),
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, no_mask, Code::InvalidArgument)),
        ["update_mask"],
        "{l}"
    );
    let bad_path = app
        .users()
        .update_user(req(
            &app.admin,
            update(
                &["password_hash"],
                v1::User {
                    name: prof.name.clone(),
                    ..Default::default()
                },
            ),
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, bad_path, Code::InvalidArgument)),
        ["update_mask"],
        "{l}"
    );
    let last_admin = app
        .users()
        .update_user(req(
            &app.admin,
            update(
                &["role"],
                v1::User {
                    name: "users/1".into(),
                    role: v1::Role::Student as i32,
                    ..Default::default()
                },
            ),
        ))
        .await;
    assert_code(l, last_admin, Code::FailedPrecondition);

    let reset = app
        .users()
        .reset_password(req(
            &app.admin,
            v1::ResetPasswordRequest {
                name: prof.name.clone(),
            },
        ))
        .await
        .expect("reset")
        .into_inner();
    app.login("prof", &reset.new_password).await;
    app.stop().await;
}
per_backend!(list_filters_pages_and_update_with_mask);

/// `ImportUsers` of `csv` by the administrator.
async fn try_import_users(
    app: &TestApp,
    csv: &str,
    dry_run: bool,
) -> Result<v1::ImportUsersResponse, tonic::Status> {
    app.users()
        .import_users(req(
            &app.admin,
            v1::ImportUsersRequest {
                csv: csv.into(),
                dry_run,
            },
        ))
        .await
        .map(tonic::Response::into_inner)
}

/// [`try_import_users`], which must answer.
async fn import_users(app: &TestApp, csv: &str, dry_run: bool) -> v1::ImportUsersResponse {
    try_import_users(app, csv, dry_run)
        .await
        .unwrap_or_else(|e| panic!("{}: import: {e:?}", app.label))
}

/// How many accounts there are, the administrator's included.
async fn user_count(app: &TestApp) -> i32 {
    app.users()
        .list_users(req(&app.admin, v1::ListUsersRequest::default()))
        .await
        .unwrap_or_else(|e| panic!("{}: list: {e:?}", app.label))
        .into_inner()
        .total_size
}

/// Two new accounts, one given a password.
const GOOD_CSV: &str = "username,email,display_name,role,student_number,password\n\
                        new1,new1@uni.edu,Ana Núñez,student,2026001,\n\
                        new2,new2@uni.edu,Prof Two,professor,,a-good-password\n";

/// A CSV with errors writes nothing, and each error names its line and
/// field: a taken username, a bad email, an unknown role, a username twice.
async fn a_user_import_with_errors_writes_nothing_and_names_each_line(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    app.create_user(v1::Role::Student, "taken").await;
    let bad = "username,email,display_name,role,student_number\n\
               ok1,ok1@uni.edu,Ok One,student,S1\n\
               taken,t@uni.edu,Dup,student,\n\
               ok2,bad-email,Ok Two,student,\n\
               ok3,ok3@uni.edu,Ok Three,wizard,\n\
               ok1,ok4@uni.edu,Again,student,\n";
    let r = import_users(&app, bad, false).await;
    assert_eq!(
        lines_and_fields(&r.errors),
        [(3, "username"), (4, "email"), (5, "role"), (6, "username")],
        "{l}: {:?}",
        r.errors
    );
    assert!(r.users.is_empty(), "{l}");
    assert_eq!(user_count(&app).await, 2, "{l}: nothing written");
    app.stop().await;
}
per_backend!(a_user_import_with_errors_writes_nothing_and_names_each_line);

/// A dry run answers as the import would, and writes nothing.
async fn a_dry_run_of_a_user_import_writes_nothing(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let dry = import_users(&app, GOOD_CSV, true).await;
    assert!(
        dry.errors.is_empty() && dry.dry_run && dry.users.len() == 2,
        "{l}: {dry:?}"
    );
    assert_eq!(user_count(&app).await, 1, "{l}: dry run writes nothing");
    app.stop().await;
}
per_backend!(a_dry_run_of_a_user_import_writes_nothing);

/// An import creates every account; a generated password is given back
/// (16 characters), a given one is not echoed, and both log in.
async fn a_user_import_creates_accounts_that_log_in(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let done = import_users(&app, GOOD_CSV, false).await;
    assert_eq!(done.users.len(), 2, "{l}");
    assert_eq!(done.users[0].initial_password.len(), 16, "{l}");
    assert!(
        done.users[1].initial_password.is_empty(),
        "{l}: given passwords are not echoed"
    );
    assert_eq!(user_count(&app).await, 3, "{l}");
    app.login("new1", &done.users[0].initial_password).await;
    app.login("new2", "a-good-password").await;
    app.stop().await;
}
per_backend!(a_user_import_creates_accounts_that_log_in);

/// A CSV without the columns an account needs is an error, not an empty
/// import.
async fn a_user_import_without_the_needed_columns_is_an_error(db: TestDb) {
    let app = spawn_app(&db).await;
    let header_only = import_users(&app, "username,email\n", true).await;
    assert!(!header_only.errors.is_empty(), "{}", app.label);
    app.stop().await;
}
per_backend!(a_user_import_without_the_needed_columns_is_an_error);

/// Whether a login with this password must change it first.
async fn must_change(app: &TestApp, login: &str, password: &str) -> bool {
    app.auth()
        .login(v1::LoginRequest {
            login: login.into(),
            password: password.into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{}: login {login}: {e:?}", app.label))
        .into_inner()
        .password_change_required
}

async fn only_passwords_the_server_chose_must_be_changed(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let student = v1::Role::Student as i32;
    let generated = app
        .users()
        .create_user(req(
            &app.admin,
            new_user("gen", "gen@uni.edu", "Generated", student),
        ))
        .await
        .expect("create")
        .into_inner()
        .initial_password;
    assert!(must_change(&app, "gen", &generated).await, "{l}: generated");
    app.create_user(v1::Role::Student, "chosen").await;
    assert!(!must_change(&app, "chosen", PASSWORD).await, "{l}: chosen");
    assert!(
        !must_change(&app, "admin", ADMIN_PASSWORD).await,
        "{l}: admin"
    );

    let imported = import_users(
        &app,
        "username,email,display_name,role,password\n\
         imp1,imp1@uni.edu,Imp One,student,\n\
         imp2,imp2@uni.edu,Imp Two,student,correct horse battery\n",
        false,
    )
    .await;
    assert!(imported.errors.is_empty(), "{l}: {:?}", imported.errors);
    let one = &imported.users[0].initial_password;
    assert!(
        must_change(&app, "imp1", one).await,
        "{l}: imported, generated"
    );
    assert!(
        !must_change(&app, "imp2", "correct horse battery").await,
        "{l}: imported, chosen"
    );

    let course = app.create_course("MC101", &[], None).await;
    let enrolled = app
        .courses()
        .import_enrollments(req(
            &app.admin,
            v1::ImportEnrollmentsRequest {
                course: course.name.clone(),
                csv: "username,email,display_name,student_number\n\
                      enr1,enr1@uni.edu,Enr One,E1\n"
                    .into(),
                dry_run: false,
            },
        ))
        .await
        .expect("import enrollments")
        .into_inner();
    assert!(enrolled.errors.is_empty(), "{l}: {:?}", enrolled.errors);
    let password = &enrolled.created[0].initial_password;
    assert!(
        must_change(&app, "enr1", password).await,
        "{l}: enrolment import"
    );
    app.stop().await;
}
per_backend!(only_passwords_the_server_chose_must_be_changed);

async fn the_demo_accounts_need_no_password_change(db: TestDb) {
    let clock = std::sync::Arc::new(classtrack_core::ManualClock::new(start_of_term()));
    let running = classtrack::server::start(classtrack::server::ServerConfig {
        demo: true,
        ..server_config(&db.url, config(clock))
    })
    .await
    .expect("server starts with demo data");
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", running.addr))
        .expect("url")
        .connect()
        .await
        .expect("connects");
    for login in ["prof.lovelace", "student01"] {
        let answer =
            classtrack_proto::v1::auth_service_client::AuthServiceClient::new(channel.clone())
                .login(v1::LoginRequest {
                    login: login.into(),
                    password: classtrack_api::DEMO_PASSWORD.into(),
                })
                .await
                .unwrap_or_else(|e| panic!("{}: {login}: {e:?}", db.label()))
                .into_inner();
        assert!(!answer.password_change_required, "{}: {login}", db.label());
    }
    running.stop().await.expect("server stops");
}
per_backend!(the_demo_accounts_need_no_password_change);

async fn a_guessable_administrator_password_keeps_the_server_from_starting(db: TestDb) {
    let clock = std::sync::Arc::new(classtrack_core::ManualClock::new(start_of_term()));
    let started = classtrack::server::start(classtrack::server::ServerConfig {
        admin_password: Some("password1".into()),
        ..server_config(&db.url, config(clock))
    })
    .await;
    match started {
        Ok(running) => {
            running.stop().await.expect("server stops");
            panic!("{}: started with a guessable admin password", db.label());
        }
        Err(e) => {
            let e = format!("{e:#}");
            assert!(
                e.contains("CLASSTRACK_ADMIN_PASSWORD") && e.contains("too easy to guess"),
                "{}: {e}",
                db.label()
            );
        }
    }
}
per_backend!(a_guessable_administrator_password_keeps_the_server_from_starting);

/// A file up to the import limit reaches the import's checks, and one just
/// over it gets their answer naming the limit, not a transport error.
async fn a_file_near_the_size_limit_gets_the_imports_own_answer(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    for (size, expected) in [
        (4_700_000usize, "display_name"),
        (5_600_000, "larger than 5 MiB"),
    ] {
        let csv = format!(
            "username,email,display_name,role\nbig,big@uni.edu,{},student\n",
            "x".repeat(size)
        );
        let r = try_import_users(&app, &csv, true)
            .await
            .unwrap_or_else(|e| panic!("{l}: {size} bytes: {e:?}"));
        let said: Vec<String> = r
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        assert!(
            said.iter().any(|m| m.contains(expected)),
            "{l}: {size} bytes: {said:?}"
        );
    }
    app.stop().await;
}
per_backend!(a_file_near_the_size_limit_gets_the_imports_own_answer);
