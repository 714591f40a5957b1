//! Embeds every `.ftl` file in `locales/<lang>/`: a file added for a new area (the API's
//! `api.ftl`) is loaded without touching the code.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::from("&[\n");
    let mut langs: Vec<_> = std::fs::read_dir(&root)
        .expect("crates/i18n/locales exists")
        .map(|e| e.expect("readable locales folder").path())
        .filter(|p| p.is_dir())
        .collect();
    langs.sort();
    for lang in langs {
        println!("cargo:rerun-if-changed={}", lang.display());
        let mut files: Vec<_> = std::fs::read_dir(&lang)
            .expect("readable locale folder")
            .map(|e| e.expect("readable locale folder").path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        let tag = lang
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 folder name");
        for file in files {
            println!("cargo:rerun-if-changed={}", file.display());
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name");
            writeln!(
                out,
                "    ({tag:?}, {name:?}, include_str!({:?})),",
                file.display().to_string()
            )
            .expect("write to String");
        }
    }
    out.push(']');
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("sources.rs");
    std::fs::write(dest, out).expect("write sources.rs");
}
