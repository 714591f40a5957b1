//! One account at a time: creating (an [`Applicant`] checked first),
//! reading, listing, updating, deactivating and resetting passwords.

use crate::retry::retrying;
use classtrack_core::validate::{self, FieldViolation, Violations};
use classtrack_core::{Role, UserId};
use classtrack_proto::v1;
use classtrack_store::page::Page;
use classtrack_store::users::{self, NewUser, UserChanges, UserFilter};
use classtrack_store::{auth, courses, StoreError};
use serde_json::json;
use tonic::Request;

use crate::access::{found, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::names::parse_name;
use crate::passwords;
use crate::services::{audit, mask_paths};
use crate::state::State;

/// A new account's fields, normalised (trimmed; username and email lowercased).
#[derive(Clone)]
pub(crate) struct Applicant {
    /// Trimmed and lowercased.
    pub username: String,
    /// Trimmed and lowercased.
    pub email: String,
    /// Trimmed.
    pub display_name: String,
    /// The account's role.
    pub role: Role,
    /// Trimmed; `None` when empty.
    pub student_number: Option<String>,
}

impl Applicant {
    /// Normalises the fields as typed; nothing is checked yet
    /// ([`Applicant::violations`] does that).
    pub fn new(
        username: &str,
        email: &str,
        display_name: &str,
        role: Role,
        student_number: &str,
    ) -> Self {
        let number = student_number.trim();
        Self {
            username: username.trim().to_lowercase(),
            email: email.trim().to_lowercase(),
            display_name: display_name.trim().to_string(),
            role,
            student_number: (!number.is_empty()).then(|| number.to_string()),
        }
    }

    /// Every problem, with field names under `prefix` ("user." or "").
    pub fn violations(&self, prefix: &str) -> Vec<FieldViolation> {
        let mut v = Violations::default();
        v.check(
            &format!("{prefix}username"),
            validate::username(&self.username),
        );
        v.check(&format!("{prefix}email"), validate::email(&self.email));
        v.check(
            &format!("{prefix}display_name"),
            validate::display_name(&self.display_name),
        );
        if let Some(n) = &self.student_number {
            v.check(
                &format!("{prefix}student_number"),
                validate::student_number(n),
            );
            if self.role != Role::Student {
                v.problem(
                    format!("{prefix}student_number"),
                    classtrack_core::validate::Problem::new("api-field-students-only"),
                );
            }
        }
        v.0
    }

    /// What a dry run shows for this account: no name, no password yet.
    pub fn preview(&self, line: i32) -> v1::ImportedUser {
        v1::ImportedUser {
            user: Some(v1::User {
                username: self.username.clone(),
                email: self.email.clone(),
                display_name: self.display_name.clone(),
                role: convert::role(self.role) as i32,
                student_number: self.student_number.clone().unwrap_or_default(),
                active: true,
                ..Default::default()
            }),
            initial_password: String::new(),
            line,
        }
    }

    /// The names a chosen password must not be made of.
    pub fn names(&self) -> [&str; 3] {
        [&self.username, &self.email, &self.display_name]
    }

    /// `generated`: the server chose the password, so it must be changed at
    /// the first login.
    pub fn into_new_user(self, password_hash: String, generated: bool) -> NewUser {
        NewUser {
            username: self.username,
            email: self.email,
            display_name: self.display_name,
            role: self.role,
            student_number: self.student_number,
            password_hash,
            must_change_password: generated,
        }
    }
}

pub(super) async fn create_user(
    s: &State,
    req: Request<v1::CreateUserRequest>,
) -> ApiResult<v1::CreateUserResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let u = r.user.unwrap_or_default();
    let role = convert::role_from(u.role, "user.role")?;
    let mut v = Violations::default();
    if role.is_none() {
        v.problem(
            "user.role",
            classtrack_core::validate::Problem::new("api-field-choose-role"),
        );
    }
    let applicant = Applicant::new(
        &u.username,
        &u.email,
        &u.display_name,
        role.unwrap_or(Role::Student),
        &u.student_number,
    );
    v.extend(applicant.violations("user."));
    if !r.password.is_empty() {
        v.check(
            "password",
            passwords::check_chosen(&r.password, &applicant.names()),
        );
    }
    v.into_result().map_err(ApiError::Invalid)?;
    let generated = r.password.is_empty().then(passwords::generate);
    let password = generated.clone().unwrap_or(r.password);
    let hash = passwords::hash(s.config.hash_cost, password).await?;
    let now = s.now_ms();
    retrying!(s, "create user", {
        let mut tx = s.store.begin().await?;
        let new = applicant
            .clone()
            .into_new_user(hash.clone(), generated.is_some());
        let user = users::create(&mut tx, &new, now)
            .await
            .map_err(|e| prefixed_conflict(e, "user."))?;
        audit(
            &mut tx,
            &caller,
            "user.create",
            &user.id.name(),
            json!({"username": user.username, "role": user.role.as_str()}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::CreateUserResponse {
            user: Some(convert::user(&user)),
            initial_password: generated.clone().unwrap_or_default(),
        })
    })
}

/// Names a duplicate by its request field.
pub(crate) fn prefixed_conflict(e: StoreError, prefix: &str) -> ApiError {
    match e {
        StoreError::Conflict { field } => ApiError::AlreadyExists {
            field: format!("{prefix}{field}"),
            message: format!("this {} is already taken", field.replace('_', " ")),
        },
        other => other.into(),
    }
}

pub(super) async fn get_user(
    s: &State,
    req: Request<v1::GetUserRequest>,
) -> ApiResult<v1::GetUserResponse> {
    let caller = s.caller(&req).await?;
    let id = parse_name("name", &req.get_ref().name, UserId::parse)?;
    let mut conn = s.store.acquire().await?;
    let allowed = caller.is_admin()
        || caller.user.id == id
        || (caller.user.role == Role::Professor
            && courses::teaches_student(&mut conn, caller.user.id, id).await?);
    if !allowed {
        return Err(ApiError::denied("api-error-own-account-only"));
    }
    let user = found(&caller, id, users::get(&mut conn, id).await)?;
    Ok(v1::GetUserResponse {
        user: Some(convert::user(&user)),
    })
}

pub(super) async fn list_users(
    s: &State,
    req: Request<v1::ListUsersRequest>,
) -> ApiResult<v1::ListUsersResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let page = Page::parse(r.page_size, &r.page_token, "users")?;
    let mut v = Violations::default();
    v.check(
        "query",
        validate::text(&r.query, false, validate::MAX_FILTER),
    );
    v.into_result().map_err(ApiError::Invalid)?;
    let filter = UserFilter {
        role: convert::role_from(r.role, "role")?,
        query: Some(r.query),
        include_inactive: r.include_inactive,
    };
    let mut conn = s.store.acquire().await?;
    let (mut list, total) = users::list(&mut conn, &filter, page).await?;
    let next = page.finish(&mut list, |u| u.id.0, "users");
    Ok(v1::ListUsersResponse {
        users: list.iter().map(convert::user).collect(),
        next_page_token: next,
        total_size: i32::try_from(total).unwrap_or(i32::MAX),
    })
}

pub(super) async fn update_user(
    s: &State,
    req: Request<v1::UpdateUserRequest>,
) -> ApiResult<v1::UpdateUserResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let u = r.user.unwrap_or_default();
    let id = parse_name("user.name", &u.name, UserId::parse)?;
    let paths = mask_paths(
        r.update_mask.as_ref(),
        &["email", "display_name", "student_number", "role"],
    )?;
    let mut changes = UserChanges::default();
    let mut v = Violations::default();
    for p in &paths {
        match *p {
            "email" => {
                let email = u.email.trim().to_lowercase();
                v.check("user.email", validate::email(&email));
                changes.email = Some(email);
            }
            "display_name" => {
                let name = u.display_name.trim().to_string();
                v.check("user.display_name", validate::display_name(&name));
                changes.display_name = Some(name);
            }
            "student_number" => {
                let n = u.student_number.trim().to_string();
                v.check("user.student_number", validate::student_number(&n));
                changes.student_number = Some((!n.is_empty()).then_some(n));
            }
            "role" => match convert::role_from(u.role, "user.role")? {
                Some(role) => changes.role = Some(role),
                None => v.problem(
                    "user.role",
                    classtrack_core::validate::Problem::new("api-field-choose-role"),
                ),
            },
            _ => {}
        }
    }
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
    retrying!(s, "update user", {
        let mut tx = s.store.begin().await?;
        let before = found(&caller, id, users::get(&mut tx, id).await)?;
        let role = changes.role.unwrap_or(before.role);
        let number = changes
            .student_number
            .clone()
            .unwrap_or(before.student_number.clone());
        if number.is_some() && role != Role::Student {
            return Err(ApiError::invalid(
                "user.student_number",
                "only students have a student number",
            ));
        }
        if before.role == Role::Admin
            && role != Role::Admin
            && users::count_admins(&mut tx).await? <= 1
        {
            return Err(ApiError::precondition("api-error-last-admin"));
        }
        let after = users::update(&mut tx, id, &changes, now)
            .await
            .map_err(|e| prefixed_conflict(e, "user."))?;
        audit(
            &mut tx,
            &caller,
            "user.update",
            &id.name(),
            json!({"fields": paths, "old": {"email": before.email, "display_name": before.display_name, "role": before.role.as_str(), "student_number": before.student_number},
                   "new": {"email": after.email, "display_name": after.display_name, "role": after.role.as_str(), "student_number": after.student_number}}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        s.forget_user(id);
        Ok(v1::UpdateUserResponse {
            user: Some(convert::user(&after)),
        })
    })
}

pub(super) async fn set_active(
    s: &State,
    caller: &Caller,
    name: &str,
    active: bool,
) -> ApiResult<v1::User> {
    caller.require_admin()?;
    let id = parse_name("name", name, UserId::parse)?;
    if !active && id == caller.user.id {
        return Err(ApiError::precondition("api-error-deactivate-self"));
    }
    let now = s.now_ms();
    retrying!(s, "set active", {
        let mut tx = s.store.begin().await?;
        found(caller, id, users::get(&mut tx, id).await)?;
        let user = users::set_active(&mut tx, id, active, now).await?;
        if !active {
            // Their logins, their API tokens (logins too) and any device
            // sign-in they approved that no client has collected yet.
            auth::revoke_user_tokens(&mut tx, id, None, now).await?;
            classtrack_store::device::remove_for_user(&mut tx, id).await?;
        }
        let action = if active {
            "user.reactivate"
        } else {
            "user.deactivate"
        };
        audit(&mut tx, caller, action, &id.name(), json!({}), now).await?;
        classtrack_store::commit(tx).await?;
        s.forget_user(id);
        Ok(convert::user(&user))
    })
}

pub(super) async fn reset_password(
    s: &State,
    req: Request<v1::ResetPasswordRequest>,
) -> ApiResult<v1::ResetPasswordResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let id = parse_name("name", &req.get_ref().name, UserId::parse)?;
    let password = passwords::generate();
    let hash = passwords::hash(s.config.hash_cost, password.clone()).await?;
    let now = s.now_ms();
    retrying!(s, "reset password", {
        let mut tx = s.store.begin().await?;
        found(&caller, id, users::get(&mut tx, id).await)?;
        users::set_password_hash(&mut tx, id, &hash, true, now).await?;
        auth::revoke_user_tokens(&mut tx, id, None, now).await?;
        audit(
            &mut tx,
            &caller,
            "user.reset_password",
            &id.name(),
            json!({}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        s.forget_user(id);
        Ok(v1::ResetPasswordResponse {
            new_password: password.clone(),
        })
    })
}
