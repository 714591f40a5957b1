//! Check-in settings: a course sets defaults, a session may override any of them.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

use crate::validate::{FieldViolation, Problem};

/// Seconds each QR token is shown, when neither session nor course says.
pub const DEFAULT_ROTATION_SECS: i32 = 10;
/// Seconds the previous token is still accepted after a rotation, by default.
pub const DEFAULT_GRACE_SECS: i32 = 3;
/// Minutes after the start until which a check-in is present (late after),
/// by default.
pub const DEFAULT_LATE_AFTER_MINUTES: i32 = 10;
/// Minutes before the start that check-in opens, by default.
pub const DEFAULT_OPENS_BEFORE_MINUTES: i32 = 10;

/// What happens when device binding is on and a student checks in with a
/// device another student already used in the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeviceReuse {
    /// Refused as [`CheckInRejection::DeviceInUse`](crate::CheckInRejection::DeviceInUse)
    /// (the default).
    #[default]
    Block,
    /// Recorded, with the record flagged on the session's roll.
    Flag,
}

/// The classroom area a check-in must come from: a circle on the map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geofence {
    /// The centre's latitude in degrees (−90 to 90).
    pub latitude: f64,
    /// The centre's longitude in degrees (−180 to 180).
    pub longitude: f64,
    /// The radius in metres (10 to 10,000).
    pub radius_meters: f64,
}

/// Settings as stored: every field optional, unset means "inherit".
///
/// `geofence: Some(None)` and `network_allowlist: Some(vec![])` switch a
/// course-level restriction off for one session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsOverrides {
    /// Seconds each QR token is shown (5 to 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_rotation_seconds: Option<i32>,
    /// Seconds the previous token is still accepted after a rotation (0 to 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_grace_seconds: Option<i32>,
    /// Minutes after the start until which a check-in is present (0 to 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_after_minutes: Option<i32>,
    /// Minutes before the start that check-in opens (0 to 240).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_before_minutes: Option<i32>,
    /// Whether check-ins are tied to the phone's device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_binding: Option<bool>,
    /// What a device used by two students leads to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_reuse: Option<DeviceReuse>,
    /// The geofence; `Some(None)` switches the course's off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geofence: Option<Option<Geofence>>,
    /// The networks check-ins may come from, as CIDRs or single addresses
    /// (at most 64); `Some(vec![])` allows every network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_allowlist: Option<Vec<String>>,
}

/// Settings in force for one session, every field decided.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInSettings {
    /// Seconds each QR token is shown.
    pub qr_rotation_seconds: i32,
    /// Seconds the previous token is still accepted after a rotation.
    pub qr_grace_seconds: i32,
    /// Minutes after the start until which a check-in is present.
    pub late_after_minutes: i32,
    /// Minutes before the start that check-in opens.
    pub opens_before_minutes: i32,
    /// Whether check-ins are tied to the phone's device id (on by default):
    /// the id is kept on the record and [`device_reuse`](Self::device_reuse)
    /// applies.
    pub device_binding: bool,
    /// What a device used by two students leads to.
    pub device_reuse: DeviceReuse,
    /// The area check-ins must come from; `None`: anywhere.
    pub geofence: Option<Geofence>,
    /// The networks check-ins may come from; empty: any.
    pub network_allowlist: Vec<IpNet>,
}

impl CheckInSettings {
    /// How the session's QR tokens rotate.
    pub fn rotation(&self) -> crate::qr::Rotation {
        crate::qr::Rotation::new(
            i64::from(self.qr_rotation_seconds),
            i64::from(self.qr_grace_seconds),
        )
    }
}

impl SettingsOverrides {
    /// `self` (a session's) on top of `base` (its course's).
    pub fn over(&self, base: &SettingsOverrides) -> SettingsOverrides {
        SettingsOverrides {
            qr_rotation_seconds: self.qr_rotation_seconds.or(base.qr_rotation_seconds),
            qr_grace_seconds: self.qr_grace_seconds.or(base.qr_grace_seconds),
            late_after_minutes: self.late_after_minutes.or(base.late_after_minutes),
            opens_before_minutes: self.opens_before_minutes.or(base.opens_before_minutes),
            device_binding: self.device_binding.or(base.device_binding),
            device_reuse: self.device_reuse.or(base.device_reuse),
            geofence: self.geofence.or(base.geofence),
            network_allowlist: self
                .network_allowlist
                .clone()
                .or_else(|| base.network_allowlist.clone()),
        }
    }

    /// Fills the gaps with defaults. Invalid CIDRs were refused on the way in;
    /// any that slipped through are ignored rather than opening the gate.
    pub fn resolve(&self) -> CheckInSettings {
        CheckInSettings {
            qr_rotation_seconds: self.qr_rotation_seconds.unwrap_or(DEFAULT_ROTATION_SECS),
            qr_grace_seconds: self.qr_grace_seconds.unwrap_or(DEFAULT_GRACE_SECS),
            late_after_minutes: self
                .late_after_minutes
                .unwrap_or(DEFAULT_LATE_AFTER_MINUTES),
            opens_before_minutes: self
                .opens_before_minutes
                .unwrap_or(DEFAULT_OPENS_BEFORE_MINUTES),
            device_binding: self.device_binding.unwrap_or(true),
            device_reuse: self.device_reuse.unwrap_or_default(),
            geofence: self.geofence.flatten(),
            network_allowlist: self
                .network_allowlist
                .iter()
                .flatten()
                .filter_map(|c| parse_network(c).ok())
                .collect(),
        }
    }

    /// Every problem, named by its field under `prefix` (e.g. "course.settings").
    pub fn validate(&self, prefix: &str) -> Vec<FieldViolation> {
        let mut v = Vec::new();
        // `key`: the sentence of the unit (`api-field-range-seconds`, `…-minutes`).
        let mut range = |field: &str, value: Option<i32>, lo: i32, hi: i32, key: &'static str| {
            if let Some(x) = value {
                if !(lo..=hi).contains(&x) {
                    v.push(FieldViolation::of(
                        format!("{prefix}.{field}"),
                        Problem::new(key)
                            .number("lo", lo)
                            .number("hi", hi)
                            .number("got", x),
                    ));
                }
            }
        };
        range(
            "qr_rotation_seconds",
            self.qr_rotation_seconds,
            5,
            300,
            "api-field-range-seconds",
        );
        range(
            "qr_grace_seconds",
            self.qr_grace_seconds,
            0,
            30,
            "api-field-range-seconds",
        );
        range(
            "late_after_minutes",
            self.late_after_minutes,
            0,
            600,
            "api-field-range-minutes",
        );
        range(
            "opens_before_minutes",
            self.opens_before_minutes,
            0,
            240,
            "api-field-range-minutes",
        );
        if let Some(Some(g)) = self.geofence {
            if !(-90.0..=90.0).contains(&g.latitude) {
                v.push(FieldViolation::of(
                    format!("{prefix}.geofence.latitude"),
                    Problem::new("api-field-range")
                        .number("lo", -90)
                        .number("hi", 90),
                ));
            }
            if !(-180.0..=180.0).contains(&g.longitude) {
                v.push(FieldViolation::of(
                    format!("{prefix}.geofence.longitude"),
                    Problem::new("api-field-range")
                        .number("lo", -180)
                        .number("hi", 180),
                ));
            }
            if !(10.0..=10_000.0).contains(&g.radius_meters) {
                v.push(FieldViolation::of(
                    format!("{prefix}.geofence.radius_meters"),
                    Problem::new("api-field-range-metres")
                        .number("lo", 10)
                        .number("hi", 10_000),
                ));
            }
        }
        for (i, cidr) in self.network_allowlist.iter().flatten().enumerate() {
            if let Err(e) = parse_network(cidr) {
                v.push(FieldViolation::of(
                    format!("{prefix}.network_allowlist[{i}]"),
                    e,
                ));
            }
        }
        if self
            .network_allowlist
            .as_ref()
            .is_some_and(|l| l.len() > 64)
        {
            v.push(FieldViolation::of(
                format!("{prefix}.network_allowlist"),
                Problem::new("api-field-too-many-networks").number("max", 64),
            ));
        }
        v
    }
}

/// A CIDR ("10.0.0.0/8") or a single address (a network of one). `Err` is
/// the message for the field, quoting the text.
pub fn parse_network(s: &str) -> Result<IpNet, Problem> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| Problem::new("api-field-not-network").text("value", truncate(s)))
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

/// When a student's absences deserve a warning. Zero disables a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsenceRules {
    /// The share of the term's sessions a student may miss, in percent
    /// (0 to 100).
    #[serde(default)]
    pub max_absence_percent: i32,
    /// How many unexcused absences a student may have (0 to 1000).
    #[serde(default)]
    pub max_unexcused_absences: i32,
    /// How many absences in a row a student may have (0 to 1000).
    #[serde(default)]
    pub max_consecutive_absences: i32,
    /// Whether a late arrival counts as attended in the rate (else it
    /// counts as missed).
    #[serde(default = "yes")]
    pub late_counts_as_attended: bool,
}

fn yes() -> bool {
    true
}

impl Default for AbsenceRules {
    fn default() -> Self {
        Self {
            max_absence_percent: 20,
            max_unexcused_absences: 3,
            max_consecutive_absences: 2,
            late_counts_as_attended: true,
        }
    }
}

impl AbsenceRules {
    /// Every value out of range, named by its field under `prefix` (e.g.
    /// "course.absence_rules").
    pub fn validate(&self, prefix: &str) -> Vec<FieldViolation> {
        let mut v = Vec::new();
        if !(0..=100).contains(&self.max_absence_percent) {
            v.push(FieldViolation::of(
                format!("{prefix}.max_absence_percent"),
                Problem::new("api-field-range")
                    .number("lo", 0)
                    .number("hi", 100),
            ));
        }
        for (field, x) in [
            ("max_unexcused_absences", self.max_unexcused_absences),
            ("max_consecutive_absences", self.max_consecutive_absences),
        ] {
            if !(0..=1000).contains(&x) {
                v.push(FieldViolation::of(
                    format!("{prefix}.{field}"),
                    Problem::new("api-field-range")
                        .number("lo", 0)
                        .number("hi", 1000),
                ));
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_overrides_course_and_defaults_fill_gaps() {
        let course = SettingsOverrides {
            qr_rotation_seconds: Some(20),
            geofence: Some(Some(Geofence {
                latitude: 1.0,
                longitude: 2.0,
                radius_meters: 100.0,
            })),
            ..Default::default()
        };
        let session = SettingsOverrides {
            qr_rotation_seconds: Some(15),
            geofence: Some(None),
            ..Default::default()
        };
        let s = session.over(&course).resolve();
        assert_eq!(s.qr_rotation_seconds, 15);
        assert_eq!(s.geofence, None);
        assert_eq!(s.qr_grace_seconds, DEFAULT_GRACE_SECS);
        assert!(s.device_binding);
    }

    #[test]
    fn validation_names_fields() {
        let bad = SettingsOverrides {
            qr_rotation_seconds: Some(1),
            network_allowlist: Some(vec!["10.0.0.0/8".into(), "nope".into()]),
            ..Default::default()
        };
        let v = bad.validate("settings");
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "settings.qr_rotation_seconds",
                "settings.network_allowlist[1]"
            ]
        );
    }
}
