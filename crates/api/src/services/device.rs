//! Signing a client in through the browser: RFC 8628's device
//! authorization, served by the API for ClassTrack's own clients
//! (`classtrack login --sso`). The client starts one and polls with its
//! secret device code; a logged-in user approves or denies its short user
//! code on the web tier's `/device` page; the next poll gets a login for
//! that user, once. Everything is in the database (the device code only
//! hashed), so any replica answers any step.

use std::time::Duration;

use classtrack_core::validate;
use classtrack_proto::v1;
use classtrack_store::device::{self, Decision, NewDeviceAuthorization};
use classtrack_store::{api_tokens, auth, users};
use rand::Rng;
use tonic::Request;

use super::audit;
use crate::access::{new_token, token_hash, Caller};
use crate::convert;
use crate::error::{ApiError, ApiResult, DeviceWait};
use crate::retry::retrying;
use crate::state::State;

/// How long a user has to approve.
const EXPIRES_IN: Duration = Duration::from_secs(600);
/// How long a client waits between polls at first.
const INTERVAL: Duration = Duration::from_secs(5);
/// What a too-early poll adds to the interval (RFC 8628, 3.5).
const SLOW_DOWN_STEP_MS: i64 = 5_000;
/// The user code's letters: consonants only (no words, no 0/O or 1/I
/// to confuse), as RFC 8628 6.1 suggests. Eight of them: 20^8 ≈ 2.6e10.
const USER_CODE_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LEN: usize = 8;

pub(super) async fn start(
    s: &State,
    req: Request<v1::StartDeviceAuthorizationRequest>,
) -> ApiResult<v1::StartDeviceAuthorizationResponse> {
    let address = s.client_address(&req).map(|a| a.to_string());
    let r = req.into_inner();
    let client_name = r.client_name.trim();
    let mut v = validate::Violations::default();
    v.check("client_name", validate::text(client_name, false, 100));
    v.into_result().map_err(ApiError::Invalid)?;
    let client_name = if client_name.is_empty() {
        "a ClassTrack client"
    } else {
        client_name
    };
    let now = s.now_ms();
    let expires_at = now + EXPIRES_IN.as_millis() as i64;
    let (device_code, hash) = new_token();
    // A drawn user code may be taken by a live authorization: draw again.
    let mut tries = 0;
    let user_code = loop {
        let code = draw_user_code();
        let stored = retrying!(s, "start device authorization", {
            let mut tx = s.store.begin().await?;
            device::insert(
                &mut tx,
                &NewDeviceAuthorization {
                    device_code_hash: &hash,
                    user_code: &code,
                    client_name,
                    client_address: address.as_deref(),
                    created_at: now,
                    expires_at,
                    interval_ms: INTERVAL.as_millis() as i64,
                },
            )
            .await?;
            classtrack_store::commit(tx).await?;
            Ok(())
        });
        match stored {
            Ok(()) => break code,
            Err(ApiError::AlreadyExists { .. }) if tries < 5 => tries += 1,
            Err(e) => return Err(e),
        }
    };
    let base = format!("{}/device", s.config.public_url.trim_end_matches('/'));
    let shown = dashed(&user_code);
    Ok(v1::StartDeviceAuthorizationResponse {
        device_code,
        verification_uri_complete: format!("{base}?code={shown}"),
        verification_uri: base,
        user_code: shown,
        expires_in: EXPIRES_IN.as_secs() as i32,
        interval: INTERVAL.as_secs() as i32,
    })
}

pub(super) async fn poll(
    s: &State,
    req: Request<v1::PollDeviceAuthorizationRequest>,
) -> ApiResult<v1::PollDeviceAuthorizationResponse> {
    let code = req.get_ref().device_code.trim();
    if code.is_empty() {
        return Err(ApiError::invalid("device_code", "is required"));
    }
    if code.len() > 128 {
        return Err(ApiError::Device(DeviceWait::Unknown));
    }
    let hash = token_hash(code);
    let now = s.now_ms();
    retrying!(s, "poll device authorization", {
        let mut tx = s.store.begin().await?;
        let Some(found) = device::by_device_code(&mut tx, &hash).await? else {
            return Err(ApiError::Device(DeviceWait::Unknown));
        };
        if found.expires_at <= now {
            return Err(ApiError::Device(DeviceWait::Expired));
        }
        let user = match found.decision {
            Decision::Denied => return Err(ApiError::Device(DeviceWait::Denied)),
            Decision::Pending => {
                let early = found
                    .last_polled_at
                    .is_some_and(|last| now - last < found.interval_ms);
                let interval = found.interval_ms + if early { SLOW_DOWN_STEP_MS } else { 0 };
                device::polled(&mut tx, found.id, now, interval).await?;
                classtrack_store::commit(tx).await?;
                return Err(ApiError::Device(if early {
                    DeviceWait::SlowDown {
                        interval: Duration::from_millis(interval as u64),
                    }
                } else {
                    DeviceWait::Pending
                }));
            }
            Decision::Approved(user) => user,
        };
        // Whoever polls first takes the login; the row is gone for any other.
        if !device::remove(&mut tx, found.id).await? {
            return Err(ApiError::Device(DeviceWait::Unknown));
        }
        let user = users::get(&mut tx, user).await?;
        if !user.active {
            classtrack_store::commit(tx).await?;
            return Err(ApiError::Device(DeviceWait::Denied));
        }
        let (token, token_hash) = new_token();
        let expires = now + i64::try_from(s.config.token_ttl.as_millis()).unwrap_or(i64::MAX / 2);
        auth::insert_token(&mut tx, &token_hash, user.id, now, expires).await?;
        classtrack_store::commit(tx).await?;
        s.logins.put(&Caller {
            user: user.clone(),
            token_hash,
            expires_at: expires,
            client_address: None,
        });
        Ok(v1::PollDeviceAuthorizationResponse {
            token,
            expire_time: convert::ts(expires),
            user: Some(convert::user(&user)),
            password_change_required: user.must_change_password,
        })
    })
}

pub(super) async fn get(
    s: &State,
    req: Request<v1::GetDeviceAuthorizationRequest>,
) -> ApiResult<v1::GetDeviceAuthorizationResponse> {
    let _caller = s.caller(&req).await?;
    let code = user_code(&req.get_ref().user_code)?;
    let mut conn = s.store.acquire().await?;
    let found = device::pending_by_user_code(&mut conn, &code, s.now_ms())
        .await?
        .ok_or_else(|| not_waiting(&code))?;
    Ok(v1::GetDeviceAuthorizationResponse {
        user_code: dashed(&found.user_code),
        client_name: found.client_name,
        client_address: found.client_address.unwrap_or_default(),
        create_time: convert::ts(found.created_at),
        expire_time: convert::ts(found.expires_at),
    })
}

pub(super) async fn approve(
    s: &State,
    req: Request<v1::ApproveDeviceAuthorizationRequest>,
) -> ApiResult<v1::ApproveDeviceAuthorizationResponse> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let code = user_code(&r.user_code)?;
    refuse_api_token(s, &caller).await?;
    let now = s.now_ms();
    retrying!(s, "approve device authorization", {
        let mut tx = s.store.begin().await?;
        let found = device::pending_by_user_code(&mut tx, &code, now)
            .await?
            .ok_or_else(|| not_waiting(&code))?;
        if !device::decide(&mut tx, found.id, caller.user.id, r.approve, now).await? {
            return Err(not_waiting(&code));
        }
        let action = if r.approve {
            "device.approve"
        } else {
            "device.deny"
        };
        let detail = serde_json::json!({
            "client_name": found.client_name,
            "client_address": found.client_address,
        });
        audit(
            &mut tx,
            &caller,
            action,
            &caller.user.id.name(),
            detail,
            now,
        )
        .await?;
        classtrack_store::commit(tx).await?;
        Ok(v1::ApproveDeviceAuthorizationResponse {})
    })
}

/// A login made with an API token cannot hand out logins (nor tokens): its
/// role may be less than its owner's.
pub(super) async fn refuse_api_token(s: &State, caller: &Caller) -> ApiResult<()> {
    let mut conn = s.store.acquire().await?;
    if api_tokens::is_api_token(&mut conn, &caller.token_hash).await? {
        return Err(ApiError::denied("api-error-not-with-api-token"));
    }
    Ok(())
}

fn not_waiting(code: &str) -> ApiError {
    ApiError::invalid(
        "user_code",
        format!(
            "no sign-in is waiting for the code {}: it may have expired or been answered; start again on the device",
            dashed(code)
        ),
    )
}

/// A user code as typed (any case, with or without the dash or spaces),
/// as stored: eight letters of [`USER_CODE_LETTERS`].
fn user_code(typed: &str) -> ApiResult<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.is_empty() {
        return Err(ApiError::invalid("user_code", "is required"));
    }
    if code.len() != USER_CODE_LEN || !code.bytes().all(|b| USER_CODE_LETTERS.contains(&b)) {
        return Err(ApiError::invalid(
            "user_code",
            "is not a sign-in code: eight letters, such as WDJB-MJHT",
        ));
    }
    Ok(code)
}

fn draw_user_code() -> String {
    let mut rng = rand::rng();
    (0..USER_CODE_LEN)
        .map(|_| char::from(USER_CODE_LETTERS[rng.random_range(0..USER_CODE_LETTERS.len())]))
        .collect()
}

/// `WDJBMJHT` as people read it: `WDJB-MJHT`.
fn dashed(code: &str) -> String {
    if code.len() == USER_CODE_LEN {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use classtrack_store::StoreError;

    #[test]
    fn user_codes_are_read_as_people_type_them() {
        assert_eq!(user_code(" wdjb-mjht ").ok().as_deref(), Some("WDJBMJHT"));
        assert_eq!(user_code("WDJB MJHT").ok().as_deref(), Some("WDJBMJHT"));
        assert!(user_code("WDJB-MJH").is_err(), "too short");
        assert!(user_code("WDJB-MJH0").is_err(), "a digit");
        assert!(user_code("WDJA-MJHT").is_err(), "a vowel");
        assert!(user_code("").is_err());
    }

    #[test]
    fn drawn_codes_read_back() {
        for _ in 0..100 {
            let code = draw_user_code();
            assert_eq!(user_code(&dashed(&code)).ok(), Some(code));
        }
    }

    #[test]
    fn no_unmapped_store_error_is_swallowed() {
        // AlreadyExists is what a taken user code becomes (and is drawn again).
        let e: ApiError = StoreError::Conflict { field: "user_code" }.into();
        assert!(matches!(e, ApiError::AlreadyExists { .. }));
    }
}
