//! The CLI as a gRPC client: it goes through the API like any other client,
//! never to the database. The login token is kept in the user's config
//! directory (`classtrack/credentials.toml`, readable by the user only),
//! with the server's URL and TLS settings (`--ca-cert`, `--insecure`) so
//! that later commands reach the server exactly as the login did.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use classtrack_proto::endpoint::Target;
use classtrack_proto::v1;
use serde::{Deserialize, Serialize};
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::Request;

#[derive(Debug, Serialize, Deserialize)]
pub struct Credentials {
    pub server: String,
    pub username: String,
    pub token: String,
    /// The CA file given at login (an absolute path), trusted besides the system's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// Plain http:// to another machine was allowed at login.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
}

impl Credentials {
    /// The server and TLS settings of this login.
    pub fn target(&self) -> Target {
        Target {
            url: self.server.clone(),
            ca_cert: self.ca_cert.clone(),
            insecure: self.insecure,
        }
    }
}

impl std::fmt::Display for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.username, self.server)
    }
}

pub fn credentials_path() -> anyhow::Result<PathBuf> {
    if let Ok(p) = std::env::var("CLASSTRACK_CREDENTIALS") {
        return Ok(PathBuf::from(p));
    }
    let dir = dirs::config_dir().context("no config directory for this user")?;
    Ok(dir.join("classtrack").join("credentials.toml"))
}

pub(crate) fn save(c: &Credentials) -> anyhow::Result<PathBuf> {
    let path = credentials_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = toml::to_string(c)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(path)
}

pub fn load() -> anyhow::Result<Credentials> {
    let path = credentials_path()?;
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "not logged in (no {}); run `classtrack login --server URL` first",
            path.display()
        )
    })?;
    toml::from_str(&text).with_context(|| format!("{} is damaged; log in again", path.display()))
}

/// Connects to the server of `target` (for https, the TLS handshake is
/// done and the certificate checked here, before any request is sent).
pub async fn channel(target: &Target) -> anyhow::Result<Channel> {
    Ok(target.connect().await?)
}

/// Adds the bearer token to a request.
pub fn authed<T>(token: &str, body: T) -> anyhow::Result<Request<T>> {
    let mut req = Request::new(body);
    let value: MetadataValue<_> = format!("Bearer {token}")
        .parse()
        .context("the stored token is damaged; log in again")?;
    req.metadata_mut().insert("authorization", value);
    Ok(req)
}

/// A status in plain words, with field violations when there are any.
pub fn explain(status: tonic::Status) -> anyhow::Error {
    use tonic_types::StatusExt;
    let mut text = status.message().to_string();
    if let Some(bad) = status.get_details_bad_request() {
        text = bad
            .field_violations
            .iter()
            .map(|v| format!("{}: {}", v.field, v.description))
            .collect::<Vec<_>>()
            .join("\n");
    }
    anyhow::anyhow!(text)
}

/// The password: `CLASSTRACK_PASSWORD` if set, else typed at the terminal
/// without echo (rpassword), else one line of stdin (scripts pipe it in).
fn read_password(prompt: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CLASSTRACK_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .context("could not read the password from the terminal");
    }
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Logs in at `target` and saves the credentials, reading the password
/// from stdin (or `CLASSTRACK_PASSWORD`) once the connection is up.
pub async fn login(target: Target, username: &str) -> anyhow::Result<()> {
    let (creds, role) = login_at(target, username, || {
        read_password(&format!("Password for {username}: "))
    })
    .await?;
    let path = save(&creds)?;
    println!(
        "Logged in as {username} ({role}) at {}; token saved in {}",
        creds.server,
        path.display()
    );
    Ok(())
}

/// Connects to `target` first — TCP and, for https, the TLS handshake with
/// its certificate checked — and only then reads the password and sends the
/// Login request: a password never leaves for a server that failed TLS.
/// Returns the credentials to save and the user's role.
pub async fn login_at(
    mut target: Target,
    username: &str,
    password: impl FnOnce() -> anyhow::Result<String>,
) -> anyhow::Result<(Credentials, String)> {
    if let Some(ca) = &target.ca_cert {
        // Later commands may run from another directory.
        target.ca_cert = Some(std::path::absolute(ca).unwrap_or_else(|_| ca.clone()));
    }
    let channel = channel(&target).await?;
    let password = password()?;
    let mut client = classtrack_proto::Clients::new(channel).auth();
    let resp = client
        .login(v1::LoginRequest {
            login: username.to_string(),
            password,
        })
        .await
        .map_err(explain)?
        .into_inner();
    let role = resp
        .user
        .map(|u| role_name(u.role))
        .unwrap_or_else(|| "?".into());
    let creds = Credentials {
        server: target.url,
        username: username.to_string(),
        token: resp.token,
        ca_cert: target.ca_cert,
        insecure: target.insecure,
    };
    Ok((creds, role))
}

pub async fn logout() -> anyhow::Result<()> {
    let creds = load()?;
    let mut client = classtrack_proto::Clients::new(channel(&creds.target()).await?).auth();
    let _ = client
        .logout(authed(&creds.token, v1::LogoutRequest {})?)
        .await;
    std::fs::remove_file(credentials_path()?)?;
    println!("Logged out of {}", creds.server);
    Ok(())
}

pub(crate) fn role_name(role: i32) -> String {
    v1::Role::try_from(role)
        .map(|r| r.as_str_name().trim_start_matches("ROLE_").to_lowercase())
        .unwrap_or_else(|_| "?".into())
}

pub async fn users_list(
    role: Option<String>,
    query: Option<String>,
    all: bool,
) -> anyhow::Result<()> {
    let creds = load()?;
    let role = match role.as_deref() {
        None => v1::Role::Unspecified,
        Some(r) => v1::Role::from_str_name(&format!("ROLE_{}", r.to_uppercase()))
            .with_context(|| format!("unknown role {r:?}: use admin, professor or student"))?,
    };
    let mut client = classtrack_proto::Clients::new(channel(&creds.target()).await?).users();
    let mut token = String::new();
    println!(
        "{:<8} {:<20} {:<28} {:<10} {:<12} NAME",
        "ID", "USERNAME", "EMAIL", "ROLE", "NUMBER"
    );
    loop {
        let resp = client
            .list_users(authed(
                &creds.token,
                v1::ListUsersRequest {
                    page_size: 200,
                    page_token: token.clone(),
                    role: role as i32,
                    query: query.clone().unwrap_or_default(),
                    include_inactive: all,
                },
            )?)
            .await
            .map_err(explain)?
            .into_inner();
        for u in &resp.users {
            println!(
                "{:<8} {:<20} {:<28} {:<10} {:<12} {}{}",
                u.name.trim_start_matches("users/"),
                u.username,
                u.email,
                role_name(u.role),
                u.student_number,
                u.display_name,
                if u.active { "" } else { " (deactivated)" }
            );
        }
        if resp.next_page_token.is_empty() {
            eprintln!("{} user(s)", resp.total_size);
            return Ok(());
        }
        token = resp.next_page_token;
    }
}

pub async fn users_import(file: &std::path::Path, dry_run: bool) -> anyhow::Result<()> {
    let creds = load()?;
    let csv = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut client = classtrack_proto::Clients::new(channel(&creds.target()).await?).users();
    let resp = client
        .import_users(authed(
            &creds.token,
            v1::ImportUsersRequest { csv, dry_run },
        )?)
        .await
        .map_err(explain)?
        .into_inner();
    if !resp.errors.is_empty() {
        for e in &resp.errors {
            eprintln!("line {}: {}: {}", e.line, e.field, e.message);
        }
        bail!(
            "{} problem(s) found; nothing was imported",
            resp.errors.len()
        );
    }
    for u in &resp.users {
        let user = u.user.clone().unwrap_or_default();
        let pw = if u.initial_password.is_empty() {
            String::new()
        } else {
            format!("  password: {}", u.initial_password)
        };
        println!(
            "line {:>4}: {} ({}){pw}",
            u.line,
            user.username,
            role_name(user.role)
        );
    }
    if dry_run {
        println!(
            "Dry run: {} user(s) would be created; nothing was written.",
            resp.users.len()
        );
    } else {
        println!("{} user(s) created.", resp.users.len());
    }
    Ok(())
}

pub async fn courses_list() -> anyhow::Result<()> {
    let creds = load()?;
    let mut client = classtrack_proto::Clients::new(channel(&creds.target()).await?).courses();
    let resp = client
        .list_courses(authed(
            &creds.token,
            v1::ListCoursesRequest {
                page_size: 500,
                ..Default::default()
            },
        )?)
        .await
        .map_err(explain)?
        .into_inner();
    println!(
        "{:<8} {:<14} {:<10} {:>8}  TITLE",
        "ID", "CODE", "TERM", "STUDENTS"
    );
    for c in resp.courses {
        println!(
            "{:<8} {:<14} {:<10} {:>8}  {}",
            c.name.trim_start_matches("courses/"),
            c.code,
            c.term,
            c.enrolled_count,
            c.title
        );
    }
    Ok(())
}

pub async fn export(course: &str, format: &str, output: Option<PathBuf>) -> anyhow::Result<()> {
    let creds = load()?;
    let fmt = match format {
        "csv" => v1::ExportFormat::Csv,
        "xlsx" => v1::ExportFormat::Xlsx,
        "csv-semicolon" => v1::ExportFormat::CsvSemicolon,
        other => bail!("unknown format {other:?}: use csv, csv-semicolon or xlsx"),
    };
    let name = if course.starts_with("courses/") {
        course.to_string()
    } else {
        format!("courses/code:{course}")
    };
    let mut client = classtrack_proto::Clients::new(channel(&creds.target()).await?).reports();
    let mut stream = client
        .export_course_report(authed(
            &creds.token,
            v1::ExportCourseReportRequest {
                course: name,
                format: fmt as i32,
                ..Default::default()
            },
        )?)
        .await
        .map_err(explain)?
        .into_inner();
    let mut out: Option<(Box<dyn Write>, String)> = None;
    while let Some(chunk) = stream.message().await.map_err(explain)? {
        if out.is_none() {
            // Only a bare file name from the server, never a path.
            let suggested = std::path::Path::new(&chunk.filename)
                .file_name()
                .map_or_else(|| PathBuf::from("export"), PathBuf::from);
            let path = output.clone().unwrap_or(suggested);
            let file = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            out = Some((
                Box::new(std::io::BufWriter::new(file)),
                path.display().to_string(),
            ));
        }
        if let Some((w, _)) = out.as_mut() {
            w.write_all(&chunk.chunk)?;
        }
    }
    match out {
        Some((mut w, path)) => {
            w.flush()?;
            println!("Wrote {path}");
            Ok(())
        }
        None => bail!("the server sent no data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plain_http_to_another_machine_is_refused_before_connecting() {
        // 192.0.2.0/24 is reserved for documentation: nothing answers there,
        // and the refusal comes before any attempt to connect.
        let asked = std::cell::Cell::new(false);
        let e = login_at(Target::new("http://192.0.2.1:8080"), "admin", || {
            asked.set(true);
            Ok("secret".into())
        })
        .await
        .expect_err("refused");
        let e = format!("{e:#}");
        assert!(e.contains("clear text") && e.contains("--insecure"), "{e}");
        assert!(!asked.get(), "the password is not read");
    }

    #[test]
    fn credentials_keep_the_tls_settings_and_old_files_still_load() {
        let creds = Credentials {
            server: "https://attend.example.edu".into(),
            username: "admin".into(),
            token: "t".into(),
            ca_cert: Some(PathBuf::from("/etc/classtrack/ca.pem")),
            insecure: false,
        };
        let text = toml::to_string(&creds).expect("toml");
        let back: Credentials = toml::from_str(&text).expect("parsed");
        assert_eq!(back.target(), creds.target());
        let old: Credentials =
            toml::from_str("server = \"http://127.0.0.1:8080\"\nusername = \"a\"\ntoken = \"t\"\n")
                .expect("a file from before TLS settings");
        assert_eq!(old.target(), Target::new("http://127.0.0.1:8080"));
    }
}
