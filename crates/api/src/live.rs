//! Live roll updates for watchers, across replicas.
//!
//! Every write to a roll also appends a row to `session_events`. One poller
//! per replica follows that table for the sessions someone watches here: it
//! wakes at once when this replica wrote (`nudge`), and at least every
//! `live_poll_interval` for writes made through other replicas. Each change is
//! read once and fanned out to every local watcher of its session.
//!
//! A watcher starts from the roll, read in one snapshot with the log's
//! position ([`open`]); a change carries the ids of the events it stems
//! from, and a watcher forwards only changes with an event its roll did not
//! contain yet. The poller may well read events older than a watcher (it
//! looks back for late commits, and starts from the log's end when nobody
//! watched): those are in the roll already.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use classtrack_core::{Clock, SessionId, UserId};
use classtrack_proto::v1;
use classtrack_store::{attendance, sessions, Store};
use tokio::sync::{broadcast, watch, Notify};

use crate::convert;

/// Events that may commit out of id order on MariaDB are caught by re-reading
/// this many ids behind the newest seen.
const LOOKBACK_IDS: i64 = 1024;
const CHANNEL_CAPACITY: usize = 1024;

/// One message for the watchers of a session.
#[derive(Debug)]
pub struct Change {
    /// The roll events it stems from.
    pub events: Vec<i64>,
    /// What the watchers are sent.
    pub message: v1::WatchSessionResponse,
    /// The session is over (closed or cancelled): this roll is final.
    pub last: bool,
}

/// A change as the watchers of a session receive it, shared among them.
pub type LiveEvent = Arc<Change>;

/// The replica's live hub: one broadcast channel per watched session, fed by a poller that
/// reads the roll events every replica writes (see the module's doc).
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    store: Store,
    clock: Arc<dyn Clock>,
    channels: Mutex<HashMap<SessionId, broadcast::Sender<LiveEvent>>>,
    nudge: Notify,
}

impl Hub {
    /// A hub with no watchers yet; the poller is started by the background tasks.
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(HubInner {
                store,
                clock,
                channels: Mutex::new(HashMap::new()),
                nudge: Notify::new(),
            }),
        }
    }

    /// A receiver of the session's changes, opening its channel if nobody watched it yet.
    pub fn subscribe(&self, session: SessionId) -> broadcast::Receiver<LiveEvent> {
        let mut channels = self
            .inner
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        channels
            .entry(session)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Tells the poller that this replica just wrote a change.
    pub fn nudge(&self) {
        self.inner.nudge.notify_one();
    }

    fn watched(&self) -> Vec<(SessionId, broadcast::Sender<LiveEvent>)> {
        let mut channels = self
            .inner
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        channels.retain(|_, tx| tx.receiver_count() > 0);
        channels.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    /// Follows `session_events` until `stop` changes.
    pub async fn run(self, poll: Duration, mut stop: watch::Receiver<bool>) {
        let mut cursor = Cursor::default();
        loop {
            tokio::select! {
                _ = self.inner.nudge.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = stop.changed() => return,
            }
            if let Err(e) = self.poll_once(&mut cursor).await {
                tracing::warn!(error = %e, "live updates: poll failed; retrying");
                tokio::time::sleep(poll).await;
            }
        }
    }

    async fn poll_once(&self, cursor: &mut Cursor) -> Result<(), classtrack_store::StoreError> {
        let mut conn = self.inner.store.acquire().await?;
        if cursor.newest == 0 {
            cursor.newest = attendance::last_event_id(&mut conn).await?;
        }
        let watched = self.watched();
        if watched.is_empty() {
            cursor.newest = cursor
                .newest
                .max(attendance::last_event_id(&mut conn).await?);
            cursor.seen.clear();
            return Ok(());
        }
        let ids: Vec<SessionId> = watched.iter().map(|(s, _)| *s).collect();
        let events =
            attendance::events_after(&mut conn, &ids, cursor.newest - LOOKBACK_IDS, 5_000).await?;
        let fresh: Vec<_> = events
            .into_iter()
            .filter(|e| cursor.seen.insert(e.id))
            .collect();
        if let Some(max) = fresh.iter().map(|e| e.id).max() {
            cursor.newest = cursor.newest.max(max);
        }
        let floor = cursor.newest - LOOKBACK_IDS;
        cursor.seen = cursor.seen.split_off(&floor);
        for (session_id, tx) in watched {
            let mine: Vec<_> = fresh.iter().filter(|e| e.session == session_id).collect();
            if mine.is_empty() {
                continue;
            }
            let session = sessions::get(&mut conn, session_id).await?;
            let now = self.inner.clock.now().timestamp_millis();
            let students: BTreeSet<UserId> = mine
                .iter()
                .filter(|e| e.kind == "record")
                .filter_map(|e| e.student)
                .collect();
            let session_changed = mine.iter().any(|e| e.kind != "record");
            if session_changed {
                // The whole roll follows: it covers the records of this poll too.
                let events: Vec<i64> = mine.iter().map(|e| e.id).collect();
                let _ = tx.send(Arc::new(Change {
                    events: events.clone(),
                    message: v1::WatchSessionResponse {
                        event: Some(v1::watch_session_response::Event::SessionChanged(
                            convert::session(&session, now),
                        )),
                        counts: None,
                    },
                    last: false,
                }));
                let _ = tx.send(Arc::new(Change {
                    events,
                    message: roll_message(roll_snapshot(&mut conn, &session, now).await?),
                    last: is_over(&session),
                }));
                continue;
            }
            let students: Vec<UserId> = students.into_iter().collect();
            let entries = attendance::roll_entries(&mut conn, session_id, &students).await?;
            let counts = counts_proto(&attendance::status_counts(&mut conn, &session).await?);
            for e in &entries {
                let events = mine
                    .iter()
                    .filter(|m| m.student == Some(e.student.id))
                    .map(|m| m.id)
                    .collect();
                let _ = tx.send(Arc::new(Change {
                    events,
                    message: v1::WatchSessionResponse {
                        event: Some(v1::watch_session_response::Event::Changed(
                            convert::roll_entry(e),
                        )),
                        counts: Some(counts),
                    },
                    last: false,
                }));
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Cursor {
    newest: i64,
    seen: BTreeSet<i64>,
}

/// The roll counts of a session from the store's counts per status.
pub fn counts_proto(c: &attendance::StatusCounts) -> v1::RollCounts {
    let recorded = c.present + c.late + c.excused + c.absent;
    let n = |x: i64| i32::try_from(x).unwrap_or(i32::MAX);
    v1::RollCounts {
        enrolled: n(c.enrolled),
        present: n(c.present),
        late: n(c.late),
        excused: n(c.excused),
        absent: n(c.absent),
        not_yet: n((c.enrolled - recorded).max(0)),
    }
}

/// Whether a session's roll can no longer change by check-in: closed (by
/// hand, or finalised after its end) or cancelled. A watch on it ends.
pub fn is_over(session: &sessions::Session) -> bool {
    session.finalized_at.is_some() || session.cancelled_at.is_some()
}

/// The roll as a watch message.
pub fn roll_message(roll: v1::ListSessionAttendanceResponse) -> v1::WatchSessionResponse {
    v1::WatchSessionResponse {
        counts: roll.counts,
        event: Some(v1::watch_session_response::Event::Roll(roll)),
    }
}

/// The start of a watch: the session and its roll, and the log's position
/// they correspond to, all read in one snapshot.
pub struct Opening {
    /// The session as it was at `position`.
    pub session: sessions::Session,
    /// Its roll as it was at `position`.
    pub roll: v1::ListSessionAttendanceResponse,
    /// Where the roll event log stood: changes after it are sent next.
    pub position: attendance::EventPosition,
}

/// Reads a watch's [`Opening`]. Subscribe to the hub first, so that no change
/// falls between the snapshot and the subscription.
pub async fn open(
    store: &Store,
    session: SessionId,
    now: i64,
) -> Result<Opening, classtrack_store::StoreError> {
    let mut snapshot = store.snapshot().await?;
    let position = attendance::event_position(&mut snapshot, session, LOOKBACK_IDS).await?;
    let session = sessions::get(&mut snapshot, session).await?;
    let roll = roll_snapshot(&mut snapshot, &session, now).await?;
    snapshot.commit().await?;
    Ok(Opening {
        session,
        roll,
        position,
    })
}

/// The whole roll of a session, as the first message of a watch.
pub async fn roll_snapshot(
    conn: &mut classtrack_store::Conn,
    session: &sessions::Session,
    now: i64,
) -> Result<v1::ListSessionAttendanceResponse, classtrack_store::StoreError> {
    let entries = attendance::roll(conn, session).await?;
    Ok(v1::ListSessionAttendanceResponse {
        session: Some(convert::session(session, now)),
        counts: Some(convert::roll_counts(&entries)),
        entries: entries.iter().map(convert::roll_entry).collect(),
    })
}
