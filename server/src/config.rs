//! The command line: every option also reads an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};
use gongce_shared::TimeZone;

use crate::import::Format;

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
    /// Import a toilet list (CSV or GeoJSON, UTF-8, WGS-84) into the store.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: sqlite:PATH (created with its schema on first use).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
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
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The file to import.
    pub file: PathBuf,
    /// The name of the list's source; with each row's id it keys re-imports.
    /// Defaults to the file name without its extension.
    #[arg(long)]
    pub source: Option<String>,
    /// The file's format, when its name does not tell.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Time zone for rows that do not name one.
    #[arg(long, env = "GONGCE_TIMEZONE", default_value = "Asia/Shanghai")]
    pub timezone: TimeZone,
    /// Write the valid rows even when some are rejected (exit 0).
    #[arg(long)]
    pub skip_invalid: bool,
}
