//! End-to-end: the real `gongce` binary, on 127.0.0.1:0, over real HTTP.

use std::{
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const GONGCE: &str = env!("CARGO_BIN_EXE_gongce");

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts `gongce serve` on a free port and waits for its address line.
    fn start(database_url: &str) -> Server {
        let mut child = Command::new(GONGCE)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .args(["--sync-interval-ms", "200"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("gongce starts");
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
