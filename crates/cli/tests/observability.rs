//! What an operator watches, from outside a real `classtrack serve`: the
//! `/metrics` of a fresh process (every metric there before any call, each
//! with HELP and TYPE, `promtool check metrics` clean, and every one listed
//! with an alert in docs/operations.md, whose rules `promtool check rules`
//! accepts), `metrics_listen`, and the access log.
//!
//! promtool comes with Debian's `prometheus` package (`.ci/run` installs
//! it). Without it the promtool checks are skipped with a loud line, except
//! under `CI=true`, where a missing promtool fails.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use classtrack_proto::v1;

const BINARY: &str = env!("CARGO_BIN_EXE_classtrack");
const ADMIN_PASSWORD: &str = "a-long-enough-admin-passphrase";

/// `classtrack serve` on a fresh SQLite file in a directory of its own, on
/// an ephemeral port, its stderr (the log) kept line by line.
struct Server {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:PORT` of the public port.
    addr: String,
    /// Where `/metrics` is, when `--metrics-listen` moved it.
    metrics_addr: Option<String>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(extra: &[&str]) -> Self {
        let n: u64 = rand::random();
        let dir = std::env::temp_dir().join(format!("classtrack-observability-{n:016x}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut cmd = Command::new(BINARY);
        for (var, _) in std::env::vars() {
            if var.starts_with("CLASSTRACK_") {
                cmd.env_remove(var);
            }
        }
        let mut child = cmd
            .current_dir(&dir)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--public-url",
                "http://127.0.0.1:9",
            ])
            .arg("--database-url")
            .arg(format!("sqlite://{}", dir.join("classtrack.db").display()))
            .args(extra)
            .env("CLASSTRACK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("classtrack starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        let mut metrics_addr = None;
        let mut addr = None;
        let stdout = child.stdout.take().expect("stdout");
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("Metrics on http://") {
                metrics_addr = rest.split('/').next().map(str::to_string);
            }
            if let Some(rest) = line.strip_prefix("ClassTrack listening on http://") {
                addr = rest.split(' ').next().map(str::to_string);
                break;
            }
        }
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start: {:?}", log.lock().expect("log"));
        };
        Self {
            child,
            dir,
            addr,
            metrics_addr,
            log,
        }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The log's JSON lines (with `--log-format json`) that `wanted` picks,
    /// once there are at least `n` of them (10 s at most).
    fn json_lines(
        &self,
        n: usize,
        wanted: impl Fn(&serde_json::Value) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<serde_json::Value> = self
                .log()
                .iter()
                .filter_map(|l| serde_json::from_str(l).ok())
                .filter(|v| wanted(v))
                .collect();
            if found.len() >= n || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A request from the client the test's proxy (this machine) names.
fn from<T>(body: T) -> tonic::Request<T> {
    let mut req = tonic::Request::new(body);
    req.metadata_mut()
        .insert("x-forwarded-for", "203.0.113.7".parse().expect("value"));
    req
}

/// One HTTP/1.0 GET (so the answer is never chunked): its status and body.
fn http_get(addr: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (status, body) = http(addr, "GET", path, headers, &[]);
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// One HTTP/1.0 request: its status and body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("request sent");
    stream.write_all(body).expect("body sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("answer read");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head}"));
    (status, answer[(split + 4).min(answer.len())..].to_vec())
}

/// The families of a scrape: name → TYPE, and the names that have a HELP.
struct Scrape {
    types: BTreeMap<String, String>,
    helps: BTreeSet<String>,
    samples: Vec<String>,
}

impl Scrape {
    fn parse(text: &str) -> Self {
        let mut types = BTreeMap::new();
        let mut helps = BTreeSet::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                types.insert(name.to_string(), kind.to_string());
            } else if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').expect("HELP name text");
                assert!(!help.trim().is_empty(), "empty HELP for {name}");
                helps.insert(name.to_string());
            } else if !line.trim().is_empty() {
                samples.push(line.to_string());
            }
        }
        Self {
            types,
            helps,
            samples,
        }
    }

    /// The family a sample line belongs to (a histogram's `_bucket`, `_sum`
    /// and `_count` belong to the histogram).
    fn family_of(&self, sample: &str) -> String {
        let name = sample.split(['{', ' ']).next().unwrap_or_default();
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = name.strip_suffix(suffix) {
                if self.types.get(base).is_some_and(|t| t == "histogram") {
                    return base.to_string();
                }
            }
        }
        name.to_string()
    }
}

/// Every metric the server promises, with its type.
fn promised() -> Vec<(&'static str, &'static str)> {
    use classtrack_api::metrics as api;
    use classtrack_store::metrics as store;
    vec![
        (api::RPC_REQUESTS, "counter"),
        (api::RPC_DURATION, "histogram"),
        (api::RPC_STREAMS_OPEN, "gauge"),
        (api::CHECKINS, "counter"),
        (api::CHECKIN_REFUSALS, "counter"),
        (api::LOGINS, "counter"),
        (api::LOGIN_PASSWORD_CHECKS, "counter"),
        (api::BATCH_SIZE, "histogram"),
        (store::POOL_CONNECTIONS, "gauge"),
        (store::POOL_IDLE, "gauge"),
        (store::POOL_MAX, "gauge"),
        (store::POOL_WAITERS, "gauge"),
        (store::ACQUIRE, "histogram"),
        (store::ERRORS, "counter"),
        ("process_cpu_seconds_total", "counter"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_open_fds", "gauge"),
        ("process_max_fds", "gauge"),
    ]
}

/// promtool, when installed; `None` (after a loud line) when it is not and
/// this is not CI, where its absence fails.
fn promtool() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("promtool"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "promtool is missing under CI: .ci/run installs it (apt-get install prometheus)"
        );
        eprintln!(
            "\n\n*** SKIPPED: the promtool checks (promtool not found; apt-get install \
             prometheus, or run .ci/run) ***\n"
        );
    }
    found
}

/// Runs promtool with `args`, `stdin` on its standard input; panics unless
/// it succeeds and has nothing to say beyond "SUCCESS".
fn promtool_accepts(promtool: &Path, args: &[&str], stdin: &str) {
    let mut child = Command::new(promtool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("promtool reads");
    let out = child.wait_with_output().expect("promtool ends");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let problems: Vec<&str> = said
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("SUCCESS") && !l.starts_with("Checking"))
        .collect();
    assert!(
        out.status.success() && problems.is_empty(),
        "promtool {args:?}: {}\n{said}",
        out.status
    );
}

/// The section "## Metrics and alerts" of docs/operations.md.
fn alerts_section() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/operations.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = text
        .find("\n## Metrics and alerts")
        .expect("docs/operations.md has a section \"## Metrics and alerts\"");
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

/// The alerting rules: the section's one ```yaml block.
fn alerting_rules(section: &str) -> String {
    let start = section
        .find("```yaml\n")
        .expect("a ```yaml block of alerting rules")
        + 8;
    let len = section[start..].find("```").expect("the yaml block ends");
    section[start..start + len].to_string()
}

/// Before any call, /metrics already shows every metric with HELP and TYPE
/// (histograms, never summaries), promtool finds nothing to say about it,
/// and docs/operations.md lists each with an alert that promtool accepts.
#[test]
fn a_fresh_server_shows_every_metric_and_each_has_an_alert() {
    let server = Server::start(&[]);
    let (status, text) = http_get(&server.addr, "/metrics", &[]);
    assert_eq!(status, 200, "{text}");
    let scrape = Scrape::parse(&text);
    for (name, kind) in promised() {
        assert_eq!(
            scrape.types.get(name).map(String::as_str),
            Some(kind),
            "{name} is not there as a {kind} before any call:\n{text}"
        );
    }
    for sample in &scrape.samples {
        let family = scrape.family_of(sample);
        assert!(scrape.types.contains_key(&family), "no TYPE for {sample}");
        assert!(scrape.helps.contains(&family), "no HELP for {sample}");
    }
    assert!(
        !text.contains("quantile="),
        "a summary is exported:\n{text}"
    );
    let check_in = "method=\"classtrack.v1.AttendanceService/CheckIn\"";
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.starts_with("classtrack_rpc_duration_seconds_bucket")
                && s.contains(check_in)
                && s.contains("le=\"+Inf\"")),
        "CheckIn's latency histogram is there from the start"
    );
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s == "classtrack_checkin_refusals_total{reason=\"TOKEN_EXPIRED\"} 0"),
        "each refusal reason is there at zero"
    );

    let section = alerts_section();
    let rules = alerting_rules(&section);
    for family in scrape.types.keys() {
        assert!(
            section.contains(&format!("`{family}`")),
            "docs/operations.md does not list `{family}`"
        );
        assert!(
            rules.contains(family.as_str()),
            "no example alert in docs/operations.md uses {family}"
        );
    }

    if let Some(promtool) = promtool() {
        promtool_accepts(&promtool, &["check", "metrics"], &text);
        let file = server.dir.join("alerts.yml");
        std::fs::write(&file, &rules).expect("rules written");
        let file = file.display().to_string();
        promtool_accepts(&promtool, &["check", "rules", &file], "");
    }
}

/// With `--metrics-listen`, /metrics is served there and no longer on the
/// public port.
#[test]
fn metrics_listen_moves_metrics_off_the_public_port() {
    let server = Server::start(&["--metrics-listen", "127.0.0.1:0"]);
    let apart = server
        .metrics_addr
        .clone()
        .expect("the server says where /metrics is");
    assert_ne!(apart, server.addr);
    let (status, text) = http_get(&apart, "/metrics", &[]);
    assert_eq!(status, 200);
    assert!(
        text.contains("# TYPE classtrack_rpc_requests_total counter"),
        "{text}"
    );
    let (status, text) = http_get(&server.addr, "/metrics", &[]);
    assert_eq!(status, 404, "the public port still serves /metrics");
    assert!(!text.contains("classtrack_rpc_requests_total"), "{text}");
}

/// A metrics address that is not HOST:PORT stops the server with a line
/// naming the flag.
#[test]
fn a_bad_metrics_listen_is_an_error_naming_it() {
    let out = Command::new(BINARY)
        .args(["config", "--metrics-listen", "everywhere"])
        .env_remove("CLASSTRACK_METRICS_LISTEN")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--metrics-listen") && stderr.contains("HOST:PORT"),
        "{stderr}"
    );
}

/// Each request is one line of target `access` with its method, path,
/// HTTP status, gRPC status, duration and the client's address as resolved
/// behind the trusted proxy; a failed login logs the username tried. No
/// token, password, cookie, query string or QR token appears anywhere in
/// the log.
#[tokio::test]
async fn each_request_is_one_access_line_without_secrets() {
    let server = Server::start(&["--log-format", "json", "--trusted-proxy", "127.0.0.1"]);
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", server.addr))
        .expect("url")
        .connect()
        .await
        .expect("connects");
    let clients = classtrack_proto::Clients::new(channel);

    let token = clients
        .auth()
        .login(from(v1::LoginRequest {
            login: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        }))
        .await
        .expect("the admin logs in")
        .into_inner()
        .token;
    let wrong = "not-the-password-Zq9";
    let refused = clients
        .auth()
        .login(from(v1::LoginRequest {
            login: "someone-tried".into(),
            password: wrong.into(),
        }))
        .await
        .expect_err("a wrong password is refused");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    let mut who = from(v1::WhoAmIRequest {});
    who.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("value"),
    );
    clients.auth().who_am_i(who).await.expect("who am I");
    // The same over gRPC-Web, whose status travels inside the body.
    let (status, _) = tokio::task::spawn_blocking({
        let addr = server.addr.clone();
        let bearer = format!("Bearer {token}");
        move || {
            let headers = [
                ("Content-Type", "application/grpc-web+proto"),
                ("Authorization", bearer.as_str()),
            ];
            // One empty message: no compression flag, length 0.
            let empty = [0u8; 5];
            http(
                &addr,
                "POST",
                "/classtrack.v1.AuthService/WhoAmI",
                &headers,
                &empty,
            )
        }
    })
    .await
    .expect("gRPC-Web call");
    assert_eq!(status, 200);
    let qr = "42.177.SECRETMACSECRETMAC";
    let cookie = format!("ct_session={}", URL_SAFE_NO_PAD.encode(token.as_bytes()));
    let (status, _) = tokio::task::spawn_blocking({
        let addr = server.addr.clone();
        move || {
            http_get(
                &addr,
                &format!("/c/{qr}?where=QUERYSECRET"),
                &[("Cookie", &cookie)],
            )
        }
    })
    .await
    .expect("page fetched");

    let access = |v: &serde_json::Value| v["target"] == "access";
    let path_is =
        |p: &'static str| move |v: &serde_json::Value| access(v) && v["fields"]["path"] == p;
    let logins = server.json_lines(2, path_is("/classtrack.v1.AuthService/Login"));
    let codes: BTreeSet<String> = logins
        .iter()
        .map(|v| {
            v["fields"]["grpc_status"]
                .as_str()
                .unwrap_or("none")
                .to_string()
        })
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from(["OK".to_string(), "UNAUTHENTICATED".to_string()]),
        "{logins:?}"
    );
    for line in &logins {
        let f = &line["fields"];
        assert_eq!(f["method"], "POST", "{line}");
        assert_eq!(f["status"], 200, "{line}");
        assert_eq!(
            f["peer"], "203.0.113.7",
            "the client behind the proxy: {line}"
        );
        assert!(
            f["duration_ms"].as_f64().is_some_and(|d| d >= 0.0),
            "{line}"
        );
    }
    // The page's own calls go through the in-process channel: not logged
    // as requests, so WhoAmI is exactly the two calls made (gRPC, gRPC-Web).
    let whoami = server.json_lines(2, path_is("/classtrack.v1.AuthService/WhoAmI"));
    assert_eq!(whoami.len(), 2, "{whoami:?}");
    for line in &whoami {
        assert_eq!(line["fields"]["grpc_status"], "OK", "{line}");
    }
    let page = server.json_lines(1, path_is("/c/[token]"));
    assert_eq!(page.len(), 1, "the landing page's line: {:?}", server.log());
    assert_eq!(page[0]["fields"]["status"], u64::from(status));
    assert_eq!(page[0]["fields"]["method"], "GET");
    assert!(
        page[0]["fields"].get("grpc_status").is_none(),
        "{}",
        page[0]
    );

    let failed = server.json_lines(1, |v| v["fields"]["message"] == "failed login");
    assert_eq!(failed.len(), 1, "{:?}", server.log());
    assert_eq!(failed[0]["fields"]["username"], "someone-tried");

    let log = server.log().join("\n");
    for secret in [
        token.as_str(),
        ADMIN_PASSWORD,
        wrong,
        "SECRETMACSECRETMAC",
        "QUERYSECRET",
        &URL_SAFE_NO_PAD.encode(token.as_bytes()),
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}
