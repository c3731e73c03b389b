//! The store in a SQLite file: one process serves a city from it.
//!
//! (The importer checks and merges a list in its scratch database,
//! `import::staging`; [`import`] compares it with the store and writes it.)
//!
//! Everything but bulk reads goes through sqlx, most of it written once for
//! both stores in `store/` (writes begin `IMMEDIATE`: SQLite has one
//! writer). Reading many toilet rows goes through rusqlite on the same
//! SQLite library ([`read`]): sqlx-sqlite hands rows one by one across a
//! worker thread, 10.5 s for 1M rows here, against 0.64 s for a plain
//! statement loop.

pub mod import;
mod read;
pub mod reports;

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use super::Snapshot;
use anyhow::Context as _;
use gongce_shared::{Toilet, ToiletId};
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

#[derive(Clone)]
pub struct Sqlite {
    pool: SqlitePool,
    /// The database file, for the bulk readers in [`read`].
    path: Arc<Path>,
    pub(super) clock: crate::clock::Clock,
    pub(super) crowd: super::Crowd,
}

/// The file a `sqlite:` URL names, without opening it.
pub fn sqlite_path(url: &str) -> anyhow::Result<std::path::PathBuf> {
    Ok(sqlite_options(url)?.1)
}

fn sqlite_options(url: &str) -> anyhow::Result<(SqliteConnectOptions, std::path::PathBuf)> {
    if super::is_postgres(url) {
        anyhow::bail!("{url:?} names a PostgreSQL database, not a SQLite file");
    }
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("invalid DATABASE_URL {url:?}: expected sqlite:PATH"))?;
    let path = options.get_filename().to_path_buf();
    if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
        anyhow::bail!("invalid DATABASE_URL {url:?}: name a file, as in sqlite:gongce.sqlite");
    }
    Ok((options, path))
}

impl Sqlite {
    /// Opens (creating it if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> anyhow::Result<Sqlite> {
        let (options, path) = sqlite_options(url)?;
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let path: Arc<Path> = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database {url:?}"))?;
        migrator()
            .run(&pool)
            .await
            .context("cannot bring the database schema up to date")?;
        Ok(Sqlite {
            pool,
            path,
            clock: crate::clock::system(),
            crowd: super::Crowd::default(),
        })
    }

    /// The sqlx pool, for operations written once for both stores.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// All toilets (removed ones too), and a log position read before them:
    /// following the log from there may re-apply a change the snapshot
    /// already holds, which is harmless, but never misses one.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let path = Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || read::snapshot(&path)).await?
    }

    /// The toilets with these ids that exist.
    pub async fn toilets(&self, ids: &[ToiletId]) -> anyhow::Result<Vec<Toilet>> {
        let path = Arc::clone(&self.path);
        let ids = ids.to_vec();
        tokio::task::spawn_blocking(move || read::by_ids(&path, &ids)).await?
    }
}

/// This binary's migrations. A database migrated further by a newer
/// release is opened, not refused: migrations only add (docs/DEPLOYMENT.md),
/// so an older replica restarting mid-upgrade keeps working.
fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.set_ignore_missing(true);
    migrator
}
