//! Talking to the gongce server: same origin, JSON, the session cookie, and
//! the CSRF token on every write.

use gloo_net::http::{Request, RequestBuilder, Response};
use gongce_shared::{
    LatLon,
    accounts::SessionInfo,
    api::{ErrorBody, ErrorDetail, NearbyQuery},
};

use crate::model::{NearbyResponse, Toilet};
use serde::{Deserialize, de::DeserializeOwned};

use crate::map::Tiles;

#[cfg(feature = "staff")]
mod staff;
#[cfg(feature = "staff")]
pub use staff::*;

/// What went wrong: the server's error, whose code, field, value and limit
/// [`Lang::error`](crate::i18n::Lang::error) says in the reader's language,
/// or the network's (code `network`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub detail: ErrorDetail,
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> Self {
        ApiError {
            detail: ErrorDetail {
                code: "network".into(),
                message: e.to_string(),
                ..ErrorDetail::default()
            },
        }
    }

    pub fn is_offline(&self) -> bool {
        self.detail.code == "network"
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if (200..300).contains(&status) {
        return response.json::<T>().await.map_err(ApiError::network);
    }
    let detail = match response.json::<ErrorBody>().await {
        Ok(body) => body.error,
        // Not ours: a proxy's page, say.
        Err(_) => ErrorDetail {
            code: "http".into(),
            message: format!("HTTP {status}"),
            ..ErrorDetail::default()
        },
    };
    Err(ApiError { detail })
}

/// A write's answer that carries nothing: its status, or the error it says.
#[cfg(feature = "staff")]
async fn done(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        read::<()>(response).await
    }
}

async fn send<T: DeserializeOwned>(request: Request) -> Result<T, ApiError> {
    read(request.send().await.map_err(ApiError::network)?).await
}

fn write(builder: RequestBuilder, csrf: &str) -> RequestBuilder {
    builder.header("X-CSRF-Token", csrf)
}

/// The server's settings for the app.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AppConfig {
    pub tiles: Tiles,
    /// Where to look before the resident's position is known.
    pub center: Option<LatLon>,
}

pub async fn config() -> Result<AppConfig, ApiError> {
    send(
        Request::get("/api/v1/app-config")
            .build()
            .map_err(ApiError::network)?,
    )
    .await
}

/// A GET that `signal` can cancel.
pub async fn get<T: DeserializeOwned>(
    url: &str,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<T, ApiError> {
    send(
        Request::get(url)
            .abort_signal(signal)
            .build()
            .map_err(ApiError::network)?,
    )
    .await
}

pub async fn nearby(query: &NearbyQuery) -> Result<NearbyResponse, ApiError> {
    let url = format!("/api/v1/toilets/nearby?{}", query.to_query());
    send(Request::get(&url).build().map_err(ApiError::network)?).await
}

/// Toilets by name or place, nearest `from` first when given.
pub async fn search(
    q: &str,
    from: Option<gongce_shared::LatLon>,
) -> Result<NearbyResponse, ApiError> {
    let mut url = format!(
        "/api/v1/toilets/search?q={}",
        js_sys::encode_uri_component(q)
    );
    if let Some(p) = from {
        url.push_str(&format!("&lat={:.5}&lon={:.5}", p.lat(), p.lon()));
    }
    send(Request::get(&url).build().map_err(ApiError::network)?).await
}

/// One toilet, by its id (a shared address).
pub async fn toilet(id: i64) -> Result<Toilet, ApiError> {
    let url = format!("/api/v1/toilets/{id}");
    send(Request::get(&url).build().map_err(ApiError::network)?).await
}

pub async fn session() -> Result<SessionInfo, ApiError> {
    send(
        Request::get("/api/v1/session")
            .build()
            .map_err(ApiError::network)?,
    )
    .await
}

/// Files a resident's report (no account).
pub async fn report(
    toilet: i64,
    kind: gongce_shared::reports::ReportKind,
    note: Option<String>,
) -> Result<gongce_shared::reports::ReportReceipt, ApiError> {
    let url = format!("/api/v1/toilets/{toilet}/reports");
    let body = gongce_shared::reports::NewReport {
        kind,
        note,
        contact: None,
    };
    send(Request::post(&url).json(&body).map_err(ApiError::network)?).await
}

/// "Still correct". Signed in, it is sent with the session (an owner's
/// confirmation also answers closed reports).
pub async fn confirm(toilet: i64, csrf: Option<&str>) -> Result<crate::model::Toilet, ApiError> {
    let url = format!("/api/v1/toilets/{toilet}/confirmations");
    let builder = Request::post(&url);
    let builder = match csrf {
        Some(csrf) => write(builder, csrf),
        None => builder,
    };
    send(builder.build().map_err(ApiError::network)?).await
}
