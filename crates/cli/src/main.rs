//! `classtrack`: run the server, or talk to one.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use classtrack::client;
use classtrack::config::{self, Config, Flags, For, LogFormat};
use classtrack::server::{self, Tier};
use classtrack::setup::{forwarded_header, server_config, trusted_proxies};

#[derive(Parser)]
#[command(
    name = "classtrack",
    version,
    about = "QR-based class attendance: server and command-line client"
)]
struct Cli {
    /// Configuration file (TOML; see docs/configuration.md). Environment
    /// variables and flags override what it says.
    #[arg(long, global = true, env = "CLASSTRACK_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The flags of the server's settings (`config::SETTINGS`), for `serve`,
/// `api`, `migrate` and `config`.
#[derive(Clone, Debug)]
struct ServerFlags(Flags);

/// The flags of the web tier's settings, for `web`.
#[derive(Clone, Debug)]
struct WebFlags(Flags);

macro_rules! setting_flags {
    ($name:ident, $for:expr) => {
        impl clap::FromArgMatches for $name {
            fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
                Ok(Self(Flags::from_matches(m, $for)))
            }
            fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
                *self = Self::from_arg_matches(m)?;
                Ok(())
            }
        }
        impl clap::Args for $name {
            fn augment_args(cmd: clap::Command) -> clap::Command {
                Flags::args(cmd, $for)
            }
            fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
                Flags::args(cmd, $for)
            }
        }
    };
}
setting_flags!(ServerFlags, For::Server);
setting_flags!(WebFlags, For::Web);

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
    Serve(ServerFlags),
    /// Run only the gRPC API.
    Api(ServerFlags),
    /// Run only the web interface, talking to an API elsewhere.
    Web(WebFlags),
    /// Apply database migrations and exit (with an account that may change
    /// the schema; the server can then run with --no-migrate).
    Migrate(ServerFlags),
    /// Print the effective configuration of `serve` (secrets redacted), each
    /// value with where it came from.
    Config(ServerFlags),
    /// Copy the server's SQLite database to a file, consistently, while the
    /// server runs (MariaDB: see docs/operations.md).
    Backup(BackupArgs),
    /// Replace the server's SQLite database with a backup (stop the server
    /// first).
    Restore(RestoreArgs),
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
        #[arg(long, short, default_value = "admin", conflicts_with = "sso")]
        username: String,
        /// Sign in through the browser instead: prints a URL and a code to
        /// approve there, with whatever login the site has.
        #[arg(long)]
        sso: bool,
        #[command(flatten)]
        tls: ClientTls,
    },
    /// End the stored login.
    Logout,
    /// Manage users (administrators).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Named API tokens for scripts (administrators).
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// List the courses you may see.
    #[command(subcommand)]
    Courses(CoursesCommand),
    /// Export a course report.
    Export {
        /// Course code (or courses/ID).
        #[arg(long)]
        course: String,
        /// csv (commas, for scripts), csv-semicolon (';', decimal commas and a
        /// BOM: what French Excel opens) or xlsx.
        #[arg(long, default_value = "csv", value_parser = ["csv", "csv-semicolon", "xlsx"])]
        format: String,
        /// Output file [default: the name the server suggests].
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Load-test a server with real gRPC clients.
    Bench(Box<classtrack_bench::BenchArgs>),
}

#[derive(clap::Args)]
struct BackupArgs {
    /// The backup file to write (first as FILE.partial, renamed when
    /// complete and checked).
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    /// Replace FILE (and a FILE.partial left by a backup that failed).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    server: ServerFlags,
}

#[derive(clap::Args)]
struct RestoreArgs {
    /// The backup to restore (made by `classtrack backup`).
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    #[command(flatten)]
    server: ServerFlags,
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
enum TokensCommand {
    /// Make a token; prints its secret, shown only this once.
    Create {
        /// What it is for, e.g. "nightly export".
        name: String,
        /// The role its calls act with.
        #[arg(long, value_parser = ["admin", "professor", "student"])]
        role: String,
        /// How many days it lasts (at most 366).
        #[arg(long)]
        days: i64,
    },
    /// List the live tokens (never their secrets).
    List,
    /// Revoke a token at once: `apiTokens/3` or `3`.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum CoursesCommand {
    List,
}

fn init_tracing(filter: &str, format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(config::DEFAULT_LOG));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

/// Logs as the configuration says, or the defaults when it cannot be read
/// (the error then says why).
fn init_tracing_for(config: &anyhow::Result<Config>) {
    match config {
        Ok(c) => init_tracing(c.text("log").unwrap_or(config::DEFAULT_LOG), c.log_format()),
        Err(_) => init_tracing(config::DEFAULT_LOG, LogFormat::Text),
    }
}

async fn serve(c: Config, tier: Tier) -> anyhow::Result<()> {
    let config = server_config(&c, tier)?;
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
    let database = server::redact(&config.database_url);
    let running = server::start(config).await?;
    let what = if tier == Tier::Both {
        "API and web"
    } else {
        "API"
    };
    if let Some(metrics) = running.metrics_addr {
        println!("Metrics on http://{metrics}/metrics (metrics_listen)");
    }
    println!(
        "ClassTrack listening on {scheme}://{} ({what}; database {database})",
        running.addr,
    );
    server::shutdown_signal().await;
    let grace = c.duration("shutdown_grace")?;
    tracing::info!(
        ?grace,
        "draining: /readyz 503 and NOT_SERVING now; serving on while the load balancer moves away"
    );
    running.drain(grace, server::shutdown_signal()).await;
    tracing::info!("shutting down: open streams end with UNAVAILABLE");
    tokio::time::timeout(Duration::from_secs(20), running.stop())
        .await
        .context("shutdown took too long")??;
    Ok(())
}

async fn web(c: Config) -> anyhow::Result<()> {
    let listen = c.string("listen")?;
    let api = c
        .text("api_url")
        .context("the web tier needs the API's address: --api, CLASSTRACK_API_URL or api_url")?
        .to_string();
    let public = match c.text("public_url") {
        Some(url) => url.to_string(),
        None => server::default_public_url(&listen, false)?,
    };
    let target = classtrack_proto::endpoint::Target {
        url: api.clone(),
        ca_cert: c.path("ca_cert"),
        insecure: c.flag("insecure"),
    };
    let (addr, handle) = server::start_web(
        &listen,
        c.text("metrics_listen"),
        &target,
        &public,
        trusted_proxies(&c)?,
        forwarded_header(&c)?,
        server::Site {
            time_zone: &c.string("time_zone")?,
            default_locale: &c.string("default_locale")?,
        },
    )
    .await?;
    println!("ClassTrack web listening on http://{addr} (API {api})");
    handle.await??;
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
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = cli.config.as_deref();
    let settings = |flags: &Flags, command: For| {
        let c = Config::load(command, file, flags);
        init_tracing_for(&c);
        c
    };
    match cli.command {
        Command::Serve(ServerFlags(f)) => serve(settings(&f, For::Server)?, Tier::Both).await,
        Command::Api(ServerFlags(f)) => serve(settings(&f, For::Server)?, Tier::ApiOnly).await,
        Command::Web(WebFlags(f)) => web(settings(&f, For::Web)?).await,
        Command::Config(ServerFlags(f)) => {
            let c = settings(&f, For::Server)?;
            // Everything `serve` would check, so that this is also a test
            // of a configuration before a restart.
            server_config(&c, Tier::Both)?;
            print!("{}", c.render());
            Ok(())
        }
        Command::Migrate(ServerFlags(f)) => {
            let c = settings(&f, For::Server)?;
            let database_url = c.string("database_url")?;
            let store = classtrack_store::Store::open(&database_url)
                .await
                .with_context(|| format!("migrating {}", server::redact(&database_url)))?;
            store.close().await;
            println!("Database {} is up to date", server::redact(&database_url));
            Ok(())
        }
        Command::Backup(BackupArgs {
            to,
            force,
            server: ServerFlags(f),
        }) => {
            let c = settings(&f, For::Server)?;
            classtrack::backup::backup(&c.string("database_url")?, &to, force).await
        }
        Command::Restore(RestoreArgs {
            from,
            server: ServerFlags(f),
        }) => {
            let c = settings(&f, For::Server)?;
            classtrack::backup::restore(&from, &c.string("database_url")?).await
        }
        command => {
            init_tracing(
                &std::env::var("CLASSTRACK_LOG").unwrap_or_else(|_| config::DEFAULT_LOG.into()),
                LogFormat::Text,
            );
            run_client(command).await
        }
    }
}

async fn run_client(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Login {
            server,
            sso: true,
            tls,
            ..
        } => classtrack::sso::login(tls.target(server)).await,
        Command::Login {
            server,
            username,
            tls,
            ..
        } => client::login(tls.target(server), &username).await,
        Command::Logout => client::logout().await,
        Command::Users(UsersCommand::List { role, query, all }) => {
            client::users_list(role, query, all).await
        }
        Command::Users(UsersCommand::Import { file, dry_run }) => {
            client::users_import(&file, dry_run).await
        }
        Command::Courses(CoursesCommand::List) => client::courses_list().await,
        Command::Tokens(TokensCommand::Create { name, role, days }) => {
            classtrack::tokens::create(&name, &role, days).await
        }
        Command::Tokens(TokensCommand::List) => classtrack::tokens::list().await,
        Command::Tokens(TokensCommand::Revoke { name }) => classtrack::tokens::revoke(&name).await,
        Command::Export {
            course,
            format,
            output,
        } => client::export(&course, &format, output).await,
        Command::Bench(args) => classtrack_bench::run(*args).await,
        Command::Serve(_)
        | Command::Api(_)
        | Command::Web(_)
        | Command::Config(_)
        | Command::Migrate(_)
        | Command::Backup(_)
        | Command::Restore(_) => anyhow::bail!("not a client command"),
    }
}
