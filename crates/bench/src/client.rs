//! gRPC connections to the server under test and the calls' credentials.

use std::time::Duration;

use anyhow::{bail, Context};
use classtrack_proto::endpoint::{self, Target};
use classtrack_proto::v1::attendance_service_client::AttendanceServiceClient;
use classtrack_proto::v1::auth_service_client::AuthServiceClient;
use classtrack_proto::v1::course_service_client::CourseServiceClient;
use classtrack_proto::v1::report_service_client::ReportServiceClient;
use classtrack_proto::v1::session_service_client::SessionServiceClient;
use classtrack_proto::v1::{ChangePasswordRequest, LoginRequest};
use classtrack_proto::Clients;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;
use tonic::Request;

/// How long one timed call may take before it counts as `DeadlineExceeded`.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Set-up calls (bulk imports hash a password per new account) may take longer.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(600);

/// Refuses anything but a loopback address: the bench only loads this machine
/// (over http://, or https:// with the system's roots and `--ca-cert`).
pub fn check_loopback(url: &str) -> anyhow::Result<()> {
    let parsed = url::Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("--target must be an http:// or https:// URL (got {url:?})");
    }
    let loopback = parsed
        .host_str()
        .is_some_and(classtrack_proto::endpoint::is_loopback);
    if !loopback {
        bail!("--target must be on this machine (127.0.0.1, ::1 or localhost), got {url:?}");
    }
    Ok(())
}

/// `n` separate HTTP/2 connections to `target` (each with its TLS handshake
/// done, for https).
pub async fn connect(target: &Target, n: usize) -> anyhow::Result<Vec<Channel>> {
    let endpoint = target
        .endpoint()?
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5));
    let mut channels = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        channels.push(endpoint::connect(&target.url, &endpoint).await?);
    }
    Ok(channels)
}

/// A user's `authorization: Bearer …` value, parsed once and reused on every call.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bearer(..)")
    }
}

impl Bearer {
    pub fn new(token: &str) -> anyhow::Result<Self> {
        let value = format!("Bearer {token}")
            .parse()
            .context("the server returned a token that is not valid metadata")?;
        Ok(Self(value))
    }

    /// `message` with this credential and a deadline.
    pub fn request<T>(&self, message: T, timeout: Duration) -> Request<T> {
        let mut request = Request::new(message);
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        request.set_timeout(timeout);
        request
    }

    /// `message` with this credential and no deadline, for a long-lived stream.
    pub fn stream_request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        request
    }
}

pub fn timed<T>(message: T, timeout: Duration) -> Request<T> {
    let mut request = Request::new(message);
    request.set_timeout(timeout);
    request
}

pub fn auth(channel: &Channel) -> AuthServiceClient<Channel> {
    Clients::new(channel.clone()).auth()
}

pub fn courses(channel: &Channel) -> CourseServiceClient<Channel> {
    Clients::new(channel.clone()).courses()
}

pub fn sessions(channel: &Channel) -> SessionServiceClient<Channel> {
    Clients::new(channel.clone()).sessions()
}

pub fn attendance(channel: &Channel) -> AttendanceServiceClient<Channel> {
    Clients::new(channel.clone()).attendance()
}

pub fn reports(channel: &Channel) -> ReportServiceClient<Channel> {
    Clients::new(channel.clone()).reports()
}

/// Logs in and returns the credential.
pub async fn login(
    channel: &Channel,
    login: &str,
    password: &str,
    timeout: Duration,
) -> Result<Bearer, tonic::Status> {
    login_settled(channel, login, password, timeout)
        .await
        .map(|(bearer, _)| bearer)
}

/// Logs in; when the server chose the password (an imported account's
/// one-time password) and wants it changed first, changes it to a new random
/// one, returned with the credential, so that the login can do more than
/// log in.
pub async fn login_settled(
    channel: &Channel,
    login: &str,
    password: &str,
    timeout: Duration,
) -> Result<(Bearer, Option<String>), tonic::Status> {
    let response = auth(channel)
        .login(timed(
            LoginRequest {
                login: login.to_string(),
                password: password.to_string(),
            },
            timeout,
        ))
        .await?
        .into_inner();
    let bearer =
        Bearer::new(&response.token).map_err(|e| tonic::Status::internal(e.to_string()))?;
    if !response.password_change_required {
        return Ok((bearer, None));
    }
    use rand::distr::{Alphanumeric, SampleString};
    let fresh = Alphanumeric.sample_string(&mut rand::rng(), 24);
    auth(channel)
        .change_password(bearer.request(
            ChangePasswordRequest {
                current_password: password.to_string(),
                new_password: fresh.clone(),
            },
            timeout,
        ))
        .await?;
    // The token the change was made with stays valid.
    Ok((bearer, Some(fresh)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "https://127.0.0.1:1",
            "https://localhost:8443",
        ] {
            assert!(check_loopback(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "https://attend.example.edu",
            "ftp://127.0.0.1",
            "nonsense",
        ] {
            assert!(check_loopback(bad).is_err(), "{bad}");
        }
    }
}
