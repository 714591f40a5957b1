//! Every failure of the API as a value, mapped to a `tonic::Status` in one place.
//!
//! A little over 500 lines on purpose: the one place that says every failure and its
//! status, details and message key (the unit tests are in `error/tests.rs`).

use std::time::Duration;

use classtrack_core::validate::{FieldViolation, Problem};
use classtrack_core::CheckInRejection;
use classtrack_store::StoreError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `domain` of every ErrorInfo the API sends.
pub const ERROR_DOMAIN: &str = "classtrack.v1";

/// Every way an RPC fails; `From<ApiError> for Status` gives each its code
/// and details.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// INVALID_ARGUMENT with a BadRequest naming each wrong field.
    #[error("invalid request")]
    Invalid(Vec<FieldViolation>),
    /// UNAUTHENTICATED: no token, or not a live login. Like every variant
    /// that carries a [`Problem`], its message is the English sentence and its
    /// LocalizedMessage the same sentence in the caller's language.
    #[error("{0}")]
    Unauthenticated(Problem),
    /// PERMISSION_DENIED, also what a non-admin gets for something that
    /// does not exist (see `access::found`).
    #[error("{0}")]
    PermissionDenied(Problem),
    /// NOT_FOUND (only administrators learn that something is missing).
    #[error("{0}")]
    NotFound(Problem),
    /// ALREADY_EXISTS with a BadRequest naming the field that is taken.
    #[error("{message}")]
    AlreadyExists {
        /// The request field whose value is taken.
        field: String,
        /// What the caller is told.
        message: String,
    },
    /// FAILED_PRECONDITION: the request is well formed but the resource's
    /// state does not allow it.
    #[error("{0}")]
    FailedPrecondition(Problem),
    /// The caller's password was chosen by the server and must be changed
    /// before anything else is served.
    #[error(
        "change your password first: it was set for you and must be changed before anything else"
    )]
    PasswordChangeRequired,
    /// RESOURCE_EXHAUSTED from the login throttle, with a RetryInfo.
    #[error("too many failed logins; try again in {} s", .retry_after.as_secs())]
    Throttled {
        /// How long until the next attempt is admitted.
        retry_after: Duration,
    },
    /// A refused check-in, sent with an ErrorInfo whose reason is the
    /// rejection's code. A refusal that lasts a known time (too many wrong
    /// codes: until the session's check-in closes) also carries a RetryInfo.
    #[error("check-in refused: {}", .reason.code())]
    Rejected {
        /// Why the check-in was refused.
        reason: CheckInRejection,
        /// How long the refusal lasts, when that is known.
        retry_after: Option<Duration>,
    },
    /// A device authorization that gives no login (yet), with an ErrorInfo
    /// whose reason tells the polling client what to do.
    #[error("{}", .0.message())]
    Device(DeviceWait),
    /// UNAVAILABLE: the database is down, busy or gone; the cause is
    /// logged, not sent.
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),
    /// UNAVAILABLE: the LDAP directory that checks passwords cannot be
    /// reached or refuses the service account; the cause is logged, not sent.
    #[error("the directory is unavailable")]
    DirectoryUnavailable(String),
    /// A refused OpenID Connect login, with an ErrorInfo whose reason says
    /// why; the details are logged where it was refused, not sent.
    #[error("{}", .0.message())]
    Sso(SsoRefusal),
    /// UNAVAILABLE: an OpenID provider cannot be reached; the cause is
    /// logged, not sent.
    #[error("the identity provider is unavailable")]
    ProviderUnavailable(String),
    /// INTERNAL: a bug or an unexpected failure; the cause is logged, not
    /// sent.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a poll of a device authorization (RFC 8628) gives no login: each is
/// its own status code and ErrorInfo reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceWait {
    /// Nobody answered yet: poll again after the interval.
    Pending,
    /// Polled too early: wait `interval` (the new, longer interval).
    SlowDown {
        /// The interval from now on.
        interval: Duration,
    },
    /// The user refused.
    Denied,
    /// The codes expired.
    Expired,
    /// No such device code, or its login was already issued.
    Unknown,
}

impl DeviceWait {
    /// The ErrorInfo reason (RFC 8628's error names, upper case).
    pub fn reason(self) -> &'static str {
        match self {
            DeviceWait::Pending => "AUTHORIZATION_PENDING",
            DeviceWait::SlowDown { .. } => "SLOW_DOWN",
            DeviceWait::Denied => "ACCESS_DENIED",
            DeviceWait::Expired => "EXPIRED_TOKEN",
            DeviceWait::Unknown => "INVALID_DEVICE_CODE",
        }
    }

    fn code(self) -> Code {
        match self {
            DeviceWait::Pending => Code::FailedPrecondition,
            DeviceWait::SlowDown { .. } => Code::ResourceExhausted,
            DeviceWait::Denied => Code::PermissionDenied,
            DeviceWait::Expired => Code::DeadlineExceeded,
            DeviceWait::Unknown => Code::NotFound,
        }
    }

    /// What the client is told.
    pub fn message(self) -> String {
        match self {
            DeviceWait::Pending => "waiting for the sign-in to be approved".into(),
            DeviceWait::SlowDown { interval } => format!(
                "polling too fast; wait {} s between polls",
                interval.as_secs()
            ),
            DeviceWait::Denied => "the sign-in was denied".into(),
            DeviceWait::Expired => "the sign-in code expired; start again".into(),
            DeviceWait::Unknown => {
                "unknown device code, or its login was already issued; start again".into()
            }
        }
    }
}

/// Why an OpenID Connect login was refused: each is its own status code and
/// ErrorInfo reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoRefusal {
    /// The state is unknown, was already used, or expired.
    StateUnknown,
    /// The provider refused the code, or the ID token failed validation.
    TokenInvalid,
    /// The ID token lacks a claim ClassTrack needs, or its value is unusable.
    AccountUnusable,
}

impl SsoRefusal {
    /// The ErrorInfo reason.
    pub fn reason(self) -> &'static str {
        match self {
            SsoRefusal::StateUnknown => "SSO_STATE_UNKNOWN",
            SsoRefusal::TokenInvalid => "SSO_TOKEN_INVALID",
            SsoRefusal::AccountUnusable => "SSO_ACCOUNT_UNUSABLE",
        }
    }

    fn code(self) -> Code {
        match self {
            SsoRefusal::StateUnknown | SsoRefusal::AccountUnusable => Code::FailedPrecondition,
            SsoRefusal::TokenInvalid => Code::Unauthenticated,
        }
    }

    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            SsoRefusal::StateUnknown => {
                "this login through the identity provider is unknown, already used or expired; \
                 start again"
            }
            SsoRefusal::TokenInvalid => {
                "the identity provider's answer could not be verified; start again"
            }
            SsoRefusal::AccountUnusable => {
                "your account at the identity provider lacks what ClassTrack needs (such as a \
                 verified email); an administrator can see why in the log"
            }
        }
    }

    /// The key of its localized message.
    fn key(self) -> String {
        format!(
            "api-error-{}",
            self.reason().to_lowercase().replace('_', "-")
        )
    }
}

/// The RetryInfo of an UNAVAILABLE answer: long enough for a fail-over to
/// another database host or replica, short enough for a student waiting.
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How an open stream ends when its server shuts down: UNAVAILABLE (with a
/// RetryInfo of zero), which tells a client to reconnect — through the load
/// balancer, to another replica — where OK would say the stream is over.
pub fn going_away() -> Status {
    let mut details = ErrorDetails::new();
    details.set_retry_info(Some(Duration::ZERO));
    Status::with_error_details(
        Code::Unavailable,
        "this server is shutting down; reconnect to go on",
        details,
    )
}

/// What every service function returns.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// One wrong field, named by its proto path.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldViolation::new(field, message)])
    }

    /// PERMISSION_DENIED for the reason `key` (an `api-error-…` message
    /// without arguments).
    pub fn denied(key: &'static str) -> Self {
        ApiError::PermissionDenied(Problem::new(key))
    }

    /// FAILED_PRECONDITION for the reason `key` (an `api-error-…` message
    /// without arguments).
    pub fn precondition(key: &'static str) -> Self {
        ApiError::FailedPrecondition(Problem::new(key))
    }

    /// NOT_FOUND: "`what` was not found" (`what` is a resource name such as
    /// `users/12`).
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::NotFound(Problem::new("api-error-not-found-named").text("name", what.to_string()))
    }

    /// A refused check-in with no known end ([`ApiError::Rejected`] without
    /// a retry delay).
    pub fn rejected(reason: CheckInRejection) -> Self {
        ApiError::Rejected {
            reason,
            retry_after: None,
        }
    }

    /// Whether the database asked for the work to be tried again (see
    /// `StoreError::is_retryable`).
    pub fn is_retryable(&self) -> bool {
        matches!(self, ApiError::Unavailable(e) if e.is_retryable())
    }

    /// An unexpected failure, kept as the logged cause.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            e if e.is_unavailable() => ApiError::Unavailable(e),
            StoreError::NotFound => ApiError::NotFound(Problem::new("api-error-not-found")),
            StoreError::Conflict { field } => ApiError::AlreadyExists {
                field: field.to_string(),
                message: format!("this {} is already taken", field.replace('_', " ")),
            },
            other => ApiError::internal(other),
        }
    }
}

impl From<classtrack_store::page::PageError> for ApiError {
    fn from(e: classtrack_store::page::PageError) -> Self {
        let field = match e {
            classtrack_store::page::PageError::NegativeSize => "page_size",
            classtrack_store::page::PageError::BadToken => "page_token",
        };
        ApiError::invalid(field, e.to_string())
    }
}

fn rejection_code(r: CheckInRejection) -> Code {
    use CheckInRejection as R;
    match r {
        R::TokenMalformed | R::LocationRequired => Code::InvalidArgument,
        R::SessionNotFound => Code::NotFound,
        R::TooManyAttempts => Code::ResourceExhausted,
        R::NotStudent
        | R::NotEnrolled
        | R::DeviceInUse
        | R::OutsideGeofence
        | R::AddressNotAllowed => Code::PermissionDenied,
        R::TokenExpired
        | R::ScanProofInvalid
        | R::WrongSession
        | R::CodeInvalid
        | R::SessionNotOpenYet
        | R::SessionClosed
        | R::SessionCancelled => Code::FailedPrecondition,
    }
}

/// Adds the LocalizedMessage (AIP-193) of `key` in the caller's language.
fn localized(details: &mut ErrorDetails, key: &str, args: &[(&str, classtrack_i18n::Arg<'_>)]) {
    let locale = crate::language::current();
    details.set_localized_message(locale.tag(), classtrack_i18n::text(locale, key, args));
}

/// A status with no details but its localized message.
fn plain(code: Code, message: impl Into<String>, key: &str) -> Status {
    let mut details = ErrorDetails::new();
    localized(&mut details, key, &[]);
    Status::with_error_details(code, message, details)
}

/// A status whose message is `problem` in English, and its LocalizedMessage
/// the same sentence in the caller's language.
fn said(code: Code, problem: &Problem) -> Status {
    let locale = crate::language::current();
    let mut details = ErrorDetails::new();
    details.set_localized_message(locale.tag(), problem.text_in(locale));
    Status::with_error_details(code, problem.to_string(), details)
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Invalid(violations) => {
                let message = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut details = ErrorDetails::new();
                let fields = violations
                    .iter()
                    .map(|v| v.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                localized(
                    &mut details,
                    "api-error-invalid",
                    &[("fields", fields.as_str().into())],
                );
                let locale = crate::language::current();
                let violations: Vec<tonic_types::FieldViolation> = violations
                    .into_iter()
                    .map(|v| tonic_types::FieldViolation {
                        // The sentence in the caller's language, when the check gave its key.
                        localized_message: v.problem.as_ref().map(|p| {
                            tonic_types::LocalizedMessage {
                                locale: locale.tag().to_string(),
                                message: p.text_in(locale),
                            }
                        }),
                        field: v.field,
                        description: v.message,
                        reason: String::new(),
                    })
                    .collect();
                details.set_bad_request(violations);
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::Unauthenticated(p) => said(Code::Unauthenticated, &p),
            ApiError::PermissionDenied(p) => said(Code::PermissionDenied, &p),
            ApiError::NotFound(p) => said(Code::NotFound, &p),
            ApiError::AlreadyExists { field, message } => {
                let mut details = ErrorDetails::new();
                let name = field.replace('_', " ");
                localized(
                    &mut details,
                    "api-error-already-exists",
                    &[("field", name.as_str().into())],
                );
                details.add_bad_request_violation(field, message.clone());
                Status::with_error_details(Code::AlreadyExists, message, details)
            }
            ApiError::FailedPrecondition(p) => said(Code::FailedPrecondition, &p),
            ApiError::PasswordChangeRequired => {
                let mut details = ErrorDetails::new();
                details.set_error_info(
                    "PASSWORD_CHANGE_REQUIRED",
                    ERROR_DOMAIN,
                    std::collections::HashMap::new(),
                );
                localized(&mut details, "api-error-password-change-required", &[]);
                Status::with_error_details(
                    Code::FailedPrecondition,
                    ApiError::PasswordChangeRequired.to_string(),
                    details,
                )
            }
            ApiError::Throttled { retry_after } => {
                let mut details = ErrorDetails::new();
                details.set_retry_info(Some(retry_after));
                let secs = retry_after.as_secs().max(1);
                let (n, unit) = if secs < 60 {
                    (secs, "second")
                } else {
                    (secs.div_ceil(60), "minute")
                };
                localized(
                    &mut details,
                    &format!("api-error-throttled-{unit}s"),
                    &[("n", n.into())],
                );
                let message = format!(
                    "too many failed logins; try again in {n} {unit}{}",
                    if n == 1 { "" } else { "s" }
                );
                Status::with_error_details(Code::ResourceExhausted, message, details)
            }
            ApiError::Rejected {
                reason,
                retry_after,
            } => {
                let mut details = ErrorDetails::new();
                details.set_error_info(
                    reason.code(),
                    ERROR_DOMAIN,
                    std::collections::HashMap::new(),
                );
                if retry_after.is_some() {
                    details.set_retry_info(retry_after);
                }
                localized(&mut details, reason.key(), &[]);
                Status::with_error_details(rejection_code(reason), reason.message(), details)
            }
            ApiError::Device(wait) => {
                let mut details = ErrorDetails::new();
                details.set_error_info(
                    wait.reason(),
                    ERROR_DOMAIN,
                    std::collections::HashMap::new(),
                );
                if let DeviceWait::SlowDown { interval } = wait {
                    details.set_retry_info(Some(interval));
                }
                let key = format!(
                    "api-error-device-{}",
                    wait.reason().to_lowercase().replace('_', "-")
                );
                let seconds = match wait {
                    DeviceWait::SlowDown { interval } => interval.as_secs(),
                    _ => 0,
                };
                localized(&mut details, &key, &[("seconds", seconds.into())]);
                Status::with_error_details(wait.code(), wait.message(), details)
            }
            ApiError::Unavailable(source) => {
                tracing::warn!(error = %source, cause = ?std::error::Error::source(&source), "database unavailable");
                let mut details = ErrorDetails::new();
                details.set_retry_info(Some(UNAVAILABLE_RETRY_AFTER));
                localized(&mut details, "api-error-unavailable", &[]);
                Status::with_error_details(
                    Code::Unavailable,
                    "the database is unavailable; try again shortly",
                    details,
                )
            }
            ApiError::DirectoryUnavailable(cause) => {
                tracing::warn!(%cause, "directory unavailable");
                let mut details = ErrorDetails::new();
                details.set_retry_info(Some(UNAVAILABLE_RETRY_AFTER));
                localized(&mut details, "api-error-directory-unavailable", &[]);
                Status::with_error_details(
                    Code::Unavailable,
                    "the directory that checks passwords is unavailable; try again shortly",
                    details,
                )
            }
            ApiError::Sso(refusal) => {
                let mut details = ErrorDetails::new();
                details.set_error_info(
                    refusal.reason(),
                    ERROR_DOMAIN,
                    std::collections::HashMap::new(),
                );
                localized(&mut details, &refusal.key(), &[]);
                Status::with_error_details(refusal.code(), refusal.message(), details)
            }
            ApiError::ProviderUnavailable(cause) => {
                tracing::warn!(%cause, "identity provider unavailable");
                let mut details = ErrorDetails::new();
                details.set_retry_info(Some(UNAVAILABLE_RETRY_AFTER));
                localized(&mut details, "api-error-provider-unavailable", &[]);
                Status::with_error_details(
                    Code::Unavailable,
                    "the identity provider is unavailable; try again shortly",
                    details,
                )
            }
            ApiError::Internal(source) => {
                tracing::error!(error = %source, detail = ?source, "internal error");
                plain(
                    Code::Internal,
                    "something went wrong on the server; it has been logged",
                    "api-error-internal",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests;
