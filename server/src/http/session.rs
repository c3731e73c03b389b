//! Signing in and out.

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse as _, Response},
    routing::post,
};
use axum_extra::extract::cookie::{Cookie, SameSite};
use gongce_shared::accounts::{SessionInfo, SignIn};

use super::{
    AppState,
    auth::{Caller, Via, client_addr, json_body},
    error::ApiError,
};
use crate::auth;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/session",
        post(sign_in).get(whoami).delete(sign_out),
    )
}

fn session_cookie(state: &AppState, value: String, max_age_secs: i64) -> HeaderValue {
    let cookie = Cookie::build((auth::COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a valid header")
}

/// Signs in: sets the session cookie (HttpOnly, SameSite=Strict) for the
/// web app and returns a bearer token for API clients. Five failures in 15
/// minutes for one username or one address answer 429 until the window ends.
#[utoipa::path(post, path = "/api/v1/session", tag = "accounts",
    request_body = SignIn,
    responses(
        (status = 200, body = SessionInfo),
        (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed sign-ins; see Retry-After"),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, super::BODY_LIMIT_BYTES)
        .await
        .map_err(|_| ApiError::bad_request("invalid_body", "cannot read the body"))?;
    let form: SignIn = json_body(&parts.headers, &body)?;
    let username = form.username.trim().to_lowercase();
    let keys = [
        format!("user:{username}"),
        format!("ip:{}", client_addr(&state, &parts)),
    ];
    for key in &keys {
        let (failures, since) = state
            .store
            .sign_in_failures(key, auth::FAILURE_WINDOW)
            .await
            .map_err(ApiError::internal)?;
        if failures >= auth::MAX_FAILURES {
            let wait = (since + auth::FAILURE_WINDOW - chrono::Utc::now()).num_seconds();
            return Err(ApiError::too_many(
                wait.max(1) as u64,
                format!("too many failed sign-ins; try again in {} s", wait.max(1)),
            ));
        }
    }
    let credentials = state
        .store
        .credentials(form.username.trim())
        .await
        .map_err(ApiError::internal)?;
    let password = form.password;
    let hash = credentials
        .as_ref()
        .map_or_else(|| auth::DUMMY_HASH.clone(), |c| c.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::internal(e.into()))?;
    let Some(credentials) = credentials.filter(|_| matches) else {
        for key in &keys {
            state
                .store
                .record_sign_in_failure(key, auth::FAILURE_WINDOW)
                .await
                .map_err(ApiError::internal)?;
        }
        tracing::info!(username = %form.username.trim(), "sign-in refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong_credentials",
            "wrong username or password",
        ));
    };
    if credentials.user.disabled || credentials.org_disabled {
        return Err(ApiError::forbidden("this account is disabled"));
    }
    state
        .store
        .clear_sign_in_failures(&keys[0])
        .await
        .map_err(ApiError::internal)?;
    let token = auth::new_token();
    let csrf_token = auth::new_token();
    let expires_at = state
        .store
        .create_session(
            &auth::token_hash(&token),
            credentials.user.id,
            &csrf_token,
            auth::SESSION_LIFETIME,
        )
        .await
        .map_err(ApiError::internal)?;
    tracing::info!(user = credentials.user.id, "signed in");
    let org = match credentials.user.org_id {
        Some(id) => state.store.org(id).await.map_err(ApiError::internal)?,
        None => None,
    };
    let cookie = session_cookie(&state, token.clone(), auth::SESSION_LIFETIME.num_seconds());
    let info = SessionInfo {
        user: credentials.user,
        org,
        csrf_token,
        token: Some(token),
        expires_at,
    };
    let mut response = Json(info).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Who is signed in, and the CSRF token for cookie-borne writes.
#[utoipa::path(get, path = "/api/v1/session", tag = "accounts",
    responses((status = 200, body = SessionInfo), (status = 401, description = "not signed in")))]
async fn whoami(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let org = match caller.user.org_id {
        Some(id) => state.store.org(id).await.map_err(ApiError::internal)?,
        None => None,
    };
    let mut response = Json(SessionInfo {
        user: caller.user,
        org,
        csrf_token: caller.csrf_token,
        token: None,
        expires_at: caller.expires_at,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Signs out: the session ends on the server and the cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "accounts",
    responses((status = 204, description = "signed out"), (status = 401, description = "not signed in")))]
async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
    _headers: HeaderMap,
    _body: Bytes,
) -> Result<Response, ApiError> {
    state
        .store
        .delete_session(&caller.token_hash)
        .await
        .map_err(ApiError::internal)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if caller.via == Via::Cookie {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&state, String::new(), 0));
    }
    Ok(response)
}
