//! Who is calling, from where, and what they may touch. Authorization lives
//! here, in the API, never in a user interface.

use std::net::{IpAddr, SocketAddr};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use classtrack_core::{forwarded, CourseId, Role};
use classtrack_store::users::User;
use classtrack_store::{courses, Conn, StoreError};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tonic::Request;

use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// Marks a call that came through the in-process channel of the web tier
/// running in this process (never set by a network peer): its
/// `x-forwarded-for` is the browser's address as the web tier saw it.
#[derive(Debug, Clone, Copy)]
pub struct InProcess;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token_hash: String,
    pub expires_at: i64,
    /// The address this request came from ([`State::client_address`]), set
    /// by [`State::signed_in`] for every request (a cached login keeps no
    /// address of its own); `None` when the transport names no peer.
    pub client_address: Option<IpAddr>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::denied("only an administrator may do this"))
        }
    }

    pub fn require_staff(&self) -> ApiResult<()> {
        if self.user.role == Role::Student {
            Err(ApiError::denied("students may not do this"))
        } else {
            Ok(())
        }
    }
}

/// The answer to a token that is no longer a live login.
pub const LOGIN_ENDED: ApiError =
    ApiError::Unauthenticated("your login has expired or was ended; log in again");

/// A new random bearer token and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The bearer token of a request, if it carries one.
pub fn bearer<T>(req: &Request<T>) -> Option<&str> {
    let value = req.metadata().get("authorization")?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty() && token.len() <= 128).then_some(token)
}

impl Caller {
    /// Refuses a caller whose password the server chose, until they change it.
    pub fn require_own_password(&self) -> ApiResult<()> {
        if self.user.must_change_password {
            Err(ApiError::PasswordChangeRequired)
        } else {
            Ok(())
        }
    }
}

impl State {
    /// Authenticates the request as [`State::signed_in`] does, and refuses a
    /// caller who must change their password first: every RPC but WhoAmI,
    /// Logout and ChangePassword asks this.
    pub async fn caller<T>(&self, req: &Request<T>) -> ApiResult<Caller> {
        let caller = self.signed_in(req).await?;
        caller.require_own_password()?;
        Ok(caller)
    }

    /// Authenticates the request: its token must exist, be unexpired and
    /// unrevoked, and belong to an active user.
    pub async fn signed_in<T>(&self, req: &Request<T>) -> ApiResult<Caller> {
        let (hash, cached) = self.cached_caller(req)?;
        let mut caller = match cached {
            Some(caller) => caller,
            None => self.verify(hash).await?.ok_or(LOGIN_ENDED)?,
        };
        caller.client_address = self.client_address(req);
        Ok(caller)
    }

    /// Looks a token up in the database (batched with other lookups) and
    /// puts a live login in this replica's cache.
    async fn verify(&self, token_hash: String) -> ApiResult<Option<Caller>> {
        let Some((user, expires_at)) = self.batches.token_user(token_hash.clone()).await? else {
            return Ok(None);
        };
        let caller = Caller {
            user,
            token_hash,
            expires_at,
            client_address: None,
        };
        self.logins.put(&caller);
        Ok(Some(caller))
    }

    /// Checks again that an open stream's login is live, as every call
    /// does: from this replica's cache when it verified the token lately (a
    /// Logout, password change or reset, or deactivation through this
    /// replica clears it at once), else from the database, so a revocation
    /// through another replica is seen within `login_cache_ttl`. A database
    /// that does not answer is no verdict: the stream goes on and the next
    /// check asks again.
    pub async fn still_logged_in(&self, caller: &Caller) -> ApiResult<()> {
        if self.logins.get(&caller.token_hash, self.now_ms()).is_some() {
            return Ok(());
        }
        match self.verify(caller.token_hash.clone()).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(LOGIN_ENDED),
            Err(e) => {
                tracing::debug!(error = %e, "a stream's login could not be checked; it goes on");
                Ok(())
            }
        }
    }

    /// The hash of the request's bearer token, and its caller if this
    /// replica verified the token lately.
    pub fn cached_caller<T>(&self, req: &Request<T>) -> ApiResult<(String, Option<Caller>)> {
        let token = bearer(req).ok_or(ApiError::Unauthenticated(
            "log in first: this call needs an `authorization: Bearer <token>` header",
        ))?;
        let hash = token_hash(token);
        let cached = self.logins.get(&hash, self.now_ms());
        Ok((hash, cached))
    }

    /// Forgets a revoked token at once on this replica.
    pub fn forget_token(&self, hash: &str) {
        self.logins.forget_one(hash);
    }

    /// Forgets every login of a user whose account changed.
    pub fn forget_user(&self, user: classtrack_core::UserId) {
        self.logins.forget(move |c| c.user.id == user);
    }

    /// The client's address: the peer, or when the peer is a trusted proxy
    /// (`trusted_proxies`: a load balancer, the web tier run apart) the
    /// address the header those proxies write (`forwarded_header`) names,
    /// read right to left past trusted hops ([`forwarded::client_address`]). Calls of this
    /// process's own web tier come through the in-process channel.
    pub fn client_address<T>(&self, req: &Request<T>) -> Option<IpAddr> {
        if req.extensions().get::<InProcess>().is_some() {
            // The web tier of this process states the browser's address.
            let header = forwarded::ForwardedHeader::XForwardedFor;
            return header
                .hops(metadata_values(req, header.name()))
                .pop()
                .flatten();
        }
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .or_else(|| req.remote_addr().map(|a| a.ip()))?;
        let header = self.config.forwarded_header;
        let chain = header.hops(metadata_values(req, header.name()));
        Some(forwarded::client_address(
            peer,
            &chain,
            &self.config.trusted_proxies,
        ))
    }
}

/// Admin, or a professor of the course.
pub async fn require_course_staff(
    conn: &mut Conn,
    caller: &Caller,
    course: CourseId,
) -> ApiResult<()> {
    if caller.is_admin() {
        return Ok(());
    }
    if caller.user.role == Role::Professor
        && courses::is_professor(conn, course, caller.user.id).await?
    {
        return Ok(());
    }
    Err(ApiError::denied(
        "only this course's professors or an administrator may do this",
    ))
}

/// Staff of the course, or a student enrolled in it.
pub async fn require_course_member(
    conn: &mut Conn,
    caller: &Caller,
    course: CourseId,
) -> ApiResult<()> {
    match caller.user.role {
        Role::Admin => Ok(()),
        Role::Professor => require_course_staff(conn, caller, course).await,
        Role::Student => {
            if courses::is_enrolled(conn, course, caller.user.id).await? {
                Ok(())
            } else {
                Err(ApiError::denied("you are not enrolled in this course"))
            }
        }
    }
}

/// Maps "not found" to PERMISSION_DENIED for everyone but administrators, so
/// that existence is not revealed to those who may not see it (AIP-211).
pub fn found<T>(
    caller: &Caller,
    what: impl std::fmt::Display,
    r: Result<T, StoreError>,
) -> ApiResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(StoreError::NotFound) if caller.is_admin() => Err(ApiError::not_found(what)),
        Err(StoreError::NotFound) => Err(ApiError::denied(format!("you may not see {what}"))),
        Err(e) => Err(e.into()),
    }
}

/// Recently verified logins, so that a burst of calls (a check-in storm)
/// does not look each token up every time. Entries live `ttl` at most: a
/// login revoked through another replica stops working within that time; on
/// this replica it stops at once (`forget_*`). Bounded (least recently used
/// entries go first), by `moka`.
pub struct LoginCache {
    entries: Option<moka::sync::Cache<String, Caller>>,
}

/// At most this many logins are kept.
const LOGIN_CACHE_MAX: u64 = 100_000;

impl LoginCache {
    /// A cache whose entries live `ttl`; with zero, nothing is cached.
    pub fn new(ttl: std::time::Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(LOGIN_CACHE_MAX)
                .time_to_live(ttl)
                .support_invalidation_closures()
                .build()
        });
        Self { entries }
    }

    fn get(&self, hash: &str, now_ms: i64) -> Option<Caller> {
        let entries = self.entries.as_ref()?;
        let caller = entries.get(hash)?;
        if caller.expires_at > now_ms {
            Some(caller)
        } else {
            entries.invalidate(hash);
            None
        }
    }

    pub(crate) fn put(&self, caller: &Caller) {
        if let Some(entries) = &self.entries {
            entries.insert(caller.token_hash.clone(), caller.clone());
        }
    }

    fn forget_one(&self, hash: &str) {
        if let Some(entries) = &self.entries {
            entries.invalidate(hash);
        }
    }

    fn forget(&self, which: impl Fn(&Caller) -> bool + Send + Sync + 'static) {
        if let Some(entries) = &self.entries {
            // Invalidated entries are never returned again, whenever moka
            // gets round to removing them.
            if let Err(e) = entries.invalidate_entries_if(move |_, c| which(c)) {
                tracing::warn!(error = %e, "the login cache is emptied instead");
                entries.invalidate_all();
            }
        }
    }
}

/// Every value of a metadata key, in order (unreadable ones left out).
fn metadata_values<'r, T>(req: &'r Request<T>, name: &str) -> Vec<&'r str> {
    req.metadata()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}
