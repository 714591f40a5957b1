//! The timed scenarios. Each builds what it needs on top of the shared
//! cohort (set-up, not timed) and returns its figures.

pub mod baseline;
pub mod checkin;
pub mod login;
pub mod replicas;
pub mod report;
pub mod watch;

use std::sync::Arc;

use classtrack_proto::v1::check_in_request::Credential;
use classtrack_proto::v1::CheckInRequest;
use tonic::transport::Channel;

use crate::client::{self, Bearer, CALL_TIMEOUT};
use crate::fixture::Student;
use crate::load::Outcome;
use crate::output::ScenarioReport;
use crate::stats::{self, status_key};

/// The students of the main course, logged in.
pub struct Cohort {
    pub course: String,
    pub students: Arc<[Student]>,
    pub bearers: Arc<[Bearer]>,
}

/// One student's check-in with the QR token, as a phone would send it.
pub async fn check_in(
    channel: &Channel,
    bearer: &Bearer,
    token: &str,
    device_id: &str,
) -> Result<bool, String> {
    let request = CheckInRequest {
        credential: Some(Credential::Token(token.to_string())),
        device_id: device_id.to_string(),
        ..Default::default()
    };
    client::attendance(channel)
        .check_in(bearer.request(request, CALL_TIMEOUT))
        .await
        .map(|r| r.into_inner().already_recorded)
        .map_err(|s| status_key(&s))
}

/// Fills a report's counts from a closed-loop load.
pub fn report_of(name: &'static str, outcome: &Outcome) -> ScenarioReport {
    let mut r = ScenarioReport::new(name);
    r.operations = outcome.attempted;
    r.succeeded = outcome.recorder.ok();
    r.elapsed_s = outcome.elapsed.as_secs_f64();
    r.throughput_per_s = stats::rate(outcome.recorder.ok(), outcome.elapsed);
    r.latency = outcome.recorder.latency();
    r.errors = outcome.recorder.errors().clone();
    r
}
