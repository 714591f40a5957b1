//! Login against a real OpenLDAP (`slapd`, started per test on loopback
//! ports, tests/support/slapd.rs): the password is checked by the
//! directory, the account is provisioned or linked, the role comes from the
//! groups, and the directory being down is UNAVAILABLE.

use std::sync::Arc;

use chrono::Utc;
use classtrack::server::Tier;
use classtrack_api::directory::{Directory, LdapSettings};
use classtrack_api::ApiConfig;
use classtrack_core::ManualClock;
use classtrack_proto::v1;
use hyper::StatusCode;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;
use crate::slapd::{self, Slapd, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, SUFFIX};
use crate::web::Browser;

/// The settings docs/sso.md gives for OpenLDAP, over LDAPS with the test CA.
fn settings(slapd: &Slapd) -> LdapSettings {
    LdapSettings {
        url: slapd.ldaps_url.clone(),
        ca_file: Some(slapd.pki.ca_file()),
        bind_dn: SERVICE_DN.into(),
        bind_password: SERVICE_PASSWORD.into(),
        user_base: format!("ou=people,{SUFFIX}"),
        user_filter: "(|(uid={login})(mail={login}))".into(),
        id_attribute: "entryUUID".into(),
        username_attribute: "uid".into(),
        display_name_attribute: "cn".into(),
        email_attribute: "mail".into(),
        student_number_attribute: Some("employeeNumber".into()),
        group_base: Some(format!("ou=groups,{SUFFIX}")),
        group_filter: "(member={dn})".into(),
        admin_groups: vec![format!("cn=admins,ou=groups,{SUFFIX}")],
        professor_groups: vec!["cn=staff".into()],
        provision: true,
        timeout: std::time::Duration::from_secs(5),
        ..Default::default()
    }
}

async fn spawn_ldap(db: &TestDb, settings: LdapSettings, tier: Tier) -> TestApp {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let directory = Directory::new(settings).expect("valid LDAP settings");
    let api = ApiConfig {
        directory: Some(Arc::new(directory)),
        ..config(clock.clone())
    };
    // Logs the local administrator in: the break-glass account.
    spawn_configured(&db.url, db.label(), clock, api, tier).await
}

fn password_of(uid: &str) -> &'static str {
    PEOPLE
        .iter()
        .find(|p| p.uid == uid)
        .map(|p| p.password)
        .expect("a test person")
}

async fn try_login(
    app: &TestApp,
    login: &str,
    password: &str,
) -> Result<v1::LoginResponse, tonic::Status> {
    app.auth()
        .login(v1::LoginRequest {
            login: login.into(),
            password: password.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn find_user(app: &TestApp, username: &str) -> Option<v1::User> {
    app.users()
        .list_users(req(
            &app.admin,
            v1::ListUsersRequest {
                query: username.into(),
                include_inactive: true,
                ..Default::default()
            },
        ))
        .await
        .expect("list users")
        .into_inner()
        .users
        .into_iter()
        .find(|u| u.username == username)
}

/// A first login creates the account from the directory's entry: username,
/// name, email, student number; a second finds the same account.
async fn a_first_directory_login_provisions_the_account(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("provision");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    let first = try_login(&app, "ana", password_of("ana"))
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"));
    let ana = first.user.expect("user");
    assert_eq!(ana.username, "ana", "{l}");
    assert_eq!(ana.display_name, "Ana Lima", "{l}");
    assert_eq!(ana.email, "ana@uni.example.edu", "{l}");
    assert_eq!(ana.student_number, "S1001", "{l}");
    assert_eq!(ana.role, v1::Role::Student as i32, "{l}");
    assert!(!first.password_change_required, "{l}");
    // By email too, and it is the same account.
    let again = try_login(&app, "ana@uni.example.edu", password_of("ana"))
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"));
    assert_eq!(again.user.map(|u| u.name), Some(ana.name.clone()), "{l}");
    // The token works.
    let me = app
        .auth()
        .who_am_i(req(&first.token, v1::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"))
        .into_inner();
    assert_eq!(me.user.map(|u| u.username), Some("ana".into()), "{l}");
    // No local password: changing it is for the directory.
    let change = app
        .auth()
        .change_password(req(
            &first.token,
            v1::ChangePasswordRequest {
                current_password: password_of("ana").into(),
                new_password: "a-much-longer-new-passphrase-42".into(),
            },
        ))
        .await;
    assert_code(l, change, Code::FailedPrecondition);
    app.stop().await;
}
per_backend!(a_first_directory_login_provisions_the_account);

/// Groups give the role (cn=staff → professor, the admins group →
/// administrator), and a change in the directory takes effect at the next
/// login.
async fn groups_give_the_role_at_every_login(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("roles");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    let role_at_login = |uid: &'static str| {
        let app = &app;
        async move {
            try_login(app, uid, password_of(uid))
                .await
                .unwrap_or_else(|e| panic!("{l}: {uid}: {e:?}"))
                .user
                .map(|u| u.role)
        }
    };
    assert_eq!(
        role_at_login("paul").await,
        Some(v1::Role::Professor as i32),
        "{l}"
    );
    assert_eq!(
        role_at_login("adele").await,
        Some(v1::Role::Admin as i32),
        "{l}"
    );
    slapd.modify(&format!(
        "dn: cn=staff,ou=groups,{SUFFIX}\nchangetype: modify\nreplace: member\nmember: uid=ana,ou=people,{SUFFIX}\n"
    ));
    assert_eq!(
        role_at_login("paul").await,
        Some(v1::Role::Student as i32),
        "{l}: paul left cn=staff"
    );
    assert_eq!(
        role_at_login("ana").await,
        Some(v1::Role::Professor as i32),
        "{l}: ana joined cn=staff"
    );
    app.stop().await;
}
per_backend!(groups_give_the_role_at_every_login);

/// A wrong password and a person the directory does not know get the same
/// answer as locally, and create nothing.
async fn a_wrong_password_or_an_unknown_person_is_refused(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("refused");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    let wrong = assert_code(
        l,
        try_login(&app, "ana", "not-her-password").await,
        Code::Unauthenticated,
    );
    let unknown = assert_code(
        l,
        try_login(&app, "nobody", "some-password").await,
        Code::Unauthenticated,
    );
    assert_eq!(wrong.message(), unknown.message(), "{l}");
    assert_eq!(
        find_user(&app, "ana").await,
        None,
        "{l}: nothing provisioned"
    );
    // A filter's special characters are escaped, not obeyed.
    assert_code(
        l,
        try_login(&app, "*", "ana-directory-pw").await,
        Code::Unauthenticated,
    );
    app.stop().await;
}
per_backend!(a_wrong_password_or_an_unknown_person_is_refused);

/// With the directory down, a login is UNAVAILABLE with a RetryInfo (not
/// INTERNAL, not "wrong password"), and the local administrator still logs
/// in (break-glass).
async fn the_directory_down_is_unavailable_and_the_local_admin_still_logs_in(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let mut slapd = Slapd::start("down");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    slapd.stop();
    let down = assert_code(
        l,
        try_login(&app, "ana", password_of("ana")).await,
        Code::Unavailable,
    );
    assert!(
        down.get_details_retry_info().is_some(),
        "{l}: RetryInfo on {down:?}"
    );
    assert!(down.message().contains("directory"), "{l}: {down:?}");
    let admin = try_login(&app, "admin", ADMIN_PASSWORD).await;
    assert!(admin.is_ok(), "{l}: break-glass: {admin:?}");
    app.stop().await;
}
per_backend!(the_directory_down_is_unavailable_and_the_local_admin_still_logs_in);

/// StartTLS works with the test CA; a CA the server does not trust makes
/// the directory unreachable (UNAVAILABLE), never a plain connection.
async fn starttls_works_and_an_untrusted_certificate_is_refused(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("starttls");
    let app = spawn_ldap(
        &db,
        LdapSettings {
            url: slapd.ldap_url.clone(),
            starttls: true,
            ..settings(&slapd)
        },
        Tier::ApiOnly,
    )
    .await;
    let l = app.label;
    let ok = try_login(&app, "ana", password_of("ana")).await;
    assert!(ok.is_ok(), "{l}: StartTLS: {ok:?}");
    app.stop().await;
    let other = crate::pki::TestPki::new("not-slapds-ca");
    let app = spawn_ldap(
        &db,
        LdapSettings {
            ca_file: Some(other.ca_file()),
            ..settings(&slapd)
        },
        Tier::ApiOnly,
    )
    .await;
    assert_code(
        l,
        try_login(&app, "paul", password_of("paul")).await,
        Code::Unavailable,
    );
    app.stop().await;
}
per_backend!(starttls_works_and_an_untrusted_certificate_is_refused);

/// An account created in ClassTrack with the same username is linked at the
/// first directory login (same id, profile from the directory); its local
/// password then no longer works.
async fn an_existing_account_is_linked_by_username(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("link");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    let bea = app.create_user(v1::Role::Student, "bea").await;
    let linked = try_login(&app, "bea", password_of("bea"))
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"))
        .user
        .expect("user");
    assert_eq!(linked.name, bea.name, "{l}: the same account");
    assert_eq!(linked.display_name, "Bea Directory", "{l}");
    assert_eq!(linked.student_number, "S1002", "{l}");
    assert_code(
        l,
        try_login(&app, "bea", PASSWORD).await,
        Code::Unauthenticated,
    );
    app.stop().await;
}
per_backend!(an_existing_account_is_linked_by_username);

/// A directory entry whose username is one account and whose email is
/// another's is refused (PERMISSION_DENIED), and links nothing.
async fn a_match_with_two_accounts_is_a_refused_conflict(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("conflict");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    // The directory's carl has the email carla@uni.example.edu.
    app.create_user(v1::Role::Student, "carl").await;
    app.create_user(v1::Role::Student, "carla").await;
    let refused = assert_code(
        l,
        try_login(&app, "carl", password_of("carl")).await,
        Code::PermissionDenied,
    );
    assert!(
        refused.message().contains("different ClassTrack account"),
        "{l}: {refused:?}"
    );
    // Nothing was linked or changed.
    let carl = find_user(&app, "carl").await.expect("carl");
    assert_eq!(carl.email, "carl@uni.example.edu", "{l}");
    app.stop().await;
}
per_backend!(a_match_with_two_accounts_is_a_refused_conflict);

/// Without provisioning, a person the directory knows but ClassTrack does
/// not gets no account (PERMISSION_DENIED, saying so).
async fn without_provisioning_an_unknown_person_gets_no_account(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("noprovision");
    let app = spawn_ldap(
        &db,
        LdapSettings {
            provision: false,
            ..settings(&slapd)
        },
        Tier::ApiOnly,
    )
    .await;
    let l = app.label;
    let refused = assert_code(
        l,
        try_login(&app, "ana", password_of("ana")).await,
        Code::PermissionDenied,
    );
    assert!(
        refused.message().contains("no ClassTrack account"),
        "{l}: {refused:?}"
    );
    assert_eq!(find_user(&app, "ana").await, None, "{l}");
    app.stop().await;
}
per_backend!(without_provisioning_an_unknown_person_gets_no_account);

/// A deactivated account stays deactivated: the directory's password does
/// not bring it back, and no new account is made in its place.
async fn a_deactivated_account_stays_out(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("deactivated");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    let first = try_login(&app, "ana", password_of("ana"))
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"));
    let ana = first.user.expect("user");
    app.users()
        .deactivate_user(req(
            &app.admin,
            v1::DeactivateUserRequest {
                name: ana.name.clone(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"));
    // Her token is revoked.
    assert_code(
        l,
        app.auth()
            .who_am_i(req(&first.token, v1::WhoAmIRequest {}))
            .await,
        Code::Unauthenticated,
    );
    assert_code(
        l,
        try_login(&app, "ana", password_of("ana")).await,
        Code::Unauthenticated,
    );
    let after = find_user(&app, "ana").await.expect("ana");
    assert!(!after.active, "{l}: still deactivated");
    app.stop().await;
}
per_backend!(a_deactivated_account_stays_out);

/// The web form's login goes through the same Login: a directory password
/// logs in, a wrong one is shown the form again.
async fn the_web_form_logs_in_through_the_directory(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("web");
    let app = spawn_ldap(&db, settings(&slapd), Tier::Both).await;
    let l = app.label;
    let mut browser = Browser::new(&app);
    browser.get("/login").await;
    let wrong = browser
        .post(
            "/login",
            &[("login", "paul"), ("password", "not-his-password")],
        )
        .await;
    assert_ne!(wrong.status, StatusCode::SEE_OTHER, "{l}: {wrong:?}");
    assert!(
        wrong.body.contains("Wrong username or password"),
        "{l}: {}",
        wrong.body
    );
    let mut browser = Browser::new(&app);
    browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[("login", "paul"), ("password", password_of("paul"))],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{l}: {page:?}");
    assert!(
        !page
            .location
            .as_deref()
            .unwrap_or("/login")
            .starts_with("/login"),
        "{l}: {page:?}"
    );
    let paul = find_user(&app, "paul").await.expect("paul provisioned");
    assert_eq!(paul.role, v1::Role::Professor as i32, "{l}");
    app.stop().await;
}
per_backend!(the_web_form_logs_in_through_the_directory);

/// A local administrator with a password logs in with it even when the
/// directory has an entry of the same name (break-glass): the directory's
/// password does not open it, and the account is not linked.
async fn a_local_administrator_keeps_the_local_password(db: TestDb) {
    if !slapd::available() {
        return;
    }
    let slapd = Slapd::start("breakglass");
    let app = spawn_ldap(&db, settings(&slapd), Tier::ApiOnly).await;
    let l = app.label;
    let adele = app.create_user(v1::Role::Admin, "adele").await;
    assert_code(
        l,
        try_login(&app, "adele", password_of("adele")).await,
        Code::Unauthenticated,
    );
    let local = try_login(&app, "adele", PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{l}: {e:?}"));
    let user = local.user.expect("user");
    assert_eq!(user.name, adele.name, "{l}");
    assert_eq!(
        user.display_name, adele.display_name,
        "{l}: not synced from the directory"
    );
    app.stop().await;
}
per_backend!(a_local_administrator_keeps_the_local_password);
