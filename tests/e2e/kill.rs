//! `kill -9` during imports and edits, again and again: after each, the
//! server restarts on a sound database (`PRAGMA integrity_check`), the
//! killed import wrote nothing, every edit that was answered is there,
//! and nothing half-written is. `GONGCE_KILL_ROUNDS` rounds (3 by default;
//! `cargo xtask soak` runs 20).

use std::{
    io::{BufRead as _, BufReader},
    process::{Command, Stdio},
};

use crate::{GONGCE, Server, gongce, write};

fn rounds() -> usize {
    std::env::var("GONGCE_KILL_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

/// (rows of each source, integrity_check's answer), read without the server.
fn inspect(db: &std::path::Path) -> (Vec<(String, i64)>, String) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT source, COUNT(*) FROM toilets GROUP BY source ORDER BY source")
        .unwrap();
    let sources = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (sources, integrity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_during_imports_and_edits_leaves_a_sound_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.sqlite");
    let db = format!("sqlite:{}", path.display());
    let base = write(
        dir.path(),
        "base.csv",
        "id,name,lat,lon\n1,Alpha,30.001,120.001\n2,Beta,30.002,120.002\n",
    );
    assert!(
        crate::import(&db, &base, &["--source", "base"])
            .status
            .success()
    );
    let password = "correct horse battery staple";
    let args = [
        "user",
        "add",
        "--database-url",
        &db,
        "--username",
        "root",
        "--role",
        "admin",
    ];
    assert!(gongce(&args, &format!("{password}\n")).status.success());
    let mut list = String::from("id,name,lat,lon\n");
    for i in 0..20_000u32 {
        let (lat, lon) = (
            31.0 + f64::from(i / 200) * 0.001,
            121.0 + f64::from(i % 200) * 0.001,
        );
        list.push_str(&format!("{i},Toilet {i},{lat:.5},{lon:.5}\n"));
    }
    let list = write(dir.path(), "list.csv", &list);
    let client = reqwest::Client::new();

    // One client sends everything: no read limit.
    let options = ["--read-limit", "off"];
    for round in 0..rounds() {
        let mut server = Server::start_with(&db, &options);
        let token = crate::sign_in(&client, &server, "root", password).await;
        // Edits keep coming while the import runs.
        let editing = tokio::spawn({
            let (client, url, token) = (
                client.clone(),
                server.url("/api/v1/toilets/1"),
                token.clone(),
            );
            async move {
                let mut answered = Vec::new();
                for n in 0.. {
                    let Ok(current) = client.get(&url).send().await else {
                        break;
                    };
                    assert!(current.status().as_u16() < 500, "{}", current.status());
                    let Ok(current) = current.json::<serde_json::Value>().await else {
                        break;
                    };
                    let version = current["version"].as_i64().expect("a toilet");
                    let name = format!("Alpha edit {n}");
                    let reply = client
                        .patch(&url)
                        .bearer_auth(&token)
                        .header("if-match", format!("\"{version}\""))
                        .json(&serde_json::json!({"name": name}))
                        .send()
                        .await;
                    match reply {
                        Ok(r) if r.status() == 200 => answered.push(name),
                        Ok(r) => assert!(r.status().as_u16() < 500, "{}", r.status()),
                        Err(_) => break, // the server was killed
                    }
                }
                answered
            }
        });
        let source = format!("round{round}");
        let mut import = Command::new(GONGCE)
            .args(["import", "--database-url", &db, "--source", &source])
            .arg(&list)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(import.stderr.take().unwrap());
        for line in stderr.lines() {
            if line.unwrap().contains("writing") {
                // Inside the import's transaction, with edits in flight.
                Command::new("kill")
                    .args(["-KILL", &import.id().to_string()])
                    .status()
                    .unwrap();
                server.kill9();
                break;
            }
        }
        assert!(
            !import.wait().unwrap().success(),
            "round {round}: the import finished first"
        );
        let answered = editing.await.unwrap();
        eprintln!(
            "round {round}: killed with {} edits answered",
            answered.len()
        );

        let (sources, integrity) = inspect(&path);
        assert_eq!(integrity, "ok", "round {round}");
        assert!(
            !sources.iter().any(|(s, _)| s.starts_with("round")),
            "round {round}: a killed import left rows: {sources:?}"
        );
        // The last answered edit is what the store holds (a later one may
        // have committed unanswered: then it is that one's name).
        let server = Server::start_with(&db, &options);
        let (_, now) = crate::get_json(&client, &server.url("/api/v1/toilets/1")).await;
        let name = now["name"].as_str().unwrap();
        if let Some(last) = answered.last() {
            let n = |s: &str| s.rsplit(' ').next().unwrap().parse::<u64>().unwrap();
            assert!(
                name.starts_with("Alpha edit") && n(name) >= n(last),
                "round {round}: {name} after {last}"
            );
        }
        let ready = client.get(server.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200, "round {round}");
        assert_eq!(server.terminate().code(), Some(0));
    }
}
