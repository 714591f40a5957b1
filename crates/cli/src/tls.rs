//! TLS on the server's port: a PEM certificate chain and its key, checked
//! when they are read (each file readable and well-formed, the key matching
//! the certificate, the certificate within its validity; a key file that
//! others may read is warned about), offered with ALPN `h2` and `http/1.1`
//! so gRPC, gRPC-Web and the pages share the port. The files are read again
//! on SIGHUP: a renewed certificate is used for new connections without a
//! restart, and a renewal that fails to load keeps the one in use.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Where the certificate chain and its key are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The files' server configuration, for [`axum_server`]'s acceptor.
pub fn config(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    Ok(RustlsConfig::from_config(Arc::new(server_config(files)?)))
}

/// Reads the files again on every SIGHUP until the process ends.
pub fn reload_on_hangup(files: TlsFiles, config: RustlsConfig) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        // Registered before this returns, so a SIGHUP right after start is
        // a reload, not the default action (ending the process).
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; the certificate is read only at start");
            return;
        };
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match server_config(&files) {
                    Ok(fresh) => {
                        config.reload_from_config(Arc::new(fresh));
                        tracing::info!(cert = %files.cert.display(), "TLS certificate read again");
                    }
                    Err(e) => tracing::error!(
                        error = format!("{e:#}"),
                        "the TLS certificate was not renewed; the one in use stays"
                    ),
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (files, config);
}

fn server_config(files: &TlsFiles) -> anyhow::Result<rustls::ServerConfig> {
    let chain = certificates(&files.cert)?;
    check_validity(&files.cert, &chain[0], chrono::Utc::now())?;
    warn_if_others_can_read(&files.key);
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| anyhow!("{}: no private key in PEM form ({e})", files.key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => anyhow!(
                "{} does not match the certificate in {}",
                files.key.display(),
                files.cert.display()
            ),
            e => anyhow!("{}: {e}", files.key.display()),
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn certificates(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow!("{}: not a PEM certificate chain ({e})", path.display()))?;
    if chain.is_empty() {
        bail!("{}: no certificate in it", path.display());
    }
    Ok(chain)
}

/// A certificate that has expired (or is not valid yet) is refused at
/// start, where an operator sees it, rather than by every client later.
fn check_validity(
    path: &Path,
    cert: &CertificateDer<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|e| anyhow!("{}: the certificate cannot be read ({e})", path.display()))?;
    let validity = parsed.validity();
    let now = now.timestamp();
    if now > validity.not_after.timestamp() {
        bail!(
            "{}: the certificate expired on {}",
            path.display(),
            validity.not_after
        );
    }
    if now < validity.not_before.timestamp() {
        bail!(
            "{}: the certificate is valid only from {}",
            path.display(),
            validity.not_before
        );
    }
    Ok(())
}

fn warn_if_others_can_read(key: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(key) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    key = %key.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the TLS key file may be read by other users; chmod 600 it"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Made {
        dir: PathBuf,
        files: TlsFiles,
    }

    impl Drop for Made {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn write(name: &str, cert: &str, key: &str) -> Made {
        let dir =
            std::env::temp_dir().join(format!("classtrack-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert).expect("cert");
        std::fs::write(&files.key, key).expect("key");
        Made { dir, files }
    }

    fn self_signed(not_after: (i32, u8, u8)) -> rcgen::CertifiedKey<rcgen::KeyPair> {
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("cert");
        rcgen::CertifiedKey {
            cert,
            signing_key: key,
        }
    }

    fn error(files: &TlsFiles) -> String {
        format!("{:#}", server_config(files).expect_err("refused"))
    }

    #[test]
    fn a_good_pair_offers_h2_and_http1() {
        let c = self_signed((2099, 1, 1));
        let made = write("good", &c.cert.pem(), &c.signing_key.serialize_pem());
        let config = server_config(&made.files).expect("loads");
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
    }

    #[test]
    fn a_key_of_another_certificate_is_named() {
        let c = self_signed((2099, 1, 1));
        let other = rcgen::KeyPair::generate().expect("key");
        let made = write("mismatch", &c.cert.pem(), &other.serialize_pem());
        let e = error(&made.files);
        assert!(e.contains("does not match the certificate"), "{e}");
        assert!(e.contains("key.pem"), "{e}");
    }

    #[test]
    fn an_expired_certificate_says_when() {
        let c = self_signed((2021, 6, 30));
        let made = write("expired", &c.cert.pem(), &c.signing_key.serialize_pem());
        let e = error(&made.files);
        assert!(e.contains("cert.pem: the certificate expired on"), "{e}");
    }

    #[test]
    fn missing_and_malformed_files_are_named() {
        let c = self_signed((2099, 1, 1));
        let made = write("bad", "not a certificate", &c.signing_key.serialize_pem());
        let e = error(&made.files);
        assert!(e.contains("cert.pem: no certificate"), "{e}");
        let made = write("nokey", &c.cert.pem(), "junk");
        let e = error(&made.files);
        assert!(e.contains("key.pem: no private key"), "{e}");
        let gone = TlsFiles {
            cert: PathBuf::from("/nonexistent/cert.pem"),
            key: PathBuf::from("/nonexistent/key.pem"),
        };
        let e = error(&gone);
        assert!(e.contains("cannot read /nonexistent/cert.pem"), "{e}");
    }
}
