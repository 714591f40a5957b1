//! Presentation: the page frame, times in local words, labels for API enums,
//! and the geometry of the server-rendered SVG charts.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use classtrack_i18n::{format, Arg, Locale};
use classtrack_proto::v1::{AttendanceStatus, Role, RollCounts, Session, SessionState};
use prost_types::Timestamp;

use crate::lang;

/// The frame around every page: title, who is logged in, navigation, the CSRF
/// token for forms in the frame (logout) and a one-shot message.
#[derive(Debug)]
pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub role: &'static str,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub flash: Option<String>,
    /// `wide` (tables), `narrow` (forms), `projector`.
    pub shape: &'static str,
    /// The page's language (`lang`, `dir`, the messages).
    pub locale: Locale,
    /// The page's path and query, where the language switcher comes back to.
    pub here: String,
}

/// The keys of the messages static/*.js show, handed to them by [`Layout::js_text`].
const JS_TEXT: &[&str] = &[
    "scanner-unsupported",
    "scanner-denied",
    "scanner-found",
    "location-blocked",
    "location-unavailable",
    "location-timeout",
    "location-unsupported",
    "location-finding",
    "location-found",
    "projector-closed",
];

/// One entry of the language switcher.
#[derive(Debug)]
pub struct LanguageLink {
    pub tag: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

#[derive(Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

impl Layout {
    /// A frame with no user (login, errors).
    pub fn bare(title: &str) -> Self {
        Self {
            title: title.to_string(),
            user_name: None,
            role: "",
            nav: Vec::new(),
            csrf: String::new(),
            flash: None,
            shape: "narrow",
            locale: lang::current(),
            here: lang::here(),
        }
    }

    /// The message `key` in the page's language (templates: `{{ l.t("login-title") }}`).
    pub fn t(&self, key: &str) -> String {
        classtrack_i18n::text(self.locale, key, &[])
    }

    /// The message `key` with one argument (templates: `{{ l.ta("roll-status-for", "name", r.name) }}`).
    pub fn ta<'a>(&self, key: &str, name: &str, value: impl Into<Arg<'a>>) -> String {
        classtrack_i18n::text(self.locale, key, &[(name, value.into())])
    }

    /// The message `key` with two arguments.
    pub fn ta2<'a, 'b>(
        &self,
        key: &str,
        first: (&str, impl Into<Arg<'a>>),
        second: (&str, impl Into<Arg<'b>>),
    ) -> String {
        classtrack_i18n::text(
            self.locale,
            key,
            &[(first.0, first.1.into()), (second.0, second.1.into())],
        )
    }

    /// The message `key` with a `$count` (plural forms come from Fluent: `{ $count -> … }`).
    pub fn tn(&self, key: &str, count: impl Into<Arg<'static>>) -> String {
        classtrack_i18n::text(self.locale, key, &[("count", count.into())])
    }

    /// The sentences the page's scripts show (camera, location, projector), as JSON for a
    /// `<script type="application/json" id="ct-text">` that static/*.js read.
    pub fn js_text(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = JS_TEXT
            .iter()
            // Named with `_` so that no message key shows in the page as such.
            .map(|key| (key.replace('-', "_"), self.t(key).into()))
            .collect();
        // `<` escaped so that no message can close the script element.
        serde_json::Value::Object(map)
            .to_string()
            .replace('<', "\\u003c")
    }

    pub fn lang(&self) -> &'static str {
        self.locale.tag()
    }

    pub fn dir(&self) -> &'static str {
        self.locale.dir()
    }

    /// The switcher: every language, each a link that sets it and comes back here.
    pub fn languages(&self) -> Vec<LanguageLink> {
        Locale::ALL
            .into_iter()
            .map(|l| LanguageLink {
                tag: l.tag(),
                name: l.native_name(),
                href: format!("/language?lang={}&next={}", l.tag(), url_encode(&self.here)),
                current: l == self.locale,
            })
            .collect()
    }

    pub fn shape(mut self, shape: &'static str) -> Self {
        self.shape = shape;
        self
    }
}

/// The navigation of a role, with `path` marking the current entry.
pub fn nav_for(role: Role, path: &str) -> Vec<NavItem> {
    let items: &[(&'static str, &'static str)] = match role {
        Role::Admin => &[
            ("/admin", "nav-overview"),
            ("/admin/users", "nav-users"),
            ("/courses", "nav-courses"),
            ("/sessions", "nav-sessions"),
            ("/justifications", "nav-justifications"),
            ("/admin/rejections", "nav-rejections"),
            ("/admin/audit", "nav-audit"),
            ("/admin/api-tokens", "nav-api-tokens"),
        ],
        Role::Professor => &[
            ("/courses", "nav-courses"),
            ("/sessions", "nav-sessions"),
            ("/justifications", "nav-justifications"),
        ],
        Role::Student => &[
            ("/student", "nav-check-in"),
            ("/history", "nav-history"),
            ("/justifications", "nav-justifications"),
        ],
        Role::Unspecified => &[],
    };
    let current = items
        .iter()
        .filter(|(href, _)| path == *href || path.starts_with(&format!("{href}/")))
        .map(|(href, _)| href.len())
        .max();
    items
        .iter()
        .map(|&(href, label)| NavItem {
            href,
            label: lang::t(label),
            current: Some(href.len()) == current
                && (path == href || path.starts_with(&format!("{href}/"))),
        })
        .collect()
}

pub fn render(page: &impl Template) -> Response {
    render_with_status(StatusCode::OK, page)
}

pub fn render_with_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                lang::t("page-could-not-be-shown"),
            )
                .into_response()
        }
    }
}

/// The form field name for a proto field path: its last part.
pub fn field_name(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// The element id for a proto field path, unique among a page's forms.
pub fn field_dom_id(path: &str) -> String {
    path.replace(['.', '[', ']'], "-")
}

pub fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub fn seconds_in_words(seconds: u64) -> String {
    match seconds {
        0..=1 => lang::t("duration-a-second"),
        2..=90 => lang::t_args("duration-seconds", &[("count", seconds.into())]),
        _ => lang::t_args(
            "duration-minutes",
            &[("count", seconds.div_ceil(60).into())],
        ),
    }
}

// ---- time ----

pub fn to_utc(ts: Option<&Timestamp>) -> Option<DateTime<Utc>> {
    let ts = ts?;
    Utc.timestamp_opt(ts.seconds, u32::try_from(ts.nanos).unwrap_or(0))
        .single()
}

pub fn to_timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

// Shown times are in the page's language (`classtrack_i18n::format`, CLDR through ICU4X);
// form inputs stay ISO (`input_date_time`, `parse_local`), as HTML wants them.

/// The wall-clock time of `ts` in `tz`.
fn local(ts: Option<&Timestamp>, tz: Tz) -> Option<NaiveDateTime> {
    to_utc(ts).map(|t| t.with_timezone(&tz).naive_local())
}

/// "Monday, 5 January 2026 at 10:00", "lundi 5 janvier 2026 à 10:00"
pub fn date_time(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::date_time(lang::current(), t))
        .unwrap_or_default()
}

/// "Mon 5 Jan", "lun. 5 janv."
pub fn day(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::weekday_day(lang::current(), t.date()))
        .unwrap_or_default()
}

/// "5 Jan", "5 janv."
pub fn short_day(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::day_month(lang::current(), t.date()))
        .unwrap_or_default()
}

/// "10:00" ("10:00 ص" in Arabic)
pub fn clock(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::time(lang::current(), t.time()))
        .unwrap_or_default()
}

/// "10:00:42"
pub fn clock_seconds(ts: Option<&Timestamp>, tz: Tz) -> String {
    local(ts, tz)
        .map(|t| format::time_seconds(lang::current(), t.time()))
        .unwrap_or_default()
}

/// `YYYY-MM-DD` and `HH:MM` for form inputs.
pub fn input_date_time(ts: Option<&Timestamp>, tz: Tz) -> (String, String) {
    to_utc(ts)
        .map(|t| {
            let local = t.with_timezone(&tz);
            (
                local.format("%Y-%m-%d").to_string(),
                local.format("%H:%M").to_string(),
            )
        })
        .unwrap_or_default()
}

/// A local date and time from form inputs, in `tz`.
pub fn parse_local(date: &str, time: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

pub fn zone(name: &str, fallback: Tz) -> Tz {
    name.parse().unwrap_or(fallback)
}

/// The zone a session's times are read in: its course's, else the site's (`site`).
pub fn session_zone(session: &Session, site: Tz) -> Tz {
    zone(&session.time_zone, site)
}

/// " (Europe/Paris)" after a time read in `tz` when that is not the site's zone, so that
/// nobody takes a course's 09:00 for their own; nothing when it is.
pub fn zone_label(tz: Tz, site: Tz) -> String {
    if tz == site {
        String::new()
    } else {
        format!(" ({})", tz.name())
    }
}

/// [`date_time`] in the zone named `zone_name` (a course's; the site's when empty), labelled
/// when that is not `site`.
pub fn zoned_date_time(ts: Option<&Timestamp>, zone_name: &str, site: Tz) -> String {
    let tz = zone(zone_name, site);
    format!("{}{}", date_time(ts, tz), zone_label(tz, site))
}

/// "09:00–10:30" of a session in its course's zone, labelled when that is not `site`.
pub fn session_hours(session: &Session, site: Tz) -> String {
    let tz = session_zone(session, site);
    format!(
        "{}–{}{}",
        clock(session.start_time.as_ref(), tz),
        clock(session.end_time.as_ref(), tz),
        zone_label(tz, site)
    )
}

// ---- labels ----

pub fn status_of(value: i32) -> AttendanceStatus {
    AttendanceStatus::try_from(value).unwrap_or(AttendanceStatus::Unspecified)
}

/// A status in the page's language.
pub fn status_label(value: i32) -> String {
    lang::t(match status_of(value) {
        AttendanceStatus::Present => "word-status-present",
        AttendanceStatus::Late => "word-status-late",
        AttendanceStatus::Excused => "word-status-excused",
        AttendanceStatus::Absent => "word-status-absent",
        AttendanceStatus::Unspecified => "word-status-none",
    })
}

/// CSS class (and stable machine word) of a status.
pub fn status_class(value: i32) -> &'static str {
    match status_of(value) {
        AttendanceStatus::Present => "present",
        AttendanceStatus::Late => "late",
        AttendanceStatus::Excused => "excused",
        AttendanceStatus::Absent => "absent",
        AttendanceStatus::Unspecified => "none",
    }
}

/// Statuses a professor may set by hand, as (value, label).
pub fn markable_statuses() -> Vec<(i32, String)> {
    [
        AttendanceStatus::Present,
        AttendanceStatus::Late,
        AttendanceStatus::Excused,
        AttendanceStatus::Absent,
    ]
    .into_iter()
    .map(|s| (s as i32, status_label(s as i32)))
    .collect()
}

pub fn role_of(value: i32) -> Role {
    Role::try_from(value).unwrap_or(Role::Unspecified)
}

/// A role in the page's language.
pub fn role_label(value: i32) -> String {
    match role_of(value) {
        Role::Admin => lang::t("word-role-admin"),
        Role::Professor => lang::t("word-role-professor"),
        Role::Student => lang::t("word-role-student"),
        Role::Unspecified => "—".into(),
    }
}

/// A session's state in the page's language.
pub fn state_label(value: i32) -> String {
    match SessionState::try_from(value).unwrap_or(SessionState::Unspecified) {
        SessionState::Scheduled => lang::t("word-state-scheduled"),
        SessionState::Open => lang::t("word-state-open"),
        SessionState::Closed => lang::t("word-state-closed"),
        SessionState::Cancelled => lang::t("word-state-cancelled"),
        SessionState::Unspecified => "—".into(),
    }
}

pub fn state_class(value: i32) -> &'static str {
    match SessionState::try_from(value).unwrap_or(SessionState::Unspecified) {
        SessionState::Scheduled => "scheduled",
        SessionState::Open => "open",
        SessionState::Closed => "closed",
        SessionState::Cancelled => "cancelled",
        SessionState::Unspecified => "none",
    }
}

/// `users/12` → `12`: the id part of a resource name, for URLs.
pub fn id_of(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// A rate (0.95) as a percentage in the page's language: "95%", "95 %".
pub fn percent(rate: f64) -> String {
    format::percent(lang::current(), rate)
}

// ---- charts ----

/// Horizontal bars of attendance rates, one per row (e.g. per course).
pub struct RateChart {
    pub height: u32,
    pub bars: Vec<RateBar>,
}

pub struct RateBar {
    pub label: String,
    pub value: String,
    pub y: u32,
    pub width: f64,
    pub class: &'static str,
}

/// Plot area width of a rate bar at 100 %.
pub const RATE_BAR_SPAN: f64 = 180.0;

impl RateChart {
    pub fn new(rows: impl IntoIterator<Item = (String, f64)>) -> Self {
        let bars: Vec<RateBar> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, rate))| {
                let rate = if rate.is_finite() {
                    rate.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                RateBar {
                    label,
                    value: percent(rate),
                    y: 10 + 34 * u32::try_from(i).unwrap_or(0),
                    width: (rate * RATE_BAR_SPAN).max(1.0),
                    class: if rate >= 0.8 {
                        "good"
                    } else if rate >= 0.6 {
                        "fair"
                    } else {
                        "poor"
                    },
                }
            })
            .collect();
        let height = 20 + 34 * u32::try_from(bars.len()).unwrap_or(0);
        Self { height, bars }
    }
}

/// Stacked columns of a roll per session: present, late, excused, absent.
pub struct RollChart {
    pub width: u32,
    pub columns: Vec<RollColumn>,
}

pub struct RollColumn {
    pub label: String,
    pub title: String,
    pub x: f64,
    pub width: f64,
    pub segments: Vec<Segment>,
}

pub struct Segment {
    pub y: f64,
    pub height: f64,
    pub class: &'static str,
}

/// Plot height of a full column.
pub const ROLL_PLOT_HEIGHT: f64 = 160.0;
const ROLL_TOP: f64 = 10.0;

impl RollChart {
    pub fn new(columns: impl IntoIterator<Item = (String, RollCounts)>) -> Self {
        let columns: Vec<(String, RollCounts)> = columns.into_iter().collect();
        let step = 44.0;
        let cols = columns
            .into_iter()
            .enumerate()
            .map(|(i, (label, c))| {
                let parts = [
                    (c.present, "present"),
                    (c.late, "late"),
                    (c.excused, "excused"),
                    (c.absent, "absent"),
                ];
                let total = f64::from(c.enrolled.max(parts.iter().map(|p| p.0).sum()).max(1));
                let mut bottom = ROLL_TOP + ROLL_PLOT_HEIGHT;
                let segments = parts
                    .iter()
                    .filter(|(n, _)| *n > 0)
                    .map(|&(n, class)| {
                        let height = f64::from(n) / total * ROLL_PLOT_HEIGHT;
                        bottom -= height;
                        Segment {
                            y: bottom,
                            height,
                            class,
                        }
                    })
                    .collect();
                RollColumn {
                    title: lang::t_args(
                        "chart-roll-column",
                        &[
                            ("session", label.as_str().into()),
                            ("present", c.present.into()),
                            ("late", c.late.into()),
                            ("excused", c.excused.into()),
                            ("absent", c.absent.into()),
                        ],
                    ),
                    label,
                    x: 48.0 + step * i as f64,
                    width: 28.0,
                    segments,
                }
            })
            .collect::<Vec<_>>();
        let width = 64 + 44 * u32::try_from(cols.len()).unwrap_or(0);
        Self {
            width,
            columns: cols,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_round_trip_through_forms() {
        let tz: Tz = "Europe/Lisbon".parse().unwrap();
        let at = parse_local("2026-07-01", "09:30", tz).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-07-01T08:30:00+00:00");
        let ts = to_timestamp(at);
        assert_eq!(
            input_date_time(Some(&ts), tz),
            ("2026-07-01".to_string(), "09:30".to_string())
        );
        assert_eq!(clock(Some(&ts), tz), "09:30");
        assert!(parse_local("2026-13-01", "09:30", tz).is_none());
        assert!(parse_local("2026-01-01", "9h", tz).is_none());
    }

    #[tokio::test]
    async fn shown_times_follow_the_page_and_name_a_zone_not_the_sites() {
        use crate::lang::{scope, PageContext};
        let site: Tz = "UTC".parse().unwrap();
        let session = Session {
            time_zone: "Europe/Paris".into(),
            start_time: Some(to_timestamp(
                parse_local("2026-12-01", "09:00", site).unwrap(),
            )),
            end_time: Some(to_timestamp(
                parse_local("2026-12-01", "10:30", site).unwrap(),
            )),
            ..Default::default()
        };
        assert_eq!(session_hours(&session, site), "10:00–11:30 (Europe/Paris)");
        let paris: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(session_hours(&session, paris), "10:00–11:30");
        let other = Session {
            time_zone: String::new(),
            ..session.clone()
        };
        assert_eq!(session_hours(&other, site), "09:00–10:30");
        let fr = PageContext {
            locale: std::cell::Cell::new(Locale::Fr),
            here: "/".into(),
        };
        let (when, rate) = scope(fr, async {
            (
                zoned_date_time(session.start_time.as_ref(), "Europe/Paris", site),
                percent(0.95),
            )
        })
        .await;
        assert_eq!(when, "mardi 1 décembre 2026 à 10:00 (Europe/Paris)");
        assert_eq!(rate, "95\u{202f}%");
        // Form inputs stay ISO whatever the language.
        assert_eq!(
            input_date_time(session.start_time.as_ref(), paris),
            ("2026-12-01".to_string(), "10:00".to_string())
        );
    }

    #[test]
    fn the_deepest_matching_nav_entry_is_current() {
        let nav = nav_for(Role::Admin, "/admin/users/3");
        let current: Vec<_> = nav.iter().filter(|n| n.current).map(|n| n.href).collect();
        assert_eq!(current, vec!["/admin/users"]);
    }

    #[test]
    fn rate_chart_scales_and_classifies() {
        let chart = RateChart::new([("A".into(), 1.0), ("B".into(), 0.5), ("C".into(), f64::NAN)]);
        assert_eq!(chart.bars[0].width, RATE_BAR_SPAN);
        assert_eq!(chart.bars[1].class, "poor");
        assert_eq!(chart.bars[2].value, "0%");
        assert_eq!(chart.height, 20 + 34 * 3);
    }

    #[test]
    fn roll_chart_stacks_to_the_enrolled_count() {
        let counts = RollCounts {
            enrolled: 4,
            present: 2,
            late: 1,
            absent: 1,
            ..Default::default()
        };
        let chart = RollChart::new([("Mon".to_string(), counts)]);
        let total: f64 = chart.columns[0].segments.iter().map(|s| s.height).sum();
        assert!((total - ROLL_PLOT_HEIGHT).abs() < 1e-9);
    }

    #[test]
    fn ids_come_from_resource_names() {
        assert_eq!(id_of("users/12"), "12");
        assert_eq!(id_of("courses/3/enrollments/9"), "9");
        assert_eq!(percent(0.756), "76%");
        assert_eq!(seconds_in_words(30), "30 seconds");
        assert_eq!(seconds_in_words(600), "10 minutes");
    }
}
