//! End-to-end: the real `gongce` binary, on 127.0.0.1:0, over real HTTP.

use std::{
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

mod dist;
mod image;
mod kill;
mod replicas;
mod settings;
#[path = "../../server/tests/support/mod.rs"]
mod support;

const GONGCE: &str = env!("CARGO_BIN_EXE_gongce");

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts `gongce serve` on a free port and waits for its address line.
    fn start(database_url: &str) -> Server {
        Server::start_logging(database_url, Stdio::null(), "info")
    }

    /// The same, with its log (at `level`) going to `stderr`.
    fn start_logging(database_url: &str, stderr: impl Into<Stdio>, level: &str) -> Server {
        Server::spawn(
            database_url,
            &["--sync-interval-ms", "200"],
            stderr.into(),
            level,
        )
    }

    /// With these options in place of the default sync interval.
    fn start_with(database_url: &str, options: &[&str]) -> Server {
        Server::spawn(database_url, options, Stdio::null(), "info")
    }

    fn spawn(database_url: &str, options: &[&str], stderr: Stdio, level: &str) -> Server {
        let child = Command::new(GONGCE)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .args(options)
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("gongce starts");
        Server::listening(child)
    }

    /// A started `gongce serve` (stdout piped), once it says where it listens.
    fn listening(mut child: Child) -> Server {
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("gongce listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no chance to finish anything.
    fn kill9(&mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-KILL", &pid]).status().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then wait for a clean exit.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "gongce did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs `username` in with a bearer token: the session as answered.
async fn session(
    client: &reqwest::Client,
    server: &Server,
    username: &str,
    password: &str,
) -> serde_json::Value {
    client
        .post(server.url("/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": password, "bearer": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Signs `username` in for a bearer token.
async fn sign_in(
    client: &reqwest::Client,
    server: &Server,
    username: &str,
    password: &str,
) -> String {
    let session = session(client, server, username, password).await;
    session["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {session}"))
        .to_owned()
}

fn import(database_url: &str, file: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(GONGCE)
        .args(["import", "--database-url", database_url])
        .args(extra)
        .arg(file)
        .output()
        .expect("gongce import runs")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let reply = client.get(url).send().await.unwrap();
    let status = reply.status().as_u16();
    let content_type = reply.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{url}: {content_type}"
    );
    (status, reply.json().await.unwrap())
}

#[tokio::test]
async fn serves_imports_while_running_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("city.sqlite").display());
    let first = write(
        dir.path(),
        "first.csv",
        "id,名称,纬度,经度,无障碍\n1,人民广场公厕,31.2325,121.4737,是\n2,南京东路公厕,31.2350,121.4800,否\n",
    );
    let out = import(&db, &first, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 inserted"));

    let server = Server::start(&db);
    let client = reqwest::Client::new();
    let (status, health) = get_json(&client, &server.url("/healthz")).await;
    assert_eq!((status, health["toilets"].as_i64()), (200, Some(2)));

    let nearby = server.url("/api/v1/toilets/nearby?lat=31.2324&lon=121.4737");
    let (status, body) = get_json(&client, &nearby).await;
    assert_eq!(status, 200);
    assert_eq!(body["results"][0]["toilet"]["name"], "人民广场公厕");
    assert_eq!(body["results"][0]["toilet"]["wheelchair"], true);

    let (status, err) =
        get_json(&client, &server.url("/api/v1/toilets/nearby?lat=NaN&lon=1")).await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"].as_str().unwrap().contains("`lat`"));

    // A file with a bad row writes nothing and says where the problem is.
    let bad = write(
        dir.path(),
        "bad.csv",
        "id,name,lat,lon\n3,Good,31.23,121.47\n4,Bad,95,121.47\n",
    );
    let out = import(&db, &bad, &["--source", "first"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid latitude 95") && stderr.contains("nothing written"),
        "{stderr}"
    );

    // An import while the server runs is served within 5 seconds, no restart.
    let second = write(
        dir.path(),
        "second.csv",
        "id,name,lat,lon\n9,新来的公厕,31.2324,121.4736\n",
    );
    let out = import(&db, &second, &["--source", "first"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imported = Instant::now();
    loop {
        let (_, body) = get_json(&client, &nearby).await;
        if body["results"][0]["toilet"]["name"] == "新来的公厕" {
            break;
        }
        assert!(
            imported.elapsed() < Duration::from_secs(5),
            "import not served within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, health) = get_json(&client, &server.url("/healthz")).await;
    assert_eq!(health["toilets"], 3);

    let status = server.terminate();
    assert!(status.success(), "exit after SIGTERM: {status}");
}

#[test]
fn cli_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("x.sqlite").display());
    let no_lon = write(dir.path(), "no_lon.csv", "name,lat\nA,1\n");
    let out = import(&db, &no_lon, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column for lon"));
    let out = import(&db, &dir.path().join("missing.csv"), &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
    let out = Command::new(GONGCE)
        .args(["serve", "--bind", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-an-address"));
}

/// `../shared/datasets` beside the checkout, or GONGCE_SHARED_DIR.
fn dataset(name: &str) -> PathBuf {
    let shared = std::env::var_os("GONGCE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    shared.join("datasets").join(name)
}

/// Every file of the store (the database and any WAL beside it): name,
/// length and a hash of the bytes.
fn store_bytes(dir: &Path) -> Vec<(String, usize, u64)> {
    use std::hash::{Hash as _, Hasher as _};
    let mut files: Vec<(String, usize, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("city.sqlite") && !name.ends_with("-shm")
        })
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut hasher);
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                bytes.len(),
                hasher.finish(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The store's toilets and change log, row by row, as text.
fn store_rows(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut rows = Vec::new();
    for sql in [
        "SELECT * FROM toilets ORDER BY id",
        "SELECT * FROM toilet_changes ORDER BY seq",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let mut q = stmt.query([]).unwrap();
        while let Some(r) = q.next().unwrap() {
            let cells: Vec<String> = (0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect();
            rows.push(cells.join("|"));
        }
    }
    rows
}

#[test]
fn dry_run_reports_everything_and_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("city.sqlite").display());
    let taiwan = dataset("taiwan_moenv_toilets_20251109_no_taipei.csv");
    let args = [
        "--source",
        "tw",
        "--timezone",
        "Asia/Taipei",
        "--skip-invalid",
    ];
    let out = import(&db, &taiwan, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = store_bytes(dir.path());
    assert!(!before.is_empty());

    // An updated list: one venue renamed, the rest gone.
    let text = std::fs::read_to_string(&taiwan).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let first = lines.next().unwrap().replacen("龍騰公園", "龍騰新公園", 1);
    let updated = write(dir.path(), "updated.csv", &format!("{header}\n{first}\n"));
    let report = dir.path().join("report.json");
    let out = import(
        &db,
        &updated,
        &[
            "--source",
            "tw",
            "--timezone",
            "Asia/Taipei",
            "--dry-run",
            "--remove-missing",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("dry run, nothing written"), "{stdout}");
    // Not a terminal: no progress bar.
    assert!(!stderr.contains("reading"), "{stderr}");
    assert_eq!(
        store_bytes(dir.path()),
        before,
        "the dry run changed the store"
    );

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["written"], false);
    assert_eq!(report["counts"]["read"], 1);
    assert_eq!(report["counts"]["inserted"], 0);
    assert_eq!(report["counts"]["updated"], 1);
    assert!(report["counts"]["removed"].as_u64().unwrap() > 14_000);

    // The full list's report, as JSON, names the swapped row by id.
    let report_path = dir.path().join("full.json");
    let out = import(
        &db,
        &taiwan,
        &[
            "--source",
            "tw",
            "--timezone",
            "Asia/Taipei",
            "--dry-run",
            "--report",
            report_path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let full: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let swapped = full["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["external_id"] == "C040000333")
        .expect("C040000333 in the report");
    assert_eq!(swapped["severity"], "rejected");
    assert!(swapped["reason"].as_str().unwrap().contains("swapped"));
    assert_eq!(full["counts"]["unchanged"], full["counts"]["venues"]);
    assert_eq!(store_bytes(dir.path()), before);
}

/// 200,000 toilets on a 1 km grid, source ids 0…199999: with a store
/// holding "Alpha" (1) and "Beta" (2) of the same source, two are updates.
fn grid_list(dir: &Path) -> PathBuf {
    let mut text = String::from("id,name,lat,lon\n");
    for i in 0..200_000u32 {
        let (lat, lon) = (
            30.0 + f64::from(i / 1000) * 0.01,
            120.0 + f64::from(i % 1000) * 0.01,
        );
        text.push_str(&format!("{i},Toilet {i},{lat:.5},{lon:.5}\n"));
    }
    write(dir, "big.csv", &text)
}

/// Imports `file` as source "big" and kills the import with SIGKILL the
/// moment it logs that it is writing (inside its transaction).
fn kill_import_while_writing(database_url: &str, file: &Path) {
    let mut child = Command::new(GONGCE)
        .args(["import", "--database-url", database_url, "--source", "big"])
        .arg(file)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        if line.contains("writing") {
            Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status()
                .unwrap();
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import finished before the kill: {seen}"
    );
}

#[test]
fn a_killed_import_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.sqlite");
    let db = format!("sqlite:{}", path.display());
    let small = write(
        dir.path(),
        "small.csv",
        "id,name,lat,lon\n1,Alpha,30.001,120.001\n2,Beta,30.002,120.002\n",
    );
    assert!(import(&db, &small, &["--source", "big"]).status.success());
    let before = store_rows(&path);

    let big = grid_list(dir.path());
    kill_import_while_writing(&db, &big);
    assert_eq!(
        store_rows(&path),
        before,
        "a killed import changed the store"
    );

    // The same import, not killed, then writes everything.
    let out = import(&db, &big, &["--source", "big"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("200000 rows read: 199998 inserted, 2 updated"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn export_cli_writes_each_format_and_imports_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("city.sqlite").display());
    let list = write(
        dir.path(),
        "list.csv",
        "id,名称,纬度,经度,无障碍\n1,人民广场公厕,31.2325,121.4737,是\n2,南京东路公厕,31.2350,121.4800,否\n",
    );
    assert!(import(&db, &list, &["--source", "city"]).status.success());
    for format in ["csv", "geojson", "xlsx"] {
        let out_file = dir.path().join(format!("export.{format}"));
        let out = Command::new(GONGCE)
            .args(["export", "--database-url", &db, "--format", format, "-o"])
            .arg(&out_file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let copy = format!(
            "sqlite:{}",
            dir.path().join(format!("copy-{format}.sqlite")).display()
        );
        let out = import(&copy, &out_file, &["--source", "city"]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("2 rows read: 2 inserted"),
            "{format}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs a `gongce` subcommand with `stdin` as its input.
fn gongce(args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = Command::new(GONGCE)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn committees_bootstrapped_from_the_cli_edit_over_http_and_logs_keep_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("city.sqlite").display());
    let password = "Tr0ub4dor&3-secret";
    let out = gongce(
        &[
            "org",
            "add",
            "--database-url",
            &db,
            "--name",
            "贵州居委会",
            "--kind",
            "居委会",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = gongce(
        &[
            "org",
            "add",
            "--database-url",
            &db,
            "--name",
            "x",
            "--kind",
            "club",
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"club\""));
    for (user, role, org) in [
        ("li", "committee", Some("贵州居委会")),
        ("root", "admin", None),
    ] {
        let mut args = vec![
            "user",
            "add",
            "--database-url",
            &db,
            "--username",
            user,
            "--role",
            role,
        ];
        if let Some(org) = org {
            args.extend(["--org", org]);
        }
        let out = gongce(&args, &format!("{password}\n"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = gongce(
        &[
            "user",
            "add",
            "--database-url",
            &db,
            "--username",
            "wang",
            "--role",
            "committee",
            "--org",
            "贵州居委会",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10"));

    let log = dir.path().join("server.log");
    let server = Server::start_logging(&db, std::fs::File::create(&log).unwrap(), "debug");
    let client = reqwest::Client::new();
    let session = session(&client, &server, "li", password).await;
    let token = session["token"].as_str().unwrap().to_owned();
    let created = client
        .post(server.url("/api/v1/toilets"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "贵州路公厕", "lat": 31.2360, "lon": 121.4790, "baby_change": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let (_, nearby) = get_json(
        &client,
        &server.url("/api/v1/toilets/nearby?lat=31.236&lon=121.479&limit=1"),
    )
    .await;
    assert_eq!(nearby["results"][0]["toilet"]["name"], "贵州路公厕");
    // A password typed into the username field is not logged.
    let typo = "Tr0ub4dor&3-typed-as-name";
    let refused = client
        .post(server.url("/api/v1/session"))
        .json(&serde_json::json!({"username": typo, "password": "whatever it is"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // Disabling the user from the command line ends their session.
    let out = gongce(&["user", "disable", "--database-url", &db, "li"], "");
    assert!(out.status.success());
    let after = client
        .get(server.url("/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    let status = server.terminate();
    assert!(status.success());

    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("signed in"), "the log is empty? {log}");
    assert!(!log.contains(password), "the password is in the log");
    assert!(
        log.contains("no such user") && !log.contains(typo),
        "a typed username is in the log"
    );
    // A resident's position is never in the log (the request's path is, not its query).
    assert!(
        log.contains("/api/v1/toilets/nearby"),
        "requests are not logged?"
    );
    assert!(!log.contains("lat=31.236"), "a position is in the log");
    assert!(!log.contains(&token), "the token is in the log");
    assert!(
        !log.contains(session["csrf_token"].as_str().unwrap()),
        "the CSRF token is in the log"
    );
}
