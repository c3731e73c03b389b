//! An import's last steps on a SQLite store: the importer's scratch
//! database (its `venues` table) is compared with the store, read-only, and
//! for a real import written into it in one transaction, all or nothing.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gongce_shared::LatLon;
use rusqlite::{Connection, params};

use crate::store::{ImportCounts, import_sql::SQLITE, timestamp};

/// Other sources' toilets in the store, for the possible-duplicate check.
pub fn others(store: Option<&Path>, source: &str) -> anyhow::Result<Vec<(i64, String, LatLon)>> {
    let Some(store) = store else {
        return Ok(Vec::new());
    };
    let conn = open_read_only(store)?;
    let mut stmt = conn.prepare(
        "SELECT id, name, lat, lon FROM toilets WHERE status != 'removed' AND source != ?1",
    )?;
    Ok(stmt
        .query_map([source], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, f64>(3)?,
            ))
        })?
        .filter_map(|r| r.ok())
        .filter_map(|(id, name, lat, lon)| Some((id, name, LatLon::new(lat, lon).ok()?)))
        .collect())
}

/// Inserted / updated / unchanged / removed, the store read-only. `store`
/// is `None` when the store does not exist yet.
pub fn compare(
    staging: &Connection,
    store: Option<&Path>,
    source: &str,
    remove_missing: bool,
) -> anyhow::Result<ImportCounts> {
    let Some(store) = store else {
        let venues: i64 = staging.query_row("SELECT COUNT(*) FROM venues", [], |r| r.get(0))?;
        return Ok(ImportCounts {
            inserted: venues as usize,
            ..ImportCounts::default()
        });
    };
    staging.execute("ATTACH DATABASE ?1 AS store", [read_only_uri(store)])?;
    let result = count(staging, "store", "main", source, remove_missing);
    staging.execute_batch("DETACH DATABASE store")?;
    result
}

/// Writes the venues of `staging` into the store in one transaction,
/// recounting inside it. A failure or a kill before COMMIT leaves the
/// store as it was.
pub fn commit(
    staging: &Connection,
    store: &Path,
    source: &str,
    remove_missing: bool,
    now: chrono::DateTime<chrono::Utc>,
    before_write: impl FnOnce(),
) -> anyhow::Result<ImportCounts> {
    let staging_path = staging
        .path()
        .context("the scratch database has no file")?
        .to_owned();
    let mut conn = Connection::open(store)
        .with_context(|| format!("cannot open the store {}", store.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.execute("ATTACH DATABASE ?1 AS staging", [staging_path])?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let counts = count(&tx, "main", "staging", source, remove_missing)?;
    before_write();
    let now = timestamp(now);
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM main.toilet_changes",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        &SQLITE.upsert("main.toilets", "staging.venues"),
        params![source, now],
    )?;
    if remove_missing {
        tx.execute(
            &SQLITE.remove_missing("main.toilets", "staging.venues"),
            params![source, now],
        )?;
    }
    // Each toilet the import changed gets a history entry with no user:
    // an import. (The file and its report say what changed.)
    tx.execute(&SQLITE.import_history("main."), params![seq, now])?;
    tx.commit()?;
    conn.execute_batch("DETACH DATABASE staging")?;
    Ok(counts)
}

/// Opens the store for reading only: a dry run must not change a byte of it.
pub fn open_read_only(store: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(
        read_only_uri(store),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .with_context(|| format!("cannot read the store {}", store.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(conn)
}

/// A URI that reads the store without writing anything beside it. A
/// read-only connection to a WAL database leaves an empty `-wal` file
/// behind when none existed; no `-wal` file means no connection has the
/// store open and everything is in the main file, so it is then read as
/// immutable (a write that starts during a dry run may make its counts
/// stale, as any later write would).
fn read_only_uri(store: &Path) -> String {
    let mut wal = store.as_os_str().to_owned();
    wal.push("-wal");
    let immutable = if Path::new(&wal).exists() {
        ""
    } else {
        "&immutable=1"
    };
    format!("file:{}?mode=ro{immutable}", uri_path(store))
}

fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
    absolute
        .to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}

fn count(
    conn: &Connection,
    store: &str,
    staging: &str,
    source: &str,
    remove_missing: bool,
) -> anyhow::Result<ImportCounts> {
    let sql = SQLITE.counts(&format!("{store}.toilets"), &format!("{staging}.venues"));
    let changed: (i64, i64, i64) = conn
        .query_row(&sql, [source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .context("cannot compare the list with the store")?;
    let removed = if remove_missing {
        conn.query_row(
            &SQLITE.missing_count(&format!("{store}.toilets"), &format!("{staging}.venues")),
            [source],
            |r| r.get::<_, i64>(0),
        )?
    } else {
        0
    };
    Ok(ImportCounts::new(changed, removed))
}
