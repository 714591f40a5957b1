//! `classtrack login --sso`: signing the CLI in through the browser (RFC
//! 8628's device authorization, served by the API). The CLI prints a URL
//! and a short code, the user opens the URL, signs in however the site
//! signs people in and approves, and the CLI, polling meanwhile, receives
//! its token and keeps it where `classtrack login` keeps it.

use std::time::Duration;

use anyhow::bail;
use classtrack_proto::endpoint::Target;
use classtrack_proto::v1;
use tonic::Code;
use tonic_types::StatusExt;

use crate::client::{channel, explain, role_name, save, Credentials};

/// Signs in at `target` through the browser and saves the credentials.
pub async fn login(mut target: Target) -> anyhow::Result<()> {
    if let Some(ca) = &target.ca_cert {
        target.ca_cert = Some(std::path::absolute(ca).unwrap_or_else(|_| ca.clone()));
    }
    let mut auth = classtrack_proto::Clients::new(channel(&target).await?).auth();
    let started = auth
        .start_device_authorization(v1::StartDeviceAuthorizationRequest {
            client_name: client_name(),
        })
        .await
        .map_err(explain)?
        .into_inner();
    println!(
        "To sign in, open {}\nand enter the code {}\n(or open {})",
        started.verification_uri, started.user_code, started.verification_uri_complete
    );
    println!(
        "Waiting for your approval (the code expires in {} minutes)…",
        (started.expires_in.max(60) + 59) / 60
    );
    let mut interval = Duration::from_secs(started.interval.clamp(1, 60) as u64);
    let login = loop {
        tokio::time::sleep(interval).await;
        let polled = auth
            .poll_device_authorization(v1::PollDeviceAuthorizationRequest {
                device_code: started.device_code.clone(),
            })
            .await;
        match polled {
            Ok(login) => break login.into_inner(),
            Err(status) => match reason(&status).as_deref() {
                Some("AUTHORIZATION_PENDING") => {}
                Some("SLOW_DOWN") => {
                    interval = status
                        .get_details_retry_info()
                        .and_then(|r| r.retry_delay)
                        .unwrap_or(interval + Duration::from_secs(5));
                }
                // A server or network hiccup: the device code stays valid.
                _ if status.code() == Code::Unavailable => {}
                Some("ACCESS_DENIED") => bail!("the sign-in was denied"),
                Some("EXPIRED_TOKEN") => {
                    bail!("the code expired before it was approved; run the command again")
                }
                _ => return Err(explain(status)),
            },
        }
    };
    let user = login.user.unwrap_or_default();
    let creds = Credentials {
        server: target.url,
        username: user.username.clone(),
        token: login.token,
        ca_cert: target.ca_cert,
        insecure: target.insecure,
    };
    let path = save(&creds)?;
    println!(
        "Logged in as {} ({}) at {}; token saved in {}",
        user.username,
        role_name(user.role),
        creds.server,
        path.display()
    );
    if login.password_change_required {
        println!("Your password must be changed before anything else: do it on the web site.");
    }
    Ok(())
}

/// The ErrorInfo reason of a status, if it has one.
fn reason(status: &tonic::Status) -> Option<String> {
    status.get_details_error_info().map(|i| i.reason)
}

/// What the approving user is shown: this program and the machine's name.
fn client_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty());
    let name = match host {
        Some(host) => format!("classtrack CLI on {host}"),
        None => "classtrack CLI".to_string(),
    };
    name.chars().take(100).collect()
}
