//! `classtrack serve`, `api` and `web`: one process, one port; the web tier
//! still reaches the API through a real gRPC channel.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use classtrack_api::access_log::AccessLog;
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
    /// Serve `/metrics` on this address instead of on `listen`.
    pub metrics_listen: Option<String>,
    pub database_url: String,
    /// Apply pending migrations at start (the account must be allowed to
    /// change the schema). `false` opens the database as it is and refuses
    /// to start unless `classtrack migrate` has brought it up to date, so
    /// the server can run as an account with only `SELECT, INSERT, UPDATE,
    /// DELETE` (`Store::open_without_migrating`).
    pub migrate: bool,
    /// The connection pool's size and acquire timeout.
    pub pool: classtrack_store::PoolOptions,
    pub api: ApiConfig,
    pub tier: Tier,
    /// First admin's password (else generated and printed).
    pub admin_password: Option<String>,
    pub demo: bool,
    /// Print first-start secrets and demo logins to stdout.
    pub announce: bool,
    /// Serve TLS on the port with these files; plain HTTP without.
    pub tls: Option<crate::tls::TlsFiles>,
}

/// How long [`Running::stop`] waits for open connections to finish once
/// their calls are done and their streams ended.
const CLOSE_CONNECTIONS: std::time::Duration = std::time::Duration::from_secs(5);

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    /// Where `/metrics` is served when not on `addr` (`metrics_listen`).
    pub metrics_addr: Option<SocketAddr>,
    metrics: Option<crate::metrics::Apart>,
    pub api: Arc<tokio::sync::Mutex<Option<Api>>>,
    pub state: classtrack_api::State,
    shutdown: tokio::sync::oneshot::Sender<()>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Drains: `/readyz` answers 503 and grpc.health.v1 NOT_SERVING at
    /// once, while calls are served as before for `grace` (or until `cut`
    /// resolves: a second signal), so that the load balancer moves away
    /// before [`Running::stop`].
    pub async fn drain(
        &self,
        grace: std::time::Duration,
        cut: impl std::future::Future<Output = ()>,
    ) {
        if let Some(api) = self.api.lock().await.as_ref() {
            api.drain();
        }
        tokio::select! {
            _ = tokio::time::sleep(grace) => {}
            _ = cut => tracing::info!("a second signal: not waiting out the grace period"),
        }
    }

    /// Stops accepting, ends open streams with UNAVAILABLE, finishes
    /// in-flight calls and stops background work.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(api) = self.api.lock().await.as_ref() {
            api.begin_shutdown();
        }
        let _ = self.shutdown.send(());
        // Calls in flight finish; a connection that is still open after
        // that is closed rather than keeping the process (and its stop
        // timeout) waiting.
        match tokio::time::timeout(CLOSE_CONNECTIONS, &mut self.handle).await {
            Ok(done) => done.context("server task")??,
            Err(_) => {
                tracing::warn!(
                    "connections still open {CLOSE_CONNECTIONS:?} after the shutdown began; closing them"
                );
                self.handle.abort();
            }
        }
        tracing::debug!("connections closed; stopping background work");
        if let Some(metrics) = self.metrics {
            metrics.stop().await?;
        }
        if let Some(api) = self.api.lock().await.take() {
            api.shutdown().await;
        }
        tracing::debug!("stopped");
        Ok(())
    }
}

pub async fn start(config: ServerConfig) -> anyhow::Result<Running> {
    let store = Store::open_with(&config.database_url, config.migrate, &config.pool)
        .await
        .with_context(|| {
            format!(
                "cannot open the database at {}",
                redact(&config.database_url)
            )
        })?;
    let public_url = config.api.public_url.clone();
    let trusted_proxies = config.api.trusted_proxies.clone();
    let forwarded_header = config.api.forwarded_header;
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
    // Read the certificate before binding: a bad file is an error at start.
    let tls = match &config.tls {
        Some(files) => Some((files.clone(), crate::tls::config(files)?)),
        None => None,
    };
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = match config.tier {
        Tier::Both => {
            // The pages reach the API through an in-process channel: still
            // real gRPC, but no other process can use it (or claim to be it).
            let mut web = classtrack_web::WebConfig::new("in-process", public_url);
            web.time_zone = site_zone(&state.config.default_time_zone)?;
            web.default_locale = site_locale(&state.config.default_locale)?;
            web.trusted_proxies = trusted_proxies;
            web.forwarded_header = forwarded_header;
            let routes = api.routes();
            let channel = crate::in_process::channel(routes.clone());
            classtrack_api::beside_pages(routes, classtrack_web::router_on(web, channel))
        }
        Tier::ApiOnly => api.routes(),
    };
    let store = state.store.clone();
    let (app, metrics) = with_metrics(app, config.metrics_listen.as_deref(), Some(store)).await?;
    let app = AccessLog::new(
        state.config.trusted_proxies.clone(),
        state.config.forwarded_header,
    )
    .around(app);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = match tls {
        Some((files, tls)) => {
            crate::tls::reload_on_hangup(files, tls.clone());
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                let _ = rx.await;
                stopper.graceful_shutdown(None);
            });
            // TCP_NODELAY as for plain HTTP (see `without_nagle`).
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(tls)
                .acceptor(axum_server::accept::NoDelayAcceptor::new());
            let server = axum_server::from_tcp(listener.into_std()?)?
                .acceptor(acceptor)
                .handle(handle);
            tokio::spawn(async move {
                server
                    .serve(app.into_make_service_with_connect_info::<SocketAddr>())
                    .await
            })
        }
        None => {
            let listener = without_nagle(listener);
            tokio::spawn(async move {
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
            })
        }
    };
    Ok(Running {
        addr,
        metrics_addr: metrics.as_ref().map(|m| m.addr),
        metrics,
        api: Arc::new(tokio::sync::Mutex::new(Some(api))),
        state,
        shutdown: tx,
        handle,
    })
}

/// The site's zone from the `time_zone` setting.
fn site_zone(name: &str) -> anyhow::Result<chrono_tz::Tz> {
    name.parse().map_err(|_| {
        anyhow::anyhow!("time_zone: {name:?} is not an IANA time zone such as Europe/Paris")
    })
}

/// The site's language from the `default_locale` setting.
fn site_locale(tag: &str) -> anyhow::Result<classtrack_i18n::Locale> {
    classtrack_i18n::Locale::from_tag(tag)
        .ok_or_else(|| anyhow::anyhow!("default_locale: {tag:?} is not one of en, fr, ar"))
}

/// The public URL when none is given: only for a server on a loopback
/// address (a laptop); anywhere else the QR codes would point at an address
/// phones cannot reach (`0.0.0.0`, a port chosen by the system), so that is
/// an error at start.
pub fn default_public_url(listen: &str, tls: bool) -> anyhow::Result<String> {
    let scheme = if tls { "https" } else { "http" };
    let loopback = listen.rsplit_once(':').is_some_and(|(host, port)| {
        classtrack_proto::endpoint::is_loopback(host) && port.parse::<u16>().is_ok_and(|p| p != 0)
    });
    if loopback {
        Ok(format!("{scheme}://{listen}"))
    } else {
        anyhow::bail!(
            "listening on {listen} needs --public-url (or CLASSTRACK_PUBLIC_URL): the address \
             phones use to reach this server, which the QR codes point at, e.g. \
             https://attend.example.edu"
        )
    }
}

/// The site's zone and language, as the settings name them (`time_zone`, `default_locale`).
pub struct Site<'a> {
    pub time_zone: &'a str,
    pub default_locale: &'a str,
}

/// The web tier alone, talking to a remote API; `/metrics` (the process
/// and the requests) on `metrics_listen` when given, else beside the pages.
pub async fn start_web(
    listen: &str,
    metrics_listen: Option<&str>,
    api: &classtrack_proto::endpoint::Target,
    public_url: &str,
    trusted_proxies: Vec<ipnet::IpNet>,
    forwarded_header: classtrack_core::forwarded::ForwardedHeader,
    site: Site<'_>,
) -> anyhow::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let listener = without_nagle(listener);
    let mut config = classtrack_web::WebConfig::new(api.url.clone(), public_url);
    config.ca_cert = api.ca_cert.clone();
    config.insecure = api.insecure;
    config.trusted_proxies = trusted_proxies.clone();
    config.forwarded_header = forwarded_header;
    config.time_zone = site_zone(site.time_zone)?;
    config.default_locale = site_locale(site.default_locale)?;
    let (app, metrics) =
        with_metrics(classtrack_web::router(config)?, metrics_listen, None).await?;
    let app = AccessLog::new(trusted_proxies, forwarded_header).around(app);
    // The pages connect lazily; say at once if the API's TLS is wrong.
    let probe = api.clone();
    tokio::spawn(async move {
        if let Err(e) = probe.connect().await {
            tracing::warn!("the API at {} does not answer yet: {e:#}", probe.url);
        }
    });
    let handle = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        if let Some(metrics) = metrics {
            if let Err(e) = metrics.stop().await {
                tracing::warn!("the metrics server did not stop cleanly: {e:#}");
            }
        }
        served
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

/// `/metrics` beside `app`, or on its own address when `apart` names one
/// (then the public port does not serve it).
async fn with_metrics(
    app: Router,
    apart: Option<&str>,
    store: Option<Store>,
) -> anyhow::Result<(Router, Option<crate::metrics::Apart>)> {
    match apart {
        Some(listen) => Ok((
            app,
            Some(crate::metrics::Apart::start(listen, store).await?),
        )),
        None => Ok((app.merge(crate::metrics::routes(store)), None)),
    }
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
    classtrack_store::redact_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(url: &str, migrate: bool) -> ServerConfig {
        ServerConfig {
            listen: "127.0.0.1:0".into(),
            metrics_listen: None,
            database_url: url.into(),
            migrate,
            pool: Default::default(),
            api: ApiConfig {
                hash_cost: classtrack_api::HashCost::Fast,
                ..ApiConfig::default()
            },
            tier: Tier::ApiOnly,
            admin_password: Some("admin-password-1".into()),
            demo: false,
            announce: false,
            tls: None,
        }
    }

    classtrack_store::testing::per_backend!(without_migrating_the_server_needs_a_migrated_database);

    /// `migrate: false` starts only on a database that `classtrack migrate`
    /// has brought up to date, and says so; `migrate: true` migrates it.
    async fn without_migrating_the_server_needs_a_migrated_database(
        db: classtrack_store::testing::TestDb,
    ) {
        let l = db.label();
        let refused = match start(on(&db.url, false)).await {
            Ok(_) => panic!("{l}: started without migrating on an empty database"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            refused.contains("run `classtrack migrate`"),
            "{l}: the error says to run classtrack migrate: {refused}"
        );
        if let Some(password) = url::Url::parse(&db.url)
            .ok()
            .and_then(|u| u.password().map(String::from))
        {
            assert!(!refused.contains(&password), "{l}: the password is shown");
        }
        let running = start(on(&db.admin_url, true))
            .await
            .unwrap_or_else(|e| panic!("{l}: migrating start: {e:#}"));
        running.stop().await.expect("stops");
        // Now migrated, the row-only account (MariaDB) starts it.
        let running = start(on(&db.url, false))
            .await
            .unwrap_or_else(|e| panic!("{l}: start without migrating: {e:#}"));
        running.stop().await.expect("stops");
    }

    #[test]
    fn a_public_url_is_needed_beyond_loopback() {
        assert_eq!(
            default_public_url("127.0.0.1:8080", false).expect("loopback"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            default_public_url("localhost:8443", true).expect("loopback"),
            "https://localhost:8443"
        );
        assert_eq!(
            default_public_url("[::1]:8080", false).expect("loopback"),
            "http://[::1]:8080"
        );
        for listen in [
            "0.0.0.0:8080",
            "10.1.2.3:8080",
            "[::]:8080",
            "127.0.0.1:0",
            "attend:80",
        ] {
            let e = default_public_url(listen, false).expect_err(listen);
            assert!(
                e.to_string().contains("needs --public-url"),
                "{listen}: {e}"
            );
        }
    }

    /// The pool settings reach the pool.
    #[tokio::test]
    async fn the_pool_is_sized_as_configured() {
        let db = classtrack_store::testing::sqlite();
        let mut config = on(&db.url, true);
        config.pool = classtrack_store::PoolOptions {
            max_connections: Some(3),
            acquire_timeout: std::time::Duration::from_millis(1500),
            statement_timeout: None,
        };
        let running = start(config).await.expect("starts");
        let pool = running.state.store.pool();
        let options = pool.options();
        assert_eq!(options.get_max_connections(), 3);
        assert_eq!(
            options.get_acquire_timeout(),
            std::time::Duration::from_millis(1500)
        );
        running.stop().await.expect("stops");
    }
}
