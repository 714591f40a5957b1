//! What every client relies on: health, reflection and gRPC-Web on the same port.

use classtrack_proto::v1;
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

#[tokio::test]
async fn health_and_grpc_web_on_one_port() {
    for db in backends().await {
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
        let message = v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        }
        .encode_to_vec();
        let mut body = vec![0u8];
        body.extend((message.len() as u32).to_be_bytes());
        body.extend(message);
        let host = app.url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
        let head = format!(
            "POST /classtrack.v1.AuthService/Login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/grpc-web+proto\r\n\
             X-Grpc-Web: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(&body).await.expect("write");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.expect("read");
        let text = String::from_utf8_lossy(&response);
        assert!(text.starts_with("HTTP/1.1 200"), "{l}: {text}");
        assert!(text.contains("application/grpc-web"), "{l}: {text}");
        assert!(
            text.contains("grpc-status:0"),
            "{l}: login over gRPC-Web succeeds: {text}"
        );
        app.stop().await;
    }
}

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
