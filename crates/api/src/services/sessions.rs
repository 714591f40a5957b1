//! SessionService: class meetings, single or weekly, and their lifecycle.

use crate::retry::retrying;
use chrono::Weekday;
use classtrack_core::schedule::{WeeklySeries, MAX_SERIES_SESSIONS};
use classtrack_core::settings::SettingsOverrides;
use classtrack_core::validate::{self, Violations};
use classtrack_core::{Role, SessionId};
use classtrack_proto::v1::{self, session_service_server::SessionService};
use classtrack_store::page::Page;
use classtrack_store::sessions::{self, NewSession, Session, SessionRange, SessionScope};
use classtrack_store::{attendance, Conn};
use serde_json::json;
use tonic::{Request, Response, Status};

use super::courses::load_course;
use super::{audit, mask_paths, reply};
use crate::access::{found, require_course_member, require_course_staff, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::names::parse_name;
use crate::state::State;

/// SessionService: a course's sessions, created one at a time or as a series, updated,
/// closed or cancelled.
pub struct SessionApi(pub State);

/// The longest a single meeting may last.
const MAX_SESSION_MS: i64 = 12 * 3600 * 1000;

#[tonic::async_trait]
impl SessionService for SessionApi {
    async fn create_session(
        &self,
        req: Request<v1::CreateSessionRequest>,
    ) -> Result<Response<v1::CreateSessionResponse>, Status> {
        reply(create_session(&self.0, req).await)
    }
    async fn create_session_series(
        &self,
        req: Request<v1::CreateSessionSeriesRequest>,
    ) -> Result<Response<v1::CreateSessionSeriesResponse>, Status> {
        reply(create_series(&self.0, req).await)
    }
    async fn get_session(
        &self,
        req: Request<v1::GetSessionRequest>,
    ) -> Result<Response<v1::GetSessionResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let mut conn = self.0.store.acquire().await?;
                let session = load_session(&mut conn, &caller, "name", &req.get_ref().name).await?;
                require_course_member(&mut conn, &caller, session.course).await?;
                Ok(v1::GetSessionResponse {
                    session: Some(convert::session_for(
                        caller.user.role,
                        convert::session(&session, self.0.now_ms()),
                    )),
                })
            }
            .await,
        )
    }
    async fn list_sessions(
        &self,
        req: Request<v1::ListSessionsRequest>,
    ) -> Result<Response<v1::ListSessionsResponse>, Status> {
        reply(list_sessions(&self.0, req).await)
    }
    async fn update_session(
        &self,
        req: Request<v1::UpdateSessionRequest>,
    ) -> Result<Response<v1::UpdateSessionResponse>, Status> {
        reply(update_session(&self.0, req).await)
    }
    async fn cancel_session(
        &self,
        req: Request<v1::CancelSessionRequest>,
    ) -> Result<Response<v1::CancelSessionResponse>, Status> {
        reply(cancel_session(&self.0, req).await)
    }
    async fn close_session(
        &self,
        req: Request<v1::CloseSessionRequest>,
    ) -> Result<Response<v1::CloseSessionResponse>, Status> {
        reply(close_session(&self.0, req).await)
    }
}

/// Loads a session; missing ones are hidden from non-admins.
pub(crate) async fn load_session(
    conn: &mut Conn,
    caller: &Caller,
    field: &str,
    name: &str,
) -> ApiResult<Session> {
    let id = parse_name(field, name, SessionId::parse)?;
    found(caller, id, sessions::get(conn, id).await)
}

/// A session the caller may manage (its course's professor, or an admin).
pub(crate) async fn managed_session(
    s: &State,
    caller: &Caller,
    field: &str,
    name: &str,
) -> ApiResult<Session> {
    let mut conn = s.store.acquire().await?;
    let session = load_session(&mut conn, caller, field, name).await?;
    require_course_staff(&mut conn, caller, session.course).await?;
    Ok(session)
}

fn check_times(v: &mut Violations, prefix: &str, start: Option<i64>, end: Option<i64>) {
    match (start, end) {
        (None, _) => v.problem(
            format!("{prefix}start_time"),
            classtrack_core::validate::Problem::new("api-field-required"),
        ),
        (_, None) => v.problem(
            format!("{prefix}end_time"),
            classtrack_core::validate::Problem::new("api-field-required"),
        ),
        (Some(s), Some(e)) if e <= s => v.problem(
            format!("{prefix}end_time"),
            classtrack_core::validate::Problem::new("api-field-after-start"),
        ),
        (Some(s), Some(e)) if e - s > MAX_SESSION_MS => v.problem(
            format!("{prefix}end_time"),
            classtrack_core::validate::Problem::new("api-field-session-too-long"),
        ),
        _ => {}
    }
}

fn settings_of(p: Option<&v1::CheckInSettings>, field: &str) -> ApiResult<SettingsOverrides> {
    p.map(|p| convert::settings_from(p, field))
        .transpose()
        .map(Option::unwrap_or_default)
}

async fn create_session(
    s: &State,
    req: Request<v1::CreateSessionRequest>,
) -> ApiResult<v1::CreateSessionResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let p = r.session.unwrap_or_default();
    let start = convert::opt_ms(p.start_time.as_ref(), "session.start_time")?;
    let end = convert::opt_ms(p.end_time.as_ref(), "session.end_time")?;
    let settings = settings_of(p.settings.as_ref(), "session.settings")?;
    let mut v = Violations::default();
    check_times(&mut v, "session.", start, end);
    v.check("session.room", validate::text(&p.room, false, 100));
    v.check("session.title", validate::text(&p.title, false, 200));
    v.extend(settings.validate("session.settings"));
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    retrying!(s, "create session", {
        let mut tx = s.store.begin().await?;
        let course = load_course(&mut tx, &caller, "parent", &r.parent).await?;
        require_course_staff(&mut tx, &caller, course.id).await?;
        let session = sessions::create(
            &mut tx,
            &NewSession {
                course: course.id,
                title: p.title.trim().to_string(),
                room: p.room.trim().to_string(),
                start_at: start.unwrap_or_default(),
                end_at: end.unwrap_or_default(),
                settings: settings.clone(),
                series_id: None,
            },
            now,
        )
        .await?;
        audit(
            &mut tx,
            &caller,
            "session.create",
            &session.id.name(),
            json!({"course": course.id.name()}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::CreateSessionResponse {
            session: Some(convert::session(&session, now)),
        })
    })
}

fn weekday(value: i32, i: usize) -> ApiResult<Weekday> {
    match v1::Weekday::try_from(value) {
        Ok(v1::Weekday::Monday) => Ok(Weekday::Mon),
        Ok(v1::Weekday::Tuesday) => Ok(Weekday::Tue),
        Ok(v1::Weekday::Wednesday) => Ok(Weekday::Wed),
        Ok(v1::Weekday::Thursday) => Ok(Weekday::Thu),
        Ok(v1::Weekday::Friday) => Ok(Weekday::Fri),
        Ok(v1::Weekday::Saturday) => Ok(Weekday::Sat),
        Ok(v1::Weekday::Sunday) => Ok(Weekday::Sun),
        _ => Err(ApiError::invalid(format!("weekdays[{i}]"), "not a weekday")),
    }
}

async fn create_series(
    s: &State,
    req: Request<v1::CreateSessionSeriesRequest>,
) -> ApiResult<v1::CreateSessionSeriesResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "parent", &r.parent).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    drop(conn);
    let days = r
        .weekdays
        .iter()
        .enumerate()
        .map(|(i, d)| weekday(*d, i))
        .collect::<ApiResult<Vec<_>>>()?;
    let series = WeeklySeries::parse(
        days,
        &r.start_local_time,
        r.duration_minutes,
        &r.first_date,
        &r.last_date,
        &r.skip_dates,
        &course.time_zone,
    )
    .map_err(ApiError::Invalid)?;
    let settings = settings_of(r.settings.as_ref(), "settings")?;
    let mut v = Violations::default();
    v.check("room", validate::text(&r.room, false, 100));
    v.check("title", validate::text(&r.title, false, 200));
    v.extend(settings.validate("settings"));
    v.into_result().map_err(ApiError::Invalid)?;
    let slots = series.slots();
    if slots.is_empty() {
        return Err(ApiError::invalid(
            "weekdays",
            "no day between first_date and last_date matches",
        ));
    }
    if slots.len() > MAX_SERIES_SESSIONS {
        return Err(ApiError::invalid(
            "last_date",
            format!("a series may create at most {MAX_SERIES_SESSIONS} sessions"),
        ));
    }
    let series_id = format!("{:016x}", rand::random::<u64>());
    let now = s.now_ms();
    retrying!(s, "create series", {
        let mut tx = s.store.begin().await?;
        let mut created = Vec::with_capacity(slots.len());
        for &(start, end) in &slots {
            let session = sessions::create(
                &mut tx,
                &NewSession {
                    course: course.id,
                    title: r.title.trim().to_string(),
                    room: r.room.trim().to_string(),
                    start_at: start.timestamp_millis(),
                    end_at: end.timestamp_millis(),
                    settings: settings.clone(),
                    series_id: Some(series_id.clone()),
                },
                now,
            )
            .await?;
            created.push(convert::session(&session, now));
        }
        audit(
            &mut tx,
            &caller,
            "session.create_series",
            &course.id.name(),
            json!({"series": series_id, "sessions": created.len()}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::CreateSessionSeriesResponse {
            sessions: created,
            series_id: series_id.clone(),
        })
    })
}

async fn list_sessions(
    s: &State,
    req: Request<v1::ListSessionsRequest>,
) -> ApiResult<v1::ListSessionsResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "sessions")?;
    let range = SessionRange {
        from: convert::opt_ms(r.start_time.as_ref(), "start_time")?,
        to: convert::opt_ms(r.end_time.as_ref(), "end_time")?,
        include_cancelled: r.include_cancelled,
    };
    let mut conn = s.store.acquire().await?;
    let scope = if r.parent.is_empty() {
        match caller.user.role {
            Role::Admin => SessionScope::All,
            Role::Professor => SessionScope::TaughtBy(caller.user.id),
            Role::Student => SessionScope::AttendedBy(caller.user.id),
        }
    } else {
        let course = load_course(&mut conn, &caller, "parent", &r.parent).await?;
        require_course_member(&mut conn, &caller, course.id).await?;
        SessionScope::Course(course.id)
    };
    let mut list = sessions::list(&mut conn, scope, &range, page).await?;
    // the page token is an offset for this time-ordered list
    let offset = page.after_id;
    let mut numbered: Vec<(i64, Session)> = list
        .drain(..)
        .enumerate()
        .map(|(i, s)| (offset + i as i64 + 1, s))
        .collect();
    let next = page.finish(&mut numbered, |(n, _)| *n, "sessions");
    let now = s.now_ms();
    Ok(v1::ListSessionsResponse {
        sessions: numbered
            .iter()
            .map(|(_, x)| convert::session_for(caller.user.role, convert::session(x, now)))
            .collect(),
        next_page_token: next,
    })
}

async fn update_session(
    s: &State,
    req: Request<v1::UpdateSessionRequest>,
) -> ApiResult<v1::UpdateSessionResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let p = r.session.unwrap_or_default();
    let paths = mask_paths(
        r.update_mask.as_ref(),
        &["room", "title", "start_time", "end_time", "settings"],
    )?;
    let now = s.now_ms();
    retrying!(s, "update session", {
        let mut tx = s.store.begin().await?;
        let mut session = load_session(&mut tx, &caller, "session.name", &p.name).await?;
        require_course_staff(&mut tx, &caller, session.course).await?;
        if session.cancelled_at.is_some() {
            return Err(ApiError::precondition(
                "api-error-session-cancelled-no-change",
            ));
        }
        let before = (
            session.start_at,
            session.end_at,
            session.room.clone(),
            session.title.clone(),
        );
        for path in &paths {
            match *path {
                "room" => session.room = p.room.trim().to_string(),
                "title" => session.title = p.title.trim().to_string(),
                "start_time" => {
                    session.start_at = convert::opt_ms(p.start_time.as_ref(), "session.start_time")?
                        .unwrap_or_default()
                }
                "end_time" => {
                    session.end_at = convert::opt_ms(p.end_time.as_ref(), "session.end_time")?
                        .unwrap_or_default()
                }
                "settings" => {
                    session.settings = settings_of(p.settings.as_ref(), "session.settings")?
                }
                _ => {}
            }
        }
        let times_changed = (session.start_at, session.end_at) != (before.0, before.1);
        if times_changed && session.finalized_at.is_some() {
            return Err(ApiError::precondition("api-error-session-closed-times"));
        }
        let mut v = Violations::default();
        check_times(
            &mut v,
            "session.",
            Some(session.start_at).filter(|t| *t > 0),
            Some(session.end_at).filter(|t| *t > 0),
        );
        v.check("session.room", validate::text(&session.room, false, 100));
        v.check("session.title", validate::text(&session.title, false, 200));
        v.extend(session.settings.validate("session.settings"));
        v.into_result().map_err(ApiError::Invalid)?;
        let after = sessions::update(&mut tx, &session, now).await?;
        audit(
            &mut tx,
            &caller,
            "session.update",
            &after.id.name(),
            json!({"fields": paths, "old": {"start": before.0, "end": before.1, "room": before.2, "title": before.3},
                   "new": {"start": after.start_at, "end": after.end_at, "room": after.room, "title": after.title}}),
            now,
        )
        .await?;
        attendance::push_event(&mut tx, after.id, None, "session", now).await?;
        classtrack_store::commit(tx).await?;
        s.hub.nudge();
        Ok(v1::UpdateSessionResponse {
            session: Some(convert::session(&after, now)),
        })
    })
}

async fn cancel_session(
    s: &State,
    req: Request<v1::CancelSessionRequest>,
) -> ApiResult<v1::CancelSessionResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let mut v = Violations::default();
    v.check("reason", validate::text(&r.reason, false, 500));
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    retrying!(s, "cancel session", {
        let mut tx = s.store.begin().await?;
        let session = load_session(&mut tx, &caller, "name", &r.name).await?;
        require_course_staff(&mut tx, &caller, session.course).await?;
        if session.finalized_at.is_some() {
            return Err(ApiError::precondition("api-error-session-closed-no-cancel"));
        }
        if sessions::cancel(&mut tx, session.id, r.reason.trim(), now).await? {
            audit(
                &mut tx,
                &caller,
                "session.cancel",
                &session.id.name(),
                json!({"reason": r.reason.trim()}),
                now,
            )
            .await?;
            attendance::push_event(&mut tx, session.id, None, "cancelled", now).await?;
        }
        let after = sessions::get(&mut tx, session.id).await?;
        classtrack_store::commit(tx).await?;
        s.hub.nudge();
        Ok(v1::CancelSessionResponse {
            session: Some(convert::session(&after, now)),
        })
    })
}

async fn close_session(
    s: &State,
    req: Request<v1::CloseSessionRequest>,
) -> ApiResult<v1::CloseSessionResponse> {
    let caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let now = s.now_ms();
    retrying!(s, "close session", {
        let mut tx = s.store.begin().await?;
        let session = load_session(&mut tx, &caller, "name", &r.name).await?;
        require_course_staff(&mut tx, &caller, session.course).await?;
        if session.cancelled_at.is_some() {
            return Err(ApiError::precondition(
                "api-error-session-cancelled-no-close",
            ));
        }
        let marked = sessions::finalize(&mut tx, session.id, now).await?;
        if let Some(n) = marked {
            audit(
                &mut tx,
                &caller,
                "session.close",
                &session.id.name(),
                json!({"marked_absent": n}),
                now,
            )
            .await?;
        }
        let after = sessions::get(&mut tx, session.id).await?;
        classtrack_store::commit(tx).await?;
        s.hub.nudge();
        Ok(v1::CloseSessionResponse {
            session: Some(convert::session(&after, now)),
            marked_absent: marked.map_or(0, |n| i32::try_from(n).unwrap_or(i32::MAX)),
        })
    })
}
