//! Checking a password against an LDAP directory (OpenLDAP, Active
//! Directory): search the user's entry with a service account, read their
//! groups, then bind as the user. Always over TLS (LDAPS or StartTLS) unless
//! plain LDAP is explicitly allowed. docs/sso.md has the settings.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use classtrack_core::Role;
use ldap3::{ldap_escape, Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};

use crate::provisioning::{check_profile, role_from_groups};

/// The provider name of directory accounts in the `identities` table.
pub const PROVIDER: &str = "ldap";

/// LDAP's invalidCredentials result code.
const INVALID_CREDENTIALS: u32 = 49;

/// The directory's settings, as configured (`ldap.*` in classtrack.toml).
#[derive(Clone, Default)]
pub struct LdapSettings {
    /// `ldaps://host:636` or `ldap://host:389` (then `starttls` or `allow_plaintext`).
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    pub starttls: bool,
    /// Allow a plain `ldap://` connection without StartTLS (tests, a directory on this host).
    pub allow_plaintext: bool,
    /// PEM file of the CA(s) that signed the directory's certificate; the
    /// system's roots when unset.
    pub ca_file: Option<PathBuf>,
    /// The service account that searches the directory.
    pub bind_dn: String,
    /// Its password.
    pub bind_password: String,
    /// Where the people are searched (subtree).
    pub user_base: String,
    /// The search filter; `{login}` is replaced by what was typed, escaped.
    pub user_filter: String,
    /// The attribute that identifies the entry for good (`entryUUID`, AD's `objectGUID`).
    pub id_attribute: String,
    /// The attribute that is the ClassTrack username.
    pub username_attribute: String,
    /// The attribute that is the display name.
    pub display_name_attribute: String,
    /// The attribute that is the email address.
    pub email_attribute: String,
    /// The attribute that is the student number, if any.
    pub student_number_attribute: Option<String>,
    /// Where the groups are searched (subtree); groups are not read when unset.
    pub group_base: Option<String>,
    /// The group search filter; `{dn}` is replaced by the user's DN, escaped.
    pub group_filter: String,
    /// Members of these groups (DNs, or their first RDN such as `cn=admins`) are administrators.
    pub admin_groups: Vec<String>,
    /// Members of these groups are professors; everyone else is a student.
    pub professor_groups: Vec<String>,
    /// Whether a first login creates the account (else it must exist, with
    /// the same username or email, and is linked).
    pub provision: bool,
    /// How long the connection and each operation may take.
    pub timeout: Duration,
}

/// A configured directory, ready to check passwords.
pub struct Directory {
    settings: LdapSettings,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the service account's password.
        f.debug_struct("Directory")
            .field("url", &self.settings.url)
            .field("bind_dn", &self.settings.bind_dn)
            .field("user_base", &self.settings.user_base)
            .finish_non_exhaustive()
    }
}

/// Who the directory says a person is, mapped to ClassTrack's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// The permanent id (the id attribute's value).
    pub subject: String,
    /// The entry's DN (for the logs).
    pub dn: String,
    /// The ClassTrack username (lowercased).
    pub username: String,
    /// The display name.
    pub display_name: String,
    /// The email address (lowercased).
    pub email: String,
    /// The student number, if the attribute is mapped and set.
    pub student_number: Option<String>,
    /// The role from the groups.
    pub role: Role,
}

/// Why the directory did not say who someone is.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// No such person, a wrong password, an entry that cannot be mapped:
    /// the login is refused (the reason is logged, never sent).
    #[error("refused by the directory: {0}")]
    Refused(String),
    /// The directory cannot be reached, or does not answer as configured.
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
}

impl Directory {
    /// Checks the settings (TLS unless allowed otherwise, the CA file) and
    /// returns the directory; `Err` says which setting is wrong.
    pub fn new(settings: LdapSettings) -> Result<Self, String> {
        let url = url::Url::parse(&settings.url)
            .map_err(|e| format!("ldap.url {:?} is not a URL: {e}", settings.url))?;
        match url.scheme() {
            "ldaps" if settings.starttls => {
                return Err("ldap.starttls is for ldap:// URLs; ldaps:// is TLS already".into())
            }
            "ldaps" => {}
            "ldap" if settings.starttls || settings.allow_plaintext => {}
            "ldap" => {
                return Err(format!(
                    "ldap.url {:?} is plain LDAP: use ldaps://, set ldap.starttls = true, or \
                     (only for a directory on this host) ldap.allow_plaintext = true",
                    settings.url
                ))
            }
            other => {
                return Err(format!(
                    "ldap.url: unknown scheme {other:?} (ldaps or ldap)"
                ))
            }
        }
        for (key, value) in [
            ("ldap.bind_dn", &settings.bind_dn),
            ("ldap.user_base", &settings.user_base),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{key} is required when ldap.url is set"));
            }
        }
        if !settings.user_filter.contains("{login}") {
            return Err(format!(
                "ldap.user_filter {:?} must contain {{login}}",
                settings.user_filter
            ));
        }
        let tls = settings.ca_file.as_deref().map(client_config).transpose()?;
        Ok(Self { settings, tls })
    }

    /// Whether a first login creates the account.
    pub fn provisions(&self) -> bool {
        self.settings.provision
    }

    /// Checks `password` for `login` and says who they are.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        // An empty password would be an anonymous bind, which succeeds.
        if password.is_empty() {
            return Err(DirectoryError::Refused("empty password".into()));
        }
        let mut ldap = self.connect().await?;
        let found = self.check(&mut ldap, login, password).await;
        let _ = ldap.unbind().await;
        found
    }

    async fn connect(&self) -> Result<Ldap, DirectoryError> {
        let s = &self.settings;
        let mut conn = LdapConnSettings::new()
            .set_conn_timeout(s.timeout)
            .set_starttls(s.starttls);
        if let Some(tls) = &self.tls {
            conn = conn.set_config(tls.clone());
        }
        let (driver, mut ldap) = LdapConnAsync::with_settings(conn, &s.url)
            .await
            .map_err(|e| DirectoryError::Unavailable(format!("connecting to {}: {e}", s.url)))?;
        ldap3::drive!(driver);
        ldap.with_timeout(s.timeout);
        Ok(ldap)
    }

    async fn check(
        &self,
        ldap: &mut Ldap,
        login: &str,
        password: &str,
    ) -> Result<DirectoryUser, DirectoryError> {
        let s = &self.settings;
        let service = ldap
            .simple_bind(&s.bind_dn, &s.bind_password)
            .await
            .map_err(unavailable("the service account's bind"))?;
        if service.rc != 0 {
            return Err(DirectoryError::Unavailable(format!(
                "the service account {} was refused (result {}: {}); check ldap.bind_dn and its password",
                s.bind_dn, service.rc, service.text
            )));
        }
        let entry = self.find_user(ldap, login).await?;
        let groups = self.groups_of(ldap, &entry.dn).await?;
        let user = self.map(&entry, &groups)?;
        let bound = ldap
            .simple_bind(&entry.dn, password)
            .await
            .map_err(unavailable("the user's bind"))?;
        match bound.rc {
            0 => Ok(user),
            INVALID_CREDENTIALS => Err(DirectoryError::Refused("wrong password".into())),
            rc => Err(DirectoryError::Refused(format!(
                "bind refused (result {rc}: {})",
                bound.text
            ))),
        }
    }

    async fn find_user(&self, ldap: &mut Ldap, login: &str) -> Result<SearchEntry, DirectoryError> {
        let s = &self.settings;
        let filter = s.user_filter.replace("{login}", &ldap_escape(login));
        let mut attributes = vec![
            s.id_attribute.as_str(),
            s.username_attribute.as_str(),
            s.display_name_attribute.as_str(),
            s.email_attribute.as_str(),
        ];
        attributes.extend(s.student_number_attribute.as_deref());
        let (entries, _) = ldap
            .search(&s.user_base, Scope::Subtree, &filter, attributes)
            .await
            .and_then(|r| r.success())
            .map_err(unavailable("searching the user"))?;
        let mut entries = entries.into_iter().map(SearchEntry::construct);
        match (entries.next(), entries.next()) {
            (Some(entry), None) => Ok(entry),
            (None, _) => Err(DirectoryError::Refused("not in the directory".into())),
            (Some(_), Some(_)) => Err(DirectoryError::Refused(format!(
                "{filter} matches more than one entry under {}",
                s.user_base
            ))),
        }
    }

    async fn groups_of(&self, ldap: &mut Ldap, dn: &str) -> Result<Vec<String>, DirectoryError> {
        let s = &self.settings;
        let Some(base) = &s.group_base else {
            return Ok(Vec::new());
        };
        let filter = s.group_filter.replace("{dn}", &ldap_escape(dn));
        let (entries, _) = ldap
            .search(base, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .and_then(|r| r.success())
            .map_err(unavailable("searching the user's groups"))?;
        Ok(entries
            .into_iter()
            .map(|e| SearchEntry::construct(e).dn)
            .collect())
    }

    fn map(&self, entry: &SearchEntry, groups: &[String]) -> Result<DirectoryUser, DirectoryError> {
        let s = &self.settings;
        let missing =
            |attr: &str| DirectoryError::Refused(format!("the entry {} has no {attr}", entry.dn));
        let subject = first(entry, &s.id_attribute).ok_or_else(|| missing(&s.id_attribute))?;
        let username = first(entry, &s.username_attribute)
            .ok_or_else(|| missing(&s.username_attribute))?
            .to_lowercase();
        let email = first(entry, &s.email_attribute)
            .ok_or_else(|| missing(&s.email_attribute))?
            .to_lowercase();
        let display_name =
            first(entry, &s.display_name_attribute).unwrap_or_else(|| username.clone());
        let student_number = s
            .student_number_attribute
            .as_deref()
            .and_then(|a| first(entry, a));
        check_profile(&username, &email, &display_name, student_number.as_deref())
            .map_err(|e| DirectoryError::Refused(format!("the entry {}: {e}", entry.dn)))?;
        let role = role_of(groups, &s.admin_groups, &s.professor_groups);
        Ok(DirectoryUser {
            subject,
            dn: entry.dn.clone(),
            username,
            display_name,
            email,
            student_number: student_number.filter(|_| role == Role::Student),
            role,
        })
    }
}

/// The role the groups give (administrator over professor over student); a
/// configured group matches a group's whole DN or its first RDN, compared
/// normalised.
fn role_of(groups: &[String], admin: &[String], professor: &[String]) -> Role {
    role_from_groups(groups, admin, professor, |g, w| {
        let g = normalise_dn(g);
        let first_rdn = g.split(',').next().unwrap_or_default();
        let w = normalise_dn(w);
        w == g || w == first_rdn
    })
}

/// DNs compare without case and without spaces around the separators.
fn normalise_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.split('=').map(str::trim).collect::<Vec<_>>().join("="))
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

/// An attribute's first value, as text (a binary one, such as AD's
/// `objectGUID`, as hex).
fn first(entry: &SearchEntry, attribute: &str) -> Option<String> {
    let text = entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attribute))
        .and_then(|(_, v)| v.first())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    text.or_else(|| {
        entry
            .bin_attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(attribute))
            .and_then(|(_, v)| v.first())
            .map(hex::encode)
    })
}

fn unavailable(what: &'static str) -> impl Fn(ldap3::LdapError) -> DirectoryError {
    move |e| DirectoryError::Unavailable(format!("{what}: {e}"))
}

/// A TLS client configuration that trusts the CA certificates in `path`.
fn client_config(path: &std::path::Path) -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let shown = path.display();
    let mut roots = rustls::RootCertStore::empty();
    let certs =
        CertificateDer::pem_file_iter(path).map_err(|e| format!("ldap.ca_file {shown}: {e}"))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("ldap.ca_file {shown}: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("ldap.ca_file {shown}: {e}"))?;
    }
    if roots.is_empty() {
        return Err(format!("ldap.ca_file {shown} holds no certificate"));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS for the directory: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(g: &[&str]) -> Vec<String> {
        g.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn groups_give_the_highest_role() {
        let admin = groups(&["cn=admins,ou=groups,dc=example,dc=org"]);
        let staff = groups(&["cn=staff"]);
        let of = |g: &[&str]| role_of(&groups(g), &admin, &staff);
        assert_eq!(of(&[]), Role::Student);
        assert_eq!(
            of(&["CN=Staff, OU=Groups,DC=example,DC=org"]),
            Role::Professor
        );
        assert_eq!(
            of(&[
                "cn=staff,ou=groups,dc=example,dc=org",
                "cn=admins,ou=groups,dc=example,dc=org"
            ]),
            Role::Admin
        );
        assert_eq!(of(&["cn=admins,ou=other,dc=example,dc=org"]), Role::Student);
    }

    #[test]
    fn plain_ldap_needs_starttls_or_an_explicit_allowance() {
        let base = LdapSettings {
            url: "ldap://127.0.0.1:389".into(),
            bind_dn: "cn=svc".into(),
            user_base: "ou=people".into(),
            user_filter: "(uid={login})".into(),
            ..Default::default()
        };
        let err = Directory::new(base.clone()).expect_err("plain refused");
        assert!(err.contains("ldap.starttls"), "{err}");
        assert!(Directory::new(LdapSettings {
            starttls: true,
            ..base.clone()
        })
        .is_ok());
        assert!(Directory::new(LdapSettings {
            allow_plaintext: true,
            ..base.clone()
        })
        .is_ok());
        let err = Directory::new(LdapSettings {
            user_filter: "(uid=x)".into(),
            allow_plaintext: true,
            ..base
        })
        .expect_err("filter without {login}");
        assert!(err.contains("{login}"), "{err}");
    }
}
