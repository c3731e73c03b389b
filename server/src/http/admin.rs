//! Organisations and users: admins manage them; members see their own
//! organisation and its toilets.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse as _, Response},
    routing::get,
};
use gongce_shared::{
    Toilet,
    accounts::{NewOrg, NewUser, Org, OrgPatch, User, UserPatch, check_password, check_username},
};

use super::{
    AppState,
    auth::{Caller, json_body},
    error::ApiError,
    id_param,
};
use crate::auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route("/api/v1/orgs/{id}", get(get_org).patch(update_org))
        .route("/api/v1/orgs/{id}/toilets", get(org_toilets))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}", get(get_user).patch(update_user))
}

/// Every organisation (admins).
#[utoipa::path(get, path = "/api/v1/orgs", tag = "accounts",
    responses((status = 200, body = Vec<Org>), (status = 401), (status = 403)))]
async fn list_orgs(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Org>>, ApiError> {
    caller.require_admin()?;
    Ok(Json(state.store.orgs().await?))
}

/// Adds an organisation (admins).
#[utoipa::path(post, path = "/api/v1/orgs", tag = "accounts", request_body = NewOrg,
    responses((status = 201, body = Org), (status = 401), (status = 403), (status = 409, description = "the name is taken")))]
async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let new: NewOrg = json_body(&headers, &body)?;
    let org = state.store.create_org(&new).await?;
    Ok((StatusCode::CREATED, Json(org)).into_response())
}

/// One organisation (its members and admins).
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "accounts",
    params(("id" = i64, Path)),
    responses((status = 200, body = Org), (status = 401), (status = 403), (status = 404)))]
async fn get_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Org>, ApiError> {
    let id = id_param(&id, "organisation")?;
    caller.require_member_of(id)?;
    state
        .store
        .org(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no organisation {id}")))
}

/// Renames, changes or (dis|en)ables an organisation (admins). Disabling
/// one ends its members' sessions.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "accounts", request_body = OrgPatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = Org), (status = 401), (status = 403), (status = 404), (status = 409)))]
async fn update_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Org>, ApiError> {
    let id = id_param(&id, "organisation")?;
    caller.require_admin()?;
    let patch: OrgPatch = json_body(&headers, &body)?;
    Ok(Json(state.store.update_org(id, &patch).await?))
}

/// An organisation's toilets, closed and removed ones included (its members and admins).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/toilets", tag = "accounts",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Toilet>), (status = 401), (status = 403)))]
async fn org_toilets(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Toilet>>, ApiError> {
    let id = id_param(&id, "organisation")?;
    caller.require_member_of(id)?;
    Ok(Json(state.store.org_toilets(id).await?))
}

/// Every user (admins). Password hashes are never shown.
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts",
    responses((status = 200, body = Vec<User>), (status = 401), (status = 403)))]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<User>>, ApiError> {
    caller.require_admin()?;
    Ok(Json(state.store.users().await?))
}

async fn hash(password: String) -> Result<String, ApiError> {
    check_password(&password).map_err(|m| {
        let (code, limit) = if password.chars().count() < 10 {
            ("too_short", 10)
        } else {
            ("too_long", 256)
        };
        ApiError::bad_request(code, m)
            .at("password", None)
            .limit(Some(limit))
    })?;
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(e.into()))?
        .map_err(ApiError::internal)
}

/// Adds a user (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUser,
    responses((status = 201, body = User), (status = 400), (status = 401), (status = 403), (status = 409, description = "the username is taken")))]
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let new: NewUser = json_body(&headers, &body)?;
    check_username(new.username.trim()).map_err(|e| ApiError::field("username", e))?;
    let password_hash = hash(new.password).await?;
    let user = state
        .store
        .create_user(new.username.trim(), &password_hash, new.role, new.org_id)
        .await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

/// One user (admins, and the user themself).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts",
    params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 401), (status = 403), (status = 404)))]
async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    let id = id_param(&id, "user")?;
    if caller.user.id != id {
        caller.require_admin()?;
    }
    state
        .store
        .user(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no user {id}")))
}

/// Changes a user (admins): password, role, organisation, disabled. Any of
/// these ends the user's sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "accounts", request_body = UserPatch,
    params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 400), (status = 401), (status = 403), (status = 404)))]
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<User>, ApiError> {
    let id = id_param(&id, "user")?;
    caller.require_admin()?;
    let patch: UserPatch = json_body(&headers, &body)?;
    // Any change ends the user's sessions; an admin who disabled or demoted
    // themselves could leave nobody to undo it.
    if id == caller.user.id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "own_account",
            "an admin's own account is changed by another admin",
        ));
    }
    let password_hash = match patch.password {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    Ok(Json(
        state
            .store
            .update_user(
                id,
                password_hash.as_deref(),
                patch.role,
                patch.org_id,
                patch.disabled,
            )
            .await?,
    ))
}
