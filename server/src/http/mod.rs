//! The HTTP API. Each module owns a `router()`; [`app`] merges them and
//! wraps them in the layers every request passes.

mod access;
mod admin;
pub mod assets;
pub mod auth;
mod contract;
mod docs;
mod edit;
mod envelope;
mod error;
mod export;
pub(crate) mod imports;
pub mod limit;
pub(crate) mod render;
mod reports;
pub mod security;
pub mod serve;
mod session;
mod toilets;
pub mod webapp;

use std::{
    sync::{Arc, LazyLock, RwLock},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::{HeaderName, Request, StatusCode},
    routing::get,
};
use chrono::{DateTime, Utc};
use gongce_shared::api::Health;
use serde::Serialize;
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa::OpenApi;

pub use error::ApiError;

use crate::{import::Licence, index::Index, store::Store};

pub use crate::clock::Clock;

/// What every handler shares, behind one `Arc`: extractors copy the state
/// for each request, and one count is cheaper than a dozen. Fields read
/// through it as through the fields themselves; setting one before the
/// app starts (as `serve` and tests do) takes the only copy.
#[derive(Clone)]
pub struct AppState(Arc<Fields>);

impl std::ops::Deref for AppState {
    type Target = Fields;
    fn deref(&self) -> &Fields {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Fields {
        Arc::make_mut(&mut self.0)
    }
}

/// [`AppState`]'s fields.
#[derive(Clone)]
pub struct Fields {
    pub index: Arc<RwLock<Index>>,
    pub store: Store,
    pub clock: Clock,
    /// The terms exports are published under.
    pub licence: Arc<Licence>,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<crate::net::Cidrs>,
    /// Who may frame the web app (CSP `frame-ancestors`).
    pub frame_ancestors: Arc<crate::config::FrameAncestors>,
    /// Password checks running at once (Argon2 holds 19 MiB each)…
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// …and how long a sign-in waits for one before answering 503.
    pub password_check_wait: Duration,
    /// Where webhooks may go, and how their hosts are resolved.
    pub webhooks: Arc<crate::webhooks::Guard>,
    /// The web app's map tiles.
    pub tiles: Arc<webapp::Tiles>,
    /// Where the web app looks first.
    pub map_center: Option<gongce_shared::LatLon>,
    /// The web app's files, served at `/` when there are any.
    pub webapp: Option<Arc<assets::Assets>>,
    /// How far the index has followed the change log (None: not followed,
    /// as in tests that apply changes themselves).
    pub sync: Option<Arc<crate::sync::SyncStatus>>,
    /// The public read limiter (None: off, as in most tests).
    pub read_limit: Option<Arc<limit::Limiter>>,
    /// Exports rendered once per state of the index, streamed from files.
    pub exports: Arc<export::Exports>,
    /// Serve `/metrics` on this app (off when metrics are off or have an
    /// address of their own).
    pub metrics: bool,
}

impl AppState {
    pub fn new(index: Arc<RwLock<Index>>, store: Store) -> Self {
        AppState(Arc::new(Fields {
            index,
            store,
            clock: crate::clock::system(),
            licence: Arc::new(Licence {
                name: "CC-BY-4.0".to_owned(),
                url: "https://creativecommons.org/licenses/by/4.0/".to_owned(),
                attribution: "gongce contributors and the sources named in each record".to_owned(),
            }),
            secure_cookies: false,
            trusted_proxies: Arc::default(),
            frame_ancestors: Arc::default(),
            password_checks: Arc::new(tokio::sync::Semaphore::new(
                crate::auth::password_check_permits(),
            )),
            password_check_wait: Duration::from_secs(5),
            webhooks: Arc::default(),
            tiles: Arc::new(
                webapp::Tiles::from_setting("osm", gongce_shared::Crs::Wgs84, "")
                    .expect("the osm preset"),
            ),
            map_center: None,
            webapp: None,
            sync: None,
            read_limit: None,
            exports: Arc::new(export::Exports::new().expect("a temporary folder for exports")),
            metrics: true,
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Puts a toilet this server just wrote into the index, so the answer
    /// to the write and the next search agree.
    pub fn apply(&self, toilet: &gongce_shared::Toilet) {
        let mut index = self.index.write().expect("index lock");
        // The follower may have applied a later write of it meanwhile
        // (which an index image would then keep over a restart).
        if index
            .get(toilet.id)
            .is_some_and(|held| held.version() > toilet.version)
        {
            return;
        }
        index.upsert(toilet.clone());
    }
}

/// A toilet id from the path; a bad one is a 400 that quotes it.
fn toilet_id_param(raw: &str) -> Result<gongce_shared::ToiletId, ApiError> {
    raw.parse::<gongce_shared::ToiletId>()
        .map_err(|e| ApiError::invalid_parameter("id", raw, e.reason))
}

/// Another positive id from the path (organisation, user, report).
fn id_param(raw: &str, what: &str) -> Result<i64, ApiError> {
    gongce_shared::whole_number(raw)
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ApiError::invalid_parameter("id", raw, format!("must be a positive {what} id"))
        })
}

/// Answers at least this long (when their length is known) are
/// compressed: about one TCP segment's payload.
pub const COMPRESS_ABOVE: u16 = 1400;

/// Requests may carry at most this much body.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;
/// A request that takes longer is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gongce",
        description = "Public-toilet map API: where is the nearest toilet that fits me, open now?"
    ),
    paths(
        toilets::nearby,
        toilets::search,
        toilets::in_bbox,
        toilets::by_id,
        export::about,
        export::csv,
        export::geojson,
        session::sign_in,
        session::whoami,
        session::sign_out,
        edit::create,
        edit::update,
        edit::remove,
        edit::history,
        admin::list_orgs,
        admin::create_org,
        admin::get_org,
        admin::update_org,
        admin::org_toilets,
        admin::list_users,
        admin::create_user,
        admin::get_user,
        admin::update_user,
        imports::upload,
        imports::commit,
        webapp::app_config,
        reports::report,
        reports::confirm,
        reports::queue,
        reports::acknowledge,
        reports::resolve,
        reports::stats,
        reports::set_webhook,
        reports::delete_webhook,
        reports::webhook_state,
        reports::webhook_states,
        healthz,
        readyz
    ),
    components(schemas(gongce_shared::api::ErrorBody, gongce_shared::api::Health, Readiness)),
    tags(
        (name = "toilets", description = "Finding toilets"),
        (name = "open data", description = "Every toilet, with its licence"),
        (name = "accounts", description = "Signing in; organisations and users"),
        (name = "editing", description = "Committees and admins changing toilets"),
        (name = "reports", description = "Residents' problem reports and their owners' answers")
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Documents the bearer token (the cookie is for the web app).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

static OPENAPI: LazyLock<serde_json::Value> = LazyLock::new(|| {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    // List the document itself too.
    doc["paths"]["/api/v1/openapi.json"] = serde_json::json!({
        "get": {"summary": "This OpenAPI document", "responses": {"200": {"description": "OpenAPI 3 JSON"}}}
    });
    contract::complete(&mut doc);
    doc
});

/// The whole application: routes and layers. Tests call it without a socket.
pub fn app(mut state: AppState) -> Router {
    // Recorded from the first request on.
    crate::metrics::handle();
    // The store writes times by the same clock the handlers read.
    state.store = state.store.clone().with_clock(Arc::clone(&state.clock));
    let request_id = HeaderName::from_static("x-request-id");
    // Everything but uploads: small bodies, quick answers.
    let api = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/openapi.json", get(|| async { Json(&*OPENAPI) }))
        .merge(toilets::router())
        .merge(session::router())
        .merge(edit::router())
        .merge(admin::router())
        .merge(webapp::router())
        .merge(docs::router())
        .merge(reports::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));
    // Uploaded lists: large bodies, long imports.
    let uploads = imports::router()
        .layer(DefaultBodyLimit::max(imports::UPLOAD_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(imports::UPLOAD_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            imports::IMPORT_TIMEOUT,
        ));
    // Exports: the first request after a change waits for the rendering,
    // which for a big city's list can take longer than an answer may.
    // (The timeout ends at the headers; the download itself streams on.)
    let exports = export::router().layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        export::RENDER_TIMEOUT,
    ));
    let mut router = Router::new().merge(api).merge(uploads).merge(exports);
    if state.metrics {
        router = router.route("/metrics", get(metrics));
    }
    // The web app's files at /, precompressed by the build (br, gzip).
    let router = match state.webapp.clone() {
        Some(app) => router.fallback(
            move |method: axum::http::Method,
                  uri: axum::http::Uri,
                  headers: axum::http::HeaderMap| async move {
                app.answer(&method, &uri, &headers)
            },
        ),
        // Without the app, `/` says so and how to get it (the API serves on).
        None => router
            .route("/", get(no_webapp))
            .fallback(|| async { ApiError::not_found("no such route") }),
    };
    let envelope = envelope::EnvelopeLayer::new(state.clone());
    router
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .with_state(state)
        // One stack, so that a request clones one boxed route rather than
        // one for each layer. Outermost first.
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), RandomRequestId))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        // No path, no query: either can hold a resident's
                        // position. The access log names the route's
                        // template instead.
                        tracing::info_span!("request", id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                // Answers that fit in one packet go as they are:
                // compressing them costs time and saves no round trip.
                .layer(CompressionLayer::new().compress_when(
                    tower_http::compression::Predicate::and(
                        tower_http::compression::DefaultPredicate::new(),
                        tower_http::compression::predicate::SizeAbove::new(COMPRESS_ABOVE),
                    ),
                ))
                // The read limit, caught panics, JSON errors, the security
                // headers (on every answer, errors included) and the access
                // log (of the body before compression).
                .layer(envelope),
        )
}

/// A random (version 4) UUID for each request that brings no id: drawn from
/// the thread's random generator rather than a system call, and written
/// out on the stack.
#[derive(Clone, Copy)]
struct RandomRequestId;

impl tower_http::request_id::MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        let text = id.hyphenated().encode_lower(&mut text);
        axum::http::HeaderValue::from_str(text)
            .ok()
            .map(RequestId::new)
    }
}

/// `/` in a server started without the web app.
async fn no_webapp() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        "gongce: the web app is not in this build, only the API (/api/v1/..., documented at /api/docs).\n\
         `cargo xtask dist` builds a server with the app inside (target/dist/gongce), and \
         `cargo xtask run` builds and runs one with demo data. For development, build the app \
         with `cargo xtask webapp` and start this server with `--webapp-dir webapp/dist` \
         (GONGCE_WEBAPP_DIR).\n\
         公厕：此版本只提供接口，未包含网页应用。运行 `cargo xtask dist` 可构建内含网页应用的服务器\
         （target/dist/gongce）；开发时可先运行 `cargo xtask webapp`，再以 \
         `--webapp-dir webapp/dist` 启动。\n",
    )
}

/// Prometheus metrics, in the text format: requests by route template and
/// status class with their latency, requests in flight, 429s by limit,
/// imports, toilets in the index, the change log's position and age, the
/// store's connections and webhook deliveries waiting or given up on.
pub async fn metrics(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    // Deliveries, from the store at scrape time (a failure leaves them out).
    if let Ok(hooks) = state.store.webhook_states(None).await {
        let pending: i64 = hooks.iter().map(|h| h.pending).sum();
        let failed: i64 = hooks.iter().map(|h| h.failed).sum();
        ::metrics::gauge!("gongce_webhook_deliveries_pending").set(pending as f64);
        ::metrics::gauge!("gongce_webhook_deliveries_failed").set(failed as f64);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(&state),
    )
        .into_response()
}

/// Readiness, for a load balancer: 200 when the store answers and the
/// index has read the change log recently (within five sync intervals, at
/// least 1 s); otherwise 503 saying why, so traffic goes to other replicas.
#[utoipa::path(get, path = "/readyz", tag = "toilets", responses(
    (status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let toilets = state.index.read().expect("index lock").len();
    let (seq, lag) = match &state.sync {
        Some(s) => (
            Some(s.seq.load(std::sync::atomic::Ordering::Relaxed)),
            Some(s.since_ok()),
        ),
        None => (None, None),
    };
    let limit = state
        .sync
        .as_ref()
        .map_or(std::time::Duration::from_secs(5), |s| {
            (s.every * 5).max(std::time::Duration::from_secs(1))
        });
    let problem =
        match tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await {
            Err(_) => Some("the store does not answer within 2 s".to_owned()),
            Ok(Err(e)) => Some(format!("the store does not answer: {e:#}")),
            Ok(Ok(())) => lag.filter(|lag| *lag > limit).map(|lag| {
                format!(
                    "the change log was last read {:.1} s ago",
                    lag.as_secs_f64()
                )
            }),
        };
    let ready = problem.is_none();
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(Readiness {
            status: if ready { "ready" } else { "not_ready" }.to_owned(),
            toilets,
            seq,
            problem,
        }),
    )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// "ready" or "not_ready".
    status: String,
    toilets: usize,
    /// The change-log position the index has reached.
    seq: Option<i64>,
    /// Why it is not ready.
    problem: Option<String>,
}

/// Liveness and size: 200 while serving.
#[utoipa::path(get, path = "/healthz", tag = "toilets", responses((status = 200, body = Health)))]
async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let toilets = state.index.read().expect("index lock").len();
    Json(Health {
        status: "ok".to_owned(),
        toilets,
    })
}
