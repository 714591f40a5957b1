//! `/metrics`: the Prometheus exporter of the process. One recorder per
//! process, installed at the first server start with real histograms
//! (the buckets of `classtrack_api::metrics::BUCKETS` and the store's acquire
//! buckets), then every metric described and registered at zero, so that a
//! fresh server already shows all of them with HELP and TYPE (the web tier
//! alone: the process metrics and nothing of the API's). At each read
//! the pool's gauges are sampled from the store and the process metrics
//! (memory, CPU, open files: `metrics-process`) collected.
//!
//! Served on the public port, or on its own address with `metrics_listen`
//! (then not on the public port).

use std::net::SocketAddr;

use anyhow::Context;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use classtrack_store::Store;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The content type of Prometheus' text format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route `/metrics`, sampling `store`'s pool. The web tier alone has
/// no store and serves no API: it shows the process metrics only.
pub fn routes(store: Option<Store>) -> Router {
    let exporter = exporter();
    if store.is_some() && exporter.handle.is_some() {
        classtrack_api::metrics::register();
        classtrack_store::metrics::register();
    }
    Router::new().route(
        "/metrics",
        get(move || {
            let exporter = exporter.clone();
            let store = store.clone();
            async move { exporter.render(store.as_ref()) }
        }),
    )
}

/// `/metrics` served apart from the public port.
pub struct Apart {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Apart {
    /// Serves [`routes`] on `listen`.
    pub async fn start(listen: &str, store: Option<Store>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen} (metrics_listen)"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = routes(store);
        let handle = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self { addr, stop, handle })
    }

    /// Stops listening and waits for the reads under way.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.handle.await.context("metrics server task")??;
        Ok(())
    }
}

/// The process's recorder, its metrics registered.
#[derive(Clone)]
struct Exporter {
    handle: Option<PrometheusHandle>,
    process: metrics_process::Collector,
}

impl Exporter {
    fn render(&self, store: Option<&Store>) -> Response {
        let Some(handle) = &self.handle else {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the metrics recorder could not be installed (see the log at start)",
            )
                .into_response();
        };
        if let Some(store) = store {
            classtrack_store::metrics::sample(store);
        }
        self.process.collect();
        ([(header::CONTENT_TYPE, TEXT_FORMAT)], handle.render()).into_response()
    }
}

/// Installs the recorder once per process and registers every metric.
fn exporter() -> Exporter {
    static EXPORTER: std::sync::OnceLock<Exporter> = std::sync::OnceLock::new();
    EXPORTER
        .get_or_init(|| {
            let handle = match install() {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "no metrics: the recorder could not be installed");
                    None
                }
            };
            let process = metrics_process::Collector::default();
            if handle.is_some() {
                process.describe();
                process.collect();
            }
            Exporter { handle, process }
        })
        .clone()
}

fn install() -> anyhow::Result<PrometheusHandle> {
    let histograms = classtrack_api::metrics::BUCKETS.iter().copied().chain([(
        classtrack_store::metrics::ACQUIRE,
        classtrack_store::metrics::ACQUIRE_BUCKETS,
    )]);
    // Any other histogram is a histogram too, never a summary (a summary
    // cannot be added up across replicas).
    let mut builder = PrometheusBuilder::new().set_buckets(classtrack_api::metrics::SECONDS)?;
    for (name, buckets) in histograms {
        builder = builder.set_buckets_for_metric(Matcher::Full(name.to_string()), buckets)?;
    }
    Ok(builder.install_recorder()?)
}
