//! The SQL an import runs against the store, written once for both stores:
//! compare the list's venues with the stored toilets, upsert them, retire
//! what the list dropped, and record history. Only the placeholders, the
//! "values differ" operator and the table names differ between SQLite
//! (`store::sqlite::import`) and PostgreSQL (`store::postgres::import`).

/// The toilet columns a list sets: in the scratch `venues` table, and in
/// `toilets`. A re-import compares and writes exactly these.
pub fn list_columns() -> impl Iterator<Item = &'static str> + Clone {
    concat!(crate::store::toilet_row::fact_columns!(), ", source_crs")
        .split(',')
        .map(str::trim)
}

/// Whether a list's `v` says it was checked later than stored toilet `t`
/// was last confirmed. A list sets the last-verified time only forward: a
/// committee's later confirmation is never set back by an older list, and
/// a list without dates leaves it alone.
fn newer(v: &str, t: &str) -> String {
    format!(
        "({v}.last_verified IS NOT NULL AND ({t}.last_verified IS NULL
            OR {v}.last_verified > {t}.last_verified))"
    )
}

/// Where the statements run: `toilets` names the stored table (schema
/// included where needed), `venues` the list's.
pub struct Dialect {
    /// The first and second placeholders.
    pub p1: &'static str,
    pub p2: &'static str,
    /// "these two values differ, NULLs included".
    pub differs: &'static str,
}

pub const SQLITE: Dialect = Dialect {
    p1: "?1",
    p2: "?2",
    differs: "IS NOT",
};

pub const POSTGRES: Dialect = Dialect {
    p1: "$1",
    p2: "$2",
    differs: "IS DISTINCT FROM",
};

impl Dialect {
    /// Whether stored toilet `t` differs from venue `v` in any list column.
    fn differs(&self, t: &str, v: &str) -> String {
        list_columns()
            .map(|c| format!("{t}.{c} {} {v}.{c}", self.differs))
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// Inserted, updated and unchanged counts for source `p1`.
    pub fn counts(&self, toilets: &str, venues: &str) -> String {
        let p1 = self.p1;
        let differs = format!("{} OR {}", self.differs("t", "v"), newer("v", "t"));
        format!(
            "SELECT COALESCE(SUM(CASE WHEN t.id IS NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN t.id IS NOT NULL AND (t.status = 'removed' OR {differs})
                    THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN t.id IS NOT NULL AND t.status != 'removed'
                    AND NOT ({differs}) THEN 1 ELSE 0 END), 0)
             FROM {venues} v
             LEFT JOIN {toilets} t ON t.source = {p1} AND t.external_id = v.external_id"
        )
    }

    /// How many of source `p1`'s toilets the list leaves out.
    pub fn missing_count(&self, toilets: &str, venues: &str) -> String {
        let p1 = self.p1;
        format!(
            "SELECT COUNT(*) FROM {toilets} t
             WHERE t.source = {p1} AND t.status != 'removed' AND t.external_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM {venues} v WHERE v.external_id = t.external_id)"
        )
    }

    /// Writes the venues as source `p1`'s toilets at time `p2`: new ones
    /// inserted, changed ones (or removed ones that came back) updated with
    /// a new version, unchanged ones left alone.
    pub fn upsert(&self, toilets: &str, venues: &str) -> String {
        let (p1, p2) = (self.p1, self.p2);
        let columns = list_columns().collect::<Vec<_>>().join(", ");
        let set = list_columns()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let differs = self.differs("t", "excluded");
        let newer = newer("excluded", "t");
        format!(
            "INSERT INTO {toilets} AS t (source, external_id, {columns}, last_verified,
                created_at, updated_at)
             SELECT {p1}, external_id, {columns}, last_verified, {p2}, {p2} FROM {venues}
             WHERE true
             ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO UPDATE SET
                {set},
                last_verified = CASE WHEN {newer} THEN excluded.last_verified
                    ELSE t.last_verified END,
                status = CASE WHEN t.status = 'removed' THEN 'open' ELSE t.status END,
                version = t.version + 1, updated_at = excluded.updated_at
             WHERE t.status = 'removed' OR {differs} OR {newer}"
        )
    }

    /// Soft removal of source `p1`'s toilets the list left out, at time
    /// `p2`: the rows stay, with their history, and leave the map.
    pub fn remove_missing(&self, toilets: &str, venues: &str) -> String {
        let (p1, p2) = (self.p1, self.p2);
        format!(
            "UPDATE {toilets} SET status = 'removed', version = version + 1, updated_at = {p2}
             WHERE source = {p1} AND status != 'removed' AND external_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM {venues} v WHERE v.external_id = toilets.external_id)"
        )
    }

    /// A history entry with no user (an import) at time `p2` for each
    /// toilet the change log names after position `p1`. `schema` prefixes
    /// the store's tables (`main.` on SQLite, empty on PostgreSQL).
    pub fn import_history(&self, schema: &str) -> String {
        let (p1, p2) = (self.p1, self.p2);
        format!(
            "INSERT INTO {schema}toilet_history (toilet_id, user_id, action, at)
             SELECT t.id, NULL,
                CASE WHEN t.status = 'removed' THEN 'remove'
                     WHEN t.version = 1 THEN 'create' ELSE 'update' END,
                {p2}
             FROM {schema}toilets t
             WHERE t.id IN (SELECT toilet_id FROM {schema}toilet_changes WHERE seq > {p1})"
        )
    }
}
