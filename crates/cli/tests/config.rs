//! The configuration as an operator meets it: the `classtrack` binary run
//! with a file, variables and flags.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_classtrack");

/// A directory of its own, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let n: u64 = rand::random();
        let path = std::env::temp_dir().join(format!("classtrack-config-test-{n:016x}"));
        std::fs::create_dir_all(&path).expect("dir");
        Dir(path)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary without any `CLASSTRACK_*` of the caller's environment.
fn classtrack(dir: &Dir) -> Command {
    let mut cmd = Command::new(BINARY);
    cmd.current_dir(&dir.0);
    for (var, _) in std::env::vars() {
        if var.starts_with("CLASSTRACK_") {
            cmd.env_remove(var);
        }
    }
    cmd
}

fn line_of<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no line for {key} in:\n{out}"))
}

#[test]
fn classtrack_config_shows_each_value_and_where_it_came_from() {
    let dir = Dir::new();
    let file = dir.file(
        "classtrack.toml",
        "listen = \"0.0.0.0:8443\"\n\
         public_url = \"https://file.example.edu\"\n\
         time_zone = \"Europe/Paris\"\n\
         database_url = \"mysql://ct:db-s3cret@db.example.edu:3306/ct\"\n\
         [login_throttle]\nmax_failures_per_address = 600\n",
    );
    let out = classtrack(&dir)
        .args(["config", "--time-zone", "Africa/Casablanca"])
        .env("CLASSTRACK_CONFIG", &file)
        .env("CLASSTRACK_PUBLIC_URL", "https://env.example.edu")
        .env("CLASSTRACK_ADMIN_PASSWORD", "admin-s3cret")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file_name = file.display().to_string();
    assert!(line_of(&stdout, "listen").ends_with(&format!("# {file_name}")));
    assert!(line_of(&stdout, "public_url").contains("\"https://env.example.edu\""));
    assert!(line_of(&stdout, "public_url").ends_with("# CLASSTRACK_PUBLIC_URL"));
    assert!(line_of(&stdout, "time_zone").contains("Africa/Casablanca"));
    assert!(line_of(&stdout, "time_zone").ends_with("# --time-zone"));
    assert!(line_of(&stdout, "login_throttle.max_failures_per_address").contains("600"));
    assert!(line_of(&stdout, "token_lifetime").ends_with("# default"));
    assert!(
        !stdout.contains("s3cret"),
        "a secret was printed:\n{stdout}"
    );
    assert!(line_of(&stdout, "database_url").contains("mysql://ct:***@db.example.edu"));
    assert!(line_of(&stdout, "admin_password").contains("\"***\""));
}

#[test]
fn a_typo_in_the_file_stops_the_server_with_one_line_naming_it() {
    let dir = Dir::new();
    let file = dir.file(
        "classtrack.toml",
        "listen = \"127.0.0.1:0\"\n[login_throttle]\nmax_dealy = \"1m\"\n",
    );
    let out = classtrack(&dir)
        .args(["serve", "--config"])
        .arg(&file)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains(&file.display().to_string())
            && errors[0].contains("unknown key login_throttle.max_dealy"),
        "{stderr}"
    );
    assert!(
        !dir.0.join("classtrack.db").exists(),
        "nothing may start before the configuration is checked"
    );
}

#[test]
fn a_missing_file_is_an_error_not_the_defaults() {
    let dir = Dir::new();
    let out = classtrack(&dir)
        .args(["config", "--config", "nowhere.toml"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read the configuration file nowhere.toml"),
        "{stderr}"
    );
}

#[test]
fn serve_runs_with_what_the_file_says() {
    let dir = Dir::new();
    let db = dir.0.join("from-file.db");
    let file = dir.file(
        "classtrack.toml",
        &format!(
            "listen = \"127.0.0.1:0\"\npublic_url = \"http://127.0.0.1:9\"\n\
             database_url = \"sqlite://{}\"\nlog_format = \"json\"\n\
             admin_password = \"a-long-enough-admin-passphrase\"\n",
            db.display()
        ),
    );
    let mut child = classtrack(&dir)
        .args(["serve", "--config"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let first = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("ClassTrack"));
    let stderr = child.stderr.take().expect("stderr");
    let _ = child.kill();
    let _ = child.wait();
    let first = first.expect("the listening line");
    assert!(
        first.starts_with("ClassTrack listening on http://127.0.0.1:"),
        "{first}"
    );
    assert!(db.exists(), "the database of the file was created");
    // The plain-HTTP warning, logged as JSON.
    let log = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("plain HTTP"))
        .expect("the warning about plain HTTP");
    let parsed: serde_json::Value = serde_json::from_str(&log).expect("a JSON line");
    assert_eq!(parsed["level"], "WARN", "{log}");
}

#[test]
fn no_migrate_refuses_an_unmigrated_database_until_classtrack_migrate_ran() {
    let dir = Dir::new();
    let url = format!("sqlite://{}", dir.0.join("fresh.db").display());
    let refused = classtrack(&dir)
        .args(["serve", "--no-migrate", "--database-url", &url])
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("classtrack migrate"), "{stderr}");
    let migrated = classtrack(&dir)
        .args(["migrate", "--database-url", &url])
        .output()
        .expect("runs");
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let mut serving = classtrack(&dir)
        .args(["serve", "--no-migrate", "--database-url", &url])
        .args([
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "http://127.0.0.1:9",
        ])
        .env(
            "CLASSTRACK_ADMIN_PASSWORD",
            "a-long-enough-admin-passphrase",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = serving.stdout.take().expect("stdout");
    let listening = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.starts_with("ClassTrack listening"));
    let _ = serving.kill();
    let _ = serving.wait();
    assert!(
        listening,
        "serve --no-migrate starts on the migrated database"
    );
    let shown = classtrack(&dir)
        .args(["config", "--database-url", &url])
        .env("CLASSTRACK_MIGRATE", "false")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&shown.stdout);
    assert!(
        line_of(&stdout, "migrate").starts_with("migrate = false")
            && line_of(&stdout, "migrate").ends_with("# CLASSTRACK_MIGRATE"),
        "{stdout}"
    );
}
