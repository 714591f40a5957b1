//! Named API tokens for scripts, made, listed and revoked by
//! administrators. A token is a login of the administrator who made it,
//! acting with the token's own role; its secret is shown once, at creation,
//! and stored only hashed. Making and revoking one is audited.

use std::time::Duration;

use classtrack_core::validate;
use classtrack_proto::v1;
use classtrack_store::{api_tokens, StoreError};
use serde_json::json;
use tonic::Request;

use super::audit;
use super::device::refuse_api_token;
use crate::access::new_token;
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::retry::retrying;
use crate::state::State;

/// The longest an API token may live.
pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

pub(super) async fn create(
    s: &State,
    req: Request<v1::CreateApiTokenRequest>,
) -> ApiResult<v1::CreateApiTokenResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let token = req.into_inner().api_token.unwrap_or_default();
    let now = s.now_ms();
    let name = token.display_name.trim().to_string();
    let mut v = validate::Violations::default();
    v.check("api_token.display_name", validate::text(&name, true, 100));
    let role = match convert::role_from(token.role, "api_token.role") {
        Ok(Some(role)) => Some(role),
        Ok(None) => {
            v.problem(
                "api_token.role",
                classtrack_core::validate::Problem::new("api-field-required"),
            );
            None
        }
        Err(ApiError::Invalid(mut e)) => {
            v.extend(std::mem::take(&mut e));
            None
        }
        Err(e) => return Err(e),
    };
    let expires = match token.expire_time.as_ref() {
        None => {
            v.problem(
                "api_token.expire_time",
                classtrack_core::validate::Problem::new("api-field-required"),
            );
            None
        }
        Some(t) => match convert::ms(t, "api_token.expire_time") {
            Ok(at) if at <= now => {
                v.problem(
                    "api_token.expire_time",
                    classtrack_core::validate::Problem::new("api-field-in-future"),
                );
                None
            }
            Ok(at) if at - now > MAX_LIFETIME.as_millis() as i64 => {
                v.problem(
                    "api_token.expire_time",
                    classtrack_core::validate::Problem::new("api-field-within-year"),
                );
                None
            }
            Ok(at) => Some(at),
            Err(ApiError::Invalid(mut e)) => {
                v.extend(std::mem::take(&mut e));
                None
            }
            Err(e) => return Err(e),
        },
    };
    v.into_result().map_err(ApiError::Invalid)?;
    let (Some(role), Some(expires)) = (role, expires) else {
        return Err(ApiError::invalid("api_token", "is incomplete"));
    };
    refuse_api_token(s, &caller).await?;
    retrying!(s, "create API token", {
        let (secret, hash) = new_token();
        let mut tx = s.store.begin().await?;
        let made =
            api_tokens::insert(&mut tx, &hash, &name, role, caller.user.id, now, expires).await?;
        let target = api_token_name(made.id);
        let detail = json!({
            "display_name": made.name,
            "role": role.as_str(),
            "expires_at": expires,
        });
        audit(&mut tx, &caller, "api_token.create", &target, detail, now).await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::CreateApiTokenResponse {
            api_token: Some(convert::api_token(&made)),
            secret,
        })
    })
}

pub(super) async fn list(
    s: &State,
    req: Request<v1::ListApiTokensRequest>,
) -> ApiResult<v1::ListApiTokensResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let mut conn = s.store.acquire().await?;
    let tokens = api_tokens::list_live(&mut conn, s.now_ms()).await?;
    Ok(v1::ListApiTokensResponse {
        api_tokens: tokens.iter().map(convert::api_token).collect(),
    })
}

pub(super) async fn revoke(
    s: &State,
    req: Request<v1::RevokeApiTokenRequest>,
) -> ApiResult<v1::RevokeApiTokenResponse> {
    let caller = s.caller(&req).await?;
    caller.require_admin()?;
    let name = req.get_ref().name.trim().to_string();
    let id = parse_api_token_name(&name)?;
    let now = s.now_ms();
    retrying!(s, "revoke API token", {
        let mut tx = s.store.begin().await?;
        let hash = match api_tokens::revoke(&mut tx, id, now).await {
            Err(StoreError::NotFound) => return Err(ApiError::not_found(&name)),
            done => done?,
        };
        audit(&mut tx, &caller, "api_token.revoke", &name, json!({}), now).await?;
        classtrack_store::commit(tx).await?;
        s.forget_token(&hash);
        Ok(v1::RevokeApiTokenResponse {})
    })
}

/// `apiTokens/{id}`.
pub(crate) fn api_token_name(id: i64) -> String {
    format!("apiTokens/{id}")
}

fn parse_api_token_name(name: &str) -> ApiResult<i64> {
    if name.is_empty() {
        return Err(ApiError::invalid("name", "is required"));
    }
    name.strip_prefix("apiTokens/")
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::invalid("name", format!("{name:?} is not apiTokens/{{id}}")))
}
