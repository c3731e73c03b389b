//! OpenStreetMap toilets, from an `.osm.pbf` extract (osmpbf) or Overpass
//! JSON (`{"elements": […]}`), as rows of our own fields: the mapping table
//! in docs/IMPORT.md, one function here ([`cells`]).
//!
//! A toilet is an element tagged `amenity=toilets` (a node, a way or a
//! multipolygon relation, areas placed at their centroid), or any other
//! feature tagged `toilets=yes` (a station, a mall, a fuel station), read
//! from its `toilets:*` tags and taken as for customers unless
//! `toilets:access` says otherwise. Its key is `node/123`, `way/456` or
//! `relation/789`, so a newer extract updates the same toilets and
//! `--remove-missing` retires those gone. Toilets tagged `access=private`
//! or `no` are left out and counted. A tag value outside the table is left
//! unknown, never guessed.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Context as _;
use geo::{Centroid as _, Coord, LineString, MultiPoint, MultiPolygon, Point, Polygon};
use gongce_shared::Fact;

use super::input::Record;

/// The columns every OpenStreetMap row fills, named as our fields.
pub const COLUMNS: [&str; 20] = [
    "external_id",
    "name",
    "lat",
    "lon",
    "address",
    "operator",
    "access",
    "wheelchair",
    "baby_change",
    "free",
    "fee_note",
    "opening_hours",
    "seated",
    "squat",
    "paper",
    "soap",
    "name_en",
    "phone",
    "room",
    "last_verified",
];

type Tags = BTreeMap<String, String>;

/// What a file's toilets came to: rows, and how many were left out.
pub struct Toilets {
    pub records: Vec<Record>,
    /// Toilets tagged `access=private` or `no`.
    pub private: usize,
}

/// One element that is or holds a toilet, with its place once known.
struct Feature {
    key: String,
    tags: Tags,
    at: Option<(f64, f64)>,
}

/// How an element is a toilet.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `amenity=toilets`: the toilet itself.
    Toilets,
    /// `toilets=yes` on something else: toilets inside it.
    Inside,
}

fn kind_of<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Kind> {
    let mut inside = false;
    for (k, v) in tags {
        match (k, v.trim()) {
            ("amenity", "toilets") => return Some(Kind::Toilets),
            ("toilets", "yes") => inside = true,
            _ => {}
        }
    }
    inside.then_some(Kind::Inside)
}

fn owned<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tags {
    tags.into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// OSM's yes/no, as our tri-state: `designated` is yes, `limited` and
/// anything else unknown.
fn yes_no(value: Option<&str>) -> &'static str {
    match value {
        Some("yes" | "designated") => "yes",
        Some("no") => "no",
        _ => "",
    }
}

/// The row of one toilet, or `None` when its access keeps it out.
fn cells(f: &Feature) -> Option<Vec<String>> {
    let kind = kind_of(f.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let tag = |k: &str| f.tags.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    // What speaks of the toilet: for `amenity=toilets` its plain tags
    // (then `toilets:*`, which mappers use there too); for toilets inside
    // something else, only `toilets:*` (its `wheelchair` or `fee` is the
    // building's).
    let own = |k: &str| match kind {
        Kind::Toilets => tag(k).or_else(|| tag(&format!("toilets:{k}"))),
        Kind::Inside => tag(&format!("toilets:{k}")),
    };
    let access = match (kind, own("access")) {
        (_, Some("private" | "no")) => return None,
        _ if own("locked") == Some("yes") => "key",
        (_, Some("yes" | "public" | "permissive" | "designated")) => "public",
        (_, Some("customers")) => "customers",
        (Kind::Inside, None) => "customers",
        _ => "",
    };
    let baby_change = match own("changing_table") {
        Some(v) => yes_no(Some(v)),
        // The older tag: yes, no, or how many.
        None => match tag("diaper").filter(|_| kind == Kind::Toilets) {
            Some("no" | "0") => "no",
            Some(v) if v == "yes" || v.parse::<u32>().is_ok_and(|n| n > 0) => "yes",
            _ => "",
        },
    };
    let free = match own("fee") {
        Some("yes") => "no",
        Some("no") => "yes",
        _ => "",
    };
    let hours = match kind {
        Kind::Toilets => tag("opening_hours"),
        // Toilets inside a place are open when it is, unless told otherwise.
        Kind::Inside => tag("toilets:opening_hours").or_else(|| tag("opening_hours")),
    };
    let positions: Vec<&str> = tag("toilets:position")
        .map(|p| p.split(';').map(str::trim).collect())
        .unwrap_or_default();
    let has = |what: &str| if positions.contains(&what) { "yes" } else { "" };
    let phone = match kind {
        Kind::Toilets => tag("phone").or_else(|| tag("contact:phone")),
        Kind::Inside => None,
    }
    .filter(|p| Fact::Phone.parse(p).is_ok());
    let operator = match kind {
        Kind::Toilets => tag("operator"),
        Kind::Inside => tag("toilets:operator").or_else(|| tag("operator")),
    };
    let room = if own("unisex") == Some("yes") {
        "unisex"
    } else {
        ""
    };
    let (lat, lon) =
        f.at.map(|(lat, lon)| (format!("{lat:.7}"), format!("{lon:.7}")))
            .unwrap_or_default();
    let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
    Some(vec![
        f.key.clone(),
        text(tag("name")),
        lat,
        lon,
        address(tag).unwrap_or_default(),
        text(operator),
        access.to_owned(),
        yes_no(own("wheelchair")).to_owned(),
        baby_change.to_owned(),
        free.to_owned(),
        text(own("charge")),
        text(hours),
        has("seated").to_owned(),
        has("squat").to_owned(),
        yes_no(tag("toilets:paper_supplied")).to_owned(),
        yes_no(own("soap")).to_owned(),
        text(tag("name:en")),
        text(phone),
        room.to_owned(),
        text(tag("check_date")),
    ])
}

/// `addr:full`, else the `addr:*` parts: run together largest first where
/// the street is written in Chinese, Japanese or Korean (广东省深圳市南山区
/// 科技园路1号); else "number street, suburb, city postcode".
fn address<'a>(tag: impl Fn(&str) -> Option<&'a str>) -> Option<String> {
    if let Some(full) = tag("addr:full") {
        return Some(full.to_owned());
    }
    let street = tag("addr:street").or_else(|| tag("addr:place"));
    let number = tag("addr:housenumber");
    let cjk = |s: &str| {
        s.chars()
            .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}'))
    };
    let out = if street.is_some_and(cjk) {
        [
            "addr:province",
            "addr:city",
            "addr:district",
            "addr:subdistrict",
            "addr:street",
            "addr:housenumber",
        ]
        .into_iter()
        .filter_map(|k| if k == "addr:street" { street } else { tag(k) })
        .collect::<String>()
    } else {
        let first = [number, street]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let city = [tag("addr:city"), tag("addr:postcode")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [
            first.as_str(),
            tag("addr:suburb").unwrap_or_default(),
            &city,
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    };
    (!out.is_empty()).then_some(out)
}

/// The most toilets one file may hold: twice OpenStreetMap's whole world
/// (about 470,000), so memory stays bounded whatever a file claims.
pub const MAX_TOILETS: usize = 1_000_000;

fn too_many(over: bool) -> anyhow::Result<()> {
    if over {
        anyhow::bail!(
            "the file holds more than {MAX_TOILETS} toilets; cut the extract to the city or region"
        );
    }
    Ok(())
}

/// The rows of `features`, numbered from 1 in the order read.
fn rows(features: Vec<Feature>) -> Toilets {
    let mut out = Toilets {
        records: Vec::with_capacity(features.len()),
        private: 0,
    };
    for f in features {
        let Some(cells) = cells(&f) else {
            out.private += 1;
            continue;
        };
        let problem = f.at.is_none().then(|| {
            (
                "geometry".to_owned(),
                format!(
                    "{} has no position (from Overpass, ask for `out center;` or `out geom;`)",
                    f.key
                ),
            )
        });
        out.records.push(Record {
            row: out.records.len() + 1,
            cells,
            problem,
        });
    }
    out
}

/// A node, when it is a toilet (plain and dense nodes list their tags alike).
fn node<'a, T>(id: i64, tags: T, at: (f64, f64)) -> Option<Feature>
where
    T: Iterator<Item = (&'a str, &'a str)> + Clone,
{
    kind_of(tags.clone())?;
    Some(Feature {
        key: format!("node/{id}"),
        tags: owned(tags),
        at: Some(at),
    })
}

/// The centroid of a closed way's ring (an area), else of its line.
fn way_centre(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let line: LineString = points
        .iter()
        .map(|&(lat, lon)| Coord { x: lon, y: lat })
        .collect();
    let centre = if points.len() >= 4 && points.first() == points.last() {
        Polygon::new(line, vec![]).centroid()
    } else {
        line.centroid()
    };
    centre.map(|p| (p.y(), p.x()))
}

/// The centroid of a multipolygon's closed outer ways; when its outer
/// ring is made of several open ways, the middle of their points.
fn relation_centre(ways: &[Vec<(f64, f64)>]) -> Option<(f64, f64)> {
    let closed: Vec<Polygon> = ways
        .iter()
        .filter(|w| w.len() >= 4 && w.first() == w.last())
        .map(|w| {
            Polygon::new(
                w.iter()
                    .map(|&(lat, lon)| Coord { x: lon, y: lat })
                    .collect(),
                vec![],
            )
        })
        .collect();
    let centre = if !closed.is_empty() && closed.len() == ways.len() {
        MultiPolygon::new(closed).centroid()
    } else {
        MultiPoint::new(
            ways.iter()
                .flatten()
                .map(|&(lat, lon)| Point::new(lon, lat))
                .collect(),
        )
        .centroid()
    };
    centre.map(|p| (p.y(), p.x()))
}

/// Reads an `.osm.pbf` file: toilet nodes in one pass; when there are
/// toilet ways or multipolygons, a second pass for the multipolygons'
/// ways and a third for the nodes they need. Only the toilets and the
/// nodes they need are kept in memory.
pub fn read_pbf(path: &std::path::Path) -> anyhow::Result<Toilets> {
    // osmpbf panics on a few malformed inputs (an unknown member type):
    // those are a bad file, not a crash.
    std::panic::catch_unwind(|| read_pbf_unguarded(path)).unwrap_or_else(|_| {
        anyhow::bail!("not a readable OpenStreetMap .osm.pbf file (its blocks are malformed)")
    })
}

fn read_pbf_unguarded(path: &std::path::Path) -> anyhow::Result<Toilets> {
    use osmpbf::{Element, ElementReader, RelMemberType};
    let reader = || -> anyhow::Result<ElementReader<_>> {
        ElementReader::from_path(path).context("not an OpenStreetMap .osm.pbf file")
    };
    let mut features = Vec::new();
    let mut ways: Vec<(Feature, Vec<i64>)> = Vec::new();
    let mut relations: Vec<(Feature, Vec<i64>)> = Vec::new();
    let mut over = false;
    reader()?
        .for_each(|element| {
            // Past the bound, toilets are counted out, not kept.
            if features.len() + ways.len() + relations.len() >= MAX_TOILETS {
                over = true;
                return;
            }
            match element {
                Element::Node(n) => features.extend(node(n.id(), n.tags(), (n.lat(), n.lon()))),
                Element::DenseNode(n) => {
                    features.extend(node(n.id(), n.tags(), (n.lat(), n.lon())))
                }
                Element::Way(w) => {
                    if kind_of(w.tags()).is_some() {
                        let f = Feature {
                            key: format!("way/{}", w.id()),
                            tags: owned(w.tags()),
                            at: None,
                        };
                        ways.push((f, w.refs().collect()));
                    }
                }
                Element::Relation(r) => {
                    let multipolygon = r.tags().any(|(k, v)| k == "type" && v == "multipolygon");
                    if multipolygon && kind_of(r.tags()).is_some() {
                        let outer = r
                            .members()
                            .filter(|m| {
                                m.member_type == RelMemberType::Way
                                    && matches!(m.role(), Ok("outer" | ""))
                            })
                            .map(|m| m.member_id)
                            .collect();
                        let f = Feature {
                            key: format!("relation/{}", r.id()),
                            tags: owned(r.tags()),
                            at: None,
                        };
                        relations.push((f, outer));
                    }
                }
            }
        })
        .context("not a readable OpenStreetMap .osm.pbf file")?;
    too_many(over)?;

    // The member ways of the multipolygons.
    let wanted_ways: HashSet<i64> = relations
        .iter()
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    let mut member_ways: HashMap<i64, Vec<i64>> = HashMap::new();
    if !wanted_ways.is_empty() {
        reader()?.for_each(|element| {
            if let Element::Way(w) = element
                && wanted_ways.contains(&w.id())
            {
                member_ways.insert(w.id(), w.refs().collect());
            }
        })?;
    }
    // The nodes of every way needed.
    let wanted_nodes: HashSet<i64> = ways
        .iter()
        .flat_map(|(_, refs)| refs.iter().copied())
        .chain(member_ways.values().flatten().copied())
        .collect();
    let mut nodes: HashMap<i64, (f64, f64)> = HashMap::with_capacity(wanted_nodes.len());
    if !wanted_nodes.is_empty() {
        reader()?.for_each(|element| match element {
            Element::Node(n) if wanted_nodes.contains(&n.id()) => {
                nodes.insert(n.id(), (n.lat(), n.lon()));
            }
            Element::DenseNode(n) if wanted_nodes.contains(&n.id()) => {
                nodes.insert(n.id(), (n.lat(), n.lon()));
            }
            _ => {}
        })?;
    }
    let points = |refs: &[i64]| -> Option<Vec<(f64, f64)>> {
        refs.iter().map(|id| nodes.get(id).copied()).collect()
    };
    for (mut f, refs) in ways {
        f.at = points(&refs).and_then(|p| way_centre(&p));
        features.push(f);
    }
    for (mut f, members) in relations {
        let rings: Option<Vec<_>> = members
            .iter()
            .map(|id| member_ways.get(id).and_then(|refs| points(refs)))
            .collect();
        f.at = rings.and_then(|r| relation_centre(&r));
        features.push(f);
    }
    Ok(rows(features))
}

/// Reads Overpass JSON: nodes by their position; ways and relations by
/// their `center` (`out center;`), else their `geometry` (`out geom;`),
/// else the nodes the file holds (`out body; >; out skel;`).
pub fn read_overpass(doc: &serde_json::Value) -> anyhow::Result<Toilets> {
    use serde_json::Value;
    let elements = doc
        .get("elements")
        .and_then(Value::as_array)
        .context("Overpass JSON needs an \"elements\" array")?;
    let latlon = |v: &Value| -> Option<(f64, f64)> {
        Some((v.get("lat")?.as_f64()?, v.get("lon")?.as_f64()?))
    };
    let nodes: HashMap<i64, (f64, f64)> = elements
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("node"))
        .filter_map(|e| Some((e.get("id")?.as_i64()?, latlon(e)?)))
        .collect();
    let geometry = |v: &Value| -> Option<Vec<(f64, f64)>> {
        v.get("geometry")?.as_array()?.iter().map(latlon).collect()
    };
    let mut features = Vec::new();
    for e in elements {
        let Some(tags) = e.get("tags").and_then(Value::as_object) else {
            continue;
        };
        let tags: Tags = tags
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        if kind_of(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))).is_none() {
            continue;
        }
        let (Some(kind), Some(id)) = (
            e.get("type").and_then(Value::as_str),
            e.get("id").and_then(Value::as_i64),
        ) else {
            continue;
        };
        let at = match kind {
            "node" => latlon(e),
            "way" => e.get("center").and_then(latlon).or_else(|| {
                let points = geometry(e).or_else(|| {
                    e.get("nodes")?
                        .as_array()?
                        .iter()
                        .map(|n| nodes.get(&n.as_i64()?).copied())
                        .collect()
                })?;
                way_centre(&points)
            }),
            "relation" => e.get("center").and_then(latlon).or_else(|| {
                let rings: Vec<Vec<(f64, f64)>> = e
                    .get("members")?
                    .as_array()?
                    .iter()
                    .filter(|m| {
                        m.get("type").and_then(Value::as_str) == Some("way")
                            && matches!(m.get("role").and_then(Value::as_str), Some("outer" | ""))
                    })
                    .map(geometry)
                    .collect::<Option<_>>()?;
                relation_centre(&rings)
            }),
            _ => continue,
        };
        features.push(Feature {
            key: format!("{kind}/{id}"),
            tags,
            at,
        });
        too_many(features.len() > MAX_TOILETS)?;
    }
    Ok(rows(features))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tags: &[(&str, &str)]) -> Option<BTreeMap<&'static str, String>> {
        let f = Feature {
            key: "node/1".to_owned(),
            tags: owned(tags.iter().copied()),
            at: Some((1.5, 103.25)),
        };
        Some(
            COLUMNS
                .into_iter()
                .zip(cells(&f)?)
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        )
    }

    #[test]
    fn toilets_map_their_tags_and_leave_the_rest_unknown() {
        let r = row(&[
            ("amenity", "toilets"),
            ("wheelchair", "limited"),
            ("changing_table", "yes"),
            ("fee", "yes"),
            ("charge", "0.50 SGD"),
            ("toilets:position", "seated;urinal"),
            ("toilets:paper_supplied", "no"),
            ("unisex", "yes"),
            ("phone", "not a number"),
            ("addr:housenumber", "1"),
            ("addr:street", "Orchard Road"),
            ("addr:city", "Singapore"),
        ])
        .unwrap();
        assert_eq!(r["baby_change"], "yes");
        assert_eq!(r["free"], "no");
        assert_eq!(r["fee_note"], "0.50 SGD");
        assert_eq!(r["seated"], "yes");
        assert_eq!(r["paper"], "no");
        assert_eq!(r["room"], "unisex");
        assert_eq!(r["address"], "1 Orchard Road, Singapore");
        for unknown in ["wheelchair", "squat", "phone", "access", "name"] {
            assert!(!r.contains_key(unknown), "{unknown}: {r:?}");
        }
    }

    #[test]
    fn toilets_inside_read_their_own_tags_and_default_to_customers() {
        let r = row(&[
            ("shop", "mall"),
            ("name", "来福士广场"),
            ("toilets", "yes"),
            ("wheelchair", "yes"),
            ("toilets:wheelchair", "no"),
            ("fee", "yes"),
            ("opening_hours", "10:00-22:00"),
            ("addr:city", "上海市"),
            ("addr:district", "黄浦区"),
            ("addr:street", "西藏中路"),
            ("addr:housenumber", "268号"),
        ])
        .unwrap();
        assert_eq!(r["access"], "customers");
        assert_eq!(r["wheelchair"], "no");
        assert!(
            !r.contains_key("free"),
            "the mall's fee is not the toilet's"
        );
        assert_eq!(r["opening_hours"], "10:00-22:00");
        assert_eq!(r["address"], "上海市黄浦区西藏中路268号");
        assert_eq!(
            row(&[("toilets", "yes"), ("toilets:access", "yes")]).unwrap()["access"],
            "public"
        );
        assert_eq!(row(&[("toilets", "no"), ("name", "x")]), None);
    }

    #[test]
    fn private_toilets_are_left_out_and_locked_ones_need_a_key() {
        assert_eq!(row(&[("amenity", "toilets"), ("access", "private")]), None);
        assert_eq!(row(&[("toilets", "yes"), ("toilets:access", "no")]), None);
        assert_eq!(
            row(&[("amenity", "toilets"), ("locked", "yes")]).unwrap()["access"],
            "key"
        );
    }

    #[test]
    fn areas_are_placed_at_their_centroid() {
        let square = [(0.0, 0.0), (0.0, 2.0), (2.0, 2.0), (2.0, 0.0), (0.0, 0.0)];
        assert_eq!(way_centre(&square), Some((1.0, 1.0)));
        assert_eq!(relation_centre(&[square.to_vec()]), Some((1.0, 1.0)));
        assert_eq!(way_centre(&[(0.0, 0.0), (0.0, 4.0)]), Some((0.0, 2.0)));
    }
}
