//! `checkin`: every student of the cohort checks in once to a session open
//! now, `concurrency` at a time, spread over the HTTP/2 connections.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tonic::transport::Channel;

use super::{check_in, report_of, Cohort};
use crate::client::Bearer;
use crate::fixture::{self, LiveToken};
use crate::load;
use crate::output::ScenarioReport;

pub async fn run(
    channels: &[Channel],
    admin: &Bearer,
    cohort: &Cohort,
    concurrency: usize,
) -> anyhow::Result<ScenarioReport> {
    let session = fixture::open_session(&channels[0], admin, &cohort.course, "checkin").await?;
    let token =
        Arc::new(LiveToken::start(channels[0].clone(), admin.clone(), session.name.clone()).await?);
    let channels: Arc<[Channel]> = channels.into();
    let repeats = Arc::new(AtomicU64::new(0));
    let (students, bearers) = (Arc::clone(&cohort.students), Arc::clone(&cohort.bearers));
    let counted = Arc::clone(&repeats);
    let outcome = load::drive(students.len(), concurrency, move |i| {
        let (channels, students, bearers) = (
            Arc::clone(&channels),
            Arc::clone(&students),
            Arc::clone(&bearers),
        );
        let (token, counted) = (Arc::clone(&token), Arc::clone(&counted));
        async move {
            let channel = &channels[i % channels.len()];
            let repeat =
                check_in(channel, &bearers[i], &token.get(), &students[i].device_id).await?;
            if repeat {
                counted.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }
    })
    .await;
    let mut report = report_of("checkin", &outcome);
    report.notes.push(format!("session {}", session.name));
    let repeats = repeats.load(Ordering::Relaxed);
    if repeats > 0 {
        report.notes.push(format!(
            "{repeats} answered already_recorded (unexpected on a fresh session)"
        ));
    }
    Ok(report)
}
