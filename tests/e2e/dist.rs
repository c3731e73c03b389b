//! The release archive (`cargo xtask dist`), unpacked into an empty folder:
//! its binary serves the web app built into it, precompressed, and the API.
//! `cargo xtask test` builds the archive and names it in
//! `GONGCE_DIST_ARCHIVE`; a plain `cargo test -- --include-ignored`
//! without it skips this, saying so.

use std::{
    path::Path,
    process::{Command, Stdio},
};

use super::{Server, write};

/// The files a city gets, inside the archive's one folder.
const CONTENTS: [&str; 9] = [
    "gongce",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "NOTICE.md",
    "gongce.service",
    "gongce-backup.service",
    "gongce-backup.timer",
    "docs/DEPLOYMENT.md",
];

#[tokio::test]
#[ignore = "needs the release archive: cargo xtask dist, then GONGCE_DIST_ARCHIVE=…"]
async fn the_release_archive_unpacked_alone_serves_the_app_and_the_api() {
    let Some(archive) = std::env::var_os("GONGCE_DIST_ARCHIVE") else {
        eprintln!("skipped: set GONGCE_DIST_ARCHIVE (cargo xtask test does)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let empty = tempfile::tempdir().unwrap();
    let unpacked = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(empty.path())
        .status()
        .unwrap();
    assert!(unpacked.success());
    let folders: Vec<_> = std::fs::read_dir(empty.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "one folder: {folders:?}");
    let folder = &folders[0];
    let name = folder.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with(&format!("gongce-{}-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );
    for file in CONTENTS {
        assert!(folder.join(file).is_file(), "{file} is not in the archive");
    }
    assert_eq!(
        std::fs::read(folder.join("gongce.service")).unwrap(),
        std::fs::read(root.join("deploy/systemd/gongce.service")).unwrap()
    );

    // A city's list, imported and served from a folder with nothing else.
    let gongce = folder.join("gongce");
    let work = tempfile::tempdir().unwrap();
    let list = write(
        work.path(),
        "list.csv",
        "id,名称,纬度,经度\n1,人民广场公厕,31.2325,121.4737\n",
    );
    let db = "sqlite:city.sqlite";
    let import = Command::new(&gongce)
        .current_dir(work.path())
        .args(["import", "--database-url", db])
        .arg(&list)
        .output()
        .unwrap();
    assert!(import.status.success(), "{import:?}");
    let server = Server::listening(
        Command::new(&gongce)
            .current_dir(work.path())
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db])
            .env_remove("GONGCE_WEBAPP_DIR")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();

    // The page, as built, with the app's security policy.
    let page = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self' 'wasm-unsafe-eval'")
    );
    assert_eq!(
        page.bytes().await.unwrap(),
        std::fs::read(root.join("webapp/dist/index.html")).unwrap()
    );
    // Revalidation: the page has not changed.
    let again = client
        .get(server.url("/"))
        .header("if-none-match", headers["etag"].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // The app's WebAssembly, as Brotli when the browser takes it.
    for (accept, encoding, file) in [
        ("gzip, deflate, br", Some("br"), "gongce_webapp_bg.wasm.br"),
        ("gzip", Some("gzip"), "gongce_webapp_bg.wasm.gz"),
        ("identity", None, "gongce_webapp_bg.wasm"),
    ] {
        let wasm = client
            .get(server.url("/gongce_webapp_bg.wasm"))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(wasm.status(), 200);
        assert_eq!(wasm.headers()["content-type"], "application/wasm");
        assert_eq!(
            wasm.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(
            wasm.bytes().await.unwrap(),
            std::fs::read(root.join("webapp/dist").join(file)).unwrap(),
            "{accept}"
        );
    }

    // The API, and the metrics that count it.
    let nearby = client
        .get(server.url("/api/v1/toilets/nearby?lat=31.2324&lon=121.4737"))
        .send()
        .await
        .unwrap();
    assert_eq!(nearby.status(), 200);
    let body: serde_json::Value = nearby.json().await.unwrap();
    assert_eq!(body["results"][0]["toilet"]["name"], "人民广场公厕");
    let metrics = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"gongce_http_requests_total{route="/api/v1/toilets/nearby",status="2xx"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("\ngongce_toilets 1\n"), "{metrics}");
}
