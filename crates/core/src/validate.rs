//! Field rules for what people type. Each violation names its field.
//!
//! Each check answers `Err` with a message for the person who typed the
//! value; [`Violations`] pairs it with the field's name.

/// One problem with one field of a request, sent back as a
/// google.rpc.BadRequest field violation of an `INVALID_ARGUMENT` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field's path in the request, e.g. `course.settings.geofence.latitude`
    /// or `skip_dates[2]`.
    pub field: String,
    /// What is wrong, in plain English for the person who typed it.
    pub message: String,
    /// The same as a message key and its arguments, when the check gave one: the API says
    /// it in the caller's language.
    pub problem: Option<Problem>,
}

impl FieldViolation {
    /// The violation of `field` described by `message` (English only).
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            problem: None,
        }
    }

    /// The violation of `field` described by `problem` (in every language).
    pub fn of(field: impl Into<String>, problem: Problem) -> Self {
        Self {
            field: field.into(),
            message: problem.to_string(),
            problem: Some(problem),
        }
    }
}

/// A sentence of the API's Fluent files: its message key with its arguments. What is wrong
/// with a value (`api-field-…`, `api-password-…`), or why a request is refused
/// (`api-error-…`, carried by the API's errors). `Display` says it in English; the API says it
/// in the caller's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The message key.
    pub key: &'static str,
    /// The message's arguments by name.
    pub args: Vec<(&'static str, ProblemArg)>,
}

/// One argument of a [`Problem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemArg {
    /// Text, such as the value that was refused.
    Text(String),
    /// A number (plural forms follow it).
    Number(i64),
    /// Sentences of their own, said in the same language and joined by spaces (the advice
    /// after a refused password).
    Sentences(Vec<Problem>),
}

impl Problem {
    /// The problem `key`, without arguments yet.
    pub const fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// With the number `value` as `name`.
    pub fn number(mut self, name: &'static str, value: impl TryInto<i64>) -> Self {
        self.args.push((
            name,
            ProblemArg::Number(value.try_into().unwrap_or(i64::MAX)),
        ));
        self
    }

    /// With the text `value` as `name`.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, ProblemArg::Text(value.into())));
        self
    }

    /// With the sentences `value`, said in the same language, as `name`.
    pub fn sentences(mut self, name: &'static str, value: Vec<Problem>) -> Self {
        self.args.push((name, ProblemArg::Sentences(value)));
        self
    }

    /// The sentence in `locale`.
    pub fn text_in(&self, locale: classtrack_i18n::Locale) -> String {
        let said: Vec<Option<String>> = self
            .args
            .iter()
            .map(|(_, value)| match value {
                ProblemArg::Sentences(all) => Some(
                    all.iter()
                        .map(|p| p.text_in(locale))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => None,
            })
            .collect();
        let args: Vec<(&str, classtrack_i18n::Arg<'_>)> = self
            .args
            .iter()
            .zip(&said)
            .map(|((name, value), said)| {
                (
                    *name,
                    match (value, said) {
                        (ProblemArg::Text(t), _) => classtrack_i18n::Arg::Str(t),
                        (ProblemArg::Number(n), _) => classtrack_i18n::Arg::Num(*n as f64),
                        (ProblemArg::Sentences(_), said) => {
                            classtrack_i18n::Arg::Str(said.as_deref().unwrap_or_default())
                        }
                    },
                )
            })
            .collect();
        classtrack_i18n::text(locale, self.key, &args)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(classtrack_i18n::Locale::En))
    }
}

impl From<Problem> for String {
    fn from(p: Problem) -> String {
        p.to_string()
    }
}

/// Collects violations while checking a request.
#[derive(Debug, Default)]
pub struct Violations(pub Vec<FieldViolation>);

impl Violations {
    /// Notes that `field` is wrong, and how.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldViolation::new(field, message));
    }

    /// Notes that `field` is wrong, as `problem` says.
    pub fn problem(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.push(FieldViolation::of(field, problem));
    }

    /// Notes `result`'s problem against `field` if it is an `Err` (the
    /// result of one of this module's checks).
    pub fn check(&mut self, field: &str, result: Result<(), Problem>) {
        if let Err(p) = result {
            self.problem(field, p);
        }
    }

    /// Notes `result`'s English message against `field` if it is an `Err`.
    pub fn check_text(&mut self, field: &str, result: Result<(), String>) {
        if let Err(m) = result {
            self.add(field, m);
        }
    }

    /// Adds violations found elsewhere (e.g. [`SettingsOverrides::validate`](crate::settings::SettingsOverrides::validate)).
    pub fn extend(&mut self, more: Vec<FieldViolation>) {
        self.0.extend(more);
    }

    /// Whether nothing is wrong so far.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing is wrong, else every violation, in the order found.
    pub fn into_result(self) -> Result<(), Vec<FieldViolation>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

fn length(value: &str, min: usize, max: usize) -> Result<(), Problem> {
    let n = value.chars().count();
    if n < min {
        Err(if min == 1 {
            Problem::new("api-field-empty")
        } else {
            Problem::new("api-field-too-short").number("min", min)
        })
    } else if n > max {
        Err(Problem::new("api-field-too-long")
            .number("max", max)
            .number("got", n))
    } else {
        Ok(())
    }
}

fn no_control(value: &str) -> Result<(), Problem> {
    if value.chars().any(char::is_control) {
        Err(Problem::new("api-field-control"))
    } else {
        Ok(())
    }
}

/// 3–64 of a–z, 0–9, '.', '_', '-'; starts with a letter or digit.
pub fn username(value: &str) -> Result<(), Problem> {
    length(value, 3, 64)?;
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let ok_start = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok_chars && ok_start {
        Ok(())
    } else {
        Err(Problem::new("api-field-username-chars"))
    }
}

/// A plausible email address, 3–254 characters: one '@', a local part of at
/// most 64 characters, a dotted domain, no spaces or `<>",;\`. Not checked
/// for delivery.
pub fn email(value: &str) -> Result<(), Problem> {
    length(value, 3, 254)?;
    let not_email = || Problem::new("api-field-not-email").text("value", short(value));
    let Some((local, domain)) = value.split_once('@') else {
        return Err(not_email());
    };
    let bad = local.is_empty()
        || local.len() > 64
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
        || domain.contains('@')
        || value.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';' | '\\')
        });
    if bad {
        Err(not_email())
    } else {
        Ok(())
    }
}

/// Any script, 1–200 characters, no control characters.
pub fn display_name(value: &str) -> Result<(), Problem> {
    if value.trim().is_empty() {
        return Err(Problem::new("api-field-empty"));
    }
    length(value, 1, 200)?;
    no_control(value)
}

/// Optional; up to 32 letters, digits and '-'.
pub fn student_number(value: &str) -> Result<(), Problem> {
    length(value, 0, 32)?;
    if value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(())
    } else {
        Err(Problem::new("api-field-student-number-chars"))
    }
}

/// 8–256 characters of anything (the API also judges a chosen password's
/// strength).
pub fn password(value: &str) -> Result<(), Problem> {
    length(value, 8, 256)
}

/// 2–32 of letters, digits, '.', '_', '-'.
pub fn course_code(value: &str) -> Result<(), Problem> {
    length(value, 2, 32)?;
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(())
    } else {
        Err(Problem::new("api-field-course-code-chars"))
    }
}

/// The longest free-text filter of a List call (a search query, an audit
/// action prefix): longer ones are refused before they reach the database,
/// whose LIKE would choke on them (SQLite: "LIKE pattern too complex").
pub const MAX_FILTER: usize = 100;

/// Free text on one line: required or not, up to `max` characters.
pub fn text(value: &str, required: bool, max: usize) -> Result<(), Problem> {
    if required && value.trim().is_empty() {
        return Err(Problem::new("api-field-empty"));
    }
    length(value, 0, max)?;
    no_control(value)
}

/// Free text that may span lines.
pub fn multiline(value: &str, max: usize) -> Result<(), Problem> {
    length(value, 0, max)?;
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Problem::new("api-field-control"));
    }
    Ok(())
}

/// An IANA time zone name such as "Europe/Lisbon".
pub fn time_zone(value: &str) -> Result<(), Problem> {
    value
        .parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| Problem::new("api-field-time-zone").text("value", short(value)))
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("ana.silva-2").is_ok());
        for bad in [
            "ab",
            "Ana",
            "ana silva",
            "'; DROP TABLE users;--",
            "_ana",
            "ána",
        ] {
            assert!(username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert!(email("ana@uni.example.edu").is_ok());
        for bad in [
            "ana",
            "ana@",
            "@uni.edu",
            "ana@uni",
            "a b@uni.edu",
            "ana@@uni.edu",
            "ana@uni..edu",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unicode_names_are_welcome() {
        assert!(display_name("José Ñúñez 王小明").is_ok());
        assert!(display_name("   ").is_err());
        assert!(display_name("a\u{0}b").is_err());
        assert!(display_name(&"x".repeat(201)).is_err());
    }
}
