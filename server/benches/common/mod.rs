//! What the benchmarks share: the generated list, starting a server,
//! wrk and its script, a process's memory.

#![allow(dead_code)]

use std::{
    io::{BufRead as _, BufReader, Write as _},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const GONGCE: &str = env!("CARGO_BIN_EXE_gongce");
/// The generated toilets lie in this box: mainland China's east, where a
/// national deployment's queries would land.
pub const BOX: (f64, f64, f64, f64) = (20.0, 42.0, 100.0, 125.0);

/// Writes `n` toilets as a CSV list (distinct names and addresses: nothing
/// merges on import), the same list for the same `n`.
pub fn write_list(csv: &Path, n: usize) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let hours = [
        "24/7",
        "Mo-Su 06:00-22:00",
        "Mo-Fr 08:00-18:00; Sa 09:00-12:00",
    ];
    let tri = |rng: &mut ChaCha8Rng| ["", "yes", "no"][rng.random_range(0..3)];
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(csv)?);
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
    Ok(())
}

pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// The server under test: this tree's release build, or another build
/// named by `GONGCE_BENCH_BIN` (an earlier commit's, for a before/after).
pub fn gongce() -> String {
    std::env::var("GONGCE_BENCH_BIN").unwrap_or_else(|_| GONGCE.to_owned())
}

/// `gongce serve` with `options`, from spawn to its first 200 on /healthz,
/// logging warnings only.
pub fn start(url: &str, options: &[&str]) -> anyhow::Result<(Server, Duration)> {
    start_logging(url, options, None)
}

/// [`start`], or at the default level (an access-log line per request, as
/// deployments run) into `log` when one is given.
pub fn start_logging(
    url: &str,
    options: &[&str],
    log: Option<&Path>,
) -> anyhow::Result<(Server, Duration)> {
    let started = Instant::now();
    let mut cmd = Command::new(gongce());
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--database-url", url])
        .args(options)
        // One client (wrk) sends everything: the read limiter is off.
        .env("GONGCE_READ_LIMIT", "off")
        .stdout(Stdio::piped());
    match log {
        Some(log) => cmd
            .env_remove("RUST_LOG")
            .stderr(std::fs::File::create(log)?),
        None => cmd.env("RUST_LOG", "warn").stderr(Stdio::null()),
    };
    let mut child = cmd.spawn()?;
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

pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

pub fn wrk(url: &str, seconds: u64, script: Option<&Path>) -> anyhow::Result<f64> {
    Ok(wrk_at(url, seconds, script, 64)?.rps)
}

/// One wrk run: requests per second and latency percentiles.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

/// wrk with `connections` (two threads, one for a single connection).
pub fn wrk_at(
    url: &str,
    seconds: u64,
    script: Option<&Path>,
    connections: u32,
) -> anyhow::Result<Run> {
    let mut cmd = Command::new("wrk");
    let threads = connections.min(2);
    cmd.args([
        &format!("-t{threads}"),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
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
    if let Some(line) = text.lines().find(|l| l.contains("Non-2xx")) {
        println!("    {}", line.trim());
    }
    let percentile = |p: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(p))
            .and_then(|v| micros(v.trim()))
            .unwrap_or(f64::NAN)
    };
    Ok(Run {
        rps: text
            .lines()
            .find_map(|l| l.strip_prefix("Requests/sec:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk output:\n{text}"))?,
        p50_us: percentile("50%"),
        p99_us: percentile("99%"),
    })
}

/// wrk's `123.45us`, `1.20ms`, `2.00s` in microseconds.
fn micros(v: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// A wrk script asking for the 10 nearest at random points in [`BOX`].
pub fn nearby_script() -> anyhow::Result<PathBuf> {
    script(
        "gongce-nearby.lua",
        "/api/v1/toilets/nearby?lat=%.6f&lon=%.6f&limit=10",
        "lat, lon",
        "",
    )
}

/// The same with random filters: each facility and open_now asked for
/// three times in ten, unknown answers kept half of the time.
pub fn filtered_nearby_script() -> anyhow::Result<PathBuf> {
    script(
        "gongce-nearby-filtered.lua",
        "/api/v1/toilets/nearby?lat=%.6f&lon=%.6f&limit=10%s",
        "lat, lon, f",
        "local f = ''\n\
         for _, name in ipairs({'wheelchair', 'baby_change', 'family_room', 'free', 'open_now'}) do\n\
           if math.random() < 0.3 then f = f .. '&' .. name .. '=true' end\n\
         end\n\
         if math.random() < 0.5 then f = f .. '&include_unknown=true' end\n",
    )
}

/// The toilets in a box `span` degrees high (1.5 times that wide) at
/// random places in [`BOX`], as a map view asks.
pub fn bbox_script(span: f64) -> anyhow::Result<PathBuf> {
    script(
        "gongce-bbox.lua",
        "/api/v1/toilets?bbox=%.6f,%.6f,%.6f,%.6f&limit=1000",
        &format!("lon, lat, lon + {}, lat + {span}", span * 1.5),
        "",
    )
}

/// A wrk script: the path `format` filled with the Lua expressions `args`
/// over a random `lat` and `lon` in [`BOX`] (after `extra`, which may set
/// more), seeded so every run asks the same.
fn script(name: &str, format: &str, args: &str, extra: &str) -> anyhow::Result<PathBuf> {
    let script = std::env::temp_dir().join(name);
    std::fs::write(
        &script,
        format!(
            "math.randomseed(42)\n\
             request = function()\n\
               local lat = {} + math.random() * {}\n\
               local lon = {} + math.random() * {}\n\
               {extra}\
               return wrk.format('GET', string.format('{format}', {args}))\n\
             end\n",
            BOX.0,
            BOX.1 - BOX.0,
            BOX.2,
            BOX.3 - BOX.2
        ),
    )?;
    Ok(script)
}
