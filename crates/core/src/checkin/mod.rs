//! The check-in rules, without I/O: [`decide`] judges one check-in on what
//! was read about its session and roll; the helpers here judge the
//! session's phase, present or late, the geofence and the network allowlist.

mod rules;

pub use rules::{
    decide, CheckIn, Credential, Decision, Location, Malformed, NewRecord, Part, Refusal, Roll,
    Rules, Scan, SessionFacts,
};

use chrono::{DateTime, Duration, Utc};
use ipnet::IpNet;
use std::net::IpAddr;

use crate::settings::Geofence;
use crate::{AttendanceStatus, CheckInRejection};

/// What a session looks like to the check-in rules.
#[derive(Debug, Clone)]
pub struct SessionTimes {
    /// When the class starts; the late threshold counts from here.
    pub start: DateTime<Utc>,
    /// When the class ends: check-in is closed from this instant on.
    pub end: DateTime<Utc>,
    /// Whether the session was cancelled.
    pub cancelled: bool,
    /// Whether the session was closed or finalised (before or after its end).
    pub closed: bool,
    /// How many minutes before `start` check-in opens.
    pub opens_before_minutes: i32,
}

impl SessionTimes {
    /// When check-in opens: `opens_before_minutes` before the start.
    pub fn opens_at(&self) -> DateTime<Utc> {
        self.start - Duration::minutes(i64::from(self.opens_before_minutes))
    }

    /// Whether check-in is open at `at`, and if not, why: cancelled first,
    /// then closed (the flag, or `at` at or after the end), then not open
    /// yet (before [`opens_at`](Self::opens_at)).
    pub fn check_open(&self, at: DateTime<Utc>) -> Result<(), CheckInRejection> {
        if self.cancelled {
            Err(CheckInRejection::SessionCancelled)
        } else if self.closed || at >= self.end {
            Err(CheckInRejection::SessionClosed)
        } else if at < self.opens_at() {
            Err(CheckInRejection::SessionNotOpenYet)
        } else {
            Ok(())
        }
    }
}

/// The status of a check-in seen at `at`: present up to and including
/// `start + late_after_minutes`, late after it (there is no "too late" here;
/// the session's end is [`SessionTimes::check_open`]'s).
pub fn status_at(
    start: DateTime<Utc>,
    late_after_minutes: i32,
    at: DateTime<Utc>,
) -> AttendanceStatus {
    if at > start + Duration::minutes(i64::from(late_after_minutes)) {
        AttendanceStatus::Late
    } else {
        AttendanceStatus::Present
    }
}

/// Where a check-in stood relative to the geofence. Only this is kept, never
/// the coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeofenceVerdict {
    /// Whether the position, less its credited accuracy, is within the radius.
    pub inside: bool,
    /// The distance from the centre as a band: "<50m", "50-100m",
    /// "100-250m", "250m-1km", "1-10km" or ">10km".
    pub band: &'static str,
}

/// Reported GPS accuracy is credited up to this many metres.
const MAX_ACCURACY_CREDIT_M: f64 = 50.0;

/// Judges a position (degrees) against the geofence: inside when its
/// distance from the centre, less the reported accuracy in metres (credited
/// from 0 up to 50 m), is at most the radius. The band is of the distance
/// itself, without the credit.
pub fn judge_location(
    fence: &Geofence,
    latitude: f64,
    longitude: f64,
    accuracy_m: f64,
) -> GeofenceVerdict {
    let d = distance_meters(fence.latitude, fence.longitude, latitude, longitude);
    let credit = accuracy_m.clamp(0.0, MAX_ACCURACY_CREDIT_M);
    GeofenceVerdict {
        inside: d - credit <= fence.radius_meters,
        band: distance_band(d),
    }
}

fn distance_band(d: f64) -> &'static str {
    match d {
        d if d < 50.0 => "<50m",
        d if d < 100.0 => "50-100m",
        d if d < 250.0 => "100-250m",
        d if d < 1_000.0 => "250m-1km",
        d if d < 10_000.0 => "1-10km",
        _ => ">10km",
    }
}

/// Great-circle distance in metres between two points given in degrees
/// (haversine, on a sphere of radius 6,371 km).
pub fn distance_meters(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// Whether a client at `addr` may check in under `allowlist`. An empty
/// allowlist allows everyone, even without a known address; otherwise an
/// unknown address is refused. An IPv4-mapped IPv6 address is judged as its
/// IPv4 address.
pub fn address_allowed(allowlist: &[IpNet], addr: Option<IpAddr>) -> bool {
    if allowlist.is_empty() {
        return true;
    }
    let Some(addr) = addr else { return false };
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
        v4 => v4,
    };
    allowlist.iter().any(|net| net.contains(&addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).expect("valid")
    }

    #[test]
    fn late_starts_strictly_after_threshold() {
        let start = t(1_000_000);
        assert_eq!(
            status_at(start, 10, start + Duration::minutes(10)),
            AttendanceStatus::Present
        );
        assert_eq!(
            status_at(
                start,
                10,
                start + Duration::minutes(10) + Duration::seconds(1)
            ),
            AttendanceStatus::Late
        );
    }

    #[test]
    fn phases() {
        let s = SessionTimes {
            start: t(10_000),
            end: t(20_000),
            cancelled: false,
            closed: false,
            opens_before_minutes: 10,
        };
        assert_eq!(
            s.check_open(t(10_000 - 601)),
            Err(CheckInRejection::SessionNotOpenYet)
        );
        assert_eq!(s.check_open(t(10_000 - 600)), Ok(()));
        assert_eq!(
            s.check_open(t(20_000)),
            Err(CheckInRejection::SessionClosed)
        );
        let c = SessionTimes {
            cancelled: true,
            ..s
        };
        assert_eq!(
            c.check_open(t(15_000)),
            Err(CheckInRejection::SessionCancelled)
        );
    }

    #[test]
    fn geofence_in_and_out() {
        let fence = Geofence {
            latitude: 38.7369,
            longitude: -9.1427,
            radius_meters: 100.0,
        };
        assert!(judge_location(&fence, 38.7370, -9.1428, 10.0).inside);
        let far = judge_location(&fence, 38.7469, -9.1427, 10.0);
        assert!(!far.inside);
        assert_eq!(far.band, "1-10km");
    }

    #[test]
    fn allowlist() {
        let nets = vec!["10.0.0.0/8".parse().expect("cidr")];
        assert!(address_allowed(
            &nets,
            Some("10.1.2.3".parse().expect("ip"))
        ));
        assert!(address_allowed(
            &nets,
            Some("::ffff:10.1.2.3".parse().expect("ip"))
        ));
        assert!(!address_allowed(
            &nets,
            Some("192.168.1.1".parse().expect("ip"))
        ));
        assert!(!address_allowed(&nets, None));
        assert!(address_allowed(&[], None));
    }
}
