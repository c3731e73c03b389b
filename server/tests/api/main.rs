//! In-process tests: the real store on a SQLite file in a temporary folder,
//! the real router, requests without a socket. One test binary.

mod accounts;
mod contract;
mod docs;
mod http;
mod logs;
mod reports;
mod store;
#[path = "../support/mod.rs"]
mod support;

use std::{
    path::PathBuf,
    sync::{Arc, RwLock},
};

use axum::{Router, body::Body, http::Request};
use chrono::{DateTime, TimeZone as _, Utc};
use gongce::{AppState, app, import, index::Index, store::Store};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

/// `../shared/datasets` beside the checkout, or GONGCE_SHARED_DIR.
pub fn dataset(name: &str) -> PathBuf {
    let shared = std::env::var_os("GONGCE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    shared.join("datasets").join(name)
}

/// Wednesday 2026-11-25, 10:00 in Shanghai.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap()
}

/// A clock that tests move by hand: it starts at [`fixed_now`].
#[derive(Clone)]
pub struct TestClock(Arc<std::sync::Mutex<DateTime<Utc>>>);

impl Default for TestClock {
    fn default() -> Self {
        Self::starting_at(fixed_now())
    }
}

impl TestClock {
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        TestClock(Arc::new(std::sync::Mutex::new(at)))
    }

    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }

    /// For `AppState::clock` and the webhook worker.
    pub fn clock(&self) -> gongce::http::Clock {
        let at = Arc::clone(&self.0);
        Arc::new(move || *at.lock().unwrap())
    }
}

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub index: Arc<RwLock<Index>>,
    _dir: tempfile::TempDir,
}

pub async fn open_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("gongce.sqlite").display());
    (Store::open(&url).await.unwrap(), dir)
}

/// Imports CSV text into `store` as `source`, through a file beside it.
pub fn import_csv(store: &Store, options: &import::Options, csv: &str) -> import::Report {
    let file = store
        .sqlite_file()
        .expect("a SQLite store (contract tests import through a blocking thread)")
        .with_file_name(format!("{}.csv", options.source));
    std::fs::write(&file, csv).unwrap();
    import::run(&file, &store.import_target(), options).unwrap()
}

/// An app whose store holds the rows of `csv`, with the clock at [`fixed_now`].
pub async fn app_with_csv(csv: &str) -> TestApp {
    app_with(csv, |_| {}).await
}

/// The same, with the state changed by `tweak` first.
pub async fn app_with(csv: &str, tweak: impl FnOnce(&mut AppState)) -> TestApp {
    let (store, dir) = open_store().await;
    let report = import_csv(&store, &import::Options::new("test"), csv);
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    assert!(report.written);
    let index = Arc::new(RwLock::new(Index::from_toilets(
        &store.snapshot().await.unwrap().toilets,
    )));
    let mut state = AppState::new(Arc::clone(&index), store.clone());
    state.clock = Arc::new(fixed_now);
    tweak(&mut state);
    // The store the test holds writes times by the app's clock, as the app's does.
    let store = store.with_clock(Arc::clone(&state.clock));
    TestApp {
        router: app(state),
        store,
        index,
        _dir: dir,
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

impl TestApp {
    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }
}

/// A request with an optional bearer token, JSON body and extra headers.
pub fn json_request(
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
    headers: &[(&str, &str)],
) -> Request<Body> {
    // As from a socket: the peer is this machine (tests that trust a proxy
    // trust 127.0.0.1).
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .extension(axum::extract::ConnectInfo(peer));
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    match body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

/// Sends `request`; answers the status and the JSON body (null if none).
pub async fn call(app: &TestApp, request: Request<Body>) -> (u16, serde_json::Value) {
    let reply = app.request(request).await;
    let json = serde_json::from_slice(&reply.body).unwrap_or(serde_json::Value::Null);
    (reply.status, json)
}
