//! `cargo xtask schemathesis [--seconds N] [--seed N] [--stateful]`: the
//! API against its own OpenAPI document, by Schemathesis (a property-based
//! tester nobody here wrote), with every check, as an admin with a bearer
//! token, on a fresh SQLite store with 300 rows of the demo list, served on
//! 127.0.0.1 only.
//!
//! Left out of generation, and tested elsewhere: the webhook routes (no
//! generated URL is ever resolved or called), the list upload and its
//! commit (their body is a file no schema can describe), and signing out
//! (it would end the token the run uses).
//!
//! CI runs 60 s, seeded; the longer run, with the stateful phase, is
//! `cargo xtask schemathesis --seconds 600 --stateful`.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context as _, bail};

use crate::{cargo, status};

/// Pinned, so a run means the same from one day to the next.
const VERSION: &str = "4.32.5";
const VENV: &str = "target/schemathesis";

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let mut seconds = 60;
    let mut seed = 1;
    let mut stateful = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = args.next().context("--seconds N")?.parse()?,
            "--seed" => seed = args.next().context("--seed N")?.parse()?,
            "--stateful" => stateful = true,
            other => bail!("unknown argument {other}: --seconds N, --seed N, --stateful"),
        }
    }
    let st = install()?;
    status(cargo().args(["build", "--locked", "-p", "gongce"]))?;
    let gongce = std::fs::canonicalize("target/debug/gongce")?;
    let dir = run_dir()?;
    let database_url = format!("sqlite:{}", dir.join("st.sqlite").display());
    // 300 rows of the demo list.
    let list = dir.join("list.csv");
    let demo = std::fs::read_to_string(crate::DEMO_DATA)?;
    std::fs::write(&list, demo.lines().take(301).collect::<Vec<_>>().join("\n"))?;
    status(
        Command::new(&gongce)
            .args([
                "import",
                "--database-url",
                &database_url,
                "--source",
                "demo",
                "--skip-invalid",
                "--fix-swapped",
            ])
            .arg(&list),
    )?;
    let password = "schemathesis-admin-password";
    let mut add = Command::new(&gongce)
        .args(["user", "add", "--database-url", &database_url])
        .args(["--username", "admin", "--role", "admin"])
        .stdin(Stdio::piped())
        .spawn()?;
    use std::io::Write as _;
    writeln!(add.stdin.take().context("stdin")?, "{password}")?;
    if !add.wait()?.success() {
        bail!("adding the admin failed");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(&gongce)
        .args(["serve", "--database-url", &database_url])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("GONGCE_READ_LIMIT", "off")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("serve.log"))?)
        .spawn()?;
    let result = (|| {
        let token = sign_in(&base, password)?;
        let mut cmd = Command::new(&st);
        // Its state (.schemathesis/) goes in the run's folder; its hooks
        // know how to write opening hours.
        cmd.current_dir(&dir)
            .env("PYTHONPATH", std::fs::canonicalize("xtask")?)
            .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
            .arg("run")
            .arg(format!("{base}/api/v1/openapi.json"))
            .args(["--url", &base])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all"])
            // DELETE /api/v1/toilets/{id} takes a toilet off the map and keeps
            // it, with its history, readable (docs/API.md); the check for a
            // deleted resource that still answers assumes deletion.
            .args(["--exclude-checks", "use_after_free"])
            .args(["--max-time", &seconds.to_string()])
            .args(["--seed", &seed.to_string()])
            // One worker: with two, Hypothesis parses lambdas' source on
            // both threads at once, and CPython 3.11 (gh-106905) then fails
            // with "AST constructor recursion depth mismatch".
            .args(["--workers", "1"])
            .args(["--generation-database", "none"])
            .args(["--exclude-path-regex", "/webhook|^/api/v1/imports"])
            .args(["--exclude-name", "DELETE /api/v1/session"])
            .args([
                "--phases",
                if stateful {
                    "examples,coverage,fuzzing,stateful"
                } else {
                    "examples,coverage,fuzzing"
                },
            ]);
        status(&mut cmd)
    })();
    // Stopped by its PID, whatever happened.
    let _ = server.kill();
    let _ = server.wait();
    if result.is_err() {
        eprintln!("server log: {}", dir.join("serve.log").display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Schemathesis in its own virtual environment under target/.
fn install() -> anyhow::Result<PathBuf> {
    let st = Path::new(VENV).join("bin/schemathesis");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(VERSION));
    if !installed {
        // Debian's own Python keeps venv in a package of its own.
        if status(Command::new("python3").args(["-m", "venv", VENV])).is_err() {
            status(Command::new("apt-get").args(["install", "-y", "python3-venv"]))?;
            status(Command::new("python3").args(["-m", "venv", "--clear", VENV]))?;
        }
        status(
            Command::new(Path::new(VENV).join("bin/pip"))
                .args(["install", "--quiet"])
                .arg(format!("schemathesis=={VERSION}")),
        )?;
    }
    Ok(std::fs::canonicalize(st)?)
}

/// A folder of its own for this run's store, list and log.
fn run_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("gongce-schemathesis-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Waits for the server, then signs in for a bearer token (Python's
/// standard library speaks HTTP; the xtask does not).
fn sign_in(base: &str, password: &str) -> anyhow::Result<String> {
    let script = r#"
import json, sys, time, urllib.request
base, password = sys.argv[1], sys.argv[2]
for _ in range(300):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
body = json.dumps({"username": "admin", "password": password, "bearer": True}).encode()
request = urllib.request.Request(base + "/api/v1/session", data=body,
    headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=10))["token"])
"#;
    let out = Command::new("python3")
        .args(["-c", script, base, password])
        .output()?;
    if !out.status.success() {
        bail!(
            "signing in failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}
