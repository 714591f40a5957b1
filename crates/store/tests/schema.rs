//! Opening a database without migrating it (`Store::open_without_migrating`,
//! a server with `migrate: false`): it needs only row privileges, changes
//! nothing, and refuses a schema that isn't current with a one-line message
//! naming what is missing and saying to run `classtrack migrate`.
//!
//! Each test runs once per database, as its own named test (`…::sqlite`,
//! `…::mariadb`).

use classtrack_store::testing::{mariadb_only, per_backend, TestDb};
use classtrack_store::{Backend, Store, StoreError};

per_backend!(
    an_empty_database_is_refused_and_left_empty,
    a_database_behind_or_ahead_names_the_migration,
);
mariadb_only!(the_mariadb_test_account_may_only_read_and_write_rows);

fn schema_error(what: &str, r: Result<Store, StoreError>) -> String {
    match r {
        Ok(_) => panic!("{what}: opened, but the schema is not current"),
        Err(StoreError::Schema(message)) => {
            assert!(
                message.contains("run `classtrack migrate`") && !message.contains('\n'),
                "{what}: one line that says to run `classtrack migrate`: {message}"
            );
            message
        }
        Err(e) => panic!("{what}: not a schema error: {e:?}"),
    }
}

/// A database nothing has migrated is refused, and opening it changes
/// nothing: on SQLite no file appears, on MariaDB the row-only account may
/// not create the database. Once migrated, it opens.
async fn an_empty_database_is_refused_and_left_empty(db: TestDb) {
    let l = db.label();
    if db.backend == Backend::MySql {
        // The database doesn't exist yet, and the row-only account may
        // not create it.
        let m = schema_error(l, Store::open_without_migrating(&db.url).await);
        assert!(m.contains("does not exist"), "{l}: {m}");
        // Created but empty (as root, nothing migrated).
        Store::connect(&db.admin_url)
            .await
            .expect("create")
            .close()
            .await;
    } else {
        // No file: refused, and none is created.
        let m = schema_error(l, Store::open_without_migrating(&db.url).await);
        assert!(m.contains("without creating it"), "{l}: {m}");
        let path = db.url.trim_start_matches("sqlite://");
        assert!(
            !std::path::Path::new(path).exists(),
            "{l}: {path} was created"
        );
        Store::connect(&db.url).await.expect("create").close().await;
    }
    let m = schema_error(l, Store::open_without_migrating(&db.url).await);
    assert!(m.contains("no _sqlx_migrations table"), "{l}: {m}");

    db.migrate().await;
    let store = Store::open_without_migrating(&db.url)
        .await
        .unwrap_or_else(|e| panic!("{l}: a migrated database opens: {e}"));
    store.ping().await.expect("ping");
    store.close().await;
}

/// A database a migration behind, one ahead (applied but unknown to this
/// binary), or with a migration whose file has changed is refused, naming
/// the migration.
async fn a_database_behind_or_ahead_names_the_migration(db: TestDb) {
    db.migrate().await;
    let l = db.label();
    let admin = Store::connect(&db.admin_url).await.expect("admin");
    let pool = &admin.pool();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 3")
        .execute(pool)
        .await
        .expect("forget 0003");
    let m = schema_error(l, Store::open_without_migrating(&db.url).await);
    assert!(
        m.contains("missing migration 0003 (login throttle and password change)"),
        "{l}: {m}"
    );
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, \
         checksum, execution_time) SELECT 9999, 'from the future', installed_on, success, \
         checksum, execution_time FROM _sqlx_migrations WHERE version = 1",
    )
    .execute(pool)
    .await
    .expect("a migration from the future");
    let m = schema_error(l, Store::open_without_migrating(&db.url).await);
    assert!(
        m.contains("missing migration 0003") && m.contains("migration 9999 is applied but unknown"),
        "{l}: {m}"
    );
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 9999")
        .execute(pool)
        .await
        .expect("back");
    sqlx::query("UPDATE _sqlx_migrations SET checksum = ? WHERE version = 2")
        .bind(vec![0u8; 48])
        .execute(pool)
        .await
        .expect("a changed file");
    let m = schema_error(l, Store::open_without_migrating(&db.url).await);
    assert!(m.contains("migration 0002"), "{l}: {m}");
    admin.close().await;
}

/// On MariaDB the tests' `url` really is a row-only account: it cannot
/// migrate, while the admin URL can.
async fn the_mariadb_test_account_may_only_read_and_write_rows(db: TestDb) {
    db.migrate().await;
    assert_ne!(db.url, db.admin_url);
    let store = Store::open_without_migrating(&db.url)
        .await
        .expect("row-only account opens the migrated database");
    let denied = sqlx::query("CREATE TABLE not_allowed (id INT)")
        .execute(&store.pool())
        .await
        .expect_err("DDL must be denied");
    assert!(
        denied.to_string().contains("command denied"),
        "DDL refused for lack of the privilege: {denied}"
    );
    store.close().await;
    // Store::open would migrate: sqlx's CREATE TABLE IF NOT EXISTS
    // _sqlx_migrations is refused to this account.
    let r = Store::open(&db.url).await;
    assert!(
        r.is_err(),
        "the row-only account must not be able to migrate"
    );
}
