//! `/api/docs`: the API's documentation, Swagger UI reading the OpenAPI
//! document at `/api/v1/openapi.json`. Swagger UI's files are built into
//! the binary (utoipa-swagger-ui, vendored: nothing comes from a CDN, at
//! build time or at run time), and its page loads only its own files, so
//! it runs under a policy without inline scripts or styles
//! (`security::DOCS`).

use std::{borrow::Cow, sync::Arc, sync::LazyLock};

use axum::{
    Router,
    body::Bytes,
    extract::Path,
    http::header,
    response::{IntoResponse as _, Redirect, Response},
    routing::get,
};
use utoipa_swagger_ui::Config;

use super::{AppState, error::ApiError};

static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::new(["/api/v1/openapi.json"])
            // The public validator would be a request to swagger.io.
            .validator_url("none")
            .display_request_duration(true),
    )
});

/// Whether a request is for the documentation page (its own policy, in
/// `security`): the routes below, kept beside them.
pub fn is_docs(path: &str) -> bool {
    path == "/api/docs" || path.starts_with("/api/docs/")
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/docs",
            get(|| async { Redirect::permanent("/api/docs/") }),
        )
        .route("/api/docs/", get(|| file(String::new())))
        .route("/api/docs/{*file}", get(|Path(f): Path<String>| file(f)))
}

async fn file(name: String) -> Response {
    match utoipa_swagger_ui::serve(&name, CONFIG.clone()) {
        Ok(Some(file)) => {
            let body = match file.bytes {
                Cow::Borrowed(b) => Bytes::from_static(b),
                Cow::Owned(b) => Bytes::from(b),
            };
            (
                [
                    (header::CONTENT_TYPE, file.content_type),
                    (header::CACHE_CONTROL, "no-cache".to_owned()),
                ],
                body,
            )
                .into_response()
        }
        Ok(None) => ApiError::not_found("no such file in the API documentation").into_response(),
        Err(e) => ApiError::internal(anyhow::anyhow!("the API documentation: {e}")).into_response(),
    }
}
