//! TLS to MariaDB, against a server that accepts nothing else.
//!
//! `.ci/mariadb-tls` starts such a server (a throwaway CA, a certificate for
//! `localhost` and 127.0.0.1, `require_secure_transport=ON`) and runs this
//! with `CLASSTRACK_TEST_MYSQL_TLS_CA` set to the CA's file and
//! `CLASSTRACK_TEST_MYSQL_URL` to the server. Without the variable the test
//! has no such server to talk to and says SKIPPED, loudly, under CI too:
//! CI's main test step runs against the plain shared server, and the script
//! is the step that sets the variable, so there the test always runs.

use std::io::Write;

use classtrack_store::{testing, Store, StoreError};
use sqlx::Connection;

/// Every message in the error's chain, joined.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// `mysql://USER@HOST:PORT/?ssl-mode=MODE&ssl-ca=CA` for the server of
/// `CLASSTRACK_TEST_MYSQL_URL`, with `host`/`port` replaced when given.
fn url(mode: &str, ca: &str, host: Option<&str>, port: Option<u16>) -> String {
    let mut u = url::Url::parse(&testing::mysql_server()).expect("CLASSTRACK_TEST_MYSQL_URL");
    u.set_query(None);
    u.set_path("/");
    if let Some(host) = host {
        u.set_host(Some(host)).expect("host");
    }
    if let Some(port) = port {
        u.set_port(Some(port)).expect("port");
    }
    u.query_pairs_mut()
        .append_pair("ssl-mode", mode)
        .append_pair("ssl-ca", ca);
    u.to_string()
}

async fn connect(url: &str) -> Result<sqlx::AnyConnection, StoreError> {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url)
        .await
        .map_err(StoreError::from)
}

async fn cipher(conn: &mut sqlx::AnyConnection) -> String {
    let row: (String, String) = sqlx::query_as("SHOW STATUS LIKE 'Ssl_cipher'")
        .fetch_one(&mut *conn)
        .await
        .expect("SHOW STATUS");
    row.1
}

/// A TLS failure must be a `StoreError::Tls` whose chain says why.
fn assert_tls_refusal(what: &str, r: Result<sqlx::AnyConnection, StoreError>, why: &str) {
    match r {
        Ok(_) => panic!("{what}: connected, but it must be refused ({why})"),
        Err(e @ StoreError::Tls(_)) => {
            let text = chain(&e);
            assert!(
                text.contains("TLS to the database failed") && text.contains(why),
                "{what}: the error must say {why:?}: {text}"
            );
        }
        Err(e) => panic!("{what}: refused, but not as a TLS failure: {}", chain(&e)),
    }
}

/// A PEM CA that signed nothing the server has.
fn wrong_ca(dir: &std::path::Path) -> String {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Not the server's CA");
    let cert = params.self_signed(&key).expect("CA");
    let path = dir.join("wrong-ca.pem");
    std::fs::write(&path, cert.pem()).expect("write CA");
    path.display().to_string()
}

/// Forwards 127.0.0.2:<port> to the server, so that the server's own
/// certificate (for localhost and 127.0.0.1) arrives under a name it
/// doesn't carry.
async fn forward_from_another_name(to: (String, u16)) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let to = to.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn mariadb_is_reached_over_verified_tls_only() {
    let Ok(ca) = std::env::var("CLASSTRACK_TEST_MYSQL_TLS_CA") else {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** WARNING: CLASSTRACK_TEST_MYSQL_TLS_CA is not set; the MariaDB TLS test is \
             SKIPPED. .ci/mariadb-tls runs it against a TLS-only server. ***\n"
        );
        return;
    };
    let server = url::Url::parse(&testing::mysql_server()).expect("CLASSTRACK_TEST_MYSQL_URL");
    let host = server.host_str().unwrap_or("localhost").to_string();
    let port = server.port().unwrap_or(3306);
    assert_eq!(
        host, "localhost",
        "CLASSTRACK_TEST_MYSQL_URL should name the server as localhost, the name in its certificate"
    );
    let dir = std::env::temp_dir().join(format!("classtrack-tls-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let wrong = wrong_ca(&dir);

    // The right CA and the right name: TLS, verified.
    let mut conn = connect(&url("verify_identity", &ca, None, None))
        .await
        .unwrap_or_else(|e| panic!("verify_identity with the right CA: {}", chain(&e)));
    let c = cipher(&mut conn).await;
    assert!(!c.is_empty(), "verify_identity: Ssl_cipher is empty");
    let _ = conn.close().await;
    // 127.0.0.1 is in the certificate too (the API suite's proxy test uses it).
    let mut conn = connect(&url("verify_identity", &ca, Some("127.0.0.1"), None))
        .await
        .unwrap_or_else(|e| panic!("verify_identity to 127.0.0.1: {}", chain(&e)));
    assert!(!cipher(&mut conn).await.is_empty());
    let _ = conn.close().await;

    // A CA that didn't sign the server's certificate.
    for mode in ["verify_ca", "verify_identity"] {
        assert_tls_refusal(
            &format!("{mode} with the wrong CA"),
            connect(&url(mode, &wrong, None, None)).await,
            "UnknownIssuer",
        );
    }
    // `required` encrypts but checks nothing: the wrong CA gets through.
    let mut conn = connect(&url("required", &wrong, None, None))
        .await
        .unwrap_or_else(|e| panic!("required: {}", chain(&e)));
    assert!(!cipher(&mut conn).await.is_empty(), "required: no cipher");
    let _ = conn.close().await;

    // The right CA under a name the certificate doesn't carry.
    let other = forward_from_another_name(("127.0.0.1".into(), port)).await;
    assert_tls_refusal(
        "verify_identity to 127.0.0.2",
        connect(&url("verify_identity", &ca, Some("127.0.0.2"), Some(other))).await,
        "not valid for name",
    );
    // verify_ca is meant to check the CA only, but sqlx 0.8.6 with rustls
    // ≥ 0.23.24 checks the name as well (sqlx issue #3793: its verifier
    // ignores NotValidForName, and rustls now reports
    // NotValidForNameContext). Stricter, not looser; docs/deployment.md
    // says so. When sqlx is upgraded past the fix this fails: update the
    // docs and make this expect a connection.
    assert_tls_refusal(
        "verify_ca to 127.0.0.2",
        connect(&url("verify_ca", &ca, Some("127.0.0.2"), Some(other))).await,
        "not valid for name",
    );

    // The server refuses plain connections, so the suite run against it
    // proves that TLS was used.
    let plain = connect(&url("disabled", &ca, None, None)).await;
    assert!(
        plain.is_err(),
        "the server must refuse a plain connection (require_secure_transport=ON)"
    );

    // The store keeps the URL's TLS settings when it connects to the server
    // to create the database: with the wrong CA it creates nothing.
    let name = format!("ct_test_tls_{}", std::process::id());
    let bad = testing::with_database(&url("verify_identity", &wrong, None, None), &name);
    match Store::connect(&bad).await {
        Ok(_) => panic!("Store::connect with the wrong CA connected"),
        Err(e) => assert!(
            matches!(e, StoreError::Tls(_)) && chain(&e).contains("UnknownIssuer"),
            "Store::connect with the wrong CA: {}",
            chain(&e)
        ),
    }
    let mut admin = connect(&url("verify_identity", &ca, None, None))
        .await
        .expect("connects");
    let created: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?")
            .bind(&name)
            .fetch_optional(&mut admin)
            .await
            .expect("SCHEMATA");
    assert!(
        created.is_none(),
        "the database was created over an unverified connection"
    );
    // And with the right CA it opens (creates, migrates) and works.
    let good = testing::with_database(&url("verify_identity", &ca, None, None), &name);
    let store = Store::open(&good)
        .await
        .unwrap_or_else(|e| panic!("Store::open over TLS: {}", chain(&e)));
    store.ping().await.expect("ping");
    let mut pooled = store.acquire().await.expect("pooled connection");
    assert!(!cipher(&mut pooled).await.is_empty(), "pooled: no cipher");
    drop(pooled);
    store.close().await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .execute(&mut admin)
        .await
        .expect("drop");
    let _ = admin.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
