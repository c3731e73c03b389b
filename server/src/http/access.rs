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
    http::Method,
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

/// One request's line, begun when it comes in and written when its
/// answer is ready.
pub struct Entry {
    started: Instant,
    _in_flight: InFlight,
    method: Method,
    route: Option<MatchedPath>,
}

impl Entry {
    pub fn start(request: &Request) -> Entry {
        Entry {
            started: Instant::now(),
            _in_flight: InFlight::start(),
            method: request.method().clone(),
            route: request.extensions().get::<MatchedPath>().cloned(),
        }
    }

    pub fn finish(&self, response: &Response) {
        let route = self.route.as_ref().map_or("-", MatchedPath::as_str);
        let took = self.started.elapsed();
        crate::metrics::request(route, response.status().as_u16(), took.as_secs_f64());
        tracing::info!(
            target: "gongce::access",
            method = self.method.as_str(),
            route,
            status = response.status().as_u16(),
            ms = took.as_micros() as f64 / 1000.0,
            // The body before compression, when its length is known up front.
            bytes = response.body().size_hint().exact(),
        );
    }
}
