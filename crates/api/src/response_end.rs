//! When a response has been sent whole, and how it ended: the one place that
//! reads a gRPC call's status, which for a call that sent messages comes in
//! the trailers after the last one (for a stream, when the stream ends), and
//! for a call refused at once in the headers ("trailers-only"). The RPC
//! metrics ([`crate::metrics`]) and the access log ([`crate::access_log`])
//! both use it.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::HeaderMap;
use http_body::{Frame, SizeHint};
use tonic::Code;

/// How a response body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Its trailers came, with this `grpc-status` if they had one.
    Trailers(Option<Code>),
    /// It ended without trailers (a page, a file).
    Finished,
    /// The body failed while it was being sent.
    Failed,
    /// It was dropped before its end: the client went away (or, for a
    /// body that says it is empty, the server never needed to read it).
    Dropped,
}

impl End {
    /// The gRPC status a client of the call saw: the trailers' status,
    /// CANCELLED for a call the client left, UNKNOWN for a call that ended
    /// without one.
    pub fn grpc_code(self) -> Code {
        match self {
            End::Trailers(Some(code)) => code,
            End::Dropped => Code::Cancelled,
            End::Trailers(None) | End::Finished | End::Failed => Code::Unknown,
        }
    }
}

/// The `grpc-status` of a header (or trailer) map, if it has a readable one.
pub fn grpc_status(headers: &HeaderMap) -> Option<Code> {
    let value = headers.get("grpc-status")?.to_str().ok()?;
    value.trim().parse::<i32>().ok().map(Code::from)
}

/// Where the RPC metrics leave a call's final status for the access log,
/// which wraps the whole server and so cannot read a gRPC-Web call's
/// trailers (they are inside its body by then). The access log puts one in
/// the request's extensions; [`crate::metrics`] fills it when the call ends,
/// before the outer body ends.
#[derive(Debug, Clone, Default)]
pub struct CallStatus(std::sync::Arc<std::sync::OnceLock<Code>>);

impl CallStatus {
    /// Records the call's status (the first one recorded stays).
    pub fn set(&self, code: Code) {
        let _ = self.0.set(code);
    }

    /// The status, once the call has ended.
    pub fn get(&self) -> Option<Code> {
        self.0.get().copied()
    }
}

/// What to do once the response ended.
pub type OnEnd = Box<dyn FnOnce(End) + Send>;

/// The response, with `on_end` called once when its body has been sent whole,
/// has failed, or is dropped.
pub fn watch(response: Response, on_end: OnEnd) -> Response {
    response.map(|inner| {
        Body::new(Watched {
            inner,
            on_end: Some(on_end),
        })
    })
}

/// A body that reports its end.
struct Watched {
    inner: Body,
    on_end: Option<OnEnd>,
}

impl Watched {
    fn end(&mut self, end: End) {
        if let Some(on_end) = self.on_end.take() {
            on_end(end);
        }
    }
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    this.end(End::Trailers(grpc_status(trailers)));
                }
            }
            Poll::Ready(Some(Err(_))) => this.end(End::Failed),
            Poll::Ready(None) => this.end(End::Finished),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let end = if http_body::Body::is_end_stream(&self.inner) {
            End::Finished
        } else {
            End::Dropped
        };
        self.end(end);
    }
}

/// The canonical name of a gRPC status code, as gRPC's own documentation
/// and every gRPC library print it (`OK`, `INVALID_ARGUMENT`, …).
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::sync::{Arc, Mutex};

    fn recorder() -> (Arc<Mutex<Vec<End>>>, OnEnd) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        (
            seen,
            Box::new(move |end| s.lock().unwrap_or_else(|p| p.into_inner()).push(end)),
        )
    }

    #[tokio::test]
    async fn a_grpc_body_ends_with_the_status_of_its_trailers() {
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", "5".parse().expect("value"));
        let body = http_body_util::StreamBody::new(futures::stream::iter(vec![
            Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from_static(b"x"))),
            Ok(Frame::trailers(trailers)),
        ]));
        let (seen, on_end) = recorder();
        let response = watch(Response::new(Body::new(body)), on_end);
        let collected = response.into_body().collect().await.expect("body");
        assert_eq!(collected.to_bytes(), Bytes::from_static(b"x"));
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen, vec![End::Trailers(Some(Code::NotFound))]);
        assert_eq!(seen[0].grpc_code(), Code::NotFound);
    }

    #[tokio::test]
    async fn a_body_left_half_way_is_a_cancelled_call() {
        let body = http_body_util::StreamBody::new(futures::stream::pending::<
            Result<Frame<Bytes>, std::convert::Infallible>,
        >());
        let (seen, on_end) = recorder();
        drop(watch(Response::new(Body::new(body)), on_end));
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen, vec![End::Dropped]);
        assert_eq!(seen[0].grpc_code(), Code::Cancelled);
    }

    #[tokio::test]
    async fn a_page_ends_once() {
        let (seen, on_end) = recorder();
        let response = watch(Response::new(Body::from("page")), on_end);
        let _ = response.into_body().collect().await.expect("body");
        assert_eq!(seen.lock().expect("lock").clone(), vec![End::Finished]);
    }

    #[test]
    fn a_status_in_the_headers_is_read() {
        let mut headers = HeaderMap::new();
        assert_eq!(grpc_status(&headers), None);
        headers.insert("grpc-status", "14".parse().expect("value"));
        assert_eq!(grpc_status(&headers), Some(Code::Unavailable));
        assert_eq!(code_name(Code::Unavailable), "UNAVAILABLE");
    }
}
