//! ExportCourseReport: the course report as CSV or XLSX, streamed in chunks.

use chrono::{DateTime, Utc};
use classtrack_core::rates::Level;
use classtrack_core::spreadsheet::text_cell;
use classtrack_core::AttendanceStatus;
use classtrack_proto::v1;
use classtrack_store::reports::{self as store_reports, Matrix};
use tokio::sync::mpsc;
use tonic::{Request, Status};

use super::report::{range, report_rows, Row};
use crate::access::require_course_staff;
use crate::error::{ApiError, ApiResult};
use crate::services::courses::load_course;
use crate::state::State;

pub(super) type Stream<T> = tokio_stream::wrappers::ReceiverStream<Result<T, Status>>;

const CHUNK: usize = 64 * 1024;

/// The words of an export in the caller's language (`export-*` in
/// `crates/i18n/locales/<lang>/api.ftl`; in English the column names and
/// values scripts have always read: `student_number`, `present`, …).
struct Words {
    /// student number, username, display name.
    people: [String; 3],
    /// present, late, excused, absent, rate, warning.
    summary: [String; 6],
    /// A status per `AttendanceStatus::ALL`.
    statuses: [String; 4],
    near_limit: String,
    over_limit: String,
    /// The Sessions sheet: title, start, end, zone.
    sessions: [String; 4],
}

impl Words {
    fn of(locale: classtrack_i18n::Locale) -> Self {
        let t = |key: &str| classtrack_i18n::text(locale, key, &[]);
        Self {
            people: [
                t("api-export-student-number"),
                t("api-export-username"),
                t("api-export-display-name"),
            ],
            summary: [
                t("api-export-present"),
                t("api-export-late"),
                t("api-export-excused"),
                t("api-export-absent"),
                t("api-export-rate-percent"),
                t("api-export-warning"),
            ],
            statuses: AttendanceStatus::ALL
                .map(|s| t(&format!("api-export-status-{}", s.as_str()))),
            near_limit: t("api-export-near-limit"),
            over_limit: t("api-export-over-limit"),
            sessions: [
                t("api-export-session-title"),
                t("api-export-session-start"),
                t("api-export-session-end"),
                t("api-export-session-zone"),
            ],
        }
    }

    fn status(&self, s: Option<AttendanceStatus>) -> &str {
        s.and_then(|s| AttendanceStatus::ALL.iter().position(|x| *x == s))
            .map_or("", |i| &self.statuses[i])
    }

    fn level(&self, l: Level) -> &str {
        match l {
            Level::None => "",
            Level::Near => &self.near_limit,
            Level::Over => &self.over_limit,
        }
    }
}

/// A session's start or end in its course's zone, as a spreadsheet date.
fn local(at_ms: i64, zone: chrono_tz::Tz) -> chrono::NaiveDateTime {
    DateTime::<Utc>::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .naive_local()
}

/// Streams the report: CSV row by row in 64 KiB chunks; XLSX is assembled by
/// rust_xlsxwriter in constant-memory mode and then sent in chunks.
pub(super) async fn export(
    s: &State,
    req: Request<v1::ExportCourseReportRequest>,
) -> ApiResult<Stream<v1::ExportCourseReportResponse>> {
    let caller = s.caller(&req).await?;
    let r = req.into_inner();
    let format = match v1::ExportFormat::try_from(r.format) {
        Ok(v1::ExportFormat::Csv) | Ok(v1::ExportFormat::Unspecified) => v1::ExportFormat::Csv,
        Ok(v1::ExportFormat::Xlsx) => v1::ExportFormat::Xlsx,
        Ok(v1::ExportFormat::CsvSemicolon) => v1::ExportFormat::CsvSemicolon,
        Err(_) => {
            return Err(ApiError::invalid(
                "format",
                "choose csv, csv_semicolon or xlsx",
            ))
        }
    };
    let (from, to) = range(r.start_time.as_ref(), r.end_time.as_ref())?;
    let mut conn = s.store.acquire().await?;
    let course = load_course(&mut conn, &caller, "course", &r.course).await?;
    require_course_staff(&mut conn, &caller, course.id).await?;
    let m = store_reports::course_matrix(&mut conn, &course, from, to).await?;
    drop(conn);
    let now = s.now_ms();
    let zone: chrono_tz::Tz = course.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let words = Words::of(crate::language::current());
    // Each session's column names its start in the course's zone, and the zone.
    let headers: Vec<String> = m
        .sessions
        .iter()
        .map(|x| {
            let start = local(x.start_at, zone);
            format!(
                "{} ({}) {}",
                start.format("%Y-%m-%d %H:%M"),
                zone.name(),
                x.title
            )
            .trim()
            .to_string()
        })
        .collect();
    let (tx, rx) = mpsc::channel(8);
    let safe_code: String = course
        .code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let (content_type, filename) = match format {
        v1::ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{safe_code}-attendance.xlsx"),
        ),
        v1::ExportFormat::CsvSemicolon => (
            "text/csv; charset=utf-8",
            format!("{safe_code}-attendance-excel.csv"),
        ),
        _ => (
            "text/csv; charset=utf-8",
            format!("{safe_code}-attendance.csv"),
        ),
    };
    let rules = course.absence_rules;
    tokio::task::spawn_blocking(move || {
        let rows = report_rows(&m, &rules, now);
        let mut first = true;
        let mut send = |bytes: Vec<u8>| {
            let msg = v1::ExportCourseReportResponse {
                chunk: bytes,
                content_type: if first {
                    content_type.to_string()
                } else {
                    String::new()
                },
                filename: if first {
                    filename.clone()
                } else {
                    String::new()
                },
            };
            first = false;
            tx.blocking_send(Ok(msg)).is_ok()
        };
        let result = match format {
            v1::ExportFormat::Xlsx => xlsx(&m, &rows, &headers, &words, zone)
                .map(|bytes| {
                    for c in bytes.chunks(CHUNK) {
                        if !send(c.to_vec()) {
                            break;
                        }
                    }
                })
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
            v1::ExportFormat::CsvSemicolon => {
                csv_rows(&m, &rows, &headers, &words, CsvStyle::SEMICOLON, &mut send)
            }
            _ => csv_rows(&m, &rows, &headers, &words, CsvStyle::COMMA, &mut send),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "export failed");
            let _ = tx.blocking_send(Err(Status::internal(
                "the export failed; it has been logged",
            )));
        }
    });
    Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
}

/// How a CSV is written: what separates values and decimals, and whether
/// it begins with a byte-order mark (without one, Excel reads UTF-8 as the
/// Windows code page: "Ã‰lodie").
#[derive(Clone, Copy)]
struct CsvStyle {
    delimiter: u8,
    decimal: char,
    bom: bool,
}

impl CsvStyle {
    const COMMA: Self = Self {
        delimiter: b',',
        decimal: '.',
        bom: false,
    };
    const SEMICOLON: Self = Self {
        delimiter: b';',
        decimal: ',',
        bom: true,
    };
}

/// The rate as a percentage with one decimal, as the XLSX shows it.
fn percent(rate: f64, decimal: char) -> String {
    let text = format!("{:.1}", (rate * 1000.0).round() / 10.0);
    if decimal == '.' {
        text
    } else {
        text.replace('.', &decimal.to_string())
    }
}

fn summary(row: &Row, words: &Words, style: CsvStyle) -> [String; 6] {
    let t = &row.tally;
    [
        t.present.to_string(),
        t.late.to_string(),
        t.excused.to_string(),
        t.absent.to_string(),
        percent(t.rate, style.decimal),
        words.level(row.warning.level).to_string(),
    ]
}

/// Hands the CSV to the stream in chunks as it is written.
struct ChunkSink<'a> {
    buf: Vec<u8>,
    send: &'a mut dyn FnMut(Vec<u8>) -> bool,
}

impl std::io::Write for ChunkSink<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK && !(self.send)(std::mem::take(&mut self.buf)) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client left",
            ));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn csv_rows(
    m: &Matrix,
    rows: &[Row],
    headers: &[String],
    words: &Words,
    style: CsvStyle,
    send: &mut dyn FnMut(Vec<u8>) -> bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut buf = Vec::with_capacity(CHUNK * 2);
    if style.bom {
        buf.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(style.delimiter)
        .from_writer(ChunkSink { buf, send });
    let mut head = words.people.to_vec();
    head.extend(headers.iter().map(|h| text_cell(h).into_owned()));
    head.extend(words.summary.iter().cloned());
    w.write_record(&head)?;
    for ((student, _), row) in m.students.iter().zip(rows) {
        let mut record = vec![
            text_cell(student.student_number.as_deref().unwrap_or_default()).into_owned(),
            text_cell(&student.username).into_owned(),
            text_cell(&student.display_name).into_owned(),
        ];
        record.extend(row.statuses.iter().map(|s| words.status(*s).to_string()));
        record.extend(summary(row, words, style));
        w.write_record(&record)?;
    }
    w.flush()?;
    let sink = w.into_inner().map_err(|e| e.to_string())?;
    if !sink.buf.is_empty() {
        (sink.send)(sink.buf);
    }
    Ok(())
}

fn xlsx(
    m: &Matrix,
    rows: &[Row],
    headers: &[String],
    words: &Words,
    zone: chrono_tz::Tz,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name("Attendance")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let percent_format = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    let head = words
        .people
        .iter()
        .cloned()
        .chain(headers.iter().cloned())
        .chain(words.summary.iter().cloned());
    for (col, h) in (0u16..).zip(head) {
        sheet.write_string_with_format(0, col, h, &bold)?;
    }
    for (i, ((student, _), row)) in m.students.iter().zip(rows).enumerate() {
        let r = (i + 1) as u32;
        sheet.write_string(r, 0, student.student_number.clone().unwrap_or_default())?;
        sheet.write_string(r, 1, &student.username)?;
        sheet.write_string(r, 2, &student.display_name)?;
        let mut c = 3u16;
        for st in &row.statuses {
            sheet.write_string(r, c, words.status(*st))?;
            c += 1;
        }
        let t = &row.tally;
        for n in [t.present, t.late, t.excused, t.absent] {
            sheet.write_number(r, c, f64::from(n))?;
            c += 1;
        }
        // The same figure as the CSV's, as a number formatted as a percentage.
        sheet.write_number_with_format(
            r,
            c,
            (t.rate * 1000.0).round() / 1000.0,
            &percent_format,
        )?;
        sheet.write_string(r, c + 1, words.level(row.warning.level))?;
    }
    // The sessions, their times as real dates in the course's zone.
    let sessions = book.add_worksheet();
    sessions.set_name("Sessions")?;
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (col, h) in (0u16..).zip(&words.sessions) {
        sessions.write_string_with_format(0, col, h, &bold)?;
    }
    for (i, x) in m.sessions.iter().enumerate() {
        let r = (i + 1) as u32;
        sessions.write_string(r, 0, &x.title)?;
        sessions.write_datetime_with_format(r, 1, local(x.start_at, zone), &date)?;
        sessions.write_datetime_with_format(r, 2, local(x.end_at, zone), &date)?;
        sessions.write_string(r, 3, zone.name())?;
    }
    sessions.set_column_width(1, 17)?;
    sessions.set_column_width(2, 17)?;
    book.save_to_buffer()
}
