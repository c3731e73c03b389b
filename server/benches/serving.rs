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
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use cap::Cap;
use gongce::{index::Index, store::Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

const GONGCE: &str = env!("CARGO_BIN_EXE_gongce");
/// The generated toilets lie in this box: mainland China's east, where a
/// national deployment's queries would land.
const BOX: (f64, f64, f64, f64) = (20.0, 42.0, 100.0, 125.0);

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
    use std::io::Write as _;
    if db.exists() {
        return Ok(());
    }
    let partial = db.with_extension("partial.sqlite");
    let _ = std::fs::remove_file(&partial);
    let csv = db.with_extension("csv");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let hours = [
        "24/7",
        "Mo-Su 06:00-22:00",
        "Mo-Fr 08:00-18:00; Sa 09:00-12:00",
    ];
    let started = Instant::now();
    let tri = |rng: &mut ChaCha8Rng| ["", "yes", "no"][rng.random_range(0..3)];
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(
            out,
            "id,name,address,lat,lon,wheelchair,baby_change,family_room,free,opening_hours"
        )?;
        for i in 0..n {
            // Six decimals (0.1 m), as real lists have.
            let lat = rng.random_range(BOX.0..BOX.1);
            let lon = rng.random_range(BOX.2..BOX.3);
            let (w, b, f, free) = (tri(&mut rng), tri(&mut rng), tri(&mut rng), tri(&mut rng));
            let h = if rng.random_bool(0.7) {
                hours[rng.random_range(0..hours.len())]
            } else {
                ""
            };
            writeln!(
                out,
                "{i},公厕 {i},测试路 {i} 号,{lat:.6},{lon:.6},{w},{b},{f},{free},{h}"
            )?;
        }
        out.flush()?;
    }
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

struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start(url: &str) -> anyhow::Result<(Server, Duration)> {
    let started = Instant::now();
    let mut child = Command::new(GONGCE)
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", url])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line)?;
    let base = line
        .trim()
        .trim_start_matches("gongce listening on ")
        .to_owned();
    let health = format!("{base}/healthz");
    loop {
        let ok = Command::new("curl")
            .args(["-sf", "-o", "/dev/null", &health])
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "server never became healthy"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok((Server { child, base }, started.elapsed()))
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn cold_start(url: &str) -> anyhow::Result<()> {
    let mut times = Vec::new();
    for _ in 0..5 {
        let (server, took) = start(url)?;
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

fn wrk(url: &str, seconds: u64, script: Option<&Path>) -> anyhow::Result<f64> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency"]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    let out = cmd.arg(url).output()?;
    anyhow::ensure!(
        out.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text
        .lines()
        .filter(|l| l.contains("Latency") || l.contains("99%") || l.contains("Non-2xx"))
    {
        println!("    {}", line.trim());
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk output:\n{text}"))
}

fn throughput(url: &str, seconds: u64) -> anyhow::Result<()> {
    let (server, _) = start(url)?;
    let script = std::env::temp_dir().join("gongce-nearby.lua");
    std::fs::write(
        &script,
        format!(
            "math.randomseed(42)\n\
             request = function()\n\
               local lat = {} + math.random() * {}\n\
               local lon = {} + math.random() * {}\n\
               return wrk.format('GET', string.format('/api/v1/toilets/nearby?lat=%.6f&lon=%.6f&limit=10', lat, lon))\n\
             end\n",
            BOX.0,
            BOX.1 - BOX.0,
            BOX.2,
            BOX.3 - BOX.2
        ),
    )?;
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
