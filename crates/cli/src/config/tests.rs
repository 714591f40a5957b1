//! The layers, the errors and the rendering, on files written by the tests.

use super::*;

fn file(text: &str) -> (tempfile_dir::Dir, PathBuf) {
    let dir = tempfile_dir::Dir::new();
    let path = dir.0.join("classtrack.toml");
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

/// A directory removed when dropped.
mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Self {
            let n: u64 = rand::random();
            let p = std::env::temp_dir().join(format!("classtrack-config-{n:016x}"));
            std::fs::create_dir_all(&p).expect("dir");
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn resolve(path: Option<&Path>, env: &[(&str, &str)], flags: &Flags) -> anyhow::Result<Config> {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::resolve(For::Server, path, |k| env.get(k).cloned(), flags)
}

#[test]
fn flags_beat_the_environment_which_beats_the_file_which_beats_the_default() {
    let (_dir, path) = file(
        "listen = \"0.0.0.0:8443\"\npublic_url = \"https://file.example\"\n\
         time_zone = \"Europe/Paris\"\n[login_throttle]\nmax_delay = \"10m\"\n",
    );
    let env = [
        ("CLASSTRACK_PUBLIC_URL", "https://env.example"),
        ("CLASSTRACK_TIME_ZONE", "Africa/Casablanca"),
    ];
    let flags = Flags::default().with("time_zone", &["Europe/Brussels"]);
    let c = resolve(Some(&path), &env, &flags).expect("resolves");
    assert_eq!(c.text("listen"), Some("0.0.0.0:8443"));
    assert_eq!(c.text("public_url"), Some("https://env.example"));
    assert_eq!(c.text("time_zone"), Some("Europe/Brussels"));
    assert_eq!(c.text("forwarded_header"), Some("x-forwarded-for"));
    assert_eq!(
        c.duration("login_throttle.max_delay").expect("duration"),
        Duration::from_secs(600)
    );
    let source = |key: &str| c.get(key).expect(key).source.clone();
    assert_eq!(source("listen"), Source::File(path.clone()));
    assert_eq!(source("public_url"), Source::Env("CLASSTRACK_PUBLIC_URL"));
    assert_eq!(source("time_zone"), Source::Flag("time-zone"));
    assert_eq!(source("token_lifetime"), Source::Default);
    assert_eq!(
        c.duration("token_lifetime").expect("duration"),
        Duration::from_secs(7 * 24 * 3600)
    );
}

#[test]
fn lists_come_from_an_array_a_comma_list_or_repeated_flags() {
    let (_dir, path) = file("trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\n");
    let c = resolve(Some(&path), &[], &Flags::default()).expect("file");
    assert_eq!(c.list("trusted_proxies"), ["10.0.0.0/8", "192.0.2.7"]);
    let env = [("CLASSTRACK_TRUSTED_PROXIES", "10.1.0.0/16, 10.2.0.1")];
    let c = resolve(Some(&path), &env, &Flags::default()).expect("env");
    assert_eq!(c.list("trusted_proxies"), ["10.1.0.0/16", "10.2.0.1"]);
    let flags = Flags::default().with("trusted_proxies", &["127.0.0.1"]);
    let c = resolve(Some(&path), &env, &flags).expect("flags");
    assert_eq!(c.list("trusted_proxies"), ["127.0.0.1"]);
    let c = resolve(None, &[], &Flags::default()).expect("default");
    assert!(c.list("trusted_proxies").is_empty());
}

#[test]
fn an_unknown_key_names_itself_and_the_file() {
    let (_dir, path) = file("listen = \"127.0.0.1:1\"\n[login_throttle]\nmax_dealy = \"1m\"\n");
    let e = resolve(Some(&path), &[], &Flags::default()).expect_err("typo");
    let e = e.to_string();
    assert!(e.contains("unknown key login_throttle.max_dealy"), "{e}");
    assert!(e.contains(&path.display().to_string()), "{e}");
}

#[test]
fn a_wrong_type_names_the_key_the_file_and_what_was_expected() {
    for (text, key, expected) in [
        (
            "database_max_connections = \"many\"",
            "database_max_connections",
            "whole number",
        ),
        (
            "token_lifetime = 3600",
            "token_lifetime",
            "duration in a string",
        ),
        ("migrate = \"no\"", "migrate", "true or false"),
        (
            "trusted_proxies = \"10.0.0.0/8\"",
            "trusted_proxies",
            "array of strings",
        ),
        ("listen = 8080", "listen", "expected a string"),
    ] {
        let (_dir, path) = file(text);
        let e = resolve(Some(&path), &[], &Flags::default())
            .expect_err(text)
            .to_string();
        assert!(e.contains(&format!("key {key}")), "{text}: {e}");
        assert!(e.contains(expected), "{text}: {e}");
        assert!(e.contains(&path.display().to_string()), "{text}: {e}");
    }
}

#[test]
fn a_bad_value_names_where_it_came_from() {
    let (_dir, path) = file("trusted_proxies = [\"10.0.0/8\"]\n");
    let e = resolve(Some(&path), &[], &Flags::default())
        .expect_err("cidr")
        .to_string();
    assert!(
        e.contains("key trusted_proxies") && e.contains("10.0.0/8"),
        "{e}"
    );
    let env = [("CLASSTRACK_LOGIN_THROTTLE_WINDOW", "fifteen minutes")];
    let e = resolve(None, &env, &Flags::default())
        .expect_err("duration")
        .to_string();
    assert!(e.starts_with("CLASSTRACK_LOGIN_THROTTLE_WINDOW: "), "{e}");
    let flags = Flags::default().with("time_zone", &["Mars/Olympus"]);
    let e = resolve(None, &[], &flags).expect_err("zone").to_string();
    assert!(
        e.starts_with("--time-zone: ") && e.contains("Mars/Olympus"),
        "{e}"
    );
    let flags = Flags::default().with("database_max_connections", &["0"]);
    let e = resolve(None, &[], &flags).expect_err("zero").to_string();
    assert!(e.contains("at least 1"), "{e}");
}

#[test]
fn an_unreadable_or_malformed_file_is_an_error_naming_it() {
    let dir = tempfile_dir::Dir::new();
    let missing = dir.0.join("missing.toml");
    let e = resolve(Some(&missing), &[], &Flags::default()).expect_err("missing");
    assert!(format!("{e:#}").contains("missing.toml"), "{e:#}");
    let (_dir, path) = file("listen = \"127.0.0.1:1\"\npublic_url = \n");
    let e = resolve(Some(&path), &[], &Flags::default())
        .expect_err("toml")
        .to_string();
    assert!(
        e.contains("(line 2)") && e.contains("not valid TOML"),
        "{e}"
    );
    assert!(!e.contains('\n'), "one line: {e}");
}

#[test]
fn secrets_are_never_rendered() {
    let (_dir, path) = file(
        "database_url = \"mysql://ct:s3cret-db@db.example:3306/ct\"\n\
         admin_password = \"s3cret-admin\"\n",
    );
    let c = resolve(Some(&path), &[], &Flags::default()).expect("resolves");
    let shown = c.render();
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(
        shown.contains("mysql://ct:***@db.example:3306/ct"),
        "{shown}"
    );
    assert!(shown.contains("admin_password = \"***\""), "{shown}");
    // The rendering is itself a configuration file.
    let rendered: toml::Table = shown.parse().expect("TOML");
    assert!(rendered.contains_key("listen"));
}

#[test]
fn a_key_of_the_other_command_is_accepted_and_left_alone() {
    let (_dir, path) = file("api_url = \"https://api.example:8443\"\n");
    let c = resolve(Some(&path), &[], &Flags::default()).expect("server ignores api_url");
    assert!(c.text("api_url").is_none());
    let c = Config::resolve(For::Web, Some(&path), no_env, &Flags::default()).expect("web");
    assert_eq!(c.text("api_url"), Some("https://api.example:8443"));
    assert_eq!(c.text("listen"), Some("127.0.0.1:8081"));
}

#[test]
fn every_default_passes_its_own_checks() {
    for command in [For::Server, For::Web] {
        Config::resolve(command, None, no_env, &Flags::default()).expect("defaults");
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in SETTINGS {
        assert!(s.env.starts_with("CLASSTRACK_"), "{}", s.key);
        for command in [For::Server, For::Web] {
            if s.commands.includes(command) {
                assert!(seen.insert((s.key, command == For::Web)), "{} twice", s.key);
            }
        }
    }
}
