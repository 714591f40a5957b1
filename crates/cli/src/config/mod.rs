//! The server's settings. One table, [`SETTINGS`], gives each setting its key
//! in `classtrack.toml`, its environment variable, its flag and its default;
//! docs/configuration.md lists the same table (a test compares them).
//!
//! Values are layered: defaults < file < `CLASSTRACK_*` environment < flags.
//! Every value is checked when it is read, and an error names where the bad
//! value came from (the flag, the variable, or the file and the key), so a
//! typo is a one-line error at start rather than a silent default. Each
//! resolved value remembers its source, which `classtrack config` prints.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches};

mod settings;
pub use settings::{DEFAULT_LOG, SETTINGS};

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
    fn includes(self, command: For) -> bool {
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
        let mut from_file = match file {
            Some(path) => read_file(path, command)?,
            None => BTreeMap::new(),
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

/// Reads a configuration file into raw values per key, checking that every
/// key is known and of the right type.
fn read_file(path: &Path, command: For) -> anyhow::Result<BTreeMap<&'static str, Vec<String>>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let at = line.map_or(String::new(), |l| format!(" (line {l})"));
        anyhow!(
            "{}{at}: not valid TOML: {}",
            path.display(),
            e.message().trim().replace('\n', "; ")
        )
    })?;
    let mut flat = Vec::new();
    flatten("", &table, &mut flat);
    let mut values = BTreeMap::new();
    for (key, value) in flat {
        if !SETTINGS.iter().any(|s| s.key == key) {
            bail!(
                "{}: unknown key {key} (the keys are listed in docs/configuration.md; \
                 `classtrack config` shows them)",
                path.display()
            );
        }
        // A key of another command (e.g. api_url for `serve`) is ignored, so
        // that one file can serve both.
        let Some(s) = settings_of(command).find(|s| s.key == key) else {
            continue;
        };
        let raw = from_toml(s, value).map_err(|e| anyhow!("{}: key {key}: {e}", path.display()))?;
        values.insert(s.key, raw);
    }
    Ok(values)
}

fn flatten<'a>(prefix: &str, table: &'a toml::Table, out: &mut Vec<(String, &'a toml::Value)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            v => out.push((key, v)),
        }
    }
}

fn from_toml(s: &Setting, value: &toml::Value) -> Result<Vec<String>, String> {
    let found = value.type_str();
    match (s.kind, value) {
        (Kind::Count, toml::Value::Integer(n)) => Ok(vec![n.to_string()]),
        (Kind::Count, _) => Err(format!("expected a whole number, found a {found}")),
        (Kind::Bool, toml::Value::Boolean(b)) => Ok(vec![b.to_string()]),
        (Kind::Bool, _) => Err(format!("expected true or false, found a {found}")),
        (Kind::List, toml::Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(t) => Ok(t.clone()),
                other => Err(format!(
                    "expected an array of strings, found a {} in it",
                    other.type_str()
                )),
            })
            .collect(),
        (Kind::List, _) => Err(format!(
            "expected an array of strings such as [\"10.0.0.0/8\"], found a {found}"
        )),
        (Kind::Duration, toml::Value::String(t)) => Ok(vec![t.clone()]),
        (Kind::Duration, _) => Err(format!(
            "expected a duration in a string such as \"15m\", found a {found}"
        )),
        (_, toml::Value::String(t)) => Ok(vec![t.clone()]),
        (_, _) => Err(format!("expected a string, found a {found}")),
    }
}

/// The table of docs/configuration.md, one row per setting.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Key | Default | Variable | Flag | Commands | What it does |\n\
         |-----|---------|----------|------|----------|--------------|\n",
    );
    for s in SETTINGS {
        let default = match (s.default, s.kind) {
            (None, _) => "unset".to_string(),
            (Some(d), Kind::List | Kind::Bool | Kind::Count) => format!("`{d}`"),
            (Some(d), _) => format!("`\"{d}\"`"),
        };
        let flag = match (s.flag, s.kind) {
            (None, _) => "—".to_string(),
            (Some(f), Kind::Bool) => format!("`--{f}`"),
            (Some(f), Kind::List) => format!("`--{f}` (repeatable)"),
            (Some(f), _) => format!("`--{f}`"),
        };
        let commands = match s.commands {
            For::Server => "serve, api",
            For::Web => "web",
            For::Both => "serve, api, web",
        };
        out.push_str(&format!(
            "| `{}` | {default} | `{}` | {flag} | {commands} | {} |\n",
            s.key,
            s.env,
            s.help.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod docs {
    #[test]
    fn docs_configuration_md_lists_every_setting_as_the_code_has_it() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
        let page = std::fs::read_to_string(path).expect("docs/configuration.md");
        let table = super::markdown_table();
        assert!(
            page.contains(&table),
            "docs/configuration.md's table of settings differs from config::SETTINGS; \
             the table should read:\n\n{table}"
        );
    }
}
