//! An import's last steps on PostgreSQL. The file is read, checked and
//! merged into venues in a scratch SQLite file exactly as for the SQLite
//! store (`import::staging`); here the venues are streamed with COPY into a
//! temporary table inside one transaction, compared with `toilets` and, for
//! a real import, written by the same UPSERT as on SQLite, all or nothing.
//!
//! These run on the importer's blocking thread and wait for the database on
//! the runtime that thread belongs to.

use std::fmt::Write as _;

use anyhow::Context as _;
use gongce_shared::LatLon;
use rusqlite::Connection;
use sqlx::{AssertSqlSafe, Executor as _, PgConnection};

use super::{Postgres, TOILETS_LOCK};
use crate::store::{
    ImportCounts,
    import_sql::{POSTGRES, list_columns},
};

/// Runs `f` to completion from a blocking thread of the current runtime
/// (or, outside any runtime, on a new one).
fn block_on<F: Future>(f: F) -> anyhow::Result<F::Output> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => Ok(handle.block_on(f)),
        Err(_) => Ok(tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(f)),
    }
}

/// Other sources' toilets, for the possible-duplicate check.
pub fn others(pg: &Postgres, source: &str) -> anyhow::Result<Vec<(i64, String, LatLon)>> {
    if !block_on(pg.has_schema())?? {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, f64, f64)> = block_on(
        sqlx::query_as(
            "SELECT id, name, lat, lon FROM toilets WHERE status != 'removed' AND source != $1",
        )
        .bind(source)
        .fetch_all(pg.pool()),
    )??;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, lat, lon)| Some((id, name, LatLon::new(lat, lon).ok()?)))
        .collect())
}

/// Inserted / updated / unchanged / removed, compared inside a transaction
/// that is rolled back: nothing is written.
pub fn compare(
    pg: &Postgres,
    venues: &Connection,
    source: &str,
    remove_missing: bool,
) -> anyhow::Result<ImportCounts> {
    block_on(async {
        if !pg.has_schema().await? {
            // An empty database: everything would be new.
            let venues =
                venues.query_row("SELECT COUNT(*) FROM venues", [], |r| r.get::<_, i64>(0))?;
            return Ok(ImportCounts {
                inserted: venues as usize,
                ..ImportCounts::default()
            });
        }
        let mut tx = pg.pool().begin().await?;
        load_venues(&mut tx, venues).await?;
        let counts = count(&mut tx, source, remove_missing).await?;
        tx.rollback().await?;
        anyhow::Ok(counts)
    })?
}

/// Writes the venues in one transaction, recounting inside it under the
/// toilets lock (taken once the venues are in). A failure, or a kill before COMMIT, leaves the store as it was.
pub fn commit(
    pg: &Postgres,
    venues: &Connection,
    source: &str,
    remove_missing: bool,
    now: chrono::DateTime<chrono::Utc>,
    before_write: impl FnOnce(),
) -> anyhow::Result<ImportCounts> {
    block_on(async {
        let mut tx = pg.pool().begin().await?;
        // Streaming the venues in touches no toilet: other writers wait
        // only for the comparison and the writes.
        load_venues(&mut tx, venues).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(TOILETS_LOCK)
            .execute(&mut *tx)
            .await?;
        let counts = count(&mut tx, source, remove_missing).await?;
        before_write();
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM toilet_changes")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(AssertSqlSafe(POSTGRES.upsert("toilets", "staging_venues")))
            .bind(source)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("cannot write the venues")?;
        if remove_missing {
            sqlx::query(AssertSqlSafe(
                POSTGRES.remove_missing("toilets", "staging_venues"),
            ))
            .bind(source)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(AssertSqlSafe(POSTGRES.import_history("")))
            .bind(seq)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        anyhow::Ok(counts)
    })?
}

/// The venues' columns: their key, then what the list sets.
fn venue_columns() -> Vec<&'static str> {
    std::iter::once("external_id")
        .chain(list_columns())
        .chain(["last_verified"])
        .collect()
}

/// Stored as 0/1 in the scratch file, as booleans here.
const BOOLEAN_COLUMNS: [&str; 4] = ["wheelchair", "baby_change", "family_room", "free"];

/// Copies the scratch file's venues into a temporary table dropped at the
/// end of the transaction.
async fn load_venues(conn: &mut PgConnection, venues: &Connection) -> anyhow::Result<()> {
    conn.execute(
        "CREATE TEMP TABLE staging_venues (
            external_id TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT,
            lat DOUBLE PRECISION NOT NULL, lon DOUBLE PRECISION NOT NULL,
            wheelchair BOOLEAN, baby_change BOOLEAN, family_room BOOLEAN, free BOOLEAN,
            access TEXT, opening_hours TEXT, hours_note TEXT, timezone TEXT NOT NULL,
            operator TEXT, source_crs TEXT NOT NULL, details TEXT, last_verified TIMESTAMPTZ
        ) ON COMMIT DROP",
    )
    .await?;
    let columns = venue_columns();
    let boolean: Vec<bool> = columns
        .iter()
        .map(|c| BOOLEAN_COLUMNS.contains(c))
        .collect();
    let list = columns.join(", ");
    let mut copy = conn
        .copy_in_raw(&format!("COPY staging_venues ({list}) FROM STDIN"))
        .await?;
    let mut stmt = venues.prepare(&format!("SELECT {list} FROM venues"))?;
    let mut rows = stmt.query([])?;
    let mut buf = String::with_capacity(1 << 20);
    while let Some(r) = rows.next()? {
        for (i, &boolean) in boolean.iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => buf.push_str("\\N"),
                rusqlite::types::ValueRef::Integer(n) if boolean => {
                    buf.push(if n != 0 { 't' } else { 'f' })
                }
                rusqlite::types::ValueRef::Integer(n) => write!(buf, "{n}")?,
                rusqlite::types::ValueRef::Real(x) => write!(buf, "{x}")?,
                rusqlite::types::ValueRef::Text(t) => escape(&mut buf, std::str::from_utf8(t)?),
                rusqlite::types::ValueRef::Blob(_) => anyhow::bail!("a venue column holds a blob"),
            }
        }
        buf.push('\n');
        if buf.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            buf.reserve(1 << 20);
        }
    }
    if !buf.is_empty() {
        copy.send(buf.into_bytes()).await?;
    }
    copy.finish().await?;
    conn.execute("ANALYZE staging_venues").await?;
    Ok(())
}

/// COPY's text format: backslash escapes for the separators.
fn escape(buf: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            '\t' => buf.push_str("\\t"),
            c => buf.push(c),
        }
    }
}

async fn count(
    conn: &mut PgConnection,
    source: &str,
    remove_missing: bool,
) -> anyhow::Result<ImportCounts> {
    let changed: (i64, i64, i64) =
        sqlx::query_as(AssertSqlSafe(POSTGRES.counts("toilets", "staging_venues")))
            .bind(source)
            .fetch_one(&mut *conn)
            .await
            .context("cannot compare the list with the store")?;
    let removed = if remove_missing {
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(
            POSTGRES.missing_count("toilets", "staging_venues"),
        ))
        .bind(source)
        .fetch_one(&mut *conn)
        .await?
    } else {
        0
    };
    Ok(ImportCounts::new(changed, removed))
}
