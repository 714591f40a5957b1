//! `classtrack serve`, `api` and `web`: one process, one port; the web tier
//! still reaches the API through a real gRPC channel.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use classtrack_api::{Api, ApiConfig};
use classtrack_store::Store;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What to run on the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// API and web pages.
    Both,
    ApiOnly,
}

pub struct ServerConfig {
    pub listen: String,
    pub database_url: String,
    pub api: ApiConfig,
    pub tier: Tier,
    /// First admin's password (else generated and printed).
    pub admin_password: Option<String>,
    pub demo: bool,
    /// Print first-start secrets and demo logins to stdout.
    pub announce: bool,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub api: Arc<tokio::sync::Mutex<Option<Api>>>,
    pub state: classtrack_api::State,
    shutdown: tokio::sync::oneshot::Sender<()>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, finishes in-flight calls and stops background work.
    pub async fn stop(self) -> anyhow::Result<()> {
        if let Some(api) = self.api.lock().await.as_ref() {
            api.begin_shutdown();
        }
        let _ = self.shutdown.send(());
        self.handle.await.context("server task")??;
        if let Some(api) = self.api.lock().await.take() {
            api.shutdown().await;
        }
        Ok(())
    }
}

pub async fn start(config: ServerConfig) -> anyhow::Result<Running> {
    let store = Store::open(&config.database_url).await.with_context(|| {
        format!(
            "cannot open the database at {}",
            redact(&config.database_url)
        )
    })?;
    let public_url = config.api.public_url.clone();
    let api = Api::start(store, config.api);
    let state = api.state.clone();
    if let Some(password) =
        classtrack_api::ensure_admin(&state, config.admin_password.clone()).await?
    {
        if config.announce {
            println!("Created the administrator account:\n  username: admin\n  password: {password}\n(shown once; change it after logging in)");
        }
    }
    if config.demo {
        let logins = classtrack_api::load_demo(&state).await?;
        if config.announce {
            println!(
                "Demo data loaded. Logins (password {:?} for all):\n  professors: {}\n  students: {} … {}",
                logins.password,
                logins.professors.join(", "),
                logins.students.first().map_or("", String::as_str),
                logins.students.last().map_or("", String::as_str),
            );
        }
    }
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let listener = without_nagle(listener);
    let app = match config.tier {
        Tier::Both => {
            let web = classtrack_web::WebConfig::new(format!("http://{addr}"), public_url);
            api.routes_beside(classtrack_web::router(web)?)
        }
        Tier::ApiOnly => api.routes(),
    };
    let app = with_metrics(app);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await
    });
    Ok(Running {
        addr,
        api: Arc::new(tokio::sync::Mutex::new(Some(api))),
        state,
        shutdown: tx,
        handle,
    })
}

/// The web tier alone, talking to a remote API.
pub async fn start_web(
    listen: &str,
    api_url: &str,
    public_url: &str,
) -> anyhow::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let listener = without_nagle(listener);
    let app = with_metrics(classtrack_web::router(classtrack_web::WebConfig::new(
        api_url, public_url,
    ))?);
    let handle = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    });
    Ok((addr, handle))
}

/// Answers leave at once: without TCP_NODELAY a small HTTP/2 frame can wait
/// for the peer's delayed ACK (40 ms on Linux), which showed as a 45 ms tail
/// in the check-in benchmark.
fn without_nagle(
    listener: TcpListener,
) -> axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    fn nodelay(tcp: &mut tokio::net::TcpStream) {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    }
    listener.tap_io(nodelay as fn(&mut tokio::net::TcpStream))
}

fn with_metrics(app: Router) -> Router {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    let handle = HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .ok()
        })
        .clone();
    app.route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { handle.map(|h| h.render()).unwrap_or_default() }
        }),
    )
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
