//! `watch`: W professors' screens and projectors follow one lecture while its
//! students check in. Measured: the delay from each CheckIn response (at the
//! student) to the arrival of that change at every watcher.
//!
//! The lecture is a course of its own holding the first `checkins` students of
//! the cohort, so each watcher's first message (the whole roll) stays
//! lecture-sized. Watchers are spread over their own HTTP/2 connections,
//! [`WATCHERS_PER_CONNECTION`] each, below the server's concurrent-stream limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use classtrack_proto::endpoint::Target;
use classtrack_proto::v1::watch_session_response::Event;
use classtrack_proto::v1::WatchSessionRequest;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tonic::transport::Channel;

use super::{check_in, Cohort};
use crate::client::{self, Bearer};
use crate::fixture::{self, LiveToken};
use crate::load;
use crate::output::ScenarioReport;
use crate::roster;
use crate::stats::{self, status_key, Recorder};

pub const WATCHERS_PER_CONNECTION: usize = 100;
/// Streams being opened (and sent their roll) at once.
const OPENING_AT_ONCE: usize = 64;
const OPEN_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a watcher waits for stragglers once the check-ins are done.
const GRACE: Duration = Duration::from_secs(10);
/// The most a watcher ever waits, whatever happens.
const LONGEST_WATCH: Duration = Duration::from_secs(900);

pub struct Sizes {
    /// The scenario's name in the report (`watch`, `replicas`).
    pub name: &'static str,
    pub watchers: usize,
    pub checkins: usize,
    pub connections: usize,
    pub concurrency: usize,
}

/// When the check-ins finished and how many succeeded.
type Done = Option<(Instant, u64)>;

pub async fn run(
    target: &Target,
    channels: &[Channel],
    admin: &Bearer,
    cohort: &Cohort,
    run_id: &str,
    sizes: &Sizes,
) -> anyhow::Result<ScenarioReport> {
    let n = sizes.checkins.min(cohort.students.len());
    let lecture = fixture::create_course(
        &channels[0],
        admin,
        &format!(
            "{}-{run_id}",
            // Not BENCHR: that is the report scenario's course, and both run
            // in one `--scenario all` with the same run id.
            if sizes.name == "replicas" {
                "BENCHREPL"
            } else {
                "BENCHW"
            }
        ),
        "Bench lecture",
    )
    .await?;
    fixture::enroll(
        &channels[0],
        admin,
        &lecture,
        run_id,
        &roster::roster(run_id, 0..n),
    )
    .await?;
    let session = fixture::open_session(&channels[0], admin, &lecture, "watch").await?;
    let watch_channels = client::connect(target, sizes.connections).await?;

    let index: Arc<HashMap<String, usize>> = Arc::new(
        cohort.students[..n]
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect(),
    );
    let clock = Instant::now();
    // Nanoseconds since `clock` + 1 at which student i's CheckIn answered; 0 = not yet.
    let answered: Arc<[AtomicU64]> = (0..n).map(|_| AtomicU64::new(0)).collect();
    let (done_tx, done_rx) = watch::channel::<Done>(None);
    let (ready_tx, mut ready_rx) = mpsc::channel::<bool>(sizes.watchers.max(1));
    let opening = Arc::new(Semaphore::new(OPENING_AT_ONCE));

    let mut watchers = JoinSet::new();
    for w in 0..sizes.watchers {
        let watcher = Watcher {
            channel: watch_channels[w % watch_channels.len()].clone(),
            admin: admin.clone(),
            session: session.name.clone(),
            index: Arc::clone(&index),
            answered: Arc::clone(&answered),
            clock,
            done: done_rx.clone(),
        };
        let (opening, ready) = (Arc::clone(&opening), ready_tx.clone());
        watchers.spawn(watcher.follow(opening, ready));
    }
    drop(ready_tx);
    let mut ready = 0usize;
    let opened_by = tokio::time::Instant::now() + OPEN_TIMEOUT;
    for _ in 0..sizes.watchers {
        match tokio::time::timeout_at(opened_by, ready_rx.recv()).await {
            Ok(Some(true)) => ready += 1,
            Ok(Some(false)) => {}
            Ok(None) | Err(_) => break,
        }
    }

    let token =
        Arc::new(LiveToken::start(channels[0].clone(), admin.clone(), session.name.clone()).await?);
    let checkins_started = Instant::now();
    let checkins = {
        let channels: Arc<[Channel]> = channels.into();
        let (students, bearers, answered) = (
            Arc::clone(&cohort.students),
            Arc::clone(&cohort.bearers),
            Arc::clone(&answered),
        );
        load::drive(n, sizes.concurrency, move |i| {
            let (channels, students, bearers) = (
                Arc::clone(&channels),
                Arc::clone(&students),
                Arc::clone(&bearers),
            );
            let (token, answered) = (Arc::clone(&token), Arc::clone(&answered));
            async move {
                check_in(
                    &channels[i % channels.len()],
                    &bearers[i],
                    &token.get(),
                    &students[i].device_id,
                )
                .await?;
                answered[i].store(nanos_since(clock) + 1, Ordering::Release);
                Ok(())
            }
        })
        .await
    };
    let _ = done_tx.send(Some((Instant::now(), checkins.recorder.ok())));

    let mut delays = Recorder::new();
    let mut received = 0u64;
    let mut last_arrival = checkins_started;
    while let Some(joined) = watchers.join_next().await {
        match joined {
            Ok(seen) => {
                delays.merge(&seen.delays);
                received += seen.received;
                if let Some(at) = seen.last_arrival {
                    last_arrival = last_arrival.max(at);
                }
            }
            Err(e) => delays.record_error(format!("watcher failed: {e}")),
        }
    }

    let expected = ready as u64 * checkins.recorder.ok();
    let elapsed = last_arrival.saturating_duration_since(checkins_started);
    let mut report = ScenarioReport::new(sizes.name);
    report.operations = expected;
    report.succeeded = received;
    report.elapsed_s = elapsed.as_secs_f64();
    report.throughput_per_s = stats::rate(received, elapsed);
    report.latency = delays.latency();
    report.errors = delays.errors().clone();
    for (key, n) in checkins.recorder.errors() {
        *report.errors.entry(format!("checkin/{key}")).or_default() += n;
    }
    report.notes.push(format!(
        "{ready} of {} watchers ready over {} connections; {} check-ins ({} ok) at {:.0}/s, p99 {}",
        sizes.watchers,
        watch_channels.len(),
        n,
        checkins.recorder.ok(),
        stats::rate(checkins.recorder.ok(), checkins.elapsed),
        checkins
            .recorder
            .latency()
            .map(|l| format!("{:.2} ms", l.p99_ms))
            .unwrap_or_else(|| "-".into()),
    ));
    report.notes.push(format!(
        "latency = delivery delay (CheckIn answered → change at a watcher); deliveries = ops; {} lost",
        expected.saturating_sub(received)
    ));
    Ok(report)
}

fn nanos_since(clock: Instant) -> u64 {
    u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX - 1)
}

struct Watcher {
    channel: Channel,
    admin: Bearer,
    session: String,
    index: Arc<HashMap<String, usize>>,
    answered: Arc<[AtomicU64]>,
    clock: Instant,
    done: watch::Receiver<Done>,
}

struct Seen {
    delays: Recorder,
    received: u64,
    last_arrival: Option<Instant>,
}

impl Watcher {
    /// Opens the stream, takes the roll, says it is ready, then notes the
    /// arrival of every check-in until all have come or time is up.
    async fn follow(mut self, opening: Arc<Semaphore>, ready: mpsc::Sender<bool>) -> Seen {
        let mut seen = Seen {
            delays: Recorder::new(),
            received: 0,
            last_arrival: None,
        };
        let permit = opening.acquire_owned().await;
        let request = self.admin.stream_request(WatchSessionRequest {
            session: self.session.clone(),
        });
        let opened = tokio::time::timeout(OPEN_TIMEOUT, async {
            let mut stream = client::attendance(&self.channel)
                .watch_session(request)
                .await?
                .into_inner();
            match stream.message().await? {
                Some(first) if matches!(first.event, Some(Event::Roll(_))) => Ok(stream),
                _ => Err(tonic::Status::internal(
                    "the first message was not the roll",
                )),
            }
        })
        .await;
        drop(permit);
        let mut stream = match opened {
            Ok(Ok(stream)) => stream,
            Ok(Err(status)) => {
                seen.delays
                    .record_error(format!("watch/{}", status_key(&status)));
                let _ = ready.send(false).await;
                return seen;
            }
            Err(_) => {
                seen.delays.record_error("watch/open timed out");
                let _ = ready.send(false).await;
                return seen;
            }
        };
        let _ = ready.send(true).await;

        let n = self.answered.len();
        let mut arrived = vec![false; n];
        let mut deadline = tokio::time::Instant::now() + LONGEST_WATCH;
        let mut expected: Option<u64> = None;
        // Bounded: a few messages per check-in at most, then the deadline.
        for _ in 0..(4 * n + 100) {
            if expected.is_some_and(|e| seen.received >= e) {
                break;
            }
            tokio::select! {
                message = stream.message() => match message {
                    Ok(Some(m)) => {
                        if let Some(Event::Changed(entry)) = m.event {
                            let student = entry.student.map(|u| u.name)
                                .or_else(|| entry.record.map(|r| r.student))
                                .unwrap_or_default();
                            if let Some(&i) = self.index.get(&student) {
                                if !arrived[i] {
                                    arrived[i] = true;
                                    self.note_arrival(i, &mut seen);
                                }
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(status) => {
                        seen.delays.record_error(format!("watch/{}", status_key(&status)));
                        break;
                    }
                },
                changed = self.done.changed(), if expected.is_none() => {
                    let done = match changed {
                        Ok(()) => *self.done.borrow(),
                        Err(_) => None,
                    };
                    let (at, ok) = done.unwrap_or((Instant::now(), 0));
                    expected = Some(ok);
                    deadline = deadline.min(tokio::time::Instant::from_std(at + GRACE));
                }
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        seen
    }

    fn note_arrival(&self, i: usize, seen: &mut Seen) {
        let now = nanos_since(self.clock);
        let answered = self.answered[i].load(Ordering::Acquire);
        // A change may reach a watcher before the student has the answer: no delay.
        let delay = if answered == 0 {
            0
        } else {
            now.saturating_sub(answered - 1)
        };
        seen.delays.record_latency(Duration::from_nanos(delay));
        seen.received += 1;
        seen.last_arrival = Some(Instant::now());
    }
}
