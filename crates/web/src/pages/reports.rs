//! A course's report: the attendance matrix, rates, warnings, a chart, and
//! CSV/XLSX downloads streamed from the API.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use classtrack_proto::v1::{
    ExportCourseReportRequest, ExportFormat, GetCourseReportRequest, SessionState, WarningLevel,
};
use futures::StreamExt;

use super::courses::get_course;
use super::justifications::attachment_disposition;
use super::{Staff, Viewer};
use crate::error::{in_place, PageError, PageResult};
use crate::view::{
    id_of, percent, render, short_day, status_class, status_label, zone, Layout, RollChart,
};
use crate::AppState;

pub struct Column {
    pub id: String,
    pub day: String,
    pub title: String,
}

pub struct Cell {
    pub label: String,
    pub class: &'static str,
    pub short: String,
}

pub struct Row {
    pub name: String,
    pub number: String,
    pub cells: Vec<Cell>,
    pub rate: String,
    pub present: i32,
    pub late: i32,
    pub excused: i32,
    pub absent: i32,
    pub warning: &'static str,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    l: Layout,
    course_id: String,
    course: String,
    columns: Vec<Column>,
    /// Sessions that have happened (ended or closed): the ones the rates
    /// are over; the matrix also shows those still to come.
    held: usize,
    rows: Vec<Row>,
    total_rate: String,
    chart: RollChart,
    problem: Option<String>,
}

pub async fn course_report(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let course = get_course(&state, &viewer, &id).await?;
    let tz = zone(&course.time_zone, viewer.tz);
    let mut page = ReportPage {
        l: viewer.layout(&crate::lang::t_args(
            "report-title-of",
            &[("course", course.code.as_str().into())],
        )),
        course_id: id.clone(),
        course: format!("{} · {}", course.code, course.title),
        columns: Vec::new(),
        held: 0,
        rows: Vec::new(),
        total_rate: String::new(),
        chart: RollChart::new([]),
        problem: None,
    };
    let report = state
        .api
        .reports()
        .get_course_report(viewer.req(GetCourseReportRequest {
            course: course.name.clone(),
            ..Default::default()
        }))
        .await;
    let report = match report {
        Ok(r) => r.into_inner(),
        Err(status) => {
            page.problem = Some(in_place(&status)?);
            return Ok(render(&page));
        }
    };
    page.held = report
        .sessions
        .iter()
        .filter(|s| s.state == SessionState::Closed as i32)
        .count();
    page.columns = report
        .sessions
        .iter()
        .map(|s| Column {
            id: id_of(&s.name).to_string(),
            day: short_day(s.start_time.as_ref(), tz),
            title: crate::view::date_time(s.start_time.as_ref(), tz),
        })
        .collect();
    page.rows = report
        .rows
        .iter()
        .map(|r| {
            let student = r.student.clone().unwrap_or_default();
            let counts = r.counts.unwrap_or_default();
            let warning = r.warning.clone().unwrap_or_default();
            Row {
                name: student.display_name,
                number: student.student_number,
                cells: r
                    .statuses
                    .iter()
                    .map(|&s| Cell {
                        label: status_label(s),
                        class: status_class(s),
                        short: short(s),
                    })
                    .collect(),
                rate: percent(counts.attendance_rate),
                present: counts.present,
                late: counts.late,
                excused: counts.excused,
                absent: counts.absent,
                warning: match WarningLevel::try_from(warning.level) {
                    Ok(WarningLevel::Over) => "over",
                    Ok(WarningLevel::Near) => "near",
                    _ => "",
                },
                reasons: warning.reasons.join("; "),
            }
        })
        .collect();
    page.total_rate = report
        .totals
        .as_ref()
        .map(|t| percent(t.attendance_rate))
        .unwrap_or_default();
    let labels = report
        .sessions
        .iter()
        .map(|s| short_day(s.start_time.as_ref(), tz));
    page.chart = RollChart::new(labels.zip(report.session_counts.iter().cloned()));
    Ok(render(&page))
}

/// One letter per status, for the dense matrix.
fn short(status: i32) -> String {
    match status_class(status) {
        "present" => crate::lang::t("report-short-present"),
        "late" => crate::lang::t("report-short-late"),
        "excused" => crate::lang::t("report-short-excused"),
        "absent" => crate::lang::t("report-short-absent"),
        _ => "·".into(),
    }
}

pub async fn export_csv(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    export(&state, &viewer, &id, ExportFormat::Csv).await
}

/// CSV as French (and most European) Excel opens it: `;`, decimal commas, a BOM.
pub async fn export_csv_semicolon(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    export(&state, &viewer, &id, ExportFormat::CsvSemicolon).await
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    Staff(viewer): Staff,
    Path(id): Path<String>,
) -> PageResult<Response> {
    export(&state, &viewer, &id, ExportFormat::Xlsx).await
}

/// Streams the file through as the API sends it; the first chunk carries its
/// type and name.
async fn export(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    format: ExportFormat,
) -> PageResult<Response> {
    let course = viewer.name("courses", id)?;
    let mut chunks = state
        .api
        .reports()
        .export_course_report(viewer.req(ExportCourseReportRequest {
            course,
            format: format as i32,
            ..Default::default()
        }))
        .await
        .map_err(|status| viewer.lookup(status))?
        .into_inner();
    let first = match chunks.next().await {
        Some(Ok(first)) => first,
        Some(Err(status)) => return Err(viewer.lookup(status)),
        None => Default::default(),
    };
    let (fallback_type, extension) = match format {
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => ("text/csv; charset=utf-8", "csv"),
    };
    let content_type = if first.content_type.is_empty() {
        fallback_type.to_string()
    } else {
        first.content_type.clone()
    };
    let disposition = attachment_disposition(&first.filename, &format!("report.{extension}"));
    let rest = chunks.map(|c| {
        c.map(|c| axum::body::Bytes::from(c.chunk))
            .map_err(|status| std::io::Error::other(status.message().to_string()))
    });
    let body =
        futures::stream::once(async move { Ok(axum::body::Bytes::from(first.chunk)) }).chain(rest);
    let content_type =
        header::HeaderValue::from_str(&content_type).map_err(|_| PageError::not_found())?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use classtrack_proto::v1::{AttendanceStatus, RollCounts};

    #[test]
    fn the_matrix_and_chart_render_with_escaped_names() {
        let counts = RollCounts {
            enrolled: 2,
            present: 1,
            absent: 1,
            ..Default::default()
        };
        let page = ReportPage {
            l: Layout::bare("Report"),
            course_id: "1".into(),
            course: "CS101 · Programming".into(),
            columns: vec![Column {
                id: "7".into(),
                day: "5 Jan".into(),
                title: "Mon 5 Jan 2026, 09:00".into(),
            }],
            held: 1,
            rows: vec![Row {
                name: "<b>Ana</b>".into(),
                number: "2026001".into(),
                cells: vec![Cell {
                    label: status_label(AttendanceStatus::Present as i32),
                    class: status_class(AttendanceStatus::Present as i32),
                    short: short(AttendanceStatus::Present as i32),
                }],
                rate: "100%".into(),
                present: 1,
                late: 0,
                excused: 0,
                absent: 0,
                warning: "near",
                reasons: "1 absence (limit 2)".into(),
            }],
            total_rate: "50%".into(),
            chart: RollChart::new([("5 Jan".to_string(), counts)]),
            problem: None,
        };
        let html = page.render().unwrap();
        assert!(html.contains("&#60;b&#62;Ana&#60;/b&#62;") || html.contains("&lt;b&gt;Ana"));
        assert!(!html.contains("<b>Ana</b>"));
        assert!(html.contains(r#"class="cell status-present""#));
        assert!(html.contains(r#"class="seg present""#));
        assert!(html.contains("Near limit"));
    }
}
