//! The real binary's logs: one access line per request, naming the route's
//! template, and never a resident's position finer than 0.01°, whatever was
//! asked and however it failed.

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    process::{Command, Stdio},
};

/// A GET over a plain socket; the status code.
fn get(addr: &str, path: &str) -> u16 {
    fetch(addr, path).0
}

#[test]
fn json_access_logs_name_routes_and_never_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, logs) = spawn(dir.path(), &[("GONGCE_READ_LIMIT", "off")]);

    // Positions as residents send them, to six decimals, in every place a
    // request can carry one.
    let asked = [
        (
            "/api/v1/toilets/nearby?lat=31.230416&lon=121.473701&limit=3",
            200,
        ),
        (
            "/api/v1/toilets?bbox=121.471234,31.228765,121.475678,31.232109",
            200,
        ),
        ("/api/v1/toilets/nearby?lat=931.230416&lon=121.473701", 400),
        ("/api/v1/toilets/nearby/31.230416,121.473701", 404),
        ("/api/v1/toilets/1", 200),
    ];
    for (path, status) in asked {
        assert_eq!(get(&addr, path), status, "{path}");
    }
    server.stop();
    let logs = logs.map(|l| l.unwrap()).collect::<Vec<_>>().join("\n");

    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] == "gongce::access")
        .collect();
    let seen: Vec<(&str, u64)> = access
        .iter()
        .map(|l| (l["route"].as_str().unwrap(), l["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("/api/v1/toilets/nearby", 200),
            ("/api/v1/toilets", 200),
            ("/api/v1/toilets/nearby", 400),
            ("-", 404),
            ("/api/v1/toilets/{id}", 200),
        ],
        "{logs}"
    );
    for l in &access {
        assert_eq!(l["level"], "INFO");
        assert_eq!(l["method"], "GET");
        assert!(
            l["ms"].as_f64().is_some() && l["bytes"].as_u64().is_some(),
            "{l}"
        );
        // The request id, as the response's x-request-id carries it.
        assert_eq!(l["span"]["id"].as_str().map(str::len), Some(36), "{l}");
    }
    // No digits of a position beyond the second decimal, on any line.
    for digits in [
        "230416", "473701", "471234", "228765", "475678", "232109", "31.230", "121.47",
    ] {
        assert!(!logs.contains(digits), "{digits} logged:\n{logs}");
    }
}

/// A server process, stopped when dropped (a failed assertion included).
struct Server(std::process::Child);

impl Server {
    /// Stops it as a service manager does (SIGTERM) and waits for it to
    /// exit: its log lines are all written by then (they are written by a
    /// thread of their own, and the last ones at exit).
    fn stop(&mut self) {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(terminated.success());
        assert!(self.0.wait().unwrap().success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server on a one-toilet store, with `env` set; its address, and its
/// stderr as JSON lines.
fn spawn(
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (
    Server,
    String,
    std::io::Lines<BufReader<std::process::ChildStderr>>,
) {
    let db = format!("sqlite:{}", dir.join("city.sqlite").display());
    let list = dir.join("list.csv");
    std::fs::write(&list, "id,name,lat,lon\na,人民广场公厕,31.2304,121.4737\n").unwrap();
    let gongce = env!("CARGO_BIN_EXE_gongce");
    let imported = Command::new(gongce)
        .args(["import", "--source", "x", "--database-url", &db])
        .arg(&list)
        .output()
        .unwrap();
    assert!(imported.status.success());
    let mut server = Server(
        Command::new(gongce)
            .args(["serve", "--database-url", &db, "--bind", "127.0.0.1:0"])
            .env("GONGCE_LOG_FORMAT", "json")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("gongce listening on http://")
        .unwrap()
        .to_owned();
    let logs = BufReader::new(server.0.stderr.take().unwrap()).lines();
    (server, addr, logs)
}

/// A GET's status and body.
fn fetch(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("GET {addr}{path}: {reply:?}"));
    let body = reply
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// The value of the series `series` (name and labels as written).
fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_count_requests_and_move_to_their_own_address_or_off() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, _logs) = spawn(dir.path(), &[("GONGCE_READ_LIMIT", "off")]);
    for _ in 0..3 {
        assert_eq!(
            get(&addr, "/api/v1/toilets/nearby?lat=31.23&lon=121.47"),
            200
        );
    }
    assert_eq!(get(&addr, "/api/v1/toilets/nearby?lat=91&lon=121.47"), 400);
    let (status, metrics) = fetch(&addr, "/metrics");
    assert_eq!(status, 200);
    let route = r#"route="/api/v1/toilets/nearby""#;
    assert_eq!(
        value(
            &metrics,
            &format!(r#"gongce_http_requests_total{{{route},status="2xx"}}"#)
        ),
        Some(3.0),
        "{metrics}"
    );
    assert_eq!(
        value(
            &metrics,
            &format!(r#"gongce_http_requests_total{{{route},status="4xx"}}"#)
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &metrics,
            &format!("gongce_http_request_duration_seconds_count{{{route}}}")
        ),
        Some(4.0)
    );
    assert_eq!(value(&metrics, "gongce_toilets"), Some(1.0));
    assert!(value(&metrics, "gongce_change_log_position").is_some());
    assert!(value(&metrics, "gongce_store_connections").is_some_and(|n| n >= 1.0));
    assert_eq!(
        value(&metrics, "gongce_webhook_deliveries_pending"),
        Some(0.0)
    );
    // The scrape itself is in flight while it is rendered.
    assert_eq!(value(&metrics, "gongce_http_requests_in_flight"), Some(1.0));
    server.stop();

    // A limit's refusals, by limit.
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, _logs) = spawn(
        dir.path(),
        &[("GONGCE_READ_LIMIT", "1/min"), ("GONGCE_READ_BURST", "1")],
    );
    let statuses: Vec<u16> = (0..3)
        .map(|_| get(&addr, "/api/v1/toilets/nearby?lat=31.23&lon=121.47"))
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    let refused = statuses.iter().filter(|s| **s == 429).count() as f64;
    let (_, metrics) = fetch(&addr, "/metrics");
    assert_eq!(
        value(&metrics, r#"gongce_rate_limited_total{limit="read"}"#),
        Some(refused),
        "{metrics}"
    );
    server.stop();

    // On an address of their own: there, and not on the API's.
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, mut logs) = spawn(
        dir.path(),
        &[
            ("GONGCE_READ_LIMIT", "off"),
            ("GONGCE_METRICS", "127.0.0.1:0"),
        ],
    );
    // Read on, keeping the pipe open: the server goes on logging to it.
    let own = logs
        .by_ref()
        .map(|l| l.unwrap())
        .find_map(|l| {
            let line: serde_json::Value = serde_json::from_str(&l).ok()?;
            let message = line["message"].as_str()?;
            Some(
                message
                    .strip_prefix("metrics on http://")?
                    .strip_suffix("/metrics")?
                    .to_owned(),
            )
        })
        .unwrap();
    assert_eq!(fetch(&addr, "/metrics").0, 404);
    let (status, metrics) = fetch(&own, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(value(&metrics, "gongce_toilets"), Some(1.0));
    server.stop();

    // Off.
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, _logs) = spawn(dir.path(), &[("GONGCE_METRICS", "off")]);
    assert_eq!(fetch(&addr, "/metrics").0, 404);
    server.stop();
}

/// Logs that cannot be written (the reader of stderr went away) are
/// dropped; the server goes on answering.
#[test]
fn a_closed_stderr_does_not_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, logs) = spawn(dir.path(), &[("GONGCE_READ_LIMIT", "off")]);
    drop(logs);
    for _ in 0..3 {
        assert_eq!(get(&addr, "/healthz"), 200);
        assert_eq!(
            get(&addr, "/api/v1/toilets/nearby?lat=31.23&lon=121.47"),
            200
        );
    }
    server.stop();
}
