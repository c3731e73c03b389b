//! Two `gongce serve` replicas on one PostgreSQL: what one accepts the other
//! serves within a second; sessions, throttling and reports work on either;
//! a replica killed with `kill -9` comes back serving the same answers; an
//! acknowledged write survives its replica's death.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{
    Server, get_json, gongce, grid_list, import, kill_import_while_writing, support::postgres_db,
    write,
};

/// The two tests here run one after the other: the killed 200,000-row
/// import would otherwise share the two cores with the timing checks.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Replicas here poll the log only every 5 s, so anything seen sooner came
/// through LISTEN/NOTIFY.
const FALLBACK_MS: &str = "5000";

fn start(url: &str) -> Server {
    Server::start_with(url, &["--sync-interval-ms", FALLBACK_MS])
}

/// Polls `url` until `found` holds for its JSON; answers how long it took.
async fn wait_for(
    client: &reqwest::Client,
    url: &str,
    within: Duration,
    found: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let (_, body) = get_json(client, url).await;
        if found(&body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "not seen within {within:?} at {url}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Ids, versions and names of the nearest toilets: what "the same answer" means.
async fn answers(client: &reqwest::Client, server: &Server) -> Vec<Value> {
    let mut all = Vec::new();
    for (lat, lon) in [(31.2325, 121.4737), (31.20, 121.40), (31.30, 121.55)] {
        let (status, body) = get_json(
            client,
            &server.url(&format!(
                "/api/v1/toilets/nearby?lat={lat}&lon={lon}&limit=50"
            )),
        )
        .await;
        assert_eq!(status, 200);
        for r in body["results"].as_array().unwrap() {
            let t = &r["toilet"];
            all.push(json!([t["id"], t["version"], t["name"], t["reports"]]));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set GONGCE_TEST_POSTGRES, or run cargo xtask test"]
async fn two_replicas_on_postgres_stay_in_sync() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(db) = postgres_db().await else {
        return;
    };
    let url = db.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let list = write(
        dir.path(),
        "shanghai.csv",
        "id,名称,纬度,经度,无障碍\n1,人民广场公厕,31.2325,121.4737,是\n2,南京东路公厕,31.2350,121.4800,否\n3,外滩公厕,31.2400,121.4900,\n",
    );
    // A dry run against the empty database reads it and writes nothing, not even the schema.
    let out = import(url, &list, &["--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 inserted"));
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&mut admin)
            .await
            .unwrap();
    assert_eq!(tables, 0, "the dry run created tables");
    // Bootstrapped and loaded from the command line, straight into PostgreSQL.
    let password = "replica-test-password";
    let out = gongce(
        &[
            "user",
            "add",
            "--database-url",
            url,
            "--username",
            "root",
            "--role",
            "admin",
        ],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = import(url, &list, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 inserted"));

    let a = start(url);
    let mut b = start(url);
    let client = reqwest::Client::new();
    for server in [&a, &b] {
        let (status, ready) = get_json(&client, &server.url("/readyz")).await;
        assert_eq!(
            (status, ready["toilets"].as_i64()),
            (200, Some(3)),
            "{ready}"
        );
    }

    // A session made on A works on B.
    let token = crate::sign_in(&client, &a, "root", password).await;
    let created = client
        .post(a.url("/api/v1/toilets"))
        .bearer_auth(&token)
        .json(&json!({"name": "新闸路公厕", "lat": 31.2410, "lon": 121.4600}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    let near_new = b.url("/api/v1/toilets/nearby?lat=31.2410&lon=121.4600&limit=1");
    let took = wait_for(&client, &near_new, Duration::from_secs(1), |body| {
        body["results"][0]["toilet"]["id"].as_i64() == Some(id)
    })
    .await;
    eprintln!("created on A, served by B after {took:?}");

    // An edit on B, from the version B serves, is seen on A.
    let edited = client
        .patch(b.url(&format!("/api/v1/toilets/{id}")))
        .bearer_auth(&token)
        .json(&json!({"version": 1, "name": "新闸路公共厕所", "wheelchair": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    let near_new_a = a.url("/api/v1/toilets/nearby?lat=31.2410&lon=121.4600&limit=1");
    let took = wait_for(&client, &near_new_a, Duration::from_secs(1), |body| {
        body["results"][0]["toilet"]["name"] == "新闸路公共厕所"
    })
    .await;
    eprintln!("edited on B, served by A after {took:?}");
    // The same stale version on A is refused, not written over B's edit.
    let stale = client
        .patch(a.url(&format!("/api/v1/toilets/{id}")))
        .bearer_auth(&token)
        .json(&json!({"version": 1, "name": "旧名"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let stale: Value = stale.json().await.unwrap();
    assert!(
        stale["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 2"),
        "{stale}"
    );

    // An admin uploads a list to A and commits it: B serves it within a second.
    let upload = client
        .post(a.url("/api/v1/imports?source=upload&filename=more.csv"))
        .bearer_auth(&token)
        .body("id,name,lat,lon\nu1,成都北路公厕,31.2330,121.4650\nu2,坏行,95,121.4650\n")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 200);
    let upload: Value = upload.json().await.unwrap();
    assert_eq!(upload["report"]["counts"]["rejected"], 1, "{upload}");
    assert_eq!(upload["report"]["written"], false);
    let near_upload = b.url("/api/v1/toilets/nearby?lat=31.2330&lon=121.4650&limit=1");
    let (_, before) = get_json(&client, &near_upload).await;
    assert_ne!(
        before["results"][0]["toilet"]["name"], "成都北路公厕",
        "the dry run wrote"
    );
    // Rejected rows stop the commit unless skipped: upload again with skip_invalid.
    let upload: Value = client
        .post(a.url("/api/v1/imports?source=upload&filename=more.csv&skip_invalid=true"))
        .bearer_auth(&token)
        .body("id,name,lat,lon\nu1,成都北路公厕,31.2330,121.4650\nu2,坏行,95,121.4650\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed = client
        .post(a.url(&format!(
            "/api/v1/imports/{}/commit",
            upload["import_id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(committed.status(), 200);
    let committed: Value = committed.json().await.unwrap();
    assert_eq!(committed["report"]["written"], true, "{committed}");
    assert_eq!(committed["report"]["counts"]["inserted"], 1);
    let took = wait_for(&client, &near_upload, Duration::from_secs(1), |body| {
        body["results"][0]["toilet"]["name"] == "成都北路公厕"
    })
    .await;
    eprintln!("imported through A, served by B after {took:?}");

    // Report rate limits count across replicas: the 4th within the hour is refused on either.
    for (i, server) in [&a, &b, &a].into_iter().enumerate() {
        let reply = client
            .post(server.url(&format!("/api/v1/toilets/{id}/reports")))
            .json(&json!({"kind": "no_paper"}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201, "report {i}");
    }
    let fourth = client
        .post(b.url(&format!("/api/v1/toilets/{id}/reports")))
        .json(&json!({"kind": "no_paper"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fourth.status(), 429);
    // The report summary reaches the other replica's index too.
    wait_for(&client, &near_new, Duration::from_secs(1), |body| {
        body["results"][0]["toilet"]["reports"]["open"] == 3
    })
    .await;

    // Sign-in throttling counts across replicas too.
    for server in [&a, &b, &a, &b, &a] {
        let reply = client
            .post(server.url("/api/v1/session"))
            .json(&json!({"username": "root", "password": "wrong password!"}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 401);
    }
    let locked = client
        .post(b.url("/api/v1/session"))
        .json(&json!({"username": "root", "password": password, "bearer": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 429);

    // B's listening connection is cut: it reconnects and catches up.
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE query LIKE 'LISTEN%' AND datname = current_database()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(cut.len(), 2, "each replica listens on one connection");
    let moved = client
        .patch(a.url(&format!("/api/v1/toilets/{id}")))
        .bearer_auth(&token)
        .json(&json!({"version": 2, "hours_note": "24小时"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    let took = wait_for(&client, &near_new, Duration::from_secs(2), |body| {
        body["results"][0]["toilet"]["hours_note"] == "24小时"
    })
    .await;
    eprintln!("after the listening connection was cut, B caught up in {took:?}");

    // B dies with kill -9; A goes on accepting writes; B comes back with the same answers.
    b.kill9();
    for i in 0..5 {
        let reply = client
            .post(a.url("/api/v1/toilets"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("临时公厕{i}"), "lat": 31.20 + i as f64 * 0.001, "lon": 121.40}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
    }
    let b = start(url);
    let (status, ready) = get_json(&client, &b.url("/readyz")).await;
    assert_eq!(status, 200, "{ready}");
    let from_a = answers(&client, &a).await;
    assert!(from_a.len() >= 10, "{from_a:?}");
    assert_eq!(from_a, answers(&client, &b).await);

    // A write acknowledged just before its replica is killed is never lost.
    let mut a = a;
    let last = client
        .post(a.url("/api/v1/toilets"))
        .bearer_auth(&token)
        .json(&json!({"name": "最后一座", "lat": 31.30, "lon": 121.55}))
        .send()
        .await
        .unwrap();
    assert_eq!(last.status(), 201);
    a.kill9();
    let last: Value = last.json().await.unwrap();
    let near_last = b.url("/api/v1/toilets/nearby?lat=31.30&lon=121.55&limit=1");
    wait_for(&client, &near_last, Duration::from_secs(1), |body| {
        body["results"][0]["toilet"]["id"] == last["id"]
    })
    .await;
    let a = start(url);
    assert_eq!(answers(&client, &a).await, answers(&client, &b).await);
    let (_, body) = get_json(
        &client,
        &a.url("/api/v1/toilets/nearby?lat=31.30&lon=121.55&limit=1"),
    )
    .await;
    assert_eq!(body["results"][0]["toilet"]["name"], "最后一座");
    assert!(a.terminate().success());
    assert!(b.terminate().success());
}

/// A PostgreSQL import killed while writing leaves every row and the change
/// log as they were; run again, it writes everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set GONGCE_TEST_POSTGRES, or run cargo xtask test"]
async fn a_killed_import_on_postgres_writes_nothing() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(db) = postgres_db().await else {
        return;
    };
    let url = db.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let small = write(
        dir.path(),
        "small.csv",
        "id,name,lat,lon\n1,Alpha,30.001,120.001\n2,Beta,30.002,120.002\n",
    );
    assert!(import(url, &small, &["--source", "big"]).status.success());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let rows = "SELECT id::text || ' ' || name || ' ' || version::text || ' ' || status FROM toilets
                UNION ALL SELECT 'change ' || seq::text || ' ' || toilet_id::text FROM toilet_changes
                UNION ALL SELECT 'history ' || count(*)::text FROM toilet_history ORDER BY 1";
    let before: Vec<String> = sqlx::query_scalar(rows).fetch_all(&mut conn).await.unwrap();

    let big = grid_list(dir.path());
    kill_import_while_writing(url, &big);
    let after: Vec<String> = sqlx::query_scalar(rows).fetch_all(&mut conn).await.unwrap();
    assert_eq!(before, after);

    let out = import(url, &big, &["--source", "big"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("199998 inserted, 2 updated"), "{stdout}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM toilets")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 200_000);
    // A replica loads them all (in parallel ranges over one exported snapshot).
    let server = start(url);
    let client = reqwest::Client::new();
    let (status, ready) = get_json(&client, &server.url("/readyz")).await;
    assert_eq!(status, 200);
    assert_eq!(ready["toilets"], 200_000, "{ready}");
    let (_, near) = get_json(
        &client,
        &server.url("/api/v1/toilets/nearby?lat=30.0&lon=120.0&limit=1"),
    )
    .await;
    assert_eq!(near["results"][0]["toilet"]["name"], "Toilet 0");
    assert!(server.terminate().success());
}
