//! Free-text filters of List calls have a length limit: a long one is
//! INVALID_ARGUMENT naming the field, never a database error.

use classtrack_proto::v1;
use tonic::Code;

use crate::helpers::*;

async fn a_filter_too_long_is_invalid_argument_naming_the_field(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let long = "attendance.".repeat(5_000);

    let r = app
        .reports()
        .list_audit_events(req(
            &app.admin,
            v1::ListAuditEventsRequest {
                action: long.clone(),
                ..Default::default()
            },
        ))
        .await;
    let s = assert_code(l, r, Code::InvalidArgument);
    assert_eq!(fields(&s), ["action"], "{l}: {s:?}");

    let r = app
        .reports()
        .list_audit_events(req(
            &app.admin,
            v1::ListAuditEventsRequest {
                target: long.clone(),
                ..Default::default()
            },
        ))
        .await;
    let s = assert_code(l, r, Code::InvalidArgument);
    assert_eq!(fields(&s), ["target"], "{l}: {s:?}");

    let r = app
        .users()
        .list_users(req(
            &app.admin,
            v1::ListUsersRequest {
                query: long.clone(),
                ..Default::default()
            },
        ))
        .await;
    let s = assert_code(l, r, Code::InvalidArgument);
    assert_eq!(fields(&s), ["query"], "{l}: {s:?}");

    let r = app
        .courses()
        .list_courses(req(
            &app.admin,
            v1::ListCoursesRequest {
                query: long.clone(),
                ..Default::default()
            },
        ))
        .await;
    let s = assert_code(l, r, Code::InvalidArgument);
    assert_eq!(fields(&s), ["query"], "{l}: {s:?}");

    // At the limit, the filter still works.
    let events = app
        .reports()
        .list_audit_events(req(
            &app.admin,
            v1::ListAuditEventsRequest {
                action: "a".repeat(100),
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: a filter at the limit: {e:?}"));
    assert!(events.into_inner().events.is_empty(), "{l}");
    app.stop().await;
}
per_backend!(a_filter_too_long_is_invalid_argument_naming_the_field);
