//! AttendanceService: QR tokens, check-in, manual marks, the roll and its live feed.

use crate::retry::retrying;
use std::time::Duration;

use chrono::{DateTime, Utc};
use classtrack_core::qr::{self, QrToken};
use classtrack_core::validate::{self, Problem, Violations};
use classtrack_core::{CheckInRejection, RecordSource, UserId};
use classtrack_proto::v1::{self, attendance_service_server::AttendanceService};
use classtrack_store::attendance;
use classtrack_store::sessions::{self, Session, SessionState};
use classtrack_store::{courses, StoreError};
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::sessions::{load_session, managed_session};
use super::{audit, reply};
use crate::access::{require_course_staff, Caller, LOGIN_ENDED};
use crate::checkin::{rotation, Ask, Judgement, Verdict};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::live::{self, roll_snapshot};
use crate::names::parse_name;
use crate::state::State;

/// AttendanceService: QR tokens, scans and check-ins, the roll and its live watch, marks by
/// staff.
pub struct AttendanceApi(pub State);

type Stream<T> = ReceiverStream<Result<T, Status>>;

/// How often an open stream checks its login again when it has nothing to
/// send (it also checks before every message). Through this replica a
/// revocation then ends the stream within this time; through another, within
/// this plus `login_cache_ttl`.
const STREAM_LOGIN_CHECK: Duration = Duration::from_secs(1);

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
        let answer = check_in(&self.0, req).await;
        crate::metrics::check_in_answered(&answer);
        reply(answer)
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

fn ensure_displayable(session: &Session, now: i64) -> ApiResult<()> {
    match session.state(now) {
        SessionState::Cancelled => Err(ApiError::precondition("api-error-session-cancelled")),
        SessionState::Closed => Err(ApiError::precondition("api-error-session-closed")),
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
                let _ = tx.send(Err(crate::error::going_away())).await;
                break;
            }
            // Checked at every wake-up (a cache lookup; the database once per
            // `login_cache_ttl`), so a revoked login gets no further token.
            if let Err(e) = state.still_logged_in(&caller).await {
                let _ = tx.send(Err(e.into())).await;
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

/// CheckIn: queues the scan with the others of the moment
/// ([`crate::batch::Batches::check_in`]), which authenticates the token and
/// judges and writes the check-in, then answers the record, or the refusal
/// as [`ApiError::Rejected`] (with its retry delay when it has one). A login
/// verified by the batch goes into this replica's cache.
async fn check_in(s: &State, req: Request<v1::CheckInRequest>) -> ApiResult<v1::CheckInResponse> {
    let (token_hash, cached) = s.cached_caller(&req)?;
    let fresh_login = cached.is_none();
    let now = s.now();
    let ask = Ask {
        token_hash,
        caller: cached,
        address: s.client_address(&req),
        at: now,
        request: req.into_inner(),
    };
    let Judgement { caller, verdict } = s.batches.check_in(ask).await?.ok_or(LOGIN_ENDED)?;
    if fresh_login {
        s.logins.put(&caller);
    }
    match verdict {
        Verdict::Recorded {
            record,
            session,
            already,
        } => {
            if !already {
                // The database's trigger wrote the roll event with the record.
                s.hub.nudge();
            }
            Ok(v1::CheckInResponse {
                record: Some(convert::record(&record)),
                already_recorded: already,
                // Only students check in: no geofence or networks for them.
                session: Some(convert::session_for(
                    classtrack_core::Role::Student,
                    convert::session(&session, now.timestamp_millis()),
                )),
            })
        }
        Verdict::Refused(reason, retry_after) => Err(ApiError::Rejected {
            reason,
            retry_after,
        }),
        Verdict::Invalid(e) => Err(e),
    }
}

async fn scan_qr_token(
    s: &State,
    req: Request<v1::ScanQrTokenRequest>,
) -> ApiResult<v1::ScanQrTokenResponse> {
    let token = QrToken::parse(&req.get_ref().token)
        .map_err(|_| ApiError::rejected(CheckInRejection::TokenMalformed))?;
    let mut conn = s.store.acquire().await?;
    let session = match sessions::get(&mut conn, token.session).await {
        Ok(session) => session,
        Err(StoreError::NotFound) => {
            return Err(ApiError::rejected(CheckInRejection::SessionNotFound))
        }
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    if !token.is_signed_by(&session.secret) {
        return Err(ApiError::rejected(CheckInRejection::WrongSession));
    }
    let now = s.now();
    let settings = session.effective_settings();
    if !rotation(&settings).accepts(token.window, now) {
        return Err(ApiError::rejected(CheckInRejection::TokenExpired));
    }
    session
        .times(&settings)
        .check_open(now)
        .map_err(ApiError::rejected)?;
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
    retrying!(s, "mark attendance", {
        let mut tx = s.store.begin().await?;
        let session = load_session(&mut tx, &caller, "session", &r.session).await?;
        require_course_staff(&mut tx, &caller, session.course).await?;
        if session.cancelled_at.is_some() {
            return Err(ApiError::precondition(
                "api-error-session-cancelled-counts-for-nobody",
            ));
        }
        if !courses::is_enrolled(&mut tx, session.course, student).await? {
            return Err(ApiError::FailedPrecondition(
                Problem::new("api-error-student-not-enrolled")
                    .text("student", student.to_string())
                    .text("course", session.course_code.clone()),
            ));
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
            &caller,
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
    })
}

async fn watch_session(
    s: &State,
    req: Request<v1::WatchSessionRequest>,
) -> ApiResult<Stream<v1::WatchSessionResponse>> {
    let caller = s.caller(&req).await?;
    let session = managed_session(s, &caller, "session", &req.get_ref().session).await?;
    // Subscribe before reading the roll, so nothing falls between the two;
    // what the roll already contains is told apart by the log's position.
    let mut events = s.hub.subscribe(session.id);
    let live::Opening {
        session,
        roll,
        mut position,
    } = live::open(&s.store, session.id, s.now_ms()).await?;
    let (tx, rx) = mpsc::channel(64);
    let state = s.clone();
    let mut stopping = s.stopping.subscribe();
    tokio::spawn(async move {
        if tx.send(Ok(live::roll_message(roll))).await.is_err() || live::is_over(&session) {
            return;
        }
        let mut check = tokio::time::interval(STREAM_LOGIN_CHECK);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let msg = tokio::select! {
                m = events.recv() => m,
                _ = check.tick() => {
                    if let Err(e) = state.still_logged_in(&caller).await {
                        let _ = tx.send(Err(e.into())).await;
                        return;
                    }
                    continue;
                }
                _ = tx.closed() => return,
                _ = stopping.changed() => {
                    let _ = tx.send(Err(crate::error::going_away())).await;
                    return;
                }
            };
            let (out, last) = match msg {
                // Already in the roll the watch started from.
                Ok(change) if !change.events.iter().any(|id| position.is_after(*id)) => continue,
                Ok(change) => (change.message.clone(), change.last),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too slow to follow each change: start again from the
                    // whole roll, and from its position in the log, so that
                    // changes it already contains are not sent after it.
                    let Ok(again) = live::open(&state.store, session.id, state.now_ms()).await
                    else {
                        continue;
                    };
                    position = again.position;
                    (
                        live::roll_message(again.roll),
                        live::is_over(&again.session),
                    )
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if let Err(e) = state.still_logged_in(&caller).await {
                let _ = tx.send(Err(e.into())).await;
                return;
            }
            if tx.send(Ok(out)).await.is_err() || last {
                return;
            }
        }
    });
    Ok(ReceiverStream::new(rx))
}
