//! ClassTrack on a real three-node MariaDB Galera cluster (issue 14, item
//! 10): three `classtrack serve` processes, replica i on node i, and nginx
//! running deploy/nginx.conf with the three in its upstream block, checked
//! the way a university runs them:
//!
//! * three replicas started at the same moment on one fresh database all
//!   come up, and each migration is applied once;
//! * what one replica writes, the others read at once (a course, a login);
//! * a session closed from two replicas at once is closed once, and neither
//!   professor gets UNAVAILABLE or INTERNAL;
//! * kill -9 of a node, and of a replica, under check-in load through nginx:
//!   every acknowledged check-in is there afterwards, none doubled, and only
//!   the calls in flight at the kill fail (UNAVAILABLE, never INTERNAL).
//!
//! The cluster comes from `CLASSTRACK_TEST_GALERA` (three `HOST:PORT`, the
//! nodes' SQL ports, as root without a password); `bash .ci/galera` starts
//! one and sets it. Unset, every test passes with a loud "skipped" line.
//! Set to something that is not a synced cluster of three, the tests fail
//! under `CI=true` and are skipped (loudly, with the reason) otherwise.
//! The tests take the cluster one at a time, each on a fresh database; the
//! node they kill is started again before the next one runs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use classtrack_core::ManualClock;
use classtrack_proto::v1;
use sqlx::{Connection, MySqlConnection};
use tonic::transport::Channel;
use tonic::Code;

#[allow(dead_code, unused_macros)]
#[path = "api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "support/nginx.rs"]
mod nginx;
#[allow(dead_code)]
#[path = "support/pki.rs"]
mod pki;

use helpers::{req, TestApp, ADMIN_PASSWORD};

const VAR: &str = "CLASSTRACK_TEST_GALERA";
const BINARY: &str = env!("CARGO_BIN_EXE_classtrack");
/// Connections per replica: 3 replicas × 10 stay far below a node's
/// `max_connections` (200 in .ci/galera), even when a node's replica moves
/// to another node.
const POOL: &str = "10";

#[tokio::test]
async fn three_replicas_started_at_once_on_a_fresh_database_all_come_up_and_migrate_once() {
    let Some((cluster, _turn)) = cluster().await else {
        return;
    };
    let db = Database::fresh(&cluster);
    let dir = Dir::new("start");
    let began = Instant::now();
    let starting: Vec<Starting> = (0..3)
        .map(|node| Starting::spawn(&db, node, Migrate::AtStart, &dir))
        .collect();
    let mut up = Vec::new();
    let mut down = Vec::new();
    for s in starting {
        let node = s.node;
        match s.up(Duration::from_secs(90)).await {
            Ok(replica) => up.push(replica),
            Err(why) => down.push(format!("replica {} (node {}): {why}", node + 1, node + 1)),
        }
    }
    let took = began.elapsed();
    let mut sql = cluster.sql(0, Some(&db.name)).await;
    let applied: Result<Vec<(i64, bool)>, _> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut sql)
            .await;
    let known = known_migrations();
    println!(
        "concurrent start: {} of 3 replicas up in {:.1} s; _sqlx_migrations: {:?} (this build \
         knows {:?})",
        up.len(),
        took.as_secs_f64(),
        applied,
        known
    );
    assert!(
        down.is_empty(),
        "replicas that did not come up:\n{}",
        down.join("\n")
    );
    let applied = applied.expect("_sqlx_migrations");
    let versions: Vec<i64> = applied.iter().map(|(v, _)| *v).collect();
    assert_eq!(versions, known, "each migration once, in order");
    assert!(
        applied.iter().all(|(_, ok)| *ok),
        "every migration successful: {applied:?}"
    );
    // All three serve, on the one administrator they made between them.
    let clock = clock();
    for replica in &up {
        let app = TestApp::at(replica.url(), clock.clone(), "galera").await;
        let admins = app
            .users()
            .list_users(req(&app.admin, v1::ListUsersRequest::default()))
            .await
            .unwrap_or_else(|e| panic!("replica {}: list users: {e:?}", replica.node + 1))
            .into_inner()
            .users
            .into_iter()
            .filter(|u| u.role == v1::Role::Admin as i32)
            .count();
        assert_eq!(admins, 1, "replica {}", replica.node + 1);
    }
}

#[tokio::test]
async fn what_one_replica_writes_the_others_read_at_once() {
    let Some((cluster, _turn)) = cluster().await else {
        return;
    };
    let db = Database::migrated(&cluster);
    let deployment = Deployment::start(&db, false).await;
    let apps = &deployment.apps;

    // Courses: created on one replica, read at once on the two others.
    let mut reads = 0;
    let mut missed: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..120 {
        let writer = i % 3;
        let course = apps[writer]
            .create_course(&format!("RYW{i:03}"), &[], None)
            .await;
        for reader in (0..3).filter(|&r| r != writer) {
            reads += 1;
            let got = apps[reader]
                .courses()
                .get_course(req(
                    &apps[reader].admin,
                    v1::GetCourseRequest {
                        name: course.name.clone(),
                    },
                ))
                .await;
            if let Err(status) = got {
                *missed.entry(format!("{:?}", status.code())).or_default() += 1;
            }
        }
    }

    // Logins: made on one replica, used at once on the two others.
    let mut uses = 0;
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..15 {
        let writer = i % 3;
        let (_, token) = apps[writer]
            .user_with_token(v1::Role::Student, &format!("ryw{i:02}"))
            .await;
        for reader in (0..3).filter(|&r| r != writer) {
            uses += 1;
            let who = apps[reader]
                .auth()
                .who_am_i(req(&token, v1::WhoAmIRequest::default()))
                .await;
            if let Err(status) = who {
                *refused.entry(format!("{:?}", status.code())).or_default() += 1;
            }
        }
    }
    println!(
        "read-your-writes: {reads} reads of a course just created through another replica, \
         failed: {missed:?}; {uses} calls with a login just made through another replica, \
         failed: {refused:?}"
    );
    assert!(
        missed.is_empty(),
        "courses not read at once: {missed:?} of {reads}"
    );
    assert!(
        refused.is_empty(),
        "logins not honoured at once: {refused:?} of {uses}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_closed_from_two_replicas_at_once_is_closed_once() {
    let Some((cluster, _turn)) = cluster().await else {
        return;
    };
    let db = Database::migrated(&cluster);
    let deployment = Deployment::start(&db, false).await;
    let apps = &deployment.apps;
    let course = apps[0].create_course("CLOSE1", &[], None).await;
    for n in 0..3 {
        let student = apps[0]
            .create_user(v1::Role::Student, &format!("closer{n}"))
            .await;
        apps[0].enroll(&course, &student).await;
    }
    let mut sessions = Vec::new();
    for _ in 0..10 {
        sessions.push(apps[0].create_session(&course, 0, 60, None).await);
    }
    // Let the set-up reach every node: this test is about the closes.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (k, session) in sessions.iter().enumerate() {
        let (a, b) = (k % 3, (k + 1) % 3);
        let close = |app: &TestApp| {
            let mut client = app.sessions();
            let request = req(
                &app.admin,
                v1::CloseSessionRequest {
                    name: session.name.clone(),
                },
            );
            async move { client.close_session(request).await }
        };
        let (first, second) = tokio::join!(close(&apps[a]), close(&apps[b]));
        let mut marked = 0;
        for (replica, answer) in [(a, first), (b, second)] {
            match answer {
                Ok(r) => {
                    *answers.entry("OK".into()).or_default() += 1;
                    marked += r.into_inner().marked_absent;
                }
                Err(status) => {
                    *answers.entry(format!("{:?}", status.code())).or_default() += 1;
                    wrong.push(format!(
                        "{}: replica {} answered {:?} {:?}",
                        session.name,
                        replica + 1,
                        status.code(),
                        status.message()
                    ));
                }
            }
        }
        let once = closed_once(&cluster, &db, session).await;
        if marked > 3 || once != (1, 3, 1) {
            wrong.push(format!(
                "{}: marked absent {marked} in the answers; (session.close audit entries, \
                 absences, 'closed' events) = {once:?}, expected (1, 3, 1)",
                session.name
            ));
        }
    }
    println!(
        "close from two replicas at once: {} pairs, answers {answers:?}",
        sessions.len()
    );
    assert!(wrong.is_empty(), "{}", listed(&wrong));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_a_node_under_check_in_load_loses_nothing() {
    let Some((cluster, _turn)) = cluster().await else {
        return;
    };
    let db = Database::migrated(&cluster);
    let deployment = Deployment::start(&db, true).await;
    let class = Arc::new(Class::new(&deployment.apps[0], 20, 15).await);
    // Node 2: the one replica 2 uses. Node 1 bootstrapped the cluster.
    let victim = NodeProcess::of(&cluster, 1).await;
    let mut killed = None;
    let load = class
        .load(
            deployment.through_nginx().await,
            6,
            Duration::from_secs(2),
            || {
                killed = Some(victim.kill());
            },
        )
        .await;
    let verdict = load.verdict(&cluster, &db, 0, &class).await;
    let retried = class
        .retry_failed(deployment.through_nginx().await, &load)
        .await;
    println!("kill -9 of node 2 (replica 2's node) under load: {verdict}; {retried}");

    // The node comes back and has every check-in too.
    let restarted = Instant::now();
    drop(killed);
    cluster
        .ready()
        .await
        .unwrap_or_else(|e| panic!("the killed node did not rejoin: {e}"));
    let rejoined = restarted.elapsed();
    let (on_first, on_second) = (
        class.recorded(&cluster, &db, 0).await.len(),
        class.recorded(&cluster, &db, 1).await.len(),
    );
    println!(
        "node 2 started again and Synced in {:.1} s: {on_second} check-ins on it, {on_first} on \
         node 1",
        rejoined.as_secs_f64()
    );
    verdict.assert();
    retried.assert();
    assert_eq!(
        on_first,
        class.pairs().len(),
        "every check-in once, after the retries"
    );
    assert_eq!(on_second, on_first, "the rejoined node has every check-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_a_replica_under_check_in_load_loses_nothing() {
    let Some((cluster, _turn)) = cluster().await else {
        return;
    };
    let db = Database::migrated(&cluster);
    let mut deployment = Deployment::start(&db, true).await;
    let class = Arc::new(Class::new(&deployment.apps[0], 20, 15).await);
    let through = deployment.through_nginx().await;
    let victim = &mut deployment.replicas[1];
    let load = class
        .load(through.clone(), 6, Duration::from_secs(2), || victim.kill())
        .await;
    let verdict = load.verdict(&cluster, &db, 0, &class).await;
    let retried = class.retry_failed(through, &load).await;
    println!("kill -9 of replica 2 under load: {verdict}; {retried}");
    verdict.assert();
    retried.assert();
    assert_eq!(
        class.recorded(&cluster, &db, 0).await.len(),
        class.pairs().len(),
        "every check-in once, after the retries"
    );
}

// ---------------------------------------------------------------------------
// The cluster

/// The three nodes of `CLASSTRACK_TEST_GALERA`.
struct Cluster {
    nodes: Vec<String>,
}

/// One test at a time on the cluster: one of them kills a node.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The cluster and this test's turn on it, or `None` (announced) when the
/// tests are not to run.
async fn cluster() -> Option<(Cluster, tokio::sync::MutexGuard<'static, ()>)> {
    let value = std::env::var(VAR).unwrap_or_default();
    if value.trim().is_empty() {
        announce(format!(
            "{VAR} is not set, so the Galera cluster tests do not run (`bash .ci/galera` \
             starts a three-node cluster and runs them)"
        ));
        return None;
    }
    let turn = ONE_AT_A_TIME.lock().await;
    // Outside CI a broken cluster is found once; the other tests skip at once.
    static BROKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let checked = match (BROKEN.get(), Cluster::parse(&value)) {
        (Some(why), _) => Err(why.clone()),
        (None, Ok(cluster)) => cluster.ready().await.map(|()| cluster),
        (None, Err(e)) => Err(e),
    };
    match checked {
        Ok(cluster) => Some((cluster, turn)),
        Err(why) if under_ci() => {
            panic!("CI=true and {VAR}={value} is not a usable Galera cluster: {why}")
        }
        Err(why) => {
            let _ = BROKEN.set(why.clone());
            announce(format!(
                "{VAR}={value} is not a usable Galera cluster: {why}"
            ));
            None
        }
    }
}

/// A loud "skipped" line, once per test binary, on stderr itself (past the
/// test harness's capture).
fn announce(why: String) {
    static ANNOUNCED: std::sync::Once = std::sync::Once::new();
    ANNOUNCED.call_once(|| {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\n!!! skipped: {why} !!!\n");
    });
}

impl Cluster {
    fn parse(value: &str) -> Result<Self, String> {
        let nodes: Vec<String> = value.split(',').map(|n| n.trim().to_string()).collect();
        if nodes.len() != 3 {
            return Err(format!(
                "expected three HOST:PORT separated by commas, got {}",
                nodes.len()
            ));
        }
        for node in &nodes {
            let port = node.rsplit_once(':').map(|(_, p)| p.parse::<u16>());
            if !matches!(port, Some(Ok(_))) {
                return Err(format!("{node:?} is not HOST:PORT"));
            }
        }
        Ok(Self { nodes })
    }

    /// Waits until every node says `wsrep_cluster_size=3`, `wsrep_ready=ON`
    /// and Synced: up to 90 s (for a node a test restarted) once a node
    /// answered, 10 s while none does.
    async fn ready(&self) -> Result<(), String> {
        let began = Instant::now();
        let mut answered = false;
        loop {
            let mut states = Vec::new();
            for node in 0..3 {
                states.push(self.state(node).await);
            }
            let wanted = ("3".to_string(), "ON".to_string(), "Synced".to_string());
            if states.iter().all(|s| s.as_ref() == Ok(&wanted)) {
                return Ok(());
            }
            answered |= states.iter().any(Result::is_ok);
            let patience = Duration::from_secs(if answered { 90 } else { 10 });
            if began.elapsed() > patience {
                return Err(format!(
                    "(wsrep_cluster_size, wsrep_ready, wsrep_local_state_comment) of the nodes: \
                     {states:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn state(&self, node: usize) -> Result<(String, String, String), String> {
        let mut conn = self.connect(node, None).await.map_err(|e| e.to_string())?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SHOW STATUS WHERE Variable_name IN \
             ('wsrep_cluster_size', 'wsrep_ready', 'wsrep_local_state_comment')",
        )
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
        let value = |name: &str| {
            rows.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Ok((
            value("wsrep_cluster_size"),
            value("wsrep_ready"),
            value("wsrep_local_state_comment"),
        ))
    }

    /// `mysql://root@NODE/DATABASE`.
    fn url(&self, node: usize, database: Option<&str>) -> String {
        format!(
            "mysql://root@{}/{}",
            self.nodes[node],
            database.unwrap_or_default()
        )
    }

    async fn connect(
        &self,
        node: usize,
        database: Option<&str>,
    ) -> Result<MySqlConnection, sqlx::Error> {
        let url = self.url(node, database);
        match tokio::time::timeout(Duration::from_secs(3), MySqlConnection::connect(&url)).await {
            Ok(connected) => connected,
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// A connection of the test's own to `node`, whose reads wait for
    /// everything the cluster committed before them.
    async fn sql(&self, node: usize, database: Option<&str>) -> MySqlConnection {
        let mut conn = self
            .connect(node, database)
            .await
            .unwrap_or_else(|e| panic!("node {}: {e}", node + 1));
        sqlx::query("SET SESSION wsrep_sync_wait = 1")
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("node {}: wsrep_sync_wait: {e}", node + 1));
        conn
    }
}

/// A node's mariadbd, to kill and start again as it was started.
struct NodeProcess {
    node: usize,
    pid: i32,
    argv: Vec<OsString>,
}

impl NodeProcess {
    async fn of(cluster: &Cluster, node: usize) -> Self {
        let mut sql = cluster.sql(node, None).await;
        let pid_file: String = sqlx::query_scalar("SELECT @@pid_file")
            .fetch_one(&mut sql)
            .await
            .expect("pid_file");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap_or_else(|e| panic!("node {}: {pid_file}: {e}", node + 1))
            .trim()
            .parse()
            .expect("a pid");
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
        let argv = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| std::os::unix::ffi::OsStringExt::from_vec(a.to_vec()))
            .collect();
        Self { node, pid, argv }
    }

    /// kill -9; the node is started again when the answer is dropped.
    fn kill(&self) -> KilledNode<'_> {
        // SAFETY: kill(2) on the node's mariadbd, found through its pid file.
        let killed = unsafe { libc::kill(self.pid, libc::SIGKILL) };
        assert_eq!(
            killed,
            0,
            "kill -9 of node {} (pid {}): {}",
            self.node + 1,
            self.pid,
            std::io::Error::last_os_error()
        );
        KilledNode(self)
    }
}

/// A node killed by the test, started again (joining the cluster, never
/// bootstrapping a new one) when this is dropped, even by a failed test.
struct KilledNode<'a>(&'a NodeProcess);

impl Drop for KilledNode<'_> {
    fn drop(&mut self) {
        let node = self.0;
        // Its own pid must be gone before it starts again on its datadir.
        for _ in 0..100 {
            // SAFETY: signal 0 only asks whether the process exists.
            if unsafe { libc::kill(node.pid, 0) } != 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let Some((program, args)) = node.argv.split_first() else {
            return;
        };
        let started = Command::new(program)
            .args(args.iter().filter(|a| *a != "--wsrep-new-cluster"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Err(e) = started {
            eprintln!("node {} could not be started again: {e}", node.node + 1);
        }
    }
}

/// A database of one test, dropped afterwards.
struct Database {
    name: String,
    nodes: Vec<String>,
    server: String,
}

impl Database {
    /// A name no other test uses; the database is not created.
    fn fresh(cluster: &Cluster) -> Self {
        let n: u32 = rand::random();
        let name = format!("ct_galera_{}_{n:08x}", std::process::id());
        Self {
            nodes: cluster.nodes.clone(),
            server: cluster.url(0, None),
            name,
        }
    }

    /// A fresh database that `classtrack migrate` brought up to date, as an
    /// upgrade does before the replicas start with `--no-migrate`.
    fn migrated(cluster: &Cluster) -> Self {
        let db = Self::fresh(cluster);
        let out = classtrack()
            .args(["migrate", "--database-url", &cluster.url(0, Some(&db.name))])
            .output()
            .expect("classtrack migrate runs");
        assert!(
            out.status.success(),
            "classtrack migrate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        db
    }

    /// What replica `node` connects with: its own node first, then the
    /// two others, to move to when its node fails.
    fn replica_url(&self, node: usize) -> String {
        let hosts: Vec<&str> = (0..3)
            .map(|k| self.nodes[(node + k) % 3].as_str())
            .collect();
        format!("mysql://root@{}/{}", hosts.join(","), self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime; use a thread of our own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = MySqlConnection::connect(&server).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS `{name}`"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// The versions of the MariaDB migrations this build embeds.
fn known_migrations() -> Vec<i64> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations/mysql");
    let mut versions: Vec<i64> = std::fs::read_dir(&dir)
        .expect("migrations")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".sql")?.split('_').next()?.parse().ok()
        })
        .collect();
    versions.sort_unstable();
    versions
}

/// (session.close audit entries, absences marked by the close, 'closed'
/// roll events) of `session`, read on node 1.
async fn closed_once(cluster: &Cluster, db: &Database, session: &v1::Session) -> (i64, i64, i64) {
    let id: i64 = session
        .name
        .trim_start_matches("sessions/")
        .parse()
        .expect("session id");
    let mut sql = cluster.sql(0, Some(&db.name)).await;
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'session.close' AND target = ?",
    )
    .bind(&session.name)
    .fetch_one(&mut sql)
    .await
    .expect("audit");
    let absent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attendance WHERE session_id = ? AND source = 'close'",
    )
    .bind(id)
    .fetch_one(&mut sql)
    .await
    .expect("absences");
    let closed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_events WHERE session_id = ? AND kind = 'closed'",
    )
    .bind(id)
    .fetch_one(&mut sql)
    .await
    .expect("events");
    (audit, absent, closed)
}

// ---------------------------------------------------------------------------
// The replicas and nginx

/// A temporary directory for logs; kept (and named) when the test fails.
struct Dir(PathBuf);

impl Dir {
    fn new(what: &str) -> Self {
        let n: u32 = rand::random();
        let path = std::env::temp_dir().join(format!(
            "classtrack-galera-{what}-{}-{n:08x}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("dir");
        Self(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("the replicas' logs are kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The binary without any `CLASSTRACK_*` of the caller's environment.
fn classtrack() -> Command {
    let mut cmd = Command::new(BINARY);
    for (var, _) in std::env::vars() {
        if var.starts_with("CLASSTRACK_") {
            cmd.env_remove(var);
        }
    }
    cmd
}

/// A child process, killed (SIGKILL) and reaped when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Migrate {
    AtStart,
    No,
}

/// A `classtrack serve` that has not said where it listens yet.
struct Starting {
    process: Process,
    node: usize,
    log: PathBuf,
    listening: tokio::sync::oneshot::Receiver<Option<SocketAddr>>,
}

impl Starting {
    /// Replica `node + 1` on node `node + 1`.
    fn spawn(db: &Database, node: usize, migrate: Migrate, dir: &Dir) -> Self {
        let log = dir.0.join(format!("replica-{}.log", node + 1));
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut cmd = classtrack();
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--public-url", "https://localhost"])
            .args(["--database-url", &db.replica_url(node)])
            .args(["--database-max-connections", POOL])
            .args(["--trusted-proxy", "127.0.0.1"])
            .env("CLASSTRACK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        if migrate == Migrate::No {
            cmd.arg("--no-migrate");
        }
        let mut child = cmd.spawn().expect("classtrack serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, listening) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            // "ClassTrack listening on http://127.0.0.1:PORT (…)"
            let addr = BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| {
                    l.strip_prefix("ClassTrack listening on http://")?
                        .split(' ')
                        .next()?
                        .parse()
                        .ok()
                });
            let _ = tx.send(addr);
        });
        Self {
            process: Process(child),
            node,
            log,
            listening,
        }
    }

    async fn up(self, within: Duration) -> Result<Replica, String> {
        let tail = |log: &Path| {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(8)..].join("\n")
        };
        match tokio::time::timeout(within, self.listening).await {
            Ok(Ok(Some(addr))) => Ok(Replica {
                process: self.process,
                node: self.node,
                addr,
            }),
            Ok(_) => Err(format!("exited before listening:\n{}", tail(&self.log))),
            Err(_) => Err(format!(
                "not listening within {} s:\n{}",
                within.as_secs(),
                tail(&self.log)
            )),
        }
    }
}

struct Replica {
    process: Process,
    node: usize,
    addr: SocketAddr,
}

impl Replica {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// kill -9.
    fn kill(&mut self) {
        let _ = self.process.0.kill();
    }
}

/// Three replicas, replica i on node i, each with a client logged in as the
/// administrator, and nginx in front of them when asked.
struct Deployment {
    replicas: Vec<Replica>,
    apps: Vec<TestApp>,
    nginx: Option<(nginx::Nginx, pki::TestPki)>,
    _dir: Dir,
}

impl Deployment {
    async fn start(db: &Database, behind_nginx: bool) -> Self {
        let dir = Dir::new("replicas");
        // Replica 1 first, so that it alone creates the administrator: the
        // start of replicas together is the other test's.
        let mut replicas = Vec::new();
        let first = Starting::spawn(db, 0, Migrate::No, &dir);
        replicas.push(first.up(Duration::from_secs(60)).await.expect("replica 1"));
        let others: Vec<Starting> = (1..3)
            .map(|node| Starting::spawn(db, node, Migrate::No, &dir))
            .collect();
        for starting in others {
            let node = starting.node;
            let replica = starting
                .up(Duration::from_secs(60))
                .await
                .unwrap_or_else(|e| panic!("replica {}: {e}", node + 1));
            replicas.push(replica);
        }
        let clock = clock();
        let mut apps = Vec::new();
        for replica in &replicas {
            apps.push(TestApp::at(replica.url(), clock.clone(), "galera").await);
        }
        let nginx = if behind_nginx {
            let binary = nginx::nginx().expect("nginx is installed (.ci/galera installs it)");
            let pki = pki::TestPki::new("galera");
            let addrs: Vec<SocketAddr> = replicas.iter().map(|r| r.addr).collect();
            Some((nginx::Nginx::start(&binary, &addrs, &pki), pki))
        } else {
            None
        };
        Self {
            replicas,
            apps,
            nginx,
            _dir: dir,
        }
    }

    /// A gRPC channel to nginx, which hands each call to the replicas in turn.
    async fn through_nginx(&self) -> Channel {
        let (nginx, _) = self.nginx.as_ref().expect("started behind nginx");
        nginx.channel_from("127.0.0.1".parse().expect("ip")).await
    }
}

/// The test's clock for the helpers' sessions: now (the servers read their own).
fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc::now()))
}

// ---------------------------------------------------------------------------
// Check-ins under load

/// Students, each logged in, enrolled in one course with open sessions.
struct Class {
    students: Vec<(v1::User, String)>,
    /// Each session and a QR token good for the whole test (a 300 s rotation
    /// with 30 s of grace).
    sessions: Vec<(v1::Session, String)>,
}

/// One check-in: student `student` into session `session`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Pair {
    student: usize,
    session: usize,
}

struct Call {
    pair: Pair,
    /// Since the load began.
    started: Duration,
    ended: Duration,
    /// Whether the check-in was new (`already_recorded` false), or the code.
    answer: Result<bool, (Code, String)>,
}

struct Load {
    calls: Vec<Call>,
    killed_at: Duration,
    lasted: Duration,
}

impl Class {
    /// Set up through one replica (`app`), so that nothing here depends on
    /// reading another node's writes.
    async fn new(app: &TestApp, students: usize, sessions: usize) -> Self {
        let settings = v1::CheckInSettings {
            qr_rotation_seconds: Some(300),
            qr_grace_seconds: Some(30),
            ..Default::default()
        };
        let course = app.create_course("LOAD1", &[], Some(settings)).await;
        let names: Vec<String> = (0..students).map(|n| format!("load{n:03}")).collect();
        let logged_in = futures::future::join_all(
            names
                .iter()
                .map(|name| app.user_with_token(v1::Role::Student, name)),
        )
        .await;
        for (student, _) in &logged_in {
            app.enroll(&course, student).await;
        }
        let mut open = Vec::new();
        for _ in 0..sessions {
            let session = app.create_session(&course, 0, 60, None).await;
            let qr = app.qr(&session).await.token;
            open.push((session, qr));
        }
        // Let the set-up reach every node before the load begins.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Self {
            students: logged_in,
            sessions: open,
        }
    }

    fn pairs(&self) -> Vec<Pair> {
        let (students, sessions) = (self.students.len(), self.sessions.len());
        (0..students * sessions)
            .map(|k| Pair {
                session: k % sessions,
                student: (k / sessions + k % sessions) % students,
            })
            .collect()
    }

    /// One check-in through `channel`, answered within 10 s or counted as
    /// DEADLINE_EXCEEDED.
    async fn check_in(&self, channel: Channel, pair: Pair) -> Result<bool, (Code, String)> {
        let (_, token) = &self.students[pair.student];
        let (_, qr) = &self.sessions[pair.session];
        let mut client = v1::attendance_service_client::AttendanceServiceClient::new(channel);
        let call = client.check_in(req(
            token,
            v1::CheckInRequest {
                credential: Some(v1::check_in_request::Credential::Token(qr.clone())),
                device_id: format!("phone-{}", pair.student),
                ..Default::default()
            },
        ));
        match tokio::time::timeout(Duration::from_secs(10), call).await {
            Ok(Ok(r)) => Ok(!r.into_inner().already_recorded),
            Ok(Err(status)) => Err((status.code(), status.message().to_string())),
            Err(_) => Err((Code::DeadlineExceeded, "no answer within 10 s".into())),
        }
    }

    /// Every pair once through `channel`, in bursts of `burst` every 100 ms
    /// (a lecture hall scanning; each call in its own task, so slow answers
    /// do not hold back the next), calling `kill` just after the burst sent
    /// at `kill_after`, while its calls are on their way.
    async fn load(
        self: &Arc<Self>,
        channel: Channel,
        burst: usize,
        kill_after: Duration,
        kill: impl FnOnce(),
    ) -> Load {
        let began = tokio::time::Instant::now();
        let mut kill = Some(kill);
        let mut killed_at = None;
        let mut tasks = Vec::new();
        for (n, pairs) in self.pairs().chunks(burst).enumerate() {
            let due = Duration::from_millis(100) * u32::try_from(n).expect("bursts");
            tokio::time::sleep_until(began + due).await;
            for &pair in pairs {
                let (class, channel) = (self.clone(), channel.clone());
                tasks.push(tokio::spawn(async move {
                    let started = began.elapsed();
                    let answer = class.check_in(channel, pair).await;
                    Call {
                        pair,
                        started,
                        ended: began.elapsed(),
                        answer,
                    }
                }));
            }
            if due >= kill_after {
                if let Some(kill) = kill.take() {
                    // The burst's calls are sent (nginx and the replicas
                    // answer a check-in in a few ms on this machine).
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    kill();
                    killed_at = Some(began.elapsed());
                }
            }
        }
        let mut calls = Vec::new();
        for task in tasks {
            calls.push(task.await.expect("a check-in task"));
        }
        Load {
            calls,
            killed_at: killed_at.expect("the load lasted past the kill"),
            lasted: began.elapsed(),
        }
    }

    /// The (session, student) ids of `db`'s attendance rows, read on `node`,
    /// with how many 'record' roll events each has.
    async fn recorded(
        &self,
        cluster: &Cluster,
        db: &Database,
        node: usize,
    ) -> HashMap<(i64, i64), i64> {
        let mut sql = cluster.sql(node, Some(&db.name)).await;
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT a.session_id, a.student_id, \
             (SELECT COUNT(*) FROM session_events e WHERE e.session_id = a.session_id \
              AND e.student_id = a.student_id AND e.kind = 'record') \
             FROM attendance a",
        )
        .fetch_all(&mut sql)
        .await
        .unwrap_or_else(|e| panic!("attendance on node {}: {e}", node + 1));
        rows.into_iter().map(|(s, u, n)| ((s, u), n)).collect()
    }

    fn ids(&self, pair: Pair) -> (i64, i64) {
        let id = |name: &str, prefix: &str| -> i64 {
            name.trim_start_matches(prefix).parse().expect("an id")
        };
        (
            id(&self.sessions[pair.session].0.name, "sessions/"),
            id(&self.students[pair.student].0.name, "users/"),
        )
    }

    /// Each failed check-in once more, as the phone would: it must succeed,
    /// and say "already recorded" when the failed call had in fact written.
    async fn retry_failed(self: &Arc<Self>, channel: Channel, load: &Load) -> Retried {
        let mut retried = Retried::default();
        let new_before: HashSet<Pair> = load
            .calls
            .iter()
            .filter(|c| c.answer == Ok(true))
            .map(|c| c.pair)
            .collect();
        let failed: Vec<Pair> = load
            .calls
            .iter()
            .filter(|c| c.answer.is_err())
            .map(|c| c.pair)
            .collect();
        let answers = futures::future::join_all(
            failed
                .iter()
                .map(|pair| self.check_in(channel.clone(), *pair)),
        )
        .await;
        for (pair, answer) in failed.iter().zip(answers) {
            retried.tried += 1;
            match answer {
                Ok(true) if new_before.contains(pair) => retried
                    .wrong
                    .push(format!("{pair:?} was recorded twice as new")),
                Ok(true) => {}
                Ok(false) => retried.had_written += 1,
                Err((code, message)) => retried
                    .wrong
                    .push(format!("retry of {pair:?}: {code:?} {message}")),
            }
        }
        retried
    }
}

#[derive(Default)]
struct Retried {
    tried: usize,
    /// Failed calls whose check-in had been written all the same.
    had_written: usize,
    wrong: Vec<String>,
}

impl std::fmt::Display for Retried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "retried the {} failed check-ins: {} OK ({} had been written), {} wrong",
            self.tried,
            self.tried - self.wrong.len(),
            self.had_written,
            self.wrong.len()
        )
    }
}

impl Retried {
    fn assert(&self) {
        assert!(self.wrong.is_empty(), "{self}:\n{}", listed(&self.wrong));
    }
}

/// The first dozen of `lines`, and how many more there are.
fn listed(lines: &[String]) -> String {
    let mut text = lines
        .iter()
        .take(12)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if lines.len() > 12 {
        text.push_str(&format!("\n… and {} more", lines.len() - 12));
    }
    text
}

/// What a load did, and what it should not have.
struct Verdict {
    summary: String,
    wrong: Vec<String>,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)
    }
}

impl Verdict {
    fn assert(&self) {
        assert!(
            self.wrong.is_empty(),
            "{}\n{}",
            self.summary,
            listed(&self.wrong)
        );
    }
}

impl Load {
    /// Checks the answers against `db` as `node` (a survivor) has it.
    async fn verdict(
        &self,
        cluster: &Cluster,
        db: &Database,
        node: usize,
        class: &Class,
    ) -> Verdict {
        // Calls on their way at the kill may still be written by the node
        // that got them; give replication a moment.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let recorded = class.recorded(cluster, db, node).await;
        let kill = self.killed_at;
        let mut wrong = Vec::new();
        let mut failed: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut new_answers: HashMap<Pair, usize> = HashMap::new();
        let mut last_failure = None::<Duration>;
        let (mut slowest_after, mut slowest_ok_after) = (Duration::ZERO, Duration::ZERO);
        for call in &self.calls {
            let in_flight = call.started < kill && call.ended >= kill;
            if call.started >= kill {
                slowest_after = slowest_after.max(call.ended - call.started);
                if call.answer.is_ok() {
                    slowest_ok_after = slowest_ok_after.max(call.ended - call.started);
                }
            }
            match &call.answer {
                Ok(new) => {
                    if *new {
                        *new_answers.entry(call.pair).or_default() += 1;
                    }
                    if !recorded.contains_key(&class.ids(call.pair)) {
                        wrong.push(format!(
                            "{:?} was acknowledged at {:?} but is not on node {}",
                            call.pair,
                            call.ended,
                            node + 1
                        ));
                    }
                }
                Err((code, message)) => {
                    let entry = failed.entry(format!("{code:?}")).or_default();
                    if in_flight {
                        entry.0 += 1;
                    } else {
                        entry.1 += 1;
                    }
                    last_failure = Some(last_failure.unwrap_or_default().max(call.ended));
                    if !(in_flight && *code == Code::Unavailable) {
                        wrong.push(format!(
                            "{:?} started {} ms {} the kill and got {code:?} {message:?} after \
                             {} ms",
                            call.pair,
                            call.started.abs_diff(kill).as_millis(),
                            if call.started < kill {
                                "before"
                            } else {
                                "after"
                            },
                            (call.ended - call.started).as_millis()
                        ));
                    }
                }
            }
        }
        for (pair, n) in &new_answers {
            if *n > 1 {
                wrong.push(format!("{pair:?} was answered as new {n} times"));
            }
        }
        let doubled = recorded.values().filter(|n| **n > 1).count();
        if doubled > 0 {
            wrong.push(format!(
                "{doubled} check-ins have more than one 'record' roll event"
            ));
        }
        let ok = self.calls.iter().filter(|c| c.answer.is_ok()).count();
        let failed_text = if failed.is_empty() {
            "none".to_string()
        } else {
            failed
                .iter()
                .map(|(code, (during, after))| {
                    format!(
                        "{code} {} ({during} in flight at the kill, {after} not)",
                        during + after
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let summary = format!(
            "{} check-ins through nginx over {:.1} s, kill at {:.2} s; {ok} OK, failed: \
             {failed_text}; last failure answered {}; calls started after the kill took up to {} \
             ms ({} ms for the successful ones); {} rows on node {} for {} acknowledged, \
             {doubled} doubled",
            self.calls.len(),
            self.lasted.as_secs_f64(),
            kill.as_secs_f64(),
            last_failure.map_or("never".into(), |t| if t >= kill {
                format!("{} ms after the kill", (t - kill).as_millis())
            } else {
                format!("{} ms before the kill", (kill - t).as_millis())
            }),
            slowest_after.as_millis(),
            slowest_ok_after.as_millis(),
            recorded.len(),
            node + 1,
            ok,
        );
        Verdict { summary, wrong }
    }
}
