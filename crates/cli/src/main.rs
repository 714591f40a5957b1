//! `classtrack`: run the server, or talk to one.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use classtrack::client;
use classtrack::server::{self, ServerConfig, Tier};
use classtrack_api::ApiConfig;
use classtrack_store::DEFAULT_SQLITE_URL;

#[derive(Parser)]
#[command(
    name = "classtrack",
    version,
    about = "QR-based class attendance: server and command-line client"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLASSTRACK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// sqlite://FILE (default, created if missing) or mysql://USER@HOST:PORT/DATABASE (created if missing).
    #[arg(long, env = "CLASSTRACK_DATABASE_URL", default_value = DEFAULT_SQLITE_URL, hide_env_values = true)]
    database_url: String,
    /// Base URL that phones use to reach this server; QR codes encode {public_url}/c/{token}.
    #[arg(long, env = "CLASSTRACK_PUBLIC_URL")]
    public_url: Option<String>,
    /// IANA time zone for new courses and weekly schedules.
    #[arg(long, env = "CLASSTRACK_TIME_ZONE", default_value = "UTC")]
    time_zone: String,
    /// Load demo data (admin, 2 professors, 40 students, 3 courses, this week's sessions).
    #[arg(long)]
    demo: bool,
    /// A load balancer or reverse proxy in front (CIDR or address; repeatable):
    /// its Forwarded / X-Forwarded-For name the client. None by default.
    #[arg(long = "trusted-proxy", value_name = "CIDR", env = "CLASSTRACK_TRUSTED_PROXIES",
          value_delimiter = ',', value_parser = classtrack_core::forwarded::parse_proxy)]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// The header the trusted proxies write: x-forwarded-for or forwarded (only it is read).
    #[arg(
        long,
        value_name = "HEADER",
        env = "CLASSTRACK_FORWARDED_HEADER",
        default_value = "x-forwarded-for"
    )]
    forwarded_header: classtrack_core::forwarded::ForwardedHeader,
    /// PEM certificate chain: serve TLS on the port (with --tls-key; read again on SIGHUP).
    #[arg(long, env = "CLASSTRACK_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "CLASSTRACK_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

impl ServeArgs {
    fn tls(&self) -> Option<classtrack::tls::TlsFiles> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(classtrack::tls::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        }
    }
}

/// How a client reaches a server over TLS (see `classtrack_proto::endpoint`).
#[derive(clap::Args, Clone, Debug)]
struct ClientTls {
    /// PEM file of the CA that signed the server's certificate, trusted besides
    /// the system's roots (for https:// URLs).
    #[arg(long, env = "CLASSTRACK_CA_CERT")]
    ca_cert: Option<PathBuf>,
    /// Allow plain http:// to a host other than this machine (passwords and
    /// tokens then cross the network in clear text). Never skips a TLS check.
    #[arg(long)]
    insecure: bool,
}

impl ClientTls {
    fn target(self, url: String) -> classtrack_proto::endpoint::Target {
        classtrack_proto::endpoint::Target {
            url,
            ca_cert: self.ca_cert,
            insecure: self.insecure,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the API and the web interface on one port.
    Serve(ServeArgs),
    /// Run only the gRPC API.
    Api(ServeArgs),
    /// Run only the web interface, talking to an API elsewhere.
    Web {
        /// The API's gRPC address, e.g. https://api.example.edu:8080 (plain
        /// http:// only on this machine, or with --insecure).
        #[arg(long, env = "CLASSTRACK_API_URL")]
        api: String,
        #[command(flatten)]
        tls: ClientTls,
        #[arg(long, env = "CLASSTRACK_LISTEN", default_value = "127.0.0.1:8081")]
        listen: String,
        #[arg(long, env = "CLASSTRACK_PUBLIC_URL")]
        public_url: Option<String>,
        /// A reverse proxy in front of the pages (CIDR or address; repeatable).
        #[arg(long = "trusted-proxy", value_name = "CIDR", env = "CLASSTRACK_TRUSTED_PROXIES",
              value_delimiter = ',', value_parser = classtrack_core::forwarded::parse_proxy)]
        trusted_proxy: Vec<ipnet::IpNet>,
        /// The header the trusted proxies write: x-forwarded-for or forwarded.
        #[arg(
            long,
            value_name = "HEADER",
            env = "CLASSTRACK_FORWARDED_HEADER",
            default_value = "x-forwarded-for"
        )]
        forwarded_header: classtrack_core::forwarded::ForwardedHeader,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long, env = "CLASSTRACK_DATABASE_URL", default_value = DEFAULT_SQLITE_URL, hide_env_values = true)]
        database_url: String,
    },
    /// Log in to a server and keep the token (with the server's URL and
    /// --ca-cert) in your config directory; later commands use them.
    Login {
        #[arg(
            long,
            env = "CLASSTRACK_SERVER",
            default_value = "http://127.0.0.1:8080"
        )]
        server: String,
        /// Username or email (the password is read from stdin or CLASSTRACK_PASSWORD).
        #[arg(long, short, default_value = "admin")]
        username: String,
        #[command(flatten)]
        tls: ClientTls,
    },
    /// End the stored login.
    Logout,
    /// Manage users (administrators).
    #[command(subcommand)]
    Users(UsersCommand),
    /// List the courses you may see.
    #[command(subcommand)]
    Courses(CoursesCommand),
    /// Export a course report.
    Export {
        /// Course code (or courses/ID).
        #[arg(long)]
        course: String,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        /// Output file [default: the name the server suggests].
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Load-test a server with real gRPC clients.
    Bench(classtrack_bench::BenchArgs),
}

#[derive(Subcommand)]
enum UsersCommand {
    /// List users.
    List {
        #[arg(long, value_parser = ["admin", "professor", "student"])]
        role: Option<String>,
        /// Search in username, name, email, student number.
        #[arg(long, short)]
        query: Option<String>,
        /// Include deactivated accounts.
        #[arg(long)]
        all: bool,
    },
    /// Create users from CSV: username,email,display_name,role[,student_number][,password].
    Import {
        file: PathBuf,
        /// Check everything and show what would happen, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum CoursesCommand {
    List,
}

fn init_tracing() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("CLASSTRACK_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,sqlx=warn,h2=warn,hyper=warn,tower=warn")
        });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn api_config(args: &ServeArgs) -> anyhow::Result<ApiConfig> {
    classtrack_core::validate::time_zone(&args.time_zone)
        .map_err(|e| anyhow::anyhow!("--time-zone: {e}"))?;
    let public_url = match &args.public_url {
        Some(url) => url.clone(),
        None => server::default_public_url(&args.listen, args.tls_cert.is_some())?,
    };
    Ok(ApiConfig {
        public_url: public_url.trim_end_matches('/').to_string(),
        default_time_zone: args.time_zone.clone(),
        trusted_proxies: args.trusted_proxy.clone(),
        forwarded_header: args.forwarded_header,
        ..ApiConfig::default()
    })
}

async fn serve(args: ServeArgs, tier: Tier) -> anyhow::Result<()> {
    let config = ServerConfig {
        listen: args.listen.clone(),
        database_url: args.database_url.clone(),
        migrate: true,
        api: api_config(&args)?,
        tier,
        admin_password: std::env::var("CLASSTRACK_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()),
        demo: args.demo,
        announce: true,
        tls: args.tls(),
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    if config.tls.is_none() {
        tracing::warn!(
            "serving plain HTTP without TLS: put a TLS-terminating proxy in front, \
             or give --tls-cert and --tls-key"
        );
    }
    let running = server::start(config).await?;
    let what = if tier == Tier::Both {
        "API and web"
    } else {
        "API"
    };
    println!(
        "ClassTrack listening on {scheme}://{} ({what}; database {})",
        running.addr,
        server::redact(&args.database_url)
    );
    server::shutdown_signal().await;
    tracing::info!("shutting down");
    tokio::time::timeout(Duration::from_secs(20), running.stop())
        .await
        .context("shutdown took too long")??;
    Ok(())
}

/// glibc raises its mmap threshold after large blocks are freed and then keeps
/// later ones (argon2's 19 MiB per hash) in per-thread arenas for good: a
/// login storm would leave the server at gigabytes. A fixed threshold returns
/// them to the system.
fn bound_allocator_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> std::process::ExitCode {
    bound_allocator_memory();
    match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(async_main()),
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn async_main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args, Tier::Both).await,
        Command::Api(args) => serve(args, Tier::ApiOnly).await,
        Command::Web {
            api,
            tls,
            listen,
            public_url,
            trusted_proxy,
            forwarded_header,
        } => {
            let public = match public_url {
                Some(url) => url,
                None => server::default_public_url(&listen, false)?,
            };
            let (addr, handle) = server::start_web(
                &listen,
                &tls.target(api.clone()),
                &public,
                trusted_proxy,
                forwarded_header,
            )
            .await?;
            println!("ClassTrack web listening on http://{addr} (API {api})");
            handle.await??;
            Ok(())
        }
        Command::Migrate { database_url } => {
            let store = classtrack_store::Store::open(&database_url)
                .await
                .with_context(|| format!("migrating {}", server::redact(&database_url)))?;
            store.close().await;
            println!("Database {} is up to date", server::redact(&database_url));
            Ok(())
        }
        Command::Login {
            server,
            username,
            tls,
        } => client::login(tls.target(server), &username).await,
        Command::Logout => client::logout().await,
        Command::Users(UsersCommand::List { role, query, all }) => {
            client::users_list(role, query, all).await
        }
        Command::Users(UsersCommand::Import { file, dry_run }) => {
            client::users_import(&file, dry_run).await
        }
        Command::Courses(CoursesCommand::List) => client::courses_list().await,
        Command::Export {
            course,
            format,
            output,
        } => client::export(&course, &format, output).await,
        Command::Bench(args) => classtrack_bench::run(args).await,
    }
}
