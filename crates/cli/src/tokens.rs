//! `classtrack tokens create|list|revoke`: named API tokens for scripts,
//! through the API with the stored (administrator's) login.

use classtrack_proto::v1;

use crate::client::{authed, channel, explain, load, role_name};

/// Makes a token and prints its secret (the only time it is shown).
pub async fn create(name: &str, role: &str, days: i64) -> anyhow::Result<()> {
    let creds = load()?;
    let role = match role {
        "admin" => v1::Role::Admin,
        "professor" => v1::Role::Professor,
        _ => v1::Role::Student,
    };
    let expires = chrono::Utc::now() + chrono::Duration::days(days.clamp(1, 100_000));
    let mut auth = classtrack_proto::Clients::new(channel(&creds.target()).await?).auth();
    let made = auth
        .create_api_token(authed(
            &creds.token,
            v1::CreateApiTokenRequest {
                api_token: Some(v1::ApiToken {
                    display_name: name.to_string(),
                    role: role as i32,
                    expire_time: Some(prost_types::Timestamp {
                        seconds: expires.timestamp(),
                        nanos: 0,
                    }),
                    ..Default::default()
                }),
            },
        )?)
        .await
        .map_err(explain)?
        .into_inner();
    let token = made.api_token.unwrap_or_default();
    eprintln!(
        "Made {} ({}); its secret, shown only now:",
        token.name,
        role_name(token.role)
    );
    println!("{}", made.secret);
    Ok(())
}

/// Lists the live tokens (never their secrets).
pub async fn list() -> anyhow::Result<()> {
    let creds = load()?;
    let mut auth = classtrack_proto::Clients::new(channel(&creds.target()).await?).auth();
    let tokens = auth
        .list_api_tokens(authed(&creds.token, v1::ListApiTokensRequest {})?)
        .await
        .map_err(explain)?
        .into_inner()
        .api_tokens;
    println!(
        "{:<16} {:<10} {:<14} {:<20}  NAME",
        "ID", "ROLE", "MADE BY", "EXPIRES (UTC)"
    );
    for t in tokens {
        let expires = t
            .expire_time
            .and_then(|e| chrono::DateTime::from_timestamp(e.seconds, 0))
            .map(|e| e.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        println!(
            "{:<16} {:<10} {:<14} {:<20}  {}",
            t.name,
            role_name(t.role),
            t.creator_username,
            expires,
            t.display_name
        );
    }
    Ok(())
}

/// Revokes a token by its name (`apiTokens/3`, or just `3`).
pub async fn revoke(name: &str) -> anyhow::Result<()> {
    let creds = load()?;
    let name = if name.starts_with("apiTokens/") {
        name.to_string()
    } else {
        format!("apiTokens/{name}")
    };
    let mut auth = classtrack_proto::Clients::new(channel(&creds.target()).await?).auth();
    auth.revoke_api_token(authed(
        &creds.token,
        v1::RevokeApiTokenRequest { name: name.clone() },
    )?)
    .await
    .map_err(explain)?;
    println!("Revoked {name}");
    Ok(())
}
