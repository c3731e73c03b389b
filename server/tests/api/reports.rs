//! Problem reports over HTTP, in-process against a real store; the webhook
//! worker against a receiver on 127.0.0.1.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{body::Body, http::Request};
use gongce::auth;
use gongce_shared::accounts::{NewOrg, OrgKind, Role};
use serde_json::{Value, json};

use crate::TestApp;

const PASSWORD: &str = "correct horse battery staple";

struct World {
    app: TestApp,
    org_a: i64,
    owner: String,
    other: String,
    admin: String,
    toilet: i64,
}

async fn world() -> World {
    let app = crate::app_with("id,name,lat,lon\nx,Station,31.2300,121.4700\n", |s| {
        s.trust_forwarded_for = true
    })
    .await;
    let store = &app.store;
    let org = |name: &str| NewOrg {
        name: name.into(),
        kind: OrgKind::ResidentsCommittee,
        street: None,
        district: None,
    };
    let org_a = store.create_org(&org("A")).await.unwrap().id;
    let org_b = store.create_org(&org("B")).await.unwrap().id;
    let hash = auth::hash_password(PASSWORD).unwrap();
    for (name, role, org) in [
        ("admin", Role::Admin, None),
        ("owner", Role::Committee, Some(org_a)),
        ("other", Role::Committee, Some(org_b)),
    ] {
        store.create_user(name, &hash, role, org).await.unwrap();
    }
    let mut tokens = Vec::new();
    for name in ["admin", "owner", "other"] {
        let (_, s) = send(
            &app,
            "POST",
            "/api/v1/session",
            None,
            Some(json!({"username": name, "password": PASSWORD})),
            "10.0.0.99",
        )
        .await;
        tokens.push(s["token"].as_str().unwrap().to_owned());
    }
    let (status, t) = send(
        &app,
        "POST",
        "/api/v1/toilets",
        Some(&tokens[1]),
        Some(json!({"name": "贵州路公厕", "lat": 31.2311, "lon": 121.4711})),
        "10.0.0.99",
    )
    .await;
    assert_eq!(status, 201);
    World {
        org_a,
        admin: tokens[0].clone(),
        owner: tokens[1].clone(),
        other: tokens[2].clone(),
        toilet: t["id"].as_i64().unwrap(),
        app,
    }
}

async fn send(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    from: &str,
) -> (u16, Value) {
    crate::call(app, request(method, uri, token, body, from)).await
}

/// A request from the client address `from` (the app trusts X-Forwarded-For here).
fn request(
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    from: &str,
) -> Request<Body> {
    crate::json_request(method, uri, token, body, &[("x-forwarded-for", from)])
}

async fn nearby_toilet(w: &World, query: &str) -> Option<Value> {
    let body = w
        .app
        .get(&format!(
            "/api/v1/toilets/nearby?lat=31.2311&lon=121.4711&limit=5{query}"
        ))
        .await
        .json();
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["toilet"]["id"] == w.toilet)
        .map(|r| r["toilet"].clone())
}

#[tokio::test]
async fn the_whole_loop_from_report_to_fixed_and_the_statistics() {
    let w = world().await;
    let path = format!("/api/v1/toilets/{}/reports", w.toilet);
    // A resident reports, without an account; the note is kept as plain text.
    let (status, receipt) = send(
        &w.app,
        "POST",
        &path,
        None,
        Some(json!({"kind": "no_paper", "note": "<b>没纸</b> 了", "contact": "138-0000-0000"})),
        "1.1.1.1",
    )
    .await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["state"], "open");
    let id = receipt["id"].as_i64().unwrap();
    let t = nearby_toilet(&w, "").await.unwrap();
    assert_eq!(
        (
            t["reports"]["open"].clone(),
            t["reports"]["last_kind"].clone()
        ),
        (json!(1), json!("no_paper"))
    );

    // The owner sees it; another organisation does not.
    let queue = format!("/api/v1/orgs/{}/reports?state=open", w.org_a);
    let (status, list) = send(&w.app, "GET", &queue, Some(&w.owner), None, "10.0.0.1").await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["note"], "<b>没纸</b> 了");
    assert_eq!(list[0]["contact"], "138-0000-0000");
    let (status, _) = send(&w.app, "GET", &queue, Some(&w.other), None, "10.0.0.1").await;
    assert_eq!(status, 403);
    let (status, _) = send(&w.app, "GET", &queue, None, None, "10.0.0.1").await;
    assert_eq!(status, 401);
    for action in ["acknowledge", "resolve"] {
        let (status, _) = send(
            &w.app,
            "POST",
            &format!("/api/v1/reports/{id}/{action}"),
            Some(&w.other),
            None,
            "10.0.0.1",
        )
        .await;
        assert_eq!(status, 403, "{action} by another organisation");
    }
    let (status, _) = send(
        &w.app,
        "POST",
        "/api/v1/reports/9999/acknowledge",
        Some(&w.owner),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 404);

    // Acknowledge, then resolve with a note.
    tokio::time::sleep(Duration::from_millis(30)).await;
    let (status, acked) = send(
        &w.app,
        "POST",
        &format!("/api/v1/reports/{id}/acknowledge"),
        Some(&w.owner),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(
        (status, acked["state"].clone()),
        (200, json!("acknowledged"))
    );
    tokio::time::sleep(Duration::from_millis(30)).await;
    let (status, done) = send(
        &w.app,
        "POST",
        &format!("/api/v1/reports/{id}/resolve"),
        Some(&w.owner),
        Some(json!({"note": "已补充厕纸"})),
        "10.0.0.1",
    )
    .await;
    assert_eq!(
        (status, done["state"].clone(), done["resolution"].clone()),
        (200, json!("resolved"), json!("已补充厕纸"))
    );
    let (status, _) = send(
        &w.app,
        "POST",
        &format!("/api/v1/reports/{id}/resolve"),
        Some(&w.owner),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 409);

    // The resident sees it fixed.
    let t = nearby_toilet(&w, "").await.unwrap();
    assert_eq!(t["reports"]["open"], 0);
    assert!(t["reports"]["fixed_at"].is_string(), "{t}");

    // The statistics reflect the times.
    let (status, stats) = send(
        &w.app,
        "GET",
        "/api/v1/stats/reports",
        Some(&w.admin),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 200);
    let a = stats["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["org_id"] == w.org_a)
        .unwrap()
        .clone();
    assert_eq!(
        (
            a["open"].clone(),
            a["resolved"].clone(),
            a["overdue"].clone()
        ),
        (json!(0), json!(1), json!(0))
    );
    let ack = a["median_ack_s"].as_f64().unwrap();
    let fix = a["median_resolve_s"].as_f64().unwrap();
    assert!(
        ack >= 0.03 && fix >= ack + 0.03 && fix < 30.0,
        "ack {ack} s, resolve {fix} s"
    );
    // An open report older than the limit is overdue.
    send(
        &w.app,
        "POST",
        &path,
        None,
        Some(json!({"kind": "dirty"})),
        "2.2.2.2",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, stats) = send(
        &w.app,
        "GET",
        "/api/v1/stats/reports?overdue_hours=0.0002",
        Some(&w.owner),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(
        stats["orgs"].as_array().unwrap().len(),
        1,
        "a member sees their own"
    );
    assert_eq!(
        (
            stats["orgs"][0]["open"].clone(),
            stats["orgs"][0]["overdue"].clone()
        ),
        (json!(1), json!(1))
    );
    let (status, _) = send(
        &w.app,
        "GET",
        &format!("/api/v1/stats/reports?org={}", w.org_a),
        Some(&w.other),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send(
        &w.app,
        "GET",
        "/api/v1/stats/reports?overdue_hours=soon",
        Some(&w.admin),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn bad_reports_are_refused_and_rate_limits_answer_429() {
    let w = world().await;
    let path = format!("/api/v1/toilets/{}/reports", w.toilet);
    for (body, needle) in [
        (json!({"kind": "smelly"}), "kind"),
        (json!({"kind": "dirty", "note": "x".repeat(501)}), "note"),
        (json!({"kind": "dirty", "colour": "red"}), "colour"),
    ] {
        let (status, reply) = send(&w.app, "POST", &path, None, Some(body), "3.3.3.3").await;
        assert_eq!(status, 400, "{reply}");
        assert!(
            reply["error"]["message"].as_str().unwrap().contains(needle),
            "{reply}"
        );
    }
    let (status, _) = send(
        &w.app,
        "POST",
        "/api/v1/toilets/424242/reports",
        None,
        Some(json!({"kind": "dirty"})),
        "3.3.3.3",
    )
    .await;
    assert_eq!(status, 404);
    for _ in 0..3 {
        let (status, _) = send(
            &w.app,
            "POST",
            &path,
            None,
            Some(json!({"kind": "dirty"})),
            "4.4.4.4",
        )
        .await;
        assert_eq!(status, 201);
    }
    let reply = w
        .app
        .request(request(
            "POST",
            &path,
            None,
            Some(json!({"kind": "dirty"})),
            "4.4.4.4",
        ))
        .await;
    assert_eq!(reply.status, 429);
    let wait: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait));
    // Someone else may still report.
    let (status, _) = send(
        &w.app,
        "POST",
        &path,
        None,
        Some(json!({"kind": "dirty"})),
        "5.5.5.5",
    )
    .await;
    assert_eq!(status, 201);
    // Confirmations: one per client and toilet per hour.
    let confirm = format!("/api/v1/toilets/{}/confirmations", w.toilet);
    let (status, t) = send(&w.app, "POST", &confirm, None, None, "6.6.6.6").await;
    assert_eq!(status, 200);
    assert!(t["last_verified"].is_string());
    let (status, _) = send(&w.app, "POST", &confirm, None, None, "6.6.6.6").await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn independent_closed_reports_mark_it_until_the_owner_answers() {
    let w = world().await;
    let path = format!("/api/v1/toilets/{}/reports", w.toilet);
    // One resident, twice: not independent.
    send(
        &w.app,
        "POST",
        &path,
        None,
        Some(json!({"kind": "closed"})),
        "7.7.7.7",
    )
    .await;
    send(
        &w.app,
        "POST",
        &path,
        None,
        Some(json!({"kind": "gone"})),
        "7.7.7.7",
    )
    .await;
    assert_eq!(
        nearby_toilet(&w, "").await.unwrap()["reports"]["reported_closed"],
        false
    );
    // A second resident: reported closed.
    send(
        &w.app,
        "POST",
        &path,
        None,
        Some(json!({"kind": "closed"})),
        "8.8.8.8",
    )
    .await;
    assert_eq!(
        nearby_toilet(&w, "").await.unwrap()["reports"]["reported_closed"],
        true
    );
    assert!(
        nearby_toilet(&w, "&hide_reported_closed=true")
            .await
            .is_none(),
        "filtered out"
    );
    // A resident's "still correct" does not lift it; the owner's does.
    send(
        &w.app,
        "POST",
        &format!("/api/v1/toilets/{}/confirmations", w.toilet),
        None,
        None,
        "9.9.9.9",
    )
    .await;
    assert_eq!(
        nearby_toilet(&w, "").await.unwrap()["reports"]["reported_closed"],
        true
    );
    let (status, t) = send(
        &w.app,
        "POST",
        &format!("/api/v1/toilets/{}/confirmations", w.toilet),
        Some(&w.owner),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(t["reports"]["reported_closed"], false);
    assert!(
        nearby_toilet(&w, "&hide_reported_closed=true")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn webhooks_get_signed_reports_and_a_receiver_that_is_down_is_retried() {
    let w = world().await;
    // A port with nobody listening yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let secret = "a-secret-of-sixteen+";
    let (status, _) = send(
        &w.app,
        "PUT",
        &format!("/api/v1/orgs/{}/webhook", w.org_a),
        Some(&w.owner),
        Some(json!({"url": format!("http://127.0.0.1:{port}/hook"), "secret": secret})),
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 403, "committees cannot set webhooks");
    let (status, reply) = send(
        &w.app,
        "PUT",
        &format!("/api/v1/orgs/{}/webhook", w.org_a),
        Some(&w.admin),
        Some(json!({"url": "ftp://x", "secret": secret})),
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 400, "{reply}");
    let (status, _) = send(
        &w.app,
        "PUT",
        &format!("/api/v1/orgs/{}/webhook", w.org_a),
        Some(&w.admin),
        Some(json!({"url": format!("http://127.0.0.1:{port}/hook"), "secret": secret})),
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 204);

    // The resident's report is answered at once, receiver or not.
    let started = Instant::now();
    let (status, receipt) = send(
        &w.app,
        "POST",
        &format!("/api/v1/toilets/{}/reports", w.toilet),
        None,
        Some(json!({"kind": "broken", "note": "门锁坏了"})),
        "1.2.3.4",
    )
    .await;
    assert_eq!(status, 201);
    assert!(started.elapsed() < Duration::from_secs(2));

    let worker = tokio::spawn(gongce::webhooks::run(
        w.app.store.clone(),
        Duration::from_millis(100),
    ));
    // The receiver is down for the first attempts.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen = Arc::clone(&received);
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = Arc::clone(&seen);
            async move {
                let sig = headers["x-gongce-signature"].to_str().unwrap().to_owned();
                seen.lock().unwrap().push((sig, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let deadline = Instant::now() + Duration::from_secs(15);
    while received.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the report never reached the receiver"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (sig, body) = received.lock().unwrap()[0].clone();
    assert_eq!(sig, gongce::webhooks::signature(secret, body.as_bytes()));
    let payload: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["report"]["id"], receipt["id"]);
    assert_eq!(payload["report"]["note"], "门锁坏了");
    assert_eq!(payload["toilet"]["name"], "贵州路公厕");
    // Delivered once, and recorded as such after at least one failure.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(received.lock().unwrap().len(), 1);
    let conn = rusqlite::Connection::open(w.app.store.sqlite_file().unwrap()).unwrap();
    let (attempts, delivered): (i64, Option<String>) = conn
        .query_row(
            "SELECT attempts, delivered_at FROM webhook_deliveries",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(attempts >= 2 && delivered.is_some(), "attempts {attempts}");
    worker.abort();
    server.abort();
}
