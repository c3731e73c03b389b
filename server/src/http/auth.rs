//! Who is asking: the session behind a bearer token or the session cookie,
//! with cross-site request forgery checked for cookie-borne writes.

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, Method, StatusCode, header, request::Parts},
};
use axum_extra::extract::CookieJar;
use gongce_shared::accounts::{Role, User};
use serde::de::DeserializeOwned;

use super::{AppState, error::ApiError};
use crate::{auth, store::Actor};

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Bearer,
    Cookie,
}

/// A signed-in caller. Extracting it answers 401 to the public, and 403 to
/// a cookie-borne write without the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub csrf_token: String,
    pub token_hash: String,
    pub via: Via,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.id,
            role: self.user.role,
            org_id: self.user.org_id,
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("only an admin may do this"))
        }
    }

    /// Admins, and members of organisation `org`.
    pub fn require_member_of(&self, org: i64) -> Result<(), ApiError> {
        if self.user.role == Role::Admin || self.user.org_id == Some(org) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "only members of this organisation and admins may do this",
            ))
        }
    }
}

/// The session token a request carries, and how.
pub fn token(headers: &HeaderMap) -> Option<(String, Via)> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))?;
        return Some((token.trim().to_owned(), Via::Bearer));
    }
    let jar = CookieJar::from_headers(headers);
    jar.get(auth::COOKIE)
        .map(|c| (c.value().to_owned(), Via::Cookie))
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A cross-site request: its Origin names another host than the one asked.
fn cross_site(headers: &HeaderMap) -> bool {
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
    else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("");
    let origin_host = origin.split("://").nth(1).unwrap_or(origin);
    origin == "null" || origin_host.as_bytes() != host.as_bytes()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some((token, via)) = token(&parts.headers) else {
            return Err(ApiError::unauthenticated());
        };
        let token_hash = auth::token_hash(&token);
        let Some(session) = state.store.session(&token_hash).await? else {
            return Err(ApiError::unauthenticated());
        };
        if via == Via::Cookie && is_write(&parts.method) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if cross_site(&parts.headers) || !auth::same_secret(sent, &session.csrf_token) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "a write made with the session cookie needs the X-CSRF-Token header from \
                     sign-in, from this site",
                ));
            }
        }
        Ok(Caller {
            user: session.user,
            csrf_token: session.csrf_token,
            token_hash,
            via,
            expires_at: session.expires_at,
        })
    }
}

/// The client's address: the socket's peer, or — when the peer is a
/// trusted proxy (`--trusted-proxies`) — the rightmost `X-Forwarded-For`
/// hop that is not one.
pub fn client_ip(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    Some(crate::net::client_ip(
        peer,
        hops.into_iter(),
        &state.trusted_proxies,
    ))
}

/// The client, as limits count it: its address, an IPv6 client by its /64.
pub fn client_addr(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> String {
    client_ip(state, extensions, headers)
        .map_or_else(|| "unknown".to_owned(), crate::net::client_key)
}

/// A JSON request body as `T`; errors name the field and say what was wrong.
pub fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON, with Content-Type: application/json",
        ));
    }
    let mut json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not JSON: {e}")))?;
    // Every body is an object (serde would also read a struct from an array).
    if !json.is_object() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "the body must be a JSON object",
        ));
    }
    whole_numbers(&mut json);
    serde_path_to_error::deserialize(&json).map_err(|e| body_error(&json, e))
}

/// `1.0` is the integer 1 in JSON (and in JSON Schema), so integral
/// numbers written with a fraction are read as integers.
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(i) = n.as_f64().and_then(gongce_shared::integral) {
                *value = Value::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A body that is JSON but not what the route takes: the field at fault,
/// its value, and the code and limit its type gave (`too_long`, …).
fn body_error(
    json: &serde_json::Value,
    e: serde_path_to_error::Error<serde_json::Error>,
) -> ApiError {
    use serde_path_to_error::Segment;
    let mut path: Vec<String> = Vec::new();
    let mut at = Some(json);
    for segment in e.path().iter() {
        match segment {
            Segment::Map { key } => {
                at = at.and_then(|v| v.get(key));
                path.push(key.clone());
            }
            Segment::Seq { index } => {
                at = at.and_then(|v| v.get(index));
                path.push(index.to_string());
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    let inner = e.into_inner().to_string();
    let refusal = gongce_shared::api::read_refusal(&inner);
    let (code, limit, message) = (refusal.code, refusal.limit, refusal.message);
    // A flattened part of the body names its field itself.
    if let Some(field) = refusal.field {
        at = at.and_then(|v| v.get(field));
        path.push(field.to_owned());
    }
    // serde's own: "missing field `x`", "unknown field `x`, expected …".
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    // A missing field is not on the path yet; an unknown one is.
    let code = match (code, named("missing field `")) {
        (Some(code), _) => code,
        (None, Some(missing)) => {
            path.push(missing);
            at = None;
            "missing_field"
        }
        (None, None) if message.starts_with("unknown field") => "unknown_field",
        (None, None) => "invalid_field",
    };
    let field = path.join(".");
    let text = match at {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    if field.is_empty() {
        return ApiError::bad_request("invalid_body", format!("invalid body: {message}"));
    }
    ApiError::bad_request(code, format!("invalid `{field}`: {message}"))
        .at(field, text.as_deref())
        .limit(limit)
}
