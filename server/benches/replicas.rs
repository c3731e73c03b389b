//! The replica benchmark: prints numbers, asserts nothing.
//!
//! With N generated toilets (default 100,000; `-- --toilets N`) imported
//! by `gongce import` into a SQLite file and into a PostgreSQL database
//! (the server `GONGCE_BENCH_POSTGRES` names; `cargo xtask bench replicas`
//! starts a throwaway one):
//! - import time into each store;
//! - /api/v1/toilets/nearby throughput (wrk, 64 connections, random
//!   points) on the SQLite server and on replica A of two PostgreSQL
//!   replicas, alternating, three rounds of `--seconds` each, and the ratio
//!   of the medians (the index is the same, so the target is ≥ 90 %);
//! - change propagation: `--writes` (default 1,000) edits one after another
//!   on replica A; for each, the time from A's 200 until replica B serves the
//!   new version (polled over HTTP), median, p90, p99 and max.

mod common;

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{GONGCE, nearby_script, start, write_list, wrk};
use serde_json::{Value, json};
use sqlx::{Connection as _, Executor as _};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    Ok(match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?
            .parse()?,
        None => default,
    })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = arg(&args, "--toilets", 100_000)?;
    let seconds: u64 = arg(&args, "--seconds", 10)?;
    let writes: usize = arg(&args, "--writes", 1000)?;
    let admin = std::env::var("GONGCE_BENCH_POSTGRES").map_err(|_| {
        anyhow::anyhow!(
            "set GONGCE_BENCH_POSTGRES=postgres://…/postgres (cargo xtask bench replicas does)"
        )
    })?;
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;

    println!("== gongce replica benchmark: {n} toilets");
    let csv = dir.join(format!("replicas-{n}.csv"));
    write_list(&csv, n)?;
    let sqlite = dir.join(format!("replicas-{n}.sqlite"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    let sqlite_url = format!("sqlite:{}", sqlite.display());
    let pg_url = runtime.block_on(fresh_database(&admin, "gongce_bench"))?;
    for (name, url) in [("SQLite", &sqlite_url), ("PostgreSQL", &pg_url)] {
        let started = Instant::now();
        let out = Command::new(GONGCE)
            .args(["import", "--database-url", url])
            .arg(&csv)
            .stderr(Stdio::inherit())
            .output()?;
        anyhow::ensure!(out.status.success(), "import into {name} failed");
        println!(
            "import into {name}: {:.2} s ({})",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    std::fs::remove_file(&csv)?;
    let password = "bench-password-123";
    let mut add = Command::new(GONGCE)
        .args(["user", "add", "--database-url", &pg_url])
        .args(["--username", "bench", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    {
        use std::io::Write as _;
        writeln!(add.stdin.take().expect("piped"), "{password}")?;
    }
    anyhow::ensure!(add.wait()?.success(), "cannot add the bench user");

    let (single, single_start) = start(&sqlite_url, &[])?;
    let (a, a_start) = start(&pg_url, &[])?;
    let (b, _) = start(&pg_url, &[])?;
    println!(
        "cold start to first 200: SQLite {:.2} s, PostgreSQL replica {:.2} s",
        single_start.as_secs_f64(),
        a_start.as_secs_f64()
    );

    let script = nearby_script()?;
    println!("warm-up, discarded:");
    wrk(&format!("{}/healthz", single.base), 3, None)?;
    wrk(&format!("{}/healthz", a.base), 3, None)?;
    let (mut on_sqlite, mut on_pg) = (Vec::new(), Vec::new());
    for round in 1..=3 {
        println!("round {round}: /nearby k=10, 64 connections, SQLite server:");
        on_sqlite.push(wrk(&single.base, seconds, Some(&script))?);
        println!("  {:.0} requests/s", on_sqlite.last().unwrap());
        println!("round {round}: the same on PostgreSQL replica A (B running beside it):");
        on_pg.push(wrk(&a.base, seconds, Some(&script))?);
        println!("  {:.0} requests/s", on_pg.last().unwrap());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (s, p) = (median(&mut on_sqlite), median(&mut on_pg));
    println!(
        "/nearby median: SQLite {s:.0} requests/s, PostgreSQL replica {p:.0} requests/s: {:.1} % (target >= 90 %)",
        100.0 * p / s
    );
    drop(single);

    let times = runtime.block_on(propagation(&a.base, &b.base, password, writes))?;
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    println!(
        "change propagation A → B over {writes} edits (from A's 200 to B serving the new version): \
         median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target: within 1 s)",
        at(0.5),
        at(0.9),
        at(0.99),
        ms[ms.len() - 1]
    );
    drop((a, b));
    runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        conn.execute("DROP DATABASE IF EXISTS gongce_bench WITH (FORCE)")
            .await?;
        anyhow::Ok(())
    })?;
    Ok(())
}

/// An empty database `name` on the server; answers its URL.
async fn fresh_database(admin: &str, name: &str) -> anyhow::Result<String> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    conn.execute(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .await?;
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await?;
    let base = admin
        .rsplit_once('/')
        .ok_or_else(|| anyhow::anyhow!("a URL ending in /DATABASE"))?
        .0;
    Ok(format!("{base}/{name}"))
}

/// Edits one toilet `writes` times on A; after each 200, polls B until it
/// serves the new version.
async fn propagation(
    a: &str,
    b: &str,
    password: &str,
    writes: usize,
) -> anyhow::Result<Vec<Duration>> {
    let client = reqwest::Client::new();
    let session: Value = client
        .post(format!("{a}/api/v1/session"))
        .json(&json!({"username": "bench", "password": password, "bearer": true}))
        .send()
        .await?
        .json()
        .await?;
    let token = session["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no token: {session}"))?
        .to_owned();
    let created: Value = client
        .post(format!("{a}/api/v1/toilets"))
        .bearer_auth(&token)
        .json(&json!({"name": "传播测试", "lat": 31.23, "lon": 121.47}))
        .send()
        .await?
        .json()
        .await?;
    let id = created["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("not created: {created}"))?;
    let mut version = 1;
    let mut times = Vec::with_capacity(writes);
    for i in 0..writes {
        let reply = client
            .patch(format!("{a}/api/v1/toilets/{id}"))
            .bearer_auth(&token)
            .json(&json!({"version": version, "hours_note": format!("edit {i}")}))
            .send()
            .await?;
        anyhow::ensure!(reply.status() == 200, "edit {i}: {}", reply.status());
        let acknowledged = Instant::now();
        version += 1;
        loop {
            let seen: Value = client
                .get(format!("{b}/api/v1/toilets/{id}"))
                .send()
                .await?
                .json()
                .await?;
            if seen["version"].as_i64() == Some(version) {
                break;
            }
            anyhow::ensure!(
                acknowledged.elapsed() < Duration::from_secs(30),
                "B never served version {version}"
            );
        }
        times.push(acknowledged.elapsed());
    }
    Ok(times)
}
