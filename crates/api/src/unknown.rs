//! Requests that match no route when the pages share the API's port: a gRPC
//! or gRPC-Web call (by its content type) to a service or method that does
//! not exist gets the gRPC status UNIMPLEMENTED in the protocol it spoke;
//! everything else is the pages' to answer.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use tower::{Layer, Service, ServiceExt};

/// The fallback of the API's router when pages are served beside it.
#[derive(Clone)]
pub struct GrpcOrPages {
    pages: axum::Router,
}

impl GrpcOrPages {
    /// Sends what is not gRPC to `pages`.
    pub fn new(pages: axum::Router) -> Self {
        Self { pages }
    }
}

impl Service<Request> for GrpcOrPages {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let pages = self.pages.clone();
        Box::pin(async move {
            if is_grpc(&req) {
                unimplemented(req).await
            } else {
                pages.oneshot(req).await
            }
        })
    }
}

/// A gRPC (`application/grpc…`) or gRPC-Web (`application/grpc-web…`) call.
fn is_grpc(req: &Request) -> bool {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// UNIMPLEMENTED as gRPC, translated to gRPC-Web for a gRPC-Web caller.
async fn unimplemented(req: Request) -> Result<Response, Infallible> {
    let status = tower::service_fn(|_: http::Request<tonic::body::Body>| async {
        Ok::<_, Infallible>(
            tonic::Status::unimplemented("no such service or method").into_http::<Body>(),
        )
    });
    let response = tonic_web::GrpcWebLayer::new()
        .layer(status)
        .oneshot(req.map(tonic::body::Body::new))
        .await?;
    Ok(response.map(Body::new))
}
