//! The table of settings: each one's key, variable, flag, default and check.
//!
//! Over 500 lines on purpose: it is one table, a few lines per setting, read
//! top to bottom like the reference in docs/configuration.md; split by topic
//! it would lose the one place that says every setting there is.

use super::{Check, For, Kind, LogFormat, Setting};

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

pub(super) fn check_listen(v: &str) -> Result<(), String> {
    let ok = v
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if ok {
        Ok(())
    } else {
        Err(format!("{v:?} is not HOST:PORT such as 0.0.0.0:8443"))
    }
}

pub(super) fn check_http_url(v: &str) -> Result<(), String> {
    match url::Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(format!(
            "{v:?} is not an http:// or https:// URL such as https://attend.example.edu"
        )),
    }
}

pub(super) fn check_database_url(v: &str) -> Result<(), String> {
    if v.starts_with("sqlite:") || v.starts_with("mysql://") || v.starts_with("mariadb://") {
        Ok(())
    } else {
        Err("must be sqlite://FILE or mysql://USER@HOST:PORT/DATABASE".into())
    }
}

pub(super) fn check_proxy(v: &str) -> Result<(), String> {
    classtrack_core::forwarded::parse_proxy(v).map(|_| ())
}

pub(super) fn check_forwarded_header(v: &str) -> Result<(), String> {
    v.parse::<classtrack_core::forwarded::ForwardedHeader>()
        .map(|_| ())
}

pub(super) fn check_locale(v: &str) -> Result<(), String> {
    classtrack_i18n::Locale::from_tag(v)
        .map(|_| ())
        .ok_or_else(|| format!("{v:?} is not one of en, fr, ar"))
}

pub(super) fn check_log_format(v: &str) -> Result<(), String> {
    LogFormat::parse(v).map(|_| ())
}

pub(super) fn check_log_filter(v: &str) -> Result<(), String> {
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
        "metrics_listen",
        "CLASSTRACK_METRICS_LISTEN",
        Kind::Text,
        "Serve /metrics on this address (HOST:PORT) instead of on the public port, which then \
         does not serve it. Unset: /metrics is on the public port.",
    )
    .flag("metrics-listen")
    .only(For::Both)
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
         (ssl-mode and ssl-ca as URL parameters). Several hosts, HOST:PORT,HOST:PORT (a \
         Galera cluster): the first that answers is used, the next when it fails. Its \
         password is never printed.",
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
        "How long a call waits for a free connection (or for one to connect) while the pool is \
         busy before it is answered UNAVAILABLE. A database the health probe (every 250 ms) \
         finds gone is not waited for: calls are answered UNAVAILABLE at once.",
    )
    .flag("database-acquire-timeout")
    .default("5s"),
    setting(
        "database_statement_timeout",
        "CLASSTRACK_DATABASE_STATEMENT_TIMEOUT",
        Kind::Duration,
        "MariaDB stops a statement that runs longer (max_statement_time) and the call is \
         answered UNAVAILABLE; 0s for no limit. Not applied on SQLite.",
    )
    .flag("database-statement-timeout")
    .default("10s"),
    setting(
        "database_retries",
        "CLASSTRACK_DATABASE_RETRIES",
        Kind::Count,
        "How many times a write is tried again, with jittered backoff, when the database \
         asks for it (a deadlock, a Galera certification conflict, a node not ready) before \
         the call is answered UNAVAILABLE.",
    )
    .flag("database-retries")
    .default("4"),
    setting(
        "shutdown_grace",
        "CLASSTRACK_SHUTDOWN_GRACE",
        Kind::Duration,
        "On SIGTERM the replica says NOT_SERVING (and /readyz 503) at once, keeps serving \
         this long while the load balancer moves away, then ends open streams with \
         UNAVAILABLE and exits.",
    )
    .flag("shutdown-grace")
    .default("10s"),
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
        "IANA time zone of the site: new courses (the form pre-fills it), weekly schedules, \
         \"today\", and every time that belongs to no course. The process's TZ is never used.",
    )
    .flag("time-zone")
    .default("UTC")
    .only(For::Both)
    .check(site_zone),
    setting(
        "default_locale",
        "CLASSTRACK_DEFAULT_LOCALE",
        Kind::Text,
        "The site's language, en, fr or ar: pages for a browser whose Accept-Language names \
         none of them and that chose none with the switcher.",
    )
    .flag("default-locale")
    .default("en")
    .only(For::Both)
    .check(check_locale),
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
        "How often a replica looks for roll changes made through other replicas (one indexed \
         query of the roll-event log per replica): the delay a watcher on one replica sees \
         for a check-in through another is about this much more than on one replica.",
    )
    .flag("live-poll-interval")
    .default("50ms"),
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
        "ldap.url",
        "CLASSTRACK_LDAP_URL",
        Kind::Text,
        "The LDAP directory that checks passwords (docs/sso.md): ldaps://HOST:636, or \
         ldap://HOST:389 with ldap.starttls. Unset: local passwords only.",
    ),
    setting(
        "ldap.starttls",
        "CLASSTRACK_LDAP_STARTTLS",
        Kind::Bool,
        "Upgrade an ldap:// connection with StartTLS.",
    )
    .default("false"),
    setting(
        "ldap.allow_plaintext",
        "CLASSTRACK_LDAP_ALLOW_PLAINTEXT",
        Kind::Bool,
        "Allow plain ldap:// without StartTLS: passwords cross the network in clear. Only for \
         a directory on this host.",
    )
    .default("false"),
    setting(
        "ldap.ca_file",
        "CLASSTRACK_LDAP_CA_FILE",
        Kind::Path,
        "PEM file of the CA that signed the directory's certificate (default: the system's \
         roots).",
    ),
    setting(
        "ldap.bind_dn",
        "CLASSTRACK_LDAP_BIND_DN",
        Kind::Text,
        "The service account that searches for the user, e.g. \
         cn=classtrack,ou=services,dc=example,dc=edu.",
    ),
    setting(
        "ldap.bind_password",
        "CLASSTRACK_LDAP_BIND_PASSWORD",
        Kind::Secret,
        "The service account's password. Never printed; ldap.bind_password_file is better.",
    ),
    setting(
        "ldap.bind_password_file",
        "CLASSTRACK_LDAP_BIND_PASSWORD_FILE",
        Kind::Path,
        "A file holding the service account's password (its first line).",
    ),
    setting(
        "ldap.user_base",
        "CLASSTRACK_LDAP_USER_BASE",
        Kind::Text,
        "Where people are searched (subtree), e.g. ou=people,dc=example,dc=edu.",
    ),
    setting(
        "ldap.user_filter",
        "CLASSTRACK_LDAP_USER_FILTER",
        Kind::Text,
        "The search for the person logging in; {login} is what they typed (escaped).",
    )
    .default("(uid={login})"),
    setting(
        "ldap.id_attribute",
        "CLASSTRACK_LDAP_ID_ATTRIBUTE",
        Kind::Text,
        "The attribute that identifies an entry for good, even renamed (Active Directory: \
         objectGUID).",
    )
    .default("entryUUID"),
    setting(
        "ldap.username_attribute",
        "CLASSTRACK_LDAP_USERNAME_ATTRIBUTE",
        Kind::Text,
        "The attribute that is the ClassTrack username (Active Directory: sAMAccountName).",
    )
    .default("uid"),
    setting(
        "ldap.display_name_attribute",
        "CLASSTRACK_LDAP_DISPLAY_NAME_ATTRIBUTE",
        Kind::Text,
        "The attribute that is the display name.",
    )
    .default("cn"),
    setting(
        "ldap.email_attribute",
        "CLASSTRACK_LDAP_EMAIL_ATTRIBUTE",
        Kind::Text,
        "The attribute that is the email address (required in every entry).",
    )
    .default("mail"),
    setting(
        "ldap.student_number_attribute",
        "CLASSTRACK_LDAP_STUDENT_NUMBER_ATTRIBUTE",
        Kind::Text,
        "The attribute that is a student's number, e.g. employeeNumber. Unset: not read.",
    ),
    setting(
        "ldap.group_base",
        "CLASSTRACK_LDAP_GROUP_BASE",
        Kind::Text,
        "Where groups are searched (subtree). Unset: groups are not read, everyone is a \
         student.",
    ),
    setting(
        "ldap.group_filter",
        "CLASSTRACK_LDAP_GROUP_FILTER",
        Kind::Text,
        "The search for a person's groups; {dn} is their DN (escaped).",
    )
    .default("(member={dn})"),
    setting(
        "ldap.admin_groups",
        "CLASSTRACK_LDAP_ADMIN_GROUPS",
        Kind::List,
        "Groups whose members are administrators: DNs, or a first RDN such as cn=admins.",
    ),
    setting(
        "ldap.professor_groups",
        "CLASSTRACK_LDAP_PROFESSOR_GROUPS",
        Kind::List,
        "Groups whose members are professors, e.g. cn=staff. Everyone else is a student.",
    ),
    setting(
        "ldap.provision",
        "CLASSTRACK_LDAP_PROVISION",
        Kind::Bool,
        "Whether a first login creates the account. Off: it must exist with the same \
         username or email, and is linked.",
    )
    .default("false"),
    setting(
        "ldap.timeout",
        "CLASSTRACK_LDAP_TIMEOUT",
        Kind::Duration,
        "How long connecting and each directory operation may take.",
    )
    .default("5s"),
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

/// The site's zone, said in English (settings speak to the operator).
fn site_zone(value: &str) -> Result<(), String> {
    classtrack_core::validate::time_zone(value).map_err(|p| p.to_string())
}
