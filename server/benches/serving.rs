//! The serving benchmark: prints numbers, asserts nothing.
//!
//! With N toilets (default 1,000,000; `-- --toilets N`) in a SQLite file:
//! - index memory: heap bytes per toilet of the R-tree, slot table and id
//!   map (and, apart, of the toilet records and of the search texts);
//! - cold start: `gongce serve` from spawn to its first 200 on /healthz
//!   (median of 3), reading every toilet from the store, and from the
//!   index image a stop wrote (with the time that stop took);
//! - in one run, each at 64 connections and at 1 (wrk): a bare axum
//!   server answering a small JSON body (the ceiling, started here),
//!   /healthz (logging warnings only, and again at the default level with
//!   its access log written to a file), /api/v1/toilets/nearby (k=10)
//!   with random filters and unfiltered, and /api/v1/toilets?bbox= over a
//!   1 km view: requests per second, p50 and p99, and the ratios the
//!   targets are written in;
//! - the server's RSS after every toilet has been served at least once.
//!
//! Run it with `cargo xtask bench`, which installs wrk when missing. With
//! `GONGCE_BENCH_BIN=path/to/gongce` it measures that build instead (an
//! earlier commit's, for a before and after in the same conditions).

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use cap::Cap;
use gongce::{
    index::{Index, Record},
    store::Store,
};

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

mod common;

use common::{
    BOX, Run, bbox_script, filtered_nearby_script, nearby_script, rss_mib, start, start_logging,
    write_list, wrk_at,
};

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
    cold_start(&url, &db, n)?;
    serving(&runtime, &url, n, seconds)?;
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
    let before = ALLOCATOR.allocated();
    let started = Instant::now();
    let snapshot = store.records().await?;
    let load = started.elapsed();
    // The records, as the index keeps them (the snapshot's Vec aside).
    let records = ALLOCATOR.allocated()
        - before
        - snapshot.toilets.capacity() * std::mem::size_of::<std::sync::Arc<Record>>();
    let started = Instant::now();
    let index = Index::build(snapshot.toilets);
    let build = started.elapsed();
    let index_bytes = ALLOCATOR.allocated() - before;
    println!(
        "read records from SQLite: {:.0} ms; index build: {:.0} ms",
        load.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3
    );
    println!(
        "index memory: {:.1} bytes/toilet: records {:.1} (a record is {} bytes before its texts), tree and id table {:.1}",
        index_bytes as f64 / n as f64,
        records as f64 / n as f64,
        std::mem::size_of::<Record>(),
        (index_bytes - records) as f64 / n as f64,
    );
    // The texts for search, which a server builds after start.
    let index = std::sync::RwLock::new(index);
    let before = ALLOCATOR.allocated();
    let started = Instant::now();
    Index::prepare_search(&index);
    println!(
        "search texts: {:.1} bytes/toilet, built in {:.0} ms",
        (ALLOCATOR.allocated() - before) as f64 / n as f64,
        started.elapsed().as_secs_f64() * 1e3,
    );
    drop(index);
    store.close().await;
    Ok(())
}

/// Spawn to first 200 on /healthz, median of 3: reading every toilet
/// from the store, then from the index image a stop wrote (and the
/// change log after it).
fn cold_start(url: &str, db: &Path, n: usize) -> anyhow::Result<()> {
    let median = |mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        format!(
            "median {:.2} s (runs: {})",
            times[times.len() / 2],
            times
                .iter()
                .map(|t| format!("{t:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut from_rows = Vec::new();
    for _ in 0..3 {
        let (server, took) = start(url, &["--index-image", "off"])?;
        from_rows.push(took.as_secs_f64());
        println!(
            "server RSS after start: {:.0} MiB",
            rss_mib(server.child.id())
        );
    }
    // A stop writes the image; the starts after it read it.
    let image = gongce::config::image_beside(db);
    let _ = std::fs::remove_file(&image);
    let (server, _) = start(url, &[])?;
    let stopping = Instant::now();
    drop(server);
    let bytes = std::fs::metadata(&image)?.len() as f64;
    println!(
        "stop, writing the index image: {:.2} s, {:.0} MiB ({:.0} bytes/toilet)",
        stopping.elapsed().as_secs_f64(),
        bytes / f64::from(1 << 20),
        bytes / n as f64,
    );
    let mut from_image = Vec::new();
    for _ in 0..3 {
        let (server, took) = start(url, &[])?;
        from_image.push(took.as_secs_f64());
        println!(
            "server RSS after start from the image: {:.0} MiB",
            rss_mib(server.child.id())
        );
    }
    println!(
        "cold start to first 200 /healthz, reading every toilet: {}",
        median(from_rows)
    );
    println!(
        "cold start to first 200 /healthz, from the index image: {} (target <= 0.8 s)",
        median(from_image)
    );
    Ok(())
}

/// A bare axum server answering /healthz's body on 127.0.0.1: what HTTP
/// itself costs on this machine, the ceiling the layers are measured
/// against. Its runtime has as many workers as gongce's.
fn bare_axum(toilets: usize) -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let base = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async move {
            let app = axum::Router::new().route(
                "/",
                axum::routing::get(move || async move {
                    axum::Json(serde_json::json!({"status": "ok", "toilets": toilets}))
                }),
            );
            let listener = tokio::net::TcpListener::from_std(listener).expect("the listener");
            axum::serve(listener, app).await.expect("bare axum serves");
        });
    });
    Ok(base)
}

fn serving(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    n: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    let bare = bare_axum(n)?;
    let (server, _) = start(url, &[])?;
    let (nearby, filtered, bbox) = (
        nearby_script()?,
        filtered_nearby_script()?,
        bbox_script(0.01)?,
    );
    let health = format!("{}/healthz", server.base);
    // The same at the default log level, as deployments run: a line per
    // request, into a file (as journald would take it).
    let log = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench/serving-access.log");
    let (logging, _) = start_logging(url, &[], Some(&log))?;
    let logged_health = format!("{}/healthz", logging.base);
    // Warm up, and let the servers finish their work after start.
    wrk_at(&health, 3, None, 64)?;
    wrk_at(&logged_health, 3, None, 64)?;
    wrk_at(&bare, 3, None, 64)?;
    let cases: [(&str, &str, Option<&Path>); 6] = [
        ("bare axum, small JSON", &bare, None),
        ("/healthz", &health, None),
        ("/healthz, access log on", &logged_health, None),
        (
            "/nearby k=10, random filters",
            &server.base,
            Some(&filtered),
        ),
        ("/nearby k=10, unfiltered", &server.base, Some(&nearby)),
        ("/toilets?bbox= 1 km view", &server.base, Some(&bbox)),
    ];
    println!(
        "{:<32} {:>10} {:>9} {:>9} {:>10} {:>9} {:>9}",
        "", "64: req/s", "p50 us", "p99 us", "1: req/s", "p50 us", "p99 us"
    );
    let mut runs: Vec<(Run, Run)> = Vec::new();
    for (name, url, script) in cases {
        let many = wrk_at(url, seconds, script, 64)?;
        let one = wrk_at(url, seconds, script, 1)?;
        println!(
            "{name:<32} {:>10.0} {:>9.0} {:>9.0} {:>10.0} {:>9.0} {:>9.0}",
            many.rps, many.p50_us, many.p99_us, one.rps, one.p50_us, one.p99_us
        );
        runs.push((many, one));
    }
    drop(logging);
    let (bare, health, logged, filtered, nearby) =
        (runs[0].0, runs[1].0, runs[2].0, runs[3], runs[4]);
    println!(
        "/healthz / bare axum: {:.2} (target >= 0.75)",
        health.rps / bare.rps
    );
    println!(
        "/healthz with its access log / bare axum: {:.2}",
        logged.rps / bare.rps
    );
    println!(
        "/nearby / /healthz: {:.2} with random filters, {:.2} unfiltered (target >= 0.6)",
        filtered.0.rps / health.rps,
        nearby.0.rps / health.rps
    );
    println!(
        "/nearby at 1 connection: p50 {:.0} us with random filters, {:.0} us unfiltered (target <= 100 us)",
        filtered.1.p50_us, nearby.1.p50_us
    );
    let served = runtime.block_on(serve_every_toilet(&server.base))?;
    let rss = rss_mib(server.child.id());
    println!(
        "server RSS after serving every toilet ({served} served by bbox): {rss:.0} MiB, \
         {:.0} bytes/toilet (target <= 250)",
        rss * 1024.0 * 1024.0 / n as f64
    );
    Ok(())
}

/// Asks for every toilet, a degree square at a time: how many came back
/// (a toilet on a square's edge comes twice).
async fn serve_every_toilet(base: &str) -> anyhow::Result<usize> {
    let client = reqwest::Client::new();
    let mut served = 0;
    for lat in (BOX.0 as i32)..(BOX.1 as i32) {
        for lon in (BOX.2 as i32)..(BOX.3 as i32) {
            let url = format!(
                "{base}/api/v1/toilets?bbox={lon},{lat},{},{}&limit=5000",
                lon + 1,
                lat + 1
            );
            let page: gongce_shared::api::ToiletCollection = client
                .get(&url)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            anyhow::ensure!(!page.truncated, "{url} was cut short");
            served += page.features.len();
        }
    }
    Ok(served)
}
