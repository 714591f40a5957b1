//! What one load run measured: latencies in an HDR histogram, successes, and
//! failures counted by gRPC status (and the ErrorInfo reason when there is one).

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;
use tonic_types::StatusExt;

/// Latencies are kept in microseconds, from 1 µs to 10 min, 3 significant digits.
const LOWEST_US: u64 = 1;
const HIGHEST_US: u64 = 600_000_000;

#[derive(Debug, Clone)]
pub struct Recorder {
    latency: Histogram<u64>,
    ok: u64,
    errors: BTreeMap<String, u64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            latency: Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, 3)
                .expect("constant histogram bounds are valid"),
            ok: 0,
            errors: BTreeMap::new(),
        }
    }

    pub fn record_ok(&mut self, latency: Duration) {
        self.ok += 1;
        self.record_latency(latency);
    }

    /// A latency that is not a request of its own (e.g. a live-update delay).
    pub fn record_latency(&mut self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(us.max(LOWEST_US));
    }

    pub fn record_error(&mut self, key: impl Into<String>) {
        *self.errors.entry(key.into()).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Recorder) {
        self.ok += other.ok;
        // Both histograms share the same bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        for (key, n) in &other.errors {
            *self.errors.entry(key.clone()).or_default() += n;
        }
    }

    pub fn ok(&self) -> u64 {
        self.ok
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn errors(&self) -> &BTreeMap<String, u64> {
        &self.errors
    }

    pub fn latency(&self) -> Option<LatencySummary> {
        LatencySummary::of(&self.latency)
    }
}

/// Percentiles of a histogram of microseconds, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl LatencySummary {
    pub fn of(h: &Histogram<u64>) -> Option<Self> {
        if h.is_empty() {
            return None;
        }
        let ms = |us: u64| us as f64 / 1_000.0;
        Some(Self {
            count: h.len(),
            mean_ms: h.mean() / 1_000.0,
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        })
    }
}

/// How a failed call is counted: `Code` or `Code/REASON`.
pub fn status_key(status: &tonic::Status) -> String {
    match status.get_details_error_info() {
        Some(info) if !info.reason.is_empty() => format!("{:?}/{}", status.code(), info.reason),
        _ => format!("{:?}", status.code()),
    }
}

/// Operations per second, 0 for an empty interval.
pub fn rate(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        count as f64 / secs
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_one_to_a_thousand_milliseconds() {
        let mut r = Recorder::new();
        for ms in 1..=1_000 {
            r.record_ok(Duration::from_millis(ms));
        }
        let s = r.latency().expect("samples recorded");
        assert_eq!(s.count, 1_000);
        let close = |got: f64, want: f64| (got - want).abs() <= want * 0.002;
        assert!(close(s.p50_ms, 500.0), "p50 {}", s.p50_ms);
        assert!(close(s.p90_ms, 900.0), "p90 {}", s.p90_ms);
        assert!(close(s.p99_ms, 990.0), "p99 {}", s.p99_ms);
        assert!(close(s.max_ms, 1_000.0), "max {}", s.max_ms);
        assert!(close(s.mean_ms, 500.5), "mean {}", s.mean_ms);
    }

    #[test]
    fn merging_adds_counts_and_errors() {
        let mut a = Recorder::new();
        a.record_ok(Duration::from_micros(10));
        a.record_error("Unavailable");
        let mut b = Recorder::new();
        b.record_ok(Duration::from_micros(20));
        b.record_error("Unavailable");
        b.record_error("FailedPrecondition/SESSION_CLOSED");
        a.merge(&b);
        assert_eq!(a.ok(), 2);
        assert_eq!(a.error_count(), 3);
        assert_eq!(a.errors()["Unavailable"], 2);
        assert_eq!(a.latency().map(|s| s.count), Some(2));
    }

    #[test]
    fn no_samples_no_summary_and_sub_microsecond_counts() {
        let mut r = Recorder::new();
        assert_eq!(r.latency(), None);
        r.record_latency(Duration::ZERO);
        assert_eq!(r.latency().map(|s| s.count), Some(1));
    }

    #[test]
    fn status_key_carries_the_reason() {
        let plain = tonic::Status::unavailable("db down");
        assert_eq!(status_key(&plain), "Unavailable");
        let with_reason = tonic::Status::with_error_details(
            tonic::Code::FailedPrecondition,
            "closed",
            tonic_types::ErrorDetails::with_error_info(
                "SESSION_CLOSED",
                "classtrack.v1",
                std::collections::HashMap::new(),
            ),
        );
        assert_eq!(
            status_key(&with_reason),
            "FailedPrecondition/SESSION_CLOSED"
        );
    }
}
