//! `cargo xtask fuzz [--runs N | --seconds S] [TARGET…]`: runs the
//! cargo-fuzz targets in `fuzz/` (all of them by default), each from the
//! committed seeds in `fuzz/seeds/TARGET` plus what earlier runs found
//! (kept in `target/fuzz-corpus/TARGET`), for N inputs (default 100,000) or
//! S seconds. cargo-fuzz is installed on first use; it needs nightly flags,
//! which the stable toolchain accepts with `RUSTC_BOOTSTRAP=1`. A crash
//! stops the run and leaves its input in `fuzz/artifacts/TARGET`.

use std::{path::Path, process::Command, time::Instant};

use anyhow::{Context as _, bail};

use crate::{cargo, status};

pub const TARGETS: [&str; 5] = ["query", "hours", "csv", "xlsx", "geojson"];

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let mut limit = "-runs=100000".to_owned();
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => limit = format!("-runs={}", args.next().context("--runs N")?),
            "--seconds" => {
                limit = format!("-max_total_time={}", args.next().context("--seconds S")?)
            }
            t if TARGETS.contains(&t) => targets.push(t),
            other => bail!(
                "unknown argument {other:?}: cargo xtask fuzz [--runs N | --seconds S] [{}]",
                TARGETS.join("|")
            ),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    let has_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_fuzz {
        status(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let mut summary = Vec::new();
    for target in targets {
        let corpus = Path::new("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus)?;
        for seed in std::fs::read_dir(Path::new("fuzz/seeds").join(target))? {
            let seed = seed?.path();
            std::fs::copy(&seed, corpus.join(seed.file_name().context("a seed file")?))?;
        }
        let started = Instant::now();
        let out = Command::new("cargo")
            .args(["fuzz", "run", "--fuzz-dir", "fuzz", target])
            .arg(&corpus)
            .args([
                "--",
                &limit,
                "-rss_limit_mb=2048",
                "-max_len=262144",
                "-print_final_stats=1",
            ])
            .env("RUSTC_BOOTSTRAP", "1")
            .output()
            .context("cannot run cargo fuzz")?;
        let log = String::from_utf8_lossy(&out.stderr);
        let stat = |name: &str| {
            log.lines()
                .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
                .map(str::trim)
                .unwrap_or("?")
                .to_owned()
        };
        let line = format!(
            "{target:8} {:>9} inputs in {:>6.0} s ({:>6} exec/s), corpus {} inputs, peak RSS {} MB",
            stat("number_of_executed_units"),
            started.elapsed().as_secs_f64(),
            stat("average_exec_per_sec"),
            std::fs::read_dir(&corpus)?.count(),
            stat("peak_rss_mb"),
        );
        eprintln!("{line}");
        if !out.status.success() {
            eprintln!(
                "{}",
                log.lines()
                    .rev()
                    .take(40)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            bail!("fuzz target {target} failed; the input is in fuzz/artifacts/{target}");
        }
        summary.push(line);
    }
    println!("{}", summary.join("\n"));
    Ok(())
}
