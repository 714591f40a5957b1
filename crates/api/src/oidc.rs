//! Logging in through OpenID Connect providers (Entra ID, Google Workspace,
//! Keycloak; docs/sso.md): discovery, the authorization code flow with PKCE
//! (S256), and the ID token's validation — signature from the provider's
//! JWKS, issuer, audience, expiry and nonce — all by the `openidconnect`
//! crate. What this module gives back is a [`ProviderAccount`] for
//! `provisioning`; storing the flow and issuing the login are the service's
//! (`services::sso`).
//!
//! A provider that cannot be reached when the server starts does not stop
//! it: discovery is tried at start (`warm_up`) and again at each login until
//! it succeeds, and a login meanwhile answers UNAVAILABLE.
//!
//! A little over 500 lines: most of it is the `openidconnect` crate's type
//! aliases and the claim reading that goes with the flow; the unit tests are
//! in `oidc/tests.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use classtrack_core::Role;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims,
    IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::provisioning::{check_profile, role_from_groups, ProviderAccount};

/// How long discovered metadata (endpoints and signing keys) is used before
/// it is fetched again.
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);
/// The least time between two fetches of the metadata when an ID token names
/// a key it does not have (keys rotated), so that bad tokens cannot make the
/// server hammer the provider.
const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(30);

/// One `[[oidc]]` provider's settings, as configured.
#[derive(Clone, Default)]
pub struct OidcSettings {
    /// URL-safe id: in `/sso/{name}` and in the `identities` table.
    pub name: String,
    /// What the button says after "Log in with".
    pub label: String,
    /// The issuer URL; discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret, if the client is confidential.
    pub client_secret: Option<String>,
    /// The scopes asked for (`openid` is always asked).
    pub scopes: Vec<String>,
    /// The claim that is the ClassTrack username (an email-like value gives
    /// its part before `@`).
    pub username_claim: String,
    /// The claim that is the display name.
    pub display_name_claim: String,
    /// The claim that is the email address (required).
    pub email_claim: String,
    /// The claim that is the student number, if any.
    pub student_number_claim: Option<String>,
    /// The claim that lists the groups (an array of strings, or one string).
    pub groups_claim: String,
    /// Members of these groups are administrators.
    pub admin_groups: Vec<String>,
    /// Members of these groups are professors; everyone else is a student.
    pub professor_groups: Vec<String>,
    /// Whether the groups set the role at every login; when not, a new
    /// account is a student and administrators set roles in ClassTrack.
    pub roles_from_groups: bool,
    /// Whether a first login creates the account.
    pub provision: bool,
    /// How long discovery and the token request may take.
    pub timeout: Duration,
}

/// A configured OpenID provider, ready to begin and finish logins.
pub struct OidcProvider {
    settings: OidcSettings,
    issuer: IssuerUrl,
    http: openidconnect::reqwest::Client,
    discovered: Mutex<Option<Discovered>>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the client secret.
        f.debug_struct("OidcProvider")
            .field("name", &self.settings.name)
            .field("issuer", &self.settings.issuer)
            .field("client_id", &self.settings.client_id)
            .finish_non_exhaustive()
    }
}

/// Why a provider did not say who someone is.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider cannot be reached or answers nonsense to discovery.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code, or the ID token failed validation.
    #[error("the identity provider's answer was refused: {0}")]
    TokenInvalid(String),
    /// The ID token is valid but lacks what ClassTrack needs.
    #[error("the account cannot be used: {0}")]
    Unusable(String),
}

/// A login begun: where to send the browser, and what to keep until it
/// comes back.
pub struct Begun {
    /// The provider's authorization URL.
    pub authorization_url: String,
    /// The state in that URL (random; stored only hashed).
    pub state: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
}

/// What the provider said, mapped, and the end-session URL if it has one.
#[derive(Debug)]
pub struct Finished {
    /// Who the person is.
    pub account: ProviderAccount,
    /// The provider's logout URL (RP-initiated logout), if it publishes one.
    pub end_session_url: Option<String>,
}

impl OidcProvider {
    /// Checks the settings; `Err` names the setting that is wrong.
    pub fn new(settings: OidcSettings) -> Result<Self, String> {
        let at = format!("oidc provider {:?}", settings.name);
        if !is_url_safe_name(&settings.name) {
            return Err(format!(
                "{at}: name must be 1–64 lowercase letters, digits, '-' or '_' (it is in URLs)"
            ));
        }
        if settings.label.trim().is_empty() {
            return Err(format!("{at}: label is required"));
        }
        if settings.client_id.trim().is_empty() {
            return Err(format!("{at}: client_id is required"));
        }
        let parsed = url::Url::parse(&settings.issuer)
            .map_err(|e| format!("{at}: issuer {:?} is not a URL: {e}", settings.issuer))?;
        let loopback = parsed
            .host_str()
            .is_some_and(|h| h == "localhost" || h == "127.0.0.1" || h == "[::1]");
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(format!(
                    "{at}: issuer {:?} must be https:// (http:// only on this host)",
                    settings.issuer
                ))
            }
        }
        let issuer =
            IssuerUrl::new(settings.issuer.clone()).map_err(|e| format!("{at}: issuer: {e}"))?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            // The provider's own endpoints only: a redirect could lead anywhere.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .build()
            .map_err(|e| format!("{at}: the HTTP client: {e}"))?;
        Ok(Self {
            settings,
            issuer,
            http,
            discovered: Mutex::new(None),
        })
    }

    /// The configured name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// What its button says.
    pub fn label(&self) -> &str {
        &self.settings.label
    }

    /// Whether a first login creates the account.
    pub fn provisions(&self) -> bool {
        self.settings.provision
    }

    /// Fetches the discovery document and the keys now, so that the first
    /// login does not wait for them; a failure is only logged.
    pub async fn warm_up(&self) {
        match self.metadata(false).await {
            Ok(_) => {
                tracing::info!(provider = %self.name(), issuer = %self.settings.issuer, "OpenID provider discovered")
            }
            Err(e) => {
                tracing::warn!(provider = %self.name(), error = %e, "OpenID provider not reachable yet; its logins answer UNAVAILABLE until it is")
            }
        }
    }

    /// Starts a login whose answer comes back to `redirect_uri`.
    pub async fn begin(&self, redirect_uri: &str) -> Result<Begun, OidcError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(&metadata.provider, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Begun {
            authorization_url: url.to_string(),
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
    }

    /// Exchanges `code` (with the flow's PKCE verifier), validates the ID
    /// token against the flow's nonce, and maps its claims.
    pub async fn finish(
        &self,
        code: &str,
        redirect_uri: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Finished, OidcError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(&metadata.provider, redirect_uri)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| {
                OidcError::Unavailable(format!("the provider has no token endpoint: {e}"))
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::TokenInvalid("the token response has no ID token".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match verified(&client, id_token, &nonce) {
            Ok(claims) => claims,
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(e))
                if metadata.fetched.elapsed() >= REFRESH_AT_MOST_EVERY =>
            {
                // Perhaps the provider rotated its keys: fetch them once more.
                tracing::info!(provider = %self.name(), error = %e, "ID token signature not verified with the keys held; fetching the keys again");
                let fresh = self.metadata(true).await?;
                let client = self.client(&fresh.provider, redirect_uri)?;
                verified(&client, id_token, &nonce)
                    .map_err(|e| OidcError::TokenInvalid(format!("the ID token: {e}")))?
            }
            Err(e) => return Err(OidcError::TokenInvalid(format!("the ID token: {e}"))),
        };
        let account = self.map(&claims)?;
        Ok(Finished {
            account,
            end_session_url: self.end_session_url(&metadata.provider),
        })
    }

    /// The provider's logout URL with our client id, if it has one.
    fn end_session_url(&self, provider: &ProviderMetadataWithLogout) -> Option<String> {
        let endpoint = provider
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let request = openidconnect::LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.clone()));
        Some(request.http_get_url().to_string())
    }

    fn client(
        &self,
        provider: &ProviderMetadataWithLogout,
        redirect_uri: &str,
    ) -> Result<OidcClient, OidcError> {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| OidcError::TokenInvalid(format!("redirect URI {redirect_uri:?}: {e}")))?;
        Ok(OidcClient::from_provider_metadata(
            provider.clone(),
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// The discovered metadata: cached for [`METADATA_LIFETIME`], fetched
    /// again when `refresh` (at most every [`REFRESH_AT_MOST_EVERY`]).
    async fn metadata(&self, refresh: bool) -> Result<Discovered, OidcError> {
        let mut held = self.discovered.lock().await;
        if let Some(d) = held.as_ref() {
            let age = d.fetched.elapsed();
            let fresh = if refresh {
                age < REFRESH_AT_MOST_EVERY
            } else {
                age < METADATA_LIFETIME
            };
            if fresh {
                return Ok(d.clone());
            }
        }
        let provider = ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| {
                OidcError::Unavailable(format!(
                    "discovery at {}: {}",
                    self.settings.issuer,
                    error_chain(&e)
                ))
            })?;
        let d = Discovered {
            provider: Arc::new(provider),
            fetched: Instant::now(),
        };
        *held = Some(d.clone());
        Ok(d)
    }

    /// The claims, mapped to ClassTrack's fields as configured.
    fn map(&self, claims: &Claims) -> Result<ProviderAccount, OidcError> {
        let s = &self.settings;
        let subject = claims.subject().as_str().to_string();
        let all = serde_json::to_value(claims).unwrap_or_default();
        let text = |name: &str| claim_text(&all, name);
        let missing = |name: &str| {
            OidcError::Unusable(format!("the ID token of {subject} has no {name} claim"))
        };
        let username = text(&s.username_claim)
            .ok_or_else(|| missing(&s.username_claim))?
            .to_lowercase();
        let username = match username.split_once('@') {
            Some((local, _)) => local.to_string(),
            None => username,
        };
        let email = text(&s.email_claim)
            .ok_or_else(|| missing(&s.email_claim))?
            .to_lowercase();
        if s.email_claim == "email" && claims.email_verified() == Some(false) {
            // An unverified address could link someone else's account.
            return Err(OidcError::Unusable(format!(
                "the provider has not verified {subject}'s email {email}"
            )));
        }
        let display_name = text(&s.display_name_claim).unwrap_or_else(|| username.clone());
        let student_number = s.student_number_claim.as_deref().and_then(text);
        check_profile(&username, &email, &display_name, student_number.as_deref())
            .map_err(|e| OidcError::Unusable(format!("the ID token of {subject}: {e}")))?;
        let role = if s.roles_from_groups {
            let groups = claim_list(&all, &s.groups_claim);
            role_of(&groups, &s.admin_groups, &s.professor_groups)
        } else {
            Role::Student
        };
        Ok(ProviderAccount {
            provider: s.name.clone(),
            subject,
            username,
            display_name,
            email,
            student_number,
            role,
            role_from_provider: s.roles_from_groups,
        })
    }
}

/// The discovery document (with the signing keys) and when it was fetched.
#[derive(Clone)]
struct Discovered {
    provider: Arc<ProviderMetadataWithLogout>,
    fetched: Instant,
}

/// The claims beyond the standard ones (groups, a student number…), kept
/// as they came.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct OtherClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type Claims = IdTokenClaims<OtherClaims, CoreGenderClaim>;
type IdToken = openidconnect::IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The ID token's claims, if its signature (from the provider's JWKS),
/// issuer, audience, expiry and nonce are right.
fn verified(
    client: &OidcClient,
    id_token: &IdToken,
    nonce: &Nonce,
) -> Result<Claims, openidconnect::ClaimsVerificationError> {
    let verifier = client.id_token_verifier();
    id_token.claims(&verifier, nonce).cloned()
}

/// What went wrong with the token request: the provider's refusal (a bad,
/// used or foreign code) is the login's, a transport failure the provider's.
fn token_error<RE, T>(e: RequestTokenError<RE, T>) -> OidcError
where
    RE: std::error::Error + 'static,
    T: openidconnect::ErrorResponse + 'static,
{
    match e {
        RequestTokenError::ServerResponse(r) => {
            OidcError::TokenInvalid(format!("the token endpoint refused the code: {r}"))
        }
        RequestTokenError::Request(e) => {
            OidcError::Unavailable(format!("the token endpoint: {}", error_chain(&e)))
        }
        RequestTokenError::Parse(e, _) => {
            OidcError::TokenInvalid(format!("the token endpoint's answer: {e}"))
        }
        RequestTokenError::Other(e) => OidcError::TokenInvalid(format!("the token endpoint: {e}")),
    }
}

/// An error and its causes, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A claim's value as text (a number is written out), if it is set.
fn claim_text(claims: &serde_json::Value, name: &str) -> Option<String> {
    let text = match claims.get(name)? {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(text).filter(|t| !t.is_empty())
}

/// A claim's values: an array of strings, or one string.
fn claim_list(claims: &serde_json::Value, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The role the groups give (administrator over professor over student);
/// group names compare without case (Keycloak's `/staff`, Entra's object ids).
fn role_of(groups: &[String], admin: &[String], professor: &[String]) -> Role {
    role_from_groups(groups, admin, professor, |g, w| {
        w.trim().eq_ignore_ascii_case(g.trim())
    })
}

/// 1–64 lowercase ASCII letters, digits, `-` or `_`.
pub fn is_url_safe_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests;
