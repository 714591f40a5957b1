//! Signing a client in through the browser (RFC 8628's device flow): each
//! state a polling client can meet, the approval by a logged-in user, and
//! the one login it gives.

use std::time::Duration;

use classtrack_proto::v1;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;

async fn start(app: &TestApp) -> v1::StartDeviceAuthorizationResponse {
    app.auth()
        .start_device_authorization(v1::StartDeviceAuthorizationRequest {
            client_name: "classtrack CLI on lab-3".into(),
        })
        .await
        .unwrap_or_else(|e| panic!("{}: start: {e:?}", app.label))
        .into_inner()
}

async fn poll(
    app: &TestApp,
    device_code: &str,
) -> Result<v1::PollDeviceAuthorizationResponse, tonic::Status> {
    app.auth()
        .poll_device_authorization(v1::PollDeviceAuthorizationRequest {
            device_code: device_code.into(),
        })
        .await
        .map(|r| r.into_inner())
}

async fn approve(
    app: &TestApp,
    token: &str,
    user_code: &str,
    yes: bool,
) -> Result<v1::ApproveDeviceAuthorizationResponse, tonic::Status> {
    app.auth()
        .approve_device_authorization(req(
            token,
            v1::ApproveDeviceAuthorizationRequest {
                user_code: user_code.into(),
                approve: yes,
            },
        ))
        .await
        .map(|r| r.into_inner())
}

#[track_caller]
fn assert_wait(
    label: &str,
    r: Result<v1::PollDeviceAuthorizationResponse, tonic::Status>,
    code: Code,
    why: &str,
) -> tonic::Status {
    let status = assert_code(label, r, code);
    assert_eq!(reason(&status), why, "{label}: {status:?}");
    status
}

/// Pending, then too fast, then approved: one login, for the approver, once.
async fn a_device_waits_for_approval_then_gets_one_login(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (ana, ana_token) = app.user_with_token(v1::Role::Student, "ana").await;
    let started = start(&app).await;
    assert!(started.device_code.len() >= 40, "{l}: a long secret");
    let shown = &started.user_code;
    assert_eq!(shown.len(), 9, "{l}: {shown}");
    assert_eq!(&shown[4..5], "-", "{l}: {shown}");
    assert!(
        shown
            .chars()
            .filter(|c| *c != '-')
            .all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)),
        "{l}: no vowels nor digits: {shown}"
    );
    assert_eq!(
        started.verification_uri, "https://attend.example.edu/device",
        "{l}"
    );
    assert_eq!(
        started.verification_uri_complete,
        format!("https://attend.example.edu/device?code={shown}"),
        "{l}"
    );
    assert_eq!((started.expires_in, started.interval), (600, 5), "{l}");

    assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::FailedPrecondition,
        "AUTHORIZATION_PENDING",
    );
    // At once again: too fast, and the interval grows by 5 s.
    let slow = assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::ResourceExhausted,
        "SLOW_DOWN",
    );
    assert_eq!(
        slow.get_details_retry_info().and_then(|r| r.retry_delay),
        Some(Duration::from_secs(10)),
        "{l}"
    );
    app.advance(10);
    assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::FailedPrecondition,
        "AUTHORIZATION_PENDING",
    );

    // What the approver is shown, typed in lower case without the dash.
    let typed = shown.replace('-', "").to_lowercase();
    let asking = app
        .auth()
        .get_device_authorization(req(
            &ana_token,
            v1::GetDeviceAuthorizationRequest {
                user_code: typed.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: get: {e:?}"))
        .into_inner();
    assert_eq!(asking.user_code, *shown, "{l}");
    assert_eq!(asking.client_name, "classtrack CLI on lab-3", "{l}");
    approve(&app, &ana_token, &typed, true)
        .await
        .unwrap_or_else(|e| panic!("{l}: approve: {e:?}"));
    // Answered: it is no longer waiting for anyone.
    let again = assert_code(
        l,
        approve(&app, &app.admin, shown, false).await,
        Code::InvalidArgument,
    );
    assert_eq!(fields(&again), ["user_code"], "{l}");

    app.advance(10);
    let login = poll(&app, &started.device_code)
        .await
        .unwrap_or_else(|e| panic!("{l}: poll after approval: {e:?}"));
    assert_eq!(login.user.map(|u| u.name), Some(ana.name.clone()), "{l}");
    let me = app
        .auth()
        .who_am_i(req(&login.token, v1::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("{l}: the device's token works: {e:?}"))
        .into_inner();
    assert_eq!(me.user.map(|u| u.username), Some("ana".into()), "{l}");
    // One-time: the device code is spent.
    app.advance(10);
    assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::NotFound,
        "INVALID_DEVICE_CODE",
    );

    let audit = app
        .reports()
        .list_audit_events(req(
            &app.admin,
            v1::ListAuditEventsRequest {
                action: "device.".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: audit: {e:?}"))
        .into_inner();
    assert_eq!(
        audit
            .events
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect::<Vec<_>>(),
        [("device.approve", ana.name.as_str())],
        "{l}"
    );
    app.stop().await;
}
per_backend!(a_device_waits_for_approval_then_gets_one_login);

/// A denied device is told so, and gets no login.
async fn a_denied_device_is_told_so(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (_, token) = app.user_with_token(v1::Role::Professor, "prof").await;
    let started = start(&app).await;
    approve(&app, &token, &started.user_code, false)
        .await
        .unwrap_or_else(|e| panic!("{l}: deny: {e:?}"));
    assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::PermissionDenied,
        "ACCESS_DENIED",
    );
    app.stop().await;
}
per_backend!(a_denied_device_is_told_so);

/// Nobody approved in ten minutes: the device is told it expired, and the
/// code can no longer be approved.
async fn an_unanswered_device_code_expires(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let started = start(&app).await;
    app.advance(601);
    assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::DeadlineExceeded,
        "EXPIRED_TOKEN",
    );
    let late = assert_code(
        l,
        approve(&app, &app.admin, &started.user_code, true).await,
        Code::InvalidArgument,
    );
    assert_eq!(fields(&late), ["user_code"], "{l}");
    app.stop().await;
}
per_backend!(an_unanswered_device_code_expires);

/// Wrong codes, each refused with its field named; an unknown device code
/// is INVALID_DEVICE_CODE; a logged-out approver is UNAUTHENTICATED.
async fn wrong_device_and_user_codes_are_refused(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let started = start(&app).await;
    for wrong in ["BCDF-GHJK", "WDJB-MJH0", "WDJB", ""] {
        let s = assert_code(
            l,
            approve(&app, &app.admin, wrong, true).await,
            Code::InvalidArgument,
        );
        assert_eq!(fields(&s), ["user_code"], "{l}: {wrong:?}");
    }
    assert_code(
        l,
        approve(&app, "", &started.user_code, true).await,
        Code::Unauthenticated,
    );
    let empty = assert_code(l, poll(&app, "").await, Code::InvalidArgument);
    assert_eq!(fields(&empty), ["device_code"], "{l}");
    assert_wait(
        l,
        poll(&app, "not-the-device-code").await,
        Code::NotFound,
        "INVALID_DEVICE_CODE",
    );
    // The right device code is still waiting.
    assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::FailedPrecondition,
        "AUTHORIZATION_PENDING",
    );
    app.stop().await;
}
per_backend!(wrong_device_and_user_codes_are_refused);

/// Deactivating a user ends their logins, their API tokens and the device
/// sign-in they approved that no device has collected yet.
async fn deactivating_a_user_revokes_every_token_they_have(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let (ops, login) = app.user_with_token(v1::Role::Admin, "ops").await;
    let api_token = app
        .auth()
        .create_api_token(req(
            &login,
            v1::CreateApiTokenRequest {
                api_token: Some(v1::ApiToken {
                    display_name: "nightly".into(),
                    role: v1::Role::Professor as i32,
                    expire_time: Some(ts(app.clock_now() + chrono::Duration::days(30))),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: create: {e:?}"))
        .into_inner()
        .secret;
    let started = start(&app).await;
    approve(&app, &login, &started.user_code, true)
        .await
        .unwrap_or_else(|e| panic!("{l}: approve: {e:?}"));
    for token in [&login, &api_token] {
        app.auth()
            .who_am_i(req(token, v1::WhoAmIRequest {}))
            .await
            .unwrap_or_else(|e| panic!("{l}: before: {e:?}"));
    }
    app.users()
        .deactivate_user(req(
            &app.admin,
            v1::DeactivateUserRequest {
                name: ops.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: deactivate: {e:?}"));
    for (what, token) in [("login", &login), ("API token", &api_token)] {
        let r = app.auth().who_am_i(req(token, v1::WhoAmIRequest {})).await;
        assert_code(&format!("{l}: {what}"), r, Code::Unauthenticated);
    }
    app.advance(10);
    assert_wait(
        l,
        poll(&app, &started.device_code).await,
        Code::NotFound,
        "INVALID_DEVICE_CODE",
    );
    app.stop().await;
}
per_backend!(deactivating_a_user_revokes_every_token_they_have);
