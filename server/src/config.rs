//! The command line: every option also reads an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{ArgAction, Args, Parser, Subcommand, builder::BoolishValueParser};
use gongce_shared::{Crs, TimeZone};

use crate::{
    import::{ColumnMap, ExportFormat, Format},
    net::Cidrs,
};

/// Where `/metrics` is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAt {
    Main,
    Off,
    Address(SocketAddr),
}

impl std::str::FromStr for MetricsAt {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "main" => Ok(MetricsAt::Main),
            "off" => Ok(MetricsAt::Off),
            _ => s.parse().map(MetricsAt::Address).map_err(|_| {
                format!("{s:?} is not main, off or an address such as 127.0.0.1:9464")
            }),
        }
    }
}

/// Where the index image is kept (`--index-image`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexImage {
    Off,
    At(PathBuf),
}

impl std::str::FromStr for IndexImage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "off" => Ok(IndexImage::Off),
            "" => Err("give a file's path, or off".to_owned()),
            path => Ok(IndexImage::At(PathBuf::from(path))),
        }
    }
}

/// The index image's default place: beside the SQLite file, `.index` added.
pub fn image_beside(sqlite_file: &std::path::Path) -> PathBuf {
    let mut name = sqlite_file.as_os_str().to_owned();
    name.push(".index");
    PathBuf::from(name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the embedded store lives unless DATABASE_URL says otherwise.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:gongce.sqlite";

#[derive(Debug, Parser)]
#[command(name = "gongce", version, about = "Public-toilet map server")]
pub struct Cli {
    /// How log lines are written to standard error: `text` for people,
    /// `json` (one object per line) for log collectors.
    #[arg(
        long,
        env = "GONGCE_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Check the settings `serve` would run with (flags and GONGCE_…
    /// variables), print them, and exit without serving.
    CheckConfig(ServeArgs),
    /// Import a toilet list (CSV, Excel, GeoJSON, or OpenStreetMap as .osm.pbf or Overpass JSON; WGS-84, GCJ-02 or BD-09) into the store.
    Import(ImportArgs),
    /// Write every toilet on the map as open data (CSV, GeoJSON or Excel).
    Export(ExportArgs),
    /// Manage organisations (居委会, 村委会, community hospitals, street offices).
    Org(OrgArgs),
    /// Manage who can sign in.
    User(UserArgs),
    /// Copy a SQLite store to a new file while it is serving, and check the
    /// copy (PostgreSQL: use pg_dump).
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The new file (it must not exist yet).
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: sqlite:PATH (created with its schema on first use).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, env = "GONGCE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Where Prometheus metrics are served: `main` (at /metrics on the
    /// API's address), `off`, or an address of their own (`127.0.0.1:9464`:
    /// /metrics there, and not on the API's address).
    #[arg(long, env = "GONGCE_METRICS", default_value = "main")]
    pub metrics: MetricsAt,
    /// How often to look for changes written by others (imports, other servers).
    #[arg(long, env = "GONGCE_SYNC_INTERVAL_MS", default_value_t = 1000)]
    pub sync_interval_ms: u64,
    #[command(flatten)]
    pub licence: LicenceArgs,
    /// Mark the session cookie Secure and send Strict-Transport-Security:
    /// set this when serving behind HTTPS (true/false, 1/0, yes/no, on/off).
    #[arg(long, env = "GONGCE_SECURE_COOKIES", value_parser = BoolishValueParser::new(),
          action = ArgAction::Set, num_args = 0..=1, default_value = "false",
          default_missing_value = "true")]
    pub secure_cookies: bool,
    /// The reverse proxies in front of this server, as addresses or CIDRs
    /// (`10.0.0.0/8,::1`). X-Forwarded-For is read only from them, and the
    /// client is its rightmost hop that is not one of them.
    #[arg(long, env = "GONGCE_TRUSTED_PROXIES", default_value = "", value_parser = parse_cidrs)]
    pub trusted_proxies: Cidrs,
    /// Pages allowed to embed the web app in a frame (a city's portal),
    /// as CSP sources: `https://portal.example.gov.cn https://mp.weixin.qq.com`.
    /// Default: none.
    #[arg(long, env = "GONGCE_FRAME_ANCESTORS", default_value = "", value_parser = parse_frame_ancestors)]
    pub frame_ancestors: FrameAncestors,
    /// Networks webhooks may reach although they are not public (a city's
    /// own intranet receiver), as addresses or CIDRs. Default: none.
    #[arg(long, env = "GONGCE_WEBHOOK_ALLOW", default_value = "", value_parser = parse_cidrs)]
    pub webhook_allow: Cidrs,
    /// How many distinct networks (IPv4 /24, IPv6 /64) must report a toilet
    /// closed or gone before it shows as "reported closed".
    #[arg(long, env = "GONGCE_REPORTED_CLOSED_MIN", default_value_t = 3,
          value_parser = clap::value_parser!(i64).range(1..=100))]
    pub reported_closed_min: i64,
    /// Within how many hours of the latest such report they must come.
    #[arg(long, env = "GONGCE_REPORTED_CLOSED_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(i64).range(1..=24 * 30))]
    pub reported_closed_hours: i64,
    /// Days to keep webhook deliveries after they were delivered or given up on.
    #[arg(long, env = "GONGCE_KEEP_DELIVERIES_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub keep_deliveries_days: i64,
    /// Change-log entries to keep behind the newest (a replica further
    /// behind reloads everything).
    #[arg(long, env = "GONGCE_KEEP_CHANGE_LOG", default_value_t = 100_000,
          value_parser = clap::value_parser!(i64).range(20_000..))]
    pub keep_change_log: i64,
    /// API reads (GET, HEAD) each client may send: `20/s`, `600/min`, or
    /// `off` (benchmarks). Beyond it and the burst: 429 with Retry-After.
    #[arg(long, env = "GONGCE_READ_LIMIT", default_value = "20/s")]
    pub read_limit: crate::http::limit::ReadLimit,
    /// Reads a client may send at once above the rate.
    #[arg(long, env = "GONGCE_READ_BURST", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub read_burst: u32,
    /// The index image: the index as a file, written when the server stops
    /// and read when it starts, so that a restart reads one file instead of
    /// every toilet (the change log brings it up to date). A file's path, or
    /// `off`. Default: beside a SQLite store (`gongce.sqlite.index`); none on
    /// PostgreSQL unless given (a file of each replica's own).
    #[arg(long, env = "GONGCE_INDEX_IMAGE")]
    pub index_image: Option<IndexImage>,
    /// The built web app to serve at / (`cargo xtask webapp` writes webapp/dist).
    #[arg(long, env = "GONGCE_WEBAPP_DIR")]
    pub webapp_dir: Option<PathBuf>,
    /// Map tiles for the web app: osm, amap, tianditu:KEY, or a URL
    /// template such as https://tiles.example/{z}/{x}/{y}.png.
    #[arg(long, env = "GONGCE_TILES", default_value = "osm")]
    pub tiles: String,
    /// With a URL template: the tiles' coordinate system.
    #[arg(long, env = "GONGCE_TILES_CRS", default_value = "wgs84", value_parser = parse_crs)]
    pub tiles_crs: Crs,
    /// With a URL template: the attribution the tiles require.
    #[arg(long, env = "GONGCE_TILES_ATTRIBUTION", default_value = "")]
    pub tiles_attribution: String,
}

impl ServeArgs {
    /// Where this server keeps its index image, if anywhere, on a store
    /// whose SQLite file (if it is one) is `sqlite_file`.
    pub fn index_image_of(&self, sqlite_file: Option<&std::path::Path>) -> Option<PathBuf> {
        match &self.index_image {
            Some(IndexImage::Off) => None,
            Some(IndexImage::At(path)) => Some(path.clone()),
            None => sqlite_file.map(image_beside),
        }
    }

    /// What the retention task keeps.
    pub fn retention(&self) -> crate::store::retention::Retention {
        crate::store::retention::Retention {
            deliveries: chrono::Duration::days(self.keep_deliveries_days),
            change_log: self.keep_change_log,
            ..Default::default()
        }
    }

    /// The "reported closed" rule these settings make.
    pub fn crowd(&self) -> crate::store::Crowd {
        crate::store::Crowd {
            min: self.reported_closed_min,
            window: chrono::Duration::hours(self.reported_closed_hours),
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The file to import: .csv, .xlsx, .xls, .geojson, .osm.pbf, or Overpass JSON (.json).
    pub file: PathBuf,
    /// The name of the list's source; with each row's id it keys re-imports.
    /// Defaults to the file name without its extension.
    #[arg(long)]
    pub source: Option<String>,
    /// The file's format, when its name does not tell.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// A CSV file's text encoding (utf-8, gbk, gb18030, big5 …); detected when left out.
    #[arg(long, value_parser = parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The Excel sheet to read, by name or number from 1 (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// The coordinate system of the file's coordinates.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    pub crs: Crs,
    /// Read column COLUMN as FIELD (or `-` to ignore it); repeatable. `COLUMN=FIELD:true-means-yes`
    /// reads a yes/no column whose "no" only means "not recorded": its no is left unknown.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub maps: Vec<ColumnMap>,
    /// Time zone for rows that do not name one (default: the zone at each
    /// row's position).
    #[arg(long, env = "GONGCE_TIMEZONE")]
    pub timezone: Option<TimeZone>,
    /// Swap latitude and longitude where they are evidently swapped.
    #[arg(long)]
    pub fix_swapped: bool,
    /// Write the valid rows even when some are rejected (exit 0).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Mark this source's toilets that the list no longer has as removed.
    #[arg(long)]
    pub remove_missing: bool,
    /// The day (YYYY-MM-DD) the list's publisher checked the rows it marks verified (Australia's
    /// Status=Verified): they are last verified then.
    #[arg(long, value_name = "DATE")]
    pub checked_on: Option<chrono::NaiveDate>,
    /// Print the full report and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

fn parse_cidrs(s: &str) -> Result<Cidrs, String> {
    s.parse()
}

/// Sources that may frame the web app (CSP `frame-ancestors`); empty: none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameAncestors(pub Vec<String>);

fn parse_frame_ancestors(s: &str) -> Result<FrameAncestors, String> {
    let mut out = Vec::new();
    for part in s
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let ok = part == "'self'"
            || ((part.starts_with("https://") || part.starts_with("http://"))
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:/*".contains(c))
                && !part.ends_with("://"));
        if !ok {
            return Err(format!(
                "invalid frame ancestor {part:?}: expected 'self' or an origin such as https://portal.example.gov.cn"
            ));
        }
        out.push(part.to_owned());
    }
    Ok(FrameAncestors(out))
}

fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    encoding_rs::Encoding::for_label(s.trim().as_bytes())
        .ok_or_else(|| format!("unknown encoding {s:?}: try utf-8, gbk, gb18030 or big5"))
}

fn parse_crs(s: &str) -> Result<Crs, String> {
    s.parse()
        .map_err(|e: gongce_shared::crs::UnknownCrs| e.to_string())
}

/// The terms exports are published under.
#[derive(Debug, Args)]
pub struct LicenceArgs {
    /// The data licence, as an SPDX id or name.
    #[arg(long, env = "GONGCE_DATA_LICENCE", default_value = "CC-BY-4.0")]
    pub licence: String,
    #[arg(
        long,
        env = "GONGCE_DATA_LICENCE_URL",
        default_value = "https://creativecommons.org/licenses/by/4.0/"
    )]
    pub licence_url: String,
    /// Who to credit.
    #[arg(
        long,
        env = "GONGCE_DATA_ATTRIBUTION",
        default_value = "gongce contributors and the sources named in each record"
    )]
    pub attribution: String,
}

impl LicenceArgs {
    pub fn licence(&self) -> crate::import::Licence {
        crate::import::Licence {
            name: self.licence.clone(),
            url: self.licence_url.clone(),
            attribution: self.attribution.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub licence: LicenceArgs,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,
    /// Where to write (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: OrgCommand,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation.
    Add {
        #[arg(long)]
        name: String,
        /// residents_committee (居委会), village_committee (村委会),
        /// community_hospital (社区医院), street_office (街道办) or other.
        #[arg(long, value_parser = parse_kind)]
        kind: gongce_shared::accounts::OrgKind,
        #[arg(long)]
        street: Option<String>,
        #[arg(long)]
        district: Option<String>,
    },
    /// List the organisations.
    List,
    /// Disable an organisation: its members can no longer sign in.
    Disable { name: String },
}

fn parse_kind(s: &str) -> Result<gongce_shared::accounts::OrgKind, String> {
    s.parse()
        .map_err(|e: gongce_shared::ParseError| format!("{:?}: {}", e.value, e.reason))
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// The organisation, by name (required for committee members).
        #[arg(long)]
        org: Option<String>,
        #[arg(long, value_parser = parse_role)]
        role: gongce_shared::accounts::Role,
    },
    /// List the users.
    List,
    /// Disable a user and end their sessions.
    Disable { username: String },
    /// Set a user's password (read from standard input) and end their sessions.
    Password { username: String },
}

fn parse_role(s: &str) -> Result<gongce_shared::accounts::Role, String> {
    s.parse()
        .map_err(|e: gongce_shared::ParseError| format!("{:?}: {}", e.value, e.reason))
}
