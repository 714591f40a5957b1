//! API statuses in plain words: a whole error page, or messages next to the
//! fields of the form that caused them. No page shows a status code.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::cookies::{self, SESSION_COOKIE};
use crate::lang::{t, t_args};
use crate::view::{render_with_status, Layout};

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum PageError {
    /// Not logged in (or the login ran out): go to the login page, then back.
    Login { next: Option<String> },
    Message {
        status: StatusCode,
        title: String,
        text: String,
    },
    /// A message inside the frame of whoever is logged in, so that a refusal
    /// or a missing page keeps their own navigation (see `Viewer::refuse`).
    Framed {
        status: StatusCode,
        layout: Box<Layout>,
        text: String,
    },
}

pub type PageResult<T = Response> = Result<T, PageError>;

impl PageError {
    pub fn message(status: StatusCode, title: &str, text: &str) -> Self {
        Self::Message {
            status,
            title: title.to_string(),
            text: text.to_string(),
        }
    }

    pub fn not_found() -> Self {
        Self::message(
            StatusCode::NOT_FOUND,
            &t("error-title-page-not-found"),
            &t("error-page-not-found"),
        )
    }

    pub fn too_large() -> Self {
        Self::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            &t("error-title-too-large"),
            &t("error-too-large"),
        )
    }

    pub fn bad_form(text: &str) -> Self {
        Self::message(StatusCode::BAD_REQUEST, &t("error-title-missing"), text)
    }
}

impl From<Status> for PageError {
    fn from(status: Status) -> Self {
        if status.code() == Code::Unauthenticated {
            return Self::Login { next: None };
        }
        if status.code() == Code::Unavailable {
            if let Some(why) = classtrack_proto::endpoint::tls_failure(&status, None) {
                tracing::error!("TLS to the API failed: {why}");
            }
        }
        let (http, title) = match status.code() {
            Code::NotFound => (StatusCode::NOT_FOUND, &t("error-title-not-found")),
            Code::PermissionDenied => (StatusCode::FORBIDDEN, &t("error-title-not-allowed")),
            Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, &t("error-title-too-many")),
            Code::Unavailable | Code::DeadlineExceeded => (
                StatusCode::SERVICE_UNAVAILABLE,
                &t("error-title-unavailable"),
            ),
            Code::Unimplemented => (StatusCode::NOT_IMPLEMENTED, &t("error-title-unimplemented")),
            Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::AlreadyExists
            | Code::OutOfRange
            | Code::Aborted => (StatusCode::CONFLICT, &t("error-title-failed")),
            _ => (StatusCode::BAD_GATEWAY, &t("error-title-wrong")),
        };
        Self::message(http, title, &plain_message(&status))
    }
}

/// For a page that shows the failure in place of one of its parts: the
/// message, unless the login lapsed (then the login page).
pub fn in_place(status: &Status) -> Result<String, PageError> {
    if status.code() == Code::Unauthenticated {
        return Err(PageError::Login { next: None });
    }
    Ok(plain_message(status))
}

/// A sentence a person can act on; the API's own message where it is meant
/// for people, ours where it is about plumbing.
pub fn plain_message(status: &Status) -> String {
    let from_api = status.message().trim();
    let ours = match status.code() {
        Code::Ok => t("error-done"),
        Code::Unauthenticated => t("error-log-in-again"),
        Code::Unavailable | Code::DeadlineExceeded => return t("error-unavailable"),
        Code::Unimplemented => return t("error-unimplemented"),
        Code::Internal | Code::Unknown | Code::DataLoss | Code::Cancelled => {
            return t("error-internal")
        }
        Code::ResourceExhausted => {
            return match retry_seconds(status) {
                Some(s) => t_args(
                    "error-too-many-wait",
                    &[("wait", (&crate::view::seconds_in_words(s)).into())],
                ),
                None => t("error-too-many"),
            };
        }
        Code::PermissionDenied => t("error-denied"),
        Code::NotFound => t("error-not-found"),
        _ => t("error-other"),
    };
    // The API's sentence in the page's language (it got the page's language as
    // accept-language), when it sent one; its English message otherwise.
    let localized = status
        .get_details_localized_message()
        .map(|l| l.message.trim().to_string())
        .filter(|m| !m.is_empty());
    match localized {
        Some(text) => sentence(&text),
        None if from_api.is_empty() => ours,
        None => sentence(from_api),
    }
}

fn retry_seconds(status: &Status) -> Option<u64> {
    let delay = status.get_details_retry_info()?.retry_delay?;
    Some(delay.as_secs() + u64::from(delay.subsec_nanos() > 0))
}

/// Capitalised and ending with a full stop (or another sentence's end, such as
/// Arabic's question mark).
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?', '؟', '…']) {
        out.push('.');
    }
    out
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login { next } => {
                let to = match next {
                    Some(next) => format!("/login?next={}", crate::view::url_encode(&next)),
                    None => "/login?expired=1".to_string(),
                };
                (
                    [(header::SET_COOKIE, cookies::clear(SESSION_COOKIE, false))],
                    Redirect::to(&to),
                )
                    .into_response()
            }
            PageError::Message {
                status,
                title,
                text,
            } => render_with_status(
                status,
                &ErrorPage {
                    l: Layout::bare(&title),
                    text,
                },
            ),
            PageError::Framed {
                status,
                layout,
                text,
            } => render_with_status(status, &ErrorPage { l: *layout, text }),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    text: String,
}

/// Problems with a submitted form: one general sentence and messages per field
/// (keyed by proto field path, e.g. `user.email`).
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    pub general: Option<String>,
    pub fields: Vec<(String, String)>,
}

impl FormErrors {
    /// For re-showing a form; a lapsed login still goes to the login page.
    pub fn from_status(status: &Status) -> Result<Self, PageError> {
        if status.code() == Code::Unauthenticated {
            return Err(PageError::Login { next: None });
        }
        let fields: Vec<(String, String)> = status
            .get_details_bad_request()
            .map(|b| {
                b.field_violations
                    .into_iter()
                    .map(|v| {
                        // In the page's language when the API said it so (the web forwards the
                        // page's language as accept-language).
                        let text = v
                            .localized_message
                            .map(|l| l.message)
                            .filter(|m| !m.trim().is_empty())
                            .unwrap_or(v.description);
                        (v.field, sentence(&text))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let general = if fields.is_empty() {
            plain_message(status)
        } else {
            t("form-correct-fields")
        };
        Ok(Self {
            general: Some(general),
            fields,
        })
    }

    pub fn field(field: &str, text: &str) -> Self {
        Self {
            general: Some(t("form-correct-fields")),
            fields: vec![(field.to_string(), text.to_string())],
        }
    }

    /// The message for `field`, also matching a violation on one of its parts
    /// (`settings` shows `settings.qr_rotation_seconds`).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .or_else(|| {
                self.fields.iter().find(|(f, _)| {
                    f.strip_prefix(field)
                        .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
                })
            })
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.general.is_none() && self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::{ErrorDetails, StatusExt};

    #[test]
    fn plumbing_failures_never_show_their_raw_text() {
        let s = Status::unavailable("tcp connect error: Connection refused (os error 111)");
        assert!(!plain_message(&s).contains("os error"));
        let s = Status::internal("panicked at src/lib.rs:10");
        assert!(!plain_message(&s).contains("panicked"));
        let s = Status::unknown("h2 protocol error");
        assert!(!plain_message(&s).contains("h2"));
    }

    #[test]
    fn messages_meant_for_people_are_kept_as_sentences() {
        let s = Status::permission_denied("this account is deactivated");
        assert_eq!(plain_message(&s), "This account is deactivated.");
        let s = Status::not_found("");
        assert_eq!(plain_message(&s), "It does not exist, or it was removed.");
    }

    /// The API's LocalizedMessage is shown in English too (it is as precise as the message),
    /// made a sentence; without one, the API's message.
    #[test]
    fn the_localized_message_wins_in_every_language() {
        let details = ErrorDetails::with_localized_message("en", "this session was cancelled");
        let s = Status::with_error_details(Code::FailedPrecondition, "other words", details);
        assert_eq!(plain_message(&s), "This session was cancelled.");
        let s = Status::failed_precondition("this session was cancelled");
        assert_eq!(plain_message(&s), "This session was cancelled.");
        assert_eq!(sentence("لماذا؟"), "لماذا؟");
    }

    #[test]
    fn throttling_says_how_long_to_wait() {
        let details = ErrorDetails::with_retry_info(Some(std::time::Duration::from_millis(29_500)));
        let s = Status::with_error_details(Code::ResourceExhausted, "slow down", details);
        assert_eq!(
            plain_message(&s),
            "Too many attempts. Wait 30 seconds and try again."
        );
    }

    #[test]
    fn field_violations_land_next_to_their_field() {
        let details =
            ErrorDetails::with_bad_request_violation("user.email", "not an email address");
        let s = Status::with_error_details(Code::InvalidArgument, "invalid user", details);
        let errors = FormErrors::from_status(&s).unwrap();
        assert_eq!(errors.get("user.email"), Some("Not an email address."));
        assert_eq!(errors.get("user"), Some("Not an email address."));
        assert_eq!(errors.get("user.e"), None);
        let details = ErrorDetails::with_bad_request_violation("professors[0]", "not a professor");
        let s = Status::with_error_details(Code::InvalidArgument, "bad", details);
        assert!(FormErrors::from_status(&s)
            .unwrap()
            .get("professors")
            .is_some());
        assert_eq!(
            errors.general.as_deref(),
            Some("Please correct the marked fields.")
        );
    }

    #[test]
    fn a_lapsed_login_goes_to_the_login_page() {
        assert!(matches!(
            FormErrors::from_status(&Status::unauthenticated("expired")),
            Err(PageError::Login { .. })
        ));
        assert!(matches!(
            PageError::from(Status::unauthenticated("x")),
            PageError::Login { .. }
        ));
    }

    #[test]
    fn a_lapsed_login_clears_the_session_cookie() {
        let response = PageError::Login { next: None }.into_response();
        assert_eq!(
            response.headers()[header::SET_COOKIE],
            "ct_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
        assert_eq!(response.headers()[header::LOCATION], "/login?expired=1");
    }

    #[test]
    fn status_maps_to_a_page_without_its_code() {
        let PageError::Message { title, text, .. } = PageError::from(Status::unimplemented(""))
        else {
            panic!("expected a message");
        };
        assert_eq!(title, "Not available yet");
        assert!(!text.to_lowercase().contains("unimplemented"));
    }

    #[tokio::test]
    async fn the_sentences_are_in_the_pages_language() {
        use crate::lang::{scope, PageContext};
        use classtrack_i18n::Locale;
        let at = |locale| PageContext {
            locale: std::cell::Cell::new(locale),
            here: "/".into(),
        };
        let fr = scope(at(Locale::Fr), async {
            plain_message(&Status::not_found(""))
        })
        .await;
        assert_eq!(fr, "Cela n’existe pas ou a été supprimé.");
        let details = ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(180)));
        let throttled = Status::with_error_details(Code::ResourceExhausted, "", details);
        let ar = scope(at(Locale::Ar), async { plain_message(&throttled) }).await;
        // Fluent isolates the placeables in Arabic (FSI … PDI), so Latin text keeps its place.
        let bare = ar.replace(['\u{2068}', '\u{2069}'], "");
        assert_eq!(
            bare, "محاولات كثيرة جدًا. انتظر 3 دقائق ثم حاول مرة أخرى.",
            "{ar}"
        );
        let fr = scope(at(Locale::Fr), async { plain_message(&throttled) }).await;
        assert_eq!(fr, "Trop de tentatives. Attendez 3 minutes puis réessayez.");
    }
}
