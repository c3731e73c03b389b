//! Prometheus metrics: the `metrics` facade, recorded into one process-wide
//! Prometheus recorder (metrics-exporter-prometheus, without its own
//! listener: `/metrics` is served by the app, or on its own address).
//!
//! Counted where things happen: requests in the access layer, imports in
//! their handler, 429s where a limit refuses. Read when scraped: toilets in
//! the index, the change-log position and how long since it was read.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, OnceLock, RwLock, atomic::Ordering},
};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request latency buckets, in seconds: from well under a millisecond
/// (the index answers in microseconds) to the upload timeout.
const SECONDS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    10.0, 60.0, 900.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
            .expect("buckets are given")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder installed first (none is, outside tests of
        // other crates) leaves this one unused: scrapes then show nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The text a scrape gets: what was counted, and the gauges read now.
pub fn render(state: &crate::http::AppState) -> String {
    let handle = handle();
    let toilets = state.index.read().map(|i| i.len()).unwrap_or_default();
    metrics::gauge!("gongce_toilets").set(toilets as f64);
    if let Some(sync) = &state.sync {
        metrics::gauge!("gongce_change_log_position").set(sync.seq.load(Ordering::Relaxed) as f64);
        metrics::gauge!("gongce_change_log_read_age_seconds").set(sync.since_ok().as_secs_f64());
    }
    state.store.record_pool_use();
    handle.run_upkeep();
    handle.render()
}

/// Requests being answered, looked up once.
pub fn in_flight() -> &'static metrics::Gauge {
    static GAUGE: LazyLock<metrics::Gauge> = LazyLock::new(|| {
        // The recorder first, so the handle is its.
        handle();
        metrics::gauge!("gongce_http_requests_in_flight")
    });
    &GAUGE
}

/// One route's series, looked up once: the facade's macros would build
/// and hash their keys, and copy the route's name, on every request.
struct RouteSeries {
    route: metrics::SharedString,
    /// By status class: 1xx … 5xx, registered when first seen.
    requests: [OnceLock<metrics::Counter>; 5],
    duration: metrics::Histogram,
}

/// The routes seen so far (route templates, and `-`: a bounded set).
static ROUTES: LazyLock<RwLock<HashMap<String, Arc<RouteSeries>>>> =
    LazyLock::new(Default::default);

/// A request answered: counted by route template and status class, timed.
pub fn request(route: &str, status: u16, seconds: f64) {
    const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
    let class = usize::from((status / 100).clamp(1, 5) - 1);
    let known = ROUTES.read().expect("routes lock").get(route).cloned();
    let series = known.unwrap_or_else(|| {
        // The recorder first, so the handles are its.
        handle();
        let shared = metrics::SharedString::from(Arc::<str>::from(route));
        let series = Arc::new(RouteSeries {
            duration: metrics::histogram!(
                "gongce_http_request_duration_seconds",
                "route" => shared.clone()
            ),
            route: shared,
            requests: Default::default(),
        });
        ROUTES
            .write()
            .expect("routes lock")
            .entry(route.to_owned())
            .or_insert(series)
            .clone()
    });
    series.requests[class]
        .get_or_init(|| {
            metrics::counter!(
                "gongce_http_requests_total",
                "route" => series.route.clone(),
                "status" => CLASSES[class]
            )
        })
        .increment(1);
    series.duration.record(seconds);
}
