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

/// What a backup holds, read back from the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// Toilets on the map (not removed).
    pub toilets: i64,
    pub users: i64,
    /// The newest migration the copy has.
    pub schema: i64,
    pub bytes: u64,
}

/// Copies the SQLite store at `url` to the new file `to` while it may be
/// serving: `VACUUM INTO` over a read-only connection writes one consistent
/// snapshot (what the write-ahead log holds included) without blocking
/// writers or changing the store. The copy is made beside `to`, checked
/// (`PRAGMA integrity_check`, its counts) and only then given its name, so
/// `to` is never a half-written file.
pub async fn backup(url: &str, to: &Path) -> anyhow::Result<BackupSummary> {
    let (options, path) = sqlite_options(url)?;
    if !path.exists() {
        anyhow::bail!("there is no database at {}", path.display());
    }
    if to.exists() {
        anyhow::bail!("{} exists already: name a new file", to.display());
    }
    let partial = to.with_file_name(format!(
        ".{}.partial",
        to.file_name().and_then(|n| n.to_str()).unwrap_or("backup")
    ));
    let _ = std::fs::remove_file(&partial);
    let source = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            options
                .read_only(true)
                .busy_timeout(Duration::from_secs(30)),
        )
        .await
        .with_context(|| format!("cannot open the database {url:?}"))?;
    let copied = sqlx::query("VACUUM INTO ?1")
        .bind(partial.to_string_lossy().into_owned())
        .execute(&source)
        .await;
    source.close().await;
    copied.with_context(|| format!("cannot write the copy {}", partial.display()))?;
    let checked = check_copy(&partial).await;
    match checked {
        Ok(mut summary) => {
            std::fs::rename(&partial, to)
                .with_context(|| format!("cannot name the copy {}", to.display()))?;
            summary.bytes = std::fs::metadata(to)?.len();
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Reads a copy back: whole (`integrity_check` says ok), and what it holds.
async fn check_copy(copy: &Path) -> anyhow::Result<BackupSummary> {
    let options = SqliteConnectOptions::new().filename(copy).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let check = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await?;
        if integrity != "ok" {
            anyhow::bail!("the copy is damaged: {integrity}");
        }
        let (toilets, users, schema): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM toilets WHERE status != 'removed'),
                    (SELECT COUNT(*) FROM users),
                    (SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations)",
        )
        .fetch_one(&pool)
        .await?;
        Ok(BackupSummary {
            toilets,
            users,
            schema,
            bytes: 0,
        })
    }
    .await;
    pool.close().await;
    check
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
    pub async fn snapshot<K: super::Keep>(&self) -> anyhow::Result<Snapshot<K::Kept>> {
        let path = Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || read::snapshot::<K>(&path)).await?
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
