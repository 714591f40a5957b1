//! A session's roll: every enrolled student with their status and how it
//! was recorded, the counts, and the professor's manual marks.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use classtrack_proto::v1::{
    ListSessionAttendanceRequest, MarkAttendanceRequest, RecordSource, RollCounts,
};
use serde::Deserialize;

use super::SessionHead;
use crate::error::PageResult;
use crate::pages::forms::Form;
use crate::pages::{name, Staff, Viewer};
use crate::view::{id_of, markable_statuses, render, status_class, status_label, Layout};
use crate::AppState;

pub struct RollLine {
    pub id: String,
    pub student: String,
    pub display_name: String,
    pub number: String,
    pub status: String,
    pub class: &'static str,
    pub value: i32,
    pub how: String,
    pub note: String,
    pub flagged: bool,
}

#[derive(serde::Serialize)]
pub struct Counts {
    pub enrolled: i32,
    pub present: i32,
    pub late: i32,
    pub excused: i32,
    pub absent: i32,
    pub not_yet: i32,
}

impl From<Option<&RollCounts>> for Counts {
    fn from(c: Option<&RollCounts>) -> Self {
        let c = c.cloned().unwrap_or_default();
        Self {
            enrolled: c.enrolled,
            present: c.present,
            late: c.late,
            excused: c.excused,
            absent: c.absent,
            not_yet: c.not_yet,
        }
    }
}

#[derive(Template)]
#[template(path = "roll.html")]
struct RollPage {
    l: Layout,
    s: SessionHead,
    counts: Counts,
    roll: Vec<RollLine>,
    statuses: Vec<(i32, String)>,
}

pub async fn roll(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let answer = state
        .api
        .attendance()
        .list_session_attendance(viewer.req(ListSessionAttendanceRequest {
            session: viewer.name("sessions", &id)?,
        }))
        .await
        .map_err(|status| viewer.lookup(status))?
        .into_inner();
    let session = answer.session.clone().unwrap_or_default();
    let tz = viewer.tz;
    let mut roll: Vec<RollLine> = answer.entries.iter().map(|e| roll_line(e, tz)).collect();
    roll.sort_by(|a, b| {
        a.display_name
            .to_lowercase()
            .cmp(&b.display_name.to_lowercase())
    });
    Ok(render(&RollPage {
        l: viewer.layout(&crate::lang::t_args(
            "roll-title",
            &[("course", session.course_code.as_str().into())],
        )),
        s: SessionHead::new(&session, tz),
        counts: Counts::from(answer.counts.as_ref()),
        roll,
        statuses: markable_statuses(),
    }))
}

pub fn roll_line(e: &classtrack_proto::v1::RollEntry, tz: chrono_tz::Tz) -> RollLine {
    let student = e.student.clone().unwrap_or_default();
    let record = e.record.clone().unwrap_or_default();
    RollLine {
        id: id_of(&student.name).to_string(),
        student: student.name.clone(),
        display_name: student.display_name.clone(),
        number: student.student_number.clone(),
        status: status_label(record.status),
        class: status_class(record.status),
        value: record.status,
        how: how(&record, tz),
        note: record.note.clone(),
        flagged: record.flagged,
    }
}

/// "QR at 10:02", "by hand at 10:40".
pub fn how(record: &classtrack_proto::v1::AttendanceRecord, tz: chrono_tz::Tz) -> String {
    let source = match RecordSource::try_from(record.source).unwrap_or(RecordSource::Unspecified) {
        RecordSource::Qr => "how-qr",
        RecordSource::Code => "how-code",
        RecordSource::Manual => "how-manual",
        RecordSource::Close => "how-close",
        RecordSource::Justification => "how-justification",
        RecordSource::Unspecified => return String::new(),
    };
    let at = crate::view::clock_seconds(record.record_time.as_ref(), tz);
    if at.is_empty() {
        crate::lang::t(source)
    } else {
        crate::lang::t_args(&format!("{source}-at"), &[("time", at.as_str().into())])
    }
}

#[derive(Deserialize)]
pub struct MarkForm {
    #[serde(default)]
    student: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn mark(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<MarkForm>,
) -> PageResult<Response> {
    let student_id = id_of(&form.student).to_string();
    let back = format!("/sessions/{id}#student-{student_id}");
    let Ok(status) = form.status.parse::<i32>() else {
        return Ok(viewer.redirect(&back, &crate::lang::t("roll-choose-status")));
    };
    let marked = state
        .api
        .attendance()
        .mark_attendance(viewer.req(MarkAttendanceRequest {
            session: name("sessions", &id)?,
            student: name("users", &student_id)?,
            status,
            note: form.note.trim().to_string(),
        }))
        .await;
    viewer.after(&back, marked, |r| {
        let status = r.record.map(|r| r.status).unwrap_or_default();
        crate::lang::t_args(
            "roll-marked",
            &[(
                "status",
                status_label(status).to_lowercase().as_str().into(),
            )],
        )
    })
}
