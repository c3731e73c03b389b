//! Build automation: `cargo xtask <task>`. Plain Rust, no extra tools.
//!
//! - `run`:   build the server with the web app inside, load the demo data
//!   into var/demo.sqlite, serve both.
//! - `dist`:  the release: target/dist/gongce (the web app built in) and
//!   target/dist/gongce-<version>-<target>.tar.gz (see xtask/src/dist.rs).
//! - `test`:  everything CI checks: formatting, clippy (native and wasm32), all
//!   tests (with a throwaway PostgreSQL 15 for the store contract and replicas).
//! - `webapp`: build the mini-app into webapp/dist (see xtask/src/webapp.rs).
//! - `fuzz`: the cargo-fuzz targets (see xtask/src/fuzz.rs).
//! - `soak [SECONDS]`: 60 s of mixed traffic against 100k toilets, then 20
//!   rounds of kill -9 during imports and edits (server/benches/soak.rs,
//!   tests/e2e/kill.rs).
//! - `schemathesis [--seconds N] [--stateful]`: the API against its OpenAPI
//!   document (see xtask/src/schemathesis.rs); `test` runs 60 s of it.
//! - `bench`: the serving benchmark; `bench import`: the import benchmark;
//!   `bench replicas`: PostgreSQL replicas against SQLite; `bench search`: search by name
//!   at 1M toilets (see server/benches and README).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

mod dist;
mod fuzz;
mod postgres;
mod schemathesis;
mod webapp;

const DEMO_DATA: &str = "data/taiwan_moenv_toilets_20251109_no_taipei.csv";
const DEMO_DB: &str = "var/demo.sqlite";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("dist") => dist::build().map(drop),
        Some("bench") => bench(&args[1..]),
        Some("webapp") => webapp::build(args.iter().any(|a| a == "--dev")),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("soak") => soak(&args[1..]),
        Some("schemathesis") => schemathesis::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <run|test|dist|bench|webapp|fuzz|soak|schemathesis>");
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
    dist::build_server()?;
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
    // Both builds of the app: the residents' and the staff one.
    for features in ["", "staff"] {
        status(cargo().args([
            "clippy",
            "-p",
            "gongce-shared",
            "-p",
            "gongce-webapp",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            features,
            "--locked",
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    // The deployment test verifies the systemd units with systemd-analyze.
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        status(Command::new("apt-get").arg("update"))?;
        status(Command::new("apt-get").args(["install", "-y", "systemd"]))?;
    }
    // The release (web app built in), which the end-to-end tests unpack
    // into an empty folder and serve.
    let archive = dist::build()?;
    // The store contract and replica tests run on a real PostgreSQL too.
    let pg = postgres::start()?;
    let mut totals = run_tests(
        cargo()
            // The PostgreSQL and release tests are #[ignore]d for a plain
            // `cargo test`.
            .args(["test", "--workspace", "--locked", "--", "--include-ignored"])
            .env("GONGCE_TEST_POSTGRES", &pg.url)
            .env("GONGCE_REQUIRE_POSTGRES", "1")
            .env("GONGCE_DIST_ARCHIVE", std::path::absolute(&archive)?),
    )?;
    // The web app in a real browser, against the real server, on each
    // store: on SQLite the release binary serving the app built into it,
    // on PostgreSQL a debug build serving webapp/dist (--webapp-dir).
    ensure_chromium()?;
    status(cargo().args(["build", "--locked", "-p", "gongce"]))?;
    let browser = run_tests(
        Command::new("node")
            .arg("webapp/tests/browser.mjs")
            .env("GONGCE_BIN", Path::new(dist::DIR).join("gongce"))
            .env("BROWSER_WEBAPP", "embedded"),
    )?;
    totals.add(&browser);
    let browser = run_tests(
        Command::new("node")
            .arg("webapp/tests/browser.mjs")
            .env("GONGCE_BIN", "target/debug/gongce")
            .env("BROWSER_POSTGRES", &pg.url),
    )?;
    totals.add(&browser);
    drop(pg);
    // The API against its own document: 60 s, seeded, 0 failures allowed.
    schemathesis::run(&[])?;
    totals.passed += 1;
    totals.report()
}

/// Debian's Chromium (headless, driven by playwright-core) and a CJK font
/// for legible screenshots.
fn ensure_chromium() -> anyhow::Result<()> {
    let has_font = Path::new("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists();
    if Command::new("chromium").arg("--version").output().is_err() || !has_font {
        status(Command::new("apt-get").arg("update"))?;
        status(Command::new("apt-get").args(["install", "-y", "chromium", "fonts-wqy-microhei"]))?;
    }
    Ok(())
}

#[derive(Default)]
struct Totals {
    passed: u64,
    failed: u64,
    ignored: u64,
    failed_runs: u32,
    /// The names of the tests that failed, repeated at the end so CI's
    /// tail names them.
    failed_names: Vec<String>,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
        self.failed_runs += other.failed_runs;
        self.failed_names.extend(other.failed_names.iter().cloned());
    }

    /// The closing line CI reads, and failure if anything failed.
    fn report(&self) -> anyhow::Result<()> {
        println!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.ignored
        );
        for name in &self.failed_names {
            println!("FAILED: {name}");
        }
        if self.failed > 0 || self.failed_runs > 0 {
            bail!("tests failed");
        }
        Ok(())
    }
}

/// Runs a test command (cargo's, or the browser tests, which print the
/// same "test result:" lines), echoing its output, and sums those lines.
fn run_tests(cmd: &mut Command) -> anyhow::Result<Totals> {
    use std::io::BufRead as _;
    eprintln!("$ {}", describe(cmd));
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn()?;
    let mut totals = Totals::default();
    for line in std::io::BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        println!("{line}");
        if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.strip_suffix(" ... FAILED"))
        {
            totals.failed_names.push(name.to_owned());
        }
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(['.', ';']) {
                let mut words = part.split_whitespace();
                if let (Some(n), Some(what)) = (words.next(), words.next()) {
                    let n: u64 = n.parse().unwrap_or(0);
                    match what {
                        "passed" => totals.passed += n,
                        "failed" => totals.failed += n,
                        "ignored" => totals.ignored += n,
                        _ => {}
                    }
                }
            }
        }
    }
    let exit = child.wait()?;
    if !exit.success() {
        eprintln!("{} failed ({exit})", describe(cmd));
        totals.failed_runs += 1;
    }
    Ok(totals)
}

fn bench(extra: &[String]) -> anyhow::Result<()> {
    if extra.first().map(String::as_str) == Some("webapp") {
        webapp::build(false)?;
        ensure_chromium()?;
        status(cargo().args(["build", "--release", "-p", "gongce"]))?;
        return status(Command::new("node").arg("webapp/tests/bench.mjs"));
    }
    // In-process benchmarks: no tools beyond cargo.
    if let Some(which @ ("import" | "search")) = extra.first().map(String::as_str) {
        return status(
            cargo()
                .args(["bench", "-p", "gongce", "--bench", which, "--"])
                .args(&extra[1..]),
        );
    }
    let has = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !has("wrk") || !has("curl") {
        status(Command::new("apt-get").arg("update"))?;
        status(Command::new("apt-get").args(["install", "-y", "wrk", "curl"]))?;
    }
    if extra.first().map(String::as_str) == Some("replicas") {
        let pg = postgres::start()?;
        return status(
            cargo()
                .args(["bench", "-p", "gongce", "--bench", "replicas", "--"])
                .args(&extra[1..])
                .env("GONGCE_BENCH_POSTGRES", &pg.url),
        );
    }
    status(
        cargo()
            .args(["bench", "-p", "gongce", "--bench", "serving", "--"])
            .args(extra),
    )
}

fn soak(extra: &[String]) -> anyhow::Result<()> {
    status(
        cargo()
            .args(["bench", "-p", "gongce", "--bench", "soak", "--"])
            .args(extra),
    )?;
    status(
        cargo()
            .args([
                "test",
                "-p",
                "gongce",
                "--test",
                "e2e",
                "kill::",
                "--",
                "--nocapture",
            ])
            .env("GONGCE_KILL_ROUNDS", "20"),
    )
}
