use classtrack_proto::v1;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;

#[tokio::test]
async fn login_logout_whoami_and_expiry() {
    for db in backends().await {
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
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_then_released() {
    for db in backends().await {
        let app = spawn_app(&db).await;
        let l = app.label;
        app.create_user(v1::Role::Student, "bea").await;
        for _ in 0..5 {
            let r = app
                .auth()
                .login(v1::LoginRequest {
                    login: "bea".into(),
                    password: "wrong-password".into(),
                })
                .await;
            assert_code(l, r, Code::Unauthenticated);
        }
        // even the right password waits now, and is told how long
        let r = app
            .auth()
            .login(v1::LoginRequest {
                login: "bea".into(),
                password: PASSWORD.into(),
            })
            .await;
        let s = assert_code(l, r, Code::ResourceExhausted);
        let retry = s
            .get_details_retry_info()
            .and_then(|r| r.retry_delay)
            .expect("retry delay");
        assert!(
            retry.as_secs() > 800 && retry.as_secs() <= 900,
            "{l}: {retry:?}"
        );
        // other accounts from the same address are not locked out
        app.login("admin", ADMIN_PASSWORD).await;
        // not forever: after the window the real user gets in
        app.advance(15 * 60 + 1);
        app.login("bea", PASSWORD).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn change_password_and_deactivation() {
    for db in backends().await {
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
        assert!(
            assert_code(l, r, Code::PermissionDenied)
                .message()
                .contains("deactivated"),
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
}
