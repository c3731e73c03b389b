//! The command line: every option also reads an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};
use gongce_shared::{Crs, TimeZone};

use crate::import::{ColumnMap, ExportFormat, Format};

/// Where the embedded store lives unless DATABASE_URL says otherwise.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:gongce.sqlite";

#[derive(Debug, Parser)]
#[command(name = "gongce", version, about = "Public-toilet map server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Import a toilet list (CSV, Excel or GeoJSON; WGS-84, GCJ-02 or BD-09) into the store.
    Import(ImportArgs),
    /// Write every toilet on the map as open data (CSV, GeoJSON or Excel).
    Export(ExportArgs),
    /// Manage organisations (居委会, 村委会, community hospitals, street offices).
    Org(OrgArgs),
    /// Manage who can sign in.
    User(UserArgs),
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
    /// How often to look for changes written by others (imports, other servers).
    #[arg(long, env = "GONGCE_SYNC_INTERVAL_MS", default_value_t = 1000)]
    pub sync_interval_ms: u64,
    #[command(flatten)]
    pub licence: LicenceArgs,
    /// Mark the session cookie Secure: set this when serving behind HTTPS.
    #[arg(long, env = "GONGCE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Behind a reverse proxy: take each client's address (for sign-in
    /// throttling) from the last X-Forwarded-For entry the proxy appends.
    #[arg(long, env = "GONGCE_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
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

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The file to import: .csv, .xlsx, .xls or .geojson.
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
    /// Read column COLUMN as FIELD (or `-` to ignore it); repeatable.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub maps: Vec<ColumnMap>,
    /// Time zone for rows that do not name one.
    #[arg(long, env = "GONGCE_TIMEZONE", default_value = "Asia/Shanghai")]
    pub timezone: TimeZone,
    /// Swap latitude and longitude where they are evidently swapped.
    #[arg(long)]
    pub fix_swapped: bool,
    /// Write the valid rows even when some are rejected (exit 0).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Mark this source's toilets that the list no longer has as removed.
    #[arg(long)]
    pub remove_missing: bool,
    /// Print the full report and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
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
