//! ListSsoProviders, BeginSsoLogin and FinishSsoLogin: an OpenID Connect
//! login run by the API for the web tier. The flow between the two calls is
//! a row of `sso_flows` (any replica can finish it), found by the SHA-256 of
//! its state and taken once; the provider's account becomes a ClassTrack
//! login through `provisioning`, as a directory's does.

use std::sync::Arc;
use std::time::Duration;

use classtrack_core::validate::Problem;
use classtrack_proto::v1;
use classtrack_store::sso_flows::{self, SsoFlow};
use tonic::Request;

use crate::access::token_hash;
use crate::convert;
use crate::error::{ApiError, ApiResult, SsoRefusal};
use crate::oidc::{OidcError, OidcProvider};
use crate::provisioning;
use crate::retry::retrying;
use crate::state::State;

/// How long a begun login may take to come back.
pub const FLOW_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The web tier's callback, relative to the public URL.
pub const CALLBACK_PATH: &str = "/sso/callback";

pub(super) fn list(s: &State) -> v1::ListSsoProvidersResponse {
    v1::ListSsoProvidersResponse {
        providers: s
            .config
            .oidc
            .iter()
            .map(|p| v1::SsoProvider {
                name: p.name().to_string(),
                label: p.label().to_string(),
            })
            .collect(),
    }
}

pub(super) async fn begin(
    s: &State,
    req: Request<v1::BeginSsoLoginRequest>,
) -> ApiResult<v1::BeginSsoLoginResponse> {
    let r = req.into_inner();
    let provider = provider(s, &r.provider)?;
    check_redirect_uri(s, &r.redirect_uri)?;
    let begun = provider.begin(&r.redirect_uri).await.map_err(refused)?;
    let now = s.now_ms();
    let expires = now + FLOW_LIFETIME.as_millis() as i64;
    let flow = SsoFlow {
        state_hash: token_hash(&begun.state),
        provider: provider.name().to_string(),
        pkce_verifier: begun.pkce_verifier,
        nonce: begun.nonce,
        redirect_uri: r.redirect_uri,
        created_at: now,
        expires_at: expires,
    };
    retrying!(s, "begin sso login", {
        let mut tx = s.store.begin().await?;
        sso_flows::insert(&mut tx, &flow).await?;
        classtrack_store::commit(tx).await?;
        Ok(())
    })?;
    Ok(v1::BeginSsoLoginResponse {
        authorization_url: begun.authorization_url,
        state: begun.state,
        expire_time: convert::ts(expires),
    })
}

pub(super) async fn finish(
    s: &State,
    req: Request<v1::FinishSsoLoginRequest>,
) -> ApiResult<v1::FinishSsoLoginResponse> {
    let address = s
        .client_address(&req)
        .map_or_else(|| "unknown".to_string(), |a| a.to_string());
    let r = req.into_inner();
    let mut v = classtrack_core::validate::Violations::default();
    for (field, value) in [("state", &r.state), ("code", &r.code)] {
        if value.is_empty() {
            v.problem(
                field,
                classtrack_core::validate::Problem::new("api-field-required"),
            );
        } else if value.len() > 2048 {
            v.problem(
                field,
                classtrack_core::validate::Problem::new("api-field-at-most").number("max", 2048),
            );
        }
    }
    v.into_result().map_err(ApiError::Invalid)?;
    check_redirect_uri(s, &r.redirect_uri)?;

    let state_hash = token_hash(&r.state);
    let flow = retrying!(s, "take sso flow", {
        let mut tx = s.store.begin().await?;
        let flow = sso_flows::take(&mut tx, &state_hash).await?;
        classtrack_store::commit(tx).await?;
        Ok(flow)
    })?;
    let now = s.now_ms();
    let flow = match flow {
        Some(flow) if flow.expires_at > now => flow,
        Some(flow) => {
            tracing::info!(%address, provider = %flow.provider, "sso login refused: its state expired");
            return Err(ApiError::Sso(SsoRefusal::StateUnknown));
        }
        None => {
            tracing::info!(%address, "sso login refused: unknown or already used state");
            return Err(ApiError::Sso(SsoRefusal::StateUnknown));
        }
    };
    if flow.redirect_uri != r.redirect_uri {
        tracing::info!(%address, provider = %flow.provider, "sso login refused: another redirect_uri than the one it began with");
        return Err(ApiError::Sso(SsoRefusal::StateUnknown));
    }
    let Ok(provider) = provider(s, &flow.provider) else {
        tracing::info!(%address, provider = %flow.provider, "sso login refused: the provider is no longer configured");
        return Err(ApiError::Sso(SsoRefusal::StateUnknown));
    };
    let finished = provider
        .finish(
            &r.code,
            &flow.redirect_uri,
            &flow.pkce_verifier,
            &flow.nonce,
        )
        .await
        .map_err(|e| {
            if !matches!(e, OidcError::Unavailable(_)) {
                tracing::info!(%address, provider = %provider.name(), why = %e, "failed sso login");
            }
            refused(e)
        })?;
    let who = finished.account;
    let user = provisioning::account_for(s, &who, provider.provisions(), &address, now).await?;
    let login = super::auth::grant(s, &user, now, None).await?;
    tracing::info!(%address, provider = %provider.name(), username = %user.username, "sso login");
    Ok(v1::FinishSsoLoginResponse {
        login: Some(login),
        end_session_url: finished.end_session_url.unwrap_or_default(),
        provider_label: provider.label().to_string(),
    })
}

fn provider<'a>(s: &'a State, name: &str) -> ApiResult<&'a Arc<OidcProvider>> {
    if name.is_empty() {
        return Err(ApiError::invalid("provider", "is required"));
    }
    s.config
        .oidc
        .iter()
        .find(|p| p.name() == name)
        .ok_or_else(|| {
            ApiError::NotFound(Problem::new("api-error-no-such-provider").text("name", name))
        })
}

/// The redirect URI must be the web tier's callback at the public URL: the
/// provider sends the code there, and nowhere else.
fn check_redirect_uri(s: &State, given: &str) -> ApiResult<()> {
    let expected = format!("{}{CALLBACK_PATH}", s.config.public_url);
    if given == expected {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "redirect_uri",
            format!("must be this site's callback, {expected}"),
        ))
    }
}

fn refused(e: OidcError) -> ApiError {
    match e {
        OidcError::Unavailable(why) => ApiError::ProviderUnavailable(why),
        OidcError::TokenInvalid(_) => ApiError::Sso(SsoRefusal::TokenInvalid),
        OidcError::Unusable(_) => ApiError::Sso(SsoRefusal::AccountUnusable),
    }
}
