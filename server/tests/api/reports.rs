//! Problem reports over HTTP, in-process against a real store; the webhook
//! worker against a receiver on 127.0.0.1.

use crate::support::text;
use std::sync::{Arc, Mutex};

use axum::{body::Body, http::Request};
use gongce::auth;
use gongce_shared::accounts::{NewOrg, OrgKind, Role};
use serde_json::{Value, json};

use crate::TestApp;

const PASSWORD: &str = "correct horse battery staple";

struct World {
    app: TestApp,
    /// The app's clock, moved by hand.
    clock: crate::TestClock,
    org_a: i64,
    owner: String,
    other: String,
    admin: String,
    toilet: i64,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(tweak: impl FnOnce(&mut gongce::AppState)) -> World {
    let clock = crate::TestClock::default();
    let app = crate::app_with("id,name,lat,lon\nx,Station,31.2300,121.4700\n", |s| {
        s.trusted_proxies = Arc::new("127.0.0.1".parse().unwrap());
        s.clock = clock.clock();
        tweak(s);
    })
    .await;
    let store = &app.store;
    let org = |name: &str| NewOrg {
        name: text(name),
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
            Some(json!({"username": name, "password": PASSWORD, "bearer": true})),
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
        clock,
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

/// A request from the client address `from`, through the trusted proxy
/// 127.0.0.1.
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
    w.clock.advance(chrono::Duration::milliseconds(30));
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
    w.clock.advance(chrono::Duration::milliseconds(30));
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
    w.clock.advance(chrono::Duration::milliseconds(1100));
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
    let report = |kind: &'static str, from: &'static str| {
        let (w, path) = (&w, &path);
        async move {
            send(
                &w.app,
                "POST",
                path,
                None,
                Some(json!({ "kind": kind })),
                from,
            )
            .await;
            nearby_toilet(w, "").await.unwrap()["reports"]["reported_closed"].clone()
        }
    };
    // One resident, twice: not independent.
    report("closed", "7.7.7.7").await;
    assert_eq!(report("gone", "7.7.7.7").await, false);
    // Two more residents of one /24 count as one network; a third
    // network makes three: reported closed.
    for ip in ["7.7.7.99", "8.8.8.8"] {
        assert_eq!(report("closed", ip).await, false, "after {ip}");
    }
    assert_eq!(report("closed", "2001:db8:1:2::5").await, true);
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

/// A report or confirmation for a toilet that is not there spends the
/// client's budget and writes nothing else: no throttle per missing toilet.
#[tokio::test]
async fn reports_for_missing_toilets_spend_the_budget_and_write_nothing_else() {
    let w = world().await;
    let throttles = |store: &gongce::store::Store| {
        let path = store.sqlite_file().unwrap().to_owned();
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row("SELECT COUNT(*) FROM throttles", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let before = throttles(&w.app.store);
    let mut refused = 0;
    for id in 900_000..900_040 {
        let (status, _) = send(
            &w.app,
            "POST",
            &format!("/api/v1/toilets/{id}/reports"),
            None,
            Some(json!({"kind": "dirty"})),
            "5.5.5.5",
        )
        .await;
        assert!(status == 404 || status == 429, "{status}");
        refused += usize::from(status == 429);
        let (status, _) = send(
            &w.app,
            "POST",
            &format!("/api/v1/toilets/{id}/confirmations"),
            None,
            None,
            "5.5.5.5",
        )
        .await;
        assert!(status == 404 || status == 429, "{status}");
    }
    assert_eq!(refused, 10, "thirty reports an hour, all toilets together");
    // One row for the client's reports, one for its confirmations.
    assert_eq!(throttles(&w.app.store) - before, 2);
    let (status, _) = send(
        &w.app,
        "POST",
        &format!("/api/v1/toilets/{}/confirmations", w.toilet),
        None,
        None,
        "5.5.5.5",
    )
    .await;
    assert_eq!(status, 429, "confirmations are capped across toilets too");
    let reports: i64 = {
        let conn = rusqlite::Connection::open(w.app.store.sqlite_file().unwrap()).unwrap();
        conn.query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(reports, 0);
}

/// A resolver for webhook hosts: test names that point at this machine
/// (and one at a private address, to be refused). Nothing leaves it.
fn test_guard(allow: &str) -> Arc<gongce::webhooks::Guard> {
    let names = [
        ("receiver.test", "127.0.0.1"),
        ("intranet.test", "10.0.0.5"),
        ("metadata.test", "169.254.169.254"),
        ("v6.test", "::1"),
    ];
    Arc::new(gongce::webhooks::Guard {
        allow: allow.parse().unwrap(),
        resolver: Arc::new(gongce::webhooks::StaticResolver(
            names
                .iter()
                .map(|(n, ip)| (n.to_string(), vec![ip.parse().unwrap()]))
                .collect(),
        )),
    })
}

async fn set_hook(w: &World, org: i64, url: &str) -> (u16, Value) {
    send(
        &w.app,
        "PUT",
        &format!("/api/v1/orgs/{org}/webhook"),
        Some(&w.admin),
        Some(json!({"url": url, "secret": SECRET})),
        "10.0.0.1",
    )
    .await
}

const SECRET: &str = "a-secret-of-sixteen+";

#[tokio::test]
async fn webhooks_that_reach_inside_are_refused_when_set() {
    let w = world_with(|s| s.webhooks = test_guard("")).await;
    let (status, _) = send(
        &w.app,
        "PUT",
        &format!("/api/v1/orgs/{}/webhook", w.org_a),
        Some(&w.owner),
        Some(json!({"url": "https://hotline.example.gov.cn/hook", "secret": SECRET})),
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 403, "committees cannot set webhooks");
    for (url, why) in [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.5/hook", "private"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://0x7f000001/", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://[fd00::1]/", "unique local"),
        ("http://[::ffff:7f00:1]/", "loopback"),
        ("http://100.64.1.1/", "CGNAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://255.255.255.255/", "broadcast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://localhost:8080/", "this machine"),
        (
            "http://receiver.test/hook",
            "receiver.test resolves to 127.0.0.1 is a loopback",
        ),
        ("http://intranet.test/hook", "private"),
        ("http://metadata.test/", "link-local"),
        ("http://v6.test/", "loopback"),
        ("http://nowhere.test/", "does not resolve"),
        ("ftp://receiver.test/", "not http or https"),
        ("file:///etc/passwd", "not http or https"),
        ("http://user:pw@receiver.test/", "password"),
        ("not a url", "not a URL"),
    ] {
        let (status, reply) = set_hook(&w, w.org_a, url).await;
        assert_eq!(status, 400, "{url}: {reply}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{url}: {message}");
        assert!(message.contains("`url`"), "{message}");
    }
    assert!(w.app.store.webhook_states(None).await.unwrap().is_empty());
    // An intranet receiver the operator allows.
    let allowed = world_with(|s| s.webhooks = test_guard("10.0.0.0/24")).await;
    let (status, _) = set_hook(&allowed, allowed.org_a, "http://intranet.test/hook").await;
    assert_eq!(status, 204);
    let (status, _) = set_hook(&allowed, allowed.org_a, "http://10.0.1.9/hook").await;
    assert_eq!(status, 400);
}

type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// A receiver on 127.0.0.1: `/hook` takes deliveries, `/redirect` answers
/// 302 to `/target` (which counts visits), `/fail` answers 500.
async fn receiver(
    listener: tokio::net::TcpListener,
) -> (Seen, Arc<std::sync::atomic::AtomicUsize>) {
    let seen: Seen = Arc::default();
    let redirected = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (s, r) = (Arc::clone(&seen), Arc::clone(&redirected));
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let s = Arc::clone(&s);
                async move {
                    s.lock().unwrap().push((headers, body));
                    "ok"
                }
            }),
        )
        .route(
            "/redirect",
            axum::routing::post(move || async move {
                axum::response::Redirect::to(&format!("http://127.0.0.1:{port}/target"))
            }),
        )
        .route(
            "/target",
            axum::routing::any(move || {
                let r = Arc::clone(&r);
                async move {
                    r.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    "reached"
                }
            }),
        )
        .route(
            "/fail",
            axum::routing::post(|| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (seen, redirected)
}

#[tokio::test]
async fn webhooks_are_signed_retried_not_redirected_and_given_up_on() {
    let guard = test_guard("127.0.0.1/32");
    let w = world_with(|s| s.webhooks = Arc::clone(&guard)).await;
    let clock = w.clock.clone();
    let sender = gongce::webhooks::Sender::new(Arc::clone(&guard));
    let store = &w.app.store;
    let ticking = clock.clock();
    let pass = || gongce::webhooks::deliver_due(store, &sender, &ticking);
    // Nobody listens on the port yet.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let hook = format!("http://receiver.test:{port}/hook?key=CHATBOTKEY");
    assert_eq!(set_hook(&w, w.org_a, &hook).await.0, 204);
    let reports = format!("/api/v1/toilets/{}/reports", w.toilet);
    let report = async |note: &'static str, from: &'static str| {
        send(
            &w.app,
            "POST",
            &reports,
            None,
            Some(json!({"kind": "broken", "note": note})),
            from,
        )
        .await
    };
    let (status, receipt) = report("门锁坏了", "1.2.3.4").await;
    assert_eq!(status, 201);

    // The receiver is down: the attempt fails and waits 5 s.
    assert_eq!(pass().await.unwrap(), 1);
    let (_, state) = send(
        &w.app,
        "GET",
        &format!("/api/v1/orgs/{}/webhook", w.org_a),
        Some(&w.admin),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(state["state"], "failing", "{state}");
    assert_eq!(
        (state["host"].as_str(), state["failures"].as_i64()),
        (Some("receiver.test"), Some(1))
    );
    let error = state["last_error"].as_str().unwrap();
    assert!(
        !error.contains("CHATBOTKEY") && !error.contains("/hook"),
        "{error}"
    );
    let (status, _) = send(
        &w.app,
        "GET",
        "/api/v1/webhooks",
        Some(&w.owner),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(status, 403, "admins only");

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let (seen, redirected) = receiver(listener).await;
    assert_eq!(pass().await.unwrap(), 0, "not due before its wait");
    clock.advance(chrono::Duration::seconds(5));
    assert_eq!(pass().await.unwrap(), 1);
    let (headers, body) = seen.lock().unwrap().pop().expect("delivered");
    let payload: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["report"]["id"], receipt["id"]);
    assert_eq!(payload["report"]["note"], "门锁坏了");
    assert_eq!(payload["toilet"]["name"], "贵州路公厕");
    // Standard Webhooks: HMAC-SHA256 of "id.timestamp.body", checked here
    // as a receiver would.
    let id = headers["webhook-id"].to_str().unwrap();
    let timestamp = headers["webhook-timestamp"].to_str().unwrap();
    assert_eq!(timestamp, clock.now().timestamp().to_string());
    use hmac::{KeyInit as _, Mac as _};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    use base64::Engine as _;
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(headers["webhook-signature"].to_str().unwrap(), expected);
    assert!(headers.get("x-gongce-signature").is_none());
    let (_, state) = send(
        &w.app,
        "GET",
        "/api/v1/webhooks",
        Some(&w.admin),
        None,
        "10.0.0.1",
    )
    .await;
    assert_eq!(
        (state[0]["state"].as_str(), state[0]["pending"].as_i64()),
        (Some("ok"), Some(0))
    );

    // A redirect is not followed.
    let redirect = format!("http://receiver.test:{port}/redirect");
    assert_eq!(set_hook(&w, w.org_a, &redirect).await.0, 204);
    assert_eq!(report("second", "1.2.3.5").await.0, 201);
    assert_eq!(pass().await.unwrap(), 1);
    assert_eq!(redirected.load(std::sync::atomic::Ordering::SeqCst), 0);
    let states = store.webhook_states(Some(w.org_a)).await.unwrap();
    assert!(
        states[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("redirects are not followed")
    );

    // A receiver that keeps failing: twelve attempts in all (the redirected
    // one was the first), then given up on.
    let fail = format!("http://receiver.test:{port}/fail");
    assert_eq!(set_hook(&w, w.org_a, &fail).await.0, 204);
    let mut attempts = 1;
    loop {
        clock.advance(chrono::Duration::hours(9));
        if pass().await.unwrap() == 0 {
            break;
        }
        attempts += 1;
    }
    assert_eq!(attempts, gongce::webhooks::MAX_ATTEMPTS);
    let state = store
        .webhook_states(Some(w.org_a))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (state.state.as_str(), state.failed, state.pending),
        ("failed", 1, 0)
    );
    assert_eq!(
        state.last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_dead_receiver_delays_no_other_organisation() {
    let guard = test_guard("127.0.0.1/32");
    let w = world_with(|s| s.webhooks = Arc::clone(&guard)).await;
    // Organisation A's receiver takes the request and does not answer
    // until told; B's answers at once.
    let release = Arc::new(tokio::sync::Notify::new());
    let (arrived_tx, mut arrived) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
    let (tx_a, tx_b, gate) = (arrived_tx.clone(), arrived_tx, Arc::clone(&release));
    let app = axum::Router::new()
        .route(
            "/a",
            axum::routing::post(move || {
                let (tx, gate) = (tx_a.clone(), Arc::clone(&gate));
                async move {
                    tx.send("a arrived").unwrap();
                    gate.notified().await;
                    tx.send("a answered").unwrap();
                    "ok"
                }
            }),
        )
        .route(
            "/b",
            axum::routing::post(move || {
                let tx = tx_b.clone();
                async move {
                    tx.send("b").unwrap();
                    "ok"
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // B's toilet.
    let (status, b_toilet) = send(
        &w.app,
        "POST",
        "/api/v1/toilets",
        Some(&w.other),
        Some(json!({"name": "云南路公厕", "lat": 31.2320, "lon": 121.4720})),
        "10.0.0.99",
    )
    .await;
    assert_eq!(status, 201);
    let org_b = b_toilet["org_id"].as_i64().unwrap();
    assert_eq!(
        set_hook(&w, w.org_a, &format!("http://receiver.test:{port}/a"))
            .await
            .0,
        204
    );
    assert_eq!(
        set_hook(&w, org_b, &format!("http://receiver.test:{port}/b"))
            .await
            .0,
        204
    );
    let file = async |toilet: i64| {
        send(
            &w.app,
            "POST",
            &format!("/api/v1/toilets/{toilet}/reports"),
            None,
            Some(json!({"kind": "dirty"})),
            "1.2.3.4",
        )
        .await
    };
    assert_eq!(file(w.toilet).await.0, 201);
    let worker = tokio::spawn(gongce::webhooks::run(
        w.app.store.clone(),
        Arc::clone(&guard),
        Arc::new(chrono::Utc::now),
        std::time::Duration::from_millis(20),
    ));
    let mut next = async || {
        tokio::time::timeout(std::time::Duration::from_secs(10), arrived.recv())
            .await
            .expect("a delivery within 10 s")
            .unwrap()
    };
    assert_eq!(next().await, "a arrived");
    // A is stuck; B's report is filed now and still delivered.
    assert_eq!(file(b_toilet["id"].as_i64().unwrap()).await.0, 201);
    assert_eq!(next().await, "b");
    release.notify_one();
    assert_eq!(next().await, "a answered");
    worker.abort();
}

/// Under sustained anonymous traffic — new clients every hour, reporting
/// and confirming — the hourly prune keeps the throttle table flat: it
/// holds about a day of clients, not every client ever seen.
#[tokio::test]
async fn sustained_anonymous_traffic_leaves_the_tables_bounded() {
    let w = world().await;
    let keep = gongce::store::retention::Retention::default();
    let throttles = |sizes: Vec<(&str, i64)>| {
        sizes
            .into_iter()
            .find(|(t, _)| *t == "throttles")
            .unwrap()
            .1
    };
    let mut sizes = Vec::new();
    for hour in 0..30u8 {
        for client in 0..20u8 {
            let from = format!("100.{hour}.{client}.1");
            let path = format!("/api/v1/toilets/{}/reports", w.toilet);
            let (status, _) = send(
                &w.app,
                "POST",
                &path,
                None,
                Some(json!({"kind": "dirty"})),
                &from,
            )
            .await;
            assert_eq!(status, 201);
            let path = format!("/api/v1/toilets/{}/confirmations", w.toilet);
            let (status, _) = send(&w.app, "POST", &path, None, None, &from).await;
            assert_eq!(status, 200);
        }
        w.clock.advance(chrono::Duration::hours(1));
        w.app.store.prune(keep).await.unwrap();
        sizes.push(throttles(w.app.store.table_sizes().await.unwrap()));
    }
    // Four throttles a client (reports and confirmations, overall and for
    // the toilet), for the clients of the last day; the first day's setup
    // (the owner's sign-in) goes too.
    assert_eq!(sizes[23] - sizes[0], 23 * 20 * 4, "{sizes:?}");
    assert!(
        sizes[24..].iter().all(|&n| n == 24 * 20 * 4),
        "flat: {sizes:?}"
    );
}
