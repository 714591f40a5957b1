//! UserService: administrators manage accounts.

use classtrack_core::validate::{self, FieldViolation, Violations};
use classtrack_core::{Role, UserId};
use classtrack_proto::v1::{self, user_service_server::UserService};
use classtrack_store::page::Page;
use classtrack_store::users::{self, NewUser, UserChanges, UserFilter};
use classtrack_store::{auth, courses, StoreError};
use serde_json::json;
use tonic::{Request, Response, Status};

use super::{audit, mask_paths, reply};
use crate::access::{found, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::import::{self, row_error};
use crate::names::parse_name;
use crate::passwords;
use crate::state::State;

pub struct UserApi(pub State);

#[tonic::async_trait]
impl UserService for UserApi {
    async fn create_user(
        &self,
        req: Request<v1::CreateUserRequest>,
    ) -> Result<Response<v1::CreateUserResponse>, Status> {
        reply(create_user(&self.0, req).await)
    }
    async fn get_user(
        &self,
        req: Request<v1::GetUserRequest>,
    ) -> Result<Response<v1::GetUserResponse>, Status> {
        reply(get_user(&self.0, req).await)
    }
    async fn list_users(
        &self,
        req: Request<v1::ListUsersRequest>,
    ) -> Result<Response<v1::ListUsersResponse>, Status> {
        reply(list_users(&self.0, req).await)
    }
    async fn update_user(
        &self,
        req: Request<v1::UpdateUserRequest>,
    ) -> Result<Response<v1::UpdateUserResponse>, Status> {
        reply(update_user(&self.0, req).await)
    }
    async fn deactivate_user(
        &self,
        req: Request<v1::DeactivateUserRequest>,
    ) -> Result<Response<v1::DeactivateUserResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let user = set_active(&self.0, &caller, &req.get_ref().name, false).await?;
                Ok(v1::DeactivateUserResponse { user: Some(user) })
            }
            .await,
        )
    }
    async fn reactivate_user(
        &self,
        req: Request<v1::ReactivateUserRequest>,
    ) -> Result<Response<v1::ReactivateUserResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                let user = set_active(&self.0, &caller, &req.get_ref().name, true).await?;
                Ok(v1::ReactivateUserResponse { user: Some(user) })
            }
            .await,
        )
    }
    async fn reset_password(
        &self,
        req: Request<v1::ResetPasswordRequest>,
    ) -> Result<Response<v1::ResetPasswordResponse>, Status> {
        reply(reset_password(&self.0, req).await)
    }
    async fn import_users(
        &self,
        req: Request<v1::ImportUsersRequest>,
    ) -> Result<Response<v1::ImportUsersResponse>, Status> {
        reply(import_users(&self.0, req).await)
    }
}

/// A new account's fields, normalised (trimmed; username and email lowercased).
pub(crate) struct Applicant {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub student_number: Option<String>,
}

impl Applicant {
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
                v.add(
                    format!("{prefix}student_number"),
                    "only students have a student number",
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

async fn create_user(
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
        v.add("user.role", "choose admin, professor or student");
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
    let mut tx = s.store.begin().await?;
    let new = applicant.into_new_user(hash, generated.is_some());
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
        initial_password: generated.unwrap_or_default(),
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

async fn get_user(s: &State, req: Request<v1::GetUserRequest>) -> ApiResult<v1::GetUserResponse> {
    let caller = s.caller(&req).await?;
    let id = parse_name("name", &req.get_ref().name, UserId::parse)?;
    let mut conn = s.store.acquire().await?;
    let allowed = caller.is_admin()
        || caller.user.id == id
        || (caller.user.role == Role::Professor
            && courses::teaches_student(&mut conn, caller.user.id, id).await?);
    if !allowed {
        return Err(ApiError::denied(
            "you may see only your own account and your students'",
        ));
    }
    let user = found(&caller, id, users::get(&mut conn, id).await)?;
    Ok(v1::GetUserResponse {
        user: Some(convert::user(&user)),
    })
}

async fn list_users(
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

async fn update_user(
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
                None => v.add("user.role", "choose admin, professor or student"),
            },
            _ => {}
        }
    }
    v.into_result().map_err(ApiError::Invalid)?;
    let now = s.now_ms();
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
    if before.role == Role::Admin && role != Role::Admin && users::count_admins(&mut tx).await? <= 1
    {
        return Err(ApiError::FailedPrecondition(
            "the last administrator cannot lose the admin role".into(),
        ));
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
}

async fn set_active(s: &State, caller: &Caller, name: &str, active: bool) -> ApiResult<v1::User> {
    caller.require_admin()?;
    let id = parse_name("name", name, UserId::parse)?;
    if !active && id == caller.user.id {
        return Err(ApiError::FailedPrecondition(
            "you cannot deactivate your own account".into(),
        ));
    }
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    found(caller, id, users::get(&mut tx, id).await)?;
    let user = users::set_active(&mut tx, id, active, now).await?;
    if !active {
        auth::revoke_user_tokens(&mut tx, id, None, now).await?;
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
}

async fn reset_password(
    s: &State,
    req: Request<v1::ResetPasswordRequest>,
) -> ApiResult<v1::ResetPasswordResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let id = parse_name("name", &req.get_ref().name, UserId::parse)?;
    let password = passwords::generate();
    let hash = passwords::hash(s.config.hash_cost, password.clone()).await?;
    let now = s.now_ms();
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
        new_password: password,
    })
}

const USER_COLUMNS: [&str; 4] = ["username", "email", "display_name", "role"];
const USER_OPTIONAL: [&str; 2] = ["student_number", "password"];

async fn import_users(
    s: &State,
    req: Request<v1::ImportUsersRequest>,
) -> ApiResult<v1::ImportUsersResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let failed = |errors| v1::ImportUsersResponse {
        users: vec![],
        errors,
        dry_run: r.dry_run,
    };
    let rows = match import::read(&r.csv, &USER_COLUMNS, &USER_OPTIONAL) {
        Ok(rows) => rows,
        Err(errors) => return Ok(failed(errors)),
    };
    let mut errors = Vec::new();
    let mut applicants = Vec::new();
    for row in &rows {
        let role = row.get("role").parse::<Role>();
        if let Err(e) = &role {
            errors.push(row_error(row.line, "role", e.to_string()));
        }
        let a = Applicant::new(
            row.get("username"),
            row.get("email"),
            row.get("display_name"),
            *role.as_ref().unwrap_or(&Role::Student),
            row.get("student_number"),
        );
        for v in a.violations("") {
            errors.push(row_error(row.line, &v.field, v.message));
        }
        let password = row.get("password").to_string();
        if !password.is_empty() {
            if let Err(m) = passwords::check_chosen(&password, &a.names()) {
                errors.push(row_error(row.line, "password", m));
            }
        }
        applicants.push((row.line, a, password));
    }
    let mut conn = s.store.acquire().await?;
    check_unique(
        &mut conn,
        &applicants
            .iter()
            .map(|(l, a, _)| (*l, a))
            .collect::<Vec<_>>(),
        &mut errors,
    )
    .await?;
    drop(conn);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Ok(failed(errors));
    }
    if r.dry_run {
        return Ok(v1::ImportUsersResponse {
            users: applicants
                .iter()
                .map(|(line, a, _)| a.preview(*line))
                .collect(),
            errors: vec![],
            dry_run: true,
        });
    }
    let generated: Vec<Option<String>> = applicants
        .iter()
        .map(|(_, _, p)| p.is_empty().then(passwords::generate))
        .collect();
    let plain: Vec<String> = applicants
        .iter()
        .zip(&generated)
        .map(|((_, _, p), g)| g.clone().unwrap_or_else(|| p.clone()))
        .collect();
    let hashes = passwords::hash_all(s.config.hash_cost, plain).await?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    let mut created = Vec::with_capacity(applicants.len());
    for (((line, a, _), hash), generated) in applicants.into_iter().zip(hashes).zip(generated) {
        let new = a.into_new_user(hash, generated.is_some());
        let user = users::create(&mut tx, &new, now).await?;
        created.push(v1::ImportedUser {
            user: Some(convert::user(&user)),
            initial_password: generated.unwrap_or_default(),
            line,
        });
    }
    audit(
        &mut tx,
        &caller,
        "user.import",
        "users",
        json!({"created": created.len()}),
        now,
    )
    .await?;
    classtrack_store::commit(tx).await?;
    Ok(v1::ImportUsersResponse {
        users: created,
        errors: vec![],
        dry_run: false,
    })
}

/// Duplicates within the file and against existing accounts, by line.
pub(crate) async fn check_unique(
    conn: &mut classtrack_store::Conn,
    applicants: &[(i32, &Applicant)],
    errors: &mut Vec<v1::RowError>,
) -> ApiResult<()> {
    let column = |f: fn(&Applicant) -> Option<&str>| -> Vec<(i32, &str)> {
        applicants
            .iter()
            .filter_map(|(l, a)| f(a).map(|v| (*l, v)))
            .collect()
    };
    let checks: [(&'static str, Vec<(i32, &str)>); 3] = [
        ("username", column(|a| Some(a.username.as_str()))),
        ("email", column(|a| Some(a.email.as_str()))),
        ("student_number", column(|a| a.student_number.as_deref())),
    ];
    for (field, values) in checks {
        import::duplicates_in_file(values.iter().copied(), field, errors);
        let wanted: Vec<String> = values.iter().map(|(_, v)| v.to_string()).collect();
        let taken = users::taken(conn, field, &wanted).await?;
        for (line, v) in values {
            if taken.iter().any(|t| t.eq_ignore_ascii_case(v)) {
                errors.push(row_error(
                    line,
                    field,
                    format!("{v:?} is already taken by an existing account"),
                ));
            }
        }
    }
    Ok(())
}
