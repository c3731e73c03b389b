//! The committee's and admin's calls (the staff build only).

use gloo_net::http::Request;
use gongce_shared::accounts::{SessionInfo, SignIn};

use super::{ApiError, done, send, write};
use crate::model::Toilet;

pub async fn sign_in(username: &str, password: &str) -> Result<SessionInfo, ApiError> {
    let body = SignIn {
        username: username.to_owned(),
        password: password.to_owned(),
        bearer: false,
    };
    send(
        Request::post("/api/v1/session")
            .json(&body)
            .map_err(ApiError::network)?,
    )
    .await
}

pub async fn sign_out(csrf: &str) -> Result<(), ApiError> {
    let response = write(Request::delete("/api/v1/session"), csrf)
        .send()
        .await
        .map_err(ApiError::network)?;
    done(response).await
}

pub async fn org_toilets(org: i64) -> Result<Vec<Toilet>, ApiError> {
    let url = format!("/api/v1/orgs/{org}/toilets");
    send(Request::get(&url).build().map_err(ApiError::network)?).await
}

pub async fn create_toilet(
    draft: &crate::model::NewToilet,
    csrf: &str,
) -> Result<Toilet, ApiError> {
    send(
        write(Request::post("/api/v1/toilets"), csrf)
            .json(draft)
            .map_err(ApiError::network)?,
    )
    .await
}

pub async fn patch_toilet(
    id: i64,
    patch: &crate::model::ToiletEdit,
    csrf: &str,
) -> Result<Toilet, ApiError> {
    let url = format!("/api/v1/toilets/{id}");
    send(
        write(Request::patch(&url), csrf)
            .json(patch)
            .map_err(ApiError::network)?,
    )
    .await
}

/// Uploads a list for a dry run; `query` holds the import's options.
pub async fn upload(
    file: &web_sys::File,
    query: &str,
    csrf: &str,
) -> Result<crate::model::Upload, ApiError> {
    let url = format!("/api/v1/imports?{query}");
    send(
        write(Request::post(&url), csrf)
            .header("Content-Type", "application/octet-stream")
            .body(wasm_bindgen::JsValue::from(file.clone()))
            .map_err(ApiError::network)?,
    )
    .await
}

pub async fn commit(import_id: &str, csrf: &str) -> Result<crate::model::Upload, ApiError> {
    let url = format!("/api/v1/imports/{import_id}/commit");
    send(
        write(Request::post(&url), csrf)
            .build()
            .map_err(ApiError::network)?,
    )
    .await
}

pub async fn org_reports(org: i64) -> Result<Vec<gongce_shared::reports::Report>, ApiError> {
    let url = format!("/api/v1/orgs/{org}/reports");
    send(Request::get(&url).build().map_err(ApiError::network)?).await
}

/// How an owner moves a report on.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Acknowledge,
    /// With what was done, if they say.
    Resolve(Option<String>),
}

pub async fn answer_report(
    id: i64,
    answer: Answer,
    csrf: &str,
) -> Result<gongce_shared::reports::Report, ApiError> {
    let request = match answer {
        Answer::Acknowledge => write(
            Request::post(&format!("/api/v1/reports/{id}/acknowledge")),
            csrf,
        )
        .build(),
        Answer::Resolve(note) => write(
            Request::post(&format!("/api/v1/reports/{id}/resolve")),
            csrf,
        )
        .json(&gongce_shared::reports::Resolve { note }),
    };
    send(request.map_err(ApiError::network)?).await
}

pub async fn report_stats() -> Result<gongce_shared::reports::ReportStats, ApiError> {
    super::get("/api/v1/stats/reports", None).await
}

pub async fn orgs() -> Result<Vec<gongce_shared::accounts::Org>, ApiError> {
    super::get("/api/v1/orgs", None).await
}

pub async fn users() -> Result<Vec<gongce_shared::accounts::User>, ApiError> {
    super::get("/api/v1/users", None).await
}

pub async fn webhooks() -> Result<Vec<gongce_shared::reports::WebhookState>, ApiError> {
    super::get("/api/v1/webhooks", None).await
}

/// Creates (`POST`) or changes (`PATCH`, when `change`) what `url` names;
/// the answer is not read beyond its status.
pub async fn save(
    url: &str,
    change: bool,
    body: &impl serde::Serialize,
    csrf: &str,
) -> Result<(), ApiError> {
    let builder = if change {
        Request::patch(url)
    } else {
        Request::post(url)
    };
    let response = write(builder, csrf)
        .json(body)
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    done(response).await
}
