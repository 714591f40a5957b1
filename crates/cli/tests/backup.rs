//! Backups and restores as an operator runs them, with the `classtrack`
//! binary: `classtrack backup` of a server's SQLite database while students
//! check in, `classtrack restore` into a fresh file, compared table by table
//! and read back through the API; what both refuse; and for MariaDB the
//! `mariadb-dump` procedure of docs/operations.md, under the same load.

#[allow(dead_code, unused_macros)]
#[path = "api/helpers.rs"]
mod helpers;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use classtrack_proto::v1;
use classtrack_store::testing;
use helpers::{req, TestApp, ADMIN_PASSWORD, PASSWORD};
use sqlx::{ConnectOptions, Connection};

const BINARY: &str = env!("CARGO_BIN_EXE_classtrack");

/// `mariadb-dump`'s options in docs/operations.md ("Backup and restore"),
/// which the MariaDB test runs and checks the page for.
const DUMP_OPTIONS: &[&str] = &[
    "--single-transaction",
    "--routines",
    "--triggers",
    "--hex-blob",
    "--default-character-set=utf8mb4",
];

/// A directory of its own for one test, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let n: u64 = rand::random();
        let dir = std::env::temp_dir().join(format!("classtrack-backup-{test}-{n:016x}"));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

/// The binary, without the caller's `CLASSTRACK_*` variables.
fn classtrack(dir: &Scratch) -> Command {
    let mut cmd = Command::new(BINARY);
    cmd.current_dir(&dir.0);
    for (var, _) in std::env::vars() {
        if var.starts_with("CLASSTRACK_") {
            cmd.env_remove(var);
        }
    }
    cmd
}

/// Runs `classtrack ARGS --database-url URL` to its end.
async fn run(dir: &Scratch, args: &[&str], database_url: &str) -> Output {
    let mut cmd = classtrack(dir);
    cmd.args(args).env("CLASSTRACK_DATABASE_URL", database_url);
    tokio::task::spawn_blocking(move || cmd.output().expect("classtrack runs"))
        .await
        .expect("joins")
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A `classtrack serve` process on an ephemeral port.
struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Scratch, database_url: &str, flags: &[&str]) -> Self {
        let n: u32 = rand::random();
        let log = dir.join(&format!("server-{n:08x}.log"));
        let mut child = classtrack(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--public-url", "http://127.0.0.1:9"])
            .args(flags)
            .env("CLASSTRACK_DATABASE_URL", database_url)
            .env("CLASSTRACK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            // No load balancer to wait for when it stops.
            .env("CLASSTRACK_SHUTDOWN_GRACE", "100ms")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("classtrack serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| {
                l.strip_prefix("ClassTrack listening on ")
                    .and_then(|rest| rest.split(' ').next())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| {
                panic!(
                    "the server did not start:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        // Keep reading, so that nothing it prints later meets a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, url, log }
    }

    /// SIGTERM, then waits for a clean exit.
    async fn stop(mut self) {
        let pid = i32::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) on our own child's pid, which it still is: we
        // have not waited for it yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait().expect("waits") {
                Some(status) => {
                    assert!(
                        status.success(),
                        "the server stopped with {status}:\n{}",
                        std::fs::read_to_string(&self.log).unwrap_or_default()
                    );
                    return;
                }
                None if Instant::now() > deadline => panic!("the server did not stop"),
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// A client of the server, logged in as the admin.
    async fn client(&self) -> Arc<TestApp> {
        let channel = tonic::transport::Channel::from_shared(self.url.clone())
            .expect("url")
            .connect()
            .await
            .expect("connects");
        let mut app = TestApp {
            url: self.url.clone(),
            // The binary runs on the system's clock; sessions are made
            // around what this says.
            clock: Arc::new(classtrack_core::ManualClock::new(chrono::Utc::now())),
            clients: classtrack_proto::Clients::new(channel.clone()),
            channel,
            admin: String::new(),
            running: None,
            label: "classtrack serve",
        };
        app.admin = app.login("admin", ADMIN_PASSWORD).await;
        Arc::new(app)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Students enrolled in one course and its sessions, all open now.
struct Class {
    students: Vec<(v1::User, String)>,
    sessions: Vec<v1::Session>,
}

impl Class {
    async fn make(app: &TestApp, students: usize, sessions: usize) -> Self {
        let course = app.create_course("BK101", &[], None).await;
        let mut enrolled = Vec::with_capacity(students);
        for i in 0..students {
            let student = app
                .user_with_token(v1::Role::Student, &format!("student{i:03}"))
                .await;
            app.enroll(&course, &student.0).await;
            enrolled.push(student);
        }
        let mut open = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            open.push(app.create_session(&course, -5, 120, None).await);
        }
        Class {
            students: enrolled,
            sessions: open,
        }
    }
}

/// One check-in the server answered OK, and when the answer arrived.
struct Ack {
    pair: (i64, i64),
    at: Instant,
}

/// Every student checking in to one session after another, each from
/// their own phone, until stopped or done.
struct Load {
    acks: Arc<Mutex<Vec<Ack>>>,
    failures: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(app: &Arc<TestApp>, class: &Class) -> Self {
        let acks = Arc::new(Mutex::new(Vec::new()));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = class
            .students
            .iter()
            .map(|(student, token)| {
                let (app, acks, failures, stop) =
                    (app.clone(), acks.clone(), failures.clone(), stop.clone());
                let (token, phone) = (token.clone(), format!("phone-of-{}", student.username));
                let sessions = class.sessions.clone();
                tokio::spawn(async move {
                    for session in sessions {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let qr = app.qr(&session).await.token;
                        match app.check_in(&token, &qr, &phone).await {
                            Ok(r) => {
                                let record = r.record.expect("a record");
                                let pair = (id_of(&record.session), id_of(&record.student));
                                let at = Instant::now();
                                acks.lock().expect("acks").push(Ack { pair, at });
                            }
                            Err(e) => failures.lock().expect("failures").push(format!("{e:?}")),
                        }
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                })
            })
            .collect();
        Load {
            acks,
            failures,
            stop,
            tasks,
        }
    }

    async fn wait_for(&self, acks: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.acks.lock().expect("acks").len() < acks {
            assert!(Instant::now() < deadline, "the load is too slow");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the students and waits for their last calls.
    async fn stop(self) -> Vec<Ack> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("a student's task");
        }
        let failures = self.failures.lock().expect("failures");
        assert!(failures.is_empty(), "check-ins failed: {failures:?}");
        std::mem::take(&mut *self.acks.lock().expect("acks"))
    }
}

/// The id in a resource name (`sessions/42` → 42).
fn id_of(name: &str) -> i64 {
    name.rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {name:?}"))
}

/// (session id, student id) of attendance records.
type Pairs = BTreeSet<(i64, i64)>;

/// The load as seen from a backup that ran from `started` to `ended`.
struct Window {
    /// Acknowledged before it started: the backup must have them.
    before: Pairs,
    /// Every acknowledged check-in: the backup may have only these.
    all: Pairs,
    /// How many were acknowledged while it ran.
    during: usize,
}

impl Window {
    fn of(acks: &[Ack], started: Instant, ended: Instant) -> Self {
        Window {
            before: acks
                .iter()
                .filter(|a| a.at < started)
                .map(|a| a.pair)
                .collect(),
            all: acks.iter().map(|a| a.pair).collect(),
            during: acks
                .iter()
                .filter(|a| a.at > started && a.at < ended)
                .count(),
        }
    }
}

/// Asserts what a backup taken under load holds: every check-in
/// acknowledged before it started, nothing that was never acknowledged,
/// and one roll event per record (the trigger's, written in the same
/// statement).
fn assert_consistent(label: &str, window: Window, copied: &Pairs, record_events: i64) {
    let Window {
        before,
        all,
        during,
    } = window;
    eprintln!(
        "{label}: {} check-ins acknowledged before the backup, {during} while it ran, {} in all; \
         {} in the copy",
        before.len(),
        all.len(),
        copied.len()
    );
    assert!(before.len() >= 100, "{label}: the load had begun");
    let missing: Vec<_> = before.difference(copied).collect();
    assert!(
        missing.is_empty(),
        "{label}: {} check-ins acknowledged before the backup are missing from it, e.g. \
         (session, student) {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let unacknowledged: Vec<_> = copied.difference(&all).collect();
    assert!(
        unacknowledged.is_empty(),
        "{label}: records never acknowledged: {unacknowledged:?}"
    );
    assert!(
        during > 0,
        "{label}: no check-in was acknowledged while the backup ran"
    );
    assert!(
        all.len() > copied.len(),
        "{label}: the load went on after the backup"
    );
    assert_eq!(
        record_events,
        copied.len() as i64,
        "{label}: one roll event per record in the backup"
    );
}

async fn open_sqlite(file: &Path) -> sqlx::SqliteConnection {
    sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .unwrap_or_else(|e| panic!("opening {}: {e}", file.display()))
}

/// (session, student) of every attendance record in the database at
/// `url`, and the number of `record` roll events.
async fn roll(url: &str) -> (Pairs, i64) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    let pairs: Vec<(i64, i64)> = sqlx::query_as("SELECT session_id, student_id FROM attendance")
        .fetch_all(&mut conn)
        .await
        .expect("attendance");
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM session_events WHERE kind = 'record'")
            .fetch_one(&mut conn)
            .await
            .expect("events");
    let _ = conn.close().await;
    (pairs.into_iter().collect(), events)
}

/// Every table of the file (as `sqlite_master` lists them, SQLite's own
/// included) with all its rows, each row as its columns' SQL literals, in
/// order; and the schema itself under `sqlite_master`.
async fn every_row(file: &Path) -> BTreeMap<String, Vec<String>> {
    let mut conn = open_sqlite(file).await;
    let mut tables = BTreeMap::new();
    let schema: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            .fetch_all(&mut conn)
            .await
            .expect("sqlite_master");
    tables.insert(
        "sqlite_master".to_string(),
        schema.iter().map(|row| format!("{row:?}")).collect(),
    );
    for (_, name, _, _) in schema.iter().filter(|(kind, ..)| kind == "table") {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(name)
            .fetch_all(&mut conn)
            .await
            .expect("columns");
        let quoted: Vec<String> = columns
            .iter()
            .map(|c| format!("quote(\"{}\")", c.replace('"', "\"\"")))
            .collect();
        let sql = format!(
            "SELECT {} FROM \"{}\" ORDER BY 1",
            quoted.join(" || '|' || "),
            name.replace('"', "\"\"")
        );
        let mut rows: Vec<String> = sqlx::query_scalar(&sql)
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("rows of {name}: {e}"));
        rows.sort();
        tables.insert(name.clone(), rows);
    }
    let _ = conn.close().await;
    tables
}

/// The records of every session as the API shows them.
async fn roll_through_the_api(app: &TestApp, sessions: &[v1::Session]) -> Pairs {
    let mut pairs = BTreeSet::new();
    for session in sessions {
        let roll = app
            .attendance()
            .list_session_attendance(req(
                &app.admin,
                v1::ListSessionAttendanceRequest {
                    session: session.name.clone(),
                },
            ))
            .await
            .expect("the roll")
            .into_inner();
        for entry in roll.entries {
            if let (Some(student), Some(record)) = (entry.student, entry.record) {
                if record.status != v1::AttendanceStatus::Unspecified as i32 {
                    pairs.insert((id_of(&session.name), id_of(&student.name)));
                }
            }
        }
    }
    pairs
}

/// `classtrack backup` of a live SQLite server while students check in:
/// the copy has every check-in acknowledged before it started; restored
/// into a fresh file it is the same row for row, and a server on it shows
/// the same roll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_check_in_load_restores_row_for_row() {
    let dir = Scratch::new("load");
    let live = sqlite_url(&dir.join("live.db"));
    let server = Server::start(&dir, &live, &[]);
    let app = server.client().await;
    let class = Class::make(&app, 16, 150).await;
    let load = Load::start(&app, &class);
    load.wait_for(150).await;

    let backup = dir.join("backup.db");
    let to = backup.display().to_string();
    let started = Instant::now();
    let out = run(&dir, &["backup", "--to", &to], &live).await;
    let ended = Instant::now();
    let acks = load.stop().await;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("to {to}:")) && stdout.contains("integrity_check ok"),
        "{stdout}"
    );
    let (copied, record_events) = roll(&format!("{}?mode=ro", sqlite_url(&backup))).await;
    let printed = stdout.lines().find_map(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        (words.len() == 3 && words[0] == "attendance").then(|| words[1].to_string())
    });
    assert_eq!(
        printed,
        Some(copied.len().to_string()),
        "the attendance rows printed are the file's:\n{stdout}"
    );
    assert_consistent(
        "sqlite",
        Window::of(&acks, started, ended),
        &copied,
        record_events,
    );
    assert!(!dir.join("backup.db.partial").exists());
    server.stop().await;

    let restored = dir.join("restored.db");
    let restored_url = sqlite_url(&restored);
    let out = run(&dir, &["restore", "--from", &to], &restored_url).await;
    assert!(out.status.success(), "{}", text(&out));
    let (from_backup, from_restore) = (every_row(&backup).await, every_row(&restored).await);
    assert!(from_backup.contains_key("attendance") && from_backup.len() > 10);
    assert_eq!(
        from_backup.keys().collect::<Vec<_>>(),
        from_restore.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &from_backup {
        assert!(
            &from_restore[table] == rows,
            "table {table} differs after the restore"
        );
    }

    let server = Server::start(&dir, &restored_url, &["--no-migrate"]);
    let app = server.client().await;
    assert_eq!(roll_through_the_api(&app, &class.sessions).await, copied);
    let (student, _) = &class.students[0];
    app.login(&student.username, PASSWORD).await;
    server.stop().await;
}

/// A restore while a server runs on the database is refused, names the
/// database, and leaves it as it was; once the server stops it goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_is_refused_while_a_server_uses_the_database() {
    let dir = Scratch::new("in-use");
    let live_file = dir.join("live.db");
    let live = sqlite_url(&live_file);
    let server = Server::start(&dir, &live, &[]);
    let app = server.client().await;
    let out = run(&dir, &["backup", "--to", "empty.db"], &live).await;
    assert!(out.status.success(), "{}", text(&out));
    let kept = app.create_course("KEPT1", &[], None).await;

    let out = run(&dir, &["restore", "--from", "empty.db"], &live).await;
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "a ClassTrack server is using {}; stop it first",
            live_file.display()
        )),
        "{stderr}"
    );
    assert!(!dir.join("live.db.restoring").exists());
    let courses = app
        .courses()
        .list_courses(req(&app.admin, v1::ListCoursesRequest::default()))
        .await
        .expect("the server still serves its database")
        .into_inner()
        .courses;
    assert!(courses.iter().any(|c| c.name == kept.name), "{courses:?}");
    server.stop().await;

    let out = run(&dir, &["restore", "--from", "empty.db"], &live).await;
    assert!(out.status.success(), "{}", text(&out));
    for stale in ["live.db-wal", "live.db-shm", "live.db.restoring"] {
        assert!(!dir.join(stale).exists(), "{stale} is left");
    }
    let rows = every_row(&live_file).await;
    assert!(
        rows["courses"].is_empty(),
        "the backup from before KEPT1 is back"
    );
}

/// A backup does not replace a file without --force, and leaves nothing.
#[tokio::test]
async fn backup_refuses_to_overwrite_a_file_without_force() {
    let dir = Scratch::new("overwrite");
    let db = sqlite_url(&dir.join("ct.db"));
    let out = run(&dir, &["migrate"], &db).await;
    assert!(out.status.success(), "{}", text(&out));
    let precious = dir.join("precious.txt");
    std::fs::write(&precious, "not to be lost").expect("write");

    let out = run(&dir, &["backup", "--to", "precious.txt"], &db).await;
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("precious.txt exists; give --force to replace it"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&precious).expect("read"),
        "not to be lost"
    );
    assert!(!dir.join("precious.txt.partial").exists());

    let out = run(&dir, &["backup", "--to", "precious.txt", "--force"], &db).await;
    assert!(out.status.success(), "{}", text(&out));
    let head = std::fs::read(&precious).expect("read");
    assert!(head.starts_with(b"SQLite format 3\0"), "a database now");
    let rows = every_row(&precious).await;
    assert!(rows.contains_key("_sqlx_migrations"));

    let out = run(&dir, &["backup", "--to", "ct.db", "--force"], &db).await;
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ct.db is the database itself"));
}

/// What is not a ClassTrack backup is refused with a message naming the
/// file and what it is, and the database stays as it was.
#[tokio::test]
async fn a_file_that_is_not_a_classtrack_database_is_refused() {
    let dir = Scratch::new("foreign");
    let target_file = dir.join("ct.db");
    let target = sqlite_url(&target_file);
    let out = run(&dir, &["migrate"], &target).await;
    assert!(out.status.success(), "{}", text(&out));
    let before = std::fs::read(&target_file).expect("read");

    std::fs::write(dir.join("notes.txt"), "attendance, week 1\n").expect("write");
    let other = dir.join("other.db");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&other)
        .create_if_missing(true)
        .connect()
        .await
        .expect("creates");
    sqlx::query("CREATE TABLE things (id INTEGER PRIMARY KEY)")
        .execute(&mut conn)
        .await
        .expect("a table");
    conn.close().await.expect("closes");

    for (file, why) in [
        ("notes.txt", "it is not an SQLite database"),
        ("other.db", "it has no _sqlx_migrations table"),
        ("missing.db", ""),
    ] {
        let out = run(&dir, &["restore", "--from", file], &target).await;
        assert!(!out.status.success(), "{file}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = if why.is_empty() {
            format!("{file} does not exist")
        } else {
            format!("{file} is not a ClassTrack database: {why}")
        };
        assert!(stderr.contains(&expected), "{file}: {stderr}");
        assert_eq!(std::fs::read(&target_file).expect("read"), before, "{file}");
        assert!(!dir.join("ct.db.restoring").exists(), "{file}");
    }

    let out = run(
        &dir,
        &["backup", "--to", "x.db"],
        "mysql://root@127.0.0.1:3306/ct",
    )
    .await;
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("mariadb-dump --single-transaction")
            && String::from_utf8_lossy(&out.stderr).contains("docs/operations.md"),
        "{}",
        text(&out)
    );
}

/// How the MariaDB client tools reach the test server.
struct MariaDb {
    host: String,
    port: u16,
    user: String,
    password: Option<String>,
}

impl MariaDb {
    fn of(url: &str) -> Self {
        let u = url::Url::parse(url).expect("a MariaDB URL");
        MariaDb {
            host: u.host_str().unwrap_or("127.0.0.1").to_string(),
            port: u.port().unwrap_or(3306),
            user: u.username().to_string(),
            password: u.password().map(str::to_string),
        }
    }

    /// `tool` with the connection options (the password through MYSQL_PWD,
    /// never on the command line).
    fn command(&self, tool: &str) -> Command {
        let mut cmd = Command::new(tool);
        cmd.arg(format!("--host={}", self.host))
            .arg(format!("--port={}", self.port))
            .arg(format!("--user={}", self.user));
        if let Some(password) = &self.password {
            cmd.env("MYSQL_PWD", password);
        }
        cmd
    }

    /// `mariadb-dump` of `database` as docs/operations.md writes it, into `file`.
    fn dump(&self, database: &str, file: &Path) {
        let out = self
            .command("mariadb-dump")
            .args(DUMP_OPTIONS)
            .arg(format!("--result-file={}", file.display()))
            .arg(database)
            .output()
            .expect("mariadb-dump runs (install mariadb-client)");
        assert!(out.status.success(), "mariadb-dump: {}", text(&out));
    }

    /// `mariadb DATABASE < file`, after creating the database.
    fn load(&self, database: &str, file: &Path) {
        let out = self
            .command("mariadb")
            .arg("--default-character-set=utf8mb4")
            .arg("-e")
            .arg(format!(
                "CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            ))
            .output()
            .expect("mariadb runs");
        assert!(out.status.success(), "create: {}", text(&out));
        let out = self
            .command("mariadb")
            .arg("--default-character-set=utf8mb4")
            .arg(database)
            .stdin(std::fs::File::open(file).expect("the dump"))
            .output()
            .expect("mariadb runs");
        assert!(out.status.success(), "load: {}", text(&out));
    }
}

/// A dump without its comment lines (which name the host, the database and
/// the time).
fn statements(dump: &Path) -> Vec<String> {
    std::fs::read_to_string(dump)
        .expect("the dump")
        .lines()
        .filter(|l| !l.starts_with("--"))
        .map(str::to_string)
        .collect()
}

/// The MariaDB procedure of docs/operations.md, run on a live server while
/// students check in: `mariadb-dump --single-transaction`, loaded into a
/// fresh database, has every check-in acknowledged before the dump began,
/// and a dump of the restored database is the same statement for
/// statement (every table, row and trigger).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mariadb_dump_under_check_in_load_restores_every_table() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/operations.md"
    ))
    .expect("docs/operations.md");
    let documented = format!("mariadb-dump {}", DUMP_OPTIONS.join(" "));
    assert!(
        docs.contains(&documented),
        "docs/operations.md runs `{documented}`"
    );
    // Under CI=true a MariaDB that does not answer fails here.
    let Some(db) = testing::mysql().await else {
        return;
    };
    let Some(restored) = testing::mysql_fresh().await else {
        return;
    };
    let (_, source) = classtrack_store::mysql_database_name(&db.admin_url).expect("a name");
    let (_, target) = classtrack_store::mysql_database_name(&restored.admin_url).expect("a name");
    let tools = MariaDb::of(&db.admin_url);
    let dir = Scratch::new("mariadb");

    let server = Server::start(&dir, &db.url, &["--no-migrate"]);
    let app = server.client().await;
    let class = Class::make(&app, 16, 150).await;
    let load = Load::start(&app, &class);
    load.wait_for(150).await;
    let dump = dir.join("classtrack.sql");
    let started = Instant::now();
    let (dumping, into) = (MariaDb::of(&db.admin_url), dump.clone());
    let source_name = source.clone();
    tokio::task::spawn_blocking(move || dumping.dump(&source_name, &into))
        .await
        .expect("joins");
    let ended = Instant::now();
    let acks = load.stop().await;
    server.stop().await;

    tools.load(&target, &dump);
    let (copied, record_events) = roll(&restored.admin_url).await;
    assert_consistent(
        "mariadb",
        Window::of(&acks, started, ended),
        &copied,
        record_events,
    );
    let again = dir.join("again.sql");
    tools.dump(&target, &again);
    let (first, second) = (statements(&dump), statements(&again));
    assert!(
        first
            .iter()
            .any(|l| l.starts_with("INSERT INTO `attendance`"))
            && first.iter().any(|l| l.contains("TRIGGER")),
        "the dump has rows and triggers"
    );
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert!(a == b, "the restored database dumps differently:\n{a}\n{b}");
    }
}
