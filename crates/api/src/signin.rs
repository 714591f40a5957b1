//! How a request becomes a [`Caller`]: its bearer token, looked up in this
//! replica's [`LoginCache`](crate::access::LoginCache) or the database, and
//! the address it came from. These are methods of [`State`], which holds the
//! cache and the batch loops they use; they live apart from `access` (the
//! `Caller` and what it may do), which `state` depends on.

use std::net::{IpAddr, SocketAddr};

use classtrack_core::forwarded;
use classtrack_core::validate::Problem;
use tonic::Request;

use crate::access::{bearer, token_hash, Caller, InProcess, LOGIN_ENDED};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

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
        let token = bearer(req).ok_or(ApiError::Unauthenticated(Problem::new(
            "api-error-login-required",
        )))?;
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

/// Every value of a metadata key, in order (unreadable ones left out).
fn metadata_values<'r, T>(req: &'r Request<T>, name: &str) -> Vec<&'r str> {
    req.metadata()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}
