//! The server's settings. One table, [`SETTINGS`], gives each setting its key
//! in `classtrack.toml`, its environment variable, its flag and its default;
//! docs/configuration.md lists the same table (a test compares them).
//!
//! Values are layered: defaults < file < `CLASSTRACK_*` environment < flags.
//! Every value is checked when it is read, and an error names where the bad
//! value came from (the flag, the variable, or the file and the key), so a
//! typo is a one-line error at start rather than a silent default. Each
//! resolved value remembers its source, which `classtrack config` prints.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches};

/// The commands a setting belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    /// `serve` and `api` (and `config`, which shows what they would use).
    Server,
    /// `web`, the pages run apart from the API.
    Web,
    Both,
}

impl For {
    fn includes(self, command: For) -> bool {
        self == For::Both || self == command
    }
}

/// How a setting's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Text never printed: `classtrack config` shows `***`.
    Secret,
    /// A URL whose password, if any, is never printed.
    DatabaseUrl,
    Path,
    /// A whole number (at least 1).
    Count,
    /// A duration such as `15m`, `200ms` or `7d` (humantime).
    Duration,
    /// `true` or `false`; its flag sets [`Setting::switch`].
    Bool,
    /// Several values: an array in the file, comma-separated in the
    /// variable, a repeated flag.
    List,
}

/// A check of one value: `Err` says what is wrong with it.
pub type Check = fn(&str) -> Result<(), String>;

/// One setting.
#[derive(Debug)]
pub struct Setting {
    /// Key in `classtrack.toml`; a dot is a table (`[login_throttle]`).
    pub key: &'static str,
    pub env: &'static str,
    /// Long flag without its dashes, if it has one.
    pub flag: Option<&'static str>,
    /// For a boolean: the value its flag sets.
    pub switch: bool,
    /// The default as it would be written in the file; `None`: unset.
    pub default: Option<&'static str>,
    pub kind: Kind,
    pub commands: For,
    /// Extra check of each value beyond its kind.
    pub check: Option<Check>,
    pub help: &'static str,
}

const fn setting(key: &'static str, env: &'static str, kind: Kind, help: &'static str) -> Setting {
    Setting {
        key,
        env,
        flag: None,
        switch: true,
        default: None,
        kind,
        commands: For::Server,
        check: None,
        help,
    }
}

impl Setting {
    const fn flag(mut self, flag: &'static str) -> Self {
        self.flag = Some(flag);
        self
    }
    const fn switch(mut self, flag: &'static str, value: bool) -> Self {
        self.flag = Some(flag);
        self.switch = value;
        self
    }
    const fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }
    const fn only(mut self, commands: For) -> Self {
        self.commands = commands;
        self
    }
    const fn check(mut self, check: Check) -> Self {
        self.check = Some(check);
        self
    }
}

fn check_listen(v: &str) -> Result<(), String> {
    let ok = v
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if ok {
        Ok(())
    } else {
        Err(format!("{v:?} is not HOST:PORT such as 0.0.0.0:8443"))
    }
}

fn check_http_url(v: &str) -> Result<(), String> {
    match url::Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(format!(
            "{v:?} is not an http:// or https:// URL such as https://attend.example.edu"
        )),
    }
}

fn check_database_url(v: &str) -> Result<(), String> {
    if v.starts_with("sqlite:") || v.starts_with("mysql://") || v.starts_with("mariadb://") {
        Ok(())
    } else {
        Err("must be sqlite://FILE or mysql://USER@HOST:PORT/DATABASE".into())
    }
}

fn check_proxy(v: &str) -> Result<(), String> {
    classtrack_core::forwarded::parse_proxy(v).map(|_| ())
}

fn check_forwarded_header(v: &str) -> Result<(), String> {
    v.parse::<classtrack_core::forwarded::ForwardedHeader>()
        .map(|_| ())
}

fn check_log_format(v: &str) -> Result<(), String> {
    LogFormat::parse(v).map(|_| ())
}

fn check_log_filter(v: &str) -> Result<(), String> {
    tracing_subscriber::EnvFilter::try_new(v)
        .map(|_| ())
        .map_err(|e| format!("{v:?} is not a log filter such as info,sqlx=warn: {e}"))
}

/// Every setting, in the order `classtrack config` and
/// docs/configuration.md list them.
pub static SETTINGS: &[Setting] = &[
    setting(
        "listen",
        "CLASSTRACK_LISTEN",
        Kind::Text,
        "Address to listen on (HOST:PORT).",
    )
    .flag("listen")
    .default("127.0.0.1:8080")
    .check(check_listen),
    setting(
        "listen",
        "CLASSTRACK_LISTEN",
        Kind::Text,
        "Address the pages listen on (HOST:PORT).",
    )
    .flag("listen")
    .default("127.0.0.1:8081")
    .only(For::Web)
    .check(check_listen),
    setting(
        "public_url",
        "CLASSTRACK_PUBLIC_URL",
        Kind::Text,
        "Base URL phones use to reach this server; QR codes encode {public_url}/c/{token}. \
         Required when listening beyond loopback.",
    )
    .flag("public-url")
    .only(For::Both)
    .check(check_http_url),
    setting(
        "api_url",
        "CLASSTRACK_API_URL",
        Kind::Text,
        "The API's gRPC address, e.g. https://api.example.edu:8443 (plain http:// only on \
         this machine, or with insecure).",
    )
    .flag("api")
    .only(For::Web)
    .check(check_http_url),
    setting(
        "ca_cert",
        "CLASSTRACK_CA_CERT",
        Kind::Path,
        "PEM file of a CA trusted besides the system's roots for the API's certificate.",
    )
    .flag("ca-cert")
    .only(For::Web),
    setting(
        "insecure",
        "CLASSTRACK_INSECURE",
        Kind::Bool,
        "Allow plain http:// to an API on another host (tokens cross the network in clear).",
    )
    .switch("insecure", true)
    .default("false")
    .only(For::Web),
    setting(
        "database_url",
        "CLASSTRACK_DATABASE_URL",
        Kind::DatabaseUrl,
        "sqlite://FILE (created if missing) or mysql://USER:PASSWORD@HOST:PORT/DATABASE \
         (ssl-mode and ssl-ca as URL parameters). Its password is never printed.",
    )
    .flag("database-url")
    .default(classtrack_store::DEFAULT_SQLITE_URL)
    .check(check_database_url),
    setting(
        "database_max_connections",
        "CLASSTRACK_DATABASE_MAX_CONNECTIONS",
        Kind::Count,
        "Connections in the pool (unset: 8 on SQLite, 32 on MariaDB).",
    )
    .flag("database-max-connections"),
    setting(
        "database_acquire_timeout",
        "CLASSTRACK_DATABASE_ACQUIRE_TIMEOUT",
        Kind::Duration,
        "How long a call waits for a free connection before it is answered UNAVAILABLE.",
    )
    .flag("database-acquire-timeout")
    .default("5s"),
    setting(
        "migrate",
        "CLASSTRACK_MIGRATE",
        Kind::Bool,
        "Apply pending migrations at start. With false (--no-migrate) the server needs only \
         SELECT, INSERT, UPDATE and DELETE, and refuses to start on an old schema.",
    )
    .switch("no-migrate", false)
    .default("true"),
    setting(
        "tls_cert",
        "CLASSTRACK_TLS_CERT",
        Kind::Path,
        "PEM certificate chain: serve TLS on the port (with tls_key; read again on SIGHUP).",
    )
    .flag("tls-cert"),
    setting(
        "tls_key",
        "CLASSTRACK_TLS_KEY",
        Kind::Path,
        "PEM private key of tls_cert.",
    )
    .flag("tls-key"),
    setting(
        "trusted_proxies",
        "CLASSTRACK_TRUSTED_PROXIES",
        Kind::List,
        "Load balancers or reverse proxies in front (addresses or CIDRs) whose forwarded \
         header names the client. None by default.",
    )
    .flag("trusted-proxy")
    .default("[]")
    .only(For::Both)
    .check(check_proxy),
    setting(
        "forwarded_header",
        "CLASSTRACK_FORWARDED_HEADER",
        Kind::Text,
        "The header the trusted proxies write, x-forwarded-for or forwarded (only it is read).",
    )
    .flag("forwarded-header")
    .default("x-forwarded-for")
    .only(For::Both)
    .check(check_forwarded_header),
    setting(
        "time_zone",
        "CLASSTRACK_TIME_ZONE",
        Kind::Text,
        "IANA time zone of the site: new courses, weekly schedules, \"today\".",
    )
    .flag("time-zone")
    .default("UTC")
    .check(classtrack_core::validate::time_zone),
    setting(
        "token_lifetime",
        "CLASSTRACK_TOKEN_LIFETIME",
        Kind::Duration,
        "How long a login lasts.",
    )
    .flag("token-lifetime")
    .default("7d"),
    setting(
        "login_cache_lifetime",
        "CLASSTRACK_LOGIN_CACHE_LIFETIME",
        Kind::Duration,
        "How long a replica trusts a verified login before looking it up again (a revocation \
         through another replica takes effect within this time).",
    )
    .flag("login-cache-lifetime")
    .default("5s"),
    setting(
        "scan_allowance",
        "CLASSTRACK_SCAN_ALLOWANCE",
        Kind::Duration,
        "How long after a valid scan a student may still log in and be checked in.",
    )
    .flag("scan-allowance")
    .default("5m"),
    setting(
        "live_poll_interval",
        "CLASSTRACK_LIVE_POLL_INTERVAL",
        Kind::Duration,
        "How often a replica looks for roll changes made through other replicas.",
    )
    .flag("live-poll-interval")
    .default("200ms"),
    setting(
        "finalize_interval",
        "CLASSTRACK_FINALIZE_INTERVAL",
        Kind::Duration,
        "How often ended sessions are closed and their absences recorded.",
    )
    .flag("finalize-interval")
    .default("15s"),
    setting(
        "login_throttle.window",
        "CLASSTRACK_LOGIN_THROTTLE_WINDOW",
        Kind::Duration,
        "How long a failed login counts (docs/security.md).",
    )
    .flag("login-throttle-window")
    .default("15m"),
    setting(
        "login_throttle.free_failures",
        "CLASSTRACK_LOGIN_THROTTLE_FREE_FAILURES",
        Kind::Count,
        "Failures of one account from one address before delays begin.",
    )
    .flag("login-throttle-free-failures")
    .default("5"),
    setting(
        "login_throttle.first_delay",
        "CLASSTRACK_LOGIN_THROTTLE_FIRST_DELAY",
        Kind::Duration,
        "The first delay; it doubles with each further failure.",
    )
    .flag("login-throttle-first-delay")
    .default("1s"),
    setting(
        "login_throttle.max_delay",
        "CLASSTRACK_LOGIN_THROTTLE_MAX_DELAY",
        Kind::Duration,
        "The longest delay.",
    )
    .flag("login-throttle-max-delay")
    .default("5m"),
    setting(
        "login_throttle.max_failures_per_account",
        "CLASSTRACK_LOGIN_THROTTLE_MAX_FAILURES_PER_ACCOUNT",
        Kind::Count,
        "Failures of one account from all addresses within the window before it waits the \
         longest delay.",
    )
    .flag("login-throttle-max-failures-per-account")
    .default("50"),
    setting(
        "login_throttle.max_failures_per_address",
        "CLASSTRACK_LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS",
        Kind::Count,
        "Failures from one address for all accounts within the window (a lecture hall \
         behind one NAT is hundreds of students).",
    )
    .flag("login-throttle-max-failures-per-address")
    .default("300"),
    setting(
        "admin_password",
        "CLASSTRACK_ADMIN_PASSWORD",
        Kind::Secret,
        "Password of the first administrator, used only when the database has none (else \
         one is generated and printed once). Never printed.",
    ),
    setting(
        "demo",
        "CLASSTRACK_DEMO",
        Kind::Bool,
        "Load demo data (an admin, 2 professors, 40 students, 3 courses, this week's sessions).",
    )
    .switch("demo", true)
    .default("false"),
    setting(
        "log",
        "CLASSTRACK_LOG",
        Kind::Text,
        "What is logged, as a tracing filter.",
    )
    .flag("log")
    .default(DEFAULT_LOG)
    .only(For::Both)
    .check(check_log_filter),
    setting(
        "log_format",
        "CLASSTRACK_LOG_FORMAT",
        Kind::Text,
        "text (colours only on a terminal) or json (one object per line).",
    )
    .flag("log-format")
    .default("text")
    .only(For::Both)
    .check(check_log_format),
];

/// The default log filter.
pub const DEFAULT_LOG: &str = "info,sqlx=warn,h2=warn,hyper=warn,tower=warn";

/// The settings of one command.
pub fn settings_of(command: For) -> impl Iterator<Item = &'static Setting> {
    SETTINGS
        .iter()
        .filter(move |s| s.commands.includes(command))
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    fn parse(v: &str) -> Result<Self, String> {
        match v {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!("{v:?} is neither text nor json")),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Env(var) => f.write_str(var),
            Source::Flag(flag) => write!(f, "--{flag}"),
        }
    }
}

/// The flags of a command's settings, as given (see [`Flags::args`]).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    values: BTreeMap<&'static str, Vec<String>>,
}

impl Flags {
    /// Adds the command's setting flags to a clap command.
    pub fn args(cmd: clap::Command, command: For) -> clap::Command {
        cmd.args(settings_of(command).filter_map(|s| {
            let flag = s.flag?;
            let mut help = s.help.to_string();
            help.push_str(&format!(" [config: {}] [env: {}]", s.key, s.env));
            if let Some(d) = s.default.filter(|_| s.kind != Kind::Bool) {
                help.push_str(&format!(" [default: {d}]"));
            }
            let arg = Arg::new(s.key).long(flag).help(help);
            Some(match s.kind {
                Kind::Bool => arg.action(ArgAction::SetTrue),
                Kind::List => arg.action(ArgAction::Append).value_name("CIDR"),
                kind => arg.action(ArgAction::Set).value_name(match kind {
                    Kind::Path => "FILE",
                    Kind::Count => "N",
                    Kind::Duration => "DURATION",
                    Kind::DatabaseUrl => "URL",
                    _ => "VALUE",
                }),
            })
        }))
    }

    /// Reads the flags [`Flags::args`] added.
    pub fn from_matches(m: &ArgMatches, command: For) -> Self {
        let mut values = BTreeMap::new();
        for s in settings_of(command).filter(|s| s.flag.is_some()) {
            if m.value_source(s.key) != Some(ValueSource::CommandLine) {
                continue;
            }
            let given: Vec<String> = match s.kind {
                Kind::Bool => vec![s.switch.to_string()],
                _ => m
                    .get_many::<String>(s.key)
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default(),
            };
            values.insert(s.key, given);
        }
        Self { values }
    }

    /// Sets a flag as if given on the command line (tests).
    pub fn with(mut self, key: &'static str, values: &[&str]) -> Self {
        self.values
            .insert(key, values.iter().map(|v| v.to_string()).collect());
        self
    }
}

/// One resolved value.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub setting: &'static Setting,
    /// One element for a scalar; `None` when unset.
    pub value: Option<Vec<String>>,
    pub source: Source,
}

/// The effective configuration of a command.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub values: Vec<Resolved>,
}

impl Config {
    /// Layers defaults < `file` < environment (read through `env`) < flags,
    /// checking every value.
    pub fn resolve(
        command: For,
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: &Flags,
    ) -> anyhow::Result<Self> {
        let mut from_file = match file {
            Some(path) => read_file(path, command)?,
            None => BTreeMap::new(),
        };
        let mut values = Vec::new();
        for s in settings_of(command) {
            let (value, source) = if let Some(v) = flags.values.get(s.key) {
                (Some(v.clone()), Source::Flag(s.flag.unwrap_or(s.key)))
            } else if let Some(v) = env(s.env).filter(|v| !v.is_empty()) {
                (Some(split_env(s, &v)), Source::Env(s.env))
            } else if let Some(v) = from_file.remove(s.key) {
                let path = file.map(Path::to_path_buf).unwrap_or_default();
                (Some(v), Source::File(path))
            } else {
                let value = s.default.map(|d| match s.kind {
                    Kind::List => Vec::new(),
                    _ => vec![d.to_string()],
                });
                (value, Source::Default)
            };
            if let Some(v) = &value {
                check(s, v).map_err(|e| anyhow!("{}: {e}", where_(s, &source)))?;
            }
            values.push(Resolved {
                setting: s,
                value,
                source,
            });
        }
        Ok(Self {
            file: file.map(Path::to_path_buf),
            values,
        })
    }

    /// From the process's environment and `CLASSTRACK_CONFIG` / `--config`.
    pub fn load(command: For, file: Option<&Path>, flags: &Flags) -> anyhow::Result<Self> {
        Self::resolve(command, file, |var| std::env::var(var).ok(), flags)
    }

    fn get(&self, key: &str) -> Option<&Resolved> {
        self.values.iter().find(|r| r.setting.key == key)
    }

    /// A scalar setting's text, if set.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|r| r.value.as_ref())
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn required(&self, key: &str) -> anyhow::Result<&str> {
        self.text(key)
            .ok_or_else(|| anyhow!("{key} is not set (nor {})", self.env_of(key)))
    }

    fn env_of(&self, key: &str) -> &'static str {
        self.get(key).map_or("", |r| r.setting.env)
    }

    pub fn string(&self, key: &str) -> anyhow::Result<String> {
        self.required(key).map(str::to_string)
    }

    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.text(key).map(PathBuf::from)
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(|r| r.value.clone())
            .unwrap_or_default()
    }

    pub fn duration(&self, key: &str) -> anyhow::Result<Duration> {
        parse_duration(self.required(key)?).map_err(|e| anyhow!("{key}: {e}"))
    }

    pub fn count(&self, key: &str) -> anyhow::Result<Option<u32>> {
        self.text(key)
            .map(|v| parse_count(v).map_err(|e| anyhow!("{key}: {e}")))
            .transpose()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.text(key) == Some("true")
    }

    pub fn log_format(&self) -> LogFormat {
        self.text("log_format")
            .and_then(|v| LogFormat::parse(v).ok())
            .unwrap_or(LogFormat::Text)
    }

    /// The configuration as TOML, secrets redacted, each value followed by
    /// where it came from.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match &self.file {
            Some(path) => out.push_str(&format!("# configuration file: {}\n", path.display())),
            None => out.push_str("# no configuration file (--config or CLASSTRACK_CONFIG)\n"),
        }
        let mut lines = Vec::new();
        for r in &self.values {
            let left = match &r.value {
                None => format!("# {} is not set", r.setting.key),
                Some(v) => format!("{} = {}", r.setting.key, shown(r.setting, v)),
            };
            lines.push((left, r.source.to_string()));
        }
        let width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        for (left, source) in lines {
            out.push_str(&format!("{left:width$}  # {source}\n"));
        }
        out
    }
}

fn shown(s: &Setting, v: &[String]) -> String {
    let quote = |t: &str| toml::Value::String(t.to_string()).to_string();
    match s.kind {
        Kind::Secret => quote("***"),
        Kind::DatabaseUrl => quote(&crate::server::redact(v.first().map_or("", String::as_str))),
        Kind::List => format!(
            "[{}]",
            v.iter().map(|t| quote(t)).collect::<Vec<_>>().join(", ")
        ),
        Kind::Count | Kind::Bool => v.first().cloned().unwrap_or_default(),
        _ => quote(v.first().map_or("", String::as_str)),
    }
}

/// Where a setting's value came from, for an error message.
fn where_(s: &Setting, source: &Source) -> String {
    match source {
        Source::Default => format!("the default of {}", s.key),
        Source::File(path) => format!("{}: key {}", path.display(), s.key),
        Source::Env(var) => var.to_string(),
        Source::Flag(flag) => format!("--{flag}"),
    }
}

fn split_env(s: &Setting, v: &str) -> Vec<String> {
    match s.kind {
        Kind::List => v
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        _ => vec![v.to_string()],
    }
}

fn parse_duration(v: &str) -> Result<Duration, String> {
    humantime::parse_duration(v)
        .map_err(|e| format!("{v:?} is not a duration such as 15m, 200ms or 7d ({e})"))
}

fn parse_count(v: &str) -> Result<u32, String> {
    match v.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{v:?} is not a whole number of at least 1")),
    }
}

fn check(s: &Setting, v: &[String]) -> Result<(), String> {
    for item in v {
        match s.kind {
            Kind::Duration => {
                parse_duration(item)?;
            }
            Kind::Count => {
                parse_count(item)?;
            }
            Kind::Bool if item != "true" && item != "false" => {
                return Err(format!("{item:?} is neither true nor false"));
            }
            _ => {}
        }
        if let Some(check) = s.check {
            check(item)?;
        }
    }
    Ok(())
}

/// Reads a configuration file into raw values per key, checking that every
/// key is known and of the right type.
fn read_file(path: &Path, command: For) -> anyhow::Result<BTreeMap<&'static str, Vec<String>>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let at = line.map_or(String::new(), |l| format!(" (line {l})"));
        anyhow!(
            "{}{at}: not valid TOML: {}",
            path.display(),
            e.message().trim().replace('\n', "; ")
        )
    })?;
    let mut flat = Vec::new();
    flatten("", &table, &mut flat);
    let mut values = BTreeMap::new();
    for (key, value) in flat {
        let Some(s) = SETTINGS.iter().find(|s| s.key == key) else {
            bail!(
                "{}: unknown key {key} (the keys are listed in docs/configuration.md; \
                 `classtrack config` shows them)",
                path.display()
            );
        };
        // A key of another command (e.g. api_url for `serve`) is ignored, so
        // that one file can serve both.
        let Some(s) = settings_of(command).find(|s| s.key == key) else {
            let _ = s;
            continue;
        };
        let raw = from_toml(s, value).map_err(|e| anyhow!("{}: key {key}: {e}", path.display()))?;
        values.insert(s.key, raw);
    }
    Ok(values)
}

fn flatten<'a>(prefix: &str, table: &'a toml::Table, out: &mut Vec<(String, &'a toml::Value)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            v => out.push((key, v)),
        }
    }
}

fn from_toml(s: &Setting, value: &toml::Value) -> Result<Vec<String>, String> {
    let found = value.type_str();
    match (s.kind, value) {
        (Kind::Count, toml::Value::Integer(n)) => Ok(vec![n.to_string()]),
        (Kind::Count, _) => Err(format!("expected a whole number, found a {found}")),
        (Kind::Bool, toml::Value::Boolean(b)) => Ok(vec![b.to_string()]),
        (Kind::Bool, _) => Err(format!("expected true or false, found a {found}")),
        (Kind::List, toml::Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(t) => Ok(t.clone()),
                other => Err(format!(
                    "expected an array of strings, found a {} in it",
                    other.type_str()
                )),
            })
            .collect(),
        (Kind::List, _) => Err(format!(
            "expected an array of strings such as [\"10.0.0.0/8\"], found a {found}"
        )),
        (Kind::Duration, toml::Value::String(t)) => Ok(vec![t.clone()]),
        (Kind::Duration, _) => Err(format!(
            "expected a duration in a string such as \"15m\", found a {found}"
        )),
        (_, toml::Value::String(t)) => Ok(vec![t.clone()]),
        (_, _) => Err(format!("expected a string, found a {found}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile_dir::Dir, PathBuf) {
        let dir = tempfile_dir::Dir::new();
        let path = dir.0.join("classtrack.toml");
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    /// A directory removed when dropped.
    mod tempfile_dir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                let n: u64 = rand::random();
                let p = std::env::temp_dir().join(format!("classtrack-config-{n:016x}"));
                std::fs::create_dir_all(&p).expect("dir");
                Dir(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn resolve(path: Option<&Path>, env: &[(&str, &str)], flags: &Flags) -> anyhow::Result<Config> {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::resolve(For::Server, path, |k| env.get(k).cloned(), flags)
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_file_which_beats_the_default() {
        let (_dir, path) = file(
            "listen = \"0.0.0.0:8443\"\npublic_url = \"https://file.example\"\n\
             time_zone = \"Europe/Paris\"\n[login_throttle]\nmax_delay = \"10m\"\n",
        );
        let env = [
            ("CLASSTRACK_PUBLIC_URL", "https://env.example"),
            ("CLASSTRACK_TIME_ZONE", "Africa/Casablanca"),
        ];
        let flags = Flags::default().with("time_zone", &["Europe/Brussels"]);
        let c = resolve(Some(&path), &env, &flags).expect("resolves");
        assert_eq!(c.text("listen"), Some("0.0.0.0:8443"));
        assert_eq!(c.text("public_url"), Some("https://env.example"));
        assert_eq!(c.text("time_zone"), Some("Europe/Brussels"));
        assert_eq!(c.text("forwarded_header"), Some("x-forwarded-for"));
        assert_eq!(
            c.duration("login_throttle.max_delay").expect("duration"),
            Duration::from_secs(600)
        );
        let source = |key: &str| c.get(key).expect(key).source.clone();
        assert_eq!(source("listen"), Source::File(path.clone()));
        assert_eq!(source("public_url"), Source::Env("CLASSTRACK_PUBLIC_URL"));
        assert_eq!(source("time_zone"), Source::Flag("time-zone"));
        assert_eq!(source("token_lifetime"), Source::Default);
        assert_eq!(
            c.duration("token_lifetime").expect("duration"),
            Duration::from_secs(7 * 24 * 3600)
        );
    }

    #[test]
    fn lists_come_from_an_array_a_comma_list_or_repeated_flags() {
        let (_dir, path) = file("trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\n");
        let c = resolve(Some(&path), &[], &Flags::default()).expect("file");
        assert_eq!(c.list("trusted_proxies"), ["10.0.0.0/8", "192.0.2.7"]);
        let env = [("CLASSTRACK_TRUSTED_PROXIES", "10.1.0.0/16, 10.2.0.1")];
        let c = resolve(Some(&path), &env, &Flags::default()).expect("env");
        assert_eq!(c.list("trusted_proxies"), ["10.1.0.0/16", "10.2.0.1"]);
        let flags = Flags::default().with("trusted_proxies", &["127.0.0.1"]);
        let c = resolve(Some(&path), &env, &flags).expect("flags");
        assert_eq!(c.list("trusted_proxies"), ["127.0.0.1"]);
        let c = resolve(None, &[], &Flags::default()).expect("default");
        assert!(c.list("trusted_proxies").is_empty());
    }

    #[test]
    fn an_unknown_key_names_itself_and_the_file() {
        let (_dir, path) = file("listen = \"127.0.0.1:1\"\n[login_throttle]\nmax_dealy = \"1m\"\n");
        let e = resolve(Some(&path), &[], &Flags::default()).expect_err("typo");
        let e = e.to_string();
        assert!(e.contains("unknown key login_throttle.max_dealy"), "{e}");
        assert!(e.contains(&path.display().to_string()), "{e}");
    }

    #[test]
    fn a_wrong_type_names_the_key_the_file_and_what_was_expected() {
        for (text, key, expected) in [
            (
                "database_max_connections = \"many\"",
                "database_max_connections",
                "whole number",
            ),
            (
                "token_lifetime = 3600",
                "token_lifetime",
                "duration in a string",
            ),
            ("migrate = \"no\"", "migrate", "true or false"),
            (
                "trusted_proxies = \"10.0.0.0/8\"",
                "trusted_proxies",
                "array of strings",
            ),
            ("listen = 8080", "listen", "expected a string"),
        ] {
            let (_dir, path) = file(text);
            let e = resolve(Some(&path), &[], &Flags::default())
                .expect_err(text)
                .to_string();
            assert!(e.contains(&format!("key {key}")), "{text}: {e}");
            assert!(e.contains(expected), "{text}: {e}");
            assert!(e.contains(&path.display().to_string()), "{text}: {e}");
        }
    }

    #[test]
    fn a_bad_value_names_where_it_came_from() {
        let (_dir, path) = file("trusted_proxies = [\"10.0.0/8\"]\n");
        let e = resolve(Some(&path), &[], &Flags::default())
            .expect_err("cidr")
            .to_string();
        assert!(
            e.contains("key trusted_proxies") && e.contains("10.0.0/8"),
            "{e}"
        );
        let env = [("CLASSTRACK_LOGIN_THROTTLE_WINDOW", "fifteen minutes")];
        let e = resolve(None, &env, &Flags::default())
            .expect_err("duration")
            .to_string();
        assert!(e.starts_with("CLASSTRACK_LOGIN_THROTTLE_WINDOW: "), "{e}");
        let flags = Flags::default().with("time_zone", &["Mars/Olympus"]);
        let e = resolve(None, &[], &flags).expect_err("zone").to_string();
        assert!(
            e.starts_with("--time-zone: ") && e.contains("Mars/Olympus"),
            "{e}"
        );
        let flags = Flags::default().with("database_max_connections", &["0"]);
        let e = resolve(None, &[], &flags).expect_err("zero").to_string();
        assert!(e.contains("at least 1"), "{e}");
    }

    #[test]
    fn an_unreadable_or_malformed_file_is_an_error_naming_it() {
        let dir = tempfile_dir::Dir::new();
        let missing = dir.0.join("missing.toml");
        let e = resolve(Some(&missing), &[], &Flags::default()).expect_err("missing");
        assert!(format!("{e:#}").contains("missing.toml"), "{e:#}");
        let (_dir, path) = file("listen = \"127.0.0.1:1\"\npublic_url = \n");
        let e = resolve(Some(&path), &[], &Flags::default())
            .expect_err("toml")
            .to_string();
        assert!(
            e.contains("(line 2)") && e.contains("not valid TOML"),
            "{e}"
        );
        assert!(!e.contains('\n'), "one line: {e}");
    }

    #[test]
    fn secrets_are_never_rendered() {
        let (_dir, path) = file(
            "database_url = \"mysql://ct:s3cret-db@db.example:3306/ct\"\n\
             admin_password = \"s3cret-admin\"\n",
        );
        let c = resolve(Some(&path), &[], &Flags::default()).expect("resolves");
        let shown = c.render();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("mysql://ct:***@db.example:3306/ct"),
            "{shown}"
        );
        assert!(shown.contains("admin_password = \"***\""), "{shown}");
        // The rendering is itself a configuration file.
        let rendered: toml::Table = shown.parse().expect("TOML");
        assert!(rendered.contains_key("listen"));
    }

    #[test]
    fn a_key_of_the_other_command_is_accepted_and_left_alone() {
        let (_dir, path) = file("api_url = \"https://api.example:8443\"\n");
        let c = resolve(Some(&path), &[], &Flags::default()).expect("server ignores api_url");
        assert!(c.text("api_url").is_none());
        let c = Config::resolve(For::Web, Some(&path), no_env, &Flags::default()).expect("web");
        assert_eq!(c.text("api_url"), Some("https://api.example:8443"));
        assert_eq!(c.text("listen"), Some("127.0.0.1:8081"));
    }

    #[test]
    fn every_default_passes_its_own_checks() {
        for command in [For::Server, For::Web] {
            Config::resolve(command, None, no_env, &Flags::default()).expect("defaults");
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in SETTINGS {
            assert!(s.env.starts_with("CLASSTRACK_"), "{}", s.key);
            for command in [For::Server, For::Web] {
                if s.commands.includes(command) {
                    assert!(seen.insert((s.key, command == For::Web)), "{} twice", s.key);
                }
            }
        }
    }
}

/// The table of docs/configuration.md, one row per setting.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Key | Default | Variable | Flag | Commands | What it does |\n\
         |-----|---------|----------|------|----------|--------------|\n",
    );
    for s in SETTINGS {
        let default = match (s.default, s.kind) {
            (None, _) => "unset".to_string(),
            (Some(d), Kind::List | Kind::Bool | Kind::Count) => format!("`{d}`"),
            (Some(d), _) => format!("`\"{d}\"`"),
        };
        let flag = match (s.flag, s.kind) {
            (None, _) => "—".to_string(),
            (Some(f), Kind::Bool) => format!("`--{f}`"),
            (Some(f), Kind::List) => format!("`--{f}` (repeatable)"),
            (Some(f), _) => format!("`--{f}`"),
        };
        let commands = match s.commands {
            For::Server => "serve, api",
            For::Web => "web",
            For::Both => "serve, api, web",
        };
        out.push_str(&format!(
            "| `{}` | {default} | `{}` | {flag} | {commands} | {} |\n",
            s.key,
            s.env,
            s.help.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod docs {
    #[test]
    fn docs_configuration_md_lists_every_setting_as_the_code_has_it() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
        let page = std::fs::read_to_string(path).expect("docs/configuration.md");
        let table = super::markdown_table();
        assert!(
            page.contains(&table),
            "docs/configuration.md's table of settings differs from config::SETTINGS; \
             the table should read:\n\n{table}"
        );
    }
}
