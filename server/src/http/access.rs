//! The access log: one INFO line per request, target `gongce::access`,
//! and the request metrics (count, latency and in flight, by route).
//!
//! It names the route's template (`/api/v1/toilets/{id}`), never the path
//! or the query as sent: a query can hold a resident's position, and a path
//! anything a client puts there. Requests no route matched (the web app's
//! files, unknown paths) are logged as route `-`. The line is written inside
//! the request's span, which carries the request id.

use std::time::Instant;

use axum::body::HttpBody as _;
use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};

/// Counts a request in flight while it lives (a panic included).
struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        crate::metrics::in_flight().increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        crate::metrics::in_flight().decrement(1.0);
    }
}

pub async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let _in_flight = InFlight::start();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route_name = route.as_ref().map_or("-", MatchedPath::as_str);
    let took = started.elapsed();
    crate::metrics::request(route_name, response.status().as_u16(), took.as_secs_f64());
    tracing::info!(
        target: "gongce::access",
        method = method.as_str(),
        route = route_name,
        status = response.status().as_u16(),
        ms = took.as_micros() as f64 / 1000.0,
        // The body before compression, when its length is known up front.
        bytes = response.body().size_hint().exact(),
    );
    response
}
