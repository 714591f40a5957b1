//! How every ClassTrack client reaches the API: the CLI (`login --server`),
//! the web tier run apart (`classtrack web --api`) and the bench
//! (`bench --target`). [`endpoint`] turns a URL, an optional CA file and the
//! `--insecure` flag into a tonic [`Endpoint`] under one set of rules, and
//! [`connect`] opens it (TCP and the TLS handshake, before any request) with
//! an error that says what failed.
//!
//! It lives in `classtrack-proto` because that is the one crate all three
//! clients already depend on — the web and bench crates may not depend on the
//! `classtrack` binary's crate — and it already brings tonic. The only new
//! dependency is rustls, which tonic's TLS uses anyway: to check a CA file
//! and to name a certificate error found in a failure's source chain.
//!
//! The rules:
//! - `https://`: TLS, trusting the system's roots plus the certificates of
//!   `ca_cert` (PEM). The server's certificate is always verified: nothing,
//!   `insecure` included, turns that off, so a credential never goes to an
//!   `https://` server whose certificate failed.
//! - `http://` to loopback (127.0.0.0/8, ::1, `localhost`): allowed.
//! - `http://` to any other host: refused before connecting unless
//!   `insecure` — passwords and tokens would cross the network in clear text.
//! - `ca_cert` with `http://`: refused (a CA file means TLS was meant).

use std::error::Error as StdError;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

/// Why a client could not be set up or could not connect, in plain words.
#[derive(Debug)]
pub struct ConnectError {
    message: String,
    source: Option<tonic::transport::Error>,
}

impl ConnectError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// The plain-words message (without the underlying transport error).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// Where a client connects and with which TLS settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// `https://host:port` or `http://host:port`.
    pub url: String,
    /// A PEM file of CA certificates to trust besides the system's roots.
    pub ca_cert: Option<PathBuf>,
    /// Allow plain `http://` to a host other than loopback.
    pub insecure: bool,
}

impl Target {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    pub fn endpoint(&self) -> Result<Endpoint, ConnectError> {
        endpoint(&self.url, self.ca_cert.as_deref(), self.insecure)
    }

    /// Builds the endpoint and connects to it (handshake included).
    pub async fn connect(&self) -> Result<Channel, ConnectError> {
        connect(&self.url, &self.endpoint()?).await
    }
}

/// Whether `host` (as in a URL, IPv6 in brackets or not) is this machine.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// A tonic endpoint for `url` under the rules of this module; nothing is
/// connected yet. A 10 s connect timeout is set (callers may change it).
pub fn endpoint(
    url: &str,
    ca_cert: Option<&Path>,
    insecure: bool,
) -> Result<Endpoint, ConnectError> {
    let not_a_url = || {
        ConnectError::new(format!(
            "{url:?} is not a server URL such as https://attend.example.edu or http://127.0.0.1:8080"
        ))
    };
    let endpoint = Endpoint::from_shared(url.to_string()).map_err(|_| not_a_url())?;
    let uri = endpoint.uri().clone();
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(not_a_url)?;
    let endpoint = endpoint.connect_timeout(Duration::from_secs(10));
    match uri.scheme_str() {
        Some("https") => {
            let ca = match ca_cert {
                Some(path) => Some(read_ca(path)?),
                None => None,
            };
            tls(endpoint, ca, host)
        }
        Some("http") => {
            if let Some(path) = ca_cert {
                return Err(ConnectError::new(format!(
                    "--ca-cert {} is for TLS, but {url} is plain http://: use https://",
                    path.display()
                )));
            }
            if !insecure && !is_loopback(host) {
                return Err(ConnectError::new(format!(
                    "{url} is plain http:// to another machine: passwords and tokens would \
                     cross the network in clear text. Use https:// (the server's --tls-cert), \
                     or give --insecure if the network is private"
                )));
            }
            Ok(endpoint)
        }
        _ => Err(not_a_url()),
    }
}

/// Reads a PEM file of CA certificates; an error names the file.
fn read_ca(path: &Path) -> Result<Certificate, ConnectError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let pem = std::fs::read(path).map_err(|e| {
        ConnectError::new(format!("--ca-cert {}: cannot read it: {e}", path.display()))
    })?;
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        if let Err(e) = cert {
            return Err(ConnectError::new(format!(
                "--ca-cert {}: not a PEM certificate file: {e}",
                path.display()
            )));
        }
        count += 1;
    }
    if count == 0 {
        return Err(ConnectError::new(format!(
            "--ca-cert {}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(Certificate::from_pem(pem))
}

fn tls(endpoint: Endpoint, ca: Option<Certificate>, host: &str) -> Result<Endpoint, ConnectError> {
    let config = |native: bool| {
        let mut config =
            ClientTlsConfig::new().domain_name(host.trim_start_matches('[').trim_end_matches(']'));
        if native {
            config = config.with_native_roots();
        }
        if let Some(ca) = &ca {
            config = config.ca_certificate(ca.clone());
        }
        config
    };
    match endpoint.clone().tls_config(config(true)) {
        Ok(endpoint) => Ok(endpoint),
        // A machine without system roots (a bare container) can still
        // trust the CA it was given.
        Err(_) if ca.is_some() => endpoint
            .tls_config(config(false))
            .map_err(|e| ConnectError {
                message: "cannot set up TLS".into(),
                source: Some(e),
            }),
        Err(e) => Err(ConnectError {
            message: "cannot set up TLS: this machine has no system CA certificates; \
                      give --ca-cert with the CA that signed the server's certificate"
                .into(),
            source: Some(e),
        }),
    }
}

/// Connects `endpoint` (for `url`): the TCP connection and, for https, the
/// TLS handshake happen here, before any request is sent.
pub async fn connect(url: &str, endpoint: &Endpoint) -> Result<Channel, ConnectError> {
    endpoint
        .connect()
        .await
        .map_err(|e| connect_failed(url, endpoint.uri().host().unwrap_or(url), e))
}

fn connect_failed(url: &str, host: &str, e: tonic::transport::Error) -> ConnectError {
    match tls_failure(&e, Some(host)) {
        Some(why) => ConnectError {
            message: format!("TLS with {url} failed: {why}"),
            source: None,
        },
        None => ConnectError {
            message: format!("cannot reach ClassTrack at {url}"),
            source: Some(e),
        },
    }
}

/// What failed in a TLS handshake, if `error`'s source chain holds a rustls
/// error: the three usual certificate problems in plain words, any other in
/// rustls's. `host` names the server when the error itself does not.
pub fn tls_failure(error: &(dyn StdError + 'static), host: Option<&str>) -> Option<String> {
    use rustls::{CertificateError, Error as Tls};

    let mut next: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = next {
        // io::Error's `source` skips the error it wraps: look inside it.
        let inner = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn StdError + 'static));
        let found = e
            .downcast_ref::<Tls>()
            .or_else(|| inner.and_then(|i| i.downcast_ref::<Tls>()));
        if let Some(tls) = found {
            let host = host.unwrap_or("the server").to_string();
            return Some(match tls {
                Tls::InvalidCertificate(CertificateError::UnknownIssuer) => {
                    "the server's certificate is signed by a CA this client does not trust \
                     (give --ca-cert)"
                        .into()
                }
                Tls::InvalidCertificate(CertificateError::NotValidForNameContext {
                    expected,
                    presented,
                }) => format!(
                    "the certificate is not valid for host {} (it names {})",
                    expected.to_str(),
                    if presented.is_empty() {
                        "no host".into()
                    } else {
                        presented
                            .iter()
                            .map(|p| bare_name(p))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
                Tls::InvalidCertificate(CertificateError::NotValidForName) => {
                    format!("the certificate is not valid for host {host}")
                }
                Tls::InvalidCertificate(
                    CertificateError::Expired | CertificateError::ExpiredContext { .. },
                ) => "the certificate expired".into(),
                Tls::InvalidCertificate(
                    CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
                ) => "the certificate is not valid yet (check this machine's clock)".into(),
                Tls::InvalidMessage(_) | Tls::InappropriateMessage { .. } => {
                    format!("{host} did not answer in TLS ({tls}); is it serving plain http://?")
                }
                other => format!("{other}"),
            });
        }
        next = inner.or_else(|| e.source());
    }
    None
}

/// `attend.example.edu` of rustls's `DnsName("attend.example.edu")`.
fn bare_name(presented: &str) -> &str {
    match (presented.find('"'), presented.rfind('"')) {
        (Some(start), Some(end)) if end > start => &presented[start + 1..end],
        _ => presented,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_beyond_loopback_needs_insecure() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.3.2.1",
        ] {
            assert!(endpoint(ok, None, false).is_ok(), "{ok}");
        }
        for far in ["http://10.0.0.5:8080", "http://attend.example.edu"] {
            let e = endpoint(far, None, false).expect_err(far).to_string();
            assert!(e.contains("clear text") && e.contains("--insecure"), "{e}");
            assert!(endpoint(far, None, true).is_ok(), "{far} with insecure");
        }
    }

    #[test]
    fn https_needs_no_flag_and_bad_urls_are_refused() {
        assert!(endpoint("https://attend.example.edu", None, false).is_ok());
        for bad in ["nonsense", "ftp://example.com", "", "http://"] {
            assert!(endpoint(bad, None, false).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_ca_file_must_be_pem_and_goes_with_https() {
        let dir = std::env::temp_dir().join(format!("classtrack-endpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate").expect("write");
        let e = endpoint("https://localhost:1", Some(&junk), false)
            .expect_err("junk")
            .to_string();
        assert!(
            e.contains("junk.pem") && e.contains("no PEM certificate"),
            "{e}"
        );
        let missing = dir.join("missing.pem");
        let e = endpoint("https://localhost:1", Some(&missing), false)
            .expect_err("missing")
            .to_string();
        assert!(
            e.contains("missing.pem") && e.contains("cannot read"),
            "{e}"
        );
        let e = endpoint("http://localhost:1", Some(&junk), false)
            .expect_err("http with a CA")
            .to_string();
        assert!(e.contains("use https://"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn refused_before_connecting() {
        // Nothing listens there; the refusal comes before any attempt.
        let e = Target::new("http://192.0.2.1:9")
            .connect()
            .await
            .expect_err("refused");
        assert!(e.to_string().contains("clear text"), "{e}");
    }
}
