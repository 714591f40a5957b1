//! One type per gRPC service; each method authenticates, checks, then calls the store.

mod api_tokens;
mod attendance;
mod auth;
mod courses;
mod device;
mod reports;
mod sessions;
mod sso;
mod users;

pub(crate) use api_tokens::api_token_name;
pub use attendance::AttendanceApi;
pub use auth::AuthApi;
pub use courses::CourseApi;
pub use reports::ReportApi;
pub use sessions::SessionApi;
pub use users::UserApi;

use tonic::{Response, Status};

use crate::error::{ApiError, ApiResult};

/// Wraps a service result for tonic.
pub(crate) fn reply<T>(r: ApiResult<T>) -> Result<Response<T>, Status> {
    r.map(Response::new).map_err(Status::from)
}

/// The paths of an update mask, refusing unknown ones and an empty mask.
pub(crate) fn mask_paths<'a>(
    mask: Option<&'a prost_types::FieldMask>,
    allowed: &[&str],
) -> ApiResult<Vec<&'a str>> {
    let paths: Vec<&str> = mask
        .map(|m| m.paths.iter().map(String::as_str).collect())
        .unwrap_or_default();
    if paths.is_empty() {
        return Err(ApiError::invalid(
            "update_mask",
            format!("name the fields to change: {}", allowed.join(", ")),
        ));
    }
    for p in &paths {
        if !allowed.contains(p) {
            return Err(ApiError::invalid(
                "update_mask",
                format!("{p:?} cannot be updated; allowed: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(paths)
}

/// Writes an audit entry with a JSON detail: done by `caller`, from the
/// address their request came from.
pub(crate) async fn audit(
    conn: &mut classtrack_store::Conn,
    caller: &crate::access::Caller,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    now: i64,
) -> ApiResult<()> {
    let address = caller.client_address.map(|a| a.to_string());
    classtrack_store::audit::record(
        conn,
        Some(caller.user.id),
        address.as_deref(),
        action,
        target,
        &detail.to_string(),
        now,
    )
    .await?;
    Ok(())
}
