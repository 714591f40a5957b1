//! Live roll updates for watchers, across replicas.
//!
//! Every write to a roll also appends a row to `session_events`. One poller
//! per replica follows that table for the sessions someone watches here: it
//! wakes at once when this replica wrote (`nudge`), and at least every
//! `live_poll_interval` for writes made through other replicas. Each change is
//! read once and fanned out to every local watcher of its session.

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

pub type LiveEvent = Arc<v1::WatchSessionResponse>;

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
                let _ = tx.send(Arc::new(v1::WatchSessionResponse {
                    event: Some(v1::watch_session_response::Event::SessionChanged(
                        convert::session(&session, now),
                    )),
                    counts: None,
                }));
                let roll = roll_snapshot(&mut conn, &session, now).await?;
                let counts = roll.counts;
                let _ = tx.send(Arc::new(v1::WatchSessionResponse {
                    event: Some(v1::watch_session_response::Event::Roll(roll)),
                    counts,
                }));
                continue;
            }
            let students: Vec<UserId> = students.into_iter().collect();
            let entries = attendance::roll_entries(&mut conn, session_id, &students).await?;
            let counts = counts_proto(&attendance::status_counts(&mut conn, &session).await?);
            for e in &entries {
                let _ = tx.send(Arc::new(v1::WatchSessionResponse {
                    event: Some(v1::watch_session_response::Event::Changed(
                        convert::roll_entry(e),
                    )),
                    counts: Some(counts),
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
