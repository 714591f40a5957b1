//! Checking in: the ways in — the QR landing a phone's camera opens (with
//! or without a login, with or without the phone's position), the retry
//! with the position, and the typed short code — each a `CheckIn` call.
//!
//! A class with a geofence needs the phone's position (`location.rs`): when
//! a check-in arrives without it, the result page (`outcome.rs`) explains
//! why and offers a button that gets the position and retries with the kept
//! scan proof.

mod location;
mod outcome;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use chrono::Utc;
use classtrack_proto::v1::{
    check_in_request::Credential, CheckInRequest, CheckInResponse, GetSessionRequest, Location,
    ScanQrTokenRequest, ShortCode, WhoAmIRequest,
};
use serde::Deserialize;
use tonic::{Code, Status};

use self::location::{
    location_required, reason_of, LocationAsk, LocationFields, LOCATION_REQUIRED, LOCATION_RETRY,
};
use self::outcome::{
    bad_location_page, outcome_of, outcome_page, refusal, render_outcome, Outcome, OutcomePage,
};
use super::forms::Form;
use super::student::SessionLine;
use super::{name, Viewer, Visitor};
use crate::browser::{Browser, ScanTicket};
use crate::cookies::SCAN_COOKIE;
use crate::error::{PageError, PageResult};
use crate::view::{render, render_with_status, to_utc, Layout};
use crate::AppState;

/// `/c/{token}`: a logged-in student is checked in at once; anyone else has
/// the code judged now and keeps the proof in a cookie while logging in.
pub async fn landing(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Path(token): Path<String>,
) -> PageResult {
    land(&state, browser, token, None).await
}

/// `POST /c/{token}`: the in-page camera scan, with the position when the
/// class needs one.
pub async fn landing_located(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Path(token): Path<String>,
    Form(fields): Form<LocationFields>,
) -> PageResult {
    let Ok(location) = fields.location() else {
        return Ok(bad_location_page(&browser));
    };
    land(&state, browser, token, location).await
}

async fn land(
    state: &AppState,
    browser: Browser,
    token: String,
    location: Option<Location>,
) -> PageResult {
    if browser.session.is_some() {
        let who = state
            .api
            .auth()
            .who_am_i(browser.caller().req(WhoAmIRequest {}))
            .await;
        match who {
            Ok(who) => {
                let user = who.into_inner().user.unwrap_or_default();
                let viewer = Viewer::new(
                    user,
                    browser.clone(),
                    "/student".into(),
                    state.config.time_zone,
                );
                let result = check_in(
                    state,
                    &viewer,
                    Credential::Token(token.clone()),
                    None,
                    location,
                )
                .await;
                if reason_of(&result) == Some(LOCATION_REQUIRED) {
                    return ask_location_after_scan(state, &viewer, token).await;
                }
                return outcome_page(&viewer, result, None);
            }
            Err(status) if status.code() != Code::Unauthenticated => return Err(status.into()),
            Err(_) => {} // the login lapsed: treat as a visitor
        }
    }
    scan_then_login(state, &browser, token).await
}

/// The code was good but the class needs a position: keep a proof of the
/// scan (as for a login) so the retry is judged at the time of the scan.
async fn ask_location_after_scan(state: &AppState, viewer: &Viewer, token: String) -> PageResult {
    let ticket = match scan_ticket(state, &viewer.browser, token).await {
        Ok(ticket) => ticket,
        Err(status) => return outcome_page(viewer, Err(status), None),
    };
    let lifetime = ticket.expires - Utc::now().timestamp();
    let mut page = outcome_page(
        viewer,
        Err(location_required()),
        Some(LocationAsk {
            action: LOCATION_RETRY,
            came_without: false,
        }),
    )?;
    page.headers_mut().append(
        header::SET_COOKIE,
        viewer
            .browser
            .cookie(SCAN_COOKIE, &ticket.encode(), lifetime),
    );
    Ok(page)
}

/// Judges the code now and returns the proof to keep in the scan cookie.
async fn scan_ticket(
    state: &AppState,
    browser: &Browser,
    token: String,
) -> Result<ScanTicket, Status> {
    let scan = state
        .api
        .attendance()
        .scan_qr_token(browser.caller().req(ScanQrTokenRequest {
            token: token.clone(),
        }))
        .await?
        .into_inner();
    let scanned = scan.scan_time.unwrap_or_default();
    let expires = to_utc(scan.expire_time.as_ref())
        .map(|t| t.timestamp())
        .unwrap_or_else(|| Utc::now().timestamp() + 120);
    Ok(ScanTicket {
        token,
        course: if scan.course_code.is_empty() {
            scan.course_title
        } else {
            scan.course_code
        },
        scan_seconds: scanned.seconds,
        scan_nanos: scanned.nanos,
        proof: scan.scan_proof,
        expires,
    })
}

async fn scan_then_login(state: &AppState, browser: &Browser, token: String) -> PageResult {
    match scan_ticket(state, browser, token).await {
        Ok(ticket) => {
            let lifetime = ticket.expires - Utc::now().timestamp();
            Ok((
                [(
                    header::SET_COOKIE,
                    browser.cookie(SCAN_COOKIE, &ticket.encode(), lifetime),
                )],
                Redirect::to("/login"),
            )
                .into_response())
        }
        Err(status) => {
            let outcome = refusal(&status);
            let mut l = Layout::bare(&outcome.word);
            l.csrf = browser.csrf_token();
            Ok(render_with_status(
                StatusCode::OK,
                &OutcomePage {
                    l,
                    o: outcome,
                    logged_in: false,
                    location: None,
                },
            ))
        }
    }
}

/// Right after login: check in with the proof of the earlier scan. The scan
/// cookie is to be kept only when the page asks for the location (the second
/// value), so the retry can use it.
pub async fn finish_scan(
    state: &AppState,
    viewer: &Viewer,
    scan: &ScanTicket,
) -> PageResult<(axum::response::Response, bool)> {
    let result = check_in_scanned(state, viewer, scan, None).await;
    if reason_of(&result) == Some(LOCATION_REQUIRED) {
        let ask = LocationAsk {
            action: LOCATION_RETRY,
            came_without: false,
        };
        return Ok((outcome_page(viewer, result, Some(ask))?, true));
    }
    Ok((outcome_page(viewer, result, None)?, false))
}

async fn check_in_scanned(
    state: &AppState,
    viewer: &Viewer,
    scan: &ScanTicket,
    location: Option<Location>,
) -> Result<CheckInResponse, Status> {
    let proof = ScanProof {
        scan_time: prost_types::Timestamp {
            seconds: scan.scan_seconds,
            nanos: scan.scan_nanos,
        },
        proof: scan.proof.clone(),
    };
    check_in(
        state,
        viewer,
        Credential::Token(scan.token.clone()),
        Some(proof),
        location,
    )
    .await
}

/// `POST /checkin/location`: the kept scan again, now with the position.
pub async fn retry_with_location(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<LocationFields>,
) -> PageResult {
    let viewer = Viewer {
        path: "/student".into(),
        ..viewer
    };
    let Ok(location) = fields.location() else {
        return Ok(bad_location_page(&viewer.browser));
    };
    let Some(scan) = viewer.browser.live_scan(Utc::now().timestamp()).cloned() else {
        let outcome = Outcome {
            word: crate::lang::t("checkin-scan-again"),
            class: "refused",
            reason: "SCAN_EXPIRED".into(),
            detail: crate::lang::t("checkin-scan-too-old"),
            course: String::new(),
            against: String::new(),
        };
        return Ok(render(&OutcomePage {
            l: viewer.layout(&outcome.word).shape("narrow"),
            o: outcome,
            logged_in: true,
            location: None,
        }));
    };
    if location.is_none() {
        // Posted without a position: JavaScript is off or was blocked.
        let ask = LocationAsk {
            action: LOCATION_RETRY,
            came_without: true,
        };
        return outcome_page(&viewer, Err(location_required()), Some(ask));
    }
    let result = check_in_scanned(&state, &viewer, &scan, location).await;
    if reason_of(&result) == Some(LOCATION_REQUIRED) {
        let ask = LocationAsk {
            action: LOCATION_RETRY,
            came_without: false,
        };
        return outcome_page(&viewer, result, Some(ask));
    }
    let mut page = outcome_page(&viewer, result, None)?;
    page.headers_mut()
        .append(header::SET_COOKIE, viewer.browser.clear_cookie(SCAN_COOKIE));
    Ok(page)
}

struct ScanProof {
    scan_time: prost_types::Timestamp,
    proof: String,
}

#[derive(Deserialize)]
pub struct ShortCodeForm {
    #[serde(default)]
    session: String,
    #[serde(default)]
    code: String,
    #[serde(flatten)]
    location: LocationFields,
}

pub async fn short_code(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ShortCodeForm>,
) -> PageResult {
    let Ok(location) = form.location.location() else {
        return Ok(bad_location_page(&viewer.browser));
    };
    let session = name("sessions", super::id_param(&form.session))
        .map_err(|_| PageError::bad_form(&crate::lang::t("checkin-choose-session")))?;
    let code: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    let result = check_in(
        &state,
        &viewer,
        Credential::ShortCode(ShortCode {
            session: session.clone(),
            code,
        }),
        None,
        location,
    )
    .await;
    // The code is checked against the chosen session only (each wrong code
    // counts towards that session's limit; trying it on every open session
    // would multiply a guesser's attempts), so the page says which one.
    let against = session_words(&state, &viewer, &session, &result).await;
    // A typed code changes every few seconds: no retry button, the page says
    // to type the current code with location allowed. The form sends the
    // position itself when it knows the class needs one, so a post without
    // one came from a browser without JavaScript.
    let ask = (reason_of(&result) == Some(LOCATION_REQUIRED)).then_some(LocationAsk {
        action: "",
        came_without: true,
    });
    let mut outcome = outcome_of(&viewer, result)?;
    outcome.against = against;
    Ok(render_outcome(&viewer, outcome, ask))
}

async fn check_in(
    state: &AppState,
    viewer: &Viewer,
    credential: Credential,
    proof: Option<ScanProof>,
    location: Option<Location>,
) -> Result<CheckInResponse, Status> {
    let (scan_time, scan_proof) = match proof {
        Some(p) => (Some(p.scan_time), p.proof),
        None => (None, String::new()),
    };
    state
        .api
        .attendance()
        .check_in(viewer.req(CheckInRequest {
            credential: Some(credential),
            device_id: viewer.browser.device_id(),
            location,
            scan_time,
            scan_proof,
        }))
        .await
        .map(tonic::Response::into_inner)
}

/// The session a typed code was checked against, in the words of the
/// session menu; empty when it cannot be looked up (the result stands).
async fn session_words(
    state: &AppState,
    viewer: &Viewer,
    session: &str,
    result: &Result<CheckInResponse, Status>,
) -> String {
    let found = match result {
        Ok(answer) => answer.session.clone(),
        Err(_) => state
            .api
            .sessions()
            .get_session(viewer.req(GetSessionRequest {
                name: session.to_string(),
            }))
            .await
            .ok()
            .and_then(|r| r.into_inner().session),
    };
    found
        .filter(|s| s.start_time.is_some())
        .map(|s| {
            let line = SessionLine::new(&s, viewer.tz);
            format!("{} — {}", line.course, line.when)
        })
        .unwrap_or_default()
}
