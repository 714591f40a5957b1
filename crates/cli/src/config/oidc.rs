//! The `[[oidc]]` tables of `classtrack.toml`: one per OpenID Connect
//! provider (docs/sso.md). They are a list, so they are not in the flat
//! [`super::SETTINGS`]; [`OIDC_KEYS`] documents their keys in
//! docs/configuration.md the same way (a test compares them). The client
//! secret is never in the file: it comes from `client_secret_file` or the
//! provider's own environment variable ([`OidcEntry::secret_variable`]).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

/// One `[[oidc]]` table, as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcEntry {
    pub name: String,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    #[serde(default = "default_username_claim")]
    pub username_claim: String,
    #[serde(default = "default_display_name_claim")]
    pub display_name_claim: String,
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    #[serde(default)]
    pub student_number_claim: Option<String>,
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    #[serde(default)]
    pub admin_groups: Vec<String>,
    #[serde(default)]
    pub professor_groups: Vec<String>,
    #[serde(default = "yes")]
    pub roles_from_groups: bool,
    #[serde(default)]
    pub provision: bool,
    #[serde(default = "default_timeout")]
    pub timeout: String,
}

/// One key of an `[[oidc]]` table, for docs/configuration.md.
pub struct OidcKey {
    pub key: &'static str,
    /// As written in the file; `None`: required or unset (see `help`).
    pub default: Option<&'static str>,
    pub help: &'static str,
}

/// Every key of an `[[oidc]]` table.
pub const OIDC_KEYS: &[OidcKey] = &[
    OidcKey {
        key: "name",
        default: None,
        help: "Required. The provider's id: 1–64 lowercase letters, digits, - or _; in \
               /sso/NAME and in the identities table, so keep it once accounts are linked.",
    },
    OidcKey {
        key: "label",
        default: None,
        help: "Required. What the login page's button says after \"Log in with\", e.g. \
               Example University.",
    },
    OidcKey {
        key: "issuer",
        default: None,
        help: "Required. The issuer URL (https://; http:// only on this host); discovery reads \
               ISSUER/.well-known/openid-configuration.",
    },
    OidcKey {
        key: "client_id",
        default: None,
        help: "Required. The client (application) id registered at the provider.",
    },
    OidcKey {
        key: "client_secret_file",
        default: None,
        help: "A file holding the client secret (its first line). Or set \
               CLASSTRACK_OIDC_NAME_CLIENT_SECRET (NAME upper-cased, - as _). Neither: a \
               public client (PKCE only).",
    },
    OidcKey {
        key: "scopes",
        default: Some("[\"openid\", \"email\", \"profile\"]"),
        help: "The scopes asked for; openid is always asked.",
    },
    OidcKey {
        key: "username_claim",
        default: Some("preferred_username"),
        help: "The claim that is the ClassTrack username (lowercased; an email-like value \
               gives its part before @).",
    },
    OidcKey {
        key: "display_name_claim",
        default: Some("name"),
        help: "The claim that is the display name (the username when absent).",
    },
    OidcKey {
        key: "email_claim",
        default: Some("email"),
        help: "The claim that is the email address (required; refused when email_verified is \
               false).",
    },
    OidcKey {
        key: "student_number_claim",
        default: None,
        help: "The claim that is a student's number. Unset: not read.",
    },
    OidcKey {
        key: "groups_claim",
        default: Some("groups"),
        help: "The claim listing the person's groups (an array of strings, or one string).",
    },
    OidcKey {
        key: "admin_groups",
        default: Some("[]"),
        help: "Groups (values of groups_claim, compared without case) whose members are \
               administrators.",
    },
    OidcKey {
        key: "professor_groups",
        default: Some("[]"),
        help: "Groups whose members are professors. Everyone else is a student.",
    },
    OidcKey {
        key: "roles_from_groups",
        default: Some("true"),
        help: "Whether the groups set the role at every login. Off (a provider whose tokens \
               carry no groups, such as Google): new accounts are students and administrators \
               set roles in ClassTrack.",
    },
    OidcKey {
        key: "provision",
        default: Some("false"),
        help: "Whether a first login creates the account. Off: it must exist with the same \
               username or email, and is linked.",
    },
    OidcKey {
        key: "timeout",
        default: Some("5s"),
        help: "How long discovery and the token request may take.",
    },
];

fn yes() -> bool {
    true
}
fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}
fn default_username_claim() -> String {
    "preferred_username".into()
}
fn default_display_name_claim() -> String {
    "name".into()
}
fn default_email_claim() -> String {
    "email".into()
}
fn default_groups_claim() -> String {
    "groups".into()
}
fn default_timeout() -> String {
    "5s".into()
}

impl OidcEntry {
    /// The environment variable that may hold this provider's client secret.
    pub fn secret_variable(&self) -> String {
        format!(
            "CLASSTRACK_OIDC_{}_CLIENT_SECRET",
            self.name.to_uppercase().replace('-', "_")
        )
    }

    /// The client secret: from its file, or its variable (read through
    /// `env`), or none; both set is an error.
    pub fn client_secret(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Option<String>> {
        let variable = self.secret_variable();
        match (
            &self.client_secret_file,
            env(&variable).filter(|v| !v.is_empty()),
        ) {
            (Some(_), Some(_)) => bail!(
                "oidc provider {:?}: client_secret_file and {variable} are both set: give one",
                self.name
            ),
            (Some(path), None) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!(
                        "oidc provider {:?}: client_secret_file {}",
                        self.name,
                        path.display()
                    )
                })?;
                let secret = text.lines().next().unwrap_or_default().trim().to_string();
                if secret.is_empty() {
                    bail!(
                        "oidc provider {:?}: client_secret_file {} is empty",
                        self.name,
                        path.display()
                    );
                }
                Ok(Some(secret))
            }
            (None, Some(secret)) => Ok(Some(secret)),
            (None, None) => Ok(None),
        }
    }

    /// The table as `classtrack config` shows it (the secret's source only).
    pub fn render(&self) -> String {
        let quote = |t: &str| toml::Value::String(t.to_string()).to_string();
        let list = |v: &[String]| {
            format!(
                "[{}]",
                v.iter().map(|t| quote(t)).collect::<Vec<_>>().join(", ")
            )
        };
        let mut out = String::from("[[oidc]]\n");
        let mut line = |k: &str, v: String| out.push_str(&format!("{k} = {v}\n"));
        line("name", quote(&self.name));
        line("label", quote(&self.label));
        line("issuer", quote(&self.issuer));
        line("client_id", quote(&self.client_id));
        match &self.client_secret_file {
            Some(path) => line("client_secret_file", quote(&path.display().to_string())),
            None => out.push_str(&format!(
                "# client_secret_file is not set (the secret may be in {})\n",
                self.secret_variable()
            )),
        }
        let mut line = |k: &str, v: String| out.push_str(&format!("{k} = {v}\n"));
        line("scopes", list(&self.scopes));
        line("username_claim", quote(&self.username_claim));
        line("display_name_claim", quote(&self.display_name_claim));
        line("email_claim", quote(&self.email_claim));
        if let Some(c) = &self.student_number_claim {
            line("student_number_claim", quote(c));
        }
        line("groups_claim", quote(&self.groups_claim));
        line("admin_groups", list(&self.admin_groups));
        line("professor_groups", list(&self.professor_groups));
        line("roles_from_groups", self.roles_from_groups.to_string());
        line("provision", self.provision.to_string());
        line("timeout", quote(&self.timeout));
        out
    }
}

/// Reads the `[[oidc]]` array of a file's table, if it has one.
pub(super) fn read(path: &Path, value: toml::Value) -> anyhow::Result<Vec<OidcEntry>> {
    let shown = path.display();
    let toml::Value::Array(tables) = value else {
        bail!("{shown}: oidc must be an array of tables, written [[oidc]]");
    };
    let mut entries: Vec<OidcEntry> = Vec::new();
    for (i, table) in tables.into_iter().enumerate() {
        let entry: OidcEntry = table.try_into().map_err(|e: toml::de::Error| {
            anyhow!("{shown}: [[oidc]] number {}: {}", i + 1, e.message())
        })?;
        if entries.iter().any(|e| e.name == entry.name) {
            bail!(
                "{shown}: two [[oidc]] providers are named {:?}; names must differ",
                entry.name
            );
        }
        humantime::parse_duration(&entry.timeout).map_err(|e| {
            anyhow!(
                "{shown}: [[oidc]] {:?}: timeout {:?} is not a duration such as 5s ({e})",
                entry.name,
                entry.timeout
            )
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

/// The table of `[[oidc]]` keys in docs/configuration.md.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Key | Default | What it does |\n\
         |-----|---------|--------------|\n",
    );
    for k in OIDC_KEYS {
        let default = match k.default {
            None => "—".to_string(),
            Some(d) if d.starts_with('[') || d == "false" || d == "true" => format!("`{d}`"),
            Some(d) => format!("`\"{d}\"`"),
        };
        out.push_str(&format!(
            "| `{}` | {default} | {} |\n",
            k.key,
            k.help.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_configuration_md_lists_every_oidc_key_as_the_code_has_it() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
        let page = std::fs::read_to_string(path).expect("docs/configuration.md");
        let table = markdown_table();
        assert!(
            page.contains(&table),
            "docs/configuration.md's table of [[oidc]] keys differs from config::OIDC_KEYS; \
             the table should read:\n\n{table}"
        );
    }

    /// Every documented key is one the file may have, and every key the
    /// file may have is documented.
    #[test]
    fn the_documented_keys_are_the_accepted_keys() {
        let mut table = toml::Table::new();
        for k in OIDC_KEYS {
            let value = match k.key {
                "scopes" | "admin_groups" | "professor_groups" => {
                    toml::Value::Array(vec![toml::Value::String("x".into())])
                }
                "provision" | "roles_from_groups" => toml::Value::Boolean(true),
                _ => toml::Value::String("x".into()),
            };
            table.insert(k.key.to_string(), value);
        }
        let entry: OidcEntry = toml::Value::Table(table)
            .try_into()
            .expect("every documented key is accepted");
        let rendered = entry.render();
        for k in OIDC_KEYS {
            assert!(
                rendered.contains(&format!("{} = ", k.key)),
                "{} not rendered",
                k.key
            );
        }
    }

    #[test]
    fn the_secret_comes_from_its_file_or_its_variable_never_both() {
        let text = "[[oidc]]\nname = \"uni-sso\"\nlabel = \"Uni\"\nissuer = \"https://id.example\"\nclient_id = \"ct\"\n";
        let value: toml::Table = text.parse().expect("toml");
        let entries = read(Path::new("t.toml"), value["oidc"].clone()).expect("read");
        let entry = &entries[0];
        assert_eq!(
            entry.secret_variable(),
            "CLASSTRACK_OIDC_UNI_SSO_CLIENT_SECRET"
        );
        assert_eq!(entry.scopes, ["openid", "email", "profile"]);
        let from_env = entry
            .client_secret(|v| (v == "CLASSTRACK_OIDC_UNI_SSO_CLIENT_SECRET").then(|| "s3".into()))
            .expect("secret");
        assert_eq!(from_env.as_deref(), Some("s3"));
        assert_eq!(entry.client_secret(|_| None).expect("none"), None);
        let both = OidcEntry {
            client_secret_file: Some("/nonexistent".into()),
            ..entry.clone()
        };
        let err = both.client_secret(|_| Some("x".into())).expect_err("both");
        assert!(err.to_string().contains("both"), "{err}");
        assert!(!entry.render().contains("s3"));
    }

    #[test]
    fn a_bad_table_names_the_file_the_provider_and_the_key() {
        let text = "[[oidc]]\nname = \"a\"\nlabel = \"A\"\nissuer = \"https://a\"\nclient_id = \"c\"\nclient_secret = \"inline\"\n";
        let value: toml::Table = text.parse().expect("toml");
        let err = read(Path::new("t.toml"), value["oidc"].clone()).expect_err("unknown key");
        let err = err.to_string();
        assert!(
            err.contains("t.toml")
                && err.contains("[[oidc]] number 1")
                && err.contains("client_secret"),
            "{err}"
        );
        let text = "[[oidc]]\nname = \"a\"\nlabel = \"A\"\nissuer = \"https://a\"\nclient_id = \"c\"\n[[oidc]]\nname = \"a\"\nlabel = \"B\"\nissuer = \"https://b\"\nclient_id = \"c\"\n";
        let value: toml::Table = text.parse().expect("toml");
        let err = read(Path::new("t.toml"), value["oidc"].clone()).expect_err("twice");
        assert!(err.to_string().contains("names must differ"), "{err}");
    }
}
