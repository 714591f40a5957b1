//! What an operator alerts on, as Prometheus metrics: every RPC by method and
//! gRPC status, unary latencies as histograms, open streams, check-ins and
//! logins by outcome. [`register`] describes each one (HELP) and registers it
//! at zero, so that a fresh server already shows every metric; the server
//! installs the recorder first (`crates/cli/src/server.rs`), with the buckets
//! of [`BUCKETS`]. docs/operations.md lists them with an alert each.
//!
//! The RPC metrics are a middleware over the API's routes ([`count_calls`],
//! applied in `Api::routes`), so every call is counted once whichever way
//! it came: gRPC, gRPC-Web, or the web tier's in-process channel.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use classtrack_core::CheckInRejection;
use classtrack_proto::v1;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use prost::Message;
use tonic::Code;

use crate::error::{ApiError, ApiResult};
use crate::response_end::{self, code_name, CallStatus, End};

/// Calls answered, by `method` and gRPC status `code`.
pub const RPC_REQUESTS: &str = "classtrack_rpc_requests_total";
/// How long unary calls took, by `method`.
pub const RPC_DURATION: &str = "classtrack_rpc_duration_seconds";
/// Streams open now, by `method`.
pub const RPC_STREAMS_OPEN: &str = "classtrack_rpc_streams_open";
/// Check-ins answered, by `outcome`.
pub const CHECKINS: &str = "classtrack_checkins_total";
/// Refused check-ins, by `reason`.
pub const CHECKIN_REFUSALS: &str = "classtrack_checkin_refusals_total";
/// Logins answered, by `outcome`.
pub const LOGINS: &str = "classtrack_logins_total";
/// Password checks the login throttle let run (docs/security.md).
pub const LOGIN_PASSWORD_CHECKS: &str = "classtrack_login_password_checks_total";
/// Calls served by one batch of database work.
pub const BATCH_SIZE: &str = "classtrack_batch_size";

/// The `method` label of a call to a path that is not one of the server's
/// methods, so that no client can grow the label's values.
pub const UNKNOWN_METHOD: &str = "unknown";

/// Latency buckets, in seconds: from a cached lookup (1 ms) to the acquire
/// timeout (5 s) and beyond.
pub const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Batch sizes: powers of two up to the largest batch (256).
pub const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Each histogram of the API and its buckets.
pub const BUCKETS: &[(&str, &[f64])] = &[(RPC_DURATION, SECONDS), (BATCH_SIZE, BATCH)];

/// The values of [`CHECKINS`]' `outcome`: one vocabulary for what became of
/// a CheckIn call.
pub const CHECKIN_OUTCOMES: [&str; 6] = [
    "recorded",
    "repeat",
    "refused",
    "invalid",
    "unauthenticated",
    "failed",
];

/// The values of [`LOGINS`]' `outcome`.
pub const LOGIN_OUTCOMES: [&str; 5] = ["success", "failure", "throttled", "invalid", "failed"];

/// Describes every metric of the API and registers each at zero (every
/// method with code `OK`, every outcome and refusal reason). Call it once
/// the recorder is installed; calling it again changes nothing.
pub fn register() {
    describe_counter!(
        RPC_REQUESTS,
        "gRPC calls answered, by method and gRPC status code (streams count when they end)."
    );
    describe_histogram!(
        RPC_DURATION,
        metrics::Unit::Seconds,
        "How long unary gRPC calls took, from the request to the status, by method."
    );
    describe_gauge!(
        RPC_STREAMS_OPEN,
        "Streaming gRPC calls open now, by method."
    );
    describe_counter!(
        CHECKINS,
        "CheckIn calls by outcome: recorded, repeat (already recorded), refused (see \
         classtrack_checkin_refusals_total), invalid, unauthenticated, failed (the database)."
    );
    describe_counter!(
        CHECKIN_REFUSALS,
        "Refused check-ins by reason (the ErrorInfo reason the client gets)."
    );
    describe_counter!(
        LOGINS,
        "Login calls by outcome: success, failure (wrong username or password), throttled, \
         invalid, failed (the database)."
    );
    describe_counter!(
        LOGIN_PASSWORD_CHECKS,
        "Password checks the login throttle let run."
    );
    describe_histogram!(
        BATCH_SIZE,
        "Calls served by one batch of database work (check-ins, token lookups)."
    );
    for method in methods().all() {
        let label = method.label();
        counter!(RPC_REQUESTS, "method" => label, "code" => "OK").increment(0);
        if method.streaming {
            gauge!(RPC_STREAMS_OPEN, "method" => label).increment(0.0);
        } else {
            // Registering the handle is enough for the exporter to show it.
            let _ = histogram!(RPC_DURATION, "method" => label);
        }
    }
    for outcome in CHECKIN_OUTCOMES {
        counter!(CHECKINS, "outcome" => outcome).increment(0);
    }
    for reason in CheckInRejection::ALL {
        counter!(CHECKIN_REFUSALS, "reason" => reason.code()).increment(0);
    }
    for outcome in LOGIN_OUTCOMES {
        counter!(LOGINS, "outcome" => outcome).increment(0);
    }
    counter!(LOGIN_PASSWORD_CHECKS).increment(0);
    let _ = histogram!(BATCH_SIZE);
}

/// Counts a CheckIn call by what became of it.
pub(crate) fn check_in_answered(r: &ApiResult<v1::CheckInResponse>) {
    let outcome = match r {
        Ok(answer) if answer.already_recorded => "repeat",
        Ok(_) => "recorded",
        Err(ApiError::Rejected { reason, .. }) => {
            counter!(CHECKIN_REFUSALS, "reason" => reason.code()).increment(1);
            "refused"
        }
        Err(ApiError::Invalid(_)) => "invalid",
        Err(ApiError::Unauthenticated(_)) => "unauthenticated",
        Err(_) => "failed",
    };
    counter!(CHECKINS, "outcome" => outcome).increment(1);
}

/// Counts a Login call by what became of it.
pub(crate) fn login_answered<T>(r: &ApiResult<T>) {
    let outcome = match r {
        Ok(_) => "success",
        Err(ApiError::Unauthenticated(_) | ApiError::Sso(_)) => "failure",
        Err(ApiError::Throttled { .. }) => "throttled",
        Err(ApiError::Invalid(_)) => "invalid",
        Err(_) => "failed",
    };
    counter!(LOGINS, "outcome" => outcome).increment(1);
}

/// Counts and times every call of the routes it wraps, as a middleware
/// (`axum::middleware::from_fn(metrics::count_calls)` in `Api::routes`).
pub async fn count_calls(req: Request, next: Next) -> Response {
    let call = Call {
        method: methods().find(req.uri().path()),
        started: Instant::now(),
        status: req.extensions().get::<CallStatus>().cloned(),
    };
    let response = next.run(req).await;
    call.answered(response)
}

/// One call being served.
struct Call {
    method: &'static Method,
    started: Instant,
    /// Where the access log wants the status, if it is there.
    status: Option<CallStatus>,
}

impl Call {
    /// Counts a call refused at once (its status in the headers) now, any
    /// other when its body has been sent: for a stream, when it ends.
    fn answered(self, response: Response) -> Response {
        if let Some(code) = response_end::grpc_status(response.headers()) {
            self.finished(code);
            return response;
        }
        let open = self
            .method
            .streaming
            .then(|| OpenStream::new(self.method.label()));
        response_end::watch(
            response,
            Box::new(move |end: End| {
                drop(open);
                self.finished(end.grpc_code());
            }),
        )
    }

    fn finished(self, code: Code) {
        if let Some(status) = &self.status {
            status.set(code);
        }
        let method = self.method.label();
        counter!(RPC_REQUESTS, "method" => method, "code" => code_name(code)).increment(1);
        if !self.method.streaming {
            histogram!(RPC_DURATION, "method" => method)
                .record(self.started.elapsed().as_secs_f64());
        }
    }
}

/// One open stream in [`RPC_STREAMS_OPEN`], for as long as it lives.
struct OpenStream(&'static str);

impl OpenStream {
    fn new(method: &'static str) -> Self {
        gauge!(RPC_STREAMS_OPEN, "method" => method).increment(1.0);
        Self(method)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(RPC_STREAMS_OPEN, "method" => self.0).decrement(1.0);
    }
}

/// A method as the metrics name it.
#[derive(Debug)]
struct Method {
    /// `package.Service/Method`, e.g. `classtrack.v1.AttendanceService/CheckIn`.
    label: Cow<'static, str>,
    /// A server, client or bidirectional stream (no latency histogram: its
    /// length is the client's choice).
    streaming: bool,
}

impl Method {
    fn label(&'static self) -> &'static str {
        &self.label
    }
}

/// What a path that is none of the methods counts as.
static UNKNOWN: Method = Method {
    label: Cow::Borrowed(UNKNOWN_METHOD),
    streaming: false,
};

/// Every method the server has, by its path (`/package.Service/Method`).
struct Methods(HashMap<String, Method>);

impl Methods {
    fn find(&'static self, path: &str) -> &'static Method {
        self.0.get(path).unwrap_or(&UNKNOWN)
    }

    fn all(&'static self) -> impl Iterator<Item = &'static Method> {
        self.0.values()
    }
}

/// The methods of the contract, health and reflection, read once from
/// their descriptor sets.
fn methods() -> &'static Methods {
    static METHODS: OnceLock<Methods> = OnceLock::new();
    METHODS.get_or_init(|| {
        let sets = [
            classtrack_proto::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ];
        let mut methods = HashMap::new();
        for set in sets {
            let set = prost_types::FileDescriptorSet::decode(set)
                .expect("the descriptor sets built into the server are valid");
            for file in set.file {
                for service in &file.service {
                    for method in &service.method {
                        let label =
                            format!("{}.{}/{}", file.package(), service.name(), method.name());
                        let streaming = method.client_streaming() || method.server_streaming();
                        methods.insert(
                            format!("/{label}"),
                            Method {
                                label: Cow::Owned(label),
                                streaming,
                            },
                        );
                    }
                }
            }
        }
        Methods(methods)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_is_known_with_its_kind() {
        let m = methods();
        let check_in = m.find("/classtrack.v1.AttendanceService/CheckIn");
        assert_eq!(check_in.label(), "classtrack.v1.AttendanceService/CheckIn");
        assert!(!check_in.streaming);
        assert!(
            m.find("/classtrack.v1.AttendanceService/WatchSession")
                .streaming
        );
        assert!(m.find("/grpc.health.v1.Health/Watch").streaming);
        assert!(!m.find("/grpc.health.v1.Health/Check").streaming);
        assert!(
            m.find("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
                .streaming
        );
        assert_eq!(m.find("/nope.Service/Guess").label(), UNKNOWN_METHOD);
        assert_eq!(m.find("/c/some-token").label(), UNKNOWN_METHOD);
    }
}
