//! The web app's files, served from memory. They come built into the
//! binary (the `embedded-webapp` feature, which `cargo xtask dist` and
//! `cargo xtask run` turn on) or are read once at start from
//! `--webapp-dir`, which wins when both are there: one way of serving for
//! both, so the tests of one are tests of the other.
//!
//! `cargo xtask webapp` writes a Brotli (`.br`) and a gzip (`.gz`) copy next
//! to every file that gains from one; a request gets the smallest its
//! `Accept-Encoding` allows. The names carry no content hash, so every
//! answer says `Cache-Control: no-cache` with a strong `ETag` (a SHA-256
//! of the file, one per encoding): a browser revalidates and mostly hears
//! `304 Not Modified`, and an upgrade is seen on the next load. (The
//! service worker keeps the app working offline.)

use std::{borrow::Cow, collections::HashMap, path::Path};

use axum::body::Bytes;

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse as _, Response},
};
use sha2::Digest as _;

use super::error::ApiError;

/// The web app: its files by path (no leading slash).
pub struct Assets {
    files: HashMap<String, Asset>,
    /// Where they came from, for `check-config` and the start-up line.
    pub origin: String,
}

struct Asset {
    content_type: HeaderValue,
    /// Identity first, then the precompressed copies there are.
    variants: Vec<Variant>,
}

struct Variant {
    /// None for the file itself.
    encoding: Option<&'static str>,
    data: Bytes,
    etag: HeaderValue,
}

/// The precompressed copies' suffixes, best first.
const ENCODINGS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

impl Assets {
    /// The files under `dir`, read now (`--webapp-dir`).
    pub fn from_dir(dir: &Path) -> anyhow::Result<Assets> {
        use anyhow::Context as _;
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(at) = stack.pop() {
            let entries = std::fs::read_dir(&at)
                .with_context(|| format!("cannot read the web app in {}", at.display()))?;
            for entry in entries {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path
                    .strip_prefix(dir)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let data = std::fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                files.push((name, Bytes::from(data)));
            }
        }
        Assets::new(files, dir.display().to_string())
    }

    /// The files built into this binary, if it was built with them.
    pub fn embedded() -> Option<Assets> {
        #[cfg(feature = "embedded-webapp")]
        {
            #[derive(rust_embed::RustEmbed)]
            #[folder = "../webapp/dist"]
            struct Dist;
            let files = Dist::iter().filter_map(|name| {
                let file = Dist::get(&name)?;
                let data = match file.data {
                    Cow::Borrowed(data) => Bytes::from_static(data),
                    Cow::Owned(data) => Bytes::from(data),
                };
                Some((name.into_owned(), data))
            });
            Assets::new(files.collect(), "built into this binary".to_owned()).ok()
        }
        #[cfg(not(feature = "embedded-webapp"))]
        None
    }

    fn new(files: Vec<(String, Bytes)>, origin: String) -> anyhow::Result<Assets> {
        let mut all: HashMap<String, Bytes> = files.into_iter().collect();
        if !all.contains_key("index.html") {
            anyhow::bail!(
                "no web app in {origin} (no index.html): build it with `cargo xtask webapp`"
            );
        }
        let names: Vec<String> = all
            .keys()
            .filter(|name| {
                // A copy is a variant of its original, not a file of its own.
                !ENCODINGS.iter().any(|(_, suffix)| {
                    name.strip_suffix(suffix)
                        .is_some_and(|original| all.contains_key(original))
                })
            })
            .cloned()
            .collect();
        let mut files = HashMap::with_capacity(names.len());
        for name in names {
            let data = all.remove(&name).expect("listed");
            let content_type = mime_guess::from_path(&name)
                .first_raw()
                .map_or("application/octet-stream", |t| t)
                .to_owned();
            let content_type =
                if content_type.starts_with("text/") || content_type == "application/javascript" {
                    format!("{content_type}; charset=utf-8")
                } else {
                    content_type
                };
            let mut variants = vec![variant(None, data)];
            for (encoding, suffix) in ENCODINGS {
                if let Some(data) = all.remove(&format!("{name}{suffix}")) {
                    variants.push(variant(Some(encoding), data));
                }
            }
            files.insert(
                name,
                Asset {
                    content_type: HeaderValue::from_str(&content_type)?,
                    variants,
                },
            );
        }
        Ok(Assets { files, origin })
    }

    /// The answer to a request for `uri`: the file in the best encoding
    /// the client takes, `304` when it has that already, `404` for no file.
    pub fn answer(&self, method: &Method, uri: &Uri, request: &HeaderMap) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "the web app's files are only read (GET, HEAD)",
            )
            .into_response();
        }
        let path = uri.path().trim_start_matches('/');
        let path = if path.is_empty() || path.ends_with('/') {
            Cow::Owned(format!("{path}index.html"))
        } else {
            Cow::Borrowed(path)
        };
        let Some(asset) = self.files.get(path.as_ref()) else {
            return ApiError::not_found("no such file").into_response();
        };
        let accepted = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let chosen = asset
            .variants
            .iter()
            .filter(|v| v.encoding.is_none_or(|e| accepts(accepted, e)))
            .min_by_key(|v| v.data.len())
            .expect("the file itself is always a variant");
        let mut response = if request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| matches(tags, &chosen.etag))
        {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(Body::from(chosen.data.clone()));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, asset.content_type.clone());
            if let Some(encoding) = chosen.encoding {
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            r
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, chosen.etag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if asset.variants.len() > 1 {
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        response
    }
}

fn variant(encoding: Option<&'static str>, data: Bytes) -> Variant {
    let hash = sha2::Sha256::digest(&data);
    let hex: String = hash[..12].iter().map(|b| format!("{b:02x}")).collect();
    let etag = match encoding {
        None => format!("\"{hex}\""),
        Some(e) => format!("\"{hex}-{e}\""),
    };
    Variant {
        encoding,
        data,
        etag: HeaderValue::from_str(&etag).expect("hex is a header value"),
    }
}

/// Whether an `Accept-Encoding` value takes `encoding` (named, or `*`, and
/// not with `q=0`).
fn accepts(accepted: &str, encoding: &str) -> bool {
    accepted.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (name.eq_ignore_ascii_case(encoding) || name == "*") && !refused
    })
}

/// Whether an `If-None-Match` value names `etag` (or is `*`); a weak
/// validator matches too, as the weak comparison says.
fn matches(tags: &str, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or("");
    tags.trim() == "*"
        || tags
            .split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Assets {
        Assets::new(
            vec![
                ("index.html".into(), Bytes::from_static(b"<!doctype html>")),
                ("app.wasm".into(), Bytes::from_static(&[0u8; 64])),
                ("app.wasm.br".into(), Bytes::from_static(&[1u8; 8])),
                ("app.wasm.gz".into(), Bytes::from_static(&[2u8; 12])),
                ("vendor/images/a.png".into(), Bytes::from_static(&[3u8; 5])),
                // A file that only looks like a copy: its original is absent.
                ("notes.gz".into(), Bytes::from_static(&[4u8; 5])),
            ],
            "test".into(),
        )
        .unwrap()
    }

    fn get(assets: &Assets, path: &str, headers: &[(&'static str, &str)]) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        assets.answer(&Method::GET, &path.parse().unwrap(), &map)
    }

    #[test]
    fn the_smallest_accepted_encoding_with_its_own_etag() {
        let assets = app();
        let br = get(
            &assets,
            "/app.wasm",
            &[("accept-encoding", "gzip, deflate, br")],
        );
        assert_eq!(br.headers()["content-encoding"], "br");
        assert_eq!(br.headers()["content-type"], "application/wasm");
        assert_eq!(br.headers()["vary"], "accept-encoding");
        assert_eq!(br.headers()["cache-control"], "no-cache");
        let gz = get(&assets, "/app.wasm", &[("accept-encoding", "gzip, br;q=0")]);
        assert_eq!(gz.headers()["content-encoding"], "gzip");
        let plain = get(&assets, "/app.wasm", &[]);
        assert!(plain.headers().get("content-encoding").is_none());
        let tags: std::collections::HashSet<_> = [&br, &gz, &plain]
            .iter()
            .map(|r| r.headers()["etag"].clone())
            .collect();
        assert_eq!(tags.len(), 3, "one validator per encoding");
        // Revalidation: the same tag is 304, another encoding's is not.
        let etag = br.headers()["etag"].to_str().unwrap().to_owned();
        let again = get(
            &assets,
            "/app.wasm",
            &[("accept-encoding", "br"), ("if-none-match", &etag)],
        );
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other = get(&assets, "/app.wasm", &[("if-none-match", &etag)]);
        assert_eq!(other.status(), StatusCode::OK);
    }

    #[test]
    fn paths_index_types_and_misses() {
        let assets = app();
        let index = get(&assets, "/", &[]);
        assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
        assert!(index.headers().get("vary").is_none());
        assert_eq!(
            get(&assets, "/vendor/images/a.png", &[]).headers()["content-type"],
            "image/png"
        );
        assert_eq!(get(&assets, "/notes.gz", &[]).status(), StatusCode::OK);
        for miss in ["/nope.js", "/app.wasm.br", "/../Cargo.toml", "/vendor/"] {
            assert_eq!(
                get(&assets, miss, &[]).status(),
                StatusCode::NOT_FOUND,
                "{miss}"
            );
        }
        let post = assets.answer(&Method::POST, &"/".parse().unwrap(), &HeaderMap::new());
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn an_app_without_its_page_is_refused() {
        let err = Assets::new(vec![("a.js".into(), Bytes::from_static(b"x"))], "d".into());
        assert!(err.err().unwrap().to_string().contains("index.html"));
    }
}
