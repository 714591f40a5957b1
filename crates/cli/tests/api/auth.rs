use std::time::Duration;

use classtrack_proto::v1;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

use crate::helpers::*;

async fn login_logout_whoami_and_expiry(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (ana, token) = app.user_with_token(v1::Role::Student, "ana").await;
    let me = app
        .auth()
        .who_am_i(req(&token, v1::WhoAmIRequest {}))
        .await
        .expect("whoami")
        .into_inner();
    assert_eq!(me.user.expect("user").name, ana.name, "{l}");
    // by email too, any case
    app.login("ANA@uni.example.edu", PASSWORD).await;

    let wrong = app
        .auth()
        .login(v1::LoginRequest {
            login: "ana".into(),
            password: "nope-nope".into(),
        })
        .await;
    let s = assert_code(l, wrong, Code::Unauthenticated);
    assert_eq!(s.message(), "wrong username or password", "{l}");
    let unknown = app
        .auth()
        .login(v1::LoginRequest {
            login: "ghost".into(),
            password: "nope-nope".into(),
        })
        .await;
    assert_eq!(
        assert_code(l, unknown, Code::Unauthenticated).message(),
        "wrong username or password",
        "{l}"
    );
    let empty = app
        .auth()
        .login(v1::LoginRequest {
            login: "".into(),
            password: "".into(),
        })
        .await;
    assert_eq!(
        fields(&assert_code(l, empty, Code::InvalidArgument)),
        ["login", "password"],
        "{l}"
    );

    app.auth()
        .logout(req(&token, v1::LogoutRequest {}))
        .await
        .expect("logout");
    let after = app.auth().who_am_i(req(&token, v1::WhoAmIRequest {})).await;
    assert_code(l, after, Code::Unauthenticated);

    let token = app.login("ana", PASSWORD).await;
    app.advance(8 * 24 * 3600);
    let expired = app.auth().who_am_i(req(&token, v1::WhoAmIRequest {})).await;
    assert_code(l, expired, Code::Unauthenticated);
    let garbage = app
        .auth()
        .who_am_i(req("not-a-token", v1::WhoAmIRequest {}))
        .await;
    assert_code(l, garbage, Code::Unauthenticated);
    app.stop().await;
}
per_backend!(login_logout_whoami_and_expiry);

/// A login as if from `address`: the test client connects from loopback, a
/// trusted proxy, so its `x-forwarded-for` names the client.
async fn login_from(
    app: &TestApp,
    login: impl Into<String>,
    password: impl Into<String>,
    address: &str,
) -> Result<v1::LoginResponse, Status> {
    let mut r = Request::new(v1::LoginRequest {
        login: login.into(),
        password: password.into(),
    });
    r.metadata_mut()
        .insert("x-forwarded-for", address.parse().expect("ascii address"));
    app.auth().login(r).await.map(|r| r.into_inner())
}

/// The RetryInfo delay of a throttled login, checked to be one.
#[track_caller]
fn retry_after(label: &str, r: Result<v1::LoginResponse, Status>) -> Duration {
    let s = assert_code(label, r, Code::ResourceExhausted);
    s.get_details_retry_info()
        .and_then(|r| r.retry_delay)
        .unwrap_or_else(|| panic!("{label}: no retry delay in {s:?}"))
}

/// How many of these answers are refusals after a real password check
/// (UNAUTHENTICATED) and how many were throttled before one
/// (RESOURCE_EXHAUSTED, each with its RetryInfo).
fn checked_and_throttled(
    label: &str,
    answers: Vec<Result<v1::LoginResponse, Status>>,
) -> (usize, usize) {
    let (mut checked, mut throttled) = (0, 0);
    for a in answers {
        match a {
            Err(s) if s.code() == Code::Unauthenticated => checked += 1,
            Err(s) if s.code() == Code::ResourceExhausted => {
                assert!(s.get_details_retry_info().is_some(), "{label}: {s:?}");
                throttled += 1;
            }
            other => panic!("{label}: unexpected answer {other:?}"),
        }
    }
    (checked, throttled)
}

async fn concurrent_wrong_logins_get_no_more_checks_than_the_limit(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    app.create_user(v1::Role::Student, "dan").await;
    let answers = futures::future::join_all(
        (0..100).map(|i| login_from(&app, "dan", format!("guess-{i}"), "203.0.113.9")),
    )
    .await;
    let (checked, throttled) = checked_and_throttled(l, answers);
    assert_eq!((checked, throttled), (5, 95), "{l}");
    app.stop().await;
}
per_backend!(concurrent_wrong_logins_get_no_more_checks_than_the_limit);

async fn concurrent_wrong_logins_through_two_replicas_share_the_limit(db: TestDb) {
    let one = spawn_app(&db).await;
    let two = spawn_replica(&db, one.clock.clone()).await;
    let l = one.label;
    one.create_user(v1::Role::Student, "dan").await;
    let answers = futures::future::join_all((0..100).map(|i| {
        let app = if i % 2 == 0 { &one } else { &two };
        login_from(app, "dan@uni.example.edu", "a-wrong-guess", "203.0.113.9")
    }))
    .await;
    let (checked, throttled) = checked_and_throttled(l, answers);
    assert_eq!(
        (checked, throttled),
        (5, 95),
        "{l}: by email, on either replica"
    );
    two.stop().await;
    one.stop().await;
}
per_backend!(concurrent_wrong_logins_through_two_replicas_share_the_limit);

async fn guesses_wait_growing_delays_while_the_owner_elsewhere_logs_in(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    app.create_user(v1::Role::Student, "bea").await;
    let (guesser, owner) = ("203.0.113.7", "198.51.100.2");
    for _ in 0..5 {
        let r = login_from(&app, "bea", "wrong-password", guesser).await;
        assert_code(l, r, Code::Unauthenticated);
    }
    // the sixth guess waits a second, and is told so
    let r = login_from(&app, "bea", "wrong-password", guesser).await;
    assert_eq!(retry_after(l, r), Duration::from_secs(1), "{l}");
    // the owner, from their own device, is not held up at all
    login_from(&app, "bea", PASSWORD, owner)
        .await
        .unwrap_or_else(|e| panic!("{l}: owner: {e:?}"));
    // each further failure doubles the guesser's wait
    for wait in [1, 2, 4] {
        app.advance(wait);
        let r = login_from(&app, "bea", "wrong-password", guesser).await;
        assert_code(l, r, Code::Unauthenticated);
        let r = login_from(&app, "bea", "wrong-password", guesser).await;
        assert_eq!(
            retry_after(l, r),
            Duration::from_secs(wait as u64 * 2),
            "{l}"
        );
    }
    // behind the same address, the right password gets in once the short
    // wait is over, and the pair starts afresh
    app.advance(8);
    login_from(&app, "bea", PASSWORD, guesser)
        .await
        .unwrap_or_else(|e| panic!("{l}: after the wait: {e:?}"));
    let r = login_from(&app, "bea", "wrong-password", guesser).await;
    assert_code(l, r, Code::Unauthenticated);
    app.stop().await;
}
per_backend!(guesses_wait_growing_delays_while_the_owner_elsewhere_logs_in);

async fn a_lecture_hall_behind_one_address_is_not_locked_out(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    app.create_user(v1::Role::Student, "eve").await;
    let hall = "203.0.113.50";
    // a hall of students each mistyping once (299 failures)…
    for chunk in (0..299).collect::<Vec<_>>().chunks(25) {
        let answers = futures::future::join_all(
            chunk
                .iter()
                .map(|i| login_from(&app, format!("student-{i}"), "mistyped", hall)),
        )
        .await;
        assert_eq!(checked_and_throttled(l, answers), (chunk.len(), 0), "{l}");
    }
    // …does not keep anyone else behind that address out
    login_from(&app, "eve", PASSWORD, hall)
        .await
        .unwrap_or_else(|e| panic!("{l}: eve in the hall: {e:?}"));
    // at the address's limit it is held back, other addresses are not
    let r = login_from(&app, "student-x", "mistyped", hall).await;
    assert_code(l, r, Code::Unauthenticated);
    let r = login_from(&app, "eve", PASSWORD, hall).await;
    let wait = retry_after(l, r);
    assert!(
        wait > Duration::from_secs(800) && wait <= Duration::from_secs(900),
        "{l}: {wait:?}"
    );
    login_from(&app, "eve", PASSWORD, "198.51.100.3")
        .await
        .unwrap_or_else(|e| panic!("{l}: eve elsewhere: {e:?}"));
    app.stop().await;
}
per_backend!(a_lecture_hall_behind_one_address_is_not_locked_out);

async fn a_guesser_spread_over_many_addresses_is_held_back_per_account(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    app.create_user(v1::Role::Student, "fay").await;
    for i in 0..50 {
        let r = login_from(
            &app,
            "fay",
            "wrong-password",
            &format!("10.9.{}.{}", i / 200, i % 200),
        )
        .await;
        assert_code(l, r, Code::Unauthenticated);
    }
    let r = login_from(&app, "fay", "wrong-password", "10.9.1.1").await;
    let wait = retry_after(l, r);
    assert!(
        wait > Duration::from_secs(800) && wait <= Duration::from_secs(900),
        "{l}: {wait:?}"
    );
    // not forever: once the window passes, the owner gets in
    app.advance(15 * 60 + 1);
    login_from(&app, "fay", PASSWORD, "198.51.100.4")
        .await
        .unwrap_or_else(|e| panic!("{l}: after the window: {e:?}"));
    app.stop().await;
}
per_backend!(a_guesser_spread_over_many_addresses_is_held_back_per_account);

async fn a_deactivated_account_is_answered_as_a_wrong_password(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let gil = app.create_user(v1::Role::Student, "gil").await;
    let wrong = login_from(&app, "gil", "not-her-password", "198.51.100.5")
        .await
        .expect_err("wrong password");
    app.users()
        .deactivate_user(req(
            &app.admin,
            v1::DeactivateUserRequest {
                name: gil.name.clone(),
            },
        ))
        .await
        .expect("deactivate");
    let right = login_from(&app, "gil", PASSWORD, "198.51.100.5")
        .await
        .expect_err("deactivated");
    let unknown = login_from(&app, "nobody", PASSWORD, "198.51.100.5")
        .await
        .expect_err("unknown");
    for s in [&right, &unknown] {
        assert_eq!(
            (s.code(), s.message(), s.details()),
            (wrong.code(), wrong.message(), wrong.details()),
            "{l}: {s:?} vs {wrong:?}"
        );
    }
    app.stop().await;
}
per_backend!(a_deactivated_account_is_answered_as_a_wrong_password);

async fn change_password_and_deactivation(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (carl, token) = app.user_with_token(v1::Role::Professor, "carl").await;
    let other_session = app.login("carl", PASSWORD).await;
    let bad = app
        .auth()
        .change_password(req(
            &token,
            v1::ChangePasswordRequest {
                current_password: "wrong-one".into(),
                new_password: "a-new-password".into(),
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, bad, Code::InvalidArgument)),
        ["current_password"],
        "{l}"
    );
    let short = app
        .auth()
        .change_password(req(
            &token,
            v1::ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password: "short".into(),
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, short, Code::InvalidArgument)),
        ["new_password"],
        "{l}"
    );
    app.auth()
        .change_password(req(
            &token,
            v1::ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password: "a-new-password".into(),
            },
        ))
        .await
        .expect("changed");
    // this token lives on, the other login is ended, the new password works
    app.auth()
        .who_am_i(req(&token, v1::WhoAmIRequest {}))
        .await
        .expect("still valid");
    assert_code(
        l,
        app.auth()
            .who_am_i(req(&other_session, v1::WhoAmIRequest {}))
            .await,
        Code::Unauthenticated,
    );
    app.login("carl", "a-new-password").await;

    app.users()
        .deactivate_user(req(
            &app.admin,
            v1::DeactivateUserRequest {
                name: carl.name.clone(),
            },
        ))
        .await
        .expect("deactivate");
    assert_code(
        l,
        app.auth().who_am_i(req(&token, v1::WhoAmIRequest {})).await,
        Code::Unauthenticated,
    );
    let r = app
        .auth()
        .login(v1::LoginRequest {
            login: "carl".into(),
            password: "a-new-password".into(),
        })
        .await;
    assert_eq!(
        assert_code(l, r, Code::Unauthenticated).message(),
        "wrong username or password",
        "{l}"
    );
    app.users()
        .reactivate_user(req(
            &app.admin,
            v1::ReactivateUserRequest {
                name: carl.name.clone(),
            },
        ))
        .await
        .expect("reactivate");
    app.login("carl", "a-new-password").await;
    app.stop().await;
}
per_backend!(change_password_and_deactivation);

async fn chosen_passwords_must_not_be_easy_to_guess(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (_, token) = app
        .user_with_token(v1::Role::Professor, "qxvoralpine")
        .await;
    for (weak, why) in [
        ("password", "top-10 common password"),
        ("12345678", "top-10 common password"),
        ("qxvoralpine", "username, name or email address"),
        (
            "qxvoralpine@uni.example.edu",
            "username, name or email address",
        ),
    ] {
        let r = app
            .auth()
            .change_password(req(
                &token,
                v1::ChangePasswordRequest {
                    current_password: PASSWORD.into(),
                    new_password: weak.into(),
                },
            ))
            .await;
        let s = assert_code(l, r, Code::InvalidArgument);
        let violations = s
            .get_details_bad_request()
            .map(|b| b.field_violations)
            .unwrap_or_default();
        assert_eq!(violations.len(), 1, "{l}: {weak}: {s:?}");
        assert_eq!(violations[0].field, "new_password", "{l}: {weak}");
        assert!(
            violations[0].description.contains("too easy to guess")
                && violations[0].description.contains(why),
            "{l}: {weak}: {:?}",
            violations[0].description
        );
    }
    // an administrator choosing a password for someone meets the same rule
    let r = app
        .users()
        .create_user(req(
            &app.admin,
            v1::CreateUserRequest {
                user: Some(v1::User {
                    username: "weak".into(),
                    email: "weak@uni.example.edu".into(),
                    display_name: "Weak".into(),
                    role: v1::Role::Student as i32,
                    ..Default::default()
                }),
                password: "12345678".into(),
            },
        ))
        .await;
    assert_eq!(
        fields(&assert_code(l, r, Code::InvalidArgument)),
        ["password"],
        "{l}"
    );
    let r = app
        .users()
        .import_users(req(
            &app.admin,
            v1::ImportUsersRequest {
                csv: "username,email,display_name,role,password\n\
                      strong,strong@uni.edu,Strong,student,correct horse battery\n\
                      weak,weak@uni.edu,Weak,student,password\n"
                    .into(),
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
    assert_eq!(got, [(3, "password")], "{l}: {:?}", r.errors);
    assert!(r.errors[0].message.contains("too easy to guess"), "{l}");
    app.stop().await;
}
per_backend!(chosen_passwords_must_not_be_easy_to_guess);

/// FAILED_PRECONDITION with reason PASSWORD_CHANGE_REQUIRED.
#[track_caller]
fn assert_password_change_required<T: std::fmt::Debug>(label: &str, r: Result<T, Status>) {
    let s = assert_code(label, r, Code::FailedPrecondition);
    assert_eq!(reason(&s), "PASSWORD_CHANGE_REQUIRED", "{label}: {s:?}");
}

async fn a_password_the_server_chose_must_be_changed_first(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    // a password the administrator chose is the user's to keep
    let ian = app.create_user(v1::Role::Professor, "ian").await;
    let chosen = login_from(&app, "ian", PASSWORD, "198.51.100.6")
        .await
        .expect("login");
    assert!(!chosen.password_change_required, "{l}");

    let reset = app
        .users()
        .reset_password(req(
            &app.admin,
            v1::ResetPasswordRequest {
                name: ian.name.clone(),
            },
        ))
        .await
        .expect("reset")
        .into_inner()
        .new_password;
    let first = login_from(&app, "ian", &reset, "198.51.100.6")
        .await
        .expect("login with the reset password");
    assert!(first.password_change_required, "{l}");
    let token = first.token;
    let me = app
        .auth()
        .who_am_i(req(&token, v1::WhoAmIRequest {}))
        .await
        .expect("whoami is served")
        .into_inner();
    assert!(me.password_change_required, "{l}");
    let get = |token: String| {
        let mut users = app.users();
        let name = ian.name.clone();
        async move {
            users
                .get_user(req(&token, v1::GetUserRequest { name }))
                .await
        }
    };
    assert_password_change_required(l, get(token.clone()).await);
    app.auth()
        .change_password(req(
            &token,
            v1::ChangePasswordRequest {
                current_password: reset.clone(),
                new_password: "ian-picks-a-long-phrase".into(),
            },
        ))
        .await
        .expect("change");
    get(token.clone()).await.expect("served after the change");
    let again = login_from(&app, "ian", "ian-picks-a-long-phrase", "198.51.100.6")
        .await
        .expect("login");
    assert!(!again.password_change_required, "{l}");

    // an imported student's generated password: not even a check-in first
    let imported = app
        .users()
        .import_users(req(
            &app.admin,
            v1::ImportUsersRequest {
                csv: "username,email,display_name,role\njoana,joana@uni.edu,Joana,student\n".into(),
                dry_run: false,
            },
        ))
        .await
        .expect("import")
        .into_inner();
    let jo = imported.users[0].user.clone().expect("user");
    let first = login_from(
        &app,
        "joana",
        &imported.users[0].initial_password,
        "198.51.100.7",
    )
    .await
    .expect("login with the imported password");
    assert!(first.password_change_required, "{l}");
    let course = app.create_course("PW101", &[], None).await;
    app.enroll(&course, &jo).await;
    let session = app.create_session(&course, -5, 60, None).await;
    let qr = app.qr(&session).await;
    assert_password_change_required(
        l,
        app.check_in(&first.token, &qr.token, "phone-joana").await,
    );
    app.stop().await;
}
per_backend!(a_password_the_server_chose_must_be_changed_first);
