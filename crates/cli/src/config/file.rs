//! Reading `classtrack.toml`: every key known (one of another command is
//! passed over, so that one file serves `serve` and `web`), every value of
//! its setting's type, and an error that names the file, the line or the
//! key.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};

use super::oidc::OidcEntry;
use super::{settings_of, For, Kind, Setting, SETTINGS};

/// What a configuration file gives: raw values per key, and its `[[oidc]]`
/// providers.
pub(super) type FileValues = (BTreeMap<&'static str, Vec<String>>, Vec<OidcEntry>);

/// Reads a configuration file into raw values per key, checking that every
/// key is known and of the right type, and its `[[oidc]]` tables (read for
/// the server only: the web tier asks the API which providers there are).
pub(super) fn read_file(path: &Path, command: For) -> anyhow::Result<FileValues> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
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
    let oidc = match table.remove("oidc") {
        Some(value) if For::Server.includes(command) => super::oidc::read(path, value)?,
        _ => Vec::new(),
    };
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
    Ok((values, oidc))
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
