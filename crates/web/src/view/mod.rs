//! Presentation: the page frame, labels for API enums in the page's language,
//! and small helpers for forms and URLs. Times in words are in [`time`], the
//! charts' geometry in [`charts`]; both are re-exported here.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use classtrack_i18n::{format, Arg, Locale};
use classtrack_proto::v1::{AttendanceStatus, Role, SessionState};

use crate::lang;

mod charts;
mod time;

pub use charts::*;
pub use time::*;

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

    /// The message `key` with two arguments (templates:
    /// `{{ l.ta2("admin-overview-here-of", "here", s.here, "enrolled", s.enrolled) }}`).
    pub fn ta2<'a, 'b>(
        &self,
        key: &str,
        first: &str,
        first_value: impl Into<Arg<'a>>,
        second: &str,
        second_value: impl Into<Arg<'b>>,
    ) -> String {
        classtrack_i18n::text(
            self.locale,
            key,
            &[(first, first_value.into()), (second, second_value.into())],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deepest_matching_nav_entry_is_current() {
        let nav = nav_for(Role::Admin, "/admin/users/3");
        let current: Vec<_> = nav.iter().filter(|n| n.current).map(|n| n.href).collect();
        assert_eq!(current, vec!["/admin/users"]);
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
