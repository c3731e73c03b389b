//! Problem reports: residents report without an account; owners answer;
//! admins see how fast.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{FromRequestParts as _, Path, RawQuery, Request, State},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse as _, Response},
    routing::{get, post},
};
use chrono::Duration;
use gongce_shared::{
    Toilet, ToiletId,
    reports::{
        CONTACT_MAX, NOTE_MAX, NewReport, Report, ReportReceipt, ReportState, ReportStats, Resolve,
        Webhook, WebhookState, clean_text,
    },
    text::{SECRET_MAX, URL_MAX},
};

use crate::store::Reporter;

use super::{
    AppState,
    auth::{Caller, client_ip, json_body, token},
    error::ApiError,
    id_param, toilet_id_param,
};

/// Reports one client may file about one toilet per hour.
pub const REPORTS_PER_TOILET_HOUR: i64 = 3;
/// Reports one client may file per hour, all toilets together.
pub const REPORTS_PER_HOUR: i64 = 30;
/// "Still correct" confirmations one client may send about one toilet per hour.
pub const CONFIRMATIONS_PER_TOILET_HOUR: i64 = 1;
/// Confirmations one client may send per hour, all toilets together.
pub const CONFIRMATIONS_PER_HOUR: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/toilets/{id}/reports", post(report))
        .route("/api/v1/toilets/{id}/confirmations", post(confirm))
        .route("/api/v1/orgs/{id}/reports", get(queue))
        .route(
            "/api/v1/orgs/{id}/webhook",
            get(webhook_state).put(set_webhook).delete(delete_webhook),
        )
        .route("/api/v1/webhooks", get(webhook_states))
        .route("/api/v1/reports/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/reports/{id}/resolve", post(resolve))
        .route("/api/v1/stats/reports", get(stats))
}

/// Who a client is, for rate limits and for telling independent reports
/// apart: hashes of its address (IPv6 by /64) and of its network (IPv4 by
/// /24), never the address itself.
fn reporter(state: &AppState, parts: &axum::http::request::Parts) -> Reporter {
    let hash = |kind: &str, key: String| {
        crate::auth::token_hash(&format!("{kind}:{key}"))[..22].to_owned()
    };
    let ip = client_ip(state, &parts.extensions, &parts.headers);
    let key = |f: fn(std::net::IpAddr) -> String| ip.map_or_else(|| "unknown".to_owned(), f);
    Reporter {
        client: hash("client", key(crate::net::client_key)),
        network: hash("network", key(crate::net::network_key)),
    }
}

/// 404 for a toilet that is not served (missing or removed), found in the
/// index without touching the store.
fn served(state: &AppState, id: ToiletId) -> Result<(), ApiError> {
    match state.index.read().expect("index lock").get(id) {
        Some(t) if *t.status() != gongce_shared::Status::Removed => Ok(()),
        _ => Err(ApiError::not_found(format!("no toilet {id}"))),
    }
}

async fn limit(state: &AppState, key: String, limit: i64, what: &str) -> Result<(), ApiError> {
    let rule = crate::store::throttle::Rule {
        limit,
        window: Duration::hours(1),
        backoff: None,
    };
    if let Some(wait) = state.store.throttle(&key, rule, state.now()).await? {
        let wait = crate::store::throttle::retry_secs(wait);
        return Err(ApiError::too_many(
            key.split(':').next().unwrap_or("report"),
            wait,
            format!("too many {what} from here; try again in {wait} s"),
        ));
    }
    Ok(())
}

/// Reports a problem with a toilet; no account needed. Kinds: closed,
/// dirty, no_paper, no_water, broken, wrong_location, gone, other; a note
/// (≤ 500 characters) and a contact (≤ 100) are optional and kept as plain
/// text. Three per toilet and thirty in all per client per hour (429 with
/// Retry-After beyond).
#[utoipa::path(post, path = "/api/v1/toilets/{id}/reports", tag = "reports",
    request_body = NewReport, params(("id" = i64, Path, description = "toilet id")),
    responses((status = 201, body = ReportReceipt), (status = 400), (status = 404), (status = 429)))]
async fn report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let id = toilet_id_param(&id)?;
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, super::BODY_LIMIT_BYTES)
        .await
        .map_err(|_| ApiError::bad_request("invalid_body", "cannot read the body"))?;
    let mut new: NewReport = json_body(&parts.headers, &body)?;
    new.note = clean_text("note", new.note.as_deref(), NOTE_MAX)
        .map_err(|e| ApiError::field("note", e))?;
    new.contact = clean_text("contact", new.contact.as_deref(), CONTACT_MAX)
        .map_err(|e| ApiError::field("contact", e))?;
    // The client's budget for all toilets is spent first, also on a
    // missing toilet; only a served toilet gets a budget of its own.
    let reporter = reporter(&state, &parts);
    let client = &reporter.client;
    limit(
        &state,
        format!("report:{client}"),
        REPORTS_PER_HOUR,
        "reports",
    )
    .await?;
    served(&state, id)?;
    limit(
        &state,
        format!("report:{client}:{id}"),
        REPORTS_PER_TOILET_HOUR,
        "reports about this toilet",
    )
    .await?;
    let (receipt, toilet) = state.store.create_report(id, new, &reporter).await?;
    state.apply(&toilet);
    tracing::info!(toilet = %id, report = receipt.id, "report filed");
    Ok((StatusCode::CREATED, Json(receipt)).into_response())
}

/// "Still correct": marks the toilet's information as checked now. From a
/// member of its organisation (or an admin) it also answers the open
/// closed/gone reports, which lifts "reported closed". One per client and
/// toilet per hour, thirty per client per hour in all.
#[utoipa::path(post, path = "/api/v1/toilets/{id}/confirmations", tag = "reports",
    params(("id" = i64, Path, description = "toilet id")),
    responses((status = 200, body = Toilet), (status = 404), (status = 429)))]
async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<Toilet>, ApiError> {
    let id = toilet_id_param(&id)?;
    let (mut parts, _) = request.into_parts();
    let caller = match token(&parts.headers) {
        Some(_) => Some(Caller::from_request_parts(&mut parts, &state).await?),
        None => None,
    };
    if caller.is_none() {
        let client = reporter(&state, &parts).client;
        limit(
            &state,
            format!("confirm:{client}"),
            CONFIRMATIONS_PER_HOUR,
            "confirmations",
        )
        .await?;
        served(&state, id)?;
        limit(
            &state,
            format!("confirm:{client}:{id}"),
            CONFIRMATIONS_PER_TOILET_HOUR,
            "confirmations of this toilet",
        )
        .await?;
    }
    let toilet = state
        .store
        .confirm_toilet(id, caller.map(|c| c.actor()))
        .await?;
    state.apply(&toilet);
    Ok(Json(toilet))
}

/// The reports on an organisation's toilets, newest first (its members
/// and admins). `?state=open|acknowledged|resolved`; all when left out.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/reports", tag = "reports",
    params(("id" = i64, Path), ("state" = Option<String>, Query)),
    responses((status = 200, body = Vec<Report>), (status = 401), (status = 403)))]
async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Report>>, ApiError> {
    let org = id_param(&id, "organisation")?;
    caller.require_member_of(org)?;
    let mut wanted = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "state" => {
                wanted = Some(
                    v.parse::<ReportState>()
                        .map_err(|e| ApiError::invalid_parameter("state", &e.value, e.reason))?,
                )
            }
            other => {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("unknown parameter `{other}`: expected state"),
                )
                .at(other, None));
            }
        }
    }
    Ok(Json(state.store.org_reports(org, wanted).await?))
}

async fn answer(
    state: &AppState,
    caller: &Caller,
    id: &str,
    to: ReportState,
    note: Option<String>,
) -> Result<Json<Report>, ApiError> {
    let id = id_param(id, "report")?;
    match state
        .store
        .answer_report(id, to, note, caller.actor())
        .await
    {
        Ok((report, toilet)) => {
            state.apply(&toilet);
            Ok(Json(report))
        }
        Err(e) => Err(e.into()),
    }
}

/// The owner has seen the report.
#[utoipa::path(post, path = "/api/v1/reports/{id}/acknowledge", tag = "reports",
    params(("id" = i64, Path)),
    responses((status = 200, body = Report), (status = 401), (status = 403), (status = 404), (status = 409)))]
async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Report>, ApiError> {
    answer(&state, &caller, &id, ReportState::Acknowledged, None).await
}

/// The owner fixed it (or explains why not) in a note.
#[utoipa::path(post, path = "/api/v1/reports/{id}/resolve", tag = "reports",
    request_body = Resolve, params(("id" = i64, Path)),
    responses((status = 200, body = Report), (status = 401), (status = 403), (status = 404), (status = 409)))]
async fn resolve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<Report>, ApiError> {
    let resolve: Resolve = if body.is_empty() {
        Resolve::default()
    } else {
        json_body(&headers, &body)?
    };
    let note = clean_text("note", resolve.note.as_deref(), NOTE_MAX)
        .map_err(|e| ApiError::field("note", e))?;
    answer(&state, &caller, &id, ReportState::Resolved, note).await
}

/// Per organisation: open and overdue reports (open longer than
/// `overdue_hours`, 24 by default), resolved ones, and the median times to
/// acknowledge and to resolve. Admins see every organisation (or `?org=`);
/// a member sees their own.
#[utoipa::path(get, path = "/api/v1/stats/reports", tag = "reports",
    params(("overdue_hours" = Option<f64>, Query), ("org" = Option<i64>, Query)),
    responses((status = 200, body = ReportStats), (status = 401), (status = 403)))]
async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<ReportStats>, ApiError> {
    let mut overdue_hours = 24.0;
    let mut org = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "overdue_hours" => {
                overdue_hours = v
                    .parse::<f64>()
                    .ok()
                    .filter(|h| h.is_finite() && *h > 0.0 && *h <= 24.0 * 365.0)
                    .ok_or_else(|| {
                        ApiError::invalid_parameter(
                            "overdue_hours",
                            &v,
                            "a positive number of hours, at most a year",
                        )
                    })?
            }
            "org" => org = Some(id_param(&v, "organisation")?),
            other => {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("unknown parameter `{other}`: expected overdue_hours, org"),
                )
                .at(other, None));
            }
        }
    }
    let org = match (caller.user.role, org, caller.user.org_id) {
        (gongce_shared::accounts::Role::Admin, org, _) => org,
        (_, Some(o), Some(mine)) if o != mine => {
            return Err(ApiError::forbidden(
                "members see their own organisation's statistics",
            ));
        }
        (_, _, mine) => mine,
    };
    let overdue = Duration::seconds((overdue_hours * 3600.0) as i64);
    Ok(Json(state.store.report_stats(overdue, org).await?))
}

/// Sets where an organisation's new reports are POSTed, and the secret
/// that signs them (admins). The URL must be http(s) and reach only public
/// addresses (loopback, private, link-local, CGNAT, unique-local,
/// multicast and the like are refused in any spelling, unless the operator
/// allows their network).
#[utoipa::path(put, path = "/api/v1/orgs/{id}/webhook", tag = "reports",
    request_body = Webhook, params(("id" = i64, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
async fn set_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = id_param(&id, "organisation")?;
    caller.require_admin()?;
    let hook: Webhook = json_body(&headers, &body)?;
    let long = |field: &str, n: usize, max: usize| {
        ApiError::bad_request(
            "too_long",
            format!("`{field}` is {n} characters, more than the {max} allowed"),
        )
        .at(field, None)
        .limit(i64::try_from(max).ok())
    };
    if hook.url.len() > URL_MAX {
        return Err(long("url", hook.url.chars().count(), URL_MAX));
    }
    if hook.secret.len() > SECRET_MAX {
        return Err(long("secret", hook.secret.chars().count(), SECRET_MAX));
    }
    if let Err(why) = state.webhooks.check(&hook.url).await {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!(
                "invalid `url` value {:?}: {why}; a webhook must reach a public http(s) address",
                hook.url
            ),
        )
        .at("url", Some(&hook.url)));
    }
    if hook.secret.chars().count() < 16 {
        return Err(
            ApiError::bad_request("too_short", "`secret` needs at least 16 characters")
                .at("secret", None)
                .limit(Some(16)),
        );
    }
    if state.store.org(org).await?.is_none() {
        return Err(ApiError::not_found(format!("no organisation {org}")));
    }
    state
        .store
        .set_webhook(org, Some((hook.url, hook.secret)))
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Stops delivering an organisation's reports (admins).
#[utoipa::path(delete, path = "/api/v1/orgs/{id}/webhook", tag = "reports",
    params(("id" = i64, Path)), responses((status = 204), (status = 401), (status = 403)))]
async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let org = id_param(&id, "organisation")?;
    caller.require_admin()?;
    state.store.set_webhook(org, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every organisation's webhook: where it goes (host only), whether it is
/// delivering, what is waiting and the last error (admins).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "reports",
    responses((status = 200, body = Vec<WebhookState>), (status = 401), (status = 403)))]
async fn webhook_states(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookState>>, ApiError> {
    caller.require_admin()?;
    Ok(Json(state.store.webhook_states(None).await?))
}

/// One organisation's webhook state (admins); 404 when it has none.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/webhook", tag = "reports",
    params(("id" = i64, Path)),
    responses((status = 200, body = WebhookState), (status = 401), (status = 403), (status = 404)))]
async fn webhook_state(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookState>, ApiError> {
    let org = id_param(&id, "organisation")?;
    caller.require_admin()?;
    state
        .store
        .webhook_states(Some(org))
        .await?
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("organisation {org} has no webhook")))
}
