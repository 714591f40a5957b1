//! The server's settings. One table, [`SETTINGS`], gives each setting its key
//! in `classtrack.toml`, its environment variable, its flag and its default;
//! docs/configuration.md lists the same table (a test compares them).
//!
//! Values are layered: defaults < file < `CLASSTRACK_*` environment < flags.
//! Every value is checked when it is read, and an error names where the bad
//! value came from (the flag, the variable, or the file and the key), so a
//! typo is a one-line error at start rather than a silent default. Each
//! resolved value remembers its source, which `classtrack config` prints.
//!
//! The table itself is in `settings.rs`; reading the file in `file.rs`; the
//! table of docs/configuration.md, and its test, in `docs.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::anyhow;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches};

mod docs;
mod file;
mod oidc;
mod settings;
pub use docs::markdown_table;
pub use oidc::{markdown_table as oidc_markdown_table, OidcEntry, OIDC_KEYS};
pub use settings::{DEFAULT_LOG, SETTINGS};

use file::read_file;

/// The commands a setting belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    /// `serve` and `api` (and `config`, which shows what they would use).
    Server,
    /// `web`, the pages run apart from the API.
    Web,
    Both,
}

impl For {
    pub(crate) fn includes(self, command: For) -> bool {
        self == For::Both || self == command
    }
}

/// How a setting's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Text never printed: `classtrack config` shows `***`.
    Secret,
    /// A URL whose password, if any, is never printed.
    DatabaseUrl,
    Path,
    /// A whole number (at least 1).
    Count,
    /// A duration such as `15m`, `200ms` or `7d` (humantime).
    Duration,
    /// `true` or `false`; its flag sets [`Setting::switch`].
    Bool,
    /// Several values: an array in the file, comma-separated in the
    /// variable, a repeated flag.
    List,
}

/// A check of one value: `Err` says what is wrong with it.
pub type Check = fn(&str) -> Result<(), String>;

/// One setting.
#[derive(Debug)]
pub struct Setting {
    /// Key in `classtrack.toml`; a dot is a table (`[login_throttle]`).
    pub key: &'static str,
    pub env: &'static str,
    /// Long flag without its dashes, if it has one.
    pub flag: Option<&'static str>,
    /// For a boolean: the value its flag sets.
    pub switch: bool,
    /// The default as it would be written in the file; `None`: unset.
    pub default: Option<&'static str>,
    pub kind: Kind,
    pub commands: For,
    /// Extra check of each value beyond its kind.
    pub check: Option<Check>,
    pub help: &'static str,
}

/// The settings of one command.
pub fn settings_of(command: For) -> impl Iterator<Item = &'static Setting> {
    SETTINGS
        .iter()
        .filter(move |s| s.commands.includes(command))
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    fn parse(v: &str) -> Result<Self, String> {
        match v {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!("{v:?} is neither text nor json")),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Env(var) => f.write_str(var),
            Source::Flag(flag) => write!(f, "--{flag}"),
        }
    }
}

/// The flags of a command's settings, as given (see [`Flags::args`]).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    values: BTreeMap<&'static str, Vec<String>>,
}

impl Flags {
    /// Adds the command's setting flags to a clap command.
    pub fn args(cmd: clap::Command, command: For) -> clap::Command {
        cmd.args(settings_of(command).filter_map(|s| {
            let flag = s.flag?;
            let mut help = s.help.to_string();
            help.push_str(&format!(" [config: {}] [env: {}]", s.key, s.env));
            if let Some(d) = s.default.filter(|_| s.kind != Kind::Bool) {
                help.push_str(&format!(" [default: {d}]"));
            }
            let arg = Arg::new(s.key).long(flag).help(help);
            Some(match s.kind {
                Kind::Bool => arg.action(ArgAction::SetTrue),
                Kind::List => arg.action(ArgAction::Append).value_name("CIDR"),
                kind => arg.action(ArgAction::Set).value_name(match kind {
                    Kind::Path => "FILE",
                    Kind::Count => "N",
                    Kind::Duration => "DURATION",
                    Kind::DatabaseUrl => "URL",
                    _ => "VALUE",
                }),
            })
        }))
    }

    /// Reads the flags [`Flags::args`] added.
    pub fn from_matches(m: &ArgMatches, command: For) -> Self {
        let mut values = BTreeMap::new();
        for s in settings_of(command).filter(|s| s.flag.is_some()) {
            if m.value_source(s.key) != Some(ValueSource::CommandLine) {
                continue;
            }
            let given: Vec<String> = match s.kind {
                Kind::Bool => vec![s.switch.to_string()],
                _ => m
                    .get_many::<String>(s.key)
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default(),
            };
            values.insert(s.key, given);
        }
        Self { values }
    }

    /// Sets a flag as if given on the command line (tests).
    pub fn with(mut self, key: &'static str, values: &[&str]) -> Self {
        self.values
            .insert(key, values.iter().map(|v| v.to_string()).collect());
        self
    }
}

/// One resolved value.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub setting: &'static Setting,
    /// One element for a scalar; `None` when unset.
    pub value: Option<Vec<String>>,
    pub source: Source,
}

/// The effective configuration of a command.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub values: Vec<Resolved>,
    /// The file's `[[oidc]]` providers (docs/sso.md), for the server.
    pub oidc: Vec<OidcEntry>,
}

impl Config {
    /// Layers defaults < `file` < environment (read through `env`) < flags,
    /// checking every value.
    pub fn resolve(
        command: For,
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: &Flags,
    ) -> anyhow::Result<Self> {
        let (mut from_file, oidc) = match file {
            Some(path) => read_file(path, command)?,
            None => (BTreeMap::new(), Vec::new()),
        };
        let mut values = Vec::new();
        for s in settings_of(command) {
            let (value, source) = if let Some(v) = flags.values.get(s.key) {
                (Some(v.clone()), Source::Flag(s.flag.unwrap_or(s.key)))
            } else if let Some(v) = env(s.env).filter(|v| !v.is_empty()) {
                (Some(split_env(s, &v)), Source::Env(s.env))
            } else if let Some(v) = from_file.remove(s.key) {
                let path = file.map(Path::to_path_buf).unwrap_or_default();
                (Some(v), Source::File(path))
            } else {
                let value = s.default.map(|d| match s.kind {
                    Kind::List => Vec::new(),
                    _ => vec![d.to_string()],
                });
                (value, Source::Default)
            };
            if let Some(v) = &value {
                check(s, v).map_err(|e| anyhow!("{}: {e}", where_(s, &source)))?;
            }
            values.push(Resolved {
                setting: s,
                value,
                source,
            });
        }
        Ok(Self {
            file: file.map(Path::to_path_buf),
            values,
            oidc,
        })
    }

    /// From the process's environment and `CLASSTRACK_CONFIG` / `--config`.
    pub fn load(command: For, file: Option<&Path>, flags: &Flags) -> anyhow::Result<Self> {
        Self::resolve(command, file, |var| std::env::var(var).ok(), flags)
    }

    fn get(&self, key: &str) -> Option<&Resolved> {
        self.values.iter().find(|r| r.setting.key == key)
    }

    /// A scalar setting's text, if set.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|r| r.value.as_ref())
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn required(&self, key: &str) -> anyhow::Result<&str> {
        self.text(key)
            .ok_or_else(|| anyhow!("{key} is not set (nor {})", self.env_of(key)))
    }

    fn env_of(&self, key: &str) -> &'static str {
        self.get(key).map_or("", |r| r.setting.env)
    }

    pub fn string(&self, key: &str) -> anyhow::Result<String> {
        self.required(key).map(str::to_string)
    }

    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.text(key).map(PathBuf::from)
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(|r| r.value.clone())
            .unwrap_or_default()
    }

    pub fn duration(&self, key: &str) -> anyhow::Result<Duration> {
        parse_duration(self.required(key)?).map_err(|e| anyhow!("{key}: {e}"))
    }

    pub fn count(&self, key: &str) -> anyhow::Result<Option<u32>> {
        self.text(key)
            .map(|v| parse_count(v).map_err(|e| anyhow!("{key}: {e}")))
            .transpose()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.text(key) == Some("true")
    }

    pub fn log_format(&self) -> LogFormat {
        self.text("log_format")
            .and_then(|v| LogFormat::parse(v).ok())
            .unwrap_or(LogFormat::Text)
    }

    /// The configuration as TOML, secrets redacted, each value followed by
    /// where it came from.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match &self.file {
            Some(path) => out.push_str(&format!("# configuration file: {}\n", path.display())),
            None => out.push_str("# no configuration file (--config or CLASSTRACK_CONFIG)\n"),
        }
        let mut lines = Vec::new();
        for r in &self.values {
            let left = match &r.value {
                None => format!("# {} is not set", r.setting.key),
                Some(v) => format!("{} = {}", r.setting.key, shown(r.setting, v)),
            };
            lines.push((left, r.source.to_string()));
        }
        let width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        for (left, source) in lines {
            out.push_str(&format!("{left:width$}  # {source}\n"));
        }
        for provider in &self.oidc {
            out.push('\n');
            out.push_str(&provider.render());
        }
        out
    }
}

fn shown(s: &Setting, v: &[String]) -> String {
    let quote = |t: &str| toml::Value::String(t.to_string()).to_string();
    match s.kind {
        Kind::Secret => quote("***"),
        Kind::DatabaseUrl => quote(&crate::server::redact(v.first().map_or("", String::as_str))),
        Kind::List => format!(
            "[{}]",
            v.iter().map(|t| quote(t)).collect::<Vec<_>>().join(", ")
        ),
        Kind::Count | Kind::Bool => v.first().cloned().unwrap_or_default(),
        _ => quote(v.first().map_or("", String::as_str)),
    }
}

/// Where a setting's value came from, for an error message.
fn where_(s: &Setting, source: &Source) -> String {
    match source {
        Source::Default => format!("the default of {}", s.key),
        Source::File(path) => format!("{}: key {}", path.display(), s.key),
        Source::Env(var) => var.to_string(),
        Source::Flag(flag) => format!("--{flag}"),
    }
}

fn split_env(s: &Setting, v: &str) -> Vec<String> {
    match s.kind {
        Kind::List => v
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        _ => vec![v.to_string()],
    }
}

fn parse_duration(v: &str) -> Result<Duration, String> {
    humantime::parse_duration(v)
        .map_err(|e| format!("{v:?} is not a duration such as 15m, 200ms or 7d ({e})"))
}

fn parse_count(v: &str) -> Result<u32, String> {
    match v.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{v:?} is not a whole number of at least 1")),
    }
}

fn check(s: &Setting, v: &[String]) -> Result<(), String> {
    for item in v {
        match s.kind {
            Kind::Duration => {
                parse_duration(item)?;
            }
            Kind::Count => {
                parse_count(item)?;
            }
            Kind::Bool if item != "true" && item != "false" => {
                return Err(format!("{item:?} is neither true nor false"));
            }
            _ => {}
        }
        if let Some(check) = s.check {
            check(item)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
