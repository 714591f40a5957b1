//! `login`: a storm of password logins by the cohort's students (argon2id on
//! the server), `concurrency` at a time.

use std::sync::Arc;

use anyhow::Context;
use tonic::transport::Channel;

use super::{report_of, Cohort};
use crate::client::{self, CALL_TIMEOUT};
use crate::load;
use crate::output::ScenarioReport;
use crate::stats::status_key;

pub async fn run(
    channels: &[Channel],
    cohort: &Cohort,
    logins: usize,
    concurrency: usize,
) -> anyhow::Result<ScenarioReport> {
    let credentials: Arc<[(String, String)]> = cohort
        .students
        .iter()
        .map(|s| {
            let password = s
                .password
                .clone()
                .with_context(|| format!("no password for {}", s.username))?;
            Ok((s.username.clone(), password))
        })
        .collect::<anyhow::Result<Vec<_>>>()?
        .into();
    anyhow::ensure!(
        !credentials.is_empty(),
        "the login scenario needs at least one student"
    );
    let channels: Arc<[Channel]> = channels.into();
    let outcome = load::drive(logins, concurrency, move |i| {
        let (channels, credentials) = (Arc::clone(&channels), Arc::clone(&credentials));
        async move {
            let (login, password) = &credentials[i % credentials.len()];
            client::login(&channels[i % channels.len()], login, password, CALL_TIMEOUT)
                .await
                .map(drop)
                .map_err(|s| status_key(&s))
        }
    })
    .await;
    Ok(report_of("login", &outcome))
}
