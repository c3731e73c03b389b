//! Security headers on every response.
//!
//! The web app's files get a Content-Security-Policy that allows no inline
//! script and no markup-borne style, WebAssembly compilation, images from
//! this server, `data:` and the configured tile hosts only, and
//! connections to this server only; the API documentation (`/api/docs`)
//! gets the same without WebAssembly and tiles; the API (JSON, downloads)
//! gets `default-src 'none'`. Every response is
//! `nosniff`, sends no more than its origin as a referrer (a resident's
//! position is never in a referrer), and, behind HTTPS, asks browsers to
//! stay on HTTPS.

use axum::http::{HeaderMap, HeaderValue, header};

use super::{AppState, webapp::Tiles};
use crate::config::FrameAncestors;

/// The policy of everything that is not the app's page or script.
const LOCKED: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of the API documentation (Swagger UI): its own scripts,
/// styles and images (its icons are `data:` SVGs), requests to this
/// server only ("try it out"), never framed. Nothing inline but the one
/// `<style>` element its bundle adds, allowed by its hash (a new Swagger UI
/// with another one fails the browser test of /api/docs, which names the
/// new hash).
pub const DOCS: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The origins Leaflet will fetch tiles from: the URL template with each
/// subdomain put in for `{s}` (Leaflet's default `abc` when none is set).
pub fn tile_origins(tiles: &Tiles) -> Vec<String> {
    let subdomains: Vec<String> = if tiles.url.contains("{s}") {
        tiles
            .subdomains
            .as_deref()
            .unwrap_or("abc")
            .chars()
            .map(String::from)
            .collect()
    } else {
        vec![String::new()]
    };
    let mut origins = Vec::new();
    for s in subdomains {
        let mut url = tiles.url.replace("{s}", &s);
        for p in ["{z}", "{x}", "{y}", "{r}", "{-y}"] {
            url = url.replace(p, "0");
        }
        if let Ok(parsed) = reqwest::Url::parse(&url)
            && matches!(parsed.scheme(), "http" | "https")
            && parsed.host_str().is_some()
        {
            let origin = parsed.origin().ascii_serialization();
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    origins
}

/// The web app's Content-Security-Policy.
pub fn app_policy(tiles: &Tiles, frame_ancestors: &FrameAncestors) -> String {
    let mut img = vec!["'self'".to_owned(), "data:".to_owned()];
    img.extend(tile_origins(tiles));
    let frames = if frame_ancestors.0.is_empty() {
        "'none'".to_owned()
    } else {
        frame_ancestors.0.join(" ")
    };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src {}; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
         worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors {frames}",
        img.join(" ")
    )
}

/// Whether a request is for the web app's files (its page, scripts, the
/// service worker), rather than the API. Decided by path, not by the
/// answer's type: a `304 Not Modified` has no type, and browsers replace
/// the cached page's headers with its own.
fn is_app_file(path: &str) -> bool {
    !(path.starts_with("/api/") || path == "/healthz" || path == "/readyz")
}

/// The headers, worked out once when the router is built.
pub struct Headers {
    /// The web app's policy; None when no web app is served.
    app_policy: Option<HeaderValue>,
    deny_framing: bool,
    hsts: bool,
}

impl Headers {
    pub fn new(state: &AppState) -> Headers {
        Headers {
            app_policy: state.webapp.as_ref().map(|_| {
                HeaderValue::from_str(&app_policy(&state.tiles, &state.frame_ancestors))
                    .unwrap_or_else(|_| HeaderValue::from_static(LOCKED))
            }),
            deny_framing: state.frame_ancestors.0.is_empty(),
            hsts: state.secure_cookies,
        }
    }

    /// The headers of the answer to a request for `path`.
    pub fn stamp(&self, path: &str) -> Stamp {
        let policy = match &self.app_policy {
            _ if super::docs::is_docs(path) => HeaderValue::from_static(DOCS),
            Some(policy) if is_app_file(path) => policy.clone(),
            _ => HeaderValue::from_static(LOCKED),
        };
        Stamp {
            policy,
            deny_framing: self.deny_framing,
            hsts: self.hsts,
        }
    }
}

/// The security headers one answer gets, chosen by its request's path.
pub struct Stamp {
    policy: HeaderValue,
    deny_framing: bool,
    hsts: bool,
}

impl Stamp {
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(header::CONTENT_SECURITY_POLICY, self.policy.clone());
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        if self.deny_framing {
            // For browsers that predate frame-ancestors.
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        if self.hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use gongce_shared::Crs;

    use super::*;

    #[test]
    fn tile_hosts_are_listed_one_by_one() {
        let osm = Tiles::from_setting("osm", Crs::Wgs84, "").unwrap();
        assert_eq!(tile_origins(&osm), ["https://tile.openstreetmap.org"]);
        let amap = Tiles::from_setting("amap", Crs::Wgs84, "").unwrap();
        assert_eq!(
            tile_origins(&amap),
            [
                "https://webrd01.is.autonavi.com",
                "https://webrd02.is.autonavi.com",
                "https://webrd03.is.autonavi.com",
                "https://webrd04.is.autonavi.com"
            ]
        );
        let tdt = Tiles::from_setting("tianditu:KEY", Crs::Wgs84, "").unwrap();
        assert_eq!(tile_origins(&tdt).len(), 8);
        assert_eq!(tile_origins(&tdt)[0], "https://t0.tianditu.gov.cn");
        let own =
            Tiles::from_setting("http://127.0.0.1:9/{s}/{z}/{x}/{y}.png", Crs::Wgs84, "x").unwrap();
        assert_eq!(tile_origins(&own), ["http://127.0.0.1:9"]);
        let policy = app_policy(&osm, &FrameAncestors::default());
        assert!(
            policy.contains("img-src 'self' data: https://tile.openstreetmap.org;"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let framed = app_policy(
            &osm,
            &FrameAncestors(vec!["https://portal.example.gov.cn".into()]),
        );
        assert!(
            framed.ends_with("frame-ancestors https://portal.example.gov.cn"),
            "{framed}"
        );
    }
}
