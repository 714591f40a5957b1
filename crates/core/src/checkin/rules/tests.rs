//! Every rule of [`decide`], and their order: each test starts from a valid
//! check-in and breaks one thing (or two, to see which rule comes first).

use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::settings::{Geofence, SettingsOverrides};

const START: i64 = 1_800_000_000;

fn t(offset_secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(START + offset_secs, 0).expect("valid")
}

struct World {
    secret: SessionSecret,
    settings: CheckInSettings,
    times: SessionTimes,
    roll: Roll,
    rules: Rules,
}

impl World {
    /// A session from START for an hour, opening 10 minutes before; the
    /// student enrolled, nothing recorded.
    fn new() -> Self {
        Self {
            secret: SessionSecret::generate(),
            settings: SettingsOverrides::default().resolve(),
            times: SessionTimes {
                start: t(0),
                end: t(3600),
                cancelled: false,
                closed: false,
                opens_before_minutes: 10,
            },
            roll: Roll {
                enrolled: true,
                ..Roll::default()
            },
            rules: Rules {
                scan_allowance: Duration::minutes(5),
                max_wrong_codes: 5,
            },
        }
    }

    fn session(&self) -> SessionFacts<'_> {
        SessionFacts {
            id: SessionId(9),
            secret: &self.secret,
            settings: &self.settings,
            times: self.times.clone(),
        }
    }

    fn token_at(&self, at: DateTime<Utc>) -> Credential {
        let window = self.settings.rotation().window_at(at);
        Credential::Token(QrToken::issue(&self.secret, SessionId(9), window))
    }

    fn code_at(&self, at: DateTime<Utc>) -> Credential {
        match self.token_at(at) {
            Credential::Token(token) => Credential::Code(SessionId(9), token.short_code()),
            code => code,
        }
    }

    fn decide(&self, ask: &CheckIn<'_>) -> Decision {
        decide(&self.rules, ask, Some(&self.session()), &self.roll)
    }
}

fn ask(credential: &Credential, at: DateTime<Utc>) -> CheckIn<'_> {
    CheckIn {
        student: true,
        credential: Ok(credential),
        scan: Ok(None),
        device: Some("phone-1"),
        location: None,
        address: Some("10.1.2.3".parse().expect("ip")),
        at,
    }
}

fn reason(d: &Decision) -> Option<CheckInRejection> {
    match d {
        Decision::Refused(r) => Some(r.reason),
        _ => None,
    }
}

fn record(d: Decision) -> NewRecord {
    match d {
        Decision::Record(r) => r,
        other => panic!("expected a record, got {other:?}"),
    }
}

#[test]
fn a_fresh_token_in_the_open_session_is_a_record() {
    let mut w = World::new();
    w.settings.device_binding = false;
    let at = t(60);
    let token = w.token_at(at);
    let r = record(w.decide(&ask(&token, at)));
    assert_eq!(r.status, AttendanceStatus::Present);
    assert_eq!(r.source, RecordSource::Qr);
    assert_eq!(r.recorded_at, at);
    assert!(!r.flagged);
    assert_eq!(r.device, None, "no device kept without device binding");
    assert_eq!(r.geo_band, None);
}

#[test]
fn a_right_code_is_a_record_by_code() {
    let w = World::new();
    let code = w.code_at(t(60));
    assert_eq!(
        record(w.decide(&ask(&code, t(60)))).source,
        RecordSource::Code
    );
}

#[test]
fn only_students_check_in_before_anything_else_is_looked_at() {
    let w = World::new();
    let code = Credential::Code(SessionId(1), "000000".into());
    let a = ask(&code, t(99_999));
    let d = decide(
        &w.rules,
        &CheckIn {
            student: false,
            ..a
        },
        None,
        &w.roll,
    );
    assert_eq!(
        d,
        Decision::Refused(Refusal {
            reason: CheckInRejection::NotStudent,
            detail: String::new(),
            in_session: false,
            retry_after: None,
        })
    );
}

#[test]
fn a_malformed_credential_is_refused_or_invalid_as_the_caller_read_it() {
    let w = World::new();
    let code = Credential::Code(SessionId(1), "1".into());
    let base = ask(&code, t(60));
    let refused = CheckIn {
        credential: Err(Malformed::Refused(CheckInRejection::TokenMalformed)),
        ..base.clone()
    };
    assert_eq!(
        reason(&decide(&w.rules, &refused, None, &w.roll)),
        Some(CheckInRejection::TokenMalformed)
    );
    let invalid = CheckIn {
        credential: Err(Malformed::Invalid),
        ..base
    };
    assert_eq!(
        decide(&w.rules, &invalid, None, &w.roll),
        Decision::Invalid(Part::Credential)
    );
}

#[test]
fn a_session_that_does_not_exist_is_named_in_the_refusal() {
    let w = World::new();
    let token = w.token_at(t(60));
    match decide(&w.rules, &ask(&token, t(60)), None, &w.roll) {
        Decision::Refused(r) => {
            assert_eq!(r.reason, CheckInRejection::SessionNotFound);
            assert_eq!(r.detail, "sessions/9");
            assert!(!r.in_session);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_forged_token_learns_nothing_even_from_a_closed_session() {
    let mut w = World::new();
    w.times.closed = true;
    w.roll.enrolled = false;
    let forged = Credential::Token(QrToken::issue(
        &SessionSecret::generate(),
        SessionId(9),
        w.settings.rotation().window_at(t(60)),
    ));
    assert_eq!(
        reason(&w.decide(&ask(&forged, t(60)))),
        Some(CheckInRejection::WrongSession)
    );
}

#[test]
fn a_retry_of_ones_own_check_in_is_answered_with_it_whatever_the_tokens_age() {
    let mut w = World::new();
    w.roll.existing = Some(RecordSource::Qr);
    w.times.closed = true;
    let old = w.token_at(t(-300));
    assert_eq!(w.decide(&ask(&old, t(3000))), Decision::Existing);
}

#[test]
fn a_record_someone_else_made_does_not_excuse_a_late_token() {
    let mut w = World::new();
    w.roll.existing = Some(RecordSource::Manual);
    w.times.closed = true;
    let token = w.token_at(t(3000));
    assert_eq!(
        reason(&w.decide(&ask(&token, t(3000)))),
        Some(CheckInRejection::SessionClosed)
    );
    // While the session is open, the mark stands and is the answer.
    w.times.closed = false;
    assert_eq!(w.decide(&ask(&token, t(3000))), Decision::Existing);
}

#[test]
fn a_token_of_an_old_window_is_expired() {
    let w = World::new();
    let old = w.token_at(t(60));
    assert_eq!(
        reason(&w.decide(&ask(&old, t(60 + 120)))),
        Some(CheckInRejection::TokenExpired)
    );
}

#[test]
fn a_proven_earlier_scan_counts_at_its_instant() {
    let w = World::new();
    let scanned = t(300);
    let token = w.token_at(scanned);
    let Credential::Token(qr) = &token else {
        unreachable!()
    };
    let proof = qr::scan_proof(&w.secret, qr, scanned);
    let later = CheckIn {
        scan: Ok(Some(Scan {
            at: scanned,
            proof: &proof,
        })),
        ..ask(&token, t(480))
    };
    let r = record(w.decide(&later));
    assert_eq!(r.recorded_at, scanned);
    // Beyond the allowance the proof no longer helps.
    let too_late = CheckIn {
        at: t(300 + 301),
        ..later.clone()
    };
    assert_eq!(
        reason(&w.decide(&too_late)),
        Some(CheckInRejection::TokenExpired)
    );
    // A proof for another instant is refused as such.
    let forged = CheckIn {
        scan: Ok(Some(Scan {
            at: t(299),
            proof: &proof,
        })),
        ..later.clone()
    };
    assert_eq!(
        reason(&w.decide(&forged)),
        Some(CheckInRejection::ScanProofInvalid)
    );
    let unreadable = CheckIn {
        scan: Err(Malformed::Invalid),
        ..later
    };
    assert_eq!(w.decide(&unreadable), Decision::Invalid(Part::Scan));
}

#[test]
fn a_wrong_code_is_refused_and_after_the_limit_typing_waits_for_the_close() {
    let mut w = World::new();
    let wrong = Credential::Code(SessionId(9), "000000".into());
    let right = w.code_at(t(60));
    if right == wrong {
        return; // one chance in a million
    }
    assert_eq!(
        reason(&w.decide(&ask(&wrong, t(60)))),
        Some(CheckInRejection::CodeInvalid)
    );
    w.roll.wrong_codes = 5;
    match w.decide(&ask(&right, t(60))) {
        Decision::Refused(r) => {
            assert_eq!(r.reason, CheckInRejection::TooManyAttempts);
            assert_eq!(r.retry_after, Some(std::time::Duration::from_secs(3540)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_session_must_be_open() {
    let w = World::new();
    let early = w.token_at(t(-601));
    assert_eq!(
        reason(&w.decide(&ask(&early, t(-601)))),
        Some(CheckInRejection::SessionNotOpenYet)
    );
    let mut cancelled = World::new();
    cancelled.times.cancelled = true;
    let token = cancelled.token_at(t(60));
    assert_eq!(
        reason(&cancelled.decide(&ask(&token, t(60)))),
        Some(CheckInRejection::SessionCancelled)
    );
}

#[test]
fn the_session_is_judged_open_before_the_roll() {
    let mut w = World::new();
    w.roll.enrolled = false;
    let token = w.token_at(t(3600));
    assert_eq!(
        reason(&w.decide(&ask(&token, t(3600)))),
        Some(CheckInRejection::SessionClosed)
    );
    let token = w.token_at(t(60));
    assert_eq!(
        reason(&w.decide(&ask(&token, t(60)))),
        Some(CheckInRejection::NotEnrolled)
    );
}

#[test]
fn a_device_used_by_another_student_is_blocked_or_flagged() {
    let mut w = World::new();
    w.settings.device_binding = true;
    w.roll.device_owner = Some(UserId(42));
    let token = w.token_at(t(60));
    match w.decide(&ask(&token, t(60))) {
        Decision::Refused(r) => {
            assert_eq!(r.reason, CheckInRejection::DeviceInUse);
            assert_eq!(r.detail, "used by users/42");
        }
        other => panic!("{other:?}"),
    }
    w.settings.device_reuse = DeviceReuse::Flag;
    let r = record(w.decide(&ask(&token, t(60))));
    assert!(r.flagged);
    assert_eq!(r.device.as_deref(), Some("phone-1"));
    // Without a device id there is nothing to compare.
    w.settings.device_reuse = DeviceReuse::Block;
    let no_device = CheckIn {
        device: None,
        ..ask(&token, t(60))
    };
    assert!(!record(w.decide(&no_device)).flagged);
}

#[test]
fn a_geofence_needs_a_position_inside_it() {
    let mut w = World::new();
    w.settings.geofence = Some(Geofence {
        latitude: 48.8462,
        longitude: 2.3447,
        radius_meters: 100.0,
    });
    let token = w.token_at(t(60));
    assert_eq!(
        reason(&w.decide(&ask(&token, t(60)))),
        Some(CheckInRejection::LocationRequired)
    );
    let at = |latitude, longitude| CheckIn {
        location: Some(Location {
            latitude,
            longitude,
            accuracy_m: 10.0,
        }),
        ..ask(&token, t(60))
    };
    assert_eq!(
        record(w.decide(&at(48.8463, 2.3448))).geo_band,
        Some("<50m")
    );
    assert_eq!(
        reason(&w.decide(&at(48.9, 2.3447))),
        Some(CheckInRejection::OutsideGeofence)
    );
    assert_eq!(w.decide(&at(91.0, 0.0)), Decision::Invalid(Part::Location));
}

#[test]
fn the_network_allowlist_is_the_last_rule() {
    let mut w = World::new();
    w.settings.network_allowlist = vec!["192.0.2.0/24".parse().expect("cidr")];
    let token = w.token_at(t(60));
    assert_eq!(
        reason(&w.decide(&ask(&token, t(60)))),
        Some(CheckInRejection::AddressNotAllowed)
    );
    // …after the place: outside the fence and the network, the fence is named.
    w.settings.geofence = Some(Geofence {
        latitude: 0.0,
        longitude: 0.0,
        radius_meters: 10.0,
    });
    let far = CheckIn {
        location: Some(Location {
            latitude: 10.0,
            longitude: 10.0,
            accuracy_m: 5.0,
        }),
        ..ask(&token, t(60))
    };
    assert_eq!(
        reason(&w.decide(&far)),
        Some(CheckInRejection::OutsideGeofence)
    );
    let inside = CheckIn {
        address: Some("192.0.2.9".parse().expect("ip")),
        location: Some(Location {
            latitude: 0.0,
            longitude: 0.0,
            accuracy_m: 5.0,
        }),
        ..ask(&token, t(60))
    };
    assert!(matches!(w.decide(&inside), Decision::Record(_)));
}

#[test]
fn a_refusals_detail_is_at_most_200_characters() {
    let w = World::new();
    let long = Credential::Code(SessionId(9), "x".repeat(500));
    let d = decide(&w.rules, &ask(&long, t(60)), None, &w.roll);
    match d {
        Decision::Refused(r) => assert!(r.detail.chars().count() <= 200),
        other => panic!("{other:?}"),
    }
}

proptest! {
    /// At any instant of the open window a fresh token is a record, present
    /// up to the late threshold and late after it; outside, it is refused
    /// with the session's phase.
    #[test]
    fn a_fresh_token_follows_the_sessions_hours(offset in -900i64..4000) {
        let w = World::new();
        let at = t(offset);
        let token = w.token_at(at);
        let d = w.decide(&ask(&token, at));
        let late_after = i64::from(w.settings.late_after_minutes) * 60;
        if offset < -600 {
            prop_assert_eq!(reason(&d), Some(CheckInRejection::SessionNotOpenYet));
        } else if offset >= 3600 {
            prop_assert_eq!(reason(&d), Some(CheckInRejection::SessionClosed));
        } else {
            let expected = if offset > late_after {
                AttendanceStatus::Late
            } else {
                AttendanceStatus::Present
            };
            prop_assert_eq!(record(d).status, expected);
        }
    }

    /// Deciding is pure: the same check-in on the same facts, the same answer.
    #[test]
    fn the_same_facts_give_the_same_decision(offset in -900i64..4000, enrolled: bool, wrong in 0i64..8) {
        let mut w = World::new();
        w.roll.enrolled = enrolled;
        w.roll.wrong_codes = wrong;
        let code = w.code_at(t(offset));
        let a = ask(&code, t(offset));
        prop_assert_eq!(w.decide(&a), w.decide(&a));
    }
}
