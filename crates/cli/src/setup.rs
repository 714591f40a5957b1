//! From the checked settings ([`Config`]) to what the servers are started
//! with: [`server_config`] builds the whole [`ServerConfig`] (the API's
//! settings, the login throttle, the LDAP directory, the OpenID providers,
//! TLS files), and fails naming the setting that is wrong before anything
//! starts. `classtrack config` runs it too, as a check of a configuration.

use std::sync::Arc;

use anyhow::Context;
use classtrack_api::{ApiConfig, LoginThrottle};

use crate::config::Config;
use crate::server::{self, ServerConfig, Tier};

/// A whole-number setting that has a default.
fn number(c: &Config, key: &str) -> anyhow::Result<i64> {
    c.count(key)?
        .map(i64::from)
        .with_context(|| format!("{key} is not set"))
}

/// The proxies whose forwarded header is believed (`trusted_proxies`).
pub fn trusted_proxies(c: &Config) -> anyhow::Result<Vec<ipnet::IpNet>> {
    c.list("trusted_proxies")
        .iter()
        .map(|p| classtrack_core::forwarded::parse_proxy(p).map_err(anyhow::Error::msg))
        .collect()
}

/// Which forwarded header those proxies set (`forwarded_header`).
pub fn forwarded_header(c: &Config) -> anyhow::Result<classtrack_core::forwarded::ForwardedHeader> {
    c.string("forwarded_header")?
        .parse()
        .map_err(anyhow::Error::msg)
}

fn login_throttle(c: &Config) -> anyhow::Result<LoginThrottle> {
    let throttle = LoginThrottle {
        window: c.duration("login_throttle.window")?,
        free_failures_per_pair: number(c, "login_throttle.free_failures")?,
        first_delay: c.duration("login_throttle.first_delay")?,
        max_delay: c.duration("login_throttle.max_delay")?,
        max_failures_per_account: number(c, "login_throttle.max_failures_per_account")?,
        max_failures_per_address: number(c, "login_throttle.max_failures_per_address")?,
    };
    if throttle.first_delay > throttle.max_delay {
        anyhow::bail!(
            "login_throttle.first_delay ({:?}) is longer than login_throttle.max_delay ({:?})",
            throttle.first_delay,
            throttle.max_delay
        );
    }
    Ok(throttle)
}

/// The LDAP directory, when `ldap.url` is set, checked before anything starts.
fn directory(c: &Config) -> anyhow::Result<Option<Arc<classtrack_api::directory::Directory>>> {
    use classtrack_api::directory::{Directory, LdapSettings};
    let Some(url) = c.text("ldap.url") else {
        return Ok(None);
    };
    let bind_password = match (
        c.text("ldap.bind_password"),
        c.path("ldap.bind_password_file"),
    ) {
        (Some(_), Some(_)) => {
            anyhow::bail!("ldap.bind_password and ldap.bind_password_file are both set: give one")
        }
        (Some(p), None) => p.to_string(),
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("ldap.bind_password_file {}: {e}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        (None, None) => anyhow::bail!(
            "ldap.url is set but the service account has no password: set \
             ldap.bind_password_file (or CLASSTRACK_LDAP_BIND_PASSWORD)"
        ),
    };
    let optional = |key: &str| c.text(key).map(str::to_string);
    let settings = LdapSettings {
        url: url.to_string(),
        starttls: c.flag("ldap.starttls"),
        allow_plaintext: c.flag("ldap.allow_plaintext"),
        ca_file: c.path("ldap.ca_file"),
        bind_dn: optional("ldap.bind_dn").unwrap_or_default(),
        bind_password,
        user_base: optional("ldap.user_base").unwrap_or_default(),
        user_filter: c.string("ldap.user_filter")?,
        id_attribute: c.string("ldap.id_attribute")?,
        username_attribute: c.string("ldap.username_attribute")?,
        display_name_attribute: c.string("ldap.display_name_attribute")?,
        email_attribute: c.string("ldap.email_attribute")?,
        student_number_attribute: optional("ldap.student_number_attribute"),
        group_base: optional("ldap.group_base"),
        group_filter: c.string("ldap.group_filter")?,
        admin_groups: c.list("ldap.admin_groups"),
        professor_groups: c.list("ldap.professor_groups"),
        provision: c.flag("ldap.provision"),
        timeout: c.duration("ldap.timeout")?,
    };
    Ok(Some(Arc::new(
        Directory::new(settings).map_err(anyhow::Error::msg)?,
    )))
}

/// The `[[oidc]]` providers, checked before anything starts (their
/// discovery is not: a provider away at start does not stop the server).
fn oidc_providers(
    c: &Config,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<Arc<classtrack_api::oidc::OidcProvider>>> {
    use classtrack_api::oidc::{OidcProvider, OidcSettings};
    c.oidc
        .iter()
        .map(|e| {
            let timeout = humantime::parse_duration(&e.timeout)
                .map_err(|err| anyhow::anyhow!("oidc provider {:?}: timeout: {err}", e.name))?;
            let settings = OidcSettings {
                name: e.name.clone(),
                label: e.label.clone(),
                issuer: e.issuer.clone(),
                client_id: e.client_id.clone(),
                client_secret: e.client_secret(&env)?,
                scopes: e.scopes.clone(),
                username_claim: e.username_claim.clone(),
                display_name_claim: e.display_name_claim.clone(),
                email_claim: e.email_claim.clone(),
                student_number_claim: e.student_number_claim.clone(),
                groups_claim: e.groups_claim.clone(),
                admin_groups: e.admin_groups.clone(),
                professor_groups: e.professor_groups.clone(),
                roles_from_groups: e.roles_from_groups,
                provision: e.provision,
                timeout,
            };
            Ok(Arc::new(
                OidcProvider::new(settings).map_err(anyhow::Error::msg)?,
            ))
        })
        .collect()
}

fn tls_files(c: &Config) -> anyhow::Result<Option<crate::tls::TlsFiles>> {
    match (c.path("tls_cert"), c.path("tls_key")) {
        (Some(cert), Some(key)) => Ok(Some(crate::tls::TlsFiles { cert, key })),
        (None, None) => Ok(None),
        (Some(_), None) => anyhow::bail!("tls_cert is set but tls_key is not: give both"),
        (None, Some(_)) => anyhow::bail!("tls_key is set but tls_cert is not: give both"),
    }
}

fn api_config(c: &Config, tls: bool) -> anyhow::Result<ApiConfig> {
    let listen = c.string("listen")?;
    let public_url = match c.text("public_url") {
        Some(url) => url.to_string(),
        None => server::default_public_url(&listen, tls)?,
    };
    Ok(ApiConfig {
        public_url: public_url.trim_end_matches('/').to_string(),
        default_time_zone: c.string("time_zone")?,
        default_locale: c.string("default_locale")?,
        trusted_proxies: trusted_proxies(c)?,
        forwarded_header: forwarded_header(c)?,
        token_ttl: c.duration("token_lifetime")?,
        login_cache_ttl: c.duration("login_cache_lifetime")?,
        scan_allowance: c.duration("scan_allowance")?,
        live_poll_interval: c.duration("live_poll_interval")?,
        finalize_interval: c.duration("finalize_interval")?,
        login_throttle: login_throttle(c)?,
        directory: directory(c)?,
        oidc: oidc_providers(c, |v| std::env::var(v).ok())?,
        retry: classtrack_store::retry::RetryPolicy {
            retries: number(c, "database_retries")?.try_into().unwrap_or(4),
            ..Default::default()
        },
        ..ApiConfig::default()
    })
}

/// The whole server configuration, checked, before anything starts.
pub fn server_config(c: &Config, tier: Tier) -> anyhow::Result<ServerConfig> {
    let tls = tls_files(c)?;
    Ok(ServerConfig {
        listen: c.string("listen")?,
        metrics_listen: c.text("metrics_listen").map(str::to_string),
        database_url: c.string("database_url")?,
        migrate: c.flag("migrate"),
        pool: classtrack_store::PoolOptions {
            max_connections: c.count("database_max_connections")?,
            acquire_timeout: c.duration("database_acquire_timeout")?,
            statement_timeout: Some(c.duration("database_statement_timeout")?)
                .filter(|t| !t.is_zero()),
        },
        api: api_config(c, tls.is_some())?,
        tier,
        admin_password: c.text("admin_password").map(str::to_string),
        demo: c.flag("demo"),
        announce: true,
        tls,
    })
}
