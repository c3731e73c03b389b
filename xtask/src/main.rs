//! Build automation: `cargo xtask <task>`. Plain Rust, no extra tools.
//!
//! - `run`:   build, load the demo data into var/demo.sqlite (first time), serve it.
//! - `test`:  everything CI checks: formatting, clippy (native and wasm32), all tests.
//! - `bench`: the serving benchmark; `bench import`: the import benchmark
//!   (see server/benches and README).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

const DEMO_DATA: &str = "data/taiwan_moenv_toilets_20251109_no_taipei.csv";
const DEMO_DB: &str = "var/demo.sqlite";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <run|test|bench>");
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn status(cmd: &mut Command) -> anyhow::Result<()> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {}", describe(cmd)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(cmd));
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The toolchain pieces rust-toolchain.toml names; rustup installs them on
/// first use, but say so explicitly for machines that skip that step.
fn setup_toolchain() -> anyhow::Result<()> {
    status(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))?;
    status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn run(extra: &[String]) -> anyhow::Result<()> {
    // `cargo xtask run -- --bind …` passes the `--` along.
    let extra = extra.strip_prefix(&["--".to_owned()]).unwrap_or(extra);
    status(cargo().args(["build", "--release", "-p", "gongce"]))?;
    let gongce = Path::new("target/release/gongce");
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite:{DEMO_DB}"));
    let demo = database_url == format!("sqlite:{DEMO_DB}");
    if demo {
        // The demo list keeps its real dirt: the report names every bad row;
        // swapped coordinates are fixed and the rest skipped. Importing
        // again is cheap and changes nothing unless the list or the
        // importer did.
        status(Command::new(gongce).args([
            "import",
            "--database-url",
            &database_url,
            "--source",
            "taiwan-moenv",
            "--timezone",
            "Asia/Taipei",
            "--fix-swapped",
            "--skip-invalid",
            "--remove-missing",
            DEMO_DATA,
        ]))?;
    }
    let mut serve = Command::new(gongce);
    serve.args(["serve", "--database-url", &database_url]);
    if demo {
        serve
            .env("GONGCE_DATA_LICENCE", "OGDL-Taiwan-1.0")
            .env("GONGCE_DATA_LICENCE_URL", "https://data.gov.tw/license")
            .env(
                "GONGCE_DATA_ATTRIBUTION",
                "環境部 全國公廁建檔資料 (Ministry of Environment, Taiwan)",
            );
    }
    status(serve.args(extra))
}

fn test() -> anyhow::Result<()> {
    setup_toolchain()?;
    status(cargo().args(["fmt", "--all", "--check"]))?;
    status(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    status(cargo().args([
        "clippy",
        "-p",
        "gongce-shared",
        "--target",
        "wasm32-unknown-unknown",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    run_tests(cargo().args(["test", "--workspace", "--locked"]))
}

/// Runs `cargo test`, echoing its output, and closes with one line that
/// sums every test binary's "test result:" line.
fn run_tests(cmd: &mut Command) -> anyhow::Result<()> {
    use std::io::BufRead as _;
    eprintln!("$ {}", describe(cmd));
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn()?;
    let (mut passed, mut failed, mut ignored) = (0u64, 0u64, 0u64);
    for line in std::io::BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(['.', ';']) {
                let mut words = part.split_whitespace();
                if let (Some(n), Some(what)) = (words.next(), words.next()) {
                    let n: u64 = n.parse().unwrap_or(0);
                    match what {
                        "passed" => passed += n,
                        "failed" => failed += n,
                        "ignored" => ignored += n,
                        _ => {}
                    }
                }
            }
        }
    }
    let exit = child.wait()?;
    println!("{passed} passed, {failed} failed, {ignored} skipped");
    if !exit.success() {
        bail!("{} failed ({exit})", describe(cmd));
    }
    Ok(())
}

fn bench(extra: &[String]) -> anyhow::Result<()> {
    if extra.first().map(String::as_str) == Some("import") {
        return status(
            cargo()
                .args(["bench", "-p", "gongce", "--bench", "import", "--"])
                .args(&extra[1..]),
        );
    }
    let has = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !has("wrk") || !has("curl") {
        status(Command::new("apt-get").arg("update"))?;
        status(Command::new("apt-get").args(["install", "-y", "wrk", "curl"]))?;
    }
    status(
        cargo()
            .args(["bench", "-p", "gongce", "--bench", "serving", "--"])
            .args(extra),
    )
}
