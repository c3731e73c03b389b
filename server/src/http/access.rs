//! The access log: one INFO line per request, target `gongce::access`.
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

pub async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    tracing::info!(
        target: "gongce::access",
        method = method.as_str(),
        route = route.as_ref().map_or("-", MatchedPath::as_str),
        status = response.status().as_u16(),
        ms = started.elapsed().as_micros() as f64 / 1000.0,
        // The body before compression, when its length is known up front.
        bytes = response.body().size_hint().exact(),
    );
    response
}
