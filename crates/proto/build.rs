//! Generates the tonic/prost code for `proto/classtrack/v1` with a vendored
//! protoc, so a fresh machine needs no system protoc.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);
    // Read when the script runs, not baked in when it is compiled: a target directory copied
    // from another checkout (a worktree) would otherwise compile that checkout's contract.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let files: Vec<PathBuf> = [
        "auth",
        "users",
        "courses",
        "sessions",
        "attendance",
        "reports",
    ]
    .iter()
    .map(|f| root.join(format!("classtrack/v1/{f}.proto")))
    .collect();
    let includes = [root.clone(), protoc_bin_vendored::include_path()?];
    let descriptor = PathBuf::from(std::env::var("OUT_DIR")?).join("classtrack_descriptor.bin");
    tonic_prost_build::configure()
        .file_descriptor_set_path(&descriptor)
        .compile_protos(&files, &includes)?;
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    Ok(())
}
