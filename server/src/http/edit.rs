//! Committees and admins changing toilets: create, edit (with optimistic
//! concurrency), close, reopen, reassign, remove, and the history.
//!
//! A write is applied to the index before its response is sent, so the
//! next `/nearby` on this server sees it.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse as _, Response},
    routing::{get, patch, post},
};
use gongce_shared::{
    Toilet,
    accounts::{HistoryEntry, Role, ToiletDraft, ToiletPatch},
};

use super::{
    AppState,
    auth::{Caller, json_body},
    error::ApiError,
    toilet_id_param,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/toilets", post(create))
        .route("/api/v1/toilets/{id}", patch(update).delete(remove))
        .route("/api/v1/toilets/{id}/history", get(history))
}

/// The toilet as JSON, with its version as the ETag.
fn toilet_response(status: StatusCode, toilet: &Toilet) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", toilet.version)).expect("digits");
    let mut response = (status, Json(toilet)).into_response();
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// Creates a toilet owned by the caller's organisation (an admin may name
/// another with `org_id`).
#[utoipa::path(post, path = "/api/v1/toilets", tag = "editing",
    request_body = ToiletDraft,
    responses(
        (status = 201, body = Toilet),
        (status = 400, description = "a field is invalid; the message names it"),
        (status = 401, description = "not signed in"),
        (status = 403, description = "org_id given by a committee member"),
    ))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let draft: ToiletDraft = json_body(&headers, &body)?;
    let org_id = match (caller.user.role, draft.org_id) {
        (Role::Admin, org) => org,
        (Role::Committee, Some(org)) if Some(org) != caller.user.org_id => {
            return Err(ApiError::forbidden(
                "a committee member adds toilets to their own organisation",
            ));
        }
        (Role::Committee, _) => caller.user.org_id,
    };
    let toilet = state
        .store
        .create_toilet(draft, org_id, caller.actor())
        .await?;
    state.apply(&toilet);
    let mut response = toilet_response(StatusCode::CREATED, &toilet);
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/api/v1/toilets/{}", toilet.id)).expect("digits"),
    );
    Ok(response)
}

/// The version a write was made from: `If-Match: "N"` or the body's `version`.
fn expected_version(headers: &HeaderMap, body: Option<i64>) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(body);
    };
    let text = value.to_str().unwrap_or("");
    let version = text
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map_err(|_| {
            ApiError::bad_request(
                "invalid_header",
                format!("invalid If-Match {text:?}: expected the toilet's version, as \"3\""),
            )
            .at("If-Match", Some(text))
        })?;
    match body {
        Some(b) if b != version => Err(ApiError::bad_request(
            "invalid_field",
            format!("`version` {b} and If-Match {version} disagree"),
        )
        .at("version", Some(&b.to_string()))),
        _ => Ok(Some(version)),
    }
}

/// Changes a toilet. Fields left out stay; `null` clears one (unknown).
/// The change must name the version it was made from (`version` or
/// `If-Match`); if the toilet has changed since, the answer is 409.
#[utoipa::path(patch, path = "/api/v1/toilets/{id}", tag = "editing",
    request_body = ToiletPatch,
    params(("id" = i64, Path, description = "toilet id")),
    responses(
        (status = 200, body = Toilet),
        (status = 400, description = "a field is invalid"),
        (status = 401, description = "not signed in"),
        (status = 403, description = "another organisation's toilet"),
        (status = 404, description = "no such toilet"),
        (status = 409, description = "changed since the version given"),
        (status = 428, description = "no version given"),
    ))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = toilet_id_param(&id)?;
    let patch: ToiletPatch = json_body(&headers, &body)?;
    let Some(expected) = expected_version(&headers, patch.version)? else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "version_required",
            "say which version you changed: `version` in the body, or If-Match",
        ));
    };
    let toilet = state
        .store
        .update_toilet(id, patch, expected, caller.actor())
        .await?;
    state.apply(&toilet);
    Ok(toilet_response(StatusCode::OK, &toilet))
}

/// Removes a toilet from the map; it stays in the store and its history.
#[utoipa::path(delete, path = "/api/v1/toilets/{id}", tag = "editing",
    params(("id" = i64, Path, description = "toilet id")),
    responses(
        (status = 200, body = Toilet, description = "the removed toilet"),
        (status = 401, description = "not signed in"),
        (status = 403, description = "another organisation's toilet"),
        (status = 404, description = "no such toilet"),
        (status = 409, description = "changed since the If-Match version"),
    ))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = toilet_id_param(&id)?;
    let expected = expected_version(&headers, None)?;
    let toilet = state
        .store
        .remove_toilet(id, expected, caller.actor())
        .await?;
    state.apply(&toilet);
    Ok(toilet_response(StatusCode::OK, &toilet))
}

/// Every change to a toilet, newest first: who, when, before and after.
/// For the owning organisation and admins.
#[utoipa::path(get, path = "/api/v1/toilets/{id}/history", tag = "editing",
    params(("id" = i64, Path, description = "toilet id")),
    responses(
        (status = 200, body = Vec<HistoryEntry>),
        (status = 401, description = "not signed in"),
        (status = 403, description = "another organisation's toilet"),
        (status = 404, description = "no such toilet"),
    ))]
async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let id = toilet_id_param(&id)?;
    Ok(Json(state.store.toilet_history(id, caller.actor()).await?))
}
