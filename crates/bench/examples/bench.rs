//! `classtrack bench` without the CLI: the same flags, for trying the tool
//! before it is wired in or against another build of the server.
//!
//! `cargo run --release -p classtrack-bench --example bench -- --spawn --server-bin target/release/classtrack --smoke`

use clap::Parser;

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    bench: classtrack_bench::BenchArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    classtrack_bench::run(Cli::parse().bench).await
}
