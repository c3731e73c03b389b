//! Open data: every toilet on the map as CSV or GeoJSON, with its licence.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::{IntoResponse as _, Response},
    routing::get,
};

use super::{AppState, error::ApiError};
use crate::import::{self, ExportFormat};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/export", get(about))
        .route("/api/v1/export.csv", get(csv))
        .route("/api/v1/export.geojson", get(geojson))
}

/// What the open data is and under which terms.
#[utoipa::path(get, path = "/api/v1/export", tag = "open data",
    responses((status = 200, description = "licence, attribution, count and the download links")))]
async fn about(State(state): State<AppState>) -> Json<serde_json::Value> {
    let count = state.index.read().expect("index lock").len();
    Json(serde_json::json!({
        "licence": &*state.licence,
        "count": count,
        "formats": {
            "csv": "/api/v1/export.csv",
            "geojson": "/api/v1/export.geojson",
        },
    }))
}

/// Every toilet on the map as CSV (UTF-8 with a byte-order mark), in the
/// columns `gongce import` reads; text cells that a spreadsheet would run
/// as formulas are escaped with a leading `'`.
#[utoipa::path(get, path = "/api/v1/export.csv", tag = "open data",
    responses((status = 200, content_type = "text/csv", description = "the toilets; the licence is in the Link header")))]
async fn csv(State(state): State<AppState>) -> Result<Response, ApiError> {
    export(state, ExportFormat::Csv).await
}

/// Every toilet on the map as a GeoJSON FeatureCollection; `licence` holds
/// the terms and the attribution.
#[utoipa::path(get, path = "/api/v1/export.geojson", tag = "open data",
    responses((status = 200, content_type = "application/geo+json", description = "the toilets")))]
async fn geojson(State(state): State<AppState>) -> Result<Response, ApiError> {
    export(state, ExportFormat::Geojson).await
}

/// Exports rendered once per state of the index and shared: each is
/// written to a file by one task (at most [`RENDERS`] at once) and every
/// request for that state streams the file, so memory stays small however
/// many download it, and a render goes on when its first requester leaves.
pub struct Exports {
    dir: tempfile::TempDir,
    latest: std::sync::Mutex<Vec<Rendering>>,
    renders: Arc<tokio::sync::Semaphore>,
    rendered: std::sync::atomic::AtomicUsize,
}

/// How many exports may be rendered at once.
const RENDERS: usize = 2;

type Render = futures_util::future::Shared<
    futures_util::future::BoxFuture<'static, Result<Arc<std::path::PathBuf>, String>>,
>;

struct Rendering {
    format: ExportFormat,
    generation: u64,
    file: Render,
}

impl Exports {
    pub fn new() -> std::io::Result<Exports> {
        Ok(Exports {
            dir: tempfile::Builder::new()
                .prefix("gongce-exports")
                .tempdir()?,
            latest: Default::default(),
            renders: Arc::new(tokio::sync::Semaphore::new(RENDERS)),
            rendered: Default::default(),
        })
    }

    /// How many exports this server has rendered (for tests).
    pub fn rendered(&self) -> usize {
        self.rendered.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The file of `format` for the index as it is now: rendered by the
    /// first request since the index changed, awaited by the others.
    async fn file(
        self: &Arc<Self>,
        state: &AppState,
        format: ExportFormat,
    ) -> Result<Arc<std::path::PathBuf>, String> {
        let generation = state.index.read().expect("index lock").generation();
        let file = {
            let mut latest = self.latest.lock().expect("exports lock");
            match latest
                .iter()
                .find(|r| r.format == format && r.generation == generation)
            {
                Some(r) => r.file.clone(),
                None => {
                    let file = self.render(state, format, generation);
                    latest.retain(|r| r.format != format);
                    latest.push(Rendering {
                        format,
                        generation,
                        file: file.clone(),
                    });
                    file
                }
            }
        };
        file.await
    }

    fn render(self: &Arc<Self>, state: &AppState, format: ExportFormat, generation: u64) -> Render {
        use futures_util::FutureExt as _;
        let (exports, index, licence) = (
            Arc::clone(self),
            Arc::clone(&state.index),
            Arc::clone(&state.licence),
        );
        let ext = match format {
            ExportFormat::Csv => "csv",
            _ => "geojson",
        };
        let task = tokio::spawn(async move {
            let _permit = exports.renders.acquire().await.map_err(|e| e.to_string())?;
            let path = exports.dir.path().join(format!("{generation}.{ext}"));
            let rendered =
                tokio::task::spawn_blocking(move || -> anyhow::Result<std::path::PathBuf> {
                    // One reference count per toilet under the lock; the writing after it.
                    let toilets = index.read().expect("index lock").all();
                    // Each format of a generation has its own part file.
                    let part = path.with_extension(format!("{ext}.part"));
                    let file =
                        std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&part)?);
                    import::export(&toilets, format, &licence, file)?;
                    std::fs::rename(&part, &path)?;
                    Ok(path)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("{e:#}"))?;
            exports
                .rendered
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Older renderings of this format go (a request streaming one
            // keeps reading it: an open file outlives its name).
            if let Ok(dir) = std::fs::read_dir(exports.dir.path()) {
                for old in dir.flatten() {
                    let path = old.path();
                    let older = path.extension().is_some_and(|e| e == ext)
                        && path
                            .file_stem()
                            .and_then(|s| s.to_str()?.parse::<u64>().ok())
                            .is_some_and(|g| g < generation);
                    if older {
                        let _ = std::fs::remove_file(path);
                    }
                }
            }
            Ok(Arc::new(rendered))
        });
        async move { task.await.map_err(|e| e.to_string())? }
            .boxed()
            .shared()
    }
}

/// How long an export request may wait for its rendering (once rendered,
/// a state's file is served at once to every request).
pub const RENDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

async fn export(state: AppState, format: ExportFormat) -> Result<Response, ApiError> {
    let exports = Arc::clone(&state.exports);
    // A newer rendering may remove the file between its rendering and the
    // opening here; then the newer one is served.
    let mut tries = 0;
    let file = loop {
        let path = exports
            .file(&state, format)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("cannot render the export: {e}")))?;
        match tokio::fs::File::open(&*path).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < 3 => tries += 1,
            opened => break opened.map_err(|e| ApiError::internal(e.into()))?,
        }
    };
    let length = file.metadata().await.map(|m| m.len()).ok();
    let body =
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 1 << 16));
    let (content_type, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "gongce-toilets.csv"),
        _ => ("application/geo+json", "gongce-toilets.geojson"),
    };
    let link = format!("<{}>; rel=\"license\"", state.licence.url);
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::LINK, link),
        ],
        body,
    )
        .into_response();
    if let Some(length) = length {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, length.into());
    }
    Ok(response)
}
