//! One error type for every handler; every error leaves as JSON
//! `{"error":{"code":…,"message":…,"field":…,"value":…,"limit":…}}`, the last
//! three where they apply. The codes are listed in `docs/API.md`.

use axum::{
    Json,
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use gongce_shared::api::{ErrorBody, ErrorDetail, QueryError};

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// Boxed: errors travel in every handler's `Result`.
    detail: Box<ErrorDetail>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

/// The most of a refused value an error quotes back.
const VALUE_MAX_CHARS: usize = 100;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: Box::new(ErrorDetail {
                code: code.to_owned(),
                message: message.into(),
                ..ErrorDetail::default()
            }),
            headers: Vec::new(),
        }
    }

    /// Names the field or parameter at fault and quotes its value (cut to
    /// 100 characters).
    pub fn at(mut self, field: impl Into<String>, value: Option<&str>) -> Self {
        self.detail.field = Some(field.into());
        self.detail.value = value.map(|v| {
            let mut chars = v.chars();
            let mut quoted: String = chars.by_ref().take(VALUE_MAX_CHARS).collect();
            if chars.next().is_some() {
                quoted.push('…');
            }
            quoted
        });
        self
    }

    pub fn limit(mut self, limit: Option<i64>) -> Self {
        self.detail.limit = limit;
        self
    }

    /// A body field that did not parse: its code (`too_long`, …), value and limit.
    pub fn field(field: &str, e: gongce_shared::ParseError) -> Self {
        ApiError::bad_request(e.code, format!("invalid `{field}`: {}", e.reason))
            .at(field, Some(&e.value))
            .limit(e.limit)
    }

    /// A bad query parameter (400 `invalid_parameter`).
    pub fn invalid_parameter(param: &str, value: &str, reason: impl std::fmt::Display) -> Self {
        ApiError::from(gongce_shared::api::QueryError::invalid(
            param,
            value,
            reason.to_string(),
        ))
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// No session, or not a live one.
    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in first: POST /api/v1/session",
        )
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 429 from the limit named `which`, with how many seconds to wait
    /// (also as `limit`); counted in `gongce_rate_limited_total`.
    pub fn too_many(which: &str, seconds: u64, message: impl Into<String>) -> Self {
        metrics::counter!("gongce_rate_limited_total", "limit" => which.to_owned()).increment(1);
        let seconds = seconds.max(1);
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
            .with_header(
                header::RETRY_AFTER,
                HeaderValue::from_str(&seconds.to_string()).expect("digits"),
            )
            .limit(i64::try_from(seconds).ok())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A fault of ours: logged in full, told to the client in brief.
    pub fn internal(error: anyhow::Error) -> Self {
        tracing::error!("internal error: {error:#}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it has been logged",
        )
    }
}

/// Each store error is one status: 404, 403, 409, 400, or a 500 that is
/// logged in full and said briefly.
impl From<crate::store::Error> for ApiError {
    fn from(e: crate::store::Error) -> Self {
        use crate::store::Error;
        match e {
            Error::NotFound { .. } => ApiError::not_found(e.to_string()),
            Error::Forbidden(m) => ApiError::forbidden(m),
            Error::Stale { expected, .. } => {
                ApiError::conflict(e.to_string()).at("version", Some(&expected.to_string()))
            }
            Error::Taken { field, ref value } => {
                ApiError::conflict(e.to_string()).at(field, Some(value))
            }
            Error::Conflict(m) => ApiError::conflict(m),
            Error::Invalid {
                field, ref value, ..
            } => ApiError::bad_request("invalid_field", e.to_string()).at(field, Some(value)),
            Error::Internal(e) => ApiError::internal(e),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        let error = ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string());
        match &e {
            QueryError::Invalid {
                param,
                value,
                limit,
                ..
            } => error.at(param, Some(value)).limit(*limit),
            _ => error.at(e.param(), None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: *self.detail,
        };
        let mut response = (self.status, Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// An error response that is not JSON yet (a timeout, a body over the
/// limit, an unknown route) with our JSON body instead.
pub fn ensure_json(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = status.canonical_reason().unwrap_or("error").to_lowercase();
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message,
            ..ErrorDetail::default()
        },
    })
    .expect("an error body serialises");
    Response::from_parts(parts, Body::from(body))
}
