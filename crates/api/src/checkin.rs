//! The check-in path. Every check-in that arrives while the previous batch
//! is being written is judged and written with the others of its batch, in
//! one transaction (group commit): who is asking (the logins not in this
//! replica's cache), the sessions and the students' rolls, then the
//! refusals and the records, then one commit. A lone check-in waits for
//! nothing; 300 students scanning within seconds share a few statements and
//! one log flush instead of queueing for the database one by one.
//!
//! The judging itself is the core's pure rules ([`classtrack_core::checkin::decide`])
//! on what was read; [`judge`] reads the request into their terms. What must
//! still hold when the record lands is the session's state: on MariaDB its
//! row (and its course's) is share-locked until the commit, so a close or a
//! cancellation waits for the check-ins judged open; on SQLite the
//! transaction is the only writer. The roll (enrollment, existing record,
//! devices) is read as of the transaction's start; a record written since by
//! someone else collides with the batch's INSERT, and the batch is judged
//! again ask by ask.
//!
//! Over 500 lines on purpose (the unit tests are in `checkin/tests.rs`). It
//! is one story, a batch from its reads to its commit, and the
//! steps share the batch's private types (`Batch`, `Failed`); split, they
//! would have to be public to each other without being any easier to read.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use classtrack_core::checkin::{
    decide, CheckIn, Credential, Decision, Location, Malformed, NewRecord, Part, Roll, Rules, Scan,
    SessionFacts,
};
use classtrack_core::qr::{QrToken, Rotation};
use classtrack_core::settings::CheckInSettings;
use classtrack_core::validate::{self, Violations};
use classtrack_core::{CheckInRejection, Role, SessionId, UserId};
use classtrack_proto::v1;
use classtrack_store::attendance::{self, CheckInContext, ContextQuery, Record, Rejection};
use classtrack_store::sessions::Session;
use classtrack_store::{auth, Kept, StoreError};
// See `batch`: one call's answer is the store's result type.
use classtrack_store::Result as StoreResult;

use crate::access::Caller;
use crate::error::ApiError;
use crate::names::parse_name;
use crate::{convert, ApiConfig};

/// Wrong short codes a student may type in one session before typing is closed.
pub const MAX_WRONG_CODES: i64 = 5;

/// One check-in as it came in.
pub struct Ask {
    /// The hash of the request's bearer token.
    pub token_hash: String,
    /// The login, when this replica verified it recently.
    pub caller: Option<Caller>,
    /// The client's address ([`crate::State::client_address`]): the network allowlist
    /// checks it, and it is kept with the record or the refusal.
    pub address: Option<IpAddr>,
    /// When it arrived: the rules judge it at this instant.
    pub at: DateTime<Utc>,
    /// What the student sent.
    pub request: v1::CheckInRequest,
}

/// The answer to an [`Ask`] whose token has a live login behind it (an ask
/// without one is answered `None`: expired, ended, or the account closed).
pub struct Judgement {
    /// The login behind the token, from the cache or looked up with the batch.
    pub caller: Caller,
    /// What became of the check-in.
    pub verdict: Verdict,
}

/// The answer to a check-in by a known caller.
pub enum Verdict {
    /// The student's record: written now, or `already` there.
    Recorded {
        record: Record,
        session: Box<Session>,
        already: bool,
    },
    /// Refused (and the refusal stored, unless the database failed), with
    /// how long the refusal lasts when that is known (too many wrong codes:
    /// until the session's check-in closes).
    Refused(CheckInRejection, Option<std::time::Duration>),
    /// The request itself was wrong; nothing stored.
    Invalid(ApiError),
}

/// How a session's QR tokens rotate.
pub fn rotation(settings: &CheckInSettings) -> Rotation {
    settings.rotation()
}

/// A batch that failed, and what had been judged before it did.
type Failed = (StoreError, Option<Vec<Option<Judgement>>>);

/// Judges and writes a batch of check-ins, one answer per ask, in order.
///
/// A batch that collides with a record written meanwhile by someone else (a
/// professor's mark, another replica) is judged again ask by ask, so that
/// each gets its own answer. A failure the database asks to be retried (a
/// deadlock victim, a Galera certification conflict, a node not ready) is
/// tried again with backoff as `ApiConfig::retry` allows; any other failure
/// gives the connection back and tries the batch once more on a fresh one
/// (a restarted server). If that fails too, the check-ins that were to be
/// written get the failure, and the others their answer.
pub async fn run(
    conn: &mut Kept,
    config: &ApiConfig,
    asks: &[Ask],
) -> Vec<StoreResult<Option<Judgement>>> {
    let mut result = judge_and_write(conn, config, asks).await;
    let mut attempt = 0;
    while let Err((e, _)) = &result {
        if matches!(e, StoreError::Conflict { .. }) {
            break;
        }
        if e.is_retryable() {
            // The database asked for it (a deadlock, a certification
            // conflict, a node not ready): as often as the policy allows.
            if !config.retry.again(attempt, true) {
                break;
            }
            tokio::time::sleep(config.retry.delay(attempt)).await;
        } else if attempt > 0 {
            break;
        } else {
            conn.reset();
        }
        tracing::debug!(error = %e, attempt, "a batch of check-ins is tried again");
        attempt += 1;
        result = judge_and_write(conn, config, asks).await;
    }
    match result {
        Ok(done) => done.into_iter().map(Ok).collect(),
        Err((StoreError::Conflict { .. }, _)) => {
            tracing::debug!("a batch of check-ins is judged again one by one");
            let mut out = Vec::with_capacity(asks.len());
            for ask in asks {
                out.push(alone(conn, config, ask).await);
            }
            out
        }
        Err((e, judged)) => {
            conn.reset();
            failed(asks.len(), e, judged)
        }
    }
}

async fn alone(conn: &mut Kept, config: &ApiConfig, ask: &Ask) -> StoreResult<Option<Judgement>> {
    // Judged again after a collision, the stored record is a repeat; a
    // second collision in a row is reported.
    let mut again = true;
    loop {
        match judge_and_write(conn, config, std::slice::from_ref(ask)).await {
            Ok(done) => {
                return done
                    .into_iter()
                    .next()
                    .ok_or_else(|| StoreError::Internal("a check-in lost its answer"))
            }
            Err((StoreError::Conflict { .. }, _)) if again => again = false,
            Err((e, judged)) => {
                conn.reset();
                return failed(1, e, judged)
                    .pop()
                    .unwrap_or_else(|| Err(StoreError::Internal("a check-in lost its answer")));
            }
        }
    }
}

/// The answers of a failed batch: the failure for the check-ins that were
/// to be written (and for all when nothing was judged yet); the others keep
/// theirs — a refusal is still a refusal, a repeat still has its record.
fn failed(
    n: usize,
    e: StoreError,
    judged: Option<Vec<Option<Judgement>>>,
) -> Vec<StoreResult<Option<Judgement>>> {
    let e = Arc::new(e);
    let Some(judged) = judged else {
        return (0..n).map(|_| Err(StoreError::Shared(e.clone()))).collect();
    };
    if judged
        .iter()
        .flatten()
        .any(|j| matches!(j.verdict, Verdict::Refused(..)))
    {
        tracing::warn!(error = %e, "refused check-ins could not be stored");
    }
    judged
        .into_iter()
        .map(|o| match o {
            Some(Judgement {
                verdict: Verdict::Recorded { already: false, .. },
                ..
            }) => Err(StoreError::Shared(e.clone())),
            other => Ok(other),
        })
        .collect()
}

/// What the batch itself decided so far, which counts for the asks after
/// it as the stored roll does: a double tap, a shared phone, a burst of
/// guessed codes.
#[derive(Default)]
struct Batch {
    records: HashMap<(SessionId, UserId), Record>,
    devices: HashMap<(SessionId, String), UserId>,
    wrong_codes: HashMap<(SessionId, UserId), i64>,
}

async fn judge_and_write(
    conn: &mut Kept,
    config: &ApiConfig,
    asks: &[Ask],
) -> Result<Vec<Option<Judgement>>, Failed> {
    let mut tx = conn.begin().await.map_err(|e| (e, None))?;
    let now_ms = config.clock.now().timestamp_millis();

    // Who is asking: the logins this replica has not verified lately.
    let unknown: Vec<String> = asks
        .iter()
        .filter(|a| a.caller.is_none())
        .map(|a| a.token_hash.clone())
        .collect();
    let mut found = if unknown.is_empty() {
        Vec::new()
    } else {
        auth::token_users(&mut tx, &unknown, now_ms)
            .await
            .map_err(|e| (e, None))?
    }
    .into_iter();
    let callers: Vec<Option<Caller>> = asks
        .iter()
        .map(|a| match &a.caller {
            Some(c) => Some(c.clone()),
            None => found.next().flatten().map(|(user, expires_at)| Caller {
                user,
                token_hash: a.token_hash.clone(),
                expires_at,
                client_address: None,
            }),
        })
        .collect();

    // The sessions and the students' rolls, for the students' readable credentials.
    let credentials: Vec<_> = asks.iter().map(|a| credential(&a.request)).collect();
    let mut queries = Vec::new();
    let mut query_of = vec![None; asks.len()];
    for (i, (ask, caller)) in asks.iter().zip(&callers).enumerate() {
        let Some(caller) = caller.as_ref().filter(|c| c.user.role == Role::Student) else {
            continue;
        };
        let Ok(credential) = &credentials[i] else {
            continue;
        };
        query_of[i] = Some(queries.len());
        queries.push(ContextQuery {
            session: credential.session(),
            student: caller.user.id,
            // an invalid device id is refused by the rules, not looked up
            device: device_of(&ask.request)
                .filter(|d| validate::text(d, false, 128).is_ok())
                .map(String::from),
        });
    }
    let contexts = if queries.is_empty() {
        Vec::new()
    } else {
        attendance::checkin_contexts(&mut tx, &queries)
            .await
            .map_err(|e| (e, None))?
    };

    // Each ask judged in turn.
    let mut outcomes = Vec::with_capacity(asks.len());
    let (mut records, mut refusals) = (Vec::new(), Vec::new());
    let mut batch = Batch::default();
    for (i, ((ask, caller), credential)) in asks.iter().zip(callers).zip(credentials).enumerate() {
        let Some(caller) = caller else {
            outcomes.push(None);
            continue;
        };
        if let Err(e) = caller.require_own_password() {
            outcomes.push(Some(Judgement {
                caller,
                verdict: Verdict::Invalid(e),
            }));
            continue;
        }
        let student = caller.user.id;
        let ctx = query_of[i]
            .and_then(|q| contexts.get(q))
            .and_then(Option::as_ref);
        let mut roll = Roll::default();
        let mut existing = None;
        if let Some(ctx) = ctx {
            let session = ctx.session.id;
            existing = ctx
                .existing
                .as_ref()
                .or_else(|| batch.records.get(&(session, student)))
                .cloned();
            roll.enrolled = ctx.enrolled;
            roll.existing = existing.as_ref().map(|r| r.source);
            roll.device_owner = ctx.device_owner.or_else(|| {
                let device = device_of(&ask.request)?;
                let owner = *batch.devices.get(&(session, device.to_string()))?;
                (owner != student).then_some(owner)
            });
            if let Ok(Credential::Code(..)) = &credential {
                roll.wrong_codes = match batch.wrong_codes.get(&(session, student)) {
                    Some(n) => *n,
                    None => {
                        let stored = attendance::count_rejections(
                            &mut tx,
                            session,
                            student,
                            CheckInRejection::CodeInvalid.code(),
                        )
                        .await
                        .map_err(|e| (e, None))?;
                        batch.wrong_codes.insert((session, student), stored);
                        stored
                    }
                };
            }
        }
        let verdict = match judge(config, &caller, ask, credential, ctx, &roll) {
            Err(e) => Verdict::Invalid(e),
            Ok((Decision::Record(new), Some(ctx))) => {
                let record = new_record(new, &ctx.session, student, ask);
                if let Some(device) = &record.device_id {
                    batch
                        .devices
                        .entry((record.session, device.clone()))
                        .or_insert(student);
                }
                batch
                    .records
                    .insert((record.session, student), record.clone());
                records.push(record.clone());
                Verdict::Recorded {
                    record,
                    session: Box::new(ctx.session.clone()),
                    already: false,
                }
            }
            Ok((Decision::Existing, Some(ctx))) => match existing {
                Some(record) => Verdict::Recorded {
                    record,
                    session: Box::new(ctx.session.clone()),
                    already: true,
                },
                None => Verdict::Invalid(ApiError::Internal(
                    "the rules answered with a record the roll does not have".into(),
                )),
            },
            Ok((Decision::Refused(refusal), _)) => {
                let session = ctx.filter(|_| refusal.in_session).map(|c| &c.session);
                if let (CheckInRejection::CodeInvalid, Some(session)) = (refusal.reason, session) {
                    *batch.wrong_codes.entry((session.id, student)).or_default() += 1;
                }
                refusals.push(Rejection {
                    session: session.map(|s| s.id),
                    course: session.map(|s| s.course),
                    student,
                    reason: refusal.reason.code(),
                    at: ask.at.timestamp_millis(),
                    client_address: ask.address.map(|a| a.to_string()),
                    device_id: device_of(&ask.request).map(String::from),
                    detail: refusal.detail,
                });
                Verdict::Refused(refusal.reason, refusal.retry_after)
            }
            Ok((Decision::Record(_) | Decision::Existing, None)) => Verdict::Invalid(
                ApiError::Internal("the rules answered without a session".into()),
            ),
            Ok((Decision::Invalid(_), _)) => Verdict::Invalid(ApiError::Internal(
                "judge answers an invalid request as an error".into(),
            )),
        };
        outcomes.push(Some(Judgement { caller, verdict }));
    }

    let written = async {
        if !refusals.is_empty() {
            attendance::record_rejections(&mut tx, &refusals).await?;
        }
        if !records.is_empty() {
            attendance::insert_records(&mut tx, &records).await?;
        }
        tx.commit().await
    };
    match written.await {
        Ok(()) => Ok(outcomes),
        Err(e) => Err((e, Some(outcomes))),
    }
}

/// The credential of a request, or how it is wrong.
fn credential(r: &v1::CheckInRequest) -> Result<Credential, ApiError> {
    match &r.credential {
        Some(v1::check_in_request::Credential::Token(t)) => QrToken::parse(t)
            .map(Credential::Token)
            .map_err(|_| ApiError::rejected(CheckInRejection::TokenMalformed)),
        Some(v1::check_in_request::Credential::ShortCode(c)) => {
            let session = parse_name("short_code.session", &c.session, SessionId::parse)?;
            let code = c.code.trim();
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::invalid(
                    "short_code.code",
                    "the code has six digits",
                ));
            }
            Ok(Credential::Code(session, code.to_string()))
        }
        None => Err(ApiError::invalid(
            "credential",
            "give the scanned token or the short code",
        )),
    }
}

/// The earlier scan a request claims, if any.
fn scan_claim(r: &v1::CheckInRequest) -> Result<Option<Scan<'_>>, ApiError> {
    match (&r.scan_time, r.scan_proof.is_empty()) {
        (None, true) => Ok(None),
        (Some(t), false) => Ok(Some(Scan {
            at: DateTime::from_timestamp_millis(convert::ms(t, "scan_time")?).unwrap_or_default(),
            proof: &r.scan_proof,
        })),
        _ => Err(ApiError::invalid(
            "scan_proof",
            "scan_time and scan_proof go together",
        )),
    }
}

fn device_of(r: &v1::CheckInRequest) -> Option<&str> {
    let device = r.device_id.trim();
    (!device.is_empty()).then_some(device)
}

/// Reads a request into the rules' terms and applies them
/// ([`classtrack_core::checkin::decide`]), with the session the check-in
/// was judged against. `Err` is a request that is not a check-in request
/// at all, with what is wrong with it.
fn judge<'c>(
    config: &ApiConfig,
    caller: &Caller,
    ask: &Ask,
    credential: Result<Credential, ApiError>,
    ctx: Option<&'c CheckInContext>,
    roll: &Roll,
) -> Result<(Decision, Option<&'c CheckInContext>), ApiError> {
    let r = &ask.request;
    let mut v = Violations::default();
    v.check("device_id", validate::text(r.device_id.trim(), false, 128));
    v.into_result().map_err(ApiError::Invalid)?;
    // The rules decide when an unreadable part matters; its error says how
    // it is unreadable.
    let (credential, credential_error) = match credential {
        Ok(c) => (Ok(c), None),
        Err(ApiError::Rejected { reason, .. }) => (Err(Malformed::Refused(reason)), None),
        Err(e) => (Err(Malformed::Invalid), Some(e)),
    };
    let (scan, scan_error) = match scan_claim(r) {
        Ok(scan) => (Ok(scan), None),
        Err(e) => (Err(Malformed::Invalid), Some(e)),
    };
    let settings = ctx.map(|c| c.session.effective_settings());
    let session = ctx
        .zip(settings.as_ref())
        .map(|(c, settings)| SessionFacts {
            id: c.session.id,
            secret: &c.session.secret,
            settings,
            times: c.session.times(settings),
        });
    let check_in = CheckIn {
        student: caller.user.role == Role::Student,
        credential: credential.as_ref().map_err(|m| *m),
        scan,
        device: device_of(r),
        location: r.location.as_ref().map(|l| Location {
            latitude: l.latitude,
            longitude: l.longitude,
            accuracy_m: l.accuracy_meters,
        }),
        address: ask.address,
        at: ask.at,
    };
    let rules = Rules {
        scan_allowance: chrono::Duration::from_std(config.scan_allowance).unwrap_or_default(),
        max_wrong_codes: MAX_WRONG_CODES,
    };
    let unreadable = |error: Option<ApiError>, field| {
        error.unwrap_or_else(|| ApiError::invalid(field, "is not readable"))
    };
    match decide(&rules, &check_in, session.as_ref(), roll) {
        Decision::Invalid(Part::Credential) => Err(unreadable(credential_error, "credential")),
        Decision::Invalid(Part::Scan) => Err(unreadable(scan_error, "scan_time")),
        Decision::Invalid(Part::Location) => Err(ApiError::invalid(
            "location",
            "latitude or longitude out of range",
        )),
        decision => Ok((decision, ctx)),
    }
}

/// The row a check-in the rules accepted writes.
fn new_record(new: NewRecord, session: &Session, student: UserId, ask: &Ask) -> Record {
    Record {
        recorded_at: new.recorded_at.timestamp_millis(),
        flagged: new.flagged,
        device_id: new.device,
        geo_band: new.geo_band.map(String::from),
        client_address: ask.address.map(|a| a.to_string()),
        ..Record::new(
            session.id,
            student,
            new.status,
            new.source,
            ask.at.timestamp_millis(),
        )
    }
}

#[cfg(test)]
mod tests;
