//! A throwaway certificate authority for tests: a CA and a server
//! certificate it signed for `localhost` and 127.0.0.1, in a temporary
//! directory removed on drop. Shared by the API suite (tests/api) and the
//! Galera test (tests/galera.rs), each of which declares it as `mod pki`.

use std::path::PathBuf;

use classtrack::tls::TlsFiles;

/// A test CA and the files of a server certificate it signed for
/// `localhost` and 127.0.0.1, in a temporary directory.
pub(crate) struct TestPki {
    dir: PathBuf,
    ca: rcgen::Certificate,
    ca_params: rcgen::CertificateParams,
    ca_key: rcgen::KeyPair,
    pub(crate) files: TlsFiles,
}

impl TestPki {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "classtrack-tls-it-{name}-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("ClassTrack test CA {name}"),
        );
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let ca = params.clone().self_signed(&ca_key).expect("CA");
        let files = TlsFiles {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        };
        let pki = Self {
            dir,
            ca,
            ca_params: params,
            ca_key,
            files,
        };
        pki.issue("first");
        pki
    }

    /// Writes a new server certificate (and key) over the files.
    pub(crate) fn issue(&self, serial_name: &str) {
        let (cert, key) = self.certificate(serial_name, &["localhost", "127.0.0.1"], false);
        std::fs::write(&self.files.cert, cert).expect("cert file");
        std::fs::write(&self.files.key, key).expect("key file");
    }

    /// A server certificate for `names` signed by this CA, and its key, in
    /// PEM; `expired` makes it valid in 2020 only.
    pub(crate) fn certificate(
        &self,
        serial_name: &str,
        names: &[&str],
        expired: bool,
    ) -> (String, String) {
        let names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let mut params = rcgen::CertificateParams::new(names).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, serial_name);
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 12, 31);
        }
        let key = rcgen::KeyPair::generate().expect("key");
        let issuer = rcgen::Issuer::from_params(&self.ca_params, &self.ca_key);
        let cert = params.signed_by(&key, &issuer).expect("signed");
        (cert.pem(), key.serialize_pem())
    }

    pub(crate) fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// The CA certificate in a file, as `--ca-cert` takes it.
    pub(crate) fn ca_file(&self) -> PathBuf {
        let path = self.dir.join("ca.pem");
        std::fs::write(&path, self.ca_pem()).expect("CA file");
        path
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}
