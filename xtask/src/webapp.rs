//! `cargo xtask webapp [--dev]`: the mini-app, built offline from this
//! machine's own tools into `webapp/dist`.
//!
//! 1. `cargo build --target wasm32-unknown-unknown` (profile `webapp`:
//!    size first, with the standard library rebuilt so that a panic is a
//!    bare trap; `--dev` skips the optimising), twice: the residents' build
//!    (`gongce_webapp`) and the staff build with the committee and admin
//!    screens (feature `staff`, `gongce_staff`), which boot.js loads
//!    instead once this device has signed in;
//! 2. `wasm-bindgen --target web`, installed at the exact version in
//!    Cargo.lock when missing (trunk ≥ 0.22 needs a newer rustc);
//! 3. `wasm-opt -Oz` from npm's binaryen (Debian's is too old);
//! 4. the static shell and Leaflet (with marker clustering, CSS and
//!    images) from `webapp/node_modules`, installed by `npm ci`;
//! 5. every file precompressed (brotli; gzip by zopfli), sizes printed.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

use crate::{cargo, status};

pub const DIST: &str = "webapp/dist";

/// The wasm-bindgen version Cargo.lock pins.
fn locked_wasm_bindgen() -> anyhow::Result<String> {
    let lock = fs::read_to_string("Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            let version = lines.next().unwrap_or_default();
            if let Some(v) = version
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(v.to_owned());
            }
        }
    }
    bail!("Cargo.lock names no wasm-bindgen version")
}

fn ensure_wasm_bindgen() -> anyhow::Result<()> {
    let wanted = locked_wasm_bindgen()?;
    let have = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if have.as_deref() != Some(&format!("wasm-bindgen {wanted}")) {
        eprintln!("installing wasm-bindgen-cli {wanted} (a few minutes, once)");
        status(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    }
    Ok(())
}

/// `npm ci` in webapp/ unless node_modules matches package-lock.json.
pub fn ensure_npm() -> anyhow::Result<()> {
    let lock = Path::new("webapp/package-lock.json");
    let installed = Path::new("webapp/node_modules/.package-lock.json");
    let fresh = match (fs::read(lock), fs::read(installed)) {
        (Ok(_), Ok(_)) => {
            let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
            modified(installed) >= modified(lock)
        }
        _ => false,
    };
    if !fresh {
        status(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir("webapp"),
        )?;
    }
    Ok(())
}

pub fn build(dev: bool) -> anyhow::Result<()> {
    status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    ensure_wasm_bindgen()?;
    ensure_npm()?;
    let dist = Path::new(DIST);
    if dist.exists() {
        fs::remove_dir_all(dist)?;
    }
    fs::create_dir_all(dist.join("vendor/images"))?;
    // The residents' build, and the staff build with the committee and
    // admin screens that only those who sign in load.
    let mut stamp = 0;
    for (features, name) in [(None, "gongce_webapp"), (Some("staff"), "gongce_staff")] {
        stamp += build_wasm(dev, features, name, dist)?;
    }
    for entry in fs::read_dir("webapp/static")? {
        let path = entry?.path();
        fs::copy(&path, dist.join(path.file_name().context("a file name")?))?;
    }
    // The service worker's cache is named after this build.
    let sw = dist.join("sw.js");
    fs::write(
        &sw,
        fs::read_to_string(&sw)?.replace("gongce-BUILD", &format!("gongce-{stamp}")),
    )?;
    let modules = Path::new("webapp/node_modules");
    for (from, to) in [
        ("leaflet/dist/leaflet.js", "vendor/leaflet.js"),
        ("leaflet/dist/leaflet.css", "vendor/leaflet.css"),
        (
            "leaflet.markercluster/dist/leaflet.markercluster.js",
            "vendor/leaflet.markercluster.js",
        ),
        (
            "leaflet.markercluster/dist/MarkerCluster.css",
            "vendor/MarkerCluster.css",
        ),
        (
            "leaflet.markercluster/dist/MarkerCluster.Default.css",
            "vendor/MarkerCluster.Default.css",
        ),
    ] {
        fs::copy(modules.join(from), dist.join(to)).with_context(|| format!("copying {from}"))?;
    }
    for entry in fs::read_dir(modules.join("leaflet/dist/images"))? {
        let path = entry?.path();
        fs::copy(
            &path,
            dist.join("vendor/images")
                .join(path.file_name().context("a file name")?),
        )?;
    }
    precompress(dist)
}

/// Builds the app with `features`, as `dist/<name>.js` and
/// `dist/<name>_bg.wasm`; returns the wasm's size.
fn build_wasm(dev: bool, features: Option<&str>, name: &str, dist: &Path) -> anyhow::Result<u64> {
    let profile = if dev { "dev" } else { "webapp" };
    let mut build = cargo();
    build.args([
        "build",
        "-p",
        "gongce-webapp",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile,
    ]);
    if let Some(features) = features {
        build.args(["--features", features]);
    }
    if !dev {
        // rust-toolchain.toml lists rust-src, but a toolchain installed
        // before it did may lack it.
        status(Command::new("rustup").args(["component", "add", "rust-src"]))?;
        // The standard library built again, with every panic a bare trap:
        // no panic messages, locations or formatting machinery in the app
        // (15 KB of the first load, gzip). On the toolchain that
        // rust-toolchain.toml pins, whose rust-src it lists; a panic in the
        // app is a bug either way, and shows in the console as a trap.
        build
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTFLAGS", "-Zunstable-options -Cpanic=immediate-abort")
            .args(["-Z", "build-std=std,panic_abort"]);
    }
    status(&mut build)?;
    let dir = if dev { "debug" } else { "webapp" };
    let wasm = PathBuf::from(format!(
        "target/wasm32-unknown-unknown/{dir}/gongce_webapp.wasm"
    ));
    status(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
            ])
            .arg(dist)
            .arg(&wasm),
    )?;
    let bg = dist.join(format!("{name}_bg.wasm"));
    if !dev {
        status(
            Command::new("webapp/node_modules/.bin/wasm-opt")
                // Only what rustc's wasm32 target emits: `--all-features` would
                // let binaryen use proposals browsers do not ship yet.
                .args([
                    "-Oz",
                    "--enable-bulk-memory",
                    "--enable-nontrapping-float-to-int",
                    "--enable-sign-ext",
                    "--enable-mutable-globals",
                    "--enable-reference-types",
                    "--enable-multivalue",
                    "-o",
                ])
                .arg(&bg)
                .arg(&bg),
        )?;
    }
    Ok(fs::metadata(&bg)?.len())
}

/// Writes `.br` and `.gz` beside every text and wasm file, and prints sizes.
fn precompress(dist: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    let mut stack = vec![dist.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "file", "bytes", "gzip", "brotli"
    );
    // Residents load everything but the staff build; staff load it instead
    // of the residents' one.
    let (mut raw_total, mut gz_total, mut br_total) = (0, 0, 0);
    let mut staff = (0, 0, 0);
    for path in files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(
            ext,
            "js" | "css" | "html" | "wasm" | "svg" | "webmanifest" | "json"
        ) {
            continue;
        }
        let bytes = fs::read(&path)?;
        // Zopfli: gzip that any browser reads, ~5 % smaller than zlib's best.
        let mut gz = Vec::new();
        zopfli::compress(
            zopfli::Options::default(),
            zopfli::Format::Gzip,
            &bytes[..],
            &mut gz,
        )?;
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
            w.write_all(&bytes)?;
        }
        fs::write(format!("{}.gz", path.display()), &gz)?;
        fs::write(format!("{}.br", path.display()), &br)?;
        println!(
            "{:<44} {:>9} {:>9} {:>9}",
            path.strip_prefix(dist)?.display(),
            bytes.len(),
            gz.len(),
            br.len()
        );
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("gongce_staff") {
            staff = (
                staff.0 + bytes.len(),
                staff.1 + gz.len(),
                staff.2 + br.len(),
            );
        } else {
            raw_total += bytes.len();
            gz_total += gz.len();
            br_total += br.len();
        }
    }
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "total (first load, before tiles and API)", raw_total, gz_total, br_total
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "staff build (loaded on signing in)", staff.0, staff.1, staff.2
    );
    Ok(())
}
