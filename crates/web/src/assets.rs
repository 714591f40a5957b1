//! Stylesheet, scripts and icons, compiled into the binary: pages work on an
//! offline campus network with no CDN.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
    (
        "checkin.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/checkin.js"),
    ),
    (
        "location.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/location.js"),
    ),
    (
        "projector.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/projector.js"),
    ),
    (
        "roll.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/roll.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/static/{file}", get(asset)).route(
        "/favicon.ico",
        get(|| asset(Path("favicon.svg".to_string()))),
    )
}

async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=600"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_embedded_and_not_empty() {
        for (name, _, bytes) in FILES {
            assert!(!bytes.is_empty(), "{name} is empty");
        }
    }
}
