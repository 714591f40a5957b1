//! The projector and the live roll: server-sent events fed by the API's
//! streams (a fresh QR token at every rotation, and every roll change).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use classtrack_proto::v1::{
    watch_session_response, AttendanceStatus, GetQrTokenRequest, ListSessionAttendanceRequest,
    QrToken, RollEntry, Session, SessionState, StreamQrTokensRequest, WatchSessionRequest,
};
use futures::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Serialize};

use super::forms::Query;

use super::sessions::{how, Counts, SessionHead};
use super::{name, Staff, Viewer};
use crate::error::{in_place, plain_message, PageResult};
use crate::view::{clock, id_of, render, status_class, status_label, to_timestamp, to_utc, Layout};
use crate::{qr_svg, AppState};

#[derive(Template)]
#[template(path = "projector.html")]
struct ProjectorPage {
    l: Layout,
    s: SessionHead,
    /// Set until check-in opens: the page shows the time instead of a code
    /// that every phone would be refused with.
    opens: Option<Opening>,
    qr: Option<QrView>,
    problem: Option<String>,
    counts: Counts,
    names: Vec<String>,
}

struct Opening {
    /// "10:00", in the page's zone.
    at: String,
    /// Milliseconds from now, for the script that switches to the code.
    in_ms: i64,
}

struct QrView {
    svg: String,
    code: String,
    url: String,
    remaining: i64,
}

pub async fn projector(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let session = viewer.name("sessions", &id)?;
    let roll = state
        .api
        .attendance()
        .list_session_attendance(viewer.req(ListSessionAttendanceRequest {
            session: session.clone(),
        }))
        .await
        .map_err(|status| viewer.lookup(status))?
        .into_inner();
    let shown = roll.session.clone().unwrap_or_default();
    let head = SessionHead::new(&shown, viewer.tz);
    let opens = opening(&shown, viewer.tz);
    let (qr, problem) = if opens.is_some() {
        (None, None)
    } else {
        let token = state
            .api
            .attendance()
            .get_qr_token(viewer.req(GetQrTokenRequest { session }))
            .await;
        match token {
            Ok(t) => (t.into_inner().qr_token.and_then(|t| qr_view(&t)), None),
            Err(status) => (None, Some(in_place(&status)?)),
        }
    };
    let mut roster = Roster::default();
    roster.reset(&roll.entries);
    let mut l = viewer.layout(&format!("{} projector", head.course));
    l.shape = "projector";
    Ok(render(&ProjectorPage {
        l,
        s: head,
        opens,
        qr,
        problem,
        counts: Counts::from(roll.counts.as_ref()),
        names: roster.checked_in(),
    }))
}

/// When a session not open yet opens for check-in: its start less the
/// minutes it opens before (the API's state says whether it has).
fn opening(session: &Session, tz: chrono_tz::Tz) -> Option<Opening> {
    if session.state != SessionState::Scheduled as i32 {
        return None;
    }
    let before = session
        .effective_settings
        .as_ref()
        .and_then(|s| s.opens_before_minutes)
        .unwrap_or(0);
    let at = to_utc(session.start_time.as_ref())? - chrono::Duration::minutes(before.into());
    Some(Opening {
        at: clock(Some(&to_timestamp(at)), tz),
        in_ms: (at - Utc::now()).num_milliseconds().max(0),
    })
}

fn qr_view(t: &QrToken) -> Option<QrView> {
    Some(QrView {
        svg: qr_svg::render(&t.url)?,
        code: spaced(&t.short_code),
        url: t.url.clone(),
        remaining: remaining_ms(t),
    })
}

/// "123456" → "123 456", easier to read from afar.
fn spaced(code: &str) -> String {
    if code.len() == 6 && code.is_ascii() {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_string()
    }
}

fn remaining_ms(t: &QrToken) -> i64 {
    to_utc(t.expire_time.as_ref())
        .map(|end| (end - Utc::now()).num_milliseconds().max(0))
        .unwrap_or(0)
}

#[derive(Deserialize, Default)]
pub struct EventsQuery {
    #[serde(default)]
    qr: Option<String>,
}

/// `text/event-stream`: `roll` events always, `qr` events with `?qr=1`,
/// `problem` when a stream cannot go on.
pub async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<EventsQuery>,
) -> PageResult<Response> {
    let session = name("sessions", &id)?;
    let tz = viewer.tz;
    // The events are made after this handler returned: in the page's language still.
    let page = crate::lang::context();
    let qr_page = page.clone();
    let mut client = state.api.attendance();
    let watch = client
        .watch_session(viewer.req(WatchSessionRequest {
            session: session.clone(),
        }))
        .await;
    let roll_events: BoxStream<'static, Event> = match watch {
        Ok(w) => {
            let mut roster = Roster::default();
            w.into_inner()
                .map(move |message| {
                    crate::lang::sync_scope(page.clone(), || match message {
                        Ok(m) => roster.apply(m, tz),
                        Err(status) => problem(&status),
                    })
                })
                .boxed()
        }
        Err(status) => stream::iter([problem(&status)]).boxed(),
    };
    let qr_events: BoxStream<'static, Event> = if query.qr.is_some() {
        match client
            .stream_qr_tokens(viewer.req(StreamQrTokensRequest { session }))
            .await
        {
            Ok(s) => s
                .into_inner()
                .map(move |message| {
                    crate::lang::sync_scope(qr_page.clone(), || match message {
                        Ok(m) => m.qr_token.map(|t| qr_event(&t)).unwrap_or_else(keep_alive),
                        Err(status) => problem(&status),
                    })
                })
                .boxed(),
            Err(status) => stream::iter([problem(&status)]).boxed(),
        }
    } else {
        stream::empty().boxed()
    };
    let events = stream::select(roll_events, qr_events).map(Ok::<_, Infallible>);
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn keep_alive() -> Event {
    Event::default().comment("nothing new")
}

/// The stream cannot go on; the browser reconnects after the `retry`: at
/// once when the server went away (UNAVAILABLE: the next connection goes to
/// another replica), else after a pause.
fn problem(status: &tonic::Status) -> Event {
    let retry = if status.code() == tonic::Code::Unavailable {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(5)
    };
    Event::default()
        .event("problem")
        .retry(retry)
        .data(plain_message(status))
}

#[derive(Serialize)]
struct QrMessage {
    svg: String,
    code: String,
    url: String,
    remaining_ms: i64,
    rotation_seconds: i32,
}

fn qr_event(t: &QrToken) -> Event {
    let message = QrMessage {
        svg: qr_svg::render(&t.url).unwrap_or_default(),
        code: spaced(&t.short_code),
        url: t.url.clone(),
        remaining_ms: remaining_ms(t),
        rotation_seconds: t.rotation_seconds,
    };
    json_event("qr", &message)
}

fn json_event(kind: &str, message: &impl Serialize) -> Event {
    Event::default()
        .event(kind)
        .data(serde_json::to_string(message).unwrap_or_default())
}

/// Who is on the roll and how they stand, kept up to date from the watch.
#[derive(Default)]
struct Roster {
    students: HashMap<String, Student>,
    order: u64,
}

struct Student {
    name: String,
    status: i32,
    /// Arrival order among those checked in.
    arrived: u64,
}

#[derive(Serialize)]
struct RollMessage {
    counts: Counts,
    checked_in: Vec<String>,
    entries: Vec<EntryMessage>,
    session_state: Option<String>,
    ended: bool,
}

#[derive(Serialize)]
struct EntryMessage {
    id: String,
    name: String,
    status: String,
    class: &'static str,
    value: i32,
    how: String,
    note: String,
}

impl Roster {
    fn reset(&mut self, entries: &[RollEntry]) {
        self.students.clear();
        let mut sorted: Vec<&RollEntry> = entries.iter().collect();
        sorted.sort_by_key(|e| {
            e.record
                .as_ref()
                .and_then(|r| r.record_time.as_ref())
                .map(|t| (t.seconds, t.nanos))
        });
        for e in sorted {
            self.update(e);
        }
    }

    fn update(&mut self, e: &RollEntry) {
        let Some(student) = &e.student else { return };
        let status = e.record.as_ref().map(|r| r.status).unwrap_or_default();
        self.order += 1;
        let order = self.order;
        let entry = self
            .students
            .entry(student.name.clone())
            .or_insert_with(|| Student {
                name: student.display_name.clone(),
                status,
                arrived: order,
            });
        if !attended(entry.status) && attended(status) {
            entry.arrived = order;
        }
        entry.status = status;
        entry.name = student.display_name.clone();
    }

    /// Names of those present or late, in the order they arrived.
    fn checked_in(&self) -> Vec<String> {
        let mut here: Vec<&Student> = self
            .students
            .values()
            .filter(|s| attended(s.status))
            .collect();
        here.sort_by_key(|s| s.arrived);
        here.into_iter().map(|s| s.name.clone()).collect()
    }

    fn apply(&mut self, m: classtrack_proto::v1::WatchSessionResponse, tz: chrono_tz::Tz) -> Event {
        let mut entries = Vec::new();
        let mut session_state = None;
        let mut ended = false;
        let mut counts = m.counts;
        match m.event {
            Some(watch_session_response::Event::Roll(roll)) => {
                self.reset(&roll.entries);
                entries.extend(roll.entries.iter().map(|e| entry_message(e, tz)));
                counts = counts.or(roll.counts);
            }
            Some(watch_session_response::Event::Changed(e)) => {
                self.update(&e);
                entries.push(entry_message(&e, tz));
            }
            Some(watch_session_response::Event::SessionChanged(s)) => {
                session_state = Some(crate::view::state_label(s.state));
                ended = SessionHead::new(&s, tz).ended;
            }
            None => {}
        }
        json_event(
            "roll",
            &RollMessage {
                counts: Counts::from(counts.as_ref()),
                checked_in: self.checked_in(),
                entries,
                session_state,
                ended,
            },
        )
    }
}

fn attended(status: i32) -> bool {
    status == AttendanceStatus::Present as i32 || status == AttendanceStatus::Late as i32
}

fn entry_message(e: &RollEntry, tz: chrono_tz::Tz) -> EntryMessage {
    let student = e.student.clone().unwrap_or_default();
    let record = e.record.clone().unwrap_or_default();
    EntryMessage {
        id: id_of(&student.name).to_string(),
        name: student.display_name,
        status: status_label(record.status),
        class: status_class(record.status),
        value: record.status,
        how: how(&record, tz),
        note: record.note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use classtrack_proto::v1::{AttendanceRecord, User};

    fn entry(id: &str, name: &str, status: AttendanceStatus, at: i64) -> RollEntry {
        RollEntry {
            student: Some(User {
                name: format!("users/{id}"),
                display_name: name.into(),
                ..Default::default()
            }),
            record: Some(AttendanceRecord {
                status: status as i32,
                record_time: Some(prost_types::Timestamp {
                    seconds: at,
                    nanos: 0,
                }),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn roster_lists_arrivals_in_order_and_follows_changes() {
        let mut r = Roster::default();
        r.reset(&[
            entry("2", "Bea", AttendanceStatus::Late, 20),
            entry("1", "Ana", AttendanceStatus::Present, 10),
            entry("3", "Cy", AttendanceStatus::Unspecified, 0),
        ]);
        assert_eq!(r.checked_in(), ["Ana", "Bea"]);
        r.update(&entry("3", "Cy", AttendanceStatus::Present, 30));
        assert_eq!(r.checked_in(), ["Ana", "Bea", "Cy"]);
        r.update(&entry("1", "Ana", AttendanceStatus::Excused, 40));
        assert_eq!(r.checked_in(), ["Bea", "Cy"]);
    }

    #[test]
    fn short_codes_are_grouped_for_reading() {
        assert_eq!(spaced("123456"), "123 456");
        assert_eq!(spaced("12"), "12");
    }
}
