//! What administrators and professors watch: the supervision overview,
//! rejected check-ins and the audit log.

use std::collections::HashMap;

use chrono::Utc;
use classtrack_core::validate::{self, Violations};
use classtrack_core::{CourseId, UserId};
use classtrack_proto::v1;
use classtrack_store::attendance::{self, RejectionFilter};
use classtrack_store::audit::{self, AuditFilter};
use classtrack_store::page::Page;
use classtrack_store::sessions::{self};
use classtrack_store::{courses, users};
use tonic::Request;

use crate::access::require_course_staff;
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::names::parse_name;
use crate::state::State;

fn optional<T>(
    field: &str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, classtrack_core::NameError>,
) -> ApiResult<Option<T>> {
    if value.is_empty() {
        Ok(None)
    } else {
        parse_name(field, value, parse).map(Some)
    }
}

/// Admin: every course. Professor: their courses only.
pub(super) async fn list_rejected(
    s: &State,
    req: Request<v1::ListRejectedCheckInsRequest>,
) -> ApiResult<v1::ListRejectedCheckInsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "rejections")?;
    let course = optional("course", &r.course, CourseId::parse)?;
    let reason = match v1::CheckInRejection::try_from(r.reason) {
        Ok(v1::CheckInRejection::Unspecified) => None,
        Ok(reason) => Some(
            reason
                .as_str_name()
                .trim_start_matches("CHECK_IN_REJECTION_")
                .to_string(),
        ),
        Err(_) => return Err(ApiError::invalid("reason", "unknown rejection reason")),
    };
    let mut conn = s.store.acquire().await?;
    if let Some(c) = course {
        require_course_staff(&mut conn, &caller, c).await?;
    }
    let filter = RejectionFilter {
        course,
        student: optional("student", &r.student, UserId::parse)?,
        reason,
        from: convert::opt_ms(r.start_time.as_ref(), "start_time")?,
        to: convert::opt_ms(r.end_time.as_ref(), "end_time")?,
        taught_by: (!caller.is_admin()).then_some(caller.user.id),
    };
    let mut rows = attendance::rejections(&mut conn, &filter, page).await?;
    let next = page.finish(&mut rows, |r| r.id, "rejections");
    Ok(v1::ListRejectedCheckInsResponse {
        rejections: rows.iter().map(convert::rejected_check_in).collect(),
        next_page_token: next,
    })
}

pub(super) async fn list_audit(
    s: &State,
    req: Request<v1::ListAuditEventsRequest>,
) -> ApiResult<v1::ListAuditEventsResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let mut v = Violations::default();
    v.check(
        "action",
        validate::text(&r.action, false, validate::MAX_FILTER),
    );
    v.check(
        "target",
        validate::text(&r.target, false, validate::MAX_FILTER),
    );
    v.into_result().map_err(ApiError::Invalid)?;
    let page = Page::parse(r.page_size, &r.page_token, "audit")?;
    let filter = AuditFilter {
        actor: optional("actor", &r.actor, UserId::parse)?,
        action_prefix: (!r.action.trim().is_empty()).then(|| r.action.trim().to_string()),
        target: (!r.target.trim().is_empty()).then(|| r.target.trim().to_string()),
        from: convert::opt_ms(r.start_time.as_ref(), "start_time")?,
        to: convert::opt_ms(r.end_time.as_ref(), "end_time")?,
    };
    let mut conn = s.store.acquire().await?;
    let mut events = audit::list(&mut conn, &filter, page).await?;
    let next = page.finish(&mut events, |e| e.id, "audit");
    Ok(v1::ListAuditEventsResponse {
        events: events.into_iter().map(convert::audit_event).collect(),
        next_page_token: next,
    })
}

pub(super) async fn supervision(
    s: &State,
    req: Request<v1::GetSupervisionOverviewRequest>,
) -> ApiResult<v1::GetSupervisionOverviewResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let now = s.now();
    let zone: chrono_tz::Tz = s.config.default_time_zone.parse().unwrap_or(chrono_tz::UTC);
    let local_midnight = now
        .with_timezone(&zone)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let day_start = chrono::TimeZone::from_local_datetime(&zone, &local_midnight)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc));
    let (from, to) = (
        day_start.timestamp_millis(),
        (day_start + chrono::Duration::days(1)).timestamp_millis(),
    );
    let mut conn = s.store.acquire().await?;
    let today = sessions::list(
        &mut conn,
        sessions::SessionScope::All,
        &sessions::SessionRange {
            from: Some(from),
            to: Some(to),
            include_cancelled: false,
        },
        Page {
            after_id: 0,
            size: 500,
        },
    )
    .await?;
    let now_ms = now.timestamp_millis();
    let mut live = Vec::new();
    for x in &today {
        let counts = attendance::status_counts(&mut conn, x).await?;
        live.push(v1::LiveSession {
            session: Some(convert::session(x, now_ms)),
            counts: Some(crate::live::counts_proto(&counts)),
        });
    }
    live.sort_by_key(|l| {
        l.session
            .as_ref()
            .map(|x| x.state != v1::SessionState::Open as i32)
    });
    let by_role: HashMap<String, i64> =
        users::count_by_role(&mut conn).await?.into_iter().collect();
    let (checkins, rejections) = attendance::counts_since(&mut conn, from).await?;
    let mut by_reason = HashMap::new();
    for r in attendance::rejections(
        &mut conn,
        &RejectionFilter {
            from: Some(from),
            ..Default::default()
        },
        Page {
            after_id: 0,
            size: 10_000,
        },
    )
    .await?
    {
        *by_reason.entry(r.reason).or_insert(0) += 1;
    }
    let n = |x: i64| i32::try_from(x).unwrap_or(i32::MAX);
    Ok(v1::GetSupervisionOverviewResponse {
        sessions: live,
        counts: Some(v1::SystemCounts {
            admins: n(*by_role.get("admin").unwrap_or(&0)),
            professors: n(*by_role.get("professor").unwrap_or(&0)),
            students: n(*by_role.get("student").unwrap_or(&0)),
            courses: n(courses::count_all(&mut conn).await?),
            sessions: n(sessions::count_all(&mut conn).await?),
            check_ins_today: n(checkins),
            rejections_today: n(rejections),
        }),
        rejections_by_reason: by_reason,
    })
}
