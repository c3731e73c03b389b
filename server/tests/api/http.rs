use axum::{body::Body, http::Request};
use gongce_shared::api::{NearbyResponse, ToiletCollection};
use serde_json::{Value, json};

use std::sync::Arc;

use crate::{app_with, app_with_csv, fixed_now};

/// Around People's Square, Shanghai.
const SHANGHAI: &str = "\
external_id,name,lat,lon,wheelchair,baby_change,family_room,free,opening_hours,timezone
1,人民广场公厕,31.2325,121.4737,yes,no,,yes,24/7,
2,南京东路公厕,31.2350,121.4800,no,yes,yes,yes,Mo-Fr 08:00-18:00,
3,外滩公厕,31.2400,121.4900,yes,yes,,no,Sa-Su 08:00-18:00,
4,远处公厕,31.3000,121.5000,,,,,,
5,Sydney hours,31.2326,121.4737,yes,,,,Mo-Fr 08:00-18:00,Australia/Sydney
";

fn ids(reply: &Value) -> Vec<i64> {
    reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["toilet"]["external_id"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn nearby_answers_nearest_first_with_distance_and_bearing() {
    let app = app_with_csv(SHANGHAI).await;
    let reply = app
        .get("/api/v1/toilets/nearby?lat=31.2324&lon=121.4737&limit=3")
        .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(ids(&body), vec![1, 5, 2]);
    // The body is exactly the shared type.
    let typed: NearbyResponse = serde_json::from_slice(&reply.body).unwrap();
    let first = &typed.results[0];
    assert!(
        (first.distance_m - 11.1).abs() < 0.2,
        "{}",
        first.distance_m
    );
    assert!(
        first.bearing_deg < 1.0 || first.bearing_deg > 359.0,
        "due north: {}",
        first.bearing_deg
    );
    assert_eq!(first.toilet.name_text(), "人民广场公厕");
    assert_eq!(first.open_now, Some(true));
    assert!(
        typed
            .results
            .windows(2)
            .all(|w| w[0].distance_m <= w[1].distance_m)
    );
    // Unknown stays unknown.
    let far = app
        .get("/api/v1/toilets/nearby?lat=31.3&lon=121.5&limit=1")
        .await
        .json();
    assert_eq!(far["results"][0]["toilet"]["wheelchair"], Value::Null);
    assert_eq!(far["results"][0]["open_now"], Value::Null);
}

/// A list in the Chinese standard's words is served with every fact, and
/// the new filters keep a known yes only (or a maybe with include_unknown).
#[tokio::test]
async fn detailed_facts_from_chinese_columns_are_served_and_filtered() {
    let app = app_with_csv(
        "编号,名称,纬度,经度,坐便,蹲位,扶手,无障碍通道,成人护理台,门宽,女厕位,男厕位,无障碍厕位,小便斗,手纸,洗手液,等级,管理电话,收费标准,name_en\n\
         1,人民广场公厕,31.2325,121.4737,有,有,有,有,有,95厘米,10,6,2,8,有,有,一类,021-6321 0000,免费,People's Square Toilet\n\
         2,南京路公厕,31.2330,121.4740,否,是,,否,否,,4,2,0,3,无,无,二类,,0.5 元,\n\
         3,福州路公厕,31.2340,121.4750,,,,,,,,,,,,,,,,\n",
    )
    .await;
    let at = "lat=31.2324&lon=121.4737";
    let reply = app
        .get(&format!("/api/v1/toilets/nearby?{at}"))
        .await
        .json();
    let first = &reply["results"][0]["toilet"];
    for (key, value) in [
        ("seated", json!(true)),
        ("squat", json!(true)),
        ("grab_rails", json!(true)),
        ("step_free", json!(true)),
        ("adult_changing", json!(true)),
        ("paper", json!(true)),
        ("soap", json!(true)),
        ("door_width_cm", json!(95)),
        ("stalls_female", json!(10)),
        ("stalls_male", json!(6)),
        ("stalls_accessible", json!(2)),
        ("urinals", json!(8)),
        ("grade", json!("一类")),
        ("phone", json!("021-6321 0000")),
        ("fee_note", json!("免费")),
        ("name_en", json!("People's Square Toilet")),
    ] {
        assert_eq!(first[key], value, "{key}: {first}");
    }
    // Unknown facts are absent, not false.
    let third = &reply["results"][2]["toilet"];
    assert_eq!(third["external_id"], "3");
    assert!(third.get("seated").is_none(), "{third}");
    assert_eq!(reply["results"][1]["toilet"]["seated"], false);
    let get = |q: String| {
        let app = &app;
        async move { ids(&app.get(&format!("/api/v1/toilets/nearby?{q}")).await.json()) }
    };
    for filter in ["seated", "step_free", "adult_changing"] {
        assert_eq!(
            get(format!("{at}&{filter}=true")).await,
            vec![1],
            "{filter}"
        );
        assert_eq!(
            get(format!("{at}&{filter}=true&include_unknown=true")).await,
            vec![1, 3],
            "{filter}"
        );
    }
    let bbox = app
        .get("/api/v1/toilets?bbox=121.47,31.23,121.48,31.24&seated=true")
        .await
        .json();
    assert_eq!(bbox["features"].as_array().unwrap().len(), 1, "{bbox}");
    let e = app
        .get(&format!("/api/v1/toilets/nearby?{at}&seated=maybe"))
        .await
        .json();
    assert_eq!(
        (&e["error"]["code"], &e["error"]["field"]),
        (&json!("invalid_parameter"), &json!("seated"))
    );
}

#[tokio::test]
async fn filters_and_radius() {
    let app = app_with_csv(SHANGHAI).await;
    let at = "lat=31.2324&lon=121.4737";
    let get = |q: String| {
        let app = &app;
        async move { ids(&app.get(&format!("/api/v1/toilets/nearby?{q}")).await.json()) }
    };
    assert_eq!(get(format!("{at}&wheelchair=true")).await, vec![1, 5, 3]);
    assert_eq!(
        get(format!("{at}&baby_change=true&family_room=true")).await,
        vec![2]
    );
    assert_eq!(get(format!("{at}&free=true")).await, vec![1, 2]);
    assert_eq!(get(format!("{at}&wheelchair=false")).await.len(), 5);
    // Wednesday 10:00 in Shanghai is 13:00 in Sydney; the weekend toilet is shut.
    assert_eq!(get(format!("{at}&open_now=true")).await, vec![1, 5, 2]);
    // With unknowns admitted, only a known no is left out.
    assert_eq!(
        get(format!("{at}&wheelchair=true&include_unknown=true")).await,
        vec![1, 5, 3, 4]
    );
    assert_eq!(
        get(format!("{at}&free=true&include_unknown=1")).await,
        vec![1, 5, 2, 4]
    );
    assert_eq!(
        get(format!("{at}&open_now=true&include_unknown=true")).await,
        vec![1, 5, 2, 4]
    );
    assert_eq!(get(format!("{at}&include_unknown=true")).await.len(), 5);
    assert_eq!(get(format!("{at}&radius_m=500")).await, vec![1, 5]);
    assert_eq!(
        get(format!("{at}&radius_m=1&limit=5")).await,
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn open_now_reads_hours_in_the_toilets_own_time_zone() {
    // 2026-11-25 09:00 UTC: 17:00 in Shanghai (open until 18:00), 20:00 in Sydney (closed).
    let mut app = app_with_csv(SHANGHAI).await;
    let state_now = fixed_now() + chrono::Duration::hours(7);
    let mut state = gongce::AppState::new(app.index.clone(), app.store.clone());
    state.clock = std::sync::Arc::new(move || state_now);
    app.router = gongce::app(state);
    let body = app
        .get("/api/v1/toilets/nearby?lat=31.2324&lon=121.4737&open_now=true")
        .await
        .json();
    assert_eq!(ids(&body), vec![1, 2]);
    // Open day and night: no change; Mo-Fr 08:00-18:00 closes at 18:00 Shanghai time.
    assert_eq!(body["results"][0]["changes_at"], Value::Null);
    assert_eq!(body["results"][1]["changes_at"], "2026-11-25T10:00:00Z");
    // Closed on a Wednesday evening in Sydney: it opens Thursday 08:00 there.
    let all = app
        .get("/api/v1/toilets/nearby?lat=31.2326&lon=121.4737&limit=1")
        .await
        .json();
    assert_eq!(all["results"][0]["toilet"]["name"], "Sydney hours");
    assert_eq!(all["results"][0]["open_now"], false);
    assert_eq!(all["results"][0]["changes_at"], "2026-11-25T21:00:00Z");
}

#[tokio::test]
async fn bad_queries_get_json_errors_naming_parameter_and_value() {
    let app = app_with_csv(SHANGHAI).await;
    let cases = [
        ("lon=121", "missing_parameter", "`lat`"),
        ("lat=&lon=121", "invalid_parameter", "`lat` value \"\""),
        (
            "lat=abc&lon=121",
            "invalid_parameter",
            "`lat` value \"abc\"",
        ),
        ("lat=NaN&lon=121", "invalid_parameter", "\"NaN\""),
        ("lat=31&lon=inf", "invalid_parameter", "`lon` value \"inf\""),
        ("lat=31&lon=-Infinity", "invalid_parameter", "\"-Infinity\""),
        (
            "lat=90.5&lon=121",
            "invalid_parameter",
            "\"90.5\": must be within -90..=90",
        ),
        ("lat=31&lon=180.01", "invalid_parameter", "\"180.01\""),
        (
            "lat=31&lon=121&limit=0",
            "invalid_parameter",
            "`limit` value \"0\"",
        ),
        ("lat=31&lon=121&limit=101", "invalid_parameter", "1..=100"),
        ("lat=31&lon=121&limit=ten", "invalid_parameter", "\"ten\""),
        (
            "lat=31&lon=121&radius_m=-1",
            "invalid_parameter",
            "`radius_m`",
        ),
        (
            "lat=31&lon=121&wheelchair=maybe",
            "invalid_parameter",
            "`wheelchair` value \"maybe\"",
        ),
        (
            "lat=31&lon=121&open_now=yes",
            "invalid_parameter",
            "`open_now`",
        ),
        (
            "lat=31&lon=121&colour=blue",
            "unknown_parameter",
            "`colour`",
        ),
        ("lat=31&lon=121&lon=122", "duplicate_parameter", "`lon`"),
        ("lat=%FF&lon=121", "invalid_parameter", "`lat`"),
    ];
    for (query, code, needle) in cases {
        let reply = app.get(&format!("/api/v1/toilets/nearby?{query}")).await;
        assert_eq!(reply.status, 400, "{query}");
        let body = reply.json();
        assert_eq!(body["error"]["code"], code, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
    let reply = app.get("/api/v1/toilets/nearby").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["code"], "missing_parameter");
}

#[tokio::test]
async fn bbox_is_geojson() {
    let app = app_with_csv(SHANGHAI).await;
    let reply = app
        .get("/api/v1/toilets?bbox=121.47,31.23,121.485,31.236")
        .await;
    assert_eq!(reply.status, 200);
    let collection: ToiletCollection = serde_json::from_slice(&reply.body).unwrap();
    let mut names: Vec<&str> = collection
        .features
        .iter()
        .map(|f| f.properties.name_text())
        .collect();
    names.sort();
    assert_eq!(names, vec!["Sydney hours", "人民广场公厕", "南京东路公厕"]);
    assert!(!collection.truncated);
    let json = reply.json();
    assert_eq!(json["type"], "FeatureCollection");
    assert_eq!(json["features"][0]["geometry"]["type"], "Point");
    let truncated = app
        .get("/api/v1/toilets?bbox=121,31,122,32&limit=2")
        .await
        .json();
    assert_eq!(truncated["features"].as_array().unwrap().len(), 2);
    assert_eq!(truncated["truncated"], true);
    let count = |q: &'static str| {
        let app = &app;
        async move {
            let body = app
                .get(&format!("/api/v1/toilets?bbox=121,31,122,32&{q}"))
                .await
                .json();
            (
                body["features"].as_array().unwrap().len(),
                body["unknown"].as_u64().unwrap(),
            )
        }
    };
    // Of the five, one says no wheelchair and one does not say: counted, and shown when asked.
    assert_eq!(count("wheelchair=true").await, (3, 1));
    assert_eq!(count("wheelchair=true&include_unknown=true").await, (4, 1));
    assert_eq!(count("").await, (5, 0));
    for (query, needle) in [
        ("", "`bbox`"),
        ("bbox=1,2,3", "four numbers"),
        ("bbox=1,60,3,95", "max_lat 95"),
        ("bbox=1,2,3,4&limit=0", "`limit`"),
    ] {
        let reply = app.get(&format!("/api/v1/toilets?{query}")).await;
        assert_eq!(reply.status, 400, "{query}");
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{query}"
        );
    }
}

#[tokio::test]
async fn a_toilet_without_a_name_is_served_with_name_null_and_found_by_its_address() {
    let app = app_with_csv(
        "external_id,name,lat,lon,address,operator\n\
         n1,,-33.869,151.207,1 George Street,City of Sydney\n\
         n2,Hyde Park Toilets,-33.873,151.211,,\n",
    )
    .await;
    let nearby = app
        .get("/api/v1/toilets/nearby?lat=-33.869&lon=151.207&limit=2")
        .await;
    assert_eq!(nearby.status, 200);
    let body = nearby.json();
    let first = &body["results"][0]["toilet"];
    assert_eq!(first["external_id"], "n1");
    assert_eq!(first["name"], Value::Null);
    let one = app
        .get(&format!("/api/v1/toilets/{}", first["id"]))
        .await
        .json();
    assert_eq!(
        (&one["name"], &one["address"]),
        (&Value::Null, &json!("1 George Street"))
    );
    let found = app.get("/api/v1/toilets/search?q=george").await.json();
    assert_eq!(found["results"][0]["toilet"]["external_id"], "n1");
    // The export writes it without a name too.
    let geojson = app.get("/api/v1/export.geojson").await.json();
    let feature = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["address"] == "1 George Street")
        .unwrap();
    assert_eq!(feature["properties"]["name"], Value::Null);
}

#[tokio::test]
async fn one_toilet_by_id() {
    let app = app_with_csv(SHANGHAI).await;
    let nearby = app
        .get("/api/v1/toilets/nearby?lat=31.2325&lon=121.4737&limit=1")
        .await
        .json();
    let id = nearby["results"][0]["toilet"]["id"].as_i64().unwrap();
    let reply = app.get(&format!("/api/v1/toilets/{id}")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["name"], "人民广场公厕");
    let missing = app.get("/api/v1/toilets/999999").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "not_found");
    let bad = app.get("/api/v1/toilets/abc").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"abc\"")
    );
    assert_eq!(app.get("/api/v1/toilets/-4").await.status, 400);
    // JSON writes a whole number as 1.0 too (Schemathesis's links do): the same id.
    let whole = app.get(&format!("/api/v1/toilets/{id}.0")).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.json()["id"], id);
    for bad in ["1.5", "NaN", "inf", "0.0"] {
        let reply = app.get(&format!("/api/v1/toilets/{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn every_error_is_json_even_from_the_framework() {
    let app = app_with_csv(SHANGHAI).await;
    let unknown = app.get("/no/such/route").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"]["code"], "not_found");
    let wrong_method = app
        .request(
            Request::post("/api/v1/toilets/nearby")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.json()["error"]["code"], "method_not_allowed");
    let huge = app
        .request(
            Request::get("/api/v1/toilets/nearby?lat=1&lon=1")
                .header("content-length", "2000000")
                .body(Body::from(vec![b'x'; 2_000_000]))
                .unwrap(),
        )
        .await;
    assert_eq!(huge.status, 413);
    assert_eq!(huge.json()["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn health_openapi_compression_and_request_ids() {
    let app = app_with_csv(SHANGHAI).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(
        health.json(),
        serde_json::json!({"status": "ok", "toilets": 5})
    );
    // Each request gets a random (version 4) UUID, a new one each time.
    let id = |r: &crate::Reply| r.headers["x-request-id"].to_str().unwrap().to_owned();
    let first = id(&health);
    let parsed = uuid::Uuid::parse_str(&first).unwrap();
    assert_eq!(parsed.get_version_num(), 4, "{first}");
    assert_ne!(id(&app.get("/healthz").await), first);

    let doc = app.get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/toilets/nearby",
        "/api/v1/toilets",
        "/api/v1/toilets/{id}",
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/export",
        "/api/v1/export.csv",
        "/api/v1/export.geojson",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }

    let compressed = app
        .request(
            Request::get("/api/v1/toilets?bbox=121,31,122,32")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(compressed.status, 200);
    assert_eq!(compressed.headers["content-encoding"], "gzip");
    assert!(
        compressed.body.len() < 1400,
        "compressed: {}",
        compressed.body.len()
    );
    // An answer that fits in a packet goes as it is.
    let small = app
        .request(
            Request::get("/healthz")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(small.status, 200);
    assert!(small.headers.get("content-encoding").is_none());
    assert!(small.body.len() < gongce::http::COMPRESS_ABOVE.into());
}

#[tokio::test]
async fn open_data_exports_carry_the_licence_and_import_back() {
    let app = app_with_csv(&format!(
        "{SHANGHAI}6,=HYPERLINK(\"http://x\"),31.2330,121.4740,,,,,,\n"
    ))
    .await;
    let about = app.get("/api/v1/export").await.json();
    assert_eq!(about["count"], 6);
    assert_eq!(about["licence"]["name"], "CC-BY-4.0");

    let csv = app.get("/api/v1/export.csv").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["link"]
            .to_str()
            .unwrap()
            .contains("creativecommons.org/licenses/by/4.0/")
    );
    let text = String::from_utf8(csv.body.clone()).unwrap();
    assert_eq!(text.lines().count(), 7);
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","),
        "{text}"
    );

    let geojson = app.get("/api/v1/export.geojson").await;
    assert_eq!(geojson.headers["content-type"], "application/geo+json");
    let doc = geojson.json();
    assert_eq!(doc["features"].as_array().unwrap().len(), 6);
    assert_eq!(
        doc["licence"]["attribution"],
        about["licence"]["attribution"]
    );
    assert_eq!(doc["features"][0]["properties"]["name"], "人民广场公厕");

    // The CSV imports back into an empty store as the same six toilets.
    let (copy, _dir) = crate::open_store().await;
    let options = gongce::import::Options::new("test");
    let report = crate::import_csv(&copy, &options, &text);
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    assert_eq!(report.counts.inserted, 6);
    let mut names: Vec<String> = copy
        .snapshot()
        .await
        .unwrap()
        .toilets
        .iter()
        .map(|t| t.name_text().to_owned())
        .collect();
    names.sort();
    assert!(
        names.contains(&"=HYPERLINK(\"http://x\")".to_owned()),
        "{names:?}"
    );
}

#[tokio::test]
async fn readiness_follows_the_store_and_the_change_log() {
    use gongce::sync::SyncStatus;
    use std::time::Duration;
    let clock = crate::TestClock::default();
    let status = Arc::new(SyncStatus::new(
        7,
        Duration::from_millis(100),
        clock.clock(),
    ));
    let app = app_with(SHANGHAI, |s| s.sync = Some(Arc::clone(&status))).await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(
        ready.json(),
        serde_json::json!({"status": "ready", "toilets": 5, "seq": 7, "problem": null})
    );
    // Nobody has read the change log for more than five intervals (and 1 s).
    clock.advance(chrono::Duration::milliseconds(1100));
    let stale = app.get("/readyz").await;
    assert_eq!(stale.status, 503);
    let body = stale.json();
    assert_eq!(body["status"], "not_ready");
    assert!(
        body["problem"].as_str().unwrap().contains("change log"),
        "{body}"
    );
    // The store gone: not ready, saying so; alive all the same.
    let app = app_with(SHANGHAI, |_| {}).await;
    assert_eq!(app.get("/readyz").await.status, 200);
    app.store.close().await;
    let down = app.get("/readyz").await;
    assert_eq!(down.status, 503);
    assert!(down.json()["problem"].as_str().unwrap().contains("store"));
    assert_eq!(app.get("/healthz").await.status, 200);
}

/// A built web app's files, enough to serve.
fn webapp_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("boot.js"), "import('/x.js');").unwrap();
    std::fs::write(
        dir.path().join("icon.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dir = webapp_dir();
    let app = app_with(SHANGHAI, |s| {
        s.webapp = Some(Arc::new(
            gongce::http::assets::Assets::from_dir(dir.path()).unwrap(),
        ))
    })
    .await;
    for uri in [
        "/",
        "/boot.js",
        "/icon.svg",
        "/api/v1/toilets/nearby?lat=31.2324&lon=121.4737",
        "/api/v1/toilets/nearby?lat=91&lon=121",
        "/api/v1/session",
        "/healthz",
    ] {
        let reply = app.get(uri).await;
        let h = &reply.headers;
        assert_eq!(h["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(
            h["referrer-policy"], "strict-origin-when-cross-origin",
            "{uri}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{uri}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{uri}: not behind HTTPS"
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains(" 'unsafe-eval'"),
            "{uri}: {csp}"
        );
        if !uri.starts_with("/api/") && !uri.starts_with("/healthz") {
            for part in [
                "script-src 'self' 'wasm-unsafe-eval'",
                "img-src 'self' data: https://tile.openstreetmap.org;",
                "connect-src 'self'",
                "object-src 'none'",
                "base-uri 'none'",
            ] {
                assert!(csp.contains(part), "{uri}: {csp} lacks {part}");
            }
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{uri}: {csp}");
        }
    }
}

#[tokio::test]
async fn behind_https_and_in_a_portal_the_headers_say_so() {
    let dir = webapp_dir();
    let app = app_with(SHANGHAI, |s| {
        s.webapp = Some(Arc::new(
            gongce::http::assets::Assets::from_dir(dir.path()).unwrap(),
        ));
        s.secure_cookies = true;
        s.frame_ancestors = Arc::new(gongce::config::FrameAncestors(vec![
            "https://portal.example.gov.cn".into(),
        ]));
        s.tiles = Arc::new(
            gongce::http::webapp::Tiles::from_setting("amap", gongce_shared::Crs::Wgs84, "")
                .unwrap(),
        );
    })
    .await;
    let reply = app.get("/").await;
    assert_eq!(
        reply.headers["strict-transport-security"],
        "max-age=31536000"
    );
    assert!(reply.headers.get("x-frame-options").is_none());
    let csp = reply.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors https://portal.example.gov.cn"),
        "{csp}"
    );
    assert!(csp.contains("https://webrd04.is.autonavi.com"), "{csp}");
    assert!(!csp.contains("openstreetmap"), "{csp}");
}

/// The public read limiter: a client's reads beyond its rate and burst are
/// 429 with Retry-After; other clients, writes, health checks and the web
/// app's files are not counted; the allowance comes back with time.
#[tokio::test]
async fn api_reads_are_limited_per_client() {
    let clock = crate::TestClock::default();
    let app = app_with(SHANGHAI, |s| {
        s.clock = clock.clock();
        s.trusted_proxies = Arc::new("127.0.0.1".parse().unwrap());
        s.read_limit = gongce::http::limit::Limiter::new(
            gongce::http::limit::ReadLimit::PerSecond(2),
            3,
            clock.clock(),
        )
        .map(Arc::new);
    })
    .await;
    let read = |from: &'static str, uri: &'static str| {
        let app = &app;
        async move {
            app.request(crate::json_request(
                "GET",
                uri,
                None,
                None,
                &[("x-forwarded-for", from)],
            ))
            .await
        }
    };
    let nearby = "/api/v1/toilets/nearby?lat=31.2325&lon=121.4737";
    for _ in 0..3 {
        assert_eq!(read("1.2.3.4", nearby).await.status, 200);
    }
    let refused = read("1.2.3.4", nearby).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(refused.json()["error"]["code"], "too_many_requests");
    // The same client's other reads count too; an IPv6 client by its /64.
    assert_eq!(read("1.2.3.4", "/api/v1/export").await.status, 429);
    for _ in 0..3 {
        assert_eq!(read("2001:db8:5:6::1", nearby).await.status, 200);
    }
    assert_eq!(read("2001:db8:5:6::2", nearby).await.status, 429);
    // Not counted: another client, health checks, the app's files.
    assert_eq!(read("5.6.7.8", nearby).await.status, 200);
    assert_eq!(read("1.2.3.4", "/healthz").await.status, 200);
    assert_eq!(read("1.2.3.4", "/index.html").await.status, 404);
    // Half a second gives one read back.
    clock.advance(chrono::Duration::milliseconds(500));
    assert_eq!(read("1.2.3.4", nearby).await.status, 200);
    assert_eq!(read("1.2.3.4", nearby).await.status, 429);
}

/// An export is rendered once per state of the toilets and shared by every
/// request, also by requests that come while it is being rendered; a
/// change renders it anew.
#[tokio::test]
async fn exports_are_rendered_once_per_state_and_shared() {
    let mut exports = None;
    let app = app_with(SHANGHAI, |s| exports = Some(Arc::clone(&s.exports))).await;
    let exports = exports.unwrap();
    let first = app.get("/api/v1/export.csv").await;
    let again = app.get("/api/v1/export.csv").await;
    assert_eq!((first.status, again.status), (200, 200));
    assert_eq!(first.body, again.body);
    assert_eq!(
        first.headers["content-length"],
        first.body.len().to_string().as_str()
    );
    assert_eq!(exports.rendered(), 1);
    let at_once =
        futures_util::future::join_all((0..8).map(|_| app.get("/api/v1/export.geojson"))).await;
    assert!(
        at_once
            .iter()
            .all(|r| r.status == 200 && r.body == at_once[0].body)
    );
    assert_eq!(exports.rendered(), 2, "one render for eight requests");
    // A change: the next request renders again, with it.
    let mut renamed = app.index.read().unwrap().all()[0].toilet();
    renamed.name = Some(gongce_shared::ToiletName::new("改名的公厕").unwrap());
    app.index.write().unwrap().upsert(renamed);
    let changed = app.get("/api/v1/export.csv").await;
    assert!(String::from_utf8_lossy(&changed.body).contains("改名的公厕"));
    assert_eq!(exports.rendered(), 3);
}

/// CSV and GeoJSON of one state rendered at the same moment each write a
/// file of their own: both answer whole (they once shared one part file,
/// and one of them answered 500).
#[tokio::test]
async fn both_formats_of_one_state_render_at_once() {
    let app = app_with(SHANGHAI, |_| {}).await;
    // Enough toilets that the two renderings overlap.
    let first = app.index.read().unwrap().all()[0].toilet();
    for i in 0..5_000 {
        let mut more = first.clone();
        more.id = gongce_shared::ToiletId::new(100_000 + i).unwrap();
        app.index.write().unwrap().upsert(more);
    }
    for round in 0..3 {
        let (csv, geojson) = tokio::join!(
            app.get("/api/v1/export.csv"),
            app.get("/api/v1/export.geojson")
        );
        assert_eq!((csv.status, geojson.status), (200, 200), "round {round}");
        let lines = String::from_utf8_lossy(&csv.body).lines().count();
        assert!(lines > 5_000, "{lines} lines");
        let parsed: Value = serde_json::from_slice(&geojson.body).unwrap();
        assert!(parsed["features"].as_array().unwrap().len() > 5_000);
        // A new state for the next round.
        let mut renamed = first.clone();
        renamed.name = Some(gongce_shared::ToiletName::new(&format!("第{round}次改名")).unwrap());
        app.index.write().unwrap().upsert(renamed);
    }
}

/// Every free-text field a client writes states its limit in the OpenAPI
/// document, as the server enforces it.
#[tokio::test]
async fn the_document_states_every_text_limit() {
    let app = app_with(SHANGHAI, |_| {}).await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    for (schema, field, max) in [
        ("ToiletDraft", "name", 200),
        ("ToiletDraft", "address", 300),
        ("ToiletDraft", "hours_note", 500),
        ("ToiletDraft", "operator", 200),
        ("ToiletPatch", "name", 200),
        ("ToiletPatch", "address", 300),
        ("NewOrg", "name", 200),
        ("NewOrg", "street", 100),
        ("OrgPatch", "district", 100),
        ("NewReport", "note", 500),
        ("NewReport", "contact", 100),
        ("Resolve", "note", 500),
        ("Webhook", "url", 2048),
        ("Webhook", "secret", 256),
        ("NewUser", "username", 64),
        ("NewUser", "password", 256),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["maxLength"], max,
            "{schema}.{field}: {}",
            schemas[schema]["properties"][field]
        );
    }
    // The closure reason, inside the status's one-of.
    fn reason_max(v: &Value) -> Option<i64> {
        match v {
            Value::Object(map) => map
                .get("reason")
                .and_then(|r| r["maxLength"].as_i64())
                .or_else(|| map.values().find_map(reason_max)),
            Value::Array(items) => items.iter().find_map(reason_max),
            _ => None,
        }
    }
    assert_eq!(reason_max(&schemas["Status"]), Some(200));
}

/// The rules `http::contract` applies: who may call each operation, every
/// error status with the error body, the bounds of ids and parameters, and
/// what a body must hold.
#[tokio::test]
async fn openapi_states_security_statuses_and_bounds() {
    let app = app_with(SHANGHAI, |_| {}).await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let error_body = serde_json::json!({"$ref": "#/components/schemas/ErrorBody"});
    let mut operations = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            let has = |s: &str| responses.contains_key(s);
            let protected = has("401") && !(path == "/api/v1/session" && method == "post");
            assert_eq!(op.get("security").is_some(), protected, "{method} {path}");
            if protected {
                assert!(has("403"), "{method} {path}");
            }
            for (status, response) in responses {
                if status.starts_with('4') || (status.starts_with('5') && path != "/readyz") {
                    assert_eq!(
                        response["content"]["application/json"]["schema"], error_body,
                        "{method} {path} {status}"
                    );
                }
            }
            if path.contains("{id}") {
                assert!(has("404"), "{method} {path}");
            }
            if op
                .pointer("/requestBody/content/application~1json")
                .is_some()
            {
                assert!(has("400") && has("413") && has("415"), "{method} {path}");
            }
            if method == "get" && path.starts_with("/api/") {
                assert!(has("429"), "{method} {path}");
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" && p["name"] == "id" && !path.starts_with("/api/v1/imports") {
                    assert_eq!(p["schema"]["minimum"], 1, "{method} {path}");
                }
            }
        }
    }
    assert!(operations >= 38, "{operations}");
    // Writes by cookie need the CSRF header; reads do not.
    let patch = &doc["paths"]["/api/v1/toilets/{id}"]["patch"];
    assert_eq!(
        patch["security"],
        serde_json::json!([{"bearer": []}, {"session_cookie": [], "csrf": []}])
    );
    for status in ["409", "428"] {
        assert!(patch["responses"].get(status).is_some(), "{status}");
    }
    // A new toilet or user may name an organisation that does not exist.
    assert!(
        doc.pointer("/paths/~1api~1v1~1toilets/post/responses/404")
            .is_some()
    );
    assert!(
        doc.pointer("/paths/~1api~1v1~1users/post/responses/404")
            .is_some()
    );
    let nearby = doc["paths"]["/api/v1/toilets/nearby"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let param = |name: &str| nearby.iter().find(|p| p["name"] == name).unwrap()["schema"].clone();
    assert_eq!(
        (&param("lat")["minimum"], &param("lat")["maximum"]),
        (&serde_json::json!(-90), &serde_json::json!(90))
    );
    assert_eq!(
        (&param("limit")["minimum"], &param("limit")["maximum"]),
        (&serde_json::json!(1), &serde_json::json!(100))
    );
    assert_eq!(param("radius_m")["exclusiveMinimum"], 0);
    let schemas = &doc["components"]["schemas"];
    let patch = &schemas["ToiletPatch"];
    assert!(
        patch["required"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("version")),
        "{patch}"
    );
    assert_eq!(patch["properties"]["lat"]["type"], "number", "{patch}");
    assert_eq!(
        patch["properties"]["status"]["oneOf"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for body in ["ToiletDraft", "ToiletPatch", "NewOrg", "OrgPatch"] {
        assert_eq!(
            schemas[body]["properties"]["name"]["pattern"],
            gongce_shared::text::NOT_BLANK,
            "{body}"
        );
    }
    let zones = schemas["ToiletDraft"]["properties"]["timezone"]["enum"]
        .as_array()
        .unwrap();
    assert!(
        zones.contains(&serde_json::json!("Asia/Taipei")) && zones.len() > 400,
        "{}",
        zones.len()
    );
    assert_eq!(schemas["UserPatch"]["properties"]["org_id"]["minimum"], 1);
}

/// A server without the web app says so at `/`, and how to get it; the API
/// and its JSON 404s are as ever.
#[tokio::test]
async fn without_the_web_app_the_root_says_how_to_get_it() {
    let app = app_with_csv(SHANGHAI).await;
    let reply = app
        .request(Request::get("/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "text/plain; charset=utf-8");
    let text = String::from_utf8(reply.body.clone()).unwrap();
    assert!(
        text.contains("cargo xtask webapp") && text.contains("--webapp-dir"),
        "{text}"
    );
    assert!(reply.headers.contains_key("content-security-policy"));
    let missing = app
        .request(Request::get("/index.html").body(Body::empty()).unwrap())
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "not_found");
}

/// Search by name or place: Simplified finds Traditional and the reverse,
/// case and full-width forms do not matter, a position orders by
/// distance, and bad queries are refused naming `q`.
#[tokio::test]
async fn search_folds_chinese_scripts_and_orders_by_distance() {
    let app = app_with_csv(
        "id,name,address,lat,lon,operator,name_en\n\
         1,臺中火車站公廁,臺中市中區台灣大道一段1號,24.1369,120.6869,臺中市政府,Taichung Station Toilet\n\
         2,台中公园厕所,台中市北区公园路,24.1440,120.6830,,\n\
         3,观前街公厕,苏州市姑苏区观前街,31.3103,120.6272,苏州市环卫处,\n\
         4,中山公園公廁,台北市中山區,25.0400,121.5600,,\n",
    )
    .await;
    let search = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let reply = app.get(&format!("/api/v1/toilets/search?{q}")).await;
            (reply.status, reply.json())
        }
    };
    let found = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["toilet"]["external_id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Simplified finds Traditional, and the reverse.
    let (status, body) = search("q=%E5%8F%B0%E4%B8%AD%E7%81%AB%E8%BD%A6%E7%AB%99").await; // 台中火车站
    assert_eq!(status, 200);
    assert_eq!(found(&body), ["1"]);
    assert!(
        body["results"][0].get("distance_m").is_none(),
        "no position, no distance"
    );
    let (_, body) = search("q=%E8%A7%80%E5%89%8D%E8%A1%97").await; // 觀前街
    assert_eq!(found(&body), ["3"]);
    // Spaces, case and full-width letters do not matter; the English name counts.
    let (_, body) = search(
        "q=%EF%BD%94%EF%BD%81%EF%BD%89%EF%BD%83%EF%BD%88%EF%BD%95%EF%BD%8E%EF%BD%87+STATION",
    )
    .await; // ｔａｉｃｈｕｎｇ STATION
    assert_eq!(found(&body), ["1"]);
    // The operator and the address count, after the names.
    let (_, body) = search("q=%E5%8F%B0%E4%B8%AD").await; // 台中
    assert_eq!(found(&body), ["1", "2"], "both names start with it: by id");
    let (_, body) = search("q=%E5%85%AC%E5%8E%95").await; // 公厕
    assert_eq!(
        found(&body),
        ["1", "3", "4"],
        "台中公园厕所 does not hold 公厕"
    );
    // With a position: nearest first, with distance and bearing.
    let (_, body) = search("q=%E5%8F%B0%E4%B8%AD&lat=24.145&lon=120.683").await;
    assert_eq!(found(&body), ["2", "1"]);
    let d = body["results"][0]["distance_m"].as_f64().unwrap();
    assert!((100.0..130.0).contains(&d), "{d}");
    assert!(body["results"][0]["bearing_deg"].is_number());
    let (_, body) = search("q=%E5%85%AC%E5%8E%95&lat=31.3&lon=120.62&limit=2").await;
    assert_eq!(
        found(&body),
        ["3", "4"],
        "Suzhou, then Taipei before Taichung"
    );
    // Refused, naming the parameter.
    for (query, code, param, limit) in [
        ("lat=1&lon=2", "missing_parameter", "q", Value::Null),
        ("q=+++", "invalid_parameter", "q", json!(1)),
        (
            &format!("q={}", "a".repeat(65)),
            "invalid_parameter",
            "q",
            json!(64),
        ),
        ("q=x&lat=91", "invalid_parameter", "lat", json!(90)),
        ("q=x&limit=51", "invalid_parameter", "limit", json!(50)),
    ] {
        let (status, body) = search(query).await;
        assert_eq!(status, 400, "{query}");
        let e = &body["error"];
        assert_eq!(
            (&e["code"], &e["field"], &e["limit"]),
            (&json!(code), &json!(param), &limit),
            "{query}: {e}"
        );
    }
    // One coordinate alone is left aside.
    let (status, body) = search("q=%E5%8F%B0%E4%B8%AD&lat=24.145").await;
    assert_eq!(
        (status, found(&body)),
        (200, vec!["1".to_owned(), "2".to_owned()])
    );
    assert!(body["results"][0].get("distance_m").is_none());
    let (status, body) = search(&format!("q={}", "字".repeat(64))).await;
    assert_eq!((status, found(&body).len()), (200, 0));
}

/// The API documentation: Swagger UI from the binary, reading this
/// server's OpenAPI document, under its own policy, never the public
/// validator.
#[tokio::test]
async fn the_api_documentation_is_served_from_the_binary() {
    let app = app_with(SHANGHAI, |_| {}).await;
    let moved = app.get("/api/docs").await;
    assert_eq!(moved.status, 308);
    assert_eq!(moved.headers["location"], "/api/docs/");
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        page.headers["content-security-policy"],
        gongce::http::security::DOCS
    );
    assert!(String::from_utf8_lossy(&page.body).contains("swagger-initializer.js"));
    let init = app.get("/api/docs/swagger-initializer.js").await;
    let init = String::from_utf8_lossy(&init.body);
    assert!(init.contains(r#""/api/v1/openapi.json""#), "{init}");
    assert!(init.contains(r#""validatorUrl": "none""#), "{init}");
    assert_eq!(app.get("/api/docs/nothing.js").await.status, 404);
    // The API itself keeps its locked policy.
    let api = app.get("/api/v1/openapi.json").await;
    assert!(
        api.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
}

/// A server built without the web app (a plain `cargo build`) serves the
/// API, and its `/` says the app is not in this build and how to get it.
#[tokio::test]
async fn without_the_app_the_root_says_how_to_get_it() {
    let app = app_with(SHANGHAI, |s| s.webapp = None).await;
    let root = app.get("/").await;
    assert_eq!(root.status, 200);
    let text = String::from_utf8_lossy(&root.body);
    assert!(text.contains("not in this build"), "{text}");
    assert!(text.contains("cargo xtask dist"), "{text}");
    assert_eq!(app.get("/index.html").await.status, 404);
    assert_eq!(
        app.get("/api/v1/toilets/nearby?lat=31.2324&lon=121.4737")
            .await
            .status,
        200
    );
}
