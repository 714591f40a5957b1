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
