//! Checking in: the QR landing a phone's camera opens, the typed short code,
//! and the result in large, unmistakable words.
//!
//! A class with a geofence needs the phone's position. The browser sends it as
//! form fields (`lat`, `lon`, `accuracy`) filled in by `static/location.js`;
//! when a check-in arrives without it, the result page explains why and offers
//! a button that gets the position and retries with the kept scan proof.
//! Coordinates are checked here and never written to a log.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use classtrack_proto::v1::{
    check_in_request::Credential, AttendanceStatus, CheckInRequest, CheckInResponse,
    GetSessionRequest, Location, ScanQrTokenRequest, ShortCode, WhoAmIRequest,
};
use serde::Deserialize;

use super::forms::Form;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use super::student::SessionLine;
use super::{name, Viewer, Visitor};
use crate::browser::{Browser, ScanTicket};
use crate::cookies::SCAN_COOKIE;
use crate::error::{plain_message, PageError, PageResult};
use crate::view::{
    clock_seconds, render, render_with_status, role_of, status_label, to_utc, Layout,
};
use crate::AppState;

/// What a student sees after trying to check in.
pub struct Outcome {
    /// The big word: "Present", "Late", or why it was refused.
    pub word: String,
    /// `present`, `late`, `refused`: colour, and a stable hook for tests.
    pub class: &'static str,
    /// The refusal reason code (e.g. `TOKEN_EXPIRED`), empty on success.
    pub reason: String,
    pub detail: String,
    pub course: String,
    /// For a typed code: the session it was checked against ("CS101 ·
    /// Programming — Tue 1 Dec 10:00–11:30"), since the student chose it.
    pub against: String,
}

#[derive(Template)]
#[template(path = "checkin_result.html")]
struct OutcomePage {
    l: Layout,
    o: Outcome,
    logged_in: bool,
    location: Option<LocationAsk>,
}

/// The part of a result page that asks for the phone's location.
pub struct LocationAsk {
    /// Where the button posts the position; empty when there is nothing to
    /// retry (a typed code has changed by then: type the current one).
    pub action: &'static str,
    /// The post came without a position although the page would have sent
    /// one with JavaScript: say that it needs JavaScript.
    pub came_without: bool,
}

/// The reason codes that concern the location.
const LOCATION_REQUIRED: &str = "LOCATION_REQUIRED";
const OUTSIDE_GEOFENCE: &str = "OUTSIDE_GEOFENCE";

/// Where the location retry posts.
pub const LOCATION_RETRY: &str = "/checkin/location";

/// The position fields a check-in form may carry, as typed by the browser.
/// No `Debug`: a position must not end up in a log.
#[derive(Deserialize, Default)]
pub struct LocationFields {
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    accuracy: String,
}

/// The position fields were sent but are not a position on Earth.
#[derive(Debug, PartialEq, Eq)]
pub struct BadLocation;

/// Largest accuracy radius taken from a browser, in metres; anything larger
/// says nothing about the room and is sent as this.
const MAX_ACCURACY_M: f64 = 100_000.0;

impl LocationFields {
    /// `None` when no position was sent; an error when one was sent but is
    /// not numbers in range.
    pub fn location(&self) -> Result<Option<Location>, BadLocation> {
        let (lat, lon, accuracy) = (self.lat.trim(), self.lon.trim(), self.accuracy.trim());
        if lat.is_empty() && lon.is_empty() && accuracy.is_empty() {
            return Ok(None);
        }
        let latitude = number(lat).filter(|v| (-90.0..=90.0).contains(v));
        let longitude = number(lon).filter(|v| (-180.0..=180.0).contains(v));
        let accuracy_meters = if accuracy.is_empty() {
            Some(0.0)
        } else {
            number(accuracy)
                .filter(|v| *v >= 0.0)
                .map(|v| v.min(MAX_ACCURACY_M))
        };
        match (latitude, longitude, accuracy_meters) {
            (Some(latitude), Some(longitude), Some(accuracy_meters)) => Ok(Some(Location {
                latitude,
                longitude,
                accuracy_meters,
            })),
            _ => Err(BadLocation),
        }
    }
}

/// A finite decimal number of reasonable length.
fn number(text: &str) -> Option<f64> {
    if text.is_empty() || text.len() > 32 {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

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
                let viewer = Viewer {
                    role: role_of(user.role),
                    user,
                    browser: browser.clone(),
                    path: "/student".into(),
                    tz: state.config.time_zone,
                };
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

/// The refusal the API gives without a position, for pages that show it
/// again without asking the API.
fn location_required() -> Status {
    let details = tonic_types::ErrorDetails::with_error_info(
        LOCATION_REQUIRED,
        "classtrack.v1",
        std::collections::HashMap::<String, String>::new(),
    );
    Status::with_error_details(
        Code::InvalidArgument,
        "this session needs your location to check in",
        details,
    )
}

fn reason_of(result: &Result<CheckInResponse, Status>) -> Option<&'static str> {
    let status = result.as_ref().err()?;
    let reason = status.get_details_error_info()?.reason;
    [LOCATION_REQUIRED, OUTSIDE_GEOFENCE]
        .into_iter()
        .find(|r| *r == reason)
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

/// A position that is not one: said plainly, nothing sent to the API.
fn bad_location_page(browser: &Browser) -> axum::response::Response {
    let mut l = Layout::bare("Location not understood");
    l.csrf = browser.csrf_token();
    render_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &OutcomePage {
            l,
            o: Outcome {
                word: "Location not understood".into(),
                class: "refused",
                reason: "LOCATION_INVALID".into(),
                detail: "Your browser sent a location that is not valid. Go back and try again."
                    .into(),
                course: String::new(),
                against: String::new(),
            },
            logged_in: browser.session.is_some(),
            location: None,
        },
    )
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
            word: "Scan again".into(),
            class: "refused",
            reason: "SCAN_EXPIRED".into(),
            detail: "Your scan is too old now. Scan the code on the screen again.".into(),
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
        .map_err(|_| PageError::bad_form("Choose the session you are in, then type its code."))?;
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

fn outcome_page(
    viewer: &Viewer,
    result: Result<CheckInResponse, Status>,
    location: Option<LocationAsk>,
) -> PageResult {
    Ok(render_outcome(
        viewer,
        outcome_of(viewer, result)?,
        location,
    ))
}

fn outcome_of(
    viewer: &Viewer,
    result: Result<CheckInResponse, Status>,
) -> Result<Outcome, PageError> {
    match result {
        Ok(answer) => Ok(success(&answer, viewer)),
        Err(status) if status.code() == Code::Unauthenticated => {
            Err(PageError::Login { next: None })
        }
        Err(status) => Ok(refusal(&status)),
    }
}

fn render_outcome(viewer: &Viewer, outcome: Outcome, location: Option<LocationAsk>) -> Response {
    let mut l = viewer.layout(&outcome.word).shape("narrow");
    l.flash = None;
    render(&OutcomePage {
        l,
        o: outcome,
        logged_in: true,
        location,
    })
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

fn success(answer: &CheckInResponse, viewer: &Viewer) -> Outcome {
    let record = answer.record.clone().unwrap_or_default();
    let session = answer.session.clone().unwrap_or_default();
    let status = record.status;
    let at = clock_seconds(record.record_time.as_ref(), viewer.tz);
    let detail = if answer.already_recorded {
        format!("You were already recorded at {at}. Nothing changed.")
    } else {
        format!("Recorded at {at}.")
    };
    Outcome {
        word: status_label(status).to_string(),
        class: match AttendanceStatus::try_from(status) {
            Ok(AttendanceStatus::Late) => "late",
            Ok(AttendanceStatus::Present) | Ok(AttendanceStatus::Excused) => "present",
            _ => "refused",
        },
        reason: String::new(),
        detail,
        course: [session.course_code, session.course_title]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        against: String::new(),
    }
}

/// A refused check-in in words: the headline from the reason code, the
/// student-readable detail from the API.
pub fn refusal(status: &Status) -> Outcome {
    let reason = status
        .get_details_error_info()
        .map(|info| info.reason)
        .unwrap_or_default();
    let word = match reason.as_str() {
        "" => match status.code() {
            Code::Unavailable | Code::DeadlineExceeded => "Try again",
            Code::ResourceExhausted => "Too many attempts",
            _ => "Not checked in",
        },
        r => crate::reasons::words_for_code(r),
    };
    let detail = match reason.as_str() {
        LOCATION_REQUIRED => "This class checks that you are in the room, so it needs your phone's location.".to_string(),
        OUTSIDE_GEOFENCE => "Your phone's location is outside the area of this class. If you are in the room, turn on precise location (GPS), move near a window and scan the current code again, or ask your professor to mark you.".to_string(),
        _ => plain_message(status),
    };
    Outcome {
        word: word.to_string(),
        class: "refused",
        reason,
        detail,
        course: String::new(),
        against: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::ErrorDetails;

    fn rejected(reason: &str, message: &str) -> Status {
        let details = ErrorDetails::with_error_info(reason, "classtrack.v1", []);
        Status::with_error_details(Code::FailedPrecondition, message, details)
    }

    #[test]
    fn a_refusal_names_its_reason_in_words() {
        let o = refusal(&rejected(
            "TOKEN_EXPIRED",
            "this code has expired; scan the current one",
        ));
        assert_eq!(o.word, "Code expired");
        assert_eq!(o.reason, "TOKEN_EXPIRED");
        assert_eq!(o.class, "refused");
        assert_eq!(o.detail, "This code has expired; scan the current one.");
    }

    fn fields(lat: &str, lon: &str, accuracy: &str) -> LocationFields {
        LocationFields {
            lat: lat.into(),
            lon: lon.into(),
            accuracy: accuracy.into(),
        }
    }

    #[test]
    fn no_position_fields_is_no_location() {
        assert_eq!(fields("", "", "").location(), Ok(None));
        assert_eq!(fields(" ", "", " ").location(), Ok(None));
    }

    #[test]
    fn a_position_in_range_becomes_a_location() {
        let l = fields("38.7369", "-9.1427", "12.5")
            .location()
            .unwrap()
            .unwrap();
        assert_eq!(
            (l.latitude, l.longitude, l.accuracy_meters),
            (38.7369, -9.1427, 12.5)
        );
        let edge = fields("-90", "180", "").location().unwrap().unwrap();
        assert_eq!(
            (edge.latitude, edge.longitude, edge.accuracy_meters),
            (-90.0, 180.0, 0.0)
        );
        let vague = fields("1", "2", "1e9").location().unwrap().unwrap();
        assert_eq!(vague.accuracy_meters, MAX_ACCURACY_M);
    }

    #[test]
    fn a_position_out_of_range_or_not_a_number_is_refused() {
        for (lat, lon, acc) in [
            ("90.0001", "0", "5"),
            ("0", "-180.5", "5"),
            ("NaN", "0", "5"),
            ("inf", "0", "5"),
            ("0", "", "5"),
            ("", "0", ""),
            ("", "", "5"),
            ("0", "0", "-1"),
            ("north", "west", "5"),
            ("0", "0", "x"),
        ] {
            assert_eq!(
                fields(lat, lon, acc).location(),
                Err(BadLocation),
                "{lat} {lon} {acc}"
            );
        }
        let long = "1".repeat(40);
        assert_eq!(fields(&long, "0", "").location(), Err(BadLocation));
    }

    #[test]
    fn the_location_refusals_explain_what_to_do() {
        let o = refusal(&location_required());
        assert_eq!(o.word, "Location needed");
        assert_eq!(o.reason, LOCATION_REQUIRED);
        assert!(o.detail.contains("phone's location"));
        let o = refusal(&rejected(
            OUTSIDE_GEOFENCE,
            "you are not in the classroom area",
        ));
        assert_eq!(o.word, "Not in the room");
        assert!(o.detail.contains("outside the area"));
        assert!(o.detail.contains("ask your professor"));
    }

    #[test]
    fn a_plumbing_failure_says_try_again() {
        let o = refusal(&Status::unavailable("connection refused"));
        assert_eq!(o.word, "Try again");
        assert!(!o.detail.contains("refused"));
    }
}
