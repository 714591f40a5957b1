//! Plain HTTP/1.1 as a load balancer's health check speaks it, for the
//! tests of `/healthz` and `/readyz` (shared by the test binaries).

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET path` from `addr` (`host:port`, or an `http://` URL): the status
/// code and the body.
pub async fn get(addr: &str, path: &str) -> (u16, String) {
    let addr = addr.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .expect("request");
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.expect("response");
    let code = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {response}"));
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (code, body)
}
