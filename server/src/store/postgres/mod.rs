//! The store in PostgreSQL, shared by several `gongce serve` replicas.
//!
//! The same tables as the SQLite store (`server/migrations/postgres`, same
//! versions), in PostgreSQL's types: booleans, `timestamptz`, identities.
//! Every transaction that writes toilets first takes one advisory lock
//! ([`TOILETS_LOCK`], also taken by the change-log trigger), so change-log
//! sequence numbers are drawn in commit order and a replica that has read up
//! to N never later finds a smaller N committed; and a version check inside
//! the transaction is a check against every replica's writes.
//!
//! Replicas learn of changes by LISTEN on [`CHANNEL`] (the trigger
//! notifies on commit) and read them from the change log ([`Postgres::listen`]).

pub mod import;
mod reports;
pub(crate) mod write;

use std::{str::FromStr, time::Duration};

use anyhow::Context as _;
use futures_util::TryStreamExt as _;
use gongce_shared::{Toilet, ToiletId};
use sqlx::{
    ConnectOptions as _, Connection as _, Executor as _, PgPool,
    postgres::{PgConnectOptions, PgListener, PgPoolOptions},
};

use super::{
    Parsed, Snapshot,
    toilet_row::{decode, decode_all, toilet_columns},
};

/// The channel the change-log trigger notifies on commit.
pub const CHANNEL: &str = "gongce_toilet_changes";

/// The advisory lock every writer of toilets holds until it commits (the
/// same number as in the change-log trigger, migration 0001).
pub(crate) const TOILETS_LOCK: i64 = 7_460_001;

#[derive(Clone)]
pub struct Postgres {
    pool: PgPool,
    pub(super) clock: crate::clock::Clock,
    pub(super) crowd: super::Crowd,
}

const SELECT_TOILETS: &str = concat!("SELECT ", toilet_columns!(), " FROM toilets");

impl Postgres {
    /// Connects; with `migrate`, brings the schema up to date (several
    /// replicas starting at once are safe: sqlx's migrator takes a lock).
    pub async fn open(url: &str, migrate: bool) -> anyhow::Result<Postgres> {
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("invalid DATABASE_URL {}", redact(url)))?
            .application_name("gongce")
            // An import's statements take seconds by design: not a warning.
            .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1))
            // Plan each statement for its values: a generic plan for
            // "seq > $1" guesses a third of the change log and scans it all
            // (7 ms a change at 1M rows, against 1 ms).
            .options([("plan_cache_mode", "force_custom_plan")]);
        // One connection first, for a clear error (the pool's would only
        // say it timed out).
        sqlx::PgConnection::connect_with(&options)
            .await
            .with_context(|| format!("cannot connect to {}", redact(url)))?
            .close()
            .await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot connect to {}", redact(url)))?;
        if migrate {
            migrator()
                .run(&pool)
                .await
                .context("cannot bring the database schema up to date")?;
        }
        Ok(Postgres {
            pool,
            clock: crate::clock::system(),
            crowd: super::Crowd::default(),
        })
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the schema is there (a dry run reads a database that may be empty).
    pub(crate) async fn has_schema(&self) -> anyhow::Result<bool> {
        Ok(
            sqlx::query_scalar::<_, bool>("SELECT to_regclass('toilets') IS NOT NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// A connection listening for change-log notifications.
    pub async fn listen(&self) -> anyhow::Result<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    /// All toilets (removed ones too) and the log position, as of one
    /// moment: read in a repeatable-read transaction whose snapshot is
    /// exported to one reader per core, each reading a range of ids.
    pub async fn snapshot<K: super::Keep>(&self) -> anyhow::Result<Snapshot<K::Kept>> {
        let mut tx = self.pool.begin().await?;
        tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM toilet_changes")
            .fetch_one(&mut *tx)
            .await?;
        let (min, max, count): (Option<i64>, Option<i64>, i64) =
            sqlx::query_as("SELECT MIN(id), MAX(id), COUNT(*) FROM toilets")
                .fetch_one(&mut *tx)
                .await?;
        let (Some(min), Some(max)) = (min, max) else {
            return Ok(Snapshot {
                toilets: Vec::new(),
                seq,
            });
        };
        let ranges = super::id_ranges(min, max);
        let mut toilets = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        if ranges.len() == 1 || count < 50_000 {
            read_range::<K>(&mut tx, min, max, &mut toilets).await?;
        } else {
            let exported: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
                .fetch_one(&mut *tx)
                .await?;
            let readers: Vec<_> = ranges
                .into_iter()
                .map(|(lo, hi)| {
                    let (pool, exported) = (self.pool.clone(), exported.clone());
                    tokio::spawn(async move {
                        let mut reader = pool.begin().await?;
                        reader
                            .execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                            .await?;
                        reader
                            .execute(sqlx::AssertSqlSafe(format!(
                                "SET TRANSACTION SNAPSHOT '{}'",
                                exported.replace('\'', "")
                            )))
                            .await?;
                        let mut part = Vec::new();
                        read_range::<K>(&mut reader, lo, hi, &mut part).await?;
                        reader.commit().await?;
                        anyhow::Ok(part)
                    })
                })
                .collect();
            // The exporting transaction stays open until every reader is done.
            for reader in readers {
                toilets.append(&mut reader.await??);
            }
        }
        tx.commit().await?;
        Ok(Snapshot { toilets, seq })
    }

    /// The toilets with these ids that exist.
    pub async fn toilets(&self, ids: &[ToiletId]) -> anyhow::Result<Vec<Toilet>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_TOILETS} WHERE id = ANY($1)"
        )))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(decode_all(&rows, &mut Parsed::default()))
    }
}

/// A URL for messages: without its password.
pub fn redact(url: &str) -> String {
    // postgres://user:password@host/db → postgres://user:***@host/db
    if let Some(scheme) = url.find("://") {
        let rest = &url[scheme + 3..];
        if let Some(at) = rest.rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            return format!(
                "{}{}:***{}",
                &url[..scheme + 3],
                &rest[..colon],
                &rest[at..]
            );
        }
    }
    url.to_owned()
}

/// Appends the toilets with ids in `lo..=hi`, decoded on this task.
async fn read_range<K: super::Keep>(
    conn: &mut sqlx::PgConnection,
    lo: i64,
    hi: i64,
    out: &mut Vec<K::Kept>,
) -> anyhow::Result<()> {
    let mut parsed = Parsed::default();
    let mut keep = K::default();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT_TOILETS} WHERE id BETWEEN $1 AND $2"
    )))
    .bind(lo)
    .bind(hi)
    .fetch(conn);
    while let Some(row) = rows.try_next().await? {
        match decode(&row, &mut parsed) {
            Ok(t) => out.push(keep.keep(t)),
            Err(e) => tracing::warn!("skipping toilet row: {e}"),
        }
    }
    Ok(())
}

/// This binary's migrations. A database migrated further by a newer
/// release is opened, not refused: migrations only add (docs/DEPLOYMENT.md),
/// so an older replica restarting mid-upgrade keeps working.
fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    migrator.set_ignore_missing(true);
    migrator
}
