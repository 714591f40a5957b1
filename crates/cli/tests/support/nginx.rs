//! nginx from Debian in front of test servers, running deploy/nginx.conf
//! as an administrator would install it (placeholders filled in, TLS from
//! a test CA, one `server` line per replica in its upstream block). Shared
//! by the API suite (tests/api/proxy.rs) and the Galera test
//! (tests/galera.rs), each of which declares it as `mod nginx` beside
//! `mod pki`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use tokio_rustls::rustls;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::pki::TestPki;

/// nginx from Debian, when installed (`.ci/run` installs it; under CI a
/// missing nginx fails the test).
pub fn nginx() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "nginx is missing under CI: .ci/run installs it (apt-get install nginx-light)"
        );
        eprintln!("\n!!! nginx is not installed: the reverse-proxy test is SKIPPED !!!\n");
    }
    found
}

/// A free port on 127.0.0.1 (free when asked).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// `example` with one `server` line of its upstream block per replica: the
/// line of `@REPLICA_1@` repeated for each address, the example's other
/// replica lines (`@REPLICA_2@` …) left out.
fn upstream_of(example: &str, replicas: &[SocketAddr]) -> String {
    let mut site = String::new();
    let mut listed = false;
    for line in example.lines() {
        let replica_line = !line.trim_start().starts_with('#') && line.contains("@REPLICA_");
        if !replica_line {
            site.push_str(line);
            site.push('\n');
        } else if !listed && line.contains("@REPLICA_1@") {
            for replica in replicas {
                site.push_str(&line.replace("@REPLICA_1@", &replica.to_string()));
                site.push('\n');
            }
            listed = true;
        }
    }
    assert!(listed, "deploy/nginx.conf has no `server @REPLICA_1@` line");
    site
}

/// nginx running deploy/nginx.conf in front of `replicas`: TLS with the
/// test CA's certificate for localhost, on a port of 127.0.0.1. The
/// example's placeholders are filled in; the rest is read as an admin
/// would install it, inside a minimal main configuration of the test's own
/// (pid, logs and temporary files in a temporary directory).
pub struct Nginx {
    child: std::process::Child,
    dir: PathBuf,
    port: u16,
    ca_pem: String,
}

impl Nginx {
    pub fn start(binary: &PathBuf, replicas: &[SocketAddr], pki: &TestPki) -> Self {
        let port = free_port();
        let example =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx.conf");
        let example = std::fs::read_to_string(&example).expect("deploy/nginx.conf");
        let site = upstream_of(&example, replicas)
            .replace("@SERVER_NAME@", "localhost")
            .replace("@LISTEN_HTTPS@", &format!("127.0.0.1:{port}"))
            .replace("@LISTEN_HTTP@", &format!("127.0.0.1:{}", free_port()))
            .replace("@TLS_CERT@", &pki.files.cert.display().to_string())
            .replace("@TLS_KEY@", &pki.files.key.display().to_string());
        // A placeholder is `@NAME@` in capitals (`@grpc` is a location).
        let placeholder = |l: &&str| {
            l.split('@').skip(1).step_by(2).any(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
            })
        };
        let left: Vec<&str> = site
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter(placeholder)
            .collect();
        assert!(
            left.is_empty(),
            "placeholders left in deploy/nginx.conf: {left:?}"
        );
        let dir =
            std::env::temp_dir().join(format!("classtrack-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("nginx dir");
        std::fs::write(dir.join("classtrack.conf"), site).expect("classtrack.conf");
        let main = format!(
            "worker_processes 1;\n\
             daemon off;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {d}/body;\n\
               proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fastcgi;\n\
               uwsgi_temp_path {d}/uwsgi;\n\
               scgi_temp_path {d}/scgi;\n\
               include {d}/classtrack.conf;\n\
             }}\n",
            d = dir.display(),
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, main).expect("nginx.conf");
        let child = std::process::Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nginx starts");
        let ca_pem = std::fs::read_to_string(pki.ca_file()).expect("CA");
        Self {
            child,
            dir,
            port,
            ca_pem,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// A gRPC channel through nginx over TLS (h2) from `local`, once nginx answers.
    pub async fn channel_from(&self, local: IpAddr) -> Channel {
        for _ in 0..100 {
            let endpoint = Endpoint::from_shared(format!("https://127.0.0.1:{}", self.port))
                .expect("url")
                .tls_config(
                    ClientTlsConfig::new()
                        .ca_certificate(Certificate::from_pem(&self.ca_pem))
                        .domain_name("localhost"),
                )
                .expect("TLS config")
                .local_address(Some(local));
            if let Ok(channel) = endpoint.connect().await {
                return channel;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "nginx does not answer on port {}: {}",
            self.port,
            self.log()
        );
    }

    /// An HTTP/1.1 connection through nginx over TLS from `local`, as a
    /// browser makes it.
    pub async fn https_from(
        &self,
        local: IpAddr,
    ) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(
                rustls::pki_types::CertificateDer::from_pem_slice(self.ca_pem.as_bytes())
                    .expect("CA in PEM"),
            )
            .expect("root");
        let mut tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let mut tcp = None;
        for _ in 0..100 {
            let socket = tokio::net::TcpSocket::new_v4().expect("socket");
            socket.bind(SocketAddr::new(local, 0)).expect("bind");
            match socket
                .connect(SocketAddr::from(([127, 0, 0, 1], self.port)))
                .await
            {
                Ok(connected) => {
                    tcp = Some(connected);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let tcp = tcp.unwrap_or_else(|| {
            panic!(
                "nginx does not answer on port {}: {}",
                self.port,
                self.log()
            )
        });
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
            .connect(name, tcp)
            .await
            .expect("TLS handshake with nginx");
        let (send, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("HTTP/1.1");
        tokio::spawn(connection);
        send
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (SIGKILL would leave them
        // running, orphaned); SIGKILL only if it does not stop in time.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on the child this test started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
