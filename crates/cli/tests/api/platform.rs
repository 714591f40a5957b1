//! What every client relies on: health, reflection and gRPC-Web on the same port.

use classtrack_proto::v1;
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

async fn health_and_grpc_web_on_one_port(db: TestDb) {
    let app = spawn_app(&db).await;
    let l = app.label;
    let mut health = tonic_health::pb::health_client::HealthClient::new(app.channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health")
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
        "{l}"
    );

    // A browser's gRPC-Web call: HTTP/1.1, length-prefixed protobuf, trailers in the body.
    let body = grpc_web_admin_login();
    let text = http1(
        &app,
        &format!(
            "POST /classtrack.v1.AuthService/Login HTTP/1.1\r\nHost: {{host}}\r\n\
             Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ),
        &body,
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 200"), "{l}: {text}");
    assert!(text.contains("application/grpc-web"), "{l}: {text}");
    assert!(
        text.contains("grpc-status:0"),
        "{l}: login over gRPC-Web succeeds: {text}"
    );
    app.stop().await;
}
per_backend!(health_and_grpc_web_on_one_port);

/// A TCP forwarder to MariaDB that the test can cut and restore.
struct Proxy {
    addr: std::net::SocketAddr,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (d, k) = (down.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    continue; // dropped: the database is "down"
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                k.lock().expect("lock").push(task.abort_handle());
            }
        });
        Self {
            addr,
            down,
            links,
            accept,
        }
    }

    fn cut(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().expect("lock").drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

#[tokio::test]
async fn database_down_means_unavailable_and_the_server_recovers() {
    // MariaDB only: an embedded SQLite file cannot go away like a server.
    let Some(db) = classtrack_store::testing::mysql().await else {
        return;
    };
    let parsed = url::Url::parse(&db.url).expect("url");
    let upstream = format!(
        "{}:{}",
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port().unwrap_or(3306)
    );
    let proxy = Proxy::start(upstream).await;
    let mut proxied = parsed.clone();
    proxied.set_port(Some(proxy.addr.port())).expect("port");
    proxied.set_host(Some("127.0.0.1")).expect("host");
    let clock = std::sync::Arc::new(classtrack_core::ManualClock::new(start_of_term()));
    let app = spawn_at(proxied.as_str(), "mariadb via proxy", clock).await;
    // a call that needs the database (a login is trusted for a few seconds without it)
    let whoami = |token: String| {
        let mut users = app.users();
        async move {
            users
                .list_users(req(&token, v1::ListUsersRequest::default()))
                .await
        }
    };
    whoami(app.admin.clone()).await.expect("up");

    proxy.cut();
    let r = whoami(app.admin.clone()).await;
    let s = assert_code("database down", r, tonic::Code::Unavailable);
    assert!(s.message().contains("database is unavailable"), "{s:?}");
    let r = app
        .auth()
        .login(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        })
        .await;
    assert_code("login while down", r, tonic::Code::Unavailable);

    proxy.restore();
    let mut recovered = false;
    for _ in 0..20 {
        if whoami(app.admin.clone()).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(
        recovered,
        "the server answers again once the database is back"
    );
    app.stop().await;
    drop(db);
}

/// A raw HTTP/1.1 request; the whole answer as text.
async fn http1(app: &TestApp, head: &str, body: &[u8]) -> String {
    let host = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = head.replace("{host}", host);
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

/// A gRPC call to `path`, whatever service it names.
async fn call_path(app: &TestApp, path: &'static str) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(app.channel.clone());
    grpc.ready().await.expect("ready");
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    grpc.unary(
        tonic::Request::new(()),
        http::uri::PathAndQuery::from_static(path),
        codec,
    )
    .await
    .expect_err("no such method")
}

#[tokio::test]
async fn a_call_to_no_such_service_is_unimplemented_beside_the_pages() {
    let db = backends().await.remove(0);
    let app = spawn_with_pages(&db).await;
    for path in [
        "/classtrack.v1.NoSuchService/X",
        "/classtrack.v1.AuthService/NoSuchMethod",
        "/grpc.reflection.v1alpha.NoSuch/ServerReflectionInfo",
    ] {
        let status = call_path(&app, path).await;
        assert_eq!(
            status.code(),
            tonic::Code::Unimplemented,
            "{path}: {status:?}"
        );
    }

    // The same over gRPC-Web (HTTP/1.1), as a browser's client sends it.
    let text = http1(
        &app,
        "POST /classtrack.v1.NoSuchService/X HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n\
         Content-Length: 5\r\nConnection: close\r\n\r\n",
        &[0, 0, 0, 0, 0],
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("application/grpc-web"), "{text}");
    assert!(
        text.contains("grpc-status: 12") || text.contains("grpc-status:12"),
        "{text}"
    );
    assert!(
        !text.contains("<html"),
        "no page for a gRPC-Web call: {text}"
    );

    // Pages still answer on the same port.
    let text = http1(
        &app,
        "GET /login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        &[],
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("<html") || text.contains("<!DOCTYPE") || text.contains("<!doctype"),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn reflection_answers_in_v1_and_v1alpha_with_the_well_known_files() {
    use tonic_reflection::pb::{v1 as r1, v1alpha as ra};
    let db = backends().await.remove(0);
    let app = spawn_with_pages(&db).await;

    // v1: the services, and the files behind a symbol and a well-known import.
    let mut client = r1::server_reflection_client::ServerReflectionClient::new(app.channel.clone());
    let asks = [
        r1::server_reflection_request::MessageRequest::ListServices(String::new()),
        r1::server_reflection_request::MessageRequest::FileContainingSymbol(
            "classtrack.v1.AuthService".into(),
        ),
        r1::server_reflection_request::MessageRequest::FileByFilename(
            "google/protobuf/timestamp.proto".into(),
        ),
        r1::server_reflection_request::MessageRequest::FileByFilename(
            "google/protobuf/field_mask.proto".into(),
        ),
    ];
    let requests = asks.into_iter().map(|m| r1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(m),
    });
    let mut answers = client
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .expect("v1 reflection")
        .into_inner();
    let mut got = Vec::new();
    while let Some(a) = answers.message().await.expect("v1 answer") {
        got.push(a.message_response.expect("an answer"));
    }
    assert_eq!(got.len(), 4);
    match &got[0] {
        r1::server_reflection_response::MessageResponse::ListServicesResponse(l) => {
            let names: Vec<_> = l.service.iter().map(|s| s.name.as_str()).collect();
            for wanted in [
                "classtrack.v1.AuthService",
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
            ] {
                assert!(names.contains(&wanted), "{wanted} listed: {names:?}");
            }
        }
        other => panic!("services listed: {other:?}"),
    }
    for (i, wanted) in [
        (1, "classtrack/v1/auth.proto"),
        (2, "google/protobuf/timestamp.proto"),
        (3, "google/protobuf/field_mask.proto"),
    ] {
        match &got[i] {
            r1::server_reflection_response::MessageResponse::FileDescriptorResponse(f) => {
                let names: Vec<String> = f
                    .file_descriptor_proto
                    .iter()
                    .map(|b| {
                        prost_types::FileDescriptorProto::decode(b.as_slice())
                            .expect("a file descriptor")
                            .name()
                            .to_string()
                    })
                    .collect();
                assert!(names.iter().any(|n| n == wanted), "{wanted}: {names:?}");
            }
            other => panic!("{wanted}: {other:?}"),
        }
    }

    // v1alpha: what grpcio-reflection, grpcui and older grpcurl speak.
    let mut client = ra::server_reflection_client::ServerReflectionClient::new(app.channel.clone());
    let asks = [
        ra::server_reflection_request::MessageRequest::ListServices(String::new()),
        ra::server_reflection_request::MessageRequest::FileByFilename(
            "google/protobuf/timestamp.proto".into(),
        ),
    ];
    let requests = asks.into_iter().map(|m| ra::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(m),
    });
    let mut answers = client
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .expect("v1alpha reflection")
        .into_inner();
    let mut got = Vec::new();
    while let Some(a) = answers.message().await.expect("v1alpha answer") {
        got.push(a.message_response.expect("an answer"));
    }
    assert!(
        matches!(&got[0], ra::server_reflection_response::MessageResponse::ListServicesResponse(l)
            if l.service.iter().any(|s| s.name == "classtrack.v1.SessionService")),
        "{got:?}"
    );
    assert!(
        matches!(&got[1], ra::server_reflection_response::MessageResponse::FileDescriptorResponse(f)
            if !f.file_descriptor_proto.is_empty()),
        "{got:?}"
    );
    app.stop().await;
}
