//! The administrators' API tokens page over HTTP: make one (its secret
//! shown once), see it listed, revoke it.

use std::sync::Arc;

use chrono::Utc;
use classtrack::server::Tier;
use classtrack_core::ManualClock;
use classtrack_proto::v1;
use hyper::StatusCode;
use tonic::Code;

use crate::helpers::*;
use crate::web::Browser;

async fn the_api_tokens_page_makes_lists_and_revokes(db: TestDb) {
    // The page counts days from the real clock.
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = spawn_tier(&db.url, db.label(), clock, Tier::Both).await;
    let l = app.label;
    let mut browser = Browser::with_token(&app, &app.admin);
    let empty = browser.get("/admin/api-tokens").await;
    assert_eq!(empty.status, StatusCode::OK, "{l}: {empty:?}");
    assert!(empty.body.contains("No API tokens."), "{l}");

    let bad = browser
        .post(
            "/admin/api-tokens",
            &[("display_name", ""), ("role", "professor"), ("days", "30")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{l}: {bad:?}");

    let made = browser
        .post(
            "/admin/api-tokens",
            &[
                ("display_name", "nightly export"),
                ("role", "professor"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{l}: {made:?}");
    let marker = r#"id="api-token-secret">"#;
    let at = made
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("{l}: no secret in {}", made.body))
        + marker.len();
    let secret = made.body[at..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string();
    let me = app
        .auth()
        .who_am_i(req(&secret, v1::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("{l}: the shown secret works: {e:?}"))
        .into_inner();
    assert_eq!(
        me.user.map(|u| u.role),
        Some(v1::Role::Professor as i32),
        "{l}"
    );

    let listed = browser.get("/admin/api-tokens").await;
    assert!(listed.body.contains("nightly export"), "{l}");
    assert!(
        !listed.body.contains(&secret),
        "{l}: the secret is never shown again"
    );
    let action = r#"action="/admin/api-tokens/"#;
    let at = listed
        .body
        .find(action)
        .unwrap_or_else(|| panic!("{l}: no revoke form"))
        + action.len();
    let id = listed.body[at..]
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let revoked = browser
        .post(&format!("/admin/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{l}: {revoked:?}");
    let after = app
        .auth()
        .who_am_i(req(&secret, v1::WhoAmIRequest {}))
        .await;
    assert_code(l, after, Code::Unauthenticated);
    app.stop().await;
}
per_backend!(the_api_tokens_page_makes_lists_and_revokes);
