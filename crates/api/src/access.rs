//! Who is calling and what they may touch: the [`Caller`], bearer tokens,
//! the cache of verified logins, and the course checks. Authorization lives
//! here, in the API, never in a user interface. How a request becomes a
//! `Caller` (which needs the [`crate::State`]) is in `signin`, so that this
//! module and `state` (which holds the [`LoginCache`]) don't depend on each
//! other.

use std::net::IpAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use classtrack_core::validate::Problem;
use classtrack_core::{CourseId, Role};
use classtrack_store::users::User;
use classtrack_store::{courses, Conn, StoreError};
use sha2::{Digest, Sha256};
use tonic::Request;

use crate::error::{ApiError, ApiResult};

/// Marks a call that came through the in-process channel of the web tier
/// running in this process (never set by a network peer): its
/// `x-forwarded-for` is the browser's address as the web tier saw it.
#[derive(Debug, Clone, Copy)]
pub struct InProcess;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account behind the token.
    pub user: User,
    /// The SHA-256 of the bearer token, as stored (hex).
    pub token_hash: String,
    /// When the login expires, in Unix milliseconds.
    pub expires_at: i64,
    /// The address this request came from ([`crate::State::client_address`]), set
    /// by [`crate::State::signed_in`] for every request (a cached login keeps no
    /// address of its own); `None` when the transport names no peer.
    pub client_address: Option<IpAddr>,
}

impl Caller {
    /// Whether the caller is an administrator.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Refuses (PERMISSION_DENIED) anyone but an administrator.
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::denied("api-error-admin-only"))
        }
    }

    /// Refuses (PERMISSION_DENIED) students: administrators and professors pass.
    pub fn require_staff(&self) -> ApiResult<()> {
        if self.user.role == Role::Student {
            Err(ApiError::denied("api-error-staff-only"))
        } else {
            Ok(())
        }
    }
}

/// The answer to a token that is no longer a live login.
pub const LOGIN_ENDED: ApiError = ApiError::Unauthenticated(Problem::new("api-error-login-ended"));

/// A new random bearer token and the hash that is stored.
pub fn new_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// The hex SHA-256 of a bearer token: what the database and the login cache key logins by.
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
    Err(ApiError::denied("api-error-course-staff-only"))
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
                Err(ApiError::denied("api-error-not-enrolled"))
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
        Err(StoreError::NotFound) => Err(ApiError::PermissionDenied(
            Problem::new("api-error-hidden").text("name", what.to_string()),
        )),
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

    /// The cached login of a token hash, unless it expired by `now_ms` (then it is dropped).
    pub(crate) fn get(&self, hash: &str, now_ms: i64) -> Option<Caller> {
        let entries = self.entries.as_ref()?;
        let caller = entries.get(hash)?;
        if caller.expires_at > now_ms {
            Some(caller)
        } else {
            entries.invalidate(hash);
            None
        }
    }

    /// Remembers a login just verified against the database.
    pub(crate) fn put(&self, caller: &Caller) {
        if let Some(entries) = &self.entries {
            entries.insert(caller.token_hash.clone(), caller.clone());
        }
    }

    /// Drops one token's login (a Logout).
    pub(crate) fn forget_one(&self, hash: &str) {
        if let Some(entries) = &self.entries {
            entries.invalidate(hash);
        }
    }

    /// Drops every cached login `which` picks (a user's, when their account changed).
    pub(crate) fn forget(&self, which: impl Fn(&Caller) -> bool + Send + Sync + 'static) {
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
