//! The soak: `cargo xtask soak` (or `cargo bench -p gongce --bench soak --
//! [SECONDS]`). A 100,000-toilet store served by the release binary for 60
//! seconds of mixed traffic at once: nearby and bounding-box reads as fast
//! as four clients can send them, committees' edits, residents' reports and
//! confirmations from ever new addresses (through 127.0.0.1 as a trusted
//! proxy), and an admin's upload and commit of a 2,000-row list every 10
//! seconds, after 15 s of the same traffic as a warm-up. It prints the 5xx
//! count (must be 0), read latency (p50, p99), the server's RSS after the
//! warm-up, every 10 s and at the end (flat within 10 %), and the tables'
//! sizes. The kill -9 loop runs after it (`cargo xtask soak` runs
//! the e2e crash test with GONGCE_KILL_ROUNDS=20).

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use common::{BOX, GONGCE, rss_mib, start, write_list};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

const TOILETS: usize = 100_000;
/// Seconds of the same mixed traffic before the starting RSS is taken.
const WARM_UP: u64 = 15;
const PASSWORD: &str = "soak soak soak soak";

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    server_errors: AtomicU64,
    refused: AtomicU64,
    edits: AtomicU64,
    reports: AtomicU64,
    imports: AtomicU64,
}

impl Tally {
    fn count(&self, status: u16) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if status >= 500 {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        if status == 429 {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("soak.csv");
    write_list(&csv, TOILETS)?;
    let url = format!("sqlite:{}", dir.path().join("soak.sqlite").display());
    let out = std::process::Command::new(GONGCE)
        .args(["import", "--database-url", &url, "--source", "soak"])
        .arg(&csv)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut add = std::process::Command::new(GONGCE)
        .args([
            "user",
            "add",
            "--database-url",
            &url,
            "--username",
            "root",
            "--role",
            "admin",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    use std::io::Write as _;
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}")?;
    anyhow::ensure!(add.wait()?.success(), "cannot add the admin");

    let (server, _) = start(&url, &["--trusted-proxies", "127.0.0.1"])?;
    let pid = server.child.id();
    let base = server.base.clone();
    println!("== gongce soak: {TOILETS} toilets, {seconds} s of mixed traffic");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let client = reqwest::Client::builder().pool_max_idle_per_host(16).build()?;
        let session: serde_json::Value = client
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": "root", "password": PASSWORD, "bearer": true}))
            .send()
            .await?
            .json()
            .await?;
        let token = session["token"].as_str().unwrap_or_default().to_owned();
        let tally = Arc::new(Tally::default());
        let stop = Arc::new(AtomicBool::new(false));
        let latencies = Arc::new(std::sync::Mutex::new(Vec::<u32>::new()));
        let mut tasks = Vec::new();
        for reader in 0..4u64 {
            let (client, base, tally, stop, latencies) =
                (client.clone(), base.clone(), tally.clone(), stop.clone(), latencies.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64(reader);
                let mut mine = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let (lat, lon) = (rng.random_range(BOX.0..BOX.1), rng.random_range(BOX.2..BOX.3));
                    let url = if rng.random_bool(0.8) {
                        format!("{base}/api/v1/toilets/nearby?lat={lat:.5}&lon={lon:.5}&limit=10")
                    } else {
                        format!("{base}/api/v1/toilets?bbox={:.4},{:.4},{:.4},{:.4}", lon, lat, lon + 0.5, lat + 0.5)
                    };
                    let started = Instant::now();
                    let status = match client.get(url).send().await {
                        Ok(r) => {
                            let s = r.status().as_u16();
                            let _ = r.bytes().await;
                            s
                        }
                        Err(_) => 599,
                    };
                    mine.push(started.elapsed().as_micros() as u32);
                    tally.count(status);
                }
                latencies.lock().unwrap().extend(mine);
            }));
        }
        // Committees' edits: read a toilet, change its hours from that version.
        {
            let (client, base, tally, stop, token) =
                (client.clone(), base.clone(), tally.clone(), stop.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64(100);
                while !stop.load(Ordering::Relaxed) {
                    let id = rng.random_range(1..=TOILETS as i64);
                    let url = format!("{base}/api/v1/toilets/{id}");
                    let Ok(current) = client.get(&url).send().await else { continue };
                    tally.count(current.status().as_u16());
                    let Ok(current) = current.json::<serde_json::Value>().await else { continue };
                    let Some(version) = current["version"].as_i64() else { continue };
                    let hours = ["24/7", "Mo-Su 06:00-22:00", "Mo-Fr 08:00-18:00"][rng.random_range(0..3)];
                    let reply = client
                        .patch(&url)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"version": version, "opening_hours": hours, "verified": true}))
                        .send()
                        .await;
                    if let Ok(r) = reply {
                        tally.count(r.status().as_u16());
                        tally.edits.fetch_add(u64::from(r.status() == 200), Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
        // Residents: a report or a confirmation, each from a new address.
        {
            let (client, base, tally, stop) = (client.clone(), base.clone(), tally.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64(200);
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let from = format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255);
                    let id = rng.random_range(1..=TOILETS as i64);
                    let request = if rng.random_bool(0.5) {
                        client
                            .post(format!("{base}/api/v1/toilets/{id}/reports"))
                            .json(&serde_json::json!({"kind": "no_paper", "note": "soak"}))
                    } else {
                        client.post(format!("{base}/api/v1/toilets/{id}/confirmations"))
                    };
                    if let Ok(r) = request.header("x-forwarded-for", from).send().await {
                        tally.count(r.status().as_u16());
                        tally.reports.fetch_add(u64::from(r.status().is_success()), Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }));
        }
        // An admin's import every 10 s: upload, then commit.
        {
            let (client, base, tally, stop, token) =
                (client.clone(), base.clone(), tally.clone(), stop.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut round = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    round += 1;
                    let mut csv = String::from("id,name,lat,lon,opening_hours\n");
                    for i in 0..2000u32 {
                        let lat = 30.0 + f64::from(i / 50) * 0.01 + f64::from(round) * 0.0001;
                        csv.push_str(&format!("s{i},Soak {i} r{round},{lat:.5},{:.5},24/7\n", 110.0 + f64::from(i % 50) * 0.01));
                    }
                    let upload = client
                        .post(format!("{base}/api/v1/imports?source=soak-admin&filename=list.csv"))
                        .bearer_auth(&token)
                        .header("content-type", "text/csv")
                        .body(csv)
                        .send()
                        .await;
                    if let Ok(r) = upload {
                        tally.count(r.status().as_u16());
                        if let Ok(body) = r.json::<serde_json::Value>().await
                            && let Some(id) = body["import_id"].as_str()
                            && let Ok(done) = client
                                .post(format!("{base}/api/v1/imports/{id}/commit"))
                                .bearer_auth(&token)
                                .send()
                                .await
                        {
                            tally.count(done.status().as_u16());
                            tally.imports.fetch_add(u64::from(done.status() == 200), Ordering::Relaxed);
                        }
                    }
                    for _ in 0..100 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }));
        }
        // The same traffic warms the server up (caches, pages, the JSON
        // of what changed) before the starting RSS; then a sample every 10 s.
        let started = Instant::now();
        tokio::time::sleep(Duration::from_secs(WARM_UP)).await;
        let rss_start = rss_mib(pid);
        let mut samples = vec![rss_start];
        for _ in 0..seconds.div_ceil(10) {
            tokio::time::sleep(Duration::from_secs(10).min(Duration::from_secs(seconds))).await;
            samples.push(rss_mib(pid));
        }
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            task.await?;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let rss_end = rss_mib(pid);
        let mut lat = std::mem::take(&mut *latencies.lock().unwrap());
        lat.sort_unstable();
        let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or(0) as f64 / 1000.0;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        println!(
            "requests: {} in {elapsed:.0} s, warm-up included ({:.0}/s); reads {}: p50 {:.2} ms, p99 {:.2} ms",
            load(&tally.requests),
            load(&tally.requests) as f64 / elapsed,
            lat.len(),
            pct(0.5),
            pct(0.99)
        );
        println!(
            "writes: {} edits, {} reports and confirmations, {} imports committed; {} answered 429",
            load(&tally.edits),
            load(&tally.reports),
            load(&tally.imports),
            load(&tally.refused)
        );
        println!("5xx responses: {}", load(&tally.server_errors));
        println!(
            "server RSS: {rss_start:.0} MiB after {WARM_UP} s of warm-up, {rss_end:.0} MiB at the end ({:+.1} %); every 10 s: {}",
            (rss_end / rss_start - 1.0) * 100.0,
            samples.iter().map(|m| format!("{m:.0}")).collect::<Vec<_>>().join(" ")
        );
        anyhow::Ok(load(&tally.server_errors))
    })
    .and_then(|errors| {
        let sizes = runtime.block_on(async {
            let store = gongce::store::Store::open(&url).await?;
            let sizes = store.table_sizes().await?;
            store.close().await;
            anyhow::Ok(sizes)
        })?;
        let sizes: Vec<String> = sizes.iter().map(|(t, n)| format!("{t} {n}")).collect();
        println!("tables: {}", sizes.join(", "));
        anyhow::ensure!(errors == 0, "{errors} server errors");
        Ok(())
    })?;
    drop(server);
    Ok(())
}
