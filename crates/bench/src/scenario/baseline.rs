//! `--baseline`: the raw database limit. The same rows a check-in writes (the
//! attendance record and its roll event, in one transaction) inserted straight
//! through sqlx for a second session with the same students, at the same
//! concurrency, on a pool set up like the server's.

use std::sync::Arc;

use sqlx::AnyPool;
use tonic::transport::Channel;

use super::{report_of, Cohort};
use crate::client::Bearer;
use crate::database::{self, Database};
use crate::fixture::{self, resource_id};
use crate::load;
use crate::output::ScenarioReport;

pub async fn run(
    channel: &Channel,
    admin: &Bearer,
    cohort: &Cohort,
    database: &Database,
    pool: &AnyPool,
    pool_size: u32,
    concurrency: usize,
) -> anyhow::Result<ScenarioReport> {
    let session = fixture::open_session(channel, admin, &cohort.course, "baseline").await?;
    let session_id = resource_id(&session.name)?;
    let students = Arc::clone(&cohort.students);
    let pool = pool.clone();
    let outcome = load::drive(students.len(), concurrency, move |i| {
        let (pool, students) = (pool.clone(), Arc::clone(&students));
        async move {
            let s = &students[i];
            database::insert_check_in(&pool, session_id, s.id, &s.device_id)
                .await
                .map_err(|e| database::sql_error_key(&e))
        }
    })
    .await;
    let mut report = report_of("baseline", &outcome);
    report.notes.push(format!(
        "sqlx straight into {}: {concurrency} tasks on a pool of {pool_size} connections{}, session {}",
        database.redacted(),
        if pool_size == database.server_pool_size() { " (as the server's)" } else { "" },
        session.name
    ));
    Ok(report)
}
