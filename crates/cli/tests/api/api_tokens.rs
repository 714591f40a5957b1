//! Named API tokens: made, listed and revoked by administrators, acting
//! with their own role, expiring, audited.

use classtrack_proto::v1;
use tonic::Code;

use crate::helpers::*;

async fn create(
    app: &TestApp,
    token: &str,
    name: &str,
    role: v1::Role,
    days: i64,
) -> Result<v1::CreateApiTokenResponse, tonic::Status> {
    app.auth()
        .create_api_token(req(
            token,
            v1::CreateApiTokenRequest {
                api_token: Some(v1::ApiToken {
                    display_name: name.into(),
                    role: role as i32,
                    expire_time: Some(ts(app.clock_now() + chrono::Duration::days(days))),
                    ..Default::default()
                }),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

async fn list(app: &TestApp) -> Vec<v1::ApiToken> {
    app.auth()
        .list_api_tokens(req(&app.admin, v1::ListApiTokensRequest {}))
        .await
        .unwrap_or_else(|e| panic!("{}: list: {e:?}", app.label))
        .into_inner()
        .api_tokens
}

/// The secret works once made, with the token's role (not its creator's),
/// is listed without its secret, stops at once when revoked; both audited.
async fn an_admin_makes_lists_and_revokes_a_named_token(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let made = create(&app, &app.admin, "nightly export", v1::Role::Professor, 30)
        .await
        .unwrap_or_else(|e| panic!("{l}: create: {e:?}"));
    let token = made.api_token.clone().unwrap_or_default();
    assert!(made.secret.len() >= 40, "{l}");
    assert!(token.name.starts_with("apiTokens/"), "{l}: {token:?}");
    assert_eq!(token.creator_username, "admin", "{l}");

    let me = app
        .auth()
        .who_am_i(req(&made.secret, v1::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("{l}: the secret works: {e:?}"))
        .into_inner();
    assert_eq!(
        me.user.map(|u| u.role),
        Some(v1::Role::Professor as i32),
        "{l}: its own role"
    );
    // A professor may not list users: the token's role is enforced.
    let users = app
        .users()
        .list_users(req(&made.secret, v1::ListUsersRequest::default()))
        .await;
    assert_code(l, users, Code::PermissionDenied);
    // An API token, even an admin one, makes no further tokens.
    let admin_token = create(&app, &app.admin, "admin script", v1::Role::Admin, 1)
        .await
        .unwrap_or_else(|e| panic!("{l}: create admin token: {e:?}"));
    let nested = create(&app, &admin_token.secret, "nested", v1::Role::Admin, 1).await;
    assert_code(l, nested, Code::PermissionDenied);

    let listed = list(&app).await;
    assert_eq!(
        listed
            .iter()
            .map(|t| t.display_name.as_str())
            .collect::<Vec<_>>(),
        ["admin script", "nightly export"],
        "{l}: newest first"
    );
    assert_eq!(listed[1], token, "{l}: listed as made");

    app.auth()
        .revoke_api_token(req(
            &app.admin,
            v1::RevokeApiTokenRequest {
                name: token.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: revoke: {e:?}"));
    let after = app
        .auth()
        .who_am_i(req(&made.secret, v1::WhoAmIRequest {}))
        .await;
    assert_code(l, after, Code::Unauthenticated);
    assert_eq!(
        list(&app).await.len(),
        1,
        "{l}: a revoked token is not listed"
    );

    let audit = app
        .reports()
        .list_audit_events(req(
            &app.admin,
            v1::ListAuditEventsRequest {
                action: "api_token.".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: audit: {e:?}"))
        .into_inner();
    let entries: Vec<_> = audit
        .events
        .iter()
        .map(|e| (e.action.as_str(), e.target.as_str()))
        .collect();
    assert!(
        entries.contains(&("api_token.create", token.name.as_str())),
        "{l}: {entries:?}"
    );
    assert!(
        entries.contains(&("api_token.revoke", token.name.as_str())),
        "{l}: {entries:?}"
    );
    assert!(
        audit
            .events
            .iter()
            .all(|e| !e.detail.contains(&made.secret)),
        "{l}: no secret in the audit"
    );
    app.stop().await;
}
per_backend!(an_admin_makes_lists_and_revokes_a_named_token);

/// A token stops at its expiry and is no longer listed.
async fn an_api_token_stops_at_its_expiry(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let made = create(&app, &app.admin, "one day", v1::Role::Student, 1)
        .await
        .unwrap_or_else(|e| panic!("{l}: create: {e:?}"));
    app.auth()
        .who_am_i(req(&made.secret, v1::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("{l}: before: {e:?}"));
    app.advance(24 * 3600 + 1);
    let after = app
        .auth()
        .who_am_i(req(&made.secret, v1::WhoAmIRequest {}))
        .await;
    assert_code(l, after, Code::Unauthenticated);
    assert!(list(&app).await.is_empty(), "{l}");
    app.stop().await;
}
per_backend!(an_api_token_stops_at_its_expiry);

/// Bad requests name their fields; only administrators make tokens.
async fn bad_api_token_requests_name_their_fields(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let empty = app
        .auth()
        .create_api_token(req(
            &app.admin,
            v1::CreateApiTokenRequest { api_token: None },
        ))
        .await;
    let s = assert_code(l, empty, Code::InvalidArgument);
    assert_eq!(
        fields(&s),
        [
            "api_token.display_name",
            "api_token.role",
            "api_token.expire_time"
        ],
        "{l}"
    );
    let s = assert_code(
        l,
        create(&app, &app.admin, "past", v1::Role::Student, -1).await,
        Code::InvalidArgument,
    );
    assert_eq!(fields(&s), ["api_token.expire_time"], "{l}: in the past");
    let s = assert_code(
        l,
        create(&app, &app.admin, "long", v1::Role::Student, 367).await,
        Code::InvalidArgument,
    );
    assert_eq!(fields(&s), ["api_token.expire_time"], "{l}: over a year");
    let (_, prof) = app.user_with_token(v1::Role::Professor, "prof").await;
    assert_code(
        l,
        create(&app, &prof, "mine", v1::Role::Student, 1).await,
        Code::PermissionDenied,
    );
    let s = assert_code(
        l,
        app.auth()
            .revoke_api_token(req(
                &app.admin,
                v1::RevokeApiTokenRequest {
                    name: "users/1".into(),
                },
            ))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(fields(&s), ["name"], "{l}");
    app.stop().await;
}
per_backend!(bad_api_token_requests_name_their_fields);
