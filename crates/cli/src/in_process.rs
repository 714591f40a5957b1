//! A gRPC channel to the API inside this process, for the web tier when
//! `classtrack serve` runs both tiers. Each connection is an in-memory duplex
//! stream served by hyper's HTTP/2: the calls are real gRPC (the same
//! services, interceptors and errors as from outside), but no other process
//! can open this channel, so none can pose as the web tier and choose the
//! client address it reports.

use std::convert::Infallible;

use axum::Router;
use classtrack_api::InProcess;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tonic::transport::{Channel, Endpoint, Uri};
use tower::ServiceExt;

/// Buffer of each direction of an in-process connection.
const BUFFER: usize = 256 * 1024;

/// A lazily connected channel whose connections are served by `api`.
pub fn channel(api: Router) -> Channel {
    Endpoint::from_static("http://in-process.invalid")
        // As for a remote API: a hung call becomes a "not answering" page.
        .timeout(std::time::Duration::from_secs(20))
        .connect_with_connector_lazy(tower::service_fn(move |_: Uri| {
            let api = api.clone();
            async move {
                let (client, server) = tokio::io::duplex(BUFFER);
                tokio::spawn(serve(api, server));
                Ok::<_, Infallible>(TokioIo::new(client))
            }
        }))
}

async fn serve(api: Router, stream: tokio::io::DuplexStream) {
    let api = api.map_request(|mut req: axum::extract::Request| {
        req.extensions_mut().insert(InProcess);
        req
    });
    let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(api.map_request(
                |req: http::Request<hyper::body::Incoming>| req.map(axum::body::Body::new),
            )),
        );
    if let Err(e) = connection.await {
        tracing::debug!(error = %e, "an in-process connection ended");
    }
}
