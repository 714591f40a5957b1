//! AuthService: login with throttling, logout, who-am-I, change password, one's language.

use crate::retry::retrying;
use classtrack_core::validate::{self, Problem};
use classtrack_proto::v1::{self, auth_service_server::AuthService};
use classtrack_store::{auth, users};
use tonic::{Request, Response, Status};

use super::{audit, reply};
use crate::access::{bearer, new_token};
use crate::convert;
use crate::directory::{self, Directory, DirectoryError};
use crate::error::{ApiError, ApiResult};
use crate::passwords;
use crate::provisioning::{self, ProviderAccount};
use crate::state::State;
use crate::throttle;
use classtrack_core::Role;
use classtrack_i18n::Locale;

/// AuthService: logging in and out, WhoAmI, changing one's password and language.
pub struct AuthApi(pub State);

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn login(
        &self,
        req: Request<v1::LoginRequest>,
    ) -> Result<Response<v1::LoginResponse>, Status> {
        let answer = login(&self.0, req).await;
        crate::metrics::login_answered(&answer);
        reply(answer)
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
                let caller = self.0.signed_in(&req).await?;
                Ok(v1::WhoAmIResponse {
                    user: Some(convert::user(&caller.user)),
                    expire_time: convert::ts(caller.expires_at),
                    password_change_required: caller.user.must_change_password,
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

    async fn set_my_locale(
        &self,
        req: Request<v1::SetMyLocaleRequest>,
    ) -> Result<Response<v1::SetMyLocaleResponse>, Status> {
        reply(set_my_locale(&self.0, req).await)
    }

    async fn start_device_authorization(
        &self,
        req: Request<v1::StartDeviceAuthorizationRequest>,
    ) -> Result<Response<v1::StartDeviceAuthorizationResponse>, Status> {
        reply(super::device::start(&self.0, req).await)
    }

    async fn poll_device_authorization(
        &self,
        req: Request<v1::PollDeviceAuthorizationRequest>,
    ) -> Result<Response<v1::PollDeviceAuthorizationResponse>, Status> {
        reply(super::device::poll(&self.0, req).await)
    }

    async fn get_device_authorization(
        &self,
        req: Request<v1::GetDeviceAuthorizationRequest>,
    ) -> Result<Response<v1::GetDeviceAuthorizationResponse>, Status> {
        reply(super::device::get(&self.0, req).await)
    }

    async fn approve_device_authorization(
        &self,
        req: Request<v1::ApproveDeviceAuthorizationRequest>,
    ) -> Result<Response<v1::ApproveDeviceAuthorizationResponse>, Status> {
        reply(super::device::approve(&self.0, req).await)
    }

    async fn create_api_token(
        &self,
        req: Request<v1::CreateApiTokenRequest>,
    ) -> Result<Response<v1::CreateApiTokenResponse>, Status> {
        reply(super::api_tokens::create(&self.0, req).await)
    }

    async fn list_api_tokens(
        &self,
        req: Request<v1::ListApiTokensRequest>,
    ) -> Result<Response<v1::ListApiTokensResponse>, Status> {
        reply(super::api_tokens::list(&self.0, req).await)
    }

    async fn revoke_api_token(
        &self,
        req: Request<v1::RevokeApiTokenRequest>,
    ) -> Result<Response<v1::RevokeApiTokenResponse>, Status> {
        reply(super::api_tokens::revoke(&self.0, req).await)
    }

    async fn list_sso_providers(
        &self,
        _req: Request<v1::ListSsoProvidersRequest>,
    ) -> Result<Response<v1::ListSsoProvidersResponse>, Status> {
        reply(Ok(super::sso::list(&self.0)))
    }

    async fn begin_sso_login(
        &self,
        req: Request<v1::BeginSsoLoginRequest>,
    ) -> Result<Response<v1::BeginSsoLoginResponse>, Status> {
        reply(super::sso::begin(&self.0, req).await)
    }

    async fn finish_sso_login(
        &self,
        req: Request<v1::FinishSsoLoginRequest>,
    ) -> Result<Response<v1::FinishSsoLoginResponse>, Status> {
        let answer = super::sso::finish(&self.0, req).await;
        crate::metrics::login_answered(&answer);
        reply(answer)
    }
}

/// The one answer to every login that does not succeed — an unknown
/// account, a wrong password, a deactivated account — so that none of them
/// tells an outsider more than the others.
const LOGIN_REFUSED: ApiError = ApiError::Unauthenticated(Problem::new("api-error-login-refused"));

async fn login(s: &State, req: Request<v1::LoginRequest>) -> ApiResult<v1::LoginResponse> {
    let address = s
        .client_address(&req)
        .map_or_else(|| "unknown".to_string(), |a| a.to_string());
    let r = req.into_inner();
    let login = r.login.trim().to_lowercase();
    let mut v = validate::Violations::default();
    v.check("login", validate::text(&login, true, 254));
    if r.password.is_empty() {
        v.problem(
            "password",
            classtrack_core::validate::Problem::new("api-field-required"),
        );
    } else if r.password.chars().count() > 256 {
        v.problem(
            "password",
            classtrack_core::validate::Problem::new("api-field-at-most").number("max", 256),
        );
    }
    v.into_result().map_err(ApiError::Invalid)?;

    let now = s.now_ms();
    // The check is reserved (counted as a failure) before it runs.
    let attempt = match throttle::admit(
        &s.store,
        &s.config.login_throttle,
        &s.config.retry,
        &login,
        &address,
        now,
    )
    .await
    {
        Err(e @ ApiError::Throttled { .. }) => {
            tracing::info!(%address, username = %login, "login throttled");
            return Err(e);
        }
        attempt => attempt?,
    };
    let user = match &s.config.directory {
        // The break-glass account: an administrator with a local password.
        Some(directory) if !attempt.found.as_ref().is_some_and(is_break_glass) => {
            from_directory(s, directory, &login, &r.password, &address, now).await?
        }
        _ => {
            let ok = passwords::verify(attempt.found.as_ref().map(|(_, h)| h.clone()), r.password)
                .await?;
            metrics::counter!(crate::metrics::LOGIN_PASSWORD_CHECKS).increment(1);
            // A deactivated account is refused after the same check, with the same
            // answer, and its failure counts the same.
            let Some((user, _)) = attempt.found.filter(|(u, _)| ok && u.active) else {
                // The name tried, never the password: who is being guessed at.
                tracing::info!(%address, username = %login, "failed login");
                return Err(LOGIN_REFUSED);
            };
            user
        }
    };
    grant(s, &user, now, Some((&attempt.key, &address))).await
}

/// Issues a login (a new token) for `user`, at `now`; `clear` is the
/// throttle's pair whose failures a successful password login clears.
pub(super) async fn grant(
    s: &State,
    user: &users::User,
    now: i64,
    clear: Option<(&str, &str)>,
) -> ApiResult<v1::LoginResponse> {
    retrying!(s, "login", {
        let mut tx = s.store.begin().await?;
        if let Some((key, address)) = clear {
            auth::clear_pair_failures(&mut tx, key, address).await?;
        }
        let (token, hash) = new_token();
        let expires = now + i64::try_from(s.config.token_ttl.as_millis()).unwrap_or(i64::MAX / 2);
        auth::insert_token(&mut tx, &hash, user.id, now, expires).await?;
        classtrack_store::commit(tx).await?;
        // A student who logs in after scanning checks in right away: trust it here.
        s.logins.put(&crate::access::Caller {
            user: user.clone(),
            token_hash: hash,
            expires_at: expires,
            client_address: None,
        });
        Ok(v1::LoginResponse {
            token,
            expire_time: convert::ts(expires),
            user: Some(convert::user(user)),
            password_change_required: user.must_change_password,
        })
    })
}

/// An administrator with a local password, who logs in locally even with a
/// directory configured.
fn is_break_glass((user, hash): &(users::User, String)) -> bool {
    user.role == Role::Admin && !hash.is_empty()
}

/// The directory checks the password; the account is then found, linked
/// or created (`provisioning`).
async fn from_directory(
    s: &State,
    directory: &Directory,
    login: &str,
    password: &str,
    address: &str,
    now: i64,
) -> ApiResult<users::User> {
    let who = match directory.authenticate(login, password).await {
        Ok(who) => who,
        Err(DirectoryError::Refused(why)) => {
            tracing::info!(%address, username = %login, why, "failed login");
            return Err(LOGIN_REFUSED);
        }
        Err(DirectoryError::Unavailable(why)) => {
            return Err(ApiError::DirectoryUnavailable(why));
        }
    };
    let account = ProviderAccount {
        provider: directory::PROVIDER.to_string(),
        subject: who.subject,
        username: who.username,
        display_name: who.display_name,
        email: who.email,
        student_number: who.student_number,
        role: who.role,
        role_from_provider: true,
    };
    provisioning::account_for(s, &account, directory.provisions(), address, now).await
}

async fn logout(s: &State, req: Request<v1::LogoutRequest>) -> ApiResult<v1::LogoutResponse> {
    let caller = s.signed_in(&req).await?;
    retrying!(s, "logout", {
        let mut tx = s.store.begin().await?;
        auth::revoke_token(&mut tx, &caller.token_hash, s.now_ms()).await?;
        classtrack_store::commit(tx).await?;
        s.forget_token(&caller.token_hash);
        Ok(v1::LogoutResponse {})
    })
}

async fn change_password(
    s: &State,
    req: Request<v1::ChangePasswordRequest>,
) -> ApiResult<v1::ChangePasswordResponse> {
    // The one call a caller who must change their password is here for.
    let caller = s.signed_in(&req).await?;
    let token = bearer(&req).unwrap_or_default().to_string();
    let r = req.into_inner();
    let mut v = validate::Violations::default();
    if r.current_password.is_empty() {
        v.problem(
            "current_password",
            classtrack_core::validate::Problem::new("api-field-required"),
        );
    }
    let me = &caller.user;
    v.check(
        "new_password",
        passwords::check_chosen(
            &r.new_password,
            &[&me.username, &me.email, &me.display_name],
        ),
    );
    if !r.new_password.is_empty() && r.new_password == r.current_password {
        v.problem(
            "new_password",
            classtrack_core::validate::Problem::new("api-field-same-password"),
        );
    }
    v.into_result().map_err(ApiError::Invalid)?;
    let mut conn = s.store.acquire().await?;
    let stored = users::password_hash(&mut conn, caller.user.id).await?;
    drop(conn);
    if stored.is_empty() {
        return Err(ApiError::precondition("api-error-password-at-provider"));
    }
    if !passwords::verify(Some(stored), r.current_password).await? {
        return Err(ApiError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = passwords::hash(s.config.hash_cost, r.new_password).await?;
    let now = s.now_ms();
    retrying!(s, "change password", {
        let mut tx = s.store.begin().await?;
        users::set_password_hash(&mut tx, caller.user.id, &hash, false, now).await?;
        auth::revoke_user_tokens(&mut tx, caller.user.id, Some(&caller.token_hash), now).await?;
        audit(
            &mut tx,
            &caller,
            "user.change_password",
            &caller.user.id.name(),
            serde_json::json!({}),
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        s.forget_user(caller.user.id);
        Ok(v1::ChangePasswordResponse {
            token: token.clone(),
            expire_time: convert::ts(caller.expires_at),
        })
    })
}

/// The caller's own language: a call carries no user name, so nobody can set another's.
async fn set_my_locale(
    s: &State,
    req: Request<v1::SetMyLocaleRequest>,
) -> ApiResult<v1::SetMyLocaleResponse> {
    let caller = s.caller(&req).await?;
    let locale = chosen_locale(&req.get_ref().locale)?;
    retrying!(s, "set locale", {
        let mut conn = s.store.acquire().await?;
        users::set_locale(&mut conn, caller.user.id, locale.map(Locale::tag)).await?;
        Ok(())
    })?;
    // Cached logins carry the user as it was: this replica's see the change at once.
    s.forget_user(caller.user.id);
    let user = classtrack_store::users::User {
        locale: locale.map(|l| l.tag().to_string()),
        ..caller.user
    };
    Ok(v1::SetMyLocaleResponse {
        user: Some(convert::user(&user)),
    })
}

/// `en`, `fr` or `ar` in any case, or empty for none; anything else names what we speak.
fn chosen_locale(text: &str) -> ApiResult<Option<Locale>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Locale::ALL
        .into_iter()
        .find(|l| l.tag().eq_ignore_ascii_case(text))
        .map(Some)
        .ok_or_else(|| {
            let shown: String = text.chars().take(20).collect();
            ApiError::invalid(
                "locale",
                format!("{shown:?} is not a language ClassTrack speaks: use en, fr or ar, or nothing for no preference"),
            )
        })
}
