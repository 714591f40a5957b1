//! Checking in: the QR landing a phone's camera opens, the typed short code,
//! and the result in large, unmistakable words.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use chrono::Utc;
use classtrack_proto::v1::{
    check_in_request::Credential, AttendanceStatus, CheckInRequest, CheckInResponse,
    ScanQrTokenRequest, ShortCode, WhoAmIRequest,
};
use serde::Deserialize;

use super::forms::Form;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use super::{name, Viewer, Visitor};
use crate::browser::{Browser, ScanTicket, SCAN_COOKIE};
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
}

#[derive(Template)]
#[template(path = "checkin_result.html")]
struct OutcomePage {
    l: Layout,
    o: Outcome,
    logged_in: bool,
}

/// `/c/{token}`: a logged-in student is checked in at once; anyone else has
/// the code judged now and keeps the proof in a cookie while logging in.
pub async fn landing(
    State(state): State<AppState>,
    Visitor(browser): Visitor,
    Path(token): Path<String>,
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
                let result = check_in(&state, &viewer, Credential::Token(token), None).await;
                return outcome_page(&viewer, result);
            }
            Err(status) if status.code() != Code::Unauthenticated => return Err(status.into()),
            Err(_) => {} // the login lapsed: treat as a visitor
        }
    }
    scan_then_login(&state, &browser, token).await
}

async fn scan_then_login(state: &AppState, browser: &Browser, token: String) -> PageResult {
    let scan = state
        .api
        .attendance()
        .scan_qr_token(browser.caller().req(ScanQrTokenRequest {
            token: token.clone(),
        }))
        .await;
    match scan {
        Ok(scan) => {
            let scan = scan.into_inner();
            let scanned = scan.scan_time.unwrap_or_default();
            let expires = to_utc(scan.expire_time.as_ref())
                .map(|t| t.timestamp())
                .unwrap_or_else(|| Utc::now().timestamp() + 120);
            let ticket = ScanTicket {
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
            };
            let lifetime = expires - Utc::now().timestamp();
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
                },
            ))
        }
    }
}

/// Right after login: check in with the proof of the earlier scan.
pub async fn finish_scan(state: &AppState, viewer: &Viewer, scan: &ScanTicket) -> PageResult {
    let proof = ScanProof {
        scan_time: prost_types::Timestamp {
            seconds: scan.scan_seconds,
            nanos: scan.scan_nanos,
        },
        proof: scan.proof.clone(),
    };
    let result = check_in(
        state,
        viewer,
        Credential::Token(scan.token.clone()),
        Some(proof),
    )
    .await;
    outcome_page(viewer, result)
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
}

pub async fn short_code(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ShortCodeForm>,
) -> PageResult {
    let session = name("sessions", super::id_param(&form.session))
        .map_err(|_| PageError::bad_form("Choose the session you are in, then type its code."))?;
    let code: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    let result = check_in(
        &state,
        &viewer,
        Credential::ShortCode(ShortCode { session, code }),
        None,
    )
    .await;
    outcome_page(&viewer, result)
}

async fn check_in(
    state: &AppState,
    viewer: &Viewer,
    credential: Credential,
    proof: Option<ScanProof>,
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
            location: None,
            scan_time,
            scan_proof,
        }))
        .await
        .map(tonic::Response::into_inner)
}

fn outcome_page(viewer: &Viewer, result: Result<CheckInResponse, Status>) -> PageResult {
    let outcome = match result {
        Ok(answer) => success(&answer, viewer),
        Err(status) if status.code() == Code::Unauthenticated => {
            return Err(PageError::Login { next: None })
        }
        Err(status) => refusal(&status),
    };
    let mut l = viewer.layout(&outcome.word).shape("narrow");
    l.flash = None;
    Ok(render(&OutcomePage {
        l,
        o: outcome,
        logged_in: true,
    }))
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
        r => headline(r),
    };
    Outcome {
        word: word.to_string(),
        class: "refused",
        reason,
        detail: plain_message(status),
        course: String::new(),
    }
}

fn headline(reason: &str) -> &'static str {
    match reason {
        "TOKEN_EXPIRED" => "Code expired",
        "TOKEN_MALFORMED" => "Not a ClassTrack code",
        "SESSION_NOT_FOUND" => "Unknown session",
        "WRONG_SESSION" => "Wrong session",
        "SESSION_NOT_OPEN_YET" => "Not open yet",
        "SESSION_CLOSED" => "Session closed",
        "SESSION_CANCELLED" => "Session cancelled",
        "NOT_ENROLLED" => "Not enrolled",
        "DEVICE_IN_USE" => "Device already used",
        "LOCATION_REQUIRED" => "Location needed",
        "OUTSIDE_GEOFENCE" => "Not in the room",
        "ADDRESS_NOT_ALLOWED" => "Wrong network",
        "CODE_INVALID" => "Wrong code",
        "NOT_STUDENT" => "Students only",
        _ => "Not checked in",
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

    #[test]
    fn every_rejection_in_the_contract_has_a_headline() {
        use classtrack_proto::v1::CheckInRejection;
        for value in 1..=14 {
            let name = CheckInRejection::try_from(value).unwrap().as_str_name();
            let reason = name.trim_start_matches("CHECK_IN_REJECTION_");
            assert_ne!(headline(reason), "Not checked in", "{reason}");
        }
    }

    #[test]
    fn a_plumbing_failure_says_try_again() {
        let o = refusal(&Status::unavailable("connection refused"));
        assert_eq!(o.word, "Try again");
        assert!(!o.detail.contains("refused"));
    }
}
