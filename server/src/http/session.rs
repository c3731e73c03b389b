//! Signing in and out.

use std::sync::Arc;

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
/// web app, and returns a bearer token to clients that ask for one
/// (`"bearer": true`). Each attempt is counted before the password is
/// checked: five per username and client per 15 minutes (then 429 until
/// the window ends), and past five per username from anywhere, one more
/// after a delay that doubles up to a minute (429 with `Retry-After`).
/// When every password check slot is busy: 503 with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/session", tag = "accounts",
    request_body = SignIn,
    responses(
        (status = 200, body = SessionInfo),
        (status = 401, description = "wrong username or password, or a disabled account"),
        (status = 429, description = "too many sign-ins; see Retry-After"),
        (status = 503, description = "too many password checks at once; see Retry-After"),
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
    let client = client_addr(&state, &parts.extensions, &parts.headers);
    let pair = format!("sign-in:{username}|{client}");
    let user = format!("sign-in:{username}");
    let from = format!("sign-in-from:{client}");
    // Counted first, atomically: a burst gets no more checks than a queue.
    for (key, rule) in [
        (&pair, auth::PAIR_THROTTLE),
        (&from, auth::CLIENT_THROTTLE),
        (&user, auth::USER_THROTTLE),
    ] {
        if let Some(wait) = state.store.throttle(key, rule, state.now()).await? {
            let secs = crate::store::throttle::retry_secs(wait);
            return Err(ApiError::too_many(
                "sign_in",
                secs,
                format!("too many sign-ins; try again in {secs} s"),
            ));
        }
    }
    // Argon2 holds 19 MiB for each check: at most a few at once.
    let Ok(_permit) = tokio::time::timeout(
        state.password_check_wait,
        Arc::clone(&state.password_checks).acquire_owned(),
    )
    .await
    .map_err(|_| ())
    .and_then(|p| p.map_err(|_| ())) else {
        let mut busy = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many sign-ins at once; try again in a second",
        )
        .into_response();
        busy.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(busy);
    };
    let credentials = state.store.credentials(form.username.trim()).await?;
    let password = form.password;
    let hash = credentials
        .as_ref()
        .map_or_else(|| auth::DUMMY_HASH.clone(), |c| c.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::internal(e.into()))?;
    drop(_permit);
    // A disabled account answers as a wrong password does, so the answer
    // never confirms a guessed password.
    let known = credentials.as_ref().map(|c| c.user.id);
    let Some(credentials) = credentials.filter(|c| matches && !c.user.disabled && !c.org_disabled)
    else {
        // What was typed as a username is not logged: people type
        // passwords there. A real user is logged by id.
        match known {
            Some(user) => tracing::info!(user, "sign-in refused"),
            None => tracing::info!("sign-in refused: no such user"),
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong_credentials",
            "wrong username or password",
        ));
    };
    for key in [&pair, &user] {
        state.store.forget_throttle(key).await?;
    }
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
        .await?;
    tracing::info!(user = credentials.user.id, "signed in");
    let org = match credentials.user.org_id {
        Some(id) => state.store.org(id).await?,
        None => None,
    };
    let cookie = session_cookie(&state, token.clone(), auth::SESSION_LIFETIME.num_seconds());
    let info = SessionInfo {
        user: credentials.user,
        org,
        csrf_token,
        token: form.bearer.then_some(token),
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
        Some(id) => state.store.org(id).await?,
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
    state.store.delete_session(&caller.token_hash).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if caller.via == Via::Cookie {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&state, String::new(), 0));
    }
    Ok(response)
}
