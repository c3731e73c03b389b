//! The serving benchmark: prints numbers, asserts nothing.
//!
//! With N toilets (default 1,000,000; `-- --toilets N`) in a SQLite file:
//! - index memory: heap bytes per toilet of the R-tree, slot table and id
//!   map (and, apart, of the toilet records);
//! - cold start: `gongce serve` from spawn to its first 200 on /healthz;
//! - throughput at 64 connections (wrk, 2 threads): /healthz, then
//!   /api/v1/toilets/nearby (k=10) at random points, in the same run, and
//!   their ratio.
//!
//! Run it with `cargo xtask bench`, which installs wrk when missing.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use cap::Cap;
use gongce::{index::Index, store::Store};

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

mod common;

use common::{nearby_script, rss_mib, start, write_list, wrk};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--toilets")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(1_000_000), |s| s.parse())?;
    let seconds: u64 = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(10), |s| s.parse())?;
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let db = dir.join(format!("toilets-{n}.sqlite"));
    let url = format!("sqlite:{}", db.display());
    runtime.block_on(ensure_data(&db, n))?;

    println!("== gongce serving benchmark: {n} toilets");
    runtime.block_on(index_memory(&url, n))?;
    cold_start(&url)?;
    throughput(&url, seconds)?;
    Ok(())
}

/// Generates `n` toilets as a CSV list and imports it with the real
/// importer (distinct names and addresses: nothing merges).
async fn ensure_data(db: &Path, n: usize) -> anyhow::Result<()> {
    if db.exists() {
        return Ok(());
    }
    let partial = db.with_extension("partial.sqlite");
    let _ = std::fs::remove_file(&partial);
    let csv = db.with_extension("csv");
    write_list(&csv, n)?;
    let started = Instant::now();
    // The importer wants the schema in place.
    Store::open(&format!("sqlite:{}", partial.display()))
        .await?
        .close()
        .await;
    let report = tokio::task::spawn_blocking({
        let (csv, partial) = (csv.clone(), partial.clone());
        move || {
            gongce::import::run(
                &csv,
                &gongce::store::ImportTarget::Sqlite(partial),
                &gongce::import::Options::new("bench"),
            )
        }
    })
    .await??;
    anyhow::ensure!(
        report.written && report.counts.inserted == n,
        "the generated list did not import whole: {:?}",
        report.counts
    );
    std::fs::remove_file(&csv)?;
    std::fs::rename(&partial, db)?;
    eprintln!(
        "generated {n} toilets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn index_memory(url: &str, n: usize) -> anyhow::Result<()> {
    let store = Store::open(url).await?;
    let started = Instant::now();
    let snapshot = store.snapshot().await?;
    let load = started.elapsed();
    // The snapshot's records are behind Arcs already; the index keeps
    // those Arcs and frees the Vec that held them.
    let with_records = ALLOCATOR.allocated();
    let vec_bytes =
        snapshot.toilets.capacity() * std::mem::size_of::<std::sync::Arc<gongce_shared::Toilet>>();
    let records = with_records - vec_bytes;
    let started = Instant::now();
    let index = Index::build(snapshot.toilets);
    let build = started.elapsed();
    let index_bytes = ALLOCATOR.allocated() as f64 - records as f64;
    println!(
        "load from SQLite: {:.0} ms; index build: {:.0} ms",
        load.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3
    );
    println!(
        "index memory: {:.1} bytes/toilet (tree, id table); records: {:.1} bytes/toilet (with Arc headers)",
        index_bytes / n as f64,
        records as f64 / n as f64
    );
    drop(index);
    store.close().await;
    Ok(())
}

fn cold_start(url: &str) -> anyhow::Result<()> {
    let mut times = Vec::new();
    for _ in 0..5 {
        let (server, took) = start(url, &[])?;
        times.push(took.as_secs_f64());
        println!(
            "server RSS after start: {:.0} MiB",
            rss_mib(server.child.id())
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "cold start to first 200 /healthz: median {:.2} s (runs: {})",
        times[times.len() / 2],
        times
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

fn throughput(url: &str, seconds: u64) -> anyhow::Result<()> {
    let (server, _) = start(url, &[])?;
    let script = nearby_script()?;
    // Warm up, and let the server finish rendering its toilets' JSON.
    println!("warm-up, discarded:");
    wrk(&format!("{}/healthz", server.base), 3, None)?;
    println!("/healthz at 64 connections:");
    let health = wrk(&format!("{}/healthz", server.base), seconds, None)?;
    println!("  {health:.0} requests/s");
    println!("/api/v1/toilets/nearby k=10 at random points, 64 connections:");
    let nearby = wrk(&server.base, seconds, Some(&script))?;
    println!("  {nearby:.0} requests/s");
    println!(
        "nearby / healthz throughput: {:.1} % (target >= 50 %)",
        100.0 * nearby / health
    );
    println!(
        "server RSS under load: {:.0} MiB",
        rss_mib(server.child.id())
    );
    Ok(())
}
