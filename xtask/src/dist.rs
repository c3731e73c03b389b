//! `cargo xtask dist`: the release. A server with the web app built in,
//! `target/dist/gongce`, and the archive a city installs from,
//! `target/dist/gongce-<version>-<target>.tar.gz`: that binary, the README,
//! the licences and notices, `docs/` and the systemd units.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context as _;

use crate::{cargo, status, webapp};

pub const DIR: &str = "target/dist";

/// What goes into the archive besides the binary: (source, name inside).
const FILES: [(&str, &str); 7] = [
    ("README.md", "README.md"),
    ("LICENSE-MIT", "LICENSE-MIT"),
    ("LICENSE-APACHE", "LICENSE-APACHE"),
    ("NOTICE.md", "NOTICE.md"),
    ("deploy/systemd/gongce.service", "gongce.service"),
    (
        "deploy/systemd/gongce-backup.service",
        "gongce-backup.service",
    ),
    ("deploy/systemd/gongce-backup.timer", "gongce-backup.timer"),
];

/// The web app, then `target/release/gongce` with it built in.
pub fn build_server() -> anyhow::Result<()> {
    webapp::build(false)?;
    status(cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "gongce",
        "--features",
        "embedded-webapp",
    ]))
}

/// Builds the release; returns the archive's path.
pub fn build() -> anyhow::Result<PathBuf> {
    build_server()?;
    let dist = Path::new(DIR);
    if dist.exists() {
        fs::remove_dir_all(dist)?;
    }
    fs::create_dir_all(dist)?;
    let binary = dist.join("gongce");
    fs::copy("target/release/gongce", &binary)?;
    let name = format!("gongce-{}-{}", version(&binary)?, host_target()?);
    let archive = dist.join(format!("{name}.tar.gz"));
    let gz =
        flate2::write::GzEncoder::new(fs::File::create(&archive)?, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(true);
    tar.append_path_with_name(&binary, format!("{name}/gongce"))?;
    for (from, to) in FILES {
        tar.append_path_with_name(from, format!("{name}/{to}"))
            .with_context(|| format!("adding {from}"))?;
    }
    tar.append_dir_all(format!("{name}/docs"), "docs")?;
    tar.into_inner()?.finish()?;
    eprintln!(
        "{}: {:.1} MB\n{}: {:.1} MB",
        binary.display(),
        fs::metadata(&binary)?.len() as f64 / 1e6,
        archive.display(),
        fs::metadata(&archive)?.len() as f64 / 1e6,
    );
    Ok(archive)
}

/// `gongce --version` says `gongce 0.1.0`.
fn version(binary: &Path) -> anyhow::Result<String> {
    let out = Command::new(binary).arg("--version").output()?;
    let text = String::from_utf8(out.stdout)?;
    text.split_whitespace()
        .nth(1)
        .map(str::to_owned)
        .with_context(|| format!("no version in {text:?}"))
}

/// The target this machine builds for, from `rustc -vV`.
fn host_target() -> anyhow::Result<String> {
    let out = Command::new("rustc").arg("-vV").output()?;
    let text = String::from_utf8(out.stdout)?;
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .context("no host in rustc -vV")
}
