//! Imports over HTTP, for the admin page: upload a list and read the dry
//! run's report, then commit that same upload.
//!
//! `POST /api/v1/imports?source=…&…` takes the file as the raw request
//! body, keeps it beside the store under `uploads/`, and answers the dry
//! run's report with an `import_id`; `POST /api/v1/imports/{id}/commit`
//! imports the kept file with the same options and answers the report of
//! the real import. The options are the command line's, as query
//! parameters. Uploads not committed are deleted after a day.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use axum::{
    Json, Router,
    body::Body,
    extract::{Path as UrlPath, RawQuery, State},
    routing::post,
};
use futures_util::TryStreamExt as _;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt as _;

use super::{AppState, auth::Caller, error::ApiError};
use crate::import::{self, ColumnMap, Format, Report};

/// The largest list accepted (1M rows of a wide CSV is about 300 MB).
pub const UPLOAD_LIMIT_BYTES: usize = 512 * 1024 * 1024;
/// How long an import over HTTP may take, upload included.
pub const IMPORT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Uploads not committed within this are deleted.
const KEEP_UPLOADS: Duration = Duration::from_secs(24 * 3600);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/imports", post(upload))
        .route("/api/v1/imports/{id}/commit", post(commit))
}

/// The import's options as sent, kept with the upload.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Params {
    source: String,
    filename: String,
    format: Option<String>,
    encoding: Option<String>,
    sheet: Option<String>,
    crs: Option<String>,
    timezone: Option<String>,
    maps: Vec<String>,
    fix_swapped: bool,
    skip_invalid: bool,
    remove_missing: bool,
    #[serde(default)]
    checked_on: Option<String>,
}

fn flag(param: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "" | "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ApiError::invalid_parameter(
            param,
            value,
            "expected true or false",
        )),
    }
}

impl Params {
    fn from_query(query: &str) -> Result<Params, ApiError> {
        let mut p = Params::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "source" => p.source = value,
                "filename" => p.filename = value,
                "format" => p.format = Some(value),
                "encoding" => p.encoding = Some(value),
                "sheet" => p.sheet = Some(value),
                "crs" => p.crs = Some(value),
                "timezone" => p.timezone = Some(value),
                "map" => p.maps.push(value),
                "fix_swapped" => p.fix_swapped = flag("fix_swapped", &value)?,
                "skip_invalid" => p.skip_invalid = flag("skip_invalid", &value)?,
                "remove_missing" => p.remove_missing = flag("remove_missing", &value)?,
                "checked_on" => p.checked_on = Some(value),
                other => {
                    return Err(ApiError::bad_request(
                        "unknown_parameter",
                        format!(
                            "unknown parameter `{other}`: expected source, filename, format, \
                             encoding, sheet, crs, timezone, map, fix_swapped, skip_invalid, \
                             remove_missing, checked_on"
                        ),
                    )
                    .at(other, None));
                }
            }
        }
        if p.source.trim().is_empty() {
            return Err(ApiError::bad_request(
                "missing_parameter",
                "`source` is required: the list's name, which keys re-imports",
            )
            .at("source", Some(&p.source)));
        }
        p.options(false)?;
        Ok(p)
    }

    fn format(&self) -> Result<Format, ApiError> {
        use clap::ValueEnum as _;
        match &self.format {
            Some(f) => Format::from_str(f, true).map_err(|_| {
                ApiError::invalid_parameter("format", f, "expected csv, xlsx, xls, geojson or osm")
            }),
            None => Format::from_path(Path::new(&self.filename)).ok_or_else(|| {
                ApiError::invalid_parameter(
                    "filename",
                    &self.filename,
                    "cannot tell the format: name the file .csv, .xlsx, .xls, .geojson or .osm.pbf, or give `format`",
                )
            }),
        }
    }

    fn options(&self, dry_run: bool) -> Result<import::Options, ApiError> {
        let mut options = import::Options::new(self.source.trim());
        options.format = Some(self.format()?);
        if let Some(e) = &self.encoding {
            options.encoding = Some(
                encoding_rs::Encoding::for_label(e.trim().as_bytes()).ok_or_else(|| {
                    ApiError::invalid_parameter("encoding", e, "try utf-8, gbk, gb18030 or big5")
                })?,
            );
        }
        options.sheet = self.sheet.clone();
        if let Some(c) = &self.crs {
            options.crs = c
                .parse()
                .map_err(|e| ApiError::invalid_parameter("crs", c, e))?;
        }
        if let Some(tz) = &self.timezone {
            options.timezone = Some(tz.parse().map_err(|e: gongce_shared::ParseError| {
                ApiError::invalid_parameter("timezone", tz, e.reason)
            })?);
        }
        options.maps = self
            .maps
            .iter()
            .map(|m| {
                m.parse::<ColumnMap>()
                    .map_err(|e| ApiError::invalid_parameter("map", m, e))
            })
            .collect::<Result<_, _>>()?;
        options.fix_swapped = self.fix_swapped;
        options.skip_invalid = self.skip_invalid;
        options.remove_missing = self.remove_missing;
        if let Some(day) = &self.checked_on {
            options.checked_on = Some(day.trim().parse().map_err(|_| {
                ApiError::invalid_parameter("checked_on", day, "expected a date: 2016-06-30")
            })?);
        }
        options.dry_run = dry_run;
        Ok(options)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadReply {
    /// Commit this upload with `POST /api/v1/imports/{import_id}/commit`.
    import_id: String,
    /// The dry run's report: columns, issues, counts.
    #[schema(value_type = Object)]
    report: Report,
}

/// Beside a SQLite store; for PostgreSQL in the temporary folder (a
/// replica's own: the deployment guide routes imports to one replica).
fn uploads_dir(state: &AppState) -> PathBuf {
    uploads_dir_of(&state.store)
}

/// Where `store`'s uploads are kept.
pub(crate) fn uploads_dir_of(store: &crate::store::Store) -> PathBuf {
    match store.sqlite_file() {
        Some(file) => file.parent().unwrap_or(Path::new(".")).join("uploads"),
        None => std::env::temp_dir().join("gongce-uploads"),
    }
}

/// Runs the import on a blocking thread; a bad file is the caller's 400.
async fn run(
    file: PathBuf,
    state: &AppState,
    mut options: import::Options,
) -> Result<Report, ApiError> {
    options.now = state.now();
    let store = state.store.import_target();
    let started = std::time::Instant::now();
    let stage = if options.dry_run { "dry_run" } else { "commit" };
    let result = tokio::task::spawn_blocking(move || import::run(&file, &store, &options))
        .await
        .map_err(|e| ApiError::internal(e.into()))?;
    // Counted: every import over the API, its rows and how long it took.
    let outcome = match &result {
        Ok(r) if r.written => "written",
        Ok(_) => "not_written",
        Err(_) => "failed",
    };
    metrics::counter!("gongce_imports_total", "stage" => stage, "outcome" => outcome).increment(1);
    if let Ok(r) = &result {
        metrics::counter!("gongce_import_rows_total", "stage" => stage)
            .increment(r.counts.read as u64);
    }
    metrics::histogram!("gongce_import_duration_seconds", "stage" => stage)
        .record(started.elapsed().as_secs_f64());
    result.map_err(|e| ApiError::bad_request("invalid_file", format!("{e:#}")))
}

/// Uploads a list and answers the dry run's report (admins). The body is
/// the file itself; the query holds the options: `source` (required),
/// `filename` or `format`, `encoding`, `sheet`, `crs`, `timezone`, `map`
/// (repeatable, `COLUMN=FIELD`), `fix_swapped`, `skip_invalid`, `remove_missing`, `checked_on`
/// (the day the publisher checked the rows it marks verified).
#[utoipa::path(post, path = "/api/v1/imports", tag = "accounts",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = UploadReply),
        (status = 400, description = "a bad option or an unreadable file; the message says which"),
        (status = 401), (status = 403),
    ))]
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Json<UploadReply>, ApiError> {
    caller.require_admin()?;
    let params = Params::from_query(query.as_deref().unwrap_or(""))?;
    let dir = uploads_dir(&state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ApiError::internal(e.into()))?;
    forget_old_uploads(&dir).await;
    let id = crate::auth::new_token();
    let ext = params.format()?.extension();
    let file = dir.join(format!("{id}.{ext}"));
    let mut out = tokio::fs::File::create(&file)
        .await
        .map_err(|e| ApiError::internal(e.into()))?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| ApiError::bad_request("invalid_body", format!("the upload broke off: {e}")))?
    {
        out.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal(e.into()))?;
    }
    out.flush()
        .await
        .map_err(|e| ApiError::internal(e.into()))?;
    drop(out);
    tokio::fs::write(
        dir.join(format!("{id}.json")),
        serde_json::to_vec(&params).expect("params serialise"),
    )
    .await
    .map_err(|e| ApiError::internal(e.into()))?;
    let mut report = run(file, &state, params.options(true)?).await?;
    report.file = params.filename.clone();
    tracing::info!(user = caller.user.id, source = %params.source, read = report.counts.read, "import checked");
    Ok(Json(UploadReply {
        import_id: id,
        report,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommitReply {
    /// The real import's report; `written` says whether the store changed.
    #[schema(value_type = Object)]
    report: Report,
}

/// Imports an upload checked before, with the options it was checked
/// with (admins). The running servers serve it within seconds.
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "accounts",
    params(("id" = String, Path, description = "the upload's import_id")),
    responses(
        (status = 200, body = CommitReply),
        (status = 401), (status = 403),
        (status = 404, description = "no such upload (committed already, or older than a day)"),
    ))]
async fn commit(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<CommitReply>, ApiError> {
    caller.require_admin()?;
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let dir = uploads_dir(&state);
    let params_file = dir.join(format!("{id}.json"));
    let not_found = || ApiError::not_found(format!("no upload {id:?}: upload the list again"));
    if !valid {
        return Err(not_found());
    }
    let params: Params = match tokio::fs::read(&params_file).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.into()))?,
        Err(_) => return Err(not_found()),
    };
    // Claim the upload, so that it is committed once.
    let claimed = dir.join(format!("{id}.committing"));
    if tokio::fs::rename(&params_file, &claimed).await.is_err() {
        return Err(not_found());
    }
    let ext = params.format()?.extension();
    let file = dir.join(format!("{id}.{ext}"));
    let result = run(file.clone(), &state, params.options(false)?).await;
    let _ = tokio::fs::remove_file(&file).await;
    let _ = tokio::fs::remove_file(&claimed).await;
    let mut report = result?;
    report.file = params.filename.clone();
    // Served at once by this server (others follow the log as usual).
    if report.written
        && let Some(sync) = &state.sync
        && let Err(e) = crate::sync::sync_now(&state.store, &state.index, sync).await
    {
        tracing::warn!("the import is written; the index follows it later: {e:#}");
    }
    tracing::info!(
        user = caller.user.id,
        source = %params.source,
        written = report.written,
        inserted = report.counts.inserted,
        updated = report.counts.updated,
        "import committed"
    );
    Ok(Json(CommitReply { report }))
}

/// Deletes uploads older than a day (their dry runs can no longer be committed).
pub(crate) async fn forget_old_uploads(dir: &Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let now = SystemTime::now();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > KEEP_UPLOADS);
        if old {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}
