//! Accounts, sessions and committee writes, in-process against a real store.

use crate::support::text;
use axum::{body::Body, http::Request};
use gongce::auth;
use gongce_shared::accounts::{NewOrg, OrgKind, Role};
use serde_json::{Value, json};

use crate::{TestApp, json_request as request};

const PASSWORD: &str = "correct horse battery staple";

/// Two toilets of the imported list, owned by nobody.
const LIST: &str = "id,name,lat,lon\nx1,Station,31.2300,121.4700\nx2,Market,31.2400,121.4800\n";

struct World {
    app: TestApp,
    org_a: i64,
    org_b: i64,
    user_ids: Vec<i64>,
    /// Bearer tokens: admin, alice (org A), bob (org B).
    admin: String,
    alice: String,
    bob: String,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(tweak: impl FnOnce(&mut gongce::AppState)) -> World {
    let app = crate::app_with(LIST, tweak).await;
    let store = &app.store;
    let org = |name: &str| NewOrg {
        name: text(name),
        kind: OrgKind::ResidentsCommittee,
        street: Some(text("南京东路街道")),
        district: Some(text("黄浦区")),
    };
    let org_a = store.create_org(&org("贵州居委会")).await.unwrap().id;
    let org_b = store.create_org(&org("云南居委会")).await.unwrap().id;
    let hash = auth::hash_password(PASSWORD).unwrap();
    let mut user_ids = Vec::new();
    for (name, role, org) in [
        ("admin", Role::Admin, None),
        ("alice", Role::Committee, Some(org_a)),
        ("bob", Role::Committee, Some(org_b)),
    ] {
        user_ids.push(store.create_user(name, &hash, role, org).await.unwrap().id);
    }
    let admin = sign_in(&app, "admin").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let alice = sign_in(&app, "alice").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = sign_in(&app, "bob").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        org_a,
        org_b,
        user_ids,
        admin,
        alice,
        bob,
    }
}

async fn sign_in(app: &TestApp, username: &str) -> Value {
    let reply = send(
        app,
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": username, "password": PASSWORD, "bearer": true})),
    )
    .await;
    assert_eq!(reply.0, 200, "{}", reply.1);
    reply.1
}

/// Sends a request with an optional bearer token and JSON body; returns
/// status and JSON (or null).
async fn send(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    crate::call(app, request(method, uri, token, body, &[])).await
}

async fn create_toilet(w: &World, token: &str, name: &str) -> Value {
    let (status, body) = send(
        &w.app,
        "POST",
        "/api/v1/toilets",
        Some(token),
        Some(json!({"name": name, "lat": 31.2311, "lon": 121.4711, "wheelchair": true})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

/// Every protected route, as the public, a member of another organisation,
/// a member of the owning organisation, and an admin.
#[tokio::test]
async fn every_protected_route_answers_each_kind_of_caller() {
    let w = world().await;
    let callers = [
        ("public", None),
        ("other org", Some(w.bob.as_str())),
        ("owning org", Some(w.alice.as_str())),
        ("admin", Some(w.admin.as_str())),
    ];
    let a = w.org_a;
    let alice_id = w.user_ids[1];
    // (method, path, body, expected status for each caller); toilets are
    // made fresh per caller where the request changes them.
    type Case = (&'static str, String, Option<Value>, [u16; 4]);
    let fixed: Vec<Case> = vec![
        ("GET", "/api/v1/session".into(), None, [401, 200, 200, 200]),
        ("GET", "/api/v1/orgs".into(), None, [401, 403, 403, 200]),
        (
            "POST",
            "/api/v1/orgs".into(),
            Some(json!({"name": "新居委会", "kind": "residents_committee"})),
            [401, 403, 403, 201],
        ),
        (
            "GET",
            format!("/api/v1/orgs/{a}"),
            None,
            [401, 403, 200, 200],
        ),
        (
            "PATCH",
            format!("/api/v1/orgs/{a}"),
            Some(json!({"street": "外滩街道"})),
            [401, 403, 403, 200],
        ),
        (
            "GET",
            format!("/api/v1/orgs/{a}/toilets"),
            None,
            [401, 403, 200, 200],
        ),
        ("GET", "/api/v1/users".into(), None, [401, 403, 403, 200]),
        (
            "GET",
            format!("/api/v1/users/{alice_id}"),
            None,
            [401, 403, 200, 200],
        ),
        (
            "PATCH",
            format!("/api/v1/users/{alice_id}"),
            Some(json!({"role": "committee"})),
            [401, 403, 403, 200],
        ),
        (
            "POST",
            "/api/v1/toilets".into(),
            Some(json!({"name": "新公厕", "lat": 31.2, "lon": 121.4})),
            [401, 201, 201, 201],
        ),
        (
            "POST",
            "/api/v1/toilets".into(),
            Some(json!({"name": "别人的", "lat": 31.2, "lon": 121.4, "org_id": a})),
            [401, 403, 201, 201],
        ),
    ];
    let mut n = 0;
    for (method, path, body, expected) in fixed {
        for ((who, token), want) in callers.iter().zip(expected) {
            let mut body = body.clone();
            // Unique names for the organisations admins create.
            if let Some(Value::Object(map)) = &mut body
                && path == "/api/v1/orgs"
            {
                n += 1;
                map.insert("name".into(), json!(format!("新居委会{n}")));
            }
            let (status, reply) = send(&w.app, method, &path, *token, body).await;
            assert_eq!(status, want, "{method} {path} as {who}: {reply}");
            assert!(
                reply.is_object() || reply.is_array(),
                "{method} {path}: not JSON"
            );
        }
    }
    let per_toilet: [(&str, &str, Option<Value>, [u16; 4]); 5] = [
        (
            "PATCH",
            "",
            Some(json!({"version": 1, "free": true})),
            [401, 403, 200, 200],
        ),
        (
            "PATCH",
            "",
            Some(
                json!({"version": 1, "status": {"state": "temporarily_closed", "reason": "维修"}}),
            ),
            [401, 403, 200, 200],
        ),
        (
            "PATCH",
            "",
            Some(json!({"version": 1, "org_id": w.org_b})),
            [401, 403, 403, 200],
        ),
        ("DELETE", "", None, [401, 403, 200, 200]),
        ("GET", "/history", None, [401, 403, 200, 200]),
    ];
    for (method, suffix, body, expected) in per_toilet {
        for ((who, token), want) in callers.iter().zip(expected) {
            let toilet = create_toilet(&w, &w.alice, "贵州路公厕").await;
            let path = format!("/api/v1/toilets/{}{suffix}", toilet["id"]);
            let (status, reply) = send(&w.app, method, &path, *token, body.clone()).await;
            assert_eq!(status, want, "{method} {path} as {who}: {reply}");
        }
    }
    // Signing out ends the session, for each signed-in caller.
    for (who, token) in &callers[1..] {
        let (status, _) = send(&w.app, "DELETE", "/api/v1/session", *token, None).await;
        assert_eq!(status, 204, "sign out as {who}");
        let (status, _) = send(&w.app, "GET", "/api/v1/session", *token, None).await;
        assert_eq!(status, 401, "after signing out as {who}");
    }
}

#[tokio::test]
async fn stale_writes_conflict_and_changes_are_served_at_once_with_history() {
    let w = world().await;
    let toilet = create_toilet(&w, &w.alice, "福州路公厕").await;
    let id = toilet["id"].as_i64().unwrap();
    assert_eq!(toilet["org_id"], w.org_a);
    assert_eq!(toilet["version"], 1);
    // Served by /nearby as soon as the write was answered.
    let nearby = w
        .app
        .get("/api/v1/toilets/nearby?lat=31.2311&lon=121.4711&limit=1")
        .await
        .json();
    assert_eq!(nearby["results"][0]["toilet"]["name"], "福州路公厕");

    let path = format!("/api/v1/toilets/{id}");
    let (status, body) = send(
        &w.app,
        "PATCH",
        &path,
        Some(&w.alice),
        Some(json!({"free": true})),
    )
    .await;
    assert_eq!(status, 428, "{body}");
    let (status, first) = send(
        &w.app,
        "PATCH",
        &path,
        Some(&w.alice),
        Some(json!({"version": 1, "free": true, "opening_hours": "Mo-Su 06:00-22:00"})),
    )
    .await;
    assert_eq!(
        (status, first["version"].clone()),
        (200, json!(2)),
        "{first}"
    );
    // A second edit made from version 1 is refused, not applied.
    let (status, stale) = send(
        &w.app,
        "PATCH",
        &path,
        Some(&w.admin),
        Some(json!({"version": 1, "free": false})),
    )
    .await;
    assert_eq!(status, 409, "{stale}");
    assert_eq!(
        (&stale["error"]["field"], &stale["error"]["value"]),
        (&json!("version"), &json!("1"))
    );
    assert!(
        stale["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 2")
    );
    // An integer written with a fraction is still that integer, read
    // exactly however large (JSON Schema counts 1.0 as an integer): this
    // one is a stale version, not a malformed body. A real fraction is not.
    for (version, expected) in [(json!(-4335740993370450.0), 409), (json!(1.5), 400)] {
        let (status, body) = send(
            &w.app,
            "PATCH",
            &path,
            Some(&w.alice),
            Some(json!({"version": version, "free": false})),
        )
        .await;
        assert_eq!(status, expected, "{version}: {body}");
    }
    // If-Match works too.
    let reply = w
        .app
        .request(request(
            "PATCH",
            &path,
            Some(&w.admin),
            Some(json!({"wheelchair": null})),
            &[("if-match", "\"2\"")],
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["etag"], "\"3\"");
    assert_eq!(reply.json()["wheelchair"], Value::Null);

    // Closed for a while: open_now is false in search at once.
    let (status, closed) = send(
        &w.app,
        "PATCH",
        &path,
        Some(&w.alice),
        Some(json!({"version": 3, "status": {"state": "temporarily_closed", "reason": "管道维修", "until": "2099-01-01T00:00:00Z"}})),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    let nearby = w
        .app
        .get("/api/v1/toilets/nearby?lat=31.2311&lon=121.4711&limit=1")
        .await
        .json();
    assert_eq!(nearby["results"][0]["open_now"], false);
    assert_eq!(
        nearby["results"][0]["toilet"]["status"]["reason"],
        "管道维修"
    );
    let (status, _) = send(
        &w.app,
        "PATCH",
        &path,
        Some(&w.alice),
        Some(json!({"version": 4, "status": {"state": "open"}})),
    )
    .await;
    assert_eq!(status, 200);

    // Removed: gone from search, kept in the organisation's list.
    let reply = w
        .app
        .request(request(
            "DELETE",
            &path,
            Some(&w.alice),
            None,
            &[("if-match", "\"4\"")],
        ))
        .await;
    assert_eq!(reply.status, 409);
    let (status, _) = send(&w.app, "DELETE", &path, Some(&w.alice), None).await;
    assert_eq!(status, 200);
    let nearby = w
        .app
        .get("/api/v1/toilets/nearby?lat=31.2311&lon=121.4711&limit=1")
        .await
        .json();
    assert_ne!(nearby["results"][0]["toilet"]["id"], id);
    // A shared link to it says it is gone.
    let gone = w.app.get(&path).await;
    assert_eq!(gone.status, 200);
    assert_eq!(gone.json()["status"]["state"], "removed");
    let (_, list) = send(
        &w.app,
        "GET",
        &format!("/api/v1/orgs/{}/toilets", w.org_a),
        Some(&w.alice),
        None,
    )
    .await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id && t["status"]["state"] == "removed")
    );

    // Who, when, before and after — newest first.
    let (status, history) = send(
        &w.app,
        "GET",
        &format!("{path}/history"),
        Some(&w.alice),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["remove", "reopen", "close", "update", "update", "create"]
    );
    let users: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["user"].as_str().unwrap())
        .collect();
    assert_eq!(
        users,
        ["alice", "alice", "alice", "admin", "alice", "alice"]
    );
    let update = &history[4];
    assert_eq!(
        (
            update["before"]["free"].clone(),
            update["after"]["free"].clone()
        ),
        (Value::Null, json!(true))
    );
    assert_eq!(history[5]["before"], Value::Null);
    // The imported toilets belong to nobody: committees cannot touch them.
    let (status, _) = send(
        &w.app,
        "PATCH",
        "/api/v1/toilets/1",
        Some(&w.alice),
        Some(json!({"version": 1, "free": true})),
    )
    .await;
    assert_eq!(status, 403);
    // Bad input names the field and value.
    let (status, bad) = send(
        &w.app,
        "POST",
        "/api/v1/toilets",
        Some(&w.alice),
        Some(json!({"name": "x", "lat": 95, "lon": 121})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        bad["error"]["message"].as_str().unwrap().contains("`lat`"),
        "{bad}"
    );
    let (status, bad) = send(
        &w.app,
        "POST",
        "/api/v1/toilets",
        Some(&w.alice),
        Some(json!({"name": "x", "lat": 31, "lon": 121, "opening_hours": "whenever"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("opening_hours"),
        "{bad}"
    );
    let (status, bad) = send(
        &w.app,
        "POST",
        "/api/v1/toilets",
        Some(&w.alice),
        Some(json!({"name": "  ", "lat": 31, "lon": 121})),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    let (status, bad) = send(
        &w.app,
        "PATCH",
        &format!("/api/v1/toilets/{}", id + 1000),
        Some(&w.admin),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, 404, "{bad}");
    let (status, _) = send(
        &w.app,
        "PATCH",
        "/api/v1/toilets/abc",
        Some(&w.admin),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn disabled_users_and_organisations_lose_their_sessions() {
    let w = world().await;
    let alice_id = w.user_ids[1];
    let (status, _) = send(&w.app, "GET", "/api/v1/session", Some(&w.alice), None).await;
    assert_eq!(status, 200);
    let (status, user) = send(
        &w.app,
        "PATCH",
        &format!("/api/v1/users/{alice_id}"),
        Some(&w.admin),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!((status, user["disabled"].clone()), (200, json!(true)));
    let (status, _) = send(&w.app, "GET", "/api/v1/session", Some(&w.alice), None).await;
    assert_eq!(status, 401);
    let (status, _) = send(
        &w.app,
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "alice", "password": PASSWORD})),
    )
    .await;
    // As a wrong password: the answer never confirms a guessed password.
    assert_eq!(status, 401);

    // A disabled organisation's members are signed out too.
    let (status, _) = send(
        &w.app,
        "PATCH",
        &format!("/api/v1/orgs/{}", w.org_b),
        Some(&w.admin),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(&w.app, "GET", "/api/v1/session", Some(&w.bob), None).await;
    assert_eq!(status, 401);
    // Admins manage users; passwords are checked and never shown.
    let (status, created) = send(
        &w.app,
        "POST",
        "/api/v1/users",
        Some(&w.admin),
        Some(json!({"username": "carol", "password": "short", "role": "committee", "org_id": w.org_a})),
    )
    .await;
    assert_eq!(status, 400, "{created}");
    let (status, created) = send(
        &w.app,
        "POST",
        "/api/v1/users",
        Some(&w.admin),
        Some(json!({"username": "carol", "password": PASSWORD, "role": "committee", "org_id": w.org_a})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(!created.to_string().contains("argon2"));
    let (status, taken) = send(
        &w.app,
        "POST",
        "/api/v1/users",
        Some(&w.admin),
        Some(json!({"username": "Carol", "password": PASSWORD, "role": "admin"})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(taken["error"]["field"], "username", "{taken}");
    let (status, _) = send(
        &w.app,
        "POST",
        "/api/v1/users",
        Some(&w.admin),
        Some(json!({"username": "dave", "password": PASSWORD, "role": "committee"})),
    )
    .await;
    assert_eq!(status, 409);
    sign_in(&w.app, "carol").await;
}

#[tokio::test]
async fn sessions_expire() {
    let w = world().await;
    let (status, _) = send(&w.app, "GET", "/api/v1/session", Some(&w.alice), None).await;
    assert_eq!(status, 200);
    let conn = rusqlite::Connection::open(w.app.store.sqlite_file().unwrap()).unwrap();
    conn.execute(
        "UPDATE sessions SET expires_at = '2020-01-01T00:00:00.000Z' WHERE token_hash = ?1",
        [auth::token_hash(&w.alice)],
    )
    .unwrap();
    let (status, _) = send(&w.app, "GET", "/api/v1/session", Some(&w.alice), None).await;
    assert_eq!(status, 401);
    // Nobody else's session ended.
    let (status, _) = send(&w.app, "GET", "/api/v1/session", Some(&w.bob), None).await;
    assert_eq!(status, 200);
    // The store holds hashes, never the tokens themselves.
    let tokens: Vec<String> = conn
        .prepare("SELECT token_hash FROM sessions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!tokens.is_empty());
    assert!(
        tokens
            .iter()
            .all(|t| *t != w.alice && *t != w.bob && *t != w.admin)
    );
}

async fn try_sign_in(
    app: &TestApp,
    user: &str,
    password: &str,
    peer: &str,
    forwarded: Option<&str>,
) -> crate::Reply {
    app.request(sign_in_from(user, password, peer, forwarded))
        .await
}

/// A sign-in from `peer`, through whatever `X-Forwarded-For` says.
fn sign_in_from(user: &str, password: &str, peer: &str, forwarded: Option<&str>) -> Request<Body> {
    let peer: std::net::SocketAddr = peer.parse().unwrap();
    let mut builder = Request::builder()
        .method("POST")
        .uri("/api/v1/session")
        .header("content-type", "application/json")
        .extension(axum::extract::ConnectInfo(peer));
    if let Some(f) = forwarded {
        builder = builder.header("x-forwarded-for", f);
    }
    builder
        .body(Body::from(
            json!({"username": user, "password": password}).to_string(),
        ))
        .unwrap()
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_gets_five_checks_and_the_owner_still_signs_in() {
    let clock = crate::TestClock::default();
    let w = world_with(|s| {
        s.clock = clock.clock();
        s.trusted_proxies = std::sync::Arc::new("10.0.0.0/8".parse().unwrap());
    })
    .await;
    // 40 wrong passwords at once, from one client behind the proxy.
    let guesses: Vec<String> = (0..40).map(|i| format!("wrong password {i}")).collect();
    let burst = guesses
        .iter()
        .map(|p| try_sign_in(&w.app, "alice", p, "10.0.0.2:5000", Some("203.0.113.50")));
    let replies = futures_util::future::join_all(burst).await;
    let count = |code: u16| replies.iter().filter(|r| r.status == code).count();
    assert_eq!(count(401), 5, "password checks");
    assert_eq!(count(429), 35);
    assert!(replies.iter().all(|r| r.status < 500));
    // The owner, elsewhere behind the same proxy: slowed, not locked out.
    let reply = try_sign_in(
        &w.app,
        "alice",
        PASSWORD,
        "10.0.0.2:5001",
        Some("198.51.100.8"),
    )
    .await;
    assert_eq!(reply.status, 429);
    let wait: i64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    clock.advance(chrono::Duration::seconds(wait));
    let reply = try_sign_in(
        &w.app,
        "alice",
        PASSWORD,
        "10.0.0.2:5001",
        Some("198.51.100.8"),
    )
    .await;
    assert_eq!(reply.status, 200);
    // The web app's sign-in gets a cookie, no bearer token.
    assert_eq!(reply.json()["token"], Value::Null);
    assert!(reply.headers.contains_key("set-cookie"));
    // The attacker's client stays refused for the rest of its window.
    let reply = try_sign_in(
        &w.app,
        "alice",
        PASSWORD,
        "10.0.0.2:5000",
        Some("203.0.113.50"),
    )
    .await;
    assert_eq!(reply.status, 429);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_changes_nothing() {
    let w = world_with(|s| {
        s.trusted_proxies = std::sync::Arc::new("10.0.0.0/8".parse().unwrap());
    })
    .await;
    // A client that reaches the server directly and claims a new address
    // with each attempt is still one client.
    for i in 0..5 {
        let forwarded = format!("192.0.2.{i}");
        let reply = try_sign_in(
            &w.app,
            "bob",
            "wrong password!",
            "198.51.100.7:4000",
            Some(&forwarded),
        )
        .await;
        assert_eq!(reply.status, 401);
    }
    let reply = try_sign_in(
        &w.app,
        "bob",
        PASSWORD,
        "198.51.100.7:4001",
        Some("192.0.2.200"),
    )
    .await;
    assert_eq!(reply.status, 429);
    // An IPv6 client is its /64: another address in it is the same client.
    for _ in 0..5 {
        let reply = try_sign_in(
            &w.app,
            "alice",
            "wrong password!",
            "[2001:db8:7:7::1]:4000",
            None,
        )
        .await;
        assert_eq!(reply.status, 401);
    }
    let reply = try_sign_in(
        &w.app,
        "alice",
        PASSWORD,
        "[2001:db8:7:7:ffff::2]:4000",
        None,
    )
    .await;
    assert_eq!(reply.status, 429);
}

#[tokio::test]
async fn wrong_passwords_unknown_users_and_disabled_accounts_answer_alike() {
    let w = world().await;
    let wrong = try_sign_in(&w.app, "alice", "wrong password!", "192.0.2.1:1", None).await;
    let nobody = try_sign_in(&w.app, "nobody", PASSWORD, "192.0.2.1:1", None).await;
    assert_eq!((wrong.status, nobody.status), (401, 401));
    assert_eq!(wrong.body, nobody.body);
    assert_eq!(
        wrong.json()["error"]["message"],
        "wrong username or password"
    );
    // A client asks for a bearer token, and only then gets one.
    let (status, with) = send(
        &w.app,
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "bob", "password": PASSWORD, "bearer": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(with["token"].as_str().is_some_and(|t| t.len() == 43));
}

#[tokio::test]
async fn when_every_password_check_is_busy_sign_in_answers_503() {
    let checks = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
    let w = world_with(|s| {
        s.password_checks = std::sync::Arc::clone(&checks);
        s.password_check_wait = std::time::Duration::ZERO;
    })
    .await;
    // Every slot taken.
    let _busy = checks.acquire_many(4).await.unwrap();
    let reply = try_sign_in(&w.app, "alice", PASSWORD, "192.0.2.1:1", None).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.headers["retry-after"], "1");
    assert_eq!(reply.json()["error"]["code"], "busy");
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_from_this_site() {
    let w = world().await;
    let reply = w
        .app
        .request(request(
            "POST",
            "/api/v1/session",
            None,
            Some(json!({"username": "alice", "password": PASSWORD})),
            &[],
        ))
        .await;
    let set_cookie = reply.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = reply.json()["csrf_token"].as_str().unwrap().to_owned();

    // Reading with the cookie needs nothing more.
    let ok = w
        .app
        .request(request(
            "GET",
            "/api/v1/session",
            None,
            None,
            &[("cookie", &cookie)],
        ))
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["csrf_token"], csrf);
    assert_eq!(ok.json()["token"], Value::Null);

    // A cross-site HTML form: cookie, form body, no token.
    let form = Request::builder()
        .method("POST")
        .uri("/api/v1/toilets")
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("host", "gongce.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("name=x&lat=31&lon=121"))
        .unwrap();
    let reply = w.app.request(form).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["error"]["code"], "csrf");
    let body = json!({"name": "饼干公厕", "lat": 31.2, "lon": 121.4});
    // The token from another site's page still fails on its Origin.
    let reply = w
        .app
        .request(request(
            "POST",
            "/api/v1/toilets",
            None,
            Some(body.clone()),
            &[
                ("cookie", &cookie),
                ("x-csrf-token", &csrf),
                ("origin", "https://evil.example"),
                ("host", "gongce.example"),
            ],
        ))
        .await;
    assert_eq!(reply.status, 403);
    let reply = w
        .app
        .request(request(
            "POST",
            "/api/v1/toilets",
            None,
            Some(body.clone()),
            &[("cookie", &cookie), ("x-csrf-token", "guess")],
        ))
        .await;
    assert_eq!(reply.status, 403);
    // The app itself: same origin, with the token.
    let reply = w
        .app
        .request(request(
            "POST",
            "/api/v1/toilets",
            None,
            Some(body),
            &[
                ("cookie", &cookie),
                ("x-csrf-token", &csrf),
                ("origin", "https://gongce.example"),
                ("host", "gongce.example"),
            ],
        ))
        .await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    // Signing out with the cookie clears it.
    let reply = w
        .app
        .request(request(
            "DELETE",
            "/api/v1/session",
            None,
            None,
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        ))
        .await;
    assert_eq!(reply.status, 204);
    assert!(
        reply.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn admins_upload_a_list_read_the_dry_run_then_commit_it() {
    let w = world().await;
    let taiwan = std::fs::read(crate::dataset(
        "taiwan_moenv_toilets_20251109_no_taipei.csv",
    ))
    .unwrap();
    let upload = |token: Option<String>, query: &str, body: Vec<u8>| {
        let mut builder = Request::builder()
            .method("POST")
            .uri(format!("/api/v1/imports?{query}"))
            .header("content-type", "text/csv");
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        builder.body(Body::from(body)).unwrap()
    };
    let query = "source=taiwan-moenv&filename=taiwan.csv&timezone=Asia/Taipei&fix_swapped=true&skip_invalid=true";
    for (token, want) in [(None, 401), (Some(w.alice.clone()), 403)] {
        let reply = w
            .app
            .request(upload(token, query, b"name,lat,lon\n".to_vec()))
            .await;
        assert_eq!(reply.status, want);
    }
    for (bad, needle) in [
        ("source=x&filename=a.csv&crs=utm", "`crs`"),
        ("filename=a.csv", "`source`"),
        ("source=x&filename=a.pdf", "`filename`"),
        ("source=x&filename=a.csv&colour=red", "`colour`"),
        ("source=x&filename=a.csv&map=nothing", "`map`"),
    ] {
        let reply = w
            .app
            .request(upload(
                Some(w.admin.clone()),
                bad,
                b"name,lat,lon\n".to_vec(),
            ))
            .await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{bad}"
        );
    }
    let reply = w
        .app
        .request(upload(
            Some(w.admin.clone()),
            "source=x&filename=a.csv",
            b"name,lat\nA,1\n".to_vec(),
        ))
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no column for lon")
    );

    // The 10 MB list: more than the API's 1 MiB body limit, fine for uploads.
    let before = w.app.store.snapshot().await.unwrap().toilets.len();
    let reply = w
        .app
        .request(upload(Some(w.admin.clone()), query, taiwan))
        .await;
    assert_eq!(reply.status, 200);
    let dry = reply.json();
    assert_eq!(dry["report"]["dry_run"], true);
    assert_eq!(dry["report"]["written"], false);
    assert_eq!(dry["report"]["file"], "taiwan.csv");
    assert_eq!(dry["report"]["counts"]["read"], 38_906);
    assert_eq!(dry["report"]["counts"]["fixed"], 11);
    assert!(
        dry["report"]["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["external_id"] == "C040000333")
    );
    // Every problem has a code; the swapped ones say so.
    let codes: std::collections::BTreeSet<&str> = dry["report"]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains("coordinates_swapped"), "{codes:?}");
    assert_eq!(dry["report"]["preview"].as_array().unwrap().len(), 20);
    assert_eq!(w.app.store.snapshot().await.unwrap().toilets.len(), before);

    let id = dry["import_id"].as_str().unwrap();
    let commit = format!("/api/v1/imports/{id}/commit");
    let (status, _) = send(&w.app, "POST", &commit, Some(&w.alice), None).await;
    assert_eq!(status, 403);
    let (status, done) = send(&w.app, "POST", &commit, Some(&w.admin), None).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["report"]["written"], true);
    assert_eq!(
        done["report"]["counts"]["inserted"],
        dry["report"]["counts"]["inserted"]
    );
    let inserted = done["report"]["counts"]["inserted"].as_u64().unwrap() as usize;
    assert_eq!(
        w.app.store.snapshot().await.unwrap().toilets.len(),
        before + inserted
    );
    // Once only.
    let (status, _) = send(&w.app, "POST", &commit, Some(&w.admin), None).await;
    assert_eq!(status, 404);
    let (status, _) = send(
        &w.app,
        "POST",
        "/api/v1/imports/..%2F..%2Fetc/commit",
        Some(&w.admin),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// Spreadsheet bombs are refused with a clear error, through the upload and
/// through the CLI, and the server keeps serving.
#[tokio::test]
async fn spreadsheet_bombs_are_refused_by_upload_and_cli_while_serving() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let db = crate::support::sqlite_db();
    for (file, needle) in [
        (
            crate::support::sparse_xlsx(dir.path()),
            "declares 1048576 rows × 16384 columns (A1:XFD1048576)",
        ),
        (
            crate::support::lying_xlsx(dir.path()),
            "a value in cell KO1",
        ),
        (
            crate::support::inflating_xlsx(dir.path()),
            "xl/sharedStrings.xml inflates more than 100 times",
        ),
        (
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sparse.xls"),
            "spans 65536 rows × 256 columns (A1:IV65536)",
        ),
    ] {
        let request = Request::builder()
            .method("POST")
            .uri(format!(
                "/api/v1/imports?source=x&filename=list.{}",
                file.extension().unwrap().to_str().unwrap()
            ))
            .header("content-type", "application/octet-stream")
            .header("authorization", format!("Bearer {}", w.admin))
            .body(Body::from(std::fs::read(&file).unwrap()))
            .unwrap();
        let reply = w.app.request(request).await;
        assert_eq!(reply.status, 400, "{}", reply.json());
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(needle), "{message}");
        let (status, _) = send(&w.app, "GET", "/healthz", None, None).await;
        assert_eq!(status, 200, "still serving after {}", file.display());

        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongce"))
            .args([
                "import",
                "--dry-run",
                "--source",
                "x",
                "--database-url",
                &db.url,
            ])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
    }
}

/// Free text is bounded everywhere it is written and cleaned of invisible
/// formatting; an over-long value is a 400 naming the field, or a rejected
/// row naming the column.
#[tokio::test]
async fn free_text_is_bounded_and_invisible_formatting_stripped() {
    let w = world().await;
    let long = |n: usize| "路".repeat(n);
    for (body, field, max) in [
        (
            json!({"name": "x", "lat": 31, "lon": 121, "address": long(301)}),
            "address",
            300,
        ),
        (
            json!({"name": "x", "lat": 31, "lon": 121, "hours_note": long(501)}),
            "hours_note",
            500,
        ),
        (
            json!({"name": "x", "lat": 31, "lon": 121, "operator": long(201)}),
            "operator",
            200,
        ),
        (
            json!({"name": long(201), "lat": 31, "lon": 121}),
            "name",
            200,
        ),
    ] {
        let e = refused_toilet(&w, body).await;
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{field}`")), "{message}");
        assert!(message.contains(&max.to_string()), "{message}");
        // Structured: the code, the field and the limit; the value is not
        // echoed back whole.
        assert_eq!(
            (&e["code"], &e["field"], &e["limit"]),
            (&json!("too_long"), &json!(field), &json!(max)),
            "{e}"
        );
        assert!(e["value"].as_str().unwrap().chars().count() <= 101, "{e}");
    }
    let (status, made) = send(
        &w.app,
        "POST",
        "/api/v1/toilets",
        Some(&w.alice),
        Some(
            json!({"name": "\u{202E}南京路\u{200B}公厕\u{FEFF}", "lat": 31.2311, "lon": 121.4711,
            "address": " 南京东路\u{2066}1号\t ", "operator": "\u{200B}"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["name"], "南京路公厕");
    assert_eq!(made["address"], "南京东路1号");
    assert_eq!(made["operator"], Value::Null);
    let (version, id) = (
        made["version"].as_i64().unwrap(),
        made["id"].as_i64().unwrap(),
    );
    let (status, bad) = send(
        &w.app,
        "PATCH",
        &format!("/api/v1/toilets/{id}"),
        Some(&w.alice),
        Some(json!({"version": version,
            "status": {"state": "temporarily_closed", "reason": long(201)}})),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("status.reason"),
        "{bad}"
    );
    assert_eq!(bad["error"]["field"], "status.reason", "{bad}");
    let (status, bad) = send(
        &w.app,
        "POST",
        "/api/v1/orgs",
        Some(&w.admin),
        Some(json!({"name": long(201), "kind": "other"})),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    assert!(
        bad["error"]["message"].as_str().unwrap().contains("`name`"),
        "{bad}"
    );

    // On import: the row is rejected, naming the column and the limit.
    let csv = format!(
        "名称,纬度,经度,地址\n好的,31.23,121.47,黄浦路\n坏的,31.24,121.48,{}\n",
        long(301)
    );
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/imports?source=x&filename=list.csv")
        .header("content-type", "text/csv")
        .header("authorization", format!("Bearer {}", w.admin))
        .body(Body::from(csv))
        .unwrap();
    let reply = w.app.request(request).await;
    assert_eq!(reply.status, 200);
    let issues = reply.json()["report"]["issues"].clone();
    assert_eq!(issues.as_array().unwrap().len(), 1, "{issues}");
    assert_eq!(issues[0]["column"], "地址");
    assert_eq!(
        issues[0]["reason"],
        "301 characters, more than the 300 allowed"
    );
    // …with a code and the limit, for the app to say in the reader's language.
    assert_eq!(issues[0]["code"], "too_long");
    assert_eq!(issues[0]["limit"], 300);
    // The accepted row is previewed as it will be written.
    let preview = reply.json()["report"]["preview"].clone();
    assert_eq!(preview.as_array().unwrap().len(), 1, "{preview}");
    assert_eq!(preview[0]["name"], "好的");
    assert_eq!(preview[0]["address"], "黄浦路");
    assert_eq!(
        (preview[0]["lat"].as_f64(), preview[0]["lon"].as_f64()),
        (Some(31.23), Some(121.47))
    );
    assert_eq!(preview[0]["wheelchair"], serde_json::Value::Null);
}

/// A value a hostile or broken client might send.
fn junk(rng: &mut rand_chacha::ChaCha8Rng) -> String {
    use rand::{Rng as _, seq::IndexedRandom as _};
    const PIECES: &[&str] = &[
        "",
        "0",
        "-1",
        "1e309",
        "NaN",
        "inf",
        "-0",
        "9223372036854775808",
        "31.23",
        "121.47",
        "true",
        "null",
        "[]",
        "{}",
        "\"",
        "'",
        "\\",
        "%",
        "%00",
        "%ff",
        "%2F..%2F",
        "..",
        "/",
        "\u{0}",
        "\u{202E}",
        "\u{FEFF}",
        "公厕",
        "🚻",
        ",",
        ";",
        "=",
        "&",
        "?",
        "#",
        "+",
        " ",
        "<script>",
        "${x}",
        "1,2,3,4",
        "180,90,-180,-90",
        "Mo-Fr 08:00-18:00",
        "24/7",
    ];
    let mut out = String::new();
    for _ in 0..rng.random_range(0..6) {
        out.push_str(PIECES.choose(rng).unwrap());
    }
    if rng.random_bool(0.05) {
        out.push_str(&"9".repeat(rng.random_range(100..5000)));
    }
    out
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Malformed queries, paths and bodies, seeded so a failure repeats: the
/// API never answers 5xx, and every error is JSON that says what was wrong.
#[tokio::test]
async fn malformed_requests_never_get_a_server_error() {
    use rand::{Rng as _, SeedableRng as _, seq::IndexedRandom as _};
    let w = world().await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261201);
    let routes = [
        ("GET", "/api/v1/toilets/nearby"),
        ("GET", "/api/v1/toilets"),
        ("POST", "/api/v1/toilets"),
        ("GET", "/api/v1/toilets/{}"),
        ("PATCH", "/api/v1/toilets/{}"),
        ("DELETE", "/api/v1/toilets/{}"),
        ("POST", "/api/v1/toilets/{}/reports"),
        ("POST", "/api/v1/toilets/{}/confirmations"),
        ("GET", "/api/v1/toilets/{}/history"),
        ("GET", "/api/v1/orgs"),
        ("POST", "/api/v1/orgs"),
        ("PATCH", "/api/v1/orgs/{}"),
        ("GET", "/api/v1/orgs/{}/reports"),
        ("GET", "/api/v1/orgs/{}/toilets"),
        ("PUT", "/api/v1/orgs/{}/webhook"),
        ("POST", "/api/v1/reports/{}/resolve"),
        ("POST", "/api/v1/reports/{}/acknowledge"),
        ("POST", "/api/v1/users"),
        ("PATCH", "/api/v1/users/{}"),
        ("POST", "/api/v1/session"),
        ("GET", "/api/v1/stats/reports"),
        ("POST", "/api/v1/imports/{}/commit"),
        ("GET", "/api/v1/export.csv"),
        ("GET", "/api/v1/{}"),
    ];
    let params = [
        "lat",
        "lon",
        "limit",
        "radius_m",
        "bbox",
        "wheelchair",
        "free",
        "open_now",
        "state",
        "overdue_hours",
        "source",
        "filename",
        "crs",
    ];
    let methods = ["GET", "POST", "PATCH", "PUT", "DELETE"];
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    for _ in 0..3000 {
        let (method, route) = *routes.choose(&mut rng).unwrap();
        // Sometimes the wrong method; sometimes a number where one belongs.
        let method = if rng.random_bool(0.1) {
            *methods.choose(&mut rng).unwrap()
        } else {
            method
        };
        let segment = if rng.random_bool(0.3) {
            rng.random_range(-2..4).to_string()
        } else {
            junk(&mut rng)
        };
        let path = route.replace("{}", &encode(&segment));
        let query: Vec<String> = (0..rng.random_range(0..5))
            .map(|_| {
                format!(
                    "{}={}",
                    params.choose(&mut rng).unwrap(),
                    encode(&junk(&mut rng))
                )
            })
            .collect();
        let uri = format!("{path}?{}", query.join("&"));
        let token = [None, Some(w.admin.as_str()), Some(w.alice.as_str())]
            .choose(&mut rng)
            .unwrap()
            .map(str::to_owned);
        let body = match rng.random_range(0..4) {
            0 => None,
            1 => Some(Body::from(junk(&mut rng))),
            2 => Some(Body::from(
                json!({"name": junk(&mut rng), "lat": junk(&mut rng), "kind": junk(&mut rng),
                       "version": rng.random_range(-2..5), "status": {"state": junk(&mut rng)},
                       "address": junk(&mut rng), "org_id": junk(&mut rng)})
                .to_string(),
            )),
            _ => Some(Body::from(vec![
                rng.random::<u8>();
                rng.random_range(0..3000)
            ])),
        };
        let mut builder = Request::builder().method(method).uri(&uri);
        if let Some(token) = &token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if rng.random_bool(0.7) {
            builder = builder.header("content-type", "application/json");
        }
        let Ok(request) = builder.body(body.unwrap_or_default()) else {
            continue; // not even a request: the client library refuses it
        };
        let reply = w.app.request(request).await;
        *seen.entry(reply.status).or_default() += 1;
        assert!(
            reply.status < 500,
            "{method} {uri} → {}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
        if reply.status >= 400 {
            let body = reply.json();
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{method} {uri}: {body}"
            );
        }
    }
    eprintln!("statuses: {seen:?}");
    assert!(
        seen.keys().any(|&s| s < 300),
        "some requests got through: {seen:?}"
    );
}

/// A committee writes hours as people do and leaves the zone out: the
/// hours are stored in OSM syntax with the text as the note, the zone is
/// the one where the toilet stands, and open-now is read there.
#[tokio::test]
async fn hours_as_written_are_read_in_the_zone_where_the_toilet_stands() {
    let clock = crate::TestClock::default();
    let w = world_with(|s| s.clock = clock.clock()).await;
    let mut made = Vec::new();
    for (name, lat, lon, zone) in [
        ("台中車站公廁", 24.1369, 120.6869, "Asia/Taipei"),
        ("观前街公厕", 31.3107, 120.6255, "Asia/Shanghai"),
        ("Hyde Park", -33.8731, 151.2111, "Australia/Sydney"),
        ("Esplanadi", 60.1675, 24.9486, "Europe/Helsinki"),
    ] {
        let (status, body) = send(
            &w.app,
            "POST",
            "/api/v1/toilets",
            Some(&w.alice),
            Some(json!({"name": name, "lat": lat, "lon": lon, "opening_hours": "每天 6:00-22:00"})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["timezone"], zone, "{name}");
        assert_eq!(body["opening_hours"], "Mo-Su 06:00-22:00");
        assert_eq!(body["hours_note"], "每天 6:00-22:00");
        made.push(body);
    }
    let open_now = |at: &Value| {
        let w = &w;
        let at = at.clone();
        async move {
            let uri = format!(
                "/api/v1/toilets/nearby?lat={}&lon={}&limit=1",
                at["lat"], at["lon"]
            );
            let (status, body) = send(&w.app, "GET", &uri, None, None).await;
            assert_eq!(status, 200, "{body}");
            body["results"][0]["open_now"].clone()
        }
    };
    let sydney = &made[2];
    // 2026-11-25 02:00 UTC: 13:00 in Sydney, 04:00 in Helsinki.
    assert_eq!(open_now(sydney).await, json!(true));
    assert_eq!(open_now(&made[3]).await, json!(false));
    // 12:00 UTC: 23:00 in Sydney (20:00 in Shanghai, where it would be open).
    clock.advance(chrono::Duration::hours(10));
    assert_eq!(open_now(sydney).await, json!(false));
    assert_eq!(open_now(&made[0]).await, json!(true));
    assert_eq!(open_now(&made[3]).await, json!(true));

    // The zone can be edited, and a note given is kept over the text.
    let id = made[0]["id"].as_i64().unwrap();
    let (status, body) = send(
        &w.app,
        "PATCH",
        &format!("/api/v1/toilets/{id}"),
        Some(&w.alice),
        Some(
            json!({"version": made[0]["version"], "timezone": "Asia/Shanghai",
            "opening_hours": "工作日 8:00-17:00", "hours_note": "春节闭馆"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            &body["timezone"],
            &body["opening_hours"],
            &body["hours_note"]
        ),
        (
            &json!("Asia/Shanghai"),
            &json!("Mo-Fr 08:00-17:00"),
            &json!("春节闭馆")
        )
    );
}

/// Alice's new toilet `body`, refused with 400: the error object.
async fn refused_toilet(w: &World, body: Value) -> Value {
    let (status, bad) = send(
        &w.app,
        "POST",
        "/api/v1/toilets",
        Some(&w.alice),
        Some(body),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    bad["error"].clone()
}

/// Each kind of bad request answers its stable code, naming the field or
/// parameter, quoting the value and giving the bound, so that a client can
/// say it in its own language.
#[tokio::test]
async fn errors_carry_a_code_the_field_the_value_and_the_limit() {
    let w = world().await;
    let post = |body: Value| refused_toilet(&w, body);
    let e = post(json!({"name": "x", "lat": 91, "lon": 121})).await;
    assert_eq!(
        (&e["code"], &e["field"], &e["value"], &e["limit"]),
        (
            &json!("out_of_range"),
            &json!("lat"),
            &json!("91"),
            &json!(90)
        ),
        "{e}"
    );
    let e = post(json!({"name": "x", "lat": 31, "lon": -200.5})).await;
    assert_eq!(
        (&e["code"], &e["field"], &e["limit"]),
        (&json!("out_of_range"), &json!("lon"), &json!(-180)),
        "{e}"
    );
    let e = post(json!({"name": "x", "lon": 121})).await;
    assert_eq!(
        (&e["code"], &e["field"]),
        (&json!("missing_field"), &json!("lat")),
        "{e}"
    );
    let e = post(json!({"name": "x", "lat": 31, "lon": 121, "colour": "red"})).await;
    assert_eq!(
        (&e["code"], &e["field"]),
        (&json!("unknown_field"), &json!("colour")),
        "{e}"
    );
    // The detailed facts, read apart from the rest of the body, name
    // their field all the same.
    for (body, code, field, value, limit) in [
        (
            json!({"urinals": 1000}),
            "out_of_range",
            "urinals",
            json!("1000"),
            json!(999),
        ),
        (
            json!({"door_width_cm": -5}),
            "out_of_range",
            "door_width_cm",
            json!("-5"),
            json!(0),
        ),
        (
            json!({"seated": "yes"}),
            "invalid_field",
            "seated",
            json!("yes"),
            Value::Null,
        ),
        (
            json!({"phone": "ask Mr Li"}),
            "invalid_field",
            "phone",
            json!("ask Mr Li"),
            Value::Null,
        ),
        (
            json!({"grade": "级".repeat(41)}),
            "too_long",
            "grade",
            json!("级".repeat(41)),
            json!(40),
        ),
    ] {
        let mut full = json!({"name": "x", "lat": 31, "lon": 121});
        full.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let e = post(full).await;
        assert_eq!(
            (&e["code"], &e["field"], &e["value"], &e["limit"]),
            (&json!(code), &json!(field), &value, &limit),
            "{body}: {e}"
        );
    }
    let e = post(json!({"name": "  ", "lat": 31, "lon": 121})).await;
    assert_eq!(
        (&e["code"], &e["field"]),
        (&json!("blank"), &json!("name")),
        "{e}"
    );
    let e = post(json!({"name": "x", "lat": "north", "lon": 121})).await;
    assert_eq!(
        (&e["code"], &e["field"], &e["value"]),
        (&json!("invalid_field"), &json!("lat"), &json!("north")),
        "{e}"
    );
    let e = post(json!({"name": "x", "lat": 31, "lon": 121, "timezone": "Mars/Olympus"})).await;
    assert_eq!(
        (&e["code"], &e["field"]),
        (&json!("invalid_time_zone"), &json!("timezone")),
        "{e}"
    );
    let e =
        post(json!({"name": "x", "lat": 31, "lon": 121, "opening_hours": "夏季 6:00-22:00"})).await;
    assert_eq!(
        (&e["code"], &e["field"], &e["value"]),
        (
            &json!("opening_hours_partly_read"),
            &json!("opening_hours"),
            &json!("夏季 6:00-22:00")
        ),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("\"夏季\""), "{e}");
    let e = post(json!({"name": "x", "lat": 31, "lon": 121, "opening_hours": "whenever"})).await;
    assert_eq!(e["code"], "invalid_opening_hours", "{e}");
    let long = "每天 6:00-22:00 ".repeat(40);
    let e = post(json!({"name": "x", "lat": 31, "lon": 121, "opening_hours": long})).await;
    assert_eq!(
        (&e["code"], &e["limit"]),
        (&json!("too_long"), &json!(500)),
        "{e}"
    );
    let e = post(json!({"name": "x", "lat": 31, "lon": 121, "access": "everyone"})).await;
    assert_eq!(
        (&e["code"], &e["field"], &e["value"]),
        (
            &json!("invalid_field"),
            &json!("access"),
            &json!("everyone")
        ),
        "{e}"
    );

    // Not JSON at all.
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/toilets")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", w.alice))
        .body(Body::from("{\"name\":"))
        .unwrap();
    let (status, bad) = crate::call(&w.app, request).await;
    assert_eq!(
        (status, &bad["error"]["code"]),
        (400, &json!("invalid_json")),
        "{bad}"
    );

    // Query parameters: the parameter, the value and the bound.
    for (query, code, param, value, limit) in [
        (
            "lat=95&lon=1",
            "invalid_parameter",
            "lat",
            json!("95"),
            json!(90),
        ),
        (
            "lat=1&lon=1&limit=0",
            "invalid_parameter",
            "limit",
            json!("0"),
            json!(1),
        ),
        (
            "lat=1&lon=1&limit=500",
            "invalid_parameter",
            "limit",
            json!("500"),
            json!(100),
        ),
        (
            "lat=1&lon=1&radius_m=0",
            "invalid_parameter",
            "radius_m",
            json!("0"),
            json!(0),
        ),
        (
            "lat=x&lon=1",
            "invalid_parameter",
            "lat",
            json!("x"),
            Value::Null,
        ),
        (
            "lon=1",
            "missing_parameter",
            "lat",
            Value::Null,
            Value::Null,
        ),
        (
            "lat=1&lon=1&colour=red",
            "unknown_parameter",
            "colour",
            Value::Null,
            Value::Null,
        ),
    ] {
        let reply = w.app.get(&format!("/api/v1/toilets/nearby?{query}")).await;
        let e = reply.json()["error"].clone();
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(
            (&e["code"], &e["field"], &e["value"], &e["limit"]),
            (&json!(code), &json!(param), &value, &limit),
            "{query}: {e}"
        );
    }
}
