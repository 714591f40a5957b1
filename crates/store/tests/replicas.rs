//! What several replicas on one database (a Galera cluster) rely on:
//! migrations that run once however many start together, a lock every
//! replica honours, causal reads and a statement timeout on every MariaDB
//! connection, the database's "try again" told apart from other failures,
//! and a URL naming several hosts, of which the first that answers is used
//! and the next when it fails. Each test runs once per database, as its own
//! named test (`…::sqlite`, `…::mariadb`).

use std::time::{Duration, Instant};

use classtrack_store::testing::{self, mariadb_only, per_backend, TestDb};
use classtrack_store::{Backend, PoolOptions, Store, StoreError};

per_backend!(
    replicas_started_together_migrate_once,
    a_lock_waits_for_its_holder,
    a_lock_left_by_a_dead_holder_lapses,
    a_half_applied_migration_names_its_repair,
    a_busy_pool_is_waited_for_and_a_database_found_gone_is_not,
);
mariadb_only!(
    every_connection_reads_causally_and_has_a_statement_timeout,
    a_deadlock_is_retryable_and_a_slow_statement_unavailable,
    the_first_host_that_answers_is_used,
    the_store_moves_to_the_next_host_when_its_host_dies,
);

async fn count(store: &Store, sql: &str) -> i64 {
    use sqlx::Row;
    let row = sqlx::query(sql)
        .fetch_one(&store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.try_get::<i64, _>(0).expect("a count")
}

/// Eight stores opened at the same moment on one fresh database (eight
/// replicas starting together): all open, and each migration is applied
/// once, completely.
async fn replicas_started_together_migrate_once(db: TestDb) {
    let l = db.label();
    let opened = futures::future::join_all((0..8).map(|_| Store::open(&db.admin_url))).await;
    let mut stores = Vec::new();
    for (i, o) in opened.into_iter().enumerate() {
        stores.push(o.unwrap_or_else(|e| panic!("{l}: replica {i} did not start: {e:?}")));
    }
    let store = &stores[0];
    let applied = count(store, "SELECT COUNT(*) FROM _sqlx_migrations").await;
    let succeeded = count(
        store,
        "SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1",
    )
    .await;
    let dir = match db.backend {
        Backend::Sqlite => "migrations/sqlite",
        Backend::MySql => "migrations/mysql",
    };
    let files = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .expect("the migrations")
        .count() as i64;
    assert_eq!(applied, files, "{l}: each migration applied once");
    assert_eq!(succeeded, files, "{l}: every migration complete");
    assert_eq!(
        count(store, "SELECT COUNT(*) FROM classtrack_locks").await,
        0,
        "{l}: the migration lock was given back"
    );
    for s in stores {
        s.check_schema().await.expect("the schema is current");
        s.close().await;
    }
}

/// A second taker waits while the lock is held, and gets it as soon as it
/// is released.
async fn a_lock_waits_for_its_holder(db: TestDb) {
    let l = db.label();
    let (a, b) = (db.open().await, db.open().await);
    // The row-only account may not create the lock table: take locks as the
    // migrating account does.
    let (a, b) = match db.backend {
        Backend::Sqlite => (a, b),
        Backend::MySql => (
            Store::open(&db.admin_url).await.expect("admin"),
            Store::open(&db.admin_url).await.expect("admin"),
        ),
    };
    let held = a.lock("test").await.expect("the first taker gets the lock");
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        let lock = b
            .lock("test")
            .await
            .expect("the second taker gets it after");
        (started.elapsed(), lock)
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !waiting.is_finished(),
        "{l}: the second taker waits while the lock is held"
    );
    held.release().await;
    let (waited, lock) = tokio::time::timeout(Duration::from_secs(3), waiting)
        .await
        .expect("the second taker gets the lock soon after its release")
        .expect("task");
    assert!(
        waited >= Duration::from_millis(700),
        "{l}: waited {waited:?}"
    );
    lock.release().await;
}

/// A lock whose holder died (its lease not renewed) is taken over.
async fn a_lock_left_by_a_dead_holder_lapses(db: TestDb) {
    let l = db.label();
    let store = Store::open(&db.admin_url).await.expect("opens");
    let past = chrono::Utc::now().timestamp_millis() - 1000;
    sqlx::query(
        "INSERT INTO classtrack_locks (name, holder, expires_at) VALUES ('test', 'gone:1:0', ?)",
    )
    .bind(past)
    .execute(&store.pool())
    .await
    .expect("a lapsed lock");
    let lock = tokio::time::timeout(Duration::from_secs(2), store.lock("test"))
        .await
        .unwrap_or_else(|_| panic!("{l}: a lapsed lock is taken at once"))
        .expect("taken");
    lock.release().await;
    store.close().await;
}

/// MariaDB cannot roll back DDL: a migration marked failed is refused with
/// the exact repair step, not retried over a half-made schema.
async fn a_half_applied_migration_names_its_repair(db: TestDb) {
    let l = db.label();
    let store = Store::open(&db.admin_url).await.expect("opens");
    sqlx::query("UPDATE _sqlx_migrations SET success = 0 WHERE version = 4")
        .execute(&store.pool())
        .await
        .expect("mark 4 failed");
    store.close().await;
    match Store::open(&db.admin_url).await {
        Err(StoreError::Schema(m)) => {
            assert!(
                m.contains("migration 0004"),
                "{l}: names the migration: {m}"
            );
            assert!(
                m.contains("DELETE FROM _sqlx_migrations WHERE version = 4;")
                    && m.contains("classtrack migrate"),
                "{l}: gives the repair step: {m}"
            );
        }
        Err(e) => panic!("{l}: not a schema error: {e:?}"),
        Ok(_) => panic!("{l}: opened over a half-applied migration"),
    }
}

async fn every_connection_reads_causally_and_has_a_statement_timeout(db: TestDb) {
    use sqlx::Row;
    let store = db.open().await;
    let pool = store.pool();
    for _ in 0..3 {
        let mut conn = pool.acquire().await.expect("a connection");
        let row = sqlx::query(
            "SELECT CAST(@@session.wsrep_sync_wait AS SIGNED), \
             CAST(@@session.max_statement_time * 1000 AS SIGNED), @@session.time_zone",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("variables");
        assert_eq!(row.try_get::<i64, _>(0).ok(), Some(1), "wsrep_sync_wait");
        assert_eq!(
            row.try_get::<i64, _>(1).ok(),
            Some(10_000),
            "max_statement_time"
        );
        assert_eq!(row.try_get::<String, _>(2).ok().as_deref(), Some("+00:00"));
    }
    store.close().await;
}

/// Two transactions that lock two rows in opposite orders: MariaDB breaks
/// the deadlock (1213) and the victim's error is retryable; a statement
/// over the statement timeout is UNAVAILABLE (the database is too slow),
/// not retried.
async fn a_deadlock_is_retryable_and_a_slow_statement_unavailable(db: TestDb) {
    let admin = Store::open(&db.admin_url).await.expect("opens");
    sqlx::query("CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL)")
        .execute(&admin.pool())
        .await
        .expect("table");
    sqlx::query("INSERT INTO t VALUES (1, 0), (2, 0)")
        .execute(&admin.pool())
        .await
        .expect("rows");
    let (mut one, mut two) = (
        admin.begin().await.expect("tx"),
        admin.begin().await.expect("tx"),
    );
    sqlx::query("UPDATE t SET n = 1 WHERE id = 1")
        .execute(&mut *one)
        .await
        .expect("one locks 1");
    sqlx::query("UPDATE t SET n = 2 WHERE id = 2")
        .execute(&mut *two)
        .await
        .expect("two locks 2");
    let a = async {
        sqlx::query("UPDATE t SET n = 1 WHERE id = 2")
            .execute(&mut *one)
            .await
    };
    let b = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        sqlx::query("UPDATE t SET n = 2 WHERE id = 1")
            .execute(&mut *two)
            .await
    };
    let (a, b) = tokio::join!(a, b);
    let victim = match (a, b) {
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => StoreError::from(e),
        other => panic!("one of the two is the deadlock's victim: {other:?}"),
    };
    assert!(victim.is_retryable(), "a deadlock is retryable: {victim:?}");
    assert!(victim.is_unavailable(), "and UNAVAILABLE if it persists");
    drop((one, two));

    let slow = Store::open_with(
        &db.admin_url,
        false,
        &PoolOptions {
            statement_timeout: Some(Duration::from_millis(300)),
            ..PoolOptions::default()
        },
    )
    .await
    .expect("opens");
    let started = Instant::now();
    let e = match sqlx::query("SELECT SLEEP(5) FROM t")
        .execute(&slow.pool())
        .await
    {
        Err(e) => StoreError::from(e),
        Ok(_) => panic!("SLEEP(5) outlived a 300 ms statement timeout"),
    };
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "stopped at the timeout"
    );
    assert!(
        e.is_unavailable(),
        "a statement over the timeout is UNAVAILABLE: {e:?}"
    );
    assert!(!e.is_retryable(), "and not retried: {e:?}");
    slow.close().await;
    admin.close().await;
}

/// `mysql://user@dead:1,live:3306/db`: the first host refuses, the second
/// is used.
async fn the_first_host_that_answers_is_used(db: TestDb) {
    let url = with_hosts(
        &db.admin_url,
        &["127.0.0.1:1".into(), host_of(&db.admin_url)],
    );
    let store = Store::open(&url).await.expect("opens on the second host");
    assert_eq!(store.current_host(), host_of(&db.admin_url));
    store.ping().await.expect("answers");
    store.close().await;
    match classtrack_store::mysql_hosts("mysql://u:p@a:1,,b:2/db") {
        Err(StoreError::BadUrl(m)) => assert!(m.contains("empty host"), "{m}"),
        other => panic!("an empty host is refused: {other:?}"),
    }
}

/// The host in use dies (a TCP relay in front of MariaDB, closed with its
/// connections): within about a second the probe moves the store to the
/// next host, and work goes on there.
async fn the_store_moves_to_the_next_host_when_its_host_dies(db: TestDb) {
    db.migrate().await;
    let target = host_of(&db.url);
    let relay = testing::Relay::start(&target).await;
    let url = with_hosts(&db.url, &[relay.addr.clone(), target.clone()]);
    let store = Store::open_without_migrating(&url).await.expect("opens");
    assert_eq!(store.current_host(), relay.addr, "the first host is used");
    store.probe().await.expect("the probe answers");
    relay.kill();
    let started = Instant::now();
    // What a replica's health loop does: probe until it answers.
    loop {
        if store.probe().await.is_ok() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "no fail-over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = started.elapsed();
    eprintln!("failed over in {took:?}");
    assert!(
        took < Duration::from_millis(1500),
        "failed over in {took:?}"
    );
    assert_eq!(store.current_host(), target, "moved to the next host");
    store.ping().await.expect("work goes on at the next host");
    let mut tx = store.begin().await.expect("a transaction on the new host");
    sqlx::query("SELECT COUNT(*) FROM users")
        .execute(&mut *tx)
        .await
        .expect("reads");
    tx.commit().await.expect("commits");
    store.close().await;
}

fn host_of(url: &str) -> String {
    let u = url::Url::parse(url).expect("url");
    format!(
        "{}:{}",
        u.host_str().expect("host"),
        u.port().unwrap_or(3306)
    )
}

/// `url` with its one host replaced by `hosts`.
fn with_hosts(url: &str, hosts: &[String]) -> String {
    url.replacen(&host_of(url), &hosts.join(","), 1)
}

/// The acquire timeout is the wait for a pool busy with work: a call waits
/// past the old 1 s default for the one connection to come back (a lecture
/// hall logging in at once behind one address). A database the probe found
/// gone is not waited for: a call already waiting stops at once, a new one
/// does not wait, and calls go through again once the probe finds it back.
async fn a_busy_pool_is_waited_for_and_a_database_found_gone_is_not(db: TestDb) {
    let l = db.label();
    db.migrate().await;
    let options = PoolOptions {
        max_connections: Some(1),
        acquire_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let store = Store::open_with(&db.url, false, &options)
        .await
        .expect("opens");

    let held = store.acquire().await.expect("the one connection");
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        drop(held);
    });
    let started = Instant::now();
    let conn = store
        .acquire()
        .await
        .unwrap_or_else(|e| panic!("{l}: a busy pool is waited for: {e:?}"));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1400),
        "{l}: got the connection after {waited:?}, before it was given back?"
    );
    release.await.expect("released");

    let waiter = {
        let store = store.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            (store.acquire().await.map(drop), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    store.set_reachable(false);
    let (got, waited) = waiter.await.expect("the waiter ends");
    assert!(
        matches!(got, Err(StoreError::Unavailable(_))),
        "{l}: a waiting call is told at once: {got:?}"
    );
    assert!(
        waited < Duration::from_millis(1000),
        "{l}: the waiting call stopped after {waited:?}"
    );
    let started = Instant::now();
    let now = store.begin().await.map(drop);
    assert!(
        matches!(now, Err(StoreError::Unavailable(_))),
        "{l}: a new call is not kept waiting: {now:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{l}: a new call waited {:?}",
        started.elapsed()
    );

    drop(conn);
    store.set_reachable(true);
    store
        .acquire()
        .await
        .unwrap_or_else(|e| panic!("{l}: served again once the probe finds it back: {e:?}"));
    store.close().await;
}
