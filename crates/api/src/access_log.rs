//! One log line per request, target `access` (so `--log info,access=off`
//! silences it): method, path, HTTP status, the gRPC status of a gRPC or
//! gRPC-Web call, duration and the client's address as the server resolves
//! it (the peer, or behind trusted proxies the address their header names,
//! [`forwarded::client_address`]). The line is written when the response
//! has been sent whole, so a stream's line comes at its end with its length.
//!
//! Never a secret: no query string, no header (so no token or cookie), no
//! body (so no password), and the one path that carries a secret, the QR
//! landing URL `/c/{token}`, is logged as `/c/[token]`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use classtrack_core::forwarded::{self, ForwardedHeader};
use ipnet::IpNet;

use crate::response_end::{self, code_name, CallStatus};

/// The target of the access log's lines.
pub const TARGET: &str = "access";

/// Paths longer than this are cut (with `…`): a client chooses them.
const MAX_PATH: usize = 200;

/// How the access log resolves the client's address.
#[derive(Debug, Clone)]
pub struct AccessLog {
    trusted_proxies: Arc<[IpNet]>,
    forwarded_header: ForwardedHeader,
}

impl AccessLog {
    /// Resolves the client's address as the rest of the server does: only
    /// `trusted_proxies` may name it, in `forwarded_header`.
    pub fn new(trusted_proxies: Vec<IpNet>, forwarded_header: ForwardedHeader) -> Self {
        Self {
            trusted_proxies: trusted_proxies.into(),
            forwarded_header,
        }
    }

    /// `app` with one access-log line per request.
    pub fn around(self, app: Router) -> Router {
        app.layer(axum::middleware::from_fn_with_state(self, log_request))
    }

    fn client(&self, req: &Request) -> Option<IpAddr> {
        let ConnectInfo(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>()?;
        let values = req
            .headers()
            .get_all(self.forwarded_header.name())
            .iter()
            .filter_map(|v| v.to_str().ok());
        let chain = self.forwarded_header.hops(values);
        Some(forwarded::client_address(
            peer.ip(),
            &chain,
            &self.trusted_proxies,
        ))
    }
}

/// Logs `req` once its answer has been sent whole.
async fn log_request(State(log): State<AccessLog>, mut req: Request, next: Next) -> Response {
    let status = CallStatus::default();
    req.extensions_mut().insert(status.clone());
    let line = Line {
        method: req.method().to_string(),
        path: loggable_path(req.uri().path()),
        client: log.client(&req),
        started: Instant::now(),
        status,
    };
    let response = next.run(req).await;
    let http_status = response.status().as_u16();
    if let Some(code) = response_end::grpc_status(response.headers()) {
        // Refused at once: the status is in the headers, the body empty.
        line.status.set(code);
        line.write(http_status);
        return response;
    }
    response_end::watch(
        response,
        Box::new(move |end| {
            if let response_end::End::Trailers(Some(code)) = end {
                line.status.set(code);
            }
            line.write(http_status);
        }),
    )
}

/// What one line says.
struct Line {
    method: String,
    path: String,
    client: Option<IpAddr>,
    started: Instant,
    status: CallStatus,
}

impl Line {
    fn write(self, http_status: u16) {
        let millis = self.started.elapsed().as_secs_f64() * 1000.0;
        let grpc_status = self.status.get().map(code_name);
        let peer = self
            .client
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
        tracing::info!(
            target: TARGET,
            method = %self.method,
            path = %self.path,
            status = http_status,
            grpc_status,
            duration_ms = (millis * 1000.0).round() / 1000.0,
            peer = %peer,
            "request"
        );
    }
}

/// The path as it may be logged: the QR landing URL's token replaced, and
/// cut to [`MAX_PATH`] characters. (The query string is never part of it.)
pub fn loggable_path(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("/c/") {
        if !rest.is_empty() {
            return "/c/[token]".to_string();
        }
    }
    match path.char_indices().nth(MAX_PATH) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_token_of_a_landing_url_is_never_logged() {
        assert_eq!(loggable_path("/c/17.8823.AbCdEf0123"), "/c/[token]");
        assert_eq!(loggable_path("/c/17.8823.AbCdEf0123/more"), "/c/[token]");
        assert_eq!(
            loggable_path("/sessions/17/projector"),
            "/sessions/17/projector"
        );
        assert_eq!(
            loggable_path("/classtrack.v1.AttendanceService/CheckIn"),
            "/classtrack.v1.AttendanceService/CheckIn"
        );
    }

    #[test]
    fn a_long_path_is_cut() {
        let long = format!("/{}", "a".repeat(500));
        let logged = loggable_path(&long);
        assert_eq!(logged.chars().count(), MAX_PATH + 1);
        assert!(logged.ends_with('…'));
    }
}
