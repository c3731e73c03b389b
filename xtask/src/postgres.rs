//! A throwaway PostgreSQL 15 server for tests and benchmarks: Debian's
//! packages (installed when missing), a cluster in a temporary folder made
//! by `initdb` as the `postgres` user, listening on 127.0.0.1 only, on a
//! free port; stopped and deleted when dropped.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

use crate::status;

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Server {
    dir: PathBuf,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`: the superuser's database.
    pub url: String,
}

/// Installs PostgreSQL 15 from apt when it is not there.
fn ensure_installed() -> anyhow::Result<()> {
    if Path::new(BIN).join("initdb").exists() {
        return Ok(());
    }
    status(Command::new("apt-get").arg("update"))?;
    status(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "postgresql-15"]),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A command from PostgreSQL's bin folder, run as `postgres` when we are
/// root (initdb refuses root).
fn pg(program: &str) -> Command {
    let path = Path::new(BIN).join(program);
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(path);
        cmd
    } else {
        Command::new(path)
    }
}

pub fn start() -> anyhow::Result<Server> {
    ensure_installed()?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = std::env::temp_dir().join(format!("gongce-pg-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    if is_root() {
        status(Command::new("chown").args(["postgres:postgres"]).arg(&dir))?;
    }
    let data = dir.join("data");
    let quiet = |cmd: &mut Command| -> anyhow::Result<()> {
        let out = cmd
            .output()
            .with_context(|| format!("cannot run {}", crate::describe(cmd)))?;
        if !out.status.success() {
            bail!(
                "{} failed: {}",
                crate::describe(cmd),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    };
    quiet(pg("initdb").arg("-D").arg(&data).args([
        "--auth=trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    ]))?;
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=200",
        dir.display()
    );
    quiet(
        pg("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .args(["-o", &options, "-w", "start"]),
    )?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    eprintln!("PostgreSQL 15 at {url} (data in {})", data.display());
    Ok(Server { dir, url })
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = pg("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
