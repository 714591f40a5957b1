//! The rules of one check-in, in the order they are applied: who asks, the
//! credential, the session, the token's signature, a repeat, then for a token
//! its scan proof and its age and for a code its tries and the code itself,
//! the session's hours, the roll, the device, the place and the network.
//!
//! [`decide`] is a pure function of what was read: the API's check-in path
//! reads the session and the student's roll for a whole batch, calls it for
//! each check-in and writes what it decided.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::{address_allowed, judge_location, status_at, SessionTimes};
use crate::qr::{self, QrToken, SessionSecret};
use crate::settings::{CheckInSettings, DeviceReuse};
use crate::{AttendanceStatus, CheckInRejection, RecordSource, SessionId, UserId};

/// What a student presents: a scanned token, or a short code typed for a
/// session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A QR token, scanned (or opened as a check-in URL).
    Token(QrToken),
    /// A six-digit short code typed by hand, for the session named.
    Code(SessionId, String),
}

impl Credential {
    /// The session the credential is for.
    pub fn session(&self) -> SessionId {
        match self {
            Credential::Token(t) => t.session,
            Credential::Code(s, _) => *s,
        }
    }
}

/// A part of the request that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Read, and refused as a check-in (kept for supervision).
    Refused(CheckInRejection),
    /// Not a check-in request at all; the caller knows what was wrong.
    Invalid,
}

/// An earlier scan a check-in claims, with its proof (a student who logged
/// in after scanning).
#[derive(Debug, Clone, Copy)]
pub struct Scan<'a> {
    /// When the token was scanned and judged valid, as the client claims it
    /// (the proof vouches for it).
    pub at: DateTime<Utc>,
    /// The [`scan_proof`](crate::qr::scan_proof) issued for that scan.
    pub proof: &'a str,
}

/// A position reported by the phone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Degrees north (negative south); outside −90..=90 the request is
    /// [`Decision::Invalid`].
    pub latitude: f64,
    /// Degrees east (negative west); outside −180..=180 the request is
    /// [`Decision::Invalid`].
    pub longitude: f64,
    /// The phone's reported accuracy in metres; up to 50 m of it is credited
    /// towards the geofence.
    pub accuracy_m: f64,
}

/// One check-in as the rules see it.
#[derive(Debug, Clone)]
pub struct CheckIn<'a> {
    /// Whether the caller is a student (only students check in).
    pub student: bool,
    /// The token or code presented, or what was wrong with it.
    pub credential: Result<&'a Credential, Malformed>,
    /// An earlier scan the check-in claims (tokens only; ignored for codes).
    /// `Ok(None)`: the token was seen now.
    pub scan: Result<Option<Scan<'a>>, Malformed>,
    /// The phone's device id, if it sent one.
    pub device: Option<&'a str>,
    /// Where the phone says it is, if it sent a position.
    pub location: Option<Location>,
    /// The client's address (through trusted proxies).
    pub address: Option<IpAddr>,
    /// When it arrived: the rules judge it at this instant.
    pub at: DateTime<Utc>,
}

/// What the rules see of the session the credential names.
#[derive(Debug, Clone)]
pub struct SessionFacts<'a> {
    /// The session the credential names.
    pub id: SessionId,
    /// The secret its tokens and short codes are made with.
    pub secret: &'a SessionSecret,
    /// The session's effective settings (its own over its course's).
    pub settings: &'a CheckInSettings,
    /// Its hours and state (cancelled, closed).
    pub times: SessionTimes,
}

/// What the rules see of the student's place on the session's roll: as
/// stored, and as decided earlier in the same batch.
#[derive(Debug, Clone, Default)]
pub struct Roll {
    /// Whether the student is enrolled in the session's course.
    pub enrolled: bool,
    /// How the student's record was made, if there is one.
    pub existing: Option<RecordSource>,
    /// Another student who already checked in with the same device.
    pub device_owner: Option<UserId>,
    /// Wrong short codes the student typed in the session.
    pub wrong_codes: i64,
}

/// The limits the rules apply.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// How long after a proven scan the check-in may still complete.
    pub scan_allowance: chrono::Duration,
    /// Wrong short codes a student may type in one session.
    pub max_wrong_codes: i64,
}

/// The record a check-in makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// Present or late, by when the token was seen (see [`status_at`]).
    pub status: AttendanceStatus,
    /// [`RecordSource::Qr`] or [`RecordSource::Code`].
    pub source: RecordSource,
    /// When the token was seen (an earlier proven scan, or now).
    pub recorded_at: DateTime<Utc>,
    /// Checked in with a device another student used (device reuse: flag).
    pub flagged: bool,
    /// Kept only when the session binds devices.
    pub device: Option<String>,
    /// How far from the geofence's centre, as a band such as "50-100m",
    /// when there is a geofence (the coordinates are never kept).
    pub geo_band: Option<&'static str>,
}

/// A refused check-in, as it is kept for supervision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Why the check-in was refused.
    pub reason: CheckInRejection,
    /// What more there is to say for supervision (the session named, the
    /// other device user, the distance band…), often empty. At most 200
    /// characters.
    pub detail: String,
    /// Whether it was judged against a session (else the credential named
    /// none that exists, or the caller is not a student).
    pub in_session: bool,
    /// How long the refusal lasts, when that is known: only for
    /// [`CheckInRejection::TooManyAttempts`], until the session's end (at
    /// least one second).
    pub retry_after: Option<std::time::Duration>,
}

/// What became of a check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A new record.
    Record(NewRecord),
    /// The student's record on the roll stands and is the answer: their own
    /// earlier check-in (a retry), or a mark someone else made.
    Existing,
    /// Refused, with the reason the student is told.
    Refused(Refusal),
    /// A part of the request is not a check-in request at all: the location
    /// out of range, or the credential or scan the caller found malformed.
    Invalid(Part),
}

/// The part of a request that made it invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The token or code ([`Malformed::Invalid`]).
    Credential,
    /// The claimed earlier scan ([`CheckIn::scan`] was an `Err`).
    Scan,
    /// The position: latitude or longitude out of range.
    Location,
}

fn refused(reason: CheckInRejection, detail: &str, in_session: bool) -> Decision {
    Decision::Refused(Refusal {
        reason,
        detail: detail.chars().take(200).collect(),
        in_session,
        retry_after: None,
    })
}

/// Judges one check-in. The order of the rules is part of the contract:
/// authenticity comes before everything a forged token could learn from.
///
/// The rules, first failure wins: not a student; the credential as the
/// caller read it; the session (`session` is `None` when the one named does
/// not exist); the token's signature; a repeat of the student's own QR or
/// code check-in, answered [`Decision::Existing`] before the token's age or
/// the code is looked at; for a token, the scan proof and then the token's
/// window (at the proven scan's instant, or `ask.at`); for a code, the
/// wrong tries and then the code; the session's hours
/// ([`SessionTimes::check_open`]); the roll; the device; the geofence; the
/// network allowlist. This is not the order of the variants of
/// [`CheckInRejection`].
pub fn decide(
    rules: &Rules,
    ask: &CheckIn<'_>,
    session: Option<&SessionFacts<'_>>,
    roll: &Roll,
) -> Decision {
    if !ask.student {
        return refused(CheckInRejection::NotStudent, "", false);
    }
    let credential = match ask.credential {
        Ok(c) => c,
        Err(Malformed::Refused(reason)) => return refused(reason, "", false),
        Err(Malformed::Invalid) => return Decision::Invalid(Part::Credential),
    };
    let Some(session) = session else {
        return refused(
            CheckInRejection::SessionNotFound,
            &credential.session().name(),
            false,
        );
    };
    let no = |reason| refused(reason, "", true);
    let settings = session.settings;
    let rotation = settings.rotation();

    // Authenticity first: a forged or foreign token learns nothing more.
    let source = match credential {
        Credential::Token(token) if !token.is_signed_by(session.secret) => {
            return no(CheckInRejection::WrongSession)
        }
        Credential::Token(_) => RecordSource::Qr,
        Credential::Code(..) => RecordSource::Code,
    };
    // A retry returns what the student recorded, whatever the code's age. A
    // record someone else wrote (a professor's mark, an approved
    // justification, the absence of the close) is no check-in of theirs: the
    // ask is judged like any other, so that a saved code used after the
    // close is refused and kept for supervision.
    if roll.existing.is_some_and(RecordSource::is_check_in) {
        return Decision::Existing;
    }
    let now = ask.at;
    let scanned_at = match credential {
        Credential::Token(token) => {
            let at = match ask.scan {
                Err(_) => return Decision::Invalid(Part::Scan),
                Ok(None) => now,
                Ok(Some(scan)) => {
                    let fresh = scan.at <= now + chrono::Duration::seconds(1)
                        && now - scan.at <= rules.scan_allowance;
                    if !qr::verify_scan_proof(session.secret, token, scan.at, scan.proof) {
                        return refused(CheckInRejection::ScanProofInvalid, "scan proof", true);
                    }
                    if !fresh {
                        return refused(CheckInRejection::TokenExpired, "scan proof", true);
                    }
                    scan.at
                }
            };
            if !rotation.accepts(token.window, at) {
                return no(CheckInRejection::TokenExpired);
            }
            at
        }
        Credential::Code(_, code) => {
            // Six digits can be guessed: a few wrong tries per session, then
            // only the QR, until the session's check-in closes.
            if roll.wrong_codes >= rules.max_wrong_codes {
                let left = (session.times.end - now).to_std().unwrap_or_default();
                return Decision::Refused(Refusal {
                    reason: CheckInRejection::TooManyAttempts,
                    detail: String::new(),
                    in_session: true,
                    retry_after: Some(left.max(std::time::Duration::from_secs(1))),
                });
            }
            if qr::match_short_code(session.secret, session.id, rotation, code, now).is_none() {
                return no(CheckInRejection::CodeInvalid);
            }
            now
        }
    };
    if let Err(reason) = session.times.check_open(now) {
        return no(reason);
    }
    if !roll.enrolled {
        return no(CheckInRejection::NotEnrolled);
    }
    let mut flagged = false;
    if let (true, Some(_), Some(other)) = (settings.device_binding, ask.device, roll.device_owner) {
        match settings.device_reuse {
            DeviceReuse::Block => {
                return refused(
                    CheckInRejection::DeviceInUse,
                    &format!("used by {other}"),
                    true,
                )
            }
            DeviceReuse::Flag => flagged = true,
        }
    }
    let mut geo_band = None;
    if let Some(fence) = &settings.geofence {
        let Some(loc) = ask.location else {
            return no(CheckInRejection::LocationRequired);
        };
        if !(-90.0..=90.0).contains(&loc.latitude) || !(-180.0..=180.0).contains(&loc.longitude) {
            return Decision::Invalid(Part::Location);
        }
        let verdict = judge_location(fence, loc.latitude, loc.longitude, loc.accuracy_m);
        if !verdict.inside {
            return refused(CheckInRejection::OutsideGeofence, verdict.band, true);
        }
        geo_band = Some(verdict.band);
    }
    if !address_allowed(&settings.network_allowlist, ask.address) {
        return no(CheckInRejection::AddressNotAllowed);
    }
    // A valid check-in of a student someone else already marked: the mark
    // stands, and is the answer.
    if roll.existing.is_some() {
        return Decision::Existing;
    }
    Decision::Record(NewRecord {
        status: status_at(session.times.start, settings.late_after_minutes, scanned_at),
        source,
        recorded_at: scanned_at,
        flagged,
        device: ask
            .device
            .filter(|_| settings.device_binding)
            .map(String::from),
        geo_band,
    })
}

#[cfg(test)]
mod tests;
