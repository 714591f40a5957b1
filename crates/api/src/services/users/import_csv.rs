//! ImportUsers: accounts from a CSV file, every row checked (and checked
//! to be unique, [`check_unique`]) before any is created.

use crate::retry::retrying;
use classtrack_core::Role;
use classtrack_proto::v1;
use classtrack_store::users::{self};
use serde_json::json;
use tonic::Request;

use super::account::Applicant;
use crate::convert;
use crate::error::ApiResult;
use crate::import::{self, row_error};
use crate::passwords;
use crate::services::audit;
use crate::state::State;

const USER_COLUMNS: [&str; 4] = ["username", "email", "display_name", "role"];
const USER_OPTIONAL: [&str; 2] = ["student_number", "password"];

pub(super) async fn import_users(
    s: &State,
    req: Request<v1::ImportUsersRequest>,
) -> ApiResult<v1::ImportUsersResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let r = req.into_inner();
    let failed = |errors, read_as: &str| v1::ImportUsersResponse {
        users: vec![],
        errors,
        dry_run: r.dry_run,
        read_as: read_as.to_string(),
    };
    let import::Imported { rows, read_as } =
        match import::read(&r.csv, &USER_COLUMNS, &USER_OPTIONAL) {
            Ok(imported) => imported,
            Err(errors) => return Ok(failed(errors, "")),
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
        return Ok(failed(errors, &read_as));
    }
    if r.dry_run {
        return Ok(v1::ImportUsersResponse {
            users: applicants
                .iter()
                .map(|(line, a, _)| a.preview(*line))
                .collect(),
            errors: vec![],
            dry_run: true,
            read_as,
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
    retrying!(s, "import users", {
        let mut tx = s.store.begin().await?;
        let mut created = Vec::with_capacity(applicants.len());
        for (((line, a, _), hash), generated) in applicants
            .clone()
            .into_iter()
            .zip(hashes.clone())
            .zip(generated.clone())
        {
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
            read_as: read_as.clone(),
        })
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
