//! The index against a brute-force great-circle oracle on seeded random data.

use super::*;
use chrono::TimeZone as _;
use gongce_shared::{OpeningHours, ToiletName, details::Value};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const EARTH_RADIUS_M: f64 = 6_371_008.8;

pub(super) fn now() -> DateTime<Utc> {
    // A Wednesday, 10:00 in Shanghai.
    Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap()
}

fn toilet(id: i64, lat: f64, lon: f64) -> Toilet {
    Toilet::new(
        ToiletId::new(id).unwrap(),
        ToiletName::new(&format!("toilet {id}")).unwrap(),
        LatLon::new(lat, lon).unwrap(),
        now(),
    )
}

/// The oracle's own haversine, independent of geo's.
fn haversine_m(a: LatLon, b: LatLon) -> f64 {
    let (p1, p2) = (a.lat().to_radians(), b.lat().to_radians());
    let dp = p2 - p1;
    let dl = (b.lon() - a.lon()).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// How far apart two computations of one distance may be: haversine and
/// chords both lose precision towards the antipode.
fn tolerance(d: f64) -> f64 {
    1e-4 + d * 2e-8
}

fn oracle_admits(t: &Toilet, c: &Criteria) -> bool {
    let f = &c.filters;
    // A known yes passes; an unknown only with include_unknown.
    let fits = |v: Option<bool>| v.unwrap_or(f.include_unknown);
    (!f.wheelchair || fits(t.wheelchair))
        && (!f.baby_change || fits(t.baby_change))
        && (!f.family_room || fits(t.family_room))
        && (!f.free || fits(t.free))
        && (!f.seated || fits(t.details.tri(Fact::Seated)))
        && (!f.step_free || fits(t.details.tri(Fact::StepFree)))
        && (!f.adult_changing || fits(t.details.tri(Fact::AdultChanging)))
        && (!f.open_now || fits(t.open_at(c.now)))
        && !(f.hide_reported_closed && t.reports.reported_closed)
        && t.status != Status::Removed
}

fn oracle_nearest(
    all: &[Toilet],
    at: LatLon,
    limit: usize,
    radius_m: Option<f64>,
    c: &Criteria,
) -> Vec<(f64, ToiletId)> {
    let mut v: Vec<(f64, ToiletId)> = all
        .iter()
        .filter(|t| oracle_admits(t, c))
        .map(|t| (haversine_m(at, t.position), t.id))
        .filter(|(d, _)| radius_m.is_none_or(|r| *d <= r))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    v.truncate(limit);
    v
}

pub(super) fn random_point(rng: &mut ChaCha8Rng) -> (f64, f64) {
    // Uniform on the sphere.
    let z: f64 = rng.random_range(-1.0..=1.0);
    (z.asin().to_degrees(), rng.random_range(-180.0..=180.0))
}

fn random_tri(rng: &mut ChaCha8Rng) -> Option<bool> {
    match rng.random_range(0..3) {
        0 => None,
        1 => Some(true),
        _ => Some(false),
    }
}

/// 10k random toilets worldwide, plus crowds at the poles, along the
/// antimeridian and 200 at one spot.
pub(super) fn world(rng: &mut ChaCha8Rng) -> Vec<Toilet> {
    let hours = [
        None,
        Some(OpeningHours::parse("24/7").unwrap()),
        Some(OpeningHours::parse("Mo-Fr 08:00-18:00").unwrap()),
        Some(OpeningHours::parse("off").unwrap()),
    ];
    let mut positions: Vec<(f64, f64)> = (0..10_000).map(|_| random_point(rng)).collect();
    for _ in 0..300 {
        positions.push((
            rng.random_range(-90.0..=90.0),
            rng.random_range(179.9..=180.0),
        ));
        positions.push((
            rng.random_range(-90.0..=90.0),
            rng.random_range(-180.0..=-179.9),
        ));
        positions.push((
            rng.random_range(89.9..=90.0),
            rng.random_range(-180.0..=180.0),
        ));
        positions.push((
            rng.random_range(-90.0..=-89.9),
            rng.random_range(-180.0..=180.0),
        ));
    }
    positions.extend([
        (90.0, 0.0),
        (90.0, 123.0),
        (-90.0, -45.0),
        (0.0, 180.0),
        (0.0, -180.0),
    ]);
    positions.extend(std::iter::repeat_n((31.2304, 121.4737), 200));
    // Shuffle so the crowd's ids are not in insertion order of the tree.
    for i in (1..positions.len()).rev() {
        positions.swap(i, rng.random_range(0..=i));
    }
    positions
        .into_iter()
        .enumerate()
        .map(|(i, (lat, lon))| {
            let mut t = toilet(i as i64 + 1, lat, lon);
            t.wheelchair = random_tri(rng);
            t.baby_change = random_tri(rng);
            t.family_room = random_tri(rng);
            t.free = random_tri(rng);
            for fact in [
                Fact::Seated,
                Fact::StepFree,
                Fact::AdultChanging,
                Fact::Squat,
            ] {
                t.details.set(fact, random_tri(rng).map(Value::Bool));
            }
            t.reports.reported_closed = rng.random_bool(0.1);
            t.opening_hours = hours[rng.random_range(0..hours.len())].clone();
            t.status = match rng.random_range(0..40) {
                0 => Status::Removed,
                1 => Status::TemporarilyClosed {
                    reason: "repairs".into(),
                    until: Some(now() + chrono::Duration::hours(1)),
                },
                2 => Status::TemporarilyClosed {
                    reason: "was closed".into(),
                    until: Some(now() - chrono::Duration::hours(1)),
                },
                _ => Status::Open,
            };
            t
        })
        .collect()
}

pub(super) fn random_filters(rng: &mut ChaCha8Rng) -> Filters {
    Filters {
        wheelchair: rng.random_bool(0.3),
        baby_change: rng.random_bool(0.2),
        family_room: rng.random_bool(0.15),
        free: rng.random_bool(0.2),
        seated: rng.random_bool(0.15),
        step_free: rng.random_bool(0.15),
        adult_changing: rng.random_bool(0.1),
        open_now: rng.random_bool(0.3),
        hide_reported_closed: rng.random_bool(0.3),
        include_unknown: rng.random_bool(0.3),
    }
}

fn assert_matches_oracle(
    index: &Index,
    all: &[Toilet],
    at: LatLon,
    limit: usize,
    radius_m: Option<f64>,
    c: &Criteria,
) {
    let ours = index.nearest(at, limit, radius_m, c);
    let expected = oracle_nearest(all, at, limit, radius_m, c);
    let context = format!(
        "at {at:?} limit {limit} radius {radius_m:?} {:?}",
        c.filters
    );
    assert_eq!(ours.len(), expected.len(), "{context}");
    let mut unique: Vec<ToiletId> = ours.iter().map(|h| h.toilet.id()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        ours.len(),
        "{context}: a toilet came back twice"
    );
    for (i, (hit, (d, id))) in ours.iter().zip(&expected).enumerate() {
        let ours_d = hit.distance_m(at);
        assert!(
            (ours_d - d).abs() <= tolerance(*d),
            "{context}: #{i} is {} at {ours_d} m, oracle has {id} at {d} m",
            hit.toilet.id()
        );
        assert!(
            oracle_admits(&hit.toilet.toilet(), c),
            "{context}: {} fails the filters",
            hit.toilet.id()
        );
        if hit.toilet.id() != *id {
            // Only a near-tie may swap places.
            let other = expected.iter().find(|(_, e)| *e == hit.toilet.id());
            let near_tie = other.is_some_and(|(od, _)| (od - d).abs() <= tolerance(*d))
                || (other.is_none() && i + 1 == expected.len());
            assert!(
                near_tie,
                "{context}: #{i} is {} but oracle has {id}",
                hit.toilet.id()
            );
        }
    }
}

#[test]
fn nearest_equals_brute_force_worldwide() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let all = world(&mut rng);
    let index = Index::from_toilets(&all);
    let removed = all.iter().filter(|t| t.status == Status::Removed).count();
    assert_eq!(index.len(), all.len() - removed);

    let mut queries: Vec<(f64, f64)> = (0..400).map(|_| random_point(&mut rng)).collect();
    queries.extend([
        (90.0, 0.0),
        (-90.0, 0.0),
        (89.99, 179.99),
        (0.0, 180.0),
        (0.0, -180.0),
        (-45.0, 179.999),
        (12.0, -179.9999),
        (31.2304, 121.4737),
        (31.2305, 121.4737),
    ]);
    for (lat, lon) in queries {
        let at = LatLon::new(lat, lon).unwrap();
        let limit = *[1, 3, 10, 37, 100].get(rng.random_range(0..5)).unwrap();
        let radius_m = match rng.random_range(0..4) {
            0 => None,
            1 => Some(rng.random_range(10.0..5_000.0)),
            2 => Some(rng.random_range(5_000.0..2_000_000.0)),
            _ => Some(rng.random_range(2_000_000.0..25_000_000.0)),
        };
        let c = Criteria {
            filters: random_filters(&mut rng),
            now: now(),
        };
        assert_matches_oracle(&index, &all, at, limit, radius_m, &c);
        let unfiltered = Criteria {
            filters: Filters::default(),
            now: now(),
        };
        assert_matches_oracle(&index, &all, at, limit, None, &unfiltered);
    }
}

#[test]
fn ties_at_one_spot_are_ordered_by_id() {
    let mut all: Vec<Toilet> = (1..=60)
        .rev()
        .map(|id| toilet(id, -33.8688, 151.2093))
        .collect();
    all.push(toilet(61, -33.8689, 151.2093));
    let index = Index::from_toilets(&all);
    let c = Criteria {
        filters: Filters::default(),
        now: now(),
    };
    let at = LatLon::new(-33.8688, 151.2093).unwrap();
    let ids: Vec<i64> = index
        .nearest(at, 25, None, &c)
        .iter()
        .map(|h| h.toilet.id().get())
        .collect();
    assert_eq!(ids, (1..=25).collect::<Vec<_>>());
    // From a little north the crowd is still one tie, ahead of toilet 61.
    let north = LatLon::new(-33.8, 151.2093).unwrap();
    let ids: Vec<i64> = index
        .nearest(north, 61, None, &c)
        .iter()
        .map(|h| h.toilet.id().get())
        .collect();
    assert_eq!(ids, (1..=61).collect::<Vec<_>>());
}

/// Toilets packed closer than single precision tells apart (a few
/// centimetres, against half a metre), and the exact double-precision
/// chord order, ties by id, that every answer must still give.
#[test]
fn the_order_is_exact_below_the_trees_precision() {
    let mut rng = ChaCha8Rng::seed_from_u64(32);
    let (lat, lon) = (31.2304, 121.4737);
    let all: Vec<Toilet> = (1..=2_000)
        .map(|id| {
            // A grid of 4 cm steps, so that exact ties also occur.
            let (i, j) = (rng.random_range(0..40), rng.random_range(0..40));
            toilet(id, lat + i as f64 * 4e-7, lon + j as f64 * 4e-7)
        })
        .collect();
    let index = Index::from_toilets(&all);
    let c = Criteria {
        filters: Filters::default(),
        now: now(),
    };
    let exact = |from: LatLon| {
        let from = from.to_unit_vector();
        let mut order: Vec<(f64, i64)> = all
            .iter()
            .map(|t| (distance_2(&t.position.to_unit_vector(), &from), t.id.get()))
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        order
    };
    for _ in 0..200 {
        let at = LatLon::new(
            lat + rng.random_range(-2e-6..2e-5),
            lon + rng.random_range(-2e-6..2e-5),
        )
        .unwrap();
        let limit = rng.random_range(1..=50);
        let expected: Vec<i64> = exact(at).iter().take(limit).map(|e| e.1).collect();
        let ours: Vec<i64> = index
            .nearest(at, limit, None, &c)
            .iter()
            .map(|h| h.toilet.id().get())
            .collect();
        assert_eq!(ours, expected, "nearest {limit} to {at:?}");
        // Within a radius: the same order, cut where the exact chord passes it.
        let radius_m = rng.random_range(0.0..2.0);
        let max = chord_2_for_metres(radius_m);
        let expected: Vec<i64> = exact(at)
            .iter()
            .take_while(|e| e.0 <= max)
            .take(limit)
            .map(|e| e.1)
            .collect();
        let ours: Vec<i64> = index
            .nearest(at, limit, Some(radius_m), &c)
            .iter()
            .map(|h| h.toilet.id().get())
            .collect();
        assert_eq!(
            ours, expected,
            "nearest {limit} to {at:?} within {radius_m} m"
        );
    }
    // A box's toilets, nearest its centre first: the same exact order.
    for _ in 0..50 {
        let (south, west) = (
            lat + rng.random_range(0.0..8e-6),
            lon + rng.random_range(0.0..8e-6),
        );
        let bbox = Bbox {
            min_lat: south,
            max_lat: south + rng.random_range(1e-7..1e-5),
            min_lon: west,
            max_lon: west + rng.random_range(1e-7..1e-5),
        };
        let limit = rng.random_range(1..=100);
        let expected: Vec<i64> = exact(bbox.center())
            .iter()
            .filter(|e| bbox.contains(all[e.1 as usize - 1].position))
            .take(limit)
            .map(|e| e.1)
            .collect();
        let ours: Vec<i64> = index
            .within(&bbox, limit, &c)
            .toilets
            .iter()
            .map(|t| t.id().get())
            .collect();
        assert_eq!(ours, expected, "{bbox:?}");
    }
}

#[test]
fn filters_walk_past_non_matching_neighbours() {
    // 500 toilets without a baby change nearer than the one that has it.
    let mut all: Vec<Toilet> = (1..=500)
        .map(|id| toilet(id, 0.0, id as f64 * 1e-4))
        .collect();
    let mut far = toilet(501, 0.0, 1.0);
    far.baby_change = Some(true);
    all.push(far);
    let index = Index::from_toilets(&all);
    let c = Criteria {
        filters: Filters {
            baby_change: true,
            ..Filters::default()
        },
        now: now(),
    };
    let at = LatLon::new(0.0, 0.0).unwrap();
    let hits = index.nearest(at, 10, None, &c);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].toilet.id().get(), 501);
    assert!(index.nearest(at, 10, Some(100_000.0), &c).is_empty());
    assert_eq!(index.nearest(at, 10, Some(112_000.0), &c).len(), 1);
}

#[test]
fn upsert_and_remove_keep_the_tree_in_step() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut all = world(&mut rng);
    all.truncate(2_000);
    let mut index = Index::from_toilets(&all);
    // Move some, remove some, add some.
    for t in all.iter_mut().take(300) {
        let (lat, lon) = random_point(&mut rng);
        t.position = LatLon::new(lat, lon).unwrap();
        index.upsert(t.clone());
    }
    for t in all.iter_mut().skip(300).take(200) {
        t.status = Status::Removed;
        index.upsert(t.clone());
    }
    for id in 2_001..2_301 {
        let (lat, lon) = random_point(&mut rng);
        let t = toilet(id, lat, lon);
        index.upsert(t.clone());
        all.push(t);
    }
    let live = all.iter().filter(|t| t.status != Status::Removed).count();
    assert_eq!(index.len(), live);
    assert!(index.get(all[350].id).is_none());
    assert_eq!(index.get(all[10].id).unwrap().position(), all[10].position);
    let c = Criteria {
        filters: Filters::default(),
        now: now(),
    };
    for _ in 0..100 {
        let (lat, lon) = random_point(&mut rng);
        assert_matches_oracle(&index, &all, LatLon::new(lat, lon).unwrap(), 20, None, &c);
    }
}

pub(super) fn random_bbox(rng: &mut ChaCha8Rng) -> Bbox {
    let a: f64 = rng.random_range(-90.0..=90.0);
    let b: f64 = rng.random_range(-90.0..=90.0);
    let west: f64 = rng.random_range(-180.0..=180.0);
    let width: f64 = rng.random_range(0.0..120.0);
    let mut east = west + width;
    if east > 180.0 {
        east -= 360.0; // crosses the antimeridian
    }
    Bbox::new(west, a.min(b), east, a.max(b)).unwrap()
}

#[test]
fn bbox_equals_brute_force_also_across_the_antimeridian() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let all = world(&mut rng);
    let index = Index::from_toilets(&all);
    let mut boxes: Vec<Bbox> = (0..300).map(|_| random_bbox(&mut rng)).collect();
    boxes.extend([
        Bbox::new(179.0, -90.0, -179.0, 90.0).unwrap(),
        Bbox::new(-180.0, 80.0, 180.0, 90.0).unwrap(),
        Bbox::new(-180.0, -90.0, 180.0, -89.95).unwrap(),
        Bbox::new(121.0, 31.0, 122.0, 32.0).unwrap(),
    ]);
    for bbox in boxes {
        let c = Criteria {
            filters: if rng.random_bool(0.5) {
                random_filters(&mut rng)
            } else {
                Filters::default()
            },
            now: now(),
        };
        let expected: Vec<&Toilet> = all
            .iter()
            .filter(|t| bbox.contains(t.position) && oracle_admits(t, &c))
            .collect();
        let limit = if rng.random_bool(0.3) { 5 } else { 100_000 };
        let within = index.within(&bbox, limit, &c);
        let (found, truncated) = (within.toilets, within.truncated);
        let strict = Criteria {
            filters: Filters {
                include_unknown: false,
                ..c.filters
            },
            ..c
        };
        let loose = Criteria {
            filters: Filters {
                include_unknown: true,
                ..c.filters
            },
            ..c
        };
        let unknown = all
            .iter()
            .filter(|t| {
                bbox.contains(t.position) && oracle_admits(t, &loose) && !oracle_admits(t, &strict)
            })
            .count();
        assert_eq!(within.unknown, unknown, "{bbox:?}");
        assert_eq!(truncated, expected.len() > limit, "{bbox:?}");
        assert_eq!(found.len(), expected.len().min(limit), "{bbox:?}");
        let mut found_ids: Vec<ToiletId> = found.iter().map(|t| t.id()).collect();
        if !truncated {
            let mut expected_ids: Vec<ToiletId> = expected.iter().map(|t| t.id).collect();
            found_ids.sort();
            expected_ids.sort();
            assert_eq!(found_ids, expected_ids, "{bbox:?}");
        } else {
            let centre = bbox.center();
            let worst = found
                .iter()
                .map(|t| haversine_m(centre, t.position()))
                .fold(0.0, f64::max);
            let closest_left_out = expected
                .iter()
                .filter(|t| !found_ids.contains(&t.id))
                .map(|t| haversine_m(centre, t.position))
                .fold(f64::INFINITY, f64::min);
            assert!(worst <= closest_left_out + tolerance(worst), "{bbox:?}");
        }
    }
}

#[test]
fn remembered_open_state_equals_evaluation() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let hours = [
        "Mo-Fr 08:00-18:00",
        "24/7",
        "Sa-Su 10:00-12:00",
        "Mo-Su 17:59-18:01",
    ]
    .map(|h| Some(OpeningHours::parse(h).unwrap()));
    let zones = ["Asia/Shanghai", "Australia/Sydney", "Europe/London"];
    let mut toilets = Vec::new();
    for (i, h) in hours.iter().enumerate() {
        for (j, z) in zones.iter().enumerate() {
            let mut t = toilet((i * 10 + j + 1) as i64, 0.0, 0.0);
            t.opening_hours = h.clone();
            t.timezone = z.parse().unwrap();
            toilets.push(t);
        }
    }
    let mut closed = toilet(99, 0.0, 0.0);
    closed.opening_hours = hours[1].clone();
    closed.status = Status::TemporarilyClosed {
        reason: "repairs".into(),
        until: None,
    };
    toilets.push(closed);
    // Walk through a week in uneven steps, seconds included, across minute edges.
    let mut at = now();
    for _ in 0..3_000 {
        at += chrono::Duration::seconds(rng.random_range(1..400));
        for t in &toilets {
            assert_eq!(
                open_at(&Record::new(t, &mut Interner::default()), at),
                t.open_at(at),
                "{} at {at}",
                t.id
            );
        }
    }
}

#[test]
fn a_repeated_id_keeps_the_later_record() {
    let index = Index::from_toilets(&[
        toilet(1, 10.0, 10.0),
        toilet(2, 0.0, 0.0),
        toilet(1, 20.0, 20.0),
    ]);
    assert_eq!(index.len(), 2);
    let c = Criteria {
        filters: Filters::default(),
        now: now(),
    };
    // From the first record's old place: were its point still in the tree,
    // toilet 1 would come back at distance zero.
    let at = LatLon::new(10.0, 10.0).unwrap();
    let hits = index.nearest(at, 5, None, &c);
    assert_eq!(hits.len(), 2);
    for hit in &hits {
        let expected = distance_2(
            &at.to_unit_vector(),
            &hit.toilet.position().to_unit_vector(),
        );
        assert!(
            (hit.chord_2 - expected).abs() < 1e-12,
            "{}",
            hit.toilet.id()
        );
    }
    assert_eq!(hits[0].toilet.position(), LatLon::new(20.0, 20.0).unwrap());
}

#[test]
fn a_combination_nobody_has_ends_the_search_at_once() {
    let mut index = Index::from_toilets(
        &(1..=1000)
            .map(|id| toilet(id, 0.0, id as f64 * 1e-3))
            .collect::<Vec<_>>(),
    );
    let c = Criteria {
        filters: Filters {
            family_room: true,
            free: true,
            ..Filters::default()
        },
        now: now(),
    };
    let at = LatLon::new(0.0, 0.0).unwrap();
    assert!(index.nearest(at, 10, None, &c).is_empty());
    let mut one = toilet(1001, 1.0, 1.0);
    one.family_room = Some(true);
    one.free = Some(true);
    one.wheelchair = Some(true);
    index.upsert(one.clone());
    assert_eq!(index.nearest(at, 10, None, &c).len(), 1);
    one.free = Some(false);
    index.upsert(one);
    assert!(index.nearest(at, 10, None, &c).is_empty());
    index.remove(ToiletId::new(1001).unwrap());
    assert!(index.nearest(at, 10, None, &c).is_empty());
    assert_eq!(index.len(), 1000);
}

/// Search against brute force: common words (met by walking the tree),
/// rare ones (ranked outright), Traditional and Simplified, with and
/// without a position, and after edits and removals.
#[test]
fn search_equals_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    // Common words everywhere, rare ones a few times; each name mixes them.
    let common = ["公厕", "公廁", "厕所", "toilet"];
    let rare = [
        "觀前街",
        "观前",
        "臺中車站",
        "台中车站",
        "Taichung",
        "中山公園",
    ];
    let mut all: Vec<Toilet> = Vec::new();
    for id in 1..=6000 {
        let (lat, lon) = if id % 3 == 0 {
            random_point(&mut rng)
        } else {
            (rng.random_range(24.0..25.5), rng.random_range(120.5..121.8))
        };
        let mut t = toilet(id, lat, lon);
        let mut name = common[rng.random_range(0..common.len())].to_owned();
        if rng.random_bool(0.01) {
            name = format!("{}{name}", rare[rng.random_range(0..rare.len())]);
        }
        t.name = Some(ToiletName::new(&format!("{name} {id}")).unwrap());
        if rng.random_bool(0.02) {
            t.address = Some(format!("{} 1号", rare[rng.random_range(0..rare.len())]));
        }
        all.push(t);
    }
    let mut index = Index::from_toilets(&all);
    let oracle = |all: &[Toilet], q: &str, at: Option<LatLon>, limit: usize| -> Vec<i64> {
        let folded = search::fold(q);
        let text = |t: &Toilet| {
            [Some(t.name_text()), t.address.as_deref()]
                .into_iter()
                .flatten()
                .map(search::fold)
                .collect::<Vec<_>>()
        };
        let mut hits: Vec<(f64, u8, i64)> = all
            .iter()
            .filter(|t| t.status != Status::Removed)
            .filter_map(|t| {
                let fields = text(t);
                let in_name = fields[0].find(&folded);
                let quality = match in_name {
                    Some(0) if fields[0] == folded => 0,
                    Some(0) => 1,
                    Some(_) => 2,
                    None if fields[1..].iter().any(|f| f.contains(&folded)) => 3,
                    None => return None,
                };
                let d = at.map_or(0.0, |at| haversine_m(at, t.position));
                Some((d, quality, t.id.get()))
            })
            .collect();
        match at {
            Some(_) => hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2))),
            None => hits.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2))),
        }
        hits.into_iter().take(limit).map(|h| h.2).collect()
    };
    let queries = [
        "公厕",
        "公廁",
        "厕",
        "TOILET",
        "公厕1",
        "公廁2",
        "观前街",
        "臺中",
        "台中車站",
        "中山公园",
        "1号",
        "无此",
    ];
    let check = |index: &Index, all: &[Toilet], rng: &mut ChaCha8Rng| {
        for q in queries {
            for at in [None, Some(random_point(rng)), Some((24.5, 121.0))] {
                let at = at.map(|(lat, lon)| LatLon::new(lat, lon).unwrap());
                let limit = [1, 10, 50][rng.random_range(0..3)];
                let ours: Vec<i64> = index
                    .search(&search::fold(q), at, limit)
                    .iter()
                    .map(|t| t.id().get())
                    .collect();
                assert_eq!(
                    ours,
                    oracle(all, q, at, limit),
                    "{q:?} at {at:?} limit {limit}"
                );
            }
        }
    };
    check(&index, &all, &mut rng);
    assert!(!index.search(&search::fold("观前街"), None, 50).is_empty());
    // Edits and removals are searched as they now stand.
    for id in (1..=6000).step_by(7) {
        let mut t = all[id - 1].clone();
        if id % 2 == 0 {
            t.name = Some(ToiletName::new(&format!("觀前街新公厕 {id}")).unwrap());
            index.upsert(t.clone());
        } else if id % 3 == 0 {
            // Moved, its text the same.
            let (lat, lon) = random_point(&mut rng);
            t.position = LatLon::new(lat, lon).unwrap();
            index.upsert(t.clone());
        } else {
            t.status = Status::Removed;
            index.remove(t.id);
        }
        all[id - 1] = t;
    }
    check(&index, &all, &mut rng);
}
