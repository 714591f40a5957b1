//! AuthService: login with throttling, logout, who-am-I, change password.

use std::time::Duration;

use classtrack_core::validate;
use classtrack_proto::v1::{self, auth_service_server::AuthService};
use classtrack_store::{auth, users};
use tonic::{Request, Response, Status};

use super::{audit, reply};
use crate::access::{bearer, new_token};
use crate::convert;
use crate::error::{ApiError, ApiResult};
use crate::passwords;
use crate::state::State;

pub struct AuthApi(pub State);

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn login(
        &self,
        req: Request<v1::LoginRequest>,
    ) -> Result<Response<v1::LoginResponse>, Status> {
        reply(login(&self.0, req).await)
    }

    async fn logout(
        &self,
        req: Request<v1::LogoutRequest>,
    ) -> Result<Response<v1::LogoutResponse>, Status> {
        reply(logout(&self.0, req).await)
    }

    async fn who_am_i(
        &self,
        req: Request<v1::WhoAmIRequest>,
    ) -> Result<Response<v1::WhoAmIResponse>, Status> {
        reply(
            async {
                let caller = self.0.caller(&req).await?;
                Ok(v1::WhoAmIResponse {
                    user: Some(convert::user(&caller.user)),
                    expire_time: convert::ts(caller.expires_at),
                })
            }
            .await,
        )
    }

    async fn change_password(
        &self,
        req: Request<v1::ChangePasswordRequest>,
    ) -> Result<Response<v1::ChangePasswordResponse>, Status> {
        reply(change_password(&self.0, req).await)
    }
}

async fn login(s: &State, req: Request<v1::LoginRequest>) -> ApiResult<v1::LoginResponse> {
    let address = s
        .client_address(&req)
        .map_or_else(|| "unknown".to_string(), |a| a.to_string());
    let r = req.into_inner();
    let login = r.login.trim().to_lowercase();
    let mut v = validate::Violations::default();
    v.check("login", validate::text(&login, true, 254));
    if r.password.is_empty() {
        v.add("password", "is required");
    } else if r.password.chars().count() > 256 {
        v.add("password", "must be at most 256 characters");
    }
    v.into_result().map_err(ApiError::Invalid)?;

    let now = s.now_ms();
    let window = i64::try_from(s.config.throttle_window.as_millis()).unwrap_or(i64::MAX);
    let mut conn = s.store.acquire().await?;
    let ((by_account, account_oldest), (by_address, address_oldest)) =
        auth::recent_failures(&mut conn, &login, &address, now - window).await?;
    let retry = |oldest: Option<i64>| {
        let wait = oldest.unwrap_or(now) + window - now;
        ApiError::Throttled {
            retry_after: Duration::from_millis(u64::try_from(wait.max(1000)).unwrap_or(1000)),
        }
    };
    if by_account >= s.config.max_failures_per_account {
        return Err(retry(account_oldest));
    }
    if by_address >= s.config.max_failures_per_address {
        return Err(retry(address_oldest));
    }
    let found = users::credentials(&mut conn, &login).await?;
    drop(conn);
    let ok = passwords::verify(found.as_ref().map(|(_, h)| h.clone()), r.password).await?;
    let mut tx = s.store.begin().await?;
    let Some((user, _)) = found.filter(|_| ok) else {
        auth::record_login_failure(&mut tx, &login, &address, now).await?;
        classtrack_store::commit(tx).await?;
        tracing::info!(%address, "failed login");
        return Err(ApiError::Unauthenticated("wrong username or password"));
    };
    if !user.active {
        return Err(ApiError::denied(
            "this account is deactivated; ask an administrator to reactivate it",
        ));
    }
    auth::clear_login_failures(&mut tx, &login).await?;
    let (token, hash) = new_token();
    let expires = now + i64::try_from(s.config.token_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    auth::insert_token(&mut tx, &hash, user.id, now, expires).await?;
    classtrack_store::commit(tx).await?;
    // A student who logs in after scanning checks in right away: trust it here.
    s.logins.put(&crate::access::Caller {
        user: user.clone(),
        token_hash: hash,
        expires_at: expires,
    });
    Ok(v1::LoginResponse {
        token,
        expire_time: convert::ts(expires),
        user: Some(convert::user(&user)),
    })
}

async fn logout(s: &State, req: Request<v1::LogoutRequest>) -> ApiResult<v1::LogoutResponse> {
    let caller = s.caller(&req).await?;
    let mut tx = s.store.begin().await?;
    auth::revoke_token(&mut tx, &caller.token_hash, s.now_ms()).await?;
    classtrack_store::commit(tx).await?;
    s.forget_token(&caller.token_hash);
    Ok(v1::LogoutResponse {})
}

async fn change_password(
    s: &State,
    req: Request<v1::ChangePasswordRequest>,
) -> ApiResult<v1::ChangePasswordResponse> {
    let caller = s.caller(&req).await?;
    let token = bearer(&req).unwrap_or_default().to_string();
    let r = req.into_inner();
    let mut v = validate::Violations::default();
    if r.current_password.is_empty() {
        v.add("current_password", "is required");
    }
    v.check("new_password", validate::password(&r.new_password));
    if !r.new_password.is_empty() && r.new_password == r.current_password {
        v.add("new_password", "must differ from the current password");
    }
    v.into_result().map_err(ApiError::Invalid)?;
    let mut conn = s.store.acquire().await?;
    let stored = users::password_hash(&mut conn, caller.user.id).await?;
    drop(conn);
    if !passwords::verify(Some(stored), r.current_password).await? {
        return Err(ApiError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = passwords::hash(s.config.hash_cost, r.new_password).await?;
    let now = s.now_ms();
    let mut tx = s.store.begin().await?;
    users::set_password_hash(&mut tx, caller.user.id, &hash, now).await?;
    auth::revoke_user_tokens(&mut tx, caller.user.id, Some(&caller.token_hash), now).await?;
    audit(
        &mut tx,
        caller.user.id,
        "user.change_password",
        &caller.user.id.name(),
        serde_json::json!({}),
        now,
    )
    .await?;
    classtrack_store::commit(tx).await?;
    s.forget_user(caller.user.id);
    Ok(v1::ChangePasswordResponse {
        token,
        expire_time: convert::ts(caller.expires_at),
    })
}
