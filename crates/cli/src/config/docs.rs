//! The table of settings in docs/configuration.md, made from [`SETTINGS`],
//! and the test that the page has it as the code does.

use super::{For, Kind, SETTINGS};

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

#[test]
fn docs_configuration_md_lists_every_setting_as_the_code_has_it() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
    let page = std::fs::read_to_string(path).expect("docs/configuration.md");
    let table = markdown_table();
    assert!(
        page.contains(&table),
        "docs/configuration.md's table of settings differs from config::SETTINGS; \
         the table should read:\n\n{table}"
    );
}
