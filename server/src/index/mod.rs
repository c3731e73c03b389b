//! The in-memory spatial index: every servable toilet as a point on the unit
//! sphere in an R-tree.
//!
//! Chord length between unit vectors grows monotonically with great-circle
//! distance, so rstar's Euclidean nearest-neighbour walk visits toilets in
//! great-circle order, everywhere on Earth: across the antimeridian and at
//! the poles alike. The index is a cache of the store and can be rebuilt
//! from it at any time.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use geo::{Bearing, Distance, Haversine, Point};
use gongce_shared::{
    Fact, LatLon, Status, Toilet, ToiletId,
    api::{Bbox, Filter, Filters},
};
use rstar::{AABB, Envelope, RTree, primitives::GeomWithData};

pub use record::{Interner, Record};

pub mod image;
mod record;
pub mod search;

/// An R-tree point: the unit vector in single precision (a tree node is
/// 48 bytes rather than 80), and its toilet's id. The tree's distances are
/// then within [`TREE_CHORD_ERROR`] of the exact ones, so every search
/// walks on until that margin is spent and ranks what it found by the
/// exact chord, from the record's own position: the order is exactly the
/// one double precision gives, equal chords by id.
type TreePoint = GeomWithData<[f32; 3], Leaf>;

/// What the tree keeps beside each point: its toilet's id, and what that
/// toilet may have (all but what it is known to lack), so that a walk
/// passes over a toilet that cannot fit without reading its entry. It
/// costs no memory: a leaf is smaller than a node either way.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
struct Leaf {
    id: i64,
    possible: Facilities,
}

/// How far a chord measured between single-precision unit vectors can be
/// from the one between the double-precision vectors they were rounded
/// from. Rounding moves each coordinate of either vector by at most 2⁻²⁵
/// (they lie in [-1, 1]), so the chord by at most 2·√3·2⁻²⁵ ≈ 1.1e-7; the
/// single-precision subtractions, squares and sums add a relative error of
/// a few 2⁻²⁴, at most 3.6e-7 on a chord of 2. 1e-6 (6 m on the Earth)
/// bounds both with room; walking 6 m further costs nothing measurable.
const TREE_CHORD_ERROR: f64 = 1e-6;

fn tree_point(toilet: &Record) -> TreePoint {
    TreePoint::new(
        toilet.position().to_unit_vector().map(|c| c as f32),
        Leaf {
            id: toilet.id().get(),
            possible: Facilities::possible(toilet),
        },
    )
}

/// The least exact squared chord a tree distance can stand for.
fn least_chord_2(tree_distance_2: f32) -> f64 {
    (f64::from(tree_distance_2).sqrt() - TREE_CHORD_ERROR)
        .max(0.0)
        .powi(2)
}

/// Puts `hit` into `nearest` (ascending by chord, then id), keeping at most `limit`.
fn keep_nearest<T>(nearest: &mut Vec<(f64, i64, T)>, hit: (f64, i64, T), limit: usize) {
    let at = nearest.partition_point(|h| h.0.total_cmp(&hit.0).then(h.1.cmp(&hit.1)).is_lt());
    if at < limit {
        nearest.insert(at, hit);
        nearest.truncate(limit);
    }
}

/// Has `nearest` its `limit` hits, each nearer than anything at a tree
/// distance of `tree_distance_2` or more can be?
fn settled<T>(nearest: &[(f64, i64, T)], limit: usize, tree_distance_2: f32) -> bool {
    nearest.len() >= limit
        && nearest
            .last()
            .is_some_and(|last| least_chord_2(tree_distance_2) > last.0)
}

/// The facilities a toilet is known to have, as bits (one per facility
/// filter, in [`Filter::FACILITIES`]' order), so that filtering does not
/// chase the pointer to the full record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
struct Facilities(u8);

impl Facilities {
    /// How many combinations of facilities there are.
    const COMBINATIONS: usize = 1 << Filter::FACILITIES.len();

    /// A toilet's answer to a facility filter.
    fn answer(t: &Record, filter: Filter) -> Option<bool> {
        match filter {
            Filter::Wheelchair => t.wheelchair(),
            Filter::BabyChange => t.baby_change(),
            Filter::FamilyRoom => t.family_room(),
            Filter::Free => t.free(),
            Filter::Seated => t.details().tri(Fact::Seated),
            Filter::StepFree => t.details().tri(Fact::StepFree),
            Filter::AdultChanging => t.details().tri(Fact::AdultChanging),
            Filter::OpenNow | Filter::HideReportedClosed | Filter::IncludeUnknown => None,
        }
    }

    fn from_fn(on: impl Fn(Filter) -> bool) -> Self {
        Facilities(
            Filter::FACILITIES
                .iter()
                .enumerate()
                .filter(|&(_, &f)| on(f))
                .fold(0, |bits, (i, _)| bits | 1 << i),
        )
    }

    /// What a toilet is known to have: unknown counts as not having it.
    fn of(t: &Record) -> Self {
        Self::known_and_possible(t).0
    }

    /// What a toilet may have: all but what it is known to lack.
    fn possible(t: &Record) -> Self {
        Self::known_and_possible(t).1
    }

    /// [`Facilities::of`] and [`Facilities::possible`], each answer read
    /// once (a filtered walk asks both of every toilet it reads).
    fn known_and_possible(t: &Record) -> (Self, Self) {
        let (mut known, mut possible) = (0, 0);
        for (i, &f) in Filter::FACILITIES.iter().enumerate() {
            match Self::answer(t, f) {
                Some(true) => (known, possible) = (known | 1 << i, possible | 1 << i),
                Some(false) => {}
                None => possible |= 1 << i,
            }
        }
        (Facilities(known), Facilities(possible))
    }

    fn required(f: &Filters) -> Self {
        Self::from_fn(|filter| f.is_on(filter))
    }

    fn has_all(self, required: Facilities) -> bool {
        self.0 & required.0 == required.0
    }
}

/// A count for each combination of facilities.
#[derive(Clone)]
struct Combinations([usize; Facilities::COMBINATIONS]);

impl Default for Combinations {
    fn default() -> Self {
        Combinations([0; Facilities::COMBINATIONS])
    }
}

/// A toilet in the table by id: its record alone (8 bytes a slot). What
/// it has is worked out from the record when a filter asks, which reads
/// the record the walk reads for the exact distance anyway; the tree's
/// leaf has already passed over a toilet known to lack what was asked.
struct Entry {
    toilet: Arc<Record>,
}

/// What a search asks beyond position: the filters and the moment "open now" means.
#[derive(Debug, Clone, Copy)]
pub struct Criteria {
    pub filters: Filters,
    pub now: DateTime<Utc>,
}

/// How a toilet answers a search's criteria.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fit {
    /// A known no to something asked.
    No,
    /// No known no, but something asked is not known.
    Unknown,
    Yes,
}

impl Criteria {
    /// One evaluation serves both readings of unknown answers.
    fn fit(&self, entry: &Entry, required: Facilities) -> Fit {
        let f = &self.filters;
        if f.hide_reported_closed && entry.toilet.reports().reported_closed {
            return Fit::No;
        }
        let known = match required {
            Facilities(0) => true,
            _ => {
                let (known, possible) = Facilities::known_and_possible(&entry.toilet);
                if !possible.has_all(required) {
                    return Fit::No;
                }
                known.has_all(required)
            }
        };
        let open = if f.open_now {
            open_at(&entry.toilet, self.now)
        } else {
            Some(true)
        };
        match (open, known) {
            (Some(false), _) => Fit::No,
            (Some(true), true) => Fit::Yes,
            _ => Fit::Unknown,
        }
    }

    fn admits(&self, entry: &Entry, required: Facilities) -> bool {
        match self.fit(entry, required) {
            Fit::Yes => true,
            Fit::Unknown => self.filters.include_unknown,
            Fit::No => false,
        }
    }
}

/// Per thread, for each distinct opening-hours text: its time zone, the
/// minute it was read at, whether it was open then, and (once asked) when
/// that changes. Toilets share a handful of hours texts, and evaluating
/// one costs about a microsecond; OSM hours have minute resolution, so the
/// answer holds for the whole minute. (Hashed with aHash: a filtered walk
/// looks an hours text up for each toilet it passes.)
type Seen = std::collections::HashMap<
    String,
    (
        chrono_tz::Tz,
        i64,
        Option<bool>,
        Option<Option<DateTime<Utc>>>,
    ),
    ahash::RandomState,
>;

thread_local! {
    static SEEN: std::cell::RefCell<Seen> = std::cell::RefCell::new(Seen::default());
}

/// `hours` read in `tz` at `now`, remembered for the minute; the next
/// change is worked out only when `with_change` asks for it.
fn remembered(
    hours: &gongce_shared::OpeningHours,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
    with_change: bool,
) -> (Option<bool>, Option<DateTime<Utc>>) {
    let minute = now.timestamp().div_euclid(60);
    SEEN.with_borrow_mut(|seen| {
        let fresh =
            matches!(seen.get(hours.as_str()), Some(&(t, m, _, _)) if t == tz && m == minute);
        if !fresh {
            if seen.len() >= 4096 {
                seen.clear();
            }
            let open = hours.open_at(now, tz);
            seen.insert(hours.as_str().to_owned(), (tz, minute, open, None));
        }
        let entry = seen.get_mut(hours.as_str()).expect("just made");
        if with_change && entry.3.is_none() {
            entry.3 = Some(hours.next_change(now, tz));
        }
        (entry.2, entry.3.flatten())
    })
}

/// [`Toilet::open_at`], with the hours' answer remembered for the minute.
pub fn open_at(toilet: &Record, now: DateTime<Utc>) -> Option<bool> {
    hours_at(toilet, now, false).0
}

/// Open at `now` (as [`open_at`]), and when that next changes: the end of
/// a temporary closure, or the hours' next change within a week (worked
/// out only when `with_change`: filtering needs only the first).
pub fn hours_at(
    toilet: &Record,
    now: DateTime<Utc>,
    with_change: bool,
) -> (Option<bool>, Option<DateTime<Utc>>) {
    if toilet.status().closed_at(now) {
        let until = match toilet.status() {
            Status::TemporarilyClosed { until, .. } => *until,
            _ => None,
        };
        return (Some(false), until);
    }
    match toilet.opening_hours() {
        Some(hours) => remembered(hours, toilet.timezone().tz(), now, with_change),
        None => (toilet.open_at(now), None),
    }
}

/// One toilet found by [`Index::nearest`].
#[derive(Debug, Clone)]
pub struct Hit {
    pub toilet: Arc<Record>,
    /// Squared chord length on the unit sphere: the search's own distance.
    pub chord_2: f64,
}

impl Hit {
    pub fn distance_m(&self, from: LatLon) -> f64 {
        distance_m(from, self.toilet.position())
    }

    pub fn bearing_deg(&self, from: LatLon) -> f64 {
        bearing_deg(from, self.toilet.position())
    }
}

/// Haversine distance from `from` to `to`, metres.
pub fn distance_m(from: LatLon, to: LatLon) -> f64 {
    Haversine.distance(geo_point(from), geo_point(to))
}

/// Initial bearing from `from` to `to`, degrees clockwise from north in 0..360.
pub fn bearing_deg(from: LatLon, to: LatLon) -> f64 {
    Haversine.bearing(geo_point(from), geo_point(to))
}

fn geo_point(p: LatLon) -> Point<f64> {
    Point::new(p.lon(), p.lat())
}

/// The squared chord on the unit sphere that spans `metres` of great circle.
pub fn chord_2_for_metres(metres: f64) -> f64 {
    let angle = (metres / Haversine.radius()).min(std::f64::consts::PI);
    let chord = 2.0 * (angle / 2.0).sin();
    chord * chord
}

#[derive(Default)]
pub struct Index {
    tree: RTree<TreePoint>,
    /// Entries by toilet id. The store hands out ids densely from 1, so a
    /// table indexed by id costs less than a hash map and needs no hashing.
    entries: Vec<Option<Entry>>,
    len: usize,
    /// How many toilets have each combination of facilities, so that a
    /// search for a combination nobody has ends at once instead of
    /// walking every toilet.
    with_facilities: Combinations,
    /// Which state of the toilets this is: new on every change, never
    /// repeated in this process (exports are cached by it).
    generation: u64,
    /// The toilets' texts for search, built on first use (or after start,
    /// by [`Index::prepare_search`]) and kept in step from then on.
    text: OnceLock<search::TextIndex>,
    /// The source names and opening hours the records share.
    interner: record::Interner,
}

/// A generation no index of this process has had.
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Index {
    /// Bulk-loads the records of the toilets that can be served (removed
    /// ones are left out), as [`crate::store::Store::records`] reads them.
    ///
    /// The tree is bulk-loaded on a second thread while this one fills the
    /// table by id: together with reading they are a cold start.
    pub fn build(records: Vec<Arc<Record>>) -> Self {
        let mut servable = records;
        servable.retain(|r| *r.status() != Status::Removed);
        let mut index = Index::default();
        let (tree, repeated) = std::thread::scope(|scope| {
            let tree =
                scope.spawn(|| RTree::bulk_load(servable.iter().map(|t| tree_point(t)).collect()));
            let mut repeated = false;
            for toilet in &servable {
                repeated |= index.put(Arc::clone(toilet)).is_some();
            }
            (tree.join().expect("bulk loading does not panic"), repeated)
        });
        index.tree = if repeated {
            // An id came twice and the later record won: load what the table holds.
            RTree::bulk_load(
                index
                    .entries
                    .iter()
                    .flatten()
                    .map(|e| tree_point(&e.toilet))
                    .collect(),
            )
        } else {
            tree
        };
        index.generation = next_generation();
        index
    }

    /// The index of `records` (servable ones, each once) with its `tree`
    /// already built: what an image holds ([`image`]).
    fn from_parts(records: Vec<Arc<Record>>, tree: RTree<TreePoint>) -> anyhow::Result<Self> {
        let mut index = Index::default();
        for record in records {
            let id = record.id();
            anyhow::ensure!(
                *record.status() != Status::Removed,
                "toilet {id} is removed, and the index serves none such"
            );
            anyhow::ensure!(index.put(record).is_none(), "toilet {id} comes twice");
        }
        index.tree = tree;
        index.generation = next_generation();
        Ok(index)
    }

    /// [`Index::build`] from whole toilets (tests and benchmarks; a server
    /// reads records from the store).
    pub fn from_toilets<T: std::borrow::Borrow<Toilet>>(toilets: &[T]) -> Self {
        let mut interner = Interner::default();
        Index::build(
            toilets
                .iter()
                .map(|t| Arc::new(Record::new(t.borrow(), &mut interner)))
                .collect(),
        )
    }

    /// Which state of the toilets this is; any change gives a new one.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Puts the entry in the table (not in the tree); returns the one it replaced.
    fn put(&mut self, toilet: Arc<Record>) -> Option<Entry> {
        let at = toilet.id().get() as usize;
        if at >= self.entries.len() {
            self.entries.resize_with(at + 1, || None);
        }
        self.with_facilities.0[Facilities::of(&toilet).0 as usize] += 1;
        let entry = Entry { toilet };
        let old = self.entries[at].replace(entry);
        match &old {
            None => self.len += 1,
            Some(old) => self.with_facilities.0[Facilities::of(&old.toilet).0 as usize] -= 1,
        }
        old
    }

    /// Might any toilet meet `criteria`'s facility filters? (Counted for
    /// the known facilities only: with unknowns admitted, any toilet may.)
    fn any_with(&self, required: Facilities, criteria: &Criteria) -> bool {
        if criteria.filters.include_unknown {
            return self.len > 0;
        }
        (0..Facilities::COMBINATIONS as u8).any(|have| {
            Facilities(have).has_all(required) && self.with_facilities.0[have as usize] > 0
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Builds the texts for search now rather than on the first search.
    /// Run after start-up, on a blocking thread.
    pub fn prepare_search(index: &std::sync::RwLock<Index>) {
        index.read().expect("index lock").text();
    }

    fn text(&self) -> &search::TextIndex {
        self.text.get_or_init(|| {
            search::TextIndex::build(self.entries.iter().flatten().map(|e| &e.toilet))
        })
    }

    /// The toilets whose text holds `folded` (see [`search::fold`]), at
    /// most `limit`: with a position, nearest first, ties by id; without,
    /// best matches first, then by id.
    pub fn search(&self, folded: &str, at: Option<LatLon>, limit: usize) -> Vec<Arc<Record>> {
        let text = self.text();
        let Some(list) = text.candidates(folded) else {
            return Vec::new();
        };
        let Some(at) = at else {
            let mut ranked: Vec<(search::Quality, i64)> = list
                .iter()
                .filter_map(|id| Some((text.quality(id.into(), folded)?, i64::from(id))))
                .collect();
            ranked.sort_unstable();
            ranked.dedup_by_key(|(_, id)| *id);
            ranked.truncate(limit);
            return ranked
                .into_iter()
                .filter_map(|(_, id)| self.get_arc(id))
                .collect();
        };
        let from = at.to_unit_vector();
        // A short list is ranked outright, measuring each from the table
        // of points (some 10 ns an entry); a long one (a common word) is
        // met walking the tree outward, which ends after about limit × len
        // / list steps of some 200 ns (a step reads the toilet's text).
        // Walking wins above 4·√(limit × len); a walk longer than the list
        // gives way to measuring.
        let short = if cfg!(test) {
            256
        } else {
            4 * ((limit * self.len) as f64).sqrt() as usize
        };
        if list.len() > short {
            let mut hits: Vec<(f64, i64, ())> = Vec::with_capacity(limit + 1);
            let mut complete = true;
            for (walked, (point, tree_2)) in self
                .tree
                .nearest_neighbor_iter_with_distance_2(&from.map(|c| c as f32))
                .enumerate()
            {
                if settled(&hits, limit, tree_2) {
                    break;
                }
                if walked >= list.len().max(if cfg!(test) { 64 } else { 1024 }) {
                    complete = false;
                    break;
                }
                let id = point.data.id;
                if text.quality(id, folded).is_some()
                    && let Some(chord_2) = text.chord_2(id, from)
                {
                    keep_nearest(&mut hits, (chord_2, id, ()), limit);
                }
            }
            if complete {
                return self
                    .nearest_of(hits.into_iter().map(|(c, id, ())| (c, id)).collect(), limit);
            }
        }
        // The matches are few, or far from here: measure each.
        let hits = text.nearest_on(list, folded, from, limit);
        self.nearest_of(hits, limit)
    }

    fn nearest_of(&self, mut hits: Vec<(f64, i64)>, limit: usize) -> Vec<Arc<Record>> {
        hits.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        hits.dedup_by_key(|(_, id)| *id);
        hits.truncate(limit);
        hits.into_iter()
            .filter_map(|(_, id)| self.get_arc(id))
            .collect()
    }

    fn get_arc(&self, id: i64) -> Option<Arc<Record>> {
        self.entry(id).map(|e| Arc::clone(&e.toilet))
    }

    /// Every served toilet, by id: for exports, taken under the read lock
    /// (cheap: one reference count each) and written out after it.
    pub fn all(&self) -> Vec<Arc<Record>> {
        self.entries
            .iter()
            .flatten()
            .map(|e| Arc::clone(&e.toilet))
            .collect()
    }

    /// Every served toilet's position, by id.
    pub fn positions(&self) -> impl Iterator<Item = LatLon> + '_ {
        self.entries.iter().flatten().map(|e| e.toilet.position())
    }

    pub fn get(&self, id: ToiletId) -> Option<Arc<Record>> {
        self.get_arc(id.get())
    }

    fn entry(&self, id: i64) -> Option<&Entry> {
        self.entries
            .get(usize::try_from(id).ok()?)
            .and_then(Option::as_ref)
    }

    /// Inserts or replaces a toilet; a removed one leaves the index.
    pub fn upsert(&mut self, toilet: Toilet) {
        self.generation = next_generation();
        if toilet.status == Status::Removed {
            self.remove(toilet.id);
            return;
        }
        let record = Record::new(&toilet, &mut self.interner);
        if let Some(text) = self.text.get_mut() {
            text.put(&record);
        }
        let point = tree_point(&record);
        if let Some(old) = self.put(Arc::new(record)) {
            self.tree.remove(&tree_point(&old.toilet));
        }
        self.tree.insert(point);
    }

    pub fn remove(&mut self, id: ToiletId) {
        self.generation = next_generation();
        if let Some(text) = self.text.get_mut() {
            text.remove(id);
        }
        let Some(old) = usize::try_from(id.get())
            .ok()
            .and_then(|at| self.entries.get_mut(at))
            .and_then(Option::take)
        else {
            return;
        };
        self.len -= 1;
        self.with_facilities.0[Facilities::of(&old.toilet).0 as usize] -= 1;
        self.tree.remove(&tree_point(&old.toilet));
    }

    /// The `limit` toilets nearest `at` that meet `criteria`, within
    /// `radius_m` if given: nearest first, equal distances by ascending id.
    ///
    /// Filters apply while walking neighbours in distance order, so a
    /// filter never shortens the list while matching toilets remain.
    pub fn nearest(
        &self,
        at: LatLon,
        limit: usize,
        radius_m: Option<f64>,
        criteria: &Criteria,
    ) -> Vec<Hit> {
        if limit == 0 {
            return Vec::new();
        }
        let max_chord_2 = radius_m.map_or(f64::INFINITY, chord_2_for_metres);
        let required = Facilities::required(&criteria.filters);
        if !self.any_with(required, criteria) {
            return Vec::new();
        }
        let from = at.to_unit_vector();
        let mut hits: Vec<(f64, i64, &Arc<Record>)> = Vec::with_capacity(limit + 1);
        for (point, tree_2) in self
            .tree
            .nearest_neighbor_iter_with_distance_2(&from.map(|c| c as f32))
        {
            // Past the radius, or past the last of `limit` found (exact
            // ties with it still come in), even allowing for the margin.
            if least_chord_2(tree_2) > max_chord_2 || settled(&hits, limit, tree_2) {
                break;
            }
            if !point.data.possible.has_all(required) {
                continue;
            }
            let Some(entry) = self.entry(point.data.id) else {
                continue;
            };
            if !criteria.admits(entry, required) {
                continue;
            }
            let chord_2 = distance_2(&entry.toilet.position().to_unit_vector(), &from);
            if chord_2 <= max_chord_2 {
                keep_nearest(&mut hits, (chord_2, point.data.id, &entry.toilet), limit);
            }
        }
        hits.into_iter()
            .map(|(chord_2, _, toilet)| Hit {
                toilet: Arc::clone(toilet),
                chord_2,
            })
            .collect()
    }

    /// The toilets inside `bbox` that meet `criteria`, nearest the box's
    /// centre first (then by id), at most `limit`; whether more matched;
    /// and how many in the box match only if unknown answers count as yes.
    pub fn within(&self, bbox: &Bbox, limit: usize, criteria: &Criteria) -> Within {
        let required = Facilities::required(&criteria.filters);
        let mut within = Within::default();
        // With unknowns admitted, any toilet may fit; the count needs them all.
        let loose = Criteria {
            filters: Filters {
                include_unknown: true,
                ..criteria.filters
            },
            ..*criteria
        };
        if !self.any_with(required, &loose) {
            return within;
        }
        let centre = bbox.center().to_unit_vector();
        let mut found: Vec<(f64, &Arc<Record>)> = Vec::new();
        let envelopes = envelopes(bbox);
        for (i, envelope) in envelopes.iter().enumerate() {
            for point in self.tree.locate_in_envelope(envelope) {
                // The two halves of an antimeridian box share the meridian.
                let seen = envelopes[..i]
                    .iter()
                    .any(|e| e.contains_point(point.geom()));
                // A toilet known to lack something asked neither fits nor counts.
                if seen || !point.data.possible.has_all(required) {
                    continue;
                }
                let Some(entry) = self.entry(point.data.id) else {
                    continue;
                };
                if !bbox.contains(entry.toilet.position()) {
                    continue;
                }
                let fit = criteria.fit(entry, required);
                within.unknown += usize::from(fit == Fit::Unknown);
                if fit == Fit::Yes || (fit == Fit::Unknown && criteria.filters.include_unknown) {
                    let at = entry.toilet.position().to_unit_vector();
                    found.push((distance_2(&at, &centre), &entry.toilet));
                }
            }
        }
        let order = |a: &(f64, &Arc<Record>), b: &(f64, &Arc<Record>)| {
            a.0.total_cmp(&b.0).then(a.1.id().cmp(&b.1.id()))
        };
        within.truncated = found.len() > limit;
        if within.truncated {
            found.select_nth_unstable_by(limit, order);
            found.truncate(limit);
        }
        found.sort_by(order);
        within.toilets = found.into_iter().map(|(_, t)| Arc::clone(t)).collect();
        within
    }
}

/// [`Index::within`]'s answer.
#[derive(Debug, Default)]
pub struct Within {
    pub toilets: Vec<Arc<Record>>,
    /// More matched than the limit.
    pub truncated: bool,
    /// Toilets in the box whose answer to a requested fact is unknown (none
    /// a known no): left out unless `include_unknown`, counted either way.
    pub unknown: usize,
}

fn distance_2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// Axis-aligned boxes in unit-vector space that enclose the part of the
/// sphere inside `bbox`: one, or two when it crosses the antimeridian.
fn envelopes(bbox: &Bbox) -> Vec<AABB<[f32; 3]>> {
    let lon_spans = if bbox.min_lon <= bbox.max_lon {
        vec![(bbox.min_lon, bbox.max_lon)]
    } else {
        vec![(bbox.min_lon, 180.0), (-180.0, bbox.max_lon)]
    };
    lon_spans
        .into_iter()
        .map(|(west, east)| enclosing_box(bbox.min_lat, bbox.max_lat, west, east))
        .collect()
}

fn enclosing_box(south: f64, north: f64, west: f64, east: f64) -> AABB<[f32; 3]> {
    // z = sin(lat); the horizontal radius r = cos(lat) spans [r_min, r_max].
    let (s, n) = (south.to_radians(), north.to_radians());
    let r_min = s.cos().min(n.cos());
    let r_max = if south <= 0.0 && north >= 0.0 {
        1.0
    } else {
        s.cos().max(n.cos())
    };
    // x = r cos(lon), y = r sin(lon): extremes at the span's ends or at the
    // quarter meridians inside it, with r at either end of its range.
    let mut lons = vec![west, east];
    lons.extend(
        [-180.0, -90.0, 0.0, 90.0, 180.0]
            .into_iter()
            .filter(|q| *q > west && *q < east),
    );
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for lon in lons {
        let (sin, cos) = lon.to_radians().sin_cos();
        for r in [r_min, r_max] {
            for (axis, v) in [(0, r * cos), (1, r * sin)] {
                lo[axis] = lo[axis].min(v);
                hi[axis] = hi[axis].max(v);
            }
        }
    }
    lo[2] = s.sin();
    hi[2] = n.sin();
    // Pad for rounding, and for the tree's single precision (each point
    // within 2⁻²⁵ of its own, the box's corners within as much of these);
    // points just outside are dropped by the exact test.
    const PAD: f64 = 1e-6;
    AABB::from_corners(lo.map(|v| (v - PAD) as f32), hi.map(|v| (v + PAD) as f32))
}

#[cfg(test)]
mod tests;
