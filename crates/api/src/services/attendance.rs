//! AttendanceService: QR tokens, check-in, manual marks, the roll and its live feed.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use classtrack_core::checkin::{address_allowed, judge_location, status_at};
use classtrack_core::qr::{self, QrToken, Rotation};
use classtrack_core::settings::{CheckInSettings, DeviceReuse};
use classtrack_core::validate::{self, Violations};
use classtrack_core::{CheckInRejection, RecordSource, Role, SessionId, UserId};
use classtrack_proto::v1::{self, attendance_service_server::AttendanceService};
use classtrack_store::attendance::{self, Record, Rejection};
use classtrack_store::sessions::{self, Session, SessionState};
use classtrack_store::{courses, StoreError};
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::sessions::{load_session, managed_session};
use super::{audit, parse_name, reply};
use crate::access::{require_course_staff, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::live::roll_snapshot;
use crate::state::State;

pub struct AttendanceApi(pub State);

/// Wrong short codes a student may type in one session before typing is closed.
const MAX_WRONG_CODES: i64 = 5;

type Stream<T> = ReceiverStream<Result<T, Status>>;

#[tonic::async_trait]
impl AttendanceService for AttendanceApi {
    async fn get_qr_token(
        &self,
        req: Request<v1::GetQrTokenRequest>,
    ) -> Result<Response<v1::GetQrTokenResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let session =
                    managed_session(&self.0, &caller, "session", &req.get_ref().session).await?;
                ensure_displayable(&session, self.0.now_ms())?;
                Ok(v1::GetQrTokenResponse {
                    qr_token: Some(qr_token(&self.0, &session, self.0.now())),
                })
            }
            .await,
        )
    }

    type StreamQrTokensStream = Stream<v1::StreamQrTokensResponse>;

    async fn stream_qr_tokens(
        &self,
        req: Request<v1::StreamQrTokensRequest>,
    ) -> Result<Response<Self::StreamQrTokensStream>, Status> {
        reply(stream_qr_tokens(&self.0, req).await)
    }

    async fn check_in(
        &self,
        req: Request<v1::CheckInRequest>,
    ) -> Result<Response<v1::CheckInResponse>, Status> {
        reply(check_in(&self.0, req).await)
    }

    async fn scan_qr_token(
        &self,
        req: Request<v1::ScanQrTokenRequest>,
    ) -> Result<Response<v1::ScanQrTokenResponse>, Status> {
        reply(scan_qr_token(&self.0, req).await)
    }

    async fn mark_attendance(
        &self,
        req: Request<v1::MarkAttendanceRequest>,
    ) -> Result<Response<v1::MarkAttendanceResponse>, Status> {
        reply(mark_attendance(&self.0, req).await)
    }

    async fn list_session_attendance(
        &self,
        req: Request<v1::ListSessionAttendanceRequest>,
    ) -> Result<Response<v1::ListSessionAttendanceResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let session =
                    managed_session(&self.0, &caller, "session", &req.get_ref().session).await?;
                let mut conn = self.0.store.acquire().await?;
                Ok(roll_snapshot(&mut conn, &session, self.0.now_ms()).await?)
            }
            .await,
        )
    }

    type WatchSessionStream = Stream<v1::WatchSessionResponse>;

    async fn watch_session(
        &self,
        req: Request<v1::WatchSessionRequest>,
    ) -> Result<Response<Self::WatchSessionStream>, Status> {
        reply(watch_session(&self.0, req).await)
    }
}

fn rotation(settings: &CheckInSettings) -> Rotation {
    Rotation::new(
        i64::from(settings.qr_rotation_seconds),
        i64::from(settings.qr_grace_seconds),
    )
}

fn ensure_displayable(session: &Session, now: i64) -> ApiResult<()> {
    match session.state(now) {
        SessionState::Cancelled => Err(ApiError::FailedPrecondition(
            "this session was cancelled".into(),
        )),
        SessionState::Closed => Err(ApiError::FailedPrecondition(
            "this session is closed".into(),
        )),
        _ => Ok(()),
    }
}

fn qr_token(s: &State, session: &Session, at: DateTime<Utc>) -> v1::QrToken {
    let settings = session.effective_settings();
    let r = rotation(&settings);
    let window = r.window_at(at);
    let token = QrToken::issue(&session.secret, session.id, window);
    let text = token.to_string();
    v1::QrToken {
        url: format!("{}/c/{text}", s.config.public_url.trim_end_matches('/')),
        short_code: token.short_code(),
        token: text,
        window_start_time: convert::ts(r.window_start(window).timestamp_millis()),
        expire_time: convert::ts(r.window_start(window + 1).timestamp_millis()),
        rotation_seconds: settings.qr_rotation_seconds,
        session: session.id.name(),
    }
}

async fn stream_qr_tokens(
    s: &State,
    req: Request<v1::StreamQrTokensRequest>,
) -> ApiResult<Stream<v1::StreamQrTokensResponse>> {
    let caller = s.caller(&req).await?;
    let session = managed_session(s, &caller, "session", &req.get_ref().session).await?;
    ensure_displayable(&session, s.now_ms())?;
    let (tx, rx) = mpsc::channel(4);
    let state = s.clone();
    let stopping = s.stopping.subscribe();
    tokio::spawn(async move {
        let mut session = session;
        let mut last_window = None;
        loop {
            if *stopping.borrow() {
                break;
            }
            let now = state.now();
            if matches!(
                session.state(now.timestamp_millis()),
                SessionState::Closed | SessionState::Cancelled
            ) {
                break;
            }
            let r = rotation(&session.effective_settings());
            let window = r.window_at(now);
            if last_window != Some(window) {
                last_window = Some(window);
                let msg = v1::StreamQrTokensResponse {
                    qr_token: Some(qr_token(&state, &session, now)),
                };
                if tx.send(Ok(msg)).await.is_err() {
                    break;
                }
            }
            // Wake at the rotation, but at least every quarter second so that
            // a moved clock, a close or a settings change is noticed.
            let until_next = (r.window_start(window + 1) - now)
                .to_std()
                .unwrap_or_default();
            tokio::time::sleep(until_next.min(Duration::from_millis(250))).await;
            if tx.is_closed() {
                break;
            }
            if let Ok(mut conn) = state.store.acquire().await {
                if let Ok(fresh) = sessions::get(&mut conn, session.id).await {
                    session = fresh;
                }
            }
        }
    });
    Ok(ReceiverStream::new(rx))
}

/// A check-in's facts that are kept with its rejection, if it is refused.
struct Attempt {
    student: UserId,
    session: Option<SessionId>,
    course: Option<classtrack_core::CourseId>,
    address: Option<IpAddr>,
    device_id: Option<String>,
}

impl Attempt {
    async fn refuse(&self, s: &State, reason: CheckInRejection, detail: &str) -> ApiError {
        metrics::counter!("classtrack_checkins_total", "result" => reason.code()).increment(1);
        let rejection = Rejection {
            session: self.session,
            course: self.course,
            student: self.student,
            reason: reason.code(),
            at: s.now_ms(),
            client_address: self.address.map(|a| a.to_string()),
            device_id: self.device_id.clone(),
            detail: detail.chars().take(200).collect(),
        };
        if let Err(e) = s.batches.record_rejection(rejection).await {
            tracing::warn!(error = %e, "could not record a rejected check-in");
        }
        ApiError::Rejected(reason)
    }
}

enum Credential {
    Token(QrToken),
    Code(SessionId, String),
}

async fn check_in(s: &State, req: Request<v1::CheckInRequest>) -> ApiResult<v1::CheckInResponse> {
    let caller = s.caller(&req).await?;
    let address = s.client_address(&req);
    let r = req.into_inner();
    let now = s.now();
    let device_id = r.device_id.trim().to_string();
    let mut v = Violations::default();
    v.check("device_id", validate::text(&device_id, false, 128));
    v.into_result().map_err(ApiError::Invalid)?;
    let mut attempt = Attempt {
        student: caller.user.id,
        session: None,
        course: None,
        address,
        device_id: (!device_id.is_empty()).then(|| device_id.clone()),
    };
    if caller.user.role != Role::Student {
        return Err(attempt.refuse(s, CheckInRejection::NotStudent, "").await);
    }
    let credential = match &r.credential {
        Some(v1::check_in_request::Credential::Token(t)) => match QrToken::parse(t) {
            Ok(token) => Credential::Token(token),
            Err(_) => {
                return Err(attempt
                    .refuse(s, CheckInRejection::TokenMalformed, "")
                    .await)
            }
        },
        Some(v1::check_in_request::Credential::ShortCode(c)) => {
            let session = parse_name("short_code.session", &c.session, SessionId::parse)?;
            let code = c.code.trim().to_string();
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::invalid(
                    "short_code.code",
                    "the code has six digits",
                ));
            }
            Credential::Code(session, code)
        }
        None => {
            return Err(ApiError::invalid(
                "credential",
                "give the scanned token or the short code",
            ))
        }
    };
    let session_id = match &credential {
        Credential::Token(t) => t.session,
        Credential::Code(s, _) => *s,
    };
    attempt.session = Some(session_id);
    let Some(ctx) = s
        .batches
        .checkin_context(attendance::ContextQuery {
            session: session_id,
            student: caller.user.id,
            device: attempt.device_id.clone(),
        })
        .await?
    else {
        attempt.session = None;
        return Err(attempt
            .refuse(s, CheckInRejection::SessionNotFound, &session_id.name())
            .await);
    };
    let session = ctx.session;
    attempt.course = Some(session.course);
    let settings = session.effective_settings();
    let rot = rotation(&settings);

    // Authenticity first: a forged or foreign token learns nothing more.
    let (source, judged_at) = match &credential {
        Credential::Token(token) => {
            if !token.is_signed_by(&session.secret) {
                return Err(attempt.refuse(s, CheckInRejection::WrongSession, "").await);
            }
            (RecordSource::Qr, Some(token))
        }
        Credential::Code(..) => (RecordSource::Code, None),
    };
    // A retry returns what is recorded, whatever the code's age.
    if let Some(existing) = ctx.existing {
        metrics::counter!("classtrack_checkins_total", "result" => "REPEAT").increment(1);
        return Ok(v1::CheckInResponse {
            record: Some(convert::record(&existing)),
            already_recorded: true,
            session: Some(convert::session(&session, now.timestamp_millis())),
        });
    }
    let scanned_at = match judged_at {
        Some(token) => {
            let at = match scan_instant(s, &session, token, &r, now) {
                Ok(at) => at,
                Err(ApiError::Rejected(reason)) => {
                    return Err(attempt.refuse(s, reason, "scan proof").await)
                }
                Err(e) => return Err(e),
            };
            if !rot.accepts(token.window, at) {
                return Err(attempt.refuse(s, CheckInRejection::TokenExpired, "").await);
            }
            at
        }
        None => {
            let Credential::Code(_, code) = &credential else {
                unreachable!("code credential")
            };
            // Six digits can be guessed: a few wrong tries per session, then only the QR.
            let mut conn = s.store.acquire().await?;
            let wrong = attendance::count_rejections(
                &mut conn,
                session.id,
                caller.user.id,
                CheckInRejection::CodeInvalid.code(),
            )
            .await?;
            drop(conn);
            if wrong >= MAX_WRONG_CODES {
                return Err(attempt
                    .refuse(s, CheckInRejection::TooManyAttempts, "")
                    .await);
            }
            if qr::match_short_code(&session.secret, session.id, rot, code, now).is_none() {
                return Err(attempt.refuse(s, CheckInRejection::CodeInvalid, "").await);
            }
            now
        }
    };
    if let Err(reason) = session.times(&settings).check_open(now) {
        return Err(attempt.refuse(s, reason, "").await);
    }
    if !ctx.enrolled {
        return Err(attempt.refuse(s, CheckInRejection::NotEnrolled, "").await);
    }
    let mut flagged = false;
    if settings.device_binding && !device_id.is_empty() {
        if let Some(other) = ctx.device_owner {
            match settings.device_reuse {
                DeviceReuse::Block => {
                    return Err(attempt
                        .refuse(
                            s,
                            CheckInRejection::DeviceInUse,
                            &format!("used by {other}"),
                        )
                        .await)
                }
                DeviceReuse::Flag => flagged = true,
            }
        }
    }
    let mut geo_band = None;
    if let Some(fence) = &settings.geofence {
        let Some(loc) = &r.location else {
            return Err(attempt
                .refuse(s, CheckInRejection::LocationRequired, "")
                .await);
        };
        if !(-90.0..=90.0).contains(&loc.latitude) || !(-180.0..=180.0).contains(&loc.longitude) {
            return Err(ApiError::invalid(
                "location",
                "latitude or longitude out of range",
            ));
        }
        let verdict = judge_location(fence, loc.latitude, loc.longitude, loc.accuracy_meters);
        geo_band = Some(verdict.band.to_string());
        if !verdict.inside {
            return Err(attempt
                .refuse(s, CheckInRejection::OutsideGeofence, verdict.band)
                .await);
        }
    }
    if !address_allowed(&settings.network_allowlist, address) {
        return Err(attempt
            .refuse(s, CheckInRejection::AddressNotAllowed, "")
            .await);
    }
    let status = status_at(
        DateTime::from_timestamp_millis(session.start_at).unwrap_or_default(),
        settings.late_after_minutes,
        scanned_at,
    );
    let now_ms = now.timestamp_millis();
    let record = Record {
        session: session.id,
        student: caller.user.id,
        status,
        source,
        recorded_at: scanned_at.timestamp_millis(),
        note: String::new(),
        flagged,
        device_id: attempt
            .device_id
            .clone()
            .filter(|_| settings.device_binding),
        geo_band,
        client_address: address.map(|a| a.to_string()),
        marked_by: None,
        updated_at: now_ms,
    };
    // Batched with the other check-ins of the moment; the database's trigger
    // adds the roll event with it.
    let inserted = s.batches.insert_checkin(record.clone()).await?;
    let (record, already) = if inserted == attendance::Insert::Inserted {
        s.hub.nudge();
        (record, false)
    } else if inserted == attendance::Insert::SessionEnded {
        return Err(attempt
            .refuse(s, CheckInRejection::SessionClosed, "closed meanwhile")
            .await);
    } else {
        // A concurrent retry won the race; answer with its record.
        let mut conn = s.store.acquire().await?;
        let existing = attendance::get(&mut conn, session.id, caller.user.id)
            .await?
            .ok_or(ApiError::internal(StoreError::NotFound))?;
        (existing, true)
    };
    metrics::counter!("classtrack_checkins_total", "result" => if already { "REPEAT" } else { record.status.as_str() }).increment(1);
    Ok(v1::CheckInResponse {
        record: Some(convert::record(&record)),
        already_recorded: already,
        session: Some(convert::session(&session, now_ms)),
    })
}

/// When the token was seen: now, or an earlier scan proven by a scan proof
/// that is still within the allowance.
fn scan_instant(
    s: &State,
    session: &Session,
    token: &QrToken,
    r: &v1::CheckInRequest,
    now: DateTime<Utc>,
) -> ApiResult<DateTime<Utc>> {
    match (&r.scan_time, r.scan_proof.is_empty()) {
        (None, true) => Ok(now),
        (Some(t), false) => {
            let at =
                DateTime::from_timestamp_millis(convert::ms(t, "scan_time")?).unwrap_or_default();
            let allowance = chrono::Duration::from_std(s.config.scan_allowance).unwrap_or_default();
            let fresh = at <= now + chrono::Duration::seconds(1) && now - at <= allowance;
            if fresh && qr::verify_scan_proof(&session.secret, token, at, &r.scan_proof) {
                Ok(at)
            } else {
                Err(ApiError::Rejected(CheckInRejection::TokenExpired))
            }
        }
        _ => Err(ApiError::invalid(
            "scan_proof",
            "scan_time and scan_proof go together",
        )),
    }
}

async fn scan_qr_token(
    s: &State,
    req: Request<v1::ScanQrTokenRequest>,
) -> ApiResult<v1::ScanQrTokenResponse> {
    let token = QrToken::parse(&req.get_ref().token)
        .map_err(|_| ApiError::Rejected(CheckInRejection::TokenMalformed))?;
    let mut conn = s.store.acquire().await?;
    let session = match sessions::get(&mut conn, token.session).await {
        Ok(session) => session,
        Err(StoreError::NotFound) => {
            return Err(ApiError::Rejected(CheckInRejection::SessionNotFound))
        }
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    if !token.is_signed_by(&session.secret) {
        return Err(ApiError::Rejected(CheckInRejection::WrongSession));
    }
    let now = s.now();
    let settings = session.effective_settings();
    if !rotation(&settings).accepts(token.window, now) {
        return Err(ApiError::Rejected(CheckInRejection::TokenExpired));
    }
    session
        .times(&settings)
        .check_open(now)
        .map_err(ApiError::Rejected)?;
    let allowance = chrono::Duration::from_std(s.config.scan_allowance).unwrap_or_default();
    Ok(v1::ScanQrTokenResponse {
        session: session.id.name(),
        course_code: session.course_code.clone(),
        course_title: session.course_title.clone(),
        scan_time: convert::ts(now.timestamp_millis()),
        scan_proof: qr::scan_proof(&session.secret, &token, now),
        expire_time: convert::ts((now + allowance).timestamp_millis()),
    })
}

async fn mark_attendance(
    s: &State,
    req: Request<v1::MarkAttendanceRequest>,
) -> ApiResult<v1::MarkAttendanceResponse> {
    let caller: Caller = s.caller(&req).await?;
    caller.require_staff()?;
    let r = req.into_inner();
    let status = convert::status_from(r.status, "status")?;
    let mut v = Violations::default();
    v.check("note", validate::text(&r.note, false, 1000));
    v.into_result().map_err(ApiError::Invalid)?;
    let student = parse_name("student", &r.student, UserId::parse)?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let session = load_session(&mut tx, &caller, "session", &r.session).await?;
    require_course_staff(&mut tx, &caller, session.course).await?;
    if session.cancelled_at.is_some() {
        return Err(ApiError::FailedPrecondition(
            "this session was cancelled; it counts for nobody".into(),
        ));
    }
    if !courses::is_enrolled(&mut tx, session.course, student).await? {
        return Err(ApiError::FailedPrecondition(format!(
            "{student} is not enrolled in {}",
            session.course_code
        )));
    }
    let before = attendance::get(&mut tx, session.id, student).await?;
    let after = attendance::set_manual(
        &mut tx,
        session.id,
        student,
        attendance::Mark {
            status,
            source: RecordSource::Manual,
            note: r.note.trim(),
            by: caller.user.id,
        },
        now,
    )
    .await?;
    audit(
        &mut tx,
        caller.user.id,
        "attendance.mark",
        &format!("{}/attendance/{}", session.id.name(), student.0),
        json!({
            "old": before.as_ref().map(|b| json!({"status": b.status.as_str(), "source": b.source.as_str(), "note": b.note})),
            "new": {"status": after.status.as_str(), "note": after.note},
        }),
        now,
    )
    .await?;
    classtrack_store::commit(tx).await?;
    s.hub.nudge();
    Ok(v1::MarkAttendanceResponse {
        record: Some(convert::record(&after)),
    })
}

async fn watch_session(
    s: &State,
    req: Request<v1::WatchSessionRequest>,
) -> ApiResult<Stream<v1::WatchSessionResponse>> {
    let caller = s.caller(&req).await?;
    let session = managed_session(s, &caller, "session", &req.get_ref().session).await?;
    // Subscribe before reading the roll, so nothing falls between the two.
    let mut events = s.hub.subscribe(session.id);
    let mut conn = s.store.acquire().await?;
    let roll = roll_snapshot(&mut conn, &session, s.now_ms()).await?;
    drop(conn);
    let (tx, rx) = mpsc::channel(64);
    let state = s.clone();
    let mut stopping = s.stopping.subscribe();
    tokio::spawn(async move {
        let first = v1::WatchSessionResponse {
            counts: roll.counts,
            event: Some(v1::watch_session_response::Event::Roll(roll)),
        };
        if tx.send(Ok(first)).await.is_err() {
            return;
        }
        loop {
            let msg = tokio::select! {
                m = events.recv() => m,
                _ = tx.closed() => return,
                _ = stopping.changed() => return,
            };
            let out = match msg {
                Ok(event) => (*event).clone(),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too slow to follow each change: send the whole roll again.
                    let Ok(mut conn) = state.store.acquire().await else {
                        continue;
                    };
                    let Ok(fresh) = sessions::get(&mut conn, session.id).await else {
                        continue;
                    };
                    let Ok(roll) = roll_snapshot(&mut conn, &fresh, state.now_ms()).await else {
                        continue;
                    };
                    v1::WatchSessionResponse {
                        counts: roll.counts,
                        event: Some(v1::watch_session_response::Event::Roll(roll)),
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if tx.send(Ok(out)).await.is_err() {
                return;
            }
        }
    });
    Ok(ReceiverStream::new(rx))
}
