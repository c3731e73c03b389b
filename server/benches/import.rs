//! The import benchmark: prints numbers, asserts nothing.
//!
//! Generates CSV lists of 10k, 100k and 1M rows (`-- --rows N,N,…`) shaped
//! like the Taiwan list (Chinese names and addresses, three rooms per
//! venue, a room-type column), then times `gongce import` end to end into
//! a fresh SQLite store and reads its peak memory. The baseline is the
//! smallest file of the same run: time per row and peak memory are given
//! as ratios to it, so a streaming import shows flat memory. Each file is
//! imported a second time with `--timezone Asia/Shanghai`, so the cost of
//! finding each toilet's zone from its position (tzf-rs) shows as a ratio.
//!
//! Run it with `cargo xtask bench import`.

use std::{
    io::{BufWriter, Write as _},
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const GONGCE: &str = env!("CARGO_BIN_EXE_gongce");

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--rows")
        .and_then(|i| args.get(i + 1))
        .map_or("10000,100000,1000000", String::as_str)
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    println!("== gongce import benchmark (CSV, 3 rooms per venue, fresh store)");
    println!(
        "{:>9}  {:>9}  {:>8}  {:>11}  {:>9}  {:>12}  {:>10}  {:>13}  {:>10}",
        "rows",
        "file MiB",
        "seconds",
        "rows/s",
        "peak MiB",
        "µs/row ratio",
        "peak ratio",
        "fixed-zone s",
        "zone ratio"
    );
    let mut baseline: Option<(f64, f64)> = None;
    for n in sizes {
        let file = dir.join(format!("import-{n}.csv"));
        if !file.exists() {
            generate(&file, n)?;
        }
        let (seconds, stdout) = import(&dir, &file, n, &[])?;
        let (fixed, _) = import(&dir, &file, n, &["--timezone", "Asia/Shanghai"])?;
        let peak: f64 = stdout
            .split("peak memory ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        let per_row = seconds / n as f64 * 1e6;
        let (base_row, base_peak) = *baseline.get_or_insert((per_row, peak));
        println!(
            "{:>9}  {:>9.1}  {:>8.2}  {:>11.0}  {:>9.0}  {:>12.2}  {:>10.2}  {:>13.2}  {:>10.2}",
            n,
            std::fs::metadata(&file)?.len() as f64 / 1048576.0,
            seconds,
            n as f64 / seconds,
            peak,
            per_row / base_row,
            peak / base_peak,
            fixed,
            seconds / fixed
        );
        println!("           {}", stdout.trim());
    }
    Ok(())
}

/// Imports `file` into a fresh SQLite store: seconds, and what it printed.
fn import(dir: &Path, file: &Path, n: usize, extra: &[&str]) -> anyhow::Result<(f64, String)> {
    let db = dir.join(format!("import-{n}.sqlite"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let started = Instant::now();
    let out = Command::new(GONGCE)
        .args(["import", "--source", "bench", "--database-url"])
        .arg(format!("sqlite:{}", db.display()))
        .args(extra)
        .arg(file)
        .env("RUST_LOG", "warn")
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    anyhow::ensure!(
        out.status.success(),
        "import failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((seconds, stdout))
}

/// `n` rows: venues of three rooms (女廁 / 男廁 / 無障礙) a few metres
/// apart, spread over eastern China, with ids, addresses and hours.
fn generate(path: &Path, n: usize) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "id,name_zh,address_zh,latitude,longitude,type_zh,has_diaper,opening_hours,manager"
    )?;
    let rooms = ["女廁所", "男廁所", "無障礙廁所"];
    let mut i = 0;
    while i < n {
        let venue = i / 3;
        let (lat, lon) = (rng.random_range(20.0..42.0), rng.random_range(100.0..125.0));
        for (r, room) in rooms.iter().enumerate() {
            if i >= n {
                break;
            }
            writeln!(
                out,
                "T{i:08},测试公园{venue}({}),某省某市某区人民路{venue}号,{:.7},{:.7},{room},{},Mo-Su 06:00-22:00,某区环卫所",
                &room[..room.len() - "所".len()],
                lat + r as f64 * 0.00002,
                lon + r as f64 * 0.00002,
                if r == 2 { "True" } else { "False" },
            )?;
            i += 1;
        }
    }
    out.flush()?;
    Ok(())
}
