//! The image gives back the index it was written from, and refuses what
//! it was not.

use gongce_shared::{Fact, LatLon, OpeningHours, Status, Toilet, ToiletId, details::Value};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::index::{
    Criteria,
    tests::{now, random_bbox, random_filters, random_point, world},
};

/// The render tests' toilets with every field in each of its shapes (ids
/// of their own, and a phone number the store takes: theirs tests escapes),
/// and one with hours as people write them, read back as the store reads
/// them: parsed from their text.
fn shaped() -> Vec<Toilet> {
    let mut all = crate::http::render::tests::toilets();
    for t in &mut all {
        if t.details.text(Fact::Phone).is_some() {
            t.details
                .set(Fact::Phone, Some(Value::Text("021-1234 5678".into())));
        }
    }
    let mut written = all[1].clone();
    let hours = OpeningHours::parse("每天 6:00-22:00").unwrap();
    written.opening_hours = Some(OpeningHours::parse(hours.as_str()).unwrap());
    written.position = LatLon::new(-90.0, 180.0).unwrap();
    all.push(written);
    for (i, t) in all.iter_mut().enumerate() {
        t.id = ToiletId::new(20_001 + i as i64).unwrap();
    }
    all
}

fn sample() -> (Vec<Toilet>, Index) {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let mut all = world(&mut rng);
    all.extend(shaped());
    let index = Index::from_toilets(&all);
    (all, index)
}

fn mark() -> Mark {
    Mark {
        store: "5f1c9e0d2a7b4c3e8f6a1b2c3d4e5f60".to_owned(),
        seq: 1234,
        tail: vec![(1234, 7), (1233, 20_001), (1230, 1)],
    }
}

fn bytes_of(index: &Index, mark: &Mark) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toilets.sqlite.index");
    let size = write(index, mark, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, size);
    bytes
}

/// The index in an image file of these bytes.
fn read_bytes(bytes: Vec<u8>) -> anyhow::Result<Index> {
    let mut file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut file, &bytes).unwrap();
    std::io::Seek::rewind(&mut file).unwrap();
    Image::from_file(file).and_then(Image::index)
}

#[test]
fn an_image_gives_back_the_index_it_was_written_from() {
    let (all, index) = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toilets.sqlite.index");
    write(&index, &mark(), &path).unwrap();
    let image = Image::read(&path).unwrap().expect("the image was written");
    assert_eq!(*image.mark(), mark());
    assert_eq!(image.toilets(), index.len() as u64);
    let back = image.index().unwrap();

    assert_eq!(back.len(), index.len());
    assert_eq!(back.with_facilities.0, index.with_facilities.0);
    for t in &all {
        match (index.get(t.id), back.get(t.id)) {
            (Some(ours), Some(read)) => {
                assert_eq!(*ours, *read, "toilet {}", t.id);
                assert_eq!(read.toilet(), ours.toilet(), "toilet {}", t.id);
            }
            (None, None) => assert_eq!(t.status, Status::Removed),
            (ours, read) => panic!("toilet {}: {ours:?} became {read:?}", t.id),
        }
    }
    // The tree as written: every question answered alike.
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    for _ in 0..300 {
        let (lat, lon) = random_point(&mut rng);
        let criteria = Criteria {
            filters: random_filters(&mut rng),
            now: now(),
        };
        let at = LatLon::new(lat, lon).unwrap();
        let ids = |hits: Vec<crate::index::Hit>| -> Vec<(i64, u64)> {
            hits.iter()
                .map(|h| (h.toilet.id().get(), h.chord_2.to_bits()))
                .collect()
        };
        assert_eq!(
            ids(back.nearest(at, 10, None, &criteria)),
            ids(index.nearest(at, 10, None, &criteria))
        );
        let bbox = random_bbox(&mut rng);
        let within = |w: crate::index::Within| -> (Vec<i64>, bool, usize) {
            (
                w.toilets.iter().map(|t| t.id().get()).collect(),
                w.truncated,
                w.unknown,
            )
        };
        assert_eq!(
            within(back.within(&bbox, 50, &criteria)),
            within(index.within(&bbox, 50, &criteria))
        );
    }
    // And kept in step as the follower keeps it.
    let mut back = back;
    let mut moved = all[0].clone();
    moved.position = LatLon::new(0.5, 0.5).unwrap();
    back.upsert(moved.clone());
    let hits = back.nearest(
        moved.position,
        1,
        None,
        &Criteria {
            filters: Default::default(),
            now: now(),
        },
    );
    assert_eq!(hits[0].toilet.id(), moved.id);
}

#[test]
fn no_image_is_none_and_an_empty_index_is_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.index");
    assert!(Image::read(&path).unwrap().is_none());
    let empty = Mark {
        store: "a".to_owned(),
        seq: 0,
        tail: Vec::new(),
    };
    write(&Index::default(), &empty, &path).unwrap();
    let image = Image::read(&path).unwrap().unwrap();
    assert_eq!(*image.mark(), empty);
    assert!(image.index().unwrap().is_empty());
}

#[test]
fn a_damaged_cut_or_other_format_image_is_refused() {
    let (_, index) = sample();
    let bytes = bytes_of(&index, &mark());
    let refused = |bytes: Vec<u8>| read_bytes(bytes).err().map(|e| format!("{e:#}"));
    assert!(refused(bytes.clone()).is_none());
    let mut cut = bytes.clone();
    cut.truncate(bytes.len() - 100);
    assert!(refused(cut).unwrap().contains("cut short"));
    let mut flipped = bytes.clone();
    let middle = bytes.len() / 2;
    flipped[middle] ^= 0x10;
    assert!(refused(flipped).unwrap().contains("checksum"));
    let mut older = bytes.clone();
    older[8..12].copy_from_slice(&(FORMAT - 1).to_le_bytes());
    assert!(refused(older).unwrap().contains("format"));
    assert!(refused(b"SQLite format 3\0".to_vec()).is_some());
    assert!(refused(Vec::new()).is_some());
}

/// `bytes` with its body changed by `change`, its length and checksum
/// made to match: damage the checksum cannot see.
fn resealed(bytes: &[u8], change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut body = bytes[PREFIX..].to_vec();
    change(&mut body);
    let mut out = bytes[..PREFIX].to_vec();
    out[12..20].copy_from_slice(&(body.len() as u64).to_le_bytes());
    out[20..24].copy_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn any_damage_behind_a_good_checksum_is_refused_or_read_never_panicked_on() {
    let index = Index::from_toilets(&shaped());
    let bytes = bytes_of(&index, &mark());
    let mut refused = 0;
    for at in 0..bytes.len() - PREFIX {
        for bit in [0x01u8, 0x80] {
            let damaged = resealed(&bytes, |body| body[at] ^= bit);
            // Read or refused; either way, never a panic.
            if read_bytes(damaged).is_err() {
                refused += 1;
            }
        }
        let cut = resealed(&bytes, |body| body.truncate(at));
        assert!(read_bytes(cut).is_err());
    }
    assert!(
        refused > bytes.len(),
        "{refused} of {} refused",
        2 * bytes.len()
    );
}

#[test]
fn a_tree_that_is_not_its_records_is_refused() {
    let toilets = shaped();
    let index = Index::from_toilets(&toilets);
    let mut moved = toilets.clone();
    moved[0].position = LatLon::new(10.0, 10.0).unwrap();
    let mut other = Index::from_toilets(&moved);
    // The records of one with the tree of the other.
    other.tree = index.tree.clone();
    let bytes = bytes_of(&other, &mark());
    let Err(error) = read_bytes(bytes) else {
        panic!("an image whose tree is not its records was read");
    };
    assert!(
        format!("{error:#}").contains("points are not its records"),
        "{error:#}"
    );
    // One toilet left out of the tree.
    let mut fewer = Index::from_toilets(&toilets);
    fewer
        .tree
        .remove(&tree_point(&fewer.get(toilets[1].id).unwrap()));
    let bytes = bytes_of(&fewer, &mark());
    assert!(read_bytes(bytes).is_err());
}

/// The bytes of one small image: when this fails, what an image holds has
/// changed, and [`FORMAT`] must move on with it (an older image is then
/// refused and the store read instead, rather than misread).
#[test]
fn the_format_is_what_format_says() {
    let index = Index::from_toilets(&shaped());
    let bytes = bytes_of(&index, &mark());
    assert_eq!(FORMAT, 1);
    assert_eq!(
        (bytes.len(), crc32fast::hash(&bytes)),
        (1577, 1_833_350_785),
        "the image's bytes changed: bump FORMAT, then update this"
    );
}
