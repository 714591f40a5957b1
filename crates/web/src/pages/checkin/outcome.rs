//! What a student sees after trying to check in: the result in large,
//! unmistakable words ("Present", "Late", or why it was refused), the
//! detail from the API in the student's words, and, when the class needs
//! the phone's position, the part of the page that asks for it.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use classtrack_proto::v1::{AttendanceStatus, CheckInResponse};
use tonic::{Code, Status};
use tonic_types::StatusExt;

use super::location::{LocationAsk, LOCATION_REQUIRED, OUTSIDE_GEOFENCE};
use crate::browser::Browser;
use crate::error::{plain_message, PageError, PageResult};
use crate::lang::{t, t_args};
use crate::pages::Viewer;
use crate::view::{clock_seconds, render, render_with_status, status_label, Layout};

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
pub(super) struct OutcomePage {
    pub(super) l: Layout,
    pub(super) o: Outcome,
    pub(super) logged_in: bool,
    pub(super) location: Option<LocationAsk>,
}

/// A position that is not one: said plainly, nothing sent to the API.
pub(super) fn bad_location_page(browser: &Browser) -> axum::response::Response {
    let mut l = Layout::bare(&t("checkin-location-invalid"));
    l.csrf = browser.csrf_token();
    render_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &OutcomePage {
            l,
            o: Outcome {
                word: t("checkin-location-invalid"),
                class: "refused",
                reason: "LOCATION_INVALID".into(),
                detail: t("checkin-location-invalid-detail"),
                course: String::new(),
                against: String::new(),
            },
            logged_in: browser.session.is_some(),
            location: None,
        },
    )
}

pub(super) fn outcome_page(
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

pub(super) fn outcome_of(
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

pub(super) fn render_outcome(
    viewer: &Viewer,
    outcome: Outcome,
    location: Option<LocationAsk>,
) -> Response {
    let mut l = viewer.layout(&outcome.word).shape("narrow");
    l.flash = None;
    render(&OutcomePage {
        l,
        o: outcome,
        logged_in: true,
        location,
    })
}

fn success(answer: &CheckInResponse, viewer: &Viewer) -> Outcome {
    let record = answer.record.clone().unwrap_or_default();
    let session = answer.session.clone().unwrap_or_default();
    let status = record.status;
    let at = clock_seconds(record.record_time.as_ref(), viewer.tz);
    let detail = if answer.already_recorded {
        t_args("checkin-already-recorded", &[("time", at.as_str().into())])
    } else {
        t_args("checkin-recorded", &[("time", at.as_str().into())])
    };
    Outcome {
        word: status_label(status),
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
            Code::Unavailable | Code::DeadlineExceeded => t("checkin-try-again"),
            Code::ResourceExhausted => t("checkin-too-many-attempts"),
            _ => t("reason-unspecified"),
        },
        r => crate::reasons::words_for_code(r),
    };
    let detail = match reason.as_str() {
        LOCATION_REQUIRED => t("checkin-location-required-detail"),
        OUTSIDE_GEOFENCE => t("checkin-outside-geofence-detail"),
        _ => plain_message(status),
    };
    Outcome {
        word,
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
    use crate::pages::checkin::location::location_required;
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
