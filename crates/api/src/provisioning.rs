//! Who a provider's account is in ClassTrack: the linked account, kept in
//! step with what the provider says (role included), or an existing account
//! with the same username or email, linked at the first login, or a new one
//! when provisioning is on. Never silently a different person: a match that
//! is ambiguous, or already linked elsewhere, is refused and logged.

use classtrack_core::validate::{self, Problem};
use classtrack_core::Role;
use classtrack_store::users::{self, NewUser, User, UserChanges};
use classtrack_store::{identities, Conn, StoreError};

use crate::error::{ApiError, ApiResult};
use crate::retry::retrying;
use crate::state::State;

/// What a provider says about the person who just proved who they are.
#[derive(Debug, Clone)]
pub struct ProviderAccount {
    /// `ldap`, or an OpenID provider's configured name.
    pub provider: String,
    /// The provider's permanent id of the account.
    pub subject: String,
    /// The mapped fields.
    pub username: String,
    /// The display name.
    pub display_name: String,
    /// The email address.
    pub email: String,
    /// The student number, if the provider gives one.
    pub student_number: Option<String>,
    /// The mapped role.
    pub role: Role,
    /// Whether `role` is the provider's to say. When not (a provider whose
    /// tokens carry no groups, such as Google's), a new account starts with
    /// `role` and its role is then ClassTrack's, set by an administrator.
    pub role_from_provider: bool,
}

/// Checks an outside account's profile with the rules a local account's
/// obeys, so that what a directory or an OpenID provider says can be stored;
/// the error names the field: "its email is unusable: …".
pub(crate) fn check_profile(
    username: &str,
    email: &str,
    display_name: &str,
    student_number: Option<&str>,
) -> Result<(), String> {
    fn unusable(what: &str) -> impl Fn(Problem) -> String + '_ {
        move |e| format!("its {what} is unusable: {e}")
    }
    validate::username(username).map_err(unusable("username"))?;
    validate::email(email).map_err(unusable("email"))?;
    validate::display_name(display_name).map_err(unusable("display name"))?;
    if let Some(n) = student_number {
        validate::student_number(n).map_err(unusable("student number"))?;
    }
    Ok(())
}

/// The role an outside account's groups give: administrator over professor
/// over student. `same(group, configured)` says whether a group the provider
/// lists is a configured one (OpenID: names without case; LDAP: DNs).
pub(crate) fn role_from_groups(
    groups: &[String],
    admin: &[String],
    professor: &[String],
    same: impl Fn(&str, &str) -> bool,
) -> Role {
    let member = |wanted: &[String]| groups.iter().any(|g| wanted.iter().any(|w| same(g, w)));
    if member(admin) {
        Role::Admin
    } else if member(professor) {
        Role::Professor
    } else {
        Role::Student
    }
}

/// The answer to a provider login that cannot go on; the same for a
/// deactivated account as for a local login.
const DEACTIVATED: ApiError = ApiError::Unauthenticated(Problem::new("api-error-login-refused"));

/// The ClassTrack account of `who`, linked or created as the rules say, at
/// `now` (UTC ms). `address` is the client's, for the audit log.
pub async fn account_for(
    s: &State,
    who: &ProviderAccount,
    provision: bool,
    address: &str,
    now: i64,
) -> ApiResult<User> {
    retrying!(s, "provider login", {
        let mut tx = s.store.begin().await?;
        let user = resolve(&mut tx, who, provision, address, now).await?;
        classtrack_store::commit(tx).await?;
        Ok(user)
    })
}

async fn resolve(
    conn: &mut Conn,
    who: &ProviderAccount,
    provision: bool,
    address: &str,
    now: i64,
) -> ApiResult<User> {
    if let Some(id) = identities::user_of(conn, &who.provider, &who.subject).await? {
        let user = users::get(conn, id).await?;
        if !user.active {
            tracing::info!(provider = %who.provider, username = %user.username, "provider login of a deactivated account refused");
            return Err(DEACTIVATED);
        }
        identities::touch(conn, &who.provider, &who.subject, now).await?;
        return sync(conn, user, who, address, now).await;
    }
    let by_name = match users::get_by_username(conn, &who.username).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let by_email = users::find_by_email(conn, &who.email).await?;
    let candidate = match (by_name, by_email) {
        (Some(a), Some(b)) if a.id != b.id => {
            return Err(conflict(
                who,
                &format!(
                    "username {} is {} but email {} is {}",
                    who.username,
                    a.id.name(),
                    who.email,
                    b.id.name()
                ),
            ))
        }
        (Some(a), _) | (None, Some(a)) => Some(a),
        (None, None) => None,
    };
    match candidate {
        Some(user) => link(conn, user, who, address, now).await,
        None if provision => create(conn, who, address, now).await,
        None => {
            tracing::info!(provider = %who.provider, username = %who.username, "provider login refused: no such ClassTrack account and provisioning is off");
            Err(ApiError::denied("api-error-sso-no-account"))
        }
    }
}

/// Links an existing account found by username or email.
async fn link(
    conn: &mut Conn,
    user: User,
    who: &ProviderAccount,
    address: &str,
    now: i64,
) -> ApiResult<User> {
    if !user.active {
        tracing::info!(provider = %who.provider, username = %user.username, "provider login of a deactivated account refused");
        return Err(DEACTIVATED);
    }
    if let Some(other) = identities::subject_of(conn, user.id, &who.provider).await? {
        return Err(conflict(
            who,
            &format!(
                "{} is already linked to another {} account ({other})",
                user.id.name(),
                who.provider
            ),
        ));
    }
    let has_password = !users::password_hash(conn, user.id).await?.is_empty();
    if user.role == Role::Admin && has_password {
        // The break-glass account stays local, whatever a provider says.
        return Err(conflict(
            who,
            &format!(
                "{} is a local administrator and is never linked",
                user.id.name()
            ),
        ));
    }
    identities::link(conn, &who.provider, &who.subject, user.id, now)
        .await
        .map_err(|e| store_conflict(e, who))?;
    // From now on the provider checks who they are: no local password.
    users::set_password_hash(conn, user.id, "", false, now).await?;
    record(conn, &user, "user.link_identity", who, address, now).await?;
    tracing::info!(provider = %who.provider, username = %user.username, "provider account linked");
    sync(conn, user, who, address, now).await
}

/// A first login with provisioning on: a new account without a password.
async fn create(
    conn: &mut Conn,
    who: &ProviderAccount,
    address: &str,
    now: i64,
) -> ApiResult<User> {
    let new = NewUser {
        username: who.username.clone(),
        email: who.email.clone(),
        display_name: who.display_name.clone(),
        role: who.role,
        student_number: who
            .student_number
            .clone()
            .filter(|_| who.role == Role::Student),
        password_hash: String::new(),
        must_change_password: false,
    };
    let user = users::create(conn, &new, now)
        .await
        .map_err(|e| store_conflict(e, who))?;
    identities::link(conn, &who.provider, &who.subject, user.id, now)
        .await
        .map_err(|e| store_conflict(e, who))?;
    record(conn, &user, "user.provision", who, address, now).await?;
    tracing::info!(provider = %who.provider, username = %user.username, role = %user.role.as_str(), "account provisioned");
    Ok(user)
}

/// Brings the profile and the role in step with the provider.
async fn sync(
    conn: &mut Conn,
    user: User,
    who: &ProviderAccount,
    address: &str,
    now: i64,
) -> ApiResult<User> {
    let role = if who.role_from_provider {
        who.role
    } else {
        user.role
    };
    let student_number = who
        .student_number
        .clone()
        .filter(|_| role == Role::Student)
        .or_else(|| {
            // A number entered in ClassTrack stays unless the provider has one.
            user.student_number
                .clone()
                .filter(|_| role == Role::Student)
        });
    let changes = UserChanges {
        email: Some(who.email.clone()).filter(|e| *e != user.email),
        display_name: Some(who.display_name.clone()).filter(|d| *d != user.display_name),
        role: Some(role).filter(|r| *r != user.role),
        student_number: Some(student_number).filter(|n| *n != user.student_number),
    };
    if changes.email.is_none()
        && changes.display_name.is_none()
        && changes.role.is_none()
        && changes.student_number.is_none()
    {
        return Ok(user);
    }
    let updated = users::update(conn, user.id, &changes, now)
        .await
        .map_err(|e| store_conflict(e, who))?;
    if changes.role.is_some() {
        tracing::info!(provider = %who.provider, username = %user.username, from = %user.role.as_str(), to = %updated.role.as_str(), "role changed by the provider");
    }
    record(conn, &updated, "user.sync_identity", who, address, now).await?;
    Ok(updated)
}

async fn record(
    conn: &mut Conn,
    user: &User,
    action: &str,
    who: &ProviderAccount,
    address: &str,
    now: i64,
) -> ApiResult<()> {
    let detail = serde_json::json!({
        "provider": who.provider,
        "subject": who.subject,
        "role": user.role.as_str(),
        "email": user.email,
        "display_name": user.display_name,
    });
    classtrack_store::audit::record(
        conn,
        Some(user.id),
        Some(address),
        action,
        &user.id.name(),
        &detail.to_string(),
        now,
    )
    .await?;
    Ok(())
}

/// A taken username, email or student number is a conflict with another
/// account, refused like the others.
fn store_conflict(e: StoreError, who: &ProviderAccount) -> ApiError {
    match e {
        StoreError::Conflict { field } => conflict(
            who,
            &format!("its {} is another account's", field.replace('_', " ")),
        ),
        e => e.into(),
    }
}

fn conflict(who: &ProviderAccount, why: &str) -> ApiError {
    tracing::warn!(provider = %who.provider, subject = %who.subject, username = %who.username, why, "provider login refused: it matches a different ClassTrack account");
    ApiError::denied("api-error-sso-account-conflict")
}
