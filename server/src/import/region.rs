//! "Far outside the region the rest of the file lies in."
//!
//! The region is the convex hull of the file's dense places: grid cells of
//! 0.1° (about 11 km) whose 3×3 neighbourhood holds at least four distinct
//! positions. A lone toilet in the outback lies inside the hull of a
//! country's towns and passes; a point typed into the sea, the other
//! hemisphere, or another country lies outside it and is reported with its
//! distance. A list with fewer than half its rows in dense places has no
//! region, and nothing is rejected as far. Memory grows with the area
//! covered, not with the rows.

use std::collections::HashMap;

use geo::{ConvexHull as _, Coord, LineString, MultiPoint, Point, Polygon};

const CELL_DEG: f64 = 0.1;
/// Distinct positions a neighbourhood needs to count as a place.
const DENSE: usize = 4;
/// Files smaller than this are too small to have a region.
pub const MIN_ROWS: usize = 20;
/// Kilometres per degree of latitude.
const KM_PER_DEG: f64 = 111.2;

/// Positions rounded to ~10 m.
type Spots = Vec<(i32, i32)>;

#[derive(Default)]
pub struct RegionBuilder {
    /// Up to `DENSE` distinct positions (to ~10 m) per cell, and the rows in it.
    cells: HashMap<(i32, i32), (Spots, usize)>,
    rows: usize,
}

fn cell(lat: f64, lon: f64) -> (i32, i32) {
    (
        (lat / CELL_DEG).floor() as i32,
        (lon / CELL_DEG).floor() as i32,
    )
}

impl RegionBuilder {
    pub fn add(&mut self, lat: f64, lon: f64) {
        self.rows += 1;
        let spot = ((lat * 1e4).round() as i32, (lon * 1e4).round() as i32);
        let (seen, rows) = self.cells.entry(cell(lat, lon)).or_default();
        *rows += 1;
        if seen.len() < DENSE && !seen.contains(&spot) {
            seen.push(spot);
        }
    }

    /// The region, or `None` when the file is too small or too scattered to have one.
    pub fn build(self) -> Option<Region> {
        if self.rows < MIN_ROWS {
            return None;
        }
        let dense: Vec<(i32, i32)> = self
            .cells
            .keys()
            .filter(|(r, c)| {
                let mut n = 0;
                for dr in -1..=1 {
                    for dc in -1..=1 {
                        n += self
                            .cells
                            .get(&(r + dr, c + dc))
                            .map_or(0, |(s, _)| s.len());
                    }
                }
                n >= DENSE
            })
            .copied()
            .collect();
        // A list spread thin (a national list of rest areas, say) has no
        // dense places to speak of: then there is no region to be far from.
        let in_dense: usize = dense.iter().map(|c| self.cells[c].1).sum();
        if in_dense * 2 < self.rows {
            return None;
        }
        let mean_lat =
            dense.iter().map(|(r, _)| f64::from(*r)).sum::<f64>() * CELL_DEG / dense.len() as f64;
        let lon_scale = mean_lat.to_radians().cos().max(0.05);
        let plane = |lat: f64, lon: f64| Coord {
            x: lon * KM_PER_DEG * lon_scale,
            y: lat * KM_PER_DEG,
        };
        let corners: MultiPoint<f64> = dense
            .iter()
            .flat_map(|(r, c)| {
                let (lat, lon) = (f64::from(*r) * CELL_DEG, f64::from(*c) * CELL_DEG);
                [
                    plane(lat, lon),
                    plane(lat + CELL_DEG, lon),
                    plane(lat, lon + CELL_DEG),
                    plane(lat + CELL_DEG, lon + CELL_DEG),
                ]
            })
            .map(Point::from)
            .collect();
        let hull = corners.convex_hull();
        let (min, max) = dense.iter().fold(
            ((i32::MAX, i32::MAX), (i32::MIN, i32::MIN)),
            |(min, max), &(r, c)| ((min.0.min(r), min.1.min(c)), (max.0.max(r), max.1.max(c))),
        );
        let extent_km = {
            let a = plane(f64::from(min.0) * CELL_DEG, f64::from(min.1) * CELL_DEG);
            let b = plane(
                f64::from(max.0 + 1) * CELL_DEG,
                f64::from(max.1 + 1) * CELL_DEG,
            );
            ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
        };
        Some(Region {
            hull,
            lon_scale,
            margin_km: (extent_km * 0.05).max(50.0),
            bounds: (
                f64::from(min.0) * CELL_DEG,
                f64::from(max.0 + 1) * CELL_DEG,
                f64::from(min.1) * CELL_DEG,
                f64::from(max.1 + 1) * CELL_DEG,
            ),
        })
    }
}

pub struct Region {
    hull: Polygon<f64>,
    lon_scale: f64,
    /// How far outside the hull a point may lie before it is reported.
    pub margin_km: f64,
    /// South, north, west, east edges of the dense places, in degrees.
    pub bounds: (f64, f64, f64, f64),
}

impl Region {
    /// Kilometres from the region's hull (0 inside it).
    pub fn distance_km(&self, lat: f64, lon: f64) -> f64 {
        let p = Coord {
            x: lon * KM_PER_DEG * self.lon_scale,
            y: lat * KM_PER_DEG,
        };
        let ring: &LineString<f64> = self.hull.exterior();
        if ring.0.len() < 3 {
            return ring
                .0
                .iter()
                .map(|c| ((c.x - p.x).powi(2) + (c.y - p.y).powi(2)).sqrt())
                .fold(f64::INFINITY, f64::min);
        }
        if geo::Contains::contains(&self.hull, &p) {
            return 0.0;
        }
        ring.lines()
            .map(|l| {
                let (a, b) = (l.start, l.end);
                let (dx, dy) = (b.x - a.x, b.y - a.y);
                let len2 = dx * dx + dy * dy;
                let t = if len2 == 0.0 {
                    0.0
                } else {
                    (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
                };
                ((a.x + t * dx - p.x).powi(2) + (a.y + t * dy - p.y).powi(2)).sqrt()
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether a point lies outside the region by more than the margin.
    pub fn is_far(&self, lat: f64, lon: f64) -> Option<f64> {
        let d = self.distance_km(lat, lon);
        (d > self.margin_km).then_some(d)
    }

    pub fn describe(&self) -> String {
        let (s, n, w, e) = self.bounds;
        format!("the rest lie within latitude {s:.1}..{n:.1}, longitude {w:.1}..{e:.1}")
    }
}
