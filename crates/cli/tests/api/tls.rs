//! TLS on the server's port: gRPC, gRPC-Web and the pages over one TLS port
//! (ALPN h2 and http/1.1), a client that does not trust the CA refused, a
//! broken handshake that disturbs nobody, and a renewed certificate read on
//! SIGHUP without a restart.

use std::path::PathBuf;
use std::sync::Arc;

use classtrack::client;
use classtrack::server::{self, ServerConfig, Tier};
use classtrack::tls::TlsFiles;
use classtrack_core::ManualClock;
use classtrack_proto::endpoint::Target;
use classtrack_proto::v1;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

use crate::helpers::*;
pub(crate) use crate::pki::TestPki;

pub(crate) async fn start_tls(
    db: &classtrack_store::testing::TestDb,
    files: &TlsFiles,
) -> server::Running {
    server::start(ServerConfig {
        tier: Tier::Both,
        tls: Some(files.clone()),
        ..server_config(&db.url, config(Arc::new(ManualClock::new(start_of_term()))))
    })
    .await
    .expect("TLS server starts")
}

async fn tls_channel(port: u16, ca_pem: &str) -> Result<Channel, tonic::transport::Error> {
    Channel::from_shared(format!("https://localhost:{port}"))
        .expect("url")
        .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca_pem)))?
        .connect()
        .await
}

/// A TLS connection with the given ALPN; the server's certificate subject.
async fn connect_raw(
    port: u16,
    ca_pem: &str,
    alpn: &[u8],
) -> (
    tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    Vec<u8>,
) {
    let mut roots = rustls::RootCertStore::empty();
    let ca = rustls::pki_types::CertificateDer::from(rcgen_pem_to_der(ca_pem).expect("CA in PEM"));
    roots.add(ca).expect("root");
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("tcp");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let (_, session) = tls.get_ref();
    assert_eq!(session.alpn_protocol(), Some(alpn), "ALPN agreed");
    let cert = session
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec())
        .expect("server certificate");
    (tls, cert)
}

fn rcgen_pem_to_der(pem: &str) -> Option<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|c| c.as_ref().to_vec())
}

async fn http1(port: u16, ca_pem: &str, head: &str, body: &[u8]) -> String {
    let (mut tls, _) = connect_raw(port, ca_pem, b"http/1.1").await;
    tls.write_all(head.as_bytes()).await.expect("write");
    tls.write_all(body).await.expect("write");
    let mut response = Vec::new();
    // The server closes after `Connection: close`; a TLS close_notify may be missing.
    let _ = tls.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn grpc_grpc_web_and_pages_share_one_tls_port() {
    let db = backends().await.remove(0);
    let pki = TestPki::new("serve");
    let running = start_tls(&db, &pki.files).await;
    let port = running.addr.port();

    // gRPC over TLS (h2), through the generated client.
    let channel = tls_channel(port, &pki.ca_pem()).await.expect("TLS channel");
    let login = v1::auth_service_client::AuthServiceClient::new(channel)
        .login(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        })
        .await
        .expect("login over TLS")
        .into_inner();
    assert!(!login.token.is_empty());

    // A page over TLS (http/1.1), served by the web tier, which reached the
    // API through its in-process channel.
    let host = format!("localhost:{port}");
    let page = http1(
        port,
        &pki.ca_pem(),
        &format!("GET /login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        &[],
    )
    .await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let lower = page.to_ascii_lowercase();
    assert!(lower.contains("<form"), "{page}");
    // The public URL is https: the pages ask browsers to keep to it.
    assert!(
        lower.contains("strict-transport-security: max-age=31536000; includesubdomains"),
        "{page}"
    );

    // gRPC-Web over TLS (http/1.1).
    let body = grpc_web_admin_login();
    let answer = http1(
        port,
        &pki.ca_pem(),
        &format!(
            "POST /classtrack.v1.AuthService/Login HTTP/1.1\r\nHost: {host}\r\n\
             Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ),
        &body,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("grpc-status:0"), "{answer}");
    running.stop().await.expect("stops");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused_and_disturbs_nobody() {
    let db = backends().await.remove(0);
    let pki = TestPki::new("wrong-ca");
    let running = start_tls(&db, &pki.files).await;
    let port = running.addr.port();

    // Another CA: the handshake fails and says why.
    let other = TestPki::new("other-ca");
    let e = tls_channel(port, &other.ca_pem())
        .await
        .expect_err("a certificate from an unknown CA is refused");
    let chain = format!("{e:?}");
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("unknown issuer"),
        "{chain}"
    );

    // Plain bytes on the TLS port, then a half-open handshake left hanging.
    let mut junk = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("tcp");
    junk.write_all(b"GET / HTTP/1.1\r\n\r\n")
        .await
        .expect("write");
    let _hanging = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("tcp");

    // A good client is served all the same.
    let channel = tls_channel(port, &pki.ca_pem()).await.expect("TLS channel");
    v1::auth_service_client::AuthServiceClient::new(channel)
        .login(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        })
        .await
        .expect("login while others misbehave");
    running.stop().await.expect("stops");
}

#[tokio::test]
async fn a_renewed_certificate_is_served_after_sighup() {
    let db = backends().await.remove(0);
    let pki = TestPki::new("renew");
    let running = start_tls(&db, &pki.files).await;
    let port = running.addr.port();
    let (_, first) = connect_raw(port, &pki.ca_pem(), b"h2").await;

    pki.issue("second");
    // SAFETY: kill(2) with our own pid and a signal the server handles.
    let sent = unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
    assert_eq!(sent, 0, "SIGHUP sent");
    let mut renewed = false;
    for _ in 0..50 {
        let (_, now) = connect_raw(port, &pki.ca_pem(), b"h2").await;
        if now != first {
            renewed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        renewed,
        "the renewed certificate is served without a restart"
    );

    // A renewal that cannot be read keeps the certificate in use.
    std::fs::write(&pki.files.key, "not a key").expect("break the key");
    // SAFETY: as above.
    unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let channel = tls_channel(port, &pki.ca_pem())
        .await
        .expect("still served");
    drop(channel);
    running.stop().await.expect("stops");
}

/// A bare TLS listener on loopback that presents `cert` (PEM, with `key`)
/// and does nothing but handshakes: a server the real one would refuse to
/// start with (an expired certificate, another host's).
async fn handshake_only(cert: &str, key: &str) -> u16 {
    use rustls::pki_types::pem::PemObject;
    let certs = rustls::pki_types::CertificateDer::pem_slice_iter(cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("cert");
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key");
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    port
}

/// Connects as the CLI does to `https://localhost:{port}` trusting `ca`;
/// the error in full, as `classtrack` prints it.
async fn cli_connect_error(port: u16, ca: PathBuf) -> String {
    let target = Target {
        url: format!("https://localhost:{port}"),
        ca_cert: Some(ca),
        insecure: false,
    };
    let e = client::channel(&target)
        .await
        .expect_err("the handshake fails");
    format!("{e:#}")
}

#[tokio::test]
async fn a_certificate_from_a_ca_the_client_does_not_trust_is_named() {
    let pki = TestPki::new("unknown-ca");
    let other = TestPki::new("unknown-ca-other");
    let (cert, key) = pki.certificate("server", &["localhost"], false);
    let port = handshake_only(&cert, &key).await;
    let e = cli_connect_error(port, other.ca_file()).await;
    assert!(
        e.contains(
            "the server's certificate is signed by a CA this client does not trust (give --ca-cert)"
        ),
        "{e}"
    );
    // Trusting the right CA, the same server passes the handshake.
    let target = Target {
        url: format!("https://localhost:{port}"),
        ca_cert: Some(pki.ca_file()),
        insecure: false,
    };
    // The bare listener speaks no HTTP/2 after the handshake, so only the
    // certificate verdict matters here: no TLS error is reported.
    if let Err(e) = client::channel(&target).await {
        let e = format!("{e:#}");
        assert!(!e.contains("TLS with"), "{e}");
    }
}

#[tokio::test]
async fn a_certificate_for_another_host_is_named() {
    let pki = TestPki::new("other-name");
    let (cert, key) = pki.certificate("server", &["attend.example.edu"], false);
    let port = handshake_only(&cert, &key).await;
    let e = cli_connect_error(port, pki.ca_file()).await;
    assert!(
        e.contains("the certificate is not valid for host localhost"),
        "{e}"
    );
    assert!(e.contains("(it names attend.example.edu)"), "{e}");
}

#[tokio::test]
async fn an_expired_certificate_is_named() {
    let pki = TestPki::new("expired");
    let (cert, key) = pki.certificate("server", &["localhost"], true);
    let port = handshake_only(&cert, &key).await;
    let e = cli_connect_error(port, pki.ca_file()).await;
    assert!(e.contains("the certificate expired"), "{e}");
}

/// Failed logins the server recorded for `login`.
pub(crate) async fn login_failures(db: &classtrack_store::testing::TestDb, login: &str) -> i64 {
    let store = db.open().await;
    let mut conn = store.acquire().await.expect("connection");
    classtrack_store::auth::recent_failures(&mut conn, login, "-", 0)
        .await
        .expect("failures")
        .account
}

#[tokio::test]
async fn login_with_an_untrusted_ca_fails_before_the_password_is_sent() {
    let db = backends().await.remove(0);
    let pki = TestPki::new("login");
    let other = TestPki::new("login-other");
    let running = start_tls(&db, &pki.files).await;
    let url = format!("https://localhost:{}", running.addr.port());
    let target = |ca: PathBuf| Target {
        url: url.clone(),
        ca_cert: Some(ca),
        insecure: false,
    };

    // A wrong password, so that a Login that reached the server would be
    // recorded as a failure.
    let asked = std::sync::atomic::AtomicBool::new(false);
    let e = client::login_at(target(other.ca_file()), "admin", || {
        asked.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok("wrong-password".into())
    })
    .await
    .expect_err("the CA is not trusted");
    let e = format!("{e:#}");
    assert!(e.contains("a CA this client does not trust"), "{e}");
    assert!(
        !asked.load(std::sync::atomic::Ordering::SeqCst),
        "the password is not even read"
    );
    assert_eq!(
        login_failures(&db, "admin").await,
        0,
        "no Login reached the server"
    );

    // The check above can see a Login: the same wrong password with the right CA is recorded.
    client::login_at(target(pki.ca_file()), "admin", || {
        Ok("wrong-password".into())
    })
    .await
    .expect_err("wrong password");
    assert_eq!(login_failures(&db, "admin").await, 1);

    // With the right CA and password: the CA's path is kept with the login
    // and later commands reach the server with it.
    let (creds, role) =
        client::login_at(target(pki.ca_file()), "admin", || Ok(ADMIN_PASSWORD.into()))
            .await
            .expect("login over TLS");
    assert_eq!(role, "admin");
    let kept = creds.ca_cert.clone().expect("CA kept");
    assert!(kept.is_absolute(), "{}", kept.display());
    assert_eq!(creds.server, url);
    let channel = client::channel(&creds.target()).await.expect("channel");
    v1::user_service_client::UserServiceClient::new(channel)
        .list_users(client::authed(&creds.token, v1::ListUsersRequest::default()).expect("request"))
        .await
        .expect("a later command over TLS");
    running.stop().await.expect("stops");
}

/// `classtrack bench` with these flags.
fn bench_args(flags: &[&str]) -> classtrack_bench::BenchArgs {
    #[derive(clap::Parser)]
    struct Bench {
        #[command(flatten)]
        args: classtrack_bench::BenchArgs,
    }
    let argv = std::iter::once("bench").chain(flags.iter().copied());
    <Bench as clap::Parser>::try_parse_from(argv)
        .expect("bench flags")
        .args
}

#[tokio::test]
async fn the_bench_loads_an_https_target_on_loopback_with_its_ca() {
    let db = backends().await.remove(0);
    let pki = TestPki::new("bench");
    let other = TestPki::new("bench-other");
    let running = start_tls(&db, &pki.files).await;
    let url = format!("https://localhost:{}", running.addr.port());
    let run = |ca: PathBuf| {
        let ca = ca.display().to_string();
        classtrack_bench::run(bench_args(&[
            "--target",
            &url,
            "--ca-cert",
            &ca,
            "--admin-password",
            ADMIN_PASSWORD,
            "--scenario",
            "login",
            "--students",
            "2",
            "--logins",
            "2",
            "--concurrency",
            "1",
            "--connections",
            "1",
            "--smoke",
        ]))
    };
    let e = run(other.ca_file()).await.expect_err("another CA");
    assert!(
        format!("{e:#}").contains("a CA this client does not trust"),
        "{e:#}"
    );
    run(pki.ca_file()).await.expect("bench over TLS");
    running.stop().await.expect("stops");
}
