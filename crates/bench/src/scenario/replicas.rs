//! `replicas`: the `watch` scenario across two replicas of one database.
//! The students check in through the first (spawned) server while the
//! watchers follow the lecture on a second replica started for the run on
//! the same database: what a professor's screen on replica B sees of
//! check-ins written through replica A, which arrive by the replica's poll
//! of the roll-event log (`live_poll_interval`) rather than by the in-process
//! nudge. Measured: the delay from each CheckIn response to its arrival at
//! every watcher.

use tonic::transport::Channel;

use super::{watch, Cohort};
use crate::client::Bearer;
use crate::database::Database;
use crate::output::ScenarioReport;
use crate::server::Spawned;

pub async fn run(
    first: &Spawned,
    database: &Database,
    channels: &[Channel],
    admin: &Bearer,
    cohort: &Cohort,
    run_id: &str,
    sizes: &watch::Sizes,
) -> anyhow::Result<ScenarioReport> {
    crate::progress("replicas: starting a second replica on the same database".to_string());
    let second = first.another(database).await?;
    let second_url = second.url().to_string();
    let report = watch::run(&second.target(), channels, admin, cohort, run_id, sizes).await;
    second.stop().await?;
    let mut report = report?;
    report.notes.push(format!(
        "check-ins through {}, watchers on a second replica at {second_url}",
        first.url()
    ));
    Ok(report)
}
