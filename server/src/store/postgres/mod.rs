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

use std::{str::FromStr, sync::Arc, time::Duration};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt as _;
use gongce_shared::{LatLon, Status, Toilet, ToiletId, ToiletName, reports::ReportSummary};
use sqlx::{
    ConnectOptions as _, Connection as _, Executor as _, PgPool, Row as _,
    postgres::{PgConnectOptions, PgListener, PgPoolOptions, PgRow},
};

use super::Snapshot;

/// The channel the change-log trigger notifies on commit.
pub const CHANNEL: &str = "gongce_toilet_changes";

/// The advisory lock every writer of toilets holds until it commits (the
/// same number as in the change-log trigger, migration 0001).
pub(crate) const TOILETS_LOCK: i64 = 7_460_001;

#[derive(Clone)]
pub struct Postgres {
    pool: PgPool,
    pub(super) clock: crate::clock::Clock,
}

/// The columns [`Decoder`] reads, in its order.
macro_rules! select_toilets {
    () => {
        "SELECT id, source, external_id, name, address, lat, lon, \
    wheelchair, baby_change, family_room, free, access, opening_hours, hours_note, timezone, \
    operator, org_id, last_verified, status, closed_reason, closed_until, version, updated_at, \
    source_crs, open_reports, reported_closed, last_report_kind, last_report_at, last_fixed_at \
    FROM toilets"
    };
}

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
        })
    }

    /// Now, by the store's clock.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        (self.clock)()
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
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
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
            read_range(&mut tx, min, max, &mut toilets).await?;
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
                        read_range(&mut reader, lo, hi, &mut part).await?;
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
        let rows = sqlx::query(concat!(select_toilets!(), " WHERE id = ANY($1)"))
            .bind(ids)
            .fetch_all(&self.pool)
            .await?;
        let mut decoder = Decoder::default();
        Ok(rows.iter().filter_map(|r| decoder.decode(r)).collect())
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
async fn read_range(
    conn: &mut sqlx::PgConnection,
    lo: i64,
    hi: i64,
    out: &mut Vec<Arc<Toilet>>,
) -> anyhow::Result<()> {
    let mut decoder = Decoder::default();
    let mut rows = sqlx::query(concat!(select_toilets!(), " WHERE id BETWEEN $1 AND $2"))
        .bind(lo)
        .bind(hi)
        .fetch(conn);
    while let Some(row) = rows.try_next().await? {
        if let Some(t) = decoder.decode(&row) {
            out.push(Arc::new(t));
        }
    }
    Ok(())
}

/// Turns rows into toilets, sharing one parsed copy of each distinct
/// opening-hours text and time zone. Columns by position, as `SELECT_TOILETS`.
#[derive(Default)]
struct Decoder(super::Parsed);

impl Decoder {
    /// A row that does not make a valid toilet is logged and left out.
    fn decode(&mut self, row: &PgRow) -> Option<Toilet> {
        self.toilet(row)
            .map_err(|e| tracing::warn!("skipping toilet row: {e:#}"))
            .ok()
    }

    fn toilet(&mut self, row: &PgRow) -> anyhow::Result<Toilet> {
        let id: i64 = row.try_get(0)?;
        let id = ToiletId::new(id).with_context(|| format!("invalid id {id}"))?;
        let context = || format!("toilet {id}");
        let opening_hours = row
            .try_get::<Option<&str>, _>(12)?
            .map(|t| self.0.hours(t))
            .transpose()
            .with_context(context)?;
        let timezone = self.0.zone(row.try_get(14)?).with_context(context)?;
        let status = match row.try_get::<&str, _>(18)? {
            "open" => Status::Open,
            "removed" => Status::Removed,
            "temporarily_closed" => Status::TemporarilyClosed {
                reason: row.try_get::<Option<String>, _>(19)?.unwrap_or_default(),
                until: row.try_get(20)?,
            },
            other => anyhow::bail!("{}: unknown status {other:?}", context()),
        };
        Ok(Toilet {
            id,
            name: ToiletName::new(row.try_get::<&str, _>(3)?).with_context(context)?,
            address: row.try_get(4)?,
            position: LatLon::new(row.try_get(5)?, row.try_get(6)?).with_context(context)?,
            wheelchair: row.try_get(7)?,
            baby_change: row.try_get(8)?,
            family_room: row.try_get(9)?,
            free: row.try_get(10)?,
            access: row
                .try_get::<Option<&str>, _>(11)?
                .map(str::parse)
                .transpose()
                .with_context(context)?,
            opening_hours,
            hours_note: row.try_get(13)?,
            timezone,
            operator: row.try_get(15)?,
            org_id: row.try_get(16)?,
            last_verified: row.try_get::<Option<DateTime<Utc>>, _>(17)?,
            status,
            source: row.try_get(1)?,
            external_id: row.try_get(2)?,
            source_crs: row.try_get::<&str, _>(23)?.parse().with_context(context)?,
            reports: ReportSummary {
                open: row.try_get::<i64, _>(24)?.max(0) as u32,
                reported_closed: row.try_get(25)?,
                last_kind: row
                    .try_get::<Option<&str>, _>(26)?
                    .and_then(|k| k.parse().ok()),
                last_at: row.try_get(27)?,
                fixed_at: row.try_get(28)?,
            },
            version: row.try_get(21)?,
            updated_at: row.try_get(22)?,
        })
    }
}

/// This binary's migrations. A database migrated further by a newer
/// release is opened, not refused: migrations only add (docs/DEPLOYMENT.md),
/// so an older replica restarting mid-upgrade keeps working.
fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    migrator.set_ignore_missing(true);
    migrator
}
