//! `classtrack login --sso` end to end: the real binary as the server and,
//! in another process, as the client. The test reads the URL and the code
//! the client prints, logs in on the web tier and approves on `/device`
//! over HTTP as a browser would, then the client finishes and the next CLI
//! command works with the token it stored.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hyper::StatusCode;

use crate::web::Browser;

const BINARY: &str = env!("CARGO_BIN_EXE_classtrack");
const ADMIN_PASSWORD: &str = "a-long-enough-admin-passphrase";
/// What the server says its public URL is (nothing listens there): the
/// URL the client prints must be built from it.
const PUBLIC_URL: &str = "http://127.0.0.1:9";

/// A process that is killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `classtrack` command with no CLASSTRACK_* setting of the test's own
/// environment, in `dir`.
fn classtrack(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BINARY);
    for (var, _) in std::env::vars() {
        if var.starts_with("CLASSTRACK_") {
            cmd.env_remove(var);
        }
    }
    cmd.current_dir(dir)
        .env("CLASSTRACK_CREDENTIALS", dir.join("credentials.toml"));
    cmd
}

/// The lines a process prints, as they come, read on a thread of their own.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next line that `pick` accepts, within `limit`.
fn wait_for(
    lines: &mpsc::Receiver<String>,
    limit: Duration,
    what: &str,
    pick: impl Fn(&str) -> Option<String>,
) -> String {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(found) = pick(&line) {
                    return found;
                }
                seen.push(line);
            }
            Err(_) => panic!("no {what} within {limit:?}; printed: {seen:#?}"),
        }
    }
}

#[tokio::test]
async fn classtrack_login_sso_signs_the_cli_in_through_the_browser() {
    let n: u64 = rand::random();
    let dir = std::env::temp_dir().join(format!("classtrack-sso-test-{n:016x}"));
    std::fs::create_dir_all(&dir).expect("dir");

    let mut server = Process(
        classtrack(&dir)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--public-url",
                PUBLIC_URL,
            ])
            .args(["--database-url", "sqlite://sso.db"])
            .env("CLASSTRACK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("server.log")).expect("log"))
            .spawn()
            .expect("the server starts"),
    );
    let server_lines = lines_of(&mut server.0);
    let addr = wait_for(
        &server_lines,
        Duration::from_secs(60),
        "listening line",
        |l| {
            l.strip_prefix("ClassTrack listening on http://")
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_string)
        },
    );
    let url = format!("http://{addr}");

    let mut cli = Process(
        classtrack(&dir)
            .args(["login", "--sso", "--server", &url])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("cli.log")).expect("log"))
            .spawn()
            .expect("the client starts"),
    );
    let cli_lines = lines_of(&mut cli.0);
    let page = wait_for(&cli_lines, Duration::from_secs(30), "URL", |l| {
        l.strip_prefix("To sign in, open ").map(str::to_string)
    });
    assert_eq!(
        page,
        format!("{PUBLIC_URL}/device"),
        "built from public_url"
    );
    let code = wait_for(&cli_lines, Duration::from_secs(5), "code", |l| {
        l.strip_prefix("and enter the code ").map(str::to_string)
    });
    assert_eq!(code.len(), 9, "{code}");

    // The browser: /device sends it to the login page and back.
    let mut browser = Browser::at(url.clone());
    let there = format!("/device?code={code}");
    let first = browser.get(&there).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{first:?}");
    let to_login = first.location.clone().unwrap_or_default();
    assert!(to_login.starts_with("/login?next="), "{to_login}");
    browser.get(&to_login).await;
    let logged_in = browser
        .post(
            "/login",
            &[
                ("login", "admin"),
                ("password", ADMIN_PASSWORD),
                ("next", &there),
            ],
        )
        .await;
    assert_eq!(
        logged_in.location.as_deref(),
        Some(there.as_str()),
        "{logged_in:?}"
    );
    let asking = browser.get(&there).await;
    assert_eq!(asking.status, StatusCode::OK, "{asking:?}");
    assert!(asking.body.contains(&code), "{}", asking.body);
    assert!(asking.body.contains("classtrack CLI"), "{}", asking.body);
    let approved = browser
        .post("/device", &[("user_code", &code), ("decision", "approve")])
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{approved:?}");
    assert!(approved.body.contains("Approved"), "{}", approved.body);

    // The client, polling every 5 s, gets its token and says so.
    let done = wait_for(&cli_lines, Duration::from_secs(30), "login line", |l| {
        l.starts_with("Logged in as ").then(|| l.to_string())
    });
    assert!(done.starts_with("Logged in as admin (admin)"), "{done}");
    let status = cli.0.wait().expect("the client ends");
    assert!(status.success(), "{status:?}");

    // The stored token serves the next command.
    let courses = classtrack(&dir)
        .args(["courses", "list"])
        .output()
        .expect("courses list runs");
    assert!(
        courses.status.success(),
        "{:?}: {}",
        courses.status,
        String::from_utf8_lossy(&courses.stderr)
    );
    // As an administrator: an API token by `classtrack tokens`, listed.
    let made = classtrack(&dir)
        .args([
            "tokens",
            "create",
            "nightly export",
            "--role",
            "professor",
            "--days",
            "30",
        ])
        .output()
        .expect("tokens create runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let secret = String::from_utf8_lossy(&made.stdout).trim().to_string();
    assert!(secret.len() >= 40, "the secret alone on stdout: {secret:?}");
    let listed = classtrack(&dir)
        .args(["tokens", "list"])
        .output()
        .expect("tokens list runs");
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(listed.contains("nightly export"), "{listed}");
    assert!(!listed.contains(&secret), "{listed}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
