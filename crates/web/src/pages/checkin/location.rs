//! The phone's position: the form fields a check-in may carry (`lat`,
//! `lon`, `accuracy`, filled in by `static/location.js`), read into a proto
//! `Location` or refused as not a position on Earth, and the part of a
//! result page that asks for it. Coordinates are checked here and never
//! written to a log.

use classtrack_proto::v1::{CheckInResponse, Location};
use serde::Deserialize;
use tonic::{Code, Status};
use tonic_types::StatusExt;

/// The part of a result page that asks for the phone's location.
pub struct LocationAsk {
    /// Where the button posts the position; empty when there is nothing to
    /// retry (a typed code has changed by then: type the current one).
    pub action: &'static str,
    /// The post came without a position although the page would have sent
    /// one with JavaScript: say that it needs JavaScript.
    pub came_without: bool,
}

/// The reason codes that concern the location.
pub(super) const LOCATION_REQUIRED: &str = "LOCATION_REQUIRED";
pub(super) const OUTSIDE_GEOFENCE: &str = "OUTSIDE_GEOFENCE";

/// Where the location retry posts.
pub const LOCATION_RETRY: &str = "/checkin/location";

/// The position fields a check-in form may carry, as typed by the browser.
/// No `Debug`: a position must not end up in a log.
#[derive(Deserialize, Default)]
pub struct LocationFields {
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    accuracy: String,
}

/// The position fields were sent but are not a position on Earth.
#[derive(Debug, PartialEq, Eq)]
pub struct BadLocation;

/// Largest accuracy radius taken from a browser, in metres; anything larger
/// says nothing about the room and is sent as this.
const MAX_ACCURACY_M: f64 = 100_000.0;

impl LocationFields {
    /// `None` when no position was sent; an error when one was sent but is
    /// not numbers in range.
    pub fn location(&self) -> Result<Option<Location>, BadLocation> {
        let (lat, lon, accuracy) = (self.lat.trim(), self.lon.trim(), self.accuracy.trim());
        if lat.is_empty() && lon.is_empty() && accuracy.is_empty() {
            return Ok(None);
        }
        let latitude = number(lat).filter(|v| (-90.0..=90.0).contains(v));
        let longitude = number(lon).filter(|v| (-180.0..=180.0).contains(v));
        let accuracy_meters = if accuracy.is_empty() {
            Some(0.0)
        } else {
            number(accuracy)
                .filter(|v| *v >= 0.0)
                .map(|v| v.min(MAX_ACCURACY_M))
        };
        match (latitude, longitude, accuracy_meters) {
            (Some(latitude), Some(longitude), Some(accuracy_meters)) => Ok(Some(Location {
                latitude,
                longitude,
                accuracy_meters,
            })),
            _ => Err(BadLocation),
        }
    }
}

/// A finite decimal number of reasonable length.
fn number(text: &str) -> Option<f64> {
    if text.is_empty() || text.len() > 32 {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The refusal the API gives without a position, for pages that show it
/// again without asking the API.
pub(super) fn location_required() -> Status {
    let details = tonic_types::ErrorDetails::with_error_info(
        LOCATION_REQUIRED,
        "classtrack.v1",
        std::collections::HashMap::<String, String>::new(),
    );
    Status::with_error_details(
        Code::InvalidArgument,
        "this session needs your location to check in",
        details,
    )
}

pub(super) fn reason_of(result: &Result<CheckInResponse, Status>) -> Option<&'static str> {
    let status = result.as_ref().err()?;
    let reason = status.get_details_error_info()?.reason;
    [LOCATION_REQUIRED, OUTSIDE_GEOFENCE]
        .into_iter()
        .find(|r| *r == reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(lat: &str, lon: &str, accuracy: &str) -> LocationFields {
        LocationFields {
            lat: lat.into(),
            lon: lon.into(),
            accuracy: accuracy.into(),
        }
    }

    #[test]
    fn no_position_fields_is_no_location() {
        assert_eq!(fields("", "", "").location(), Ok(None));
        assert_eq!(fields(" ", "", " ").location(), Ok(None));
    }

    #[test]
    fn a_position_in_range_becomes_a_location() {
        let l = fields("38.7369", "-9.1427", "12.5")
            .location()
            .unwrap()
            .unwrap();
        assert_eq!(
            (l.latitude, l.longitude, l.accuracy_meters),
            (38.7369, -9.1427, 12.5)
        );
        let edge = fields("-90", "180", "").location().unwrap().unwrap();
        assert_eq!(
            (edge.latitude, edge.longitude, edge.accuracy_meters),
            (-90.0, 180.0, 0.0)
        );
        let vague = fields("1", "2", "1e9").location().unwrap().unwrap();
        assert_eq!(vague.accuracy_meters, MAX_ACCURACY_M);
    }

    #[test]
    fn a_position_out_of_range_or_not_a_number_is_refused() {
        for (lat, lon, acc) in [
            ("90.0001", "0", "5"),
            ("0", "-180.5", "5"),
            ("NaN", "0", "5"),
            ("inf", "0", "5"),
            ("0", "", "5"),
            ("", "0", ""),
            ("", "", "5"),
            ("0", "0", "-1"),
            ("north", "west", "5"),
            ("0", "0", "x"),
        ] {
            assert_eq!(
                fields(lat, lon, acc).location(),
                Err(BadLocation),
                "{lat} {lon} {acc}"
            );
        }
        let long = "1".repeat(40);
        assert_eq!(fields(&long, "0", "").location(), Err(BadLocation));
    }
}
