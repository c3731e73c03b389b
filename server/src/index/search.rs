//! Finding toilets by name or place: every toilet's name, address,
//! operator and English name and address, folded, with the toilets that
//! hold each pair of characters (and each character) listed.
//!
//! Folding makes "台中車站", "臺中車站" and "台中车站" one text: letters in
//! lower case, full-width forms as ASCII, Traditional characters as their
//! Simplified ones (OpenCC's character table, from the `hanconv` crate),
//! spaces dropped.
//!
//! A search takes the shortest list of toilets among the query's pairs
//! and checks each one's text. With a position, a short list is ranked by
//! distance outright; a long one (a common word) is met walking the
//! R-tree outward from the position, checking each toilet met, which ends
//! quickly because matches are common. The lists are only added to: a
//! changed or removed toilet leaves a stale entry, which the check of its
//! current text passes over; a rebuild of the index (after a reload)
//! starts them afresh.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock},
};

use gongce_shared::{Fact, ToiletId};

use super::Record;

/// Separates the fields in a toilet's text, so no match spans two.
const SEPARATOR: char = '\u{1}';

/// Traditional (and Taiwan and Hong Kong variant) characters to Simplified.
static SIMPLIFIED: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    use hanconv::RawDictionary;
    let single = |s: &str| {
        let mut chars = s.chars();
        chars.next().filter(|_| chars.next().is_none())
    };
    let mut map = HashMap::new();
    for (traditional, simplified) in RawDictionary::TSCharacters.iter() {
        if let (Some(t), Some(s)) = (single(traditional), single(simplified)) {
            map.insert(t, s);
        }
    }
    for variants in [RawDictionary::TWVariants, RawDictionary::HKVariants] {
        for (standard, variant) in variants.iter() {
            if let (Some(t), Some(v)) = (single(standard), single(variant)) {
                let simplified = map.get(&t).copied().unwrap_or(t);
                map.entry(v).or_insert(simplified);
            }
        }
    }
    map
});

/// `text` folded for matching (see the module documentation).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

fn fold_into(text: &str, out: &mut String) {
    for c in text.chars() {
        let c = match c {
            '\u{3000}' => continue,
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        if c.is_whitespace() || c == SEPARATOR {
            continue;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(&s) = SIMPLIFIED.get(&c) {
            out.push(s);
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// A toilet's searchable text: its fields folded, name first.
fn text_of(t: &Record) -> String {
    let mut out = String::new();
    let fields = [
        Some(t.name_text()),
        t.address(),
        t.operator(),
        t.details().text(Fact::NameEn),
        t.details().text(Fact::AddressEn),
    ];
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        if let Some(field) = field {
            fold_into(field, &mut out);
        }
    }
    out
}

/// A text's place in the arena; `NONE` for a toilet without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    const NONE: Span = Span {
        start: u32::MAX,
        end: u32::MAX,
    };
}

/// The keys a text is listed under: each character, and each pair of
/// characters within one field.
fn keys(text: &str) -> impl Iterator<Item = u64> + '_ {
    let mut previous: Option<char> = None;
    text.chars().flat_map(move |c| {
        let pair = previous.filter(|_| c != SEPARATOR).map(|p| pair_key(p, c));
        previous = (c != SEPARATOR).then_some(c);
        let single = (c != SEPARATOR).then(|| single_key(c));
        pair.into_iter().chain(single)
    })
}

fn pair_key(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

fn single_key(a: char) -> u64 {
    (u64::from(a) << 32) | u64::from(u32::MAX)
}

/// How well a toilet's text matches, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quality {
    /// The name is the query.
    Name,
    /// The name starts with it.
    NameStart,
    /// The name holds it.
    InName,
    /// Another field holds it.
    Elsewhere,
}

/// Every servable toilet's text, and the toilets listed under each key.
#[derive(Default)]
pub struct TextIndex {
    /// Where each toilet's folded text lies in `arena`, by id as the
    /// index's own table (ids are dense); `Span::NONE` for none.
    spans: Vec<Span>,
    /// Every text, one after another. A changed text is added at the end
    /// and its old bytes stay until the index is next rebuilt (a reload):
    /// edits are few against a million texts.
    arena: String,
    /// Each toilet's unit vector, by id (NaN for none), so that ranking a
    /// list by distance reads one array in order rather than every record.
    points: Vec<[f64; 3]>,
    lists: HashMap<u64, List, ahash::RandomState>,
}

/// The toilets listed under one key, in the order they were put: each as
/// its difference from the one before, as a varint (zigzag, so an edited
/// toilet put again below the last costs no more). Ids are dense and a
/// build puts them in ascending order, so an entry takes a byte or two
/// where a `u32` took four.
#[derive(Debug, Default)]
pub struct List {
    bytes: Vec<u8>,
    last: u32,
    len: u32,
}

impl List {
    fn push(&mut self, id: u32) {
        use integer_encoding::VarInt as _;
        let mut buffer = [0; 10];
        let used = (i64::from(id) - i64::from(self.last)).encode_var(&mut buffer);
        self.bytes.extend_from_slice(&buffer[..used]);
        self.last = id;
        self.len += 1;
    }

    /// How many entries, stale and repeated ones included.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        use integer_encoding::VarInt as _;
        let (mut at, mut id) = (0, 0_i64);
        std::iter::from_fn(move || {
            let (step, used) = i64::decode_var(self.bytes.get(at..)?)?;
            at += used;
            id += step;
            u32::try_from(id).ok()
        })
    }
}

impl TextIndex {
    pub fn build<'a>(toilets: impl Iterator<Item = &'a Arc<Record>>) -> Self {
        let mut index = TextIndex::default();
        for t in toilets {
            index.put(t);
        }
        // Lists grew by doubling: give back what they will not use.
        for list in index.lists.values_mut() {
            list.bytes.shrink_to_fit();
        }
        index.arena.shrink_to_fit();
        index
    }

    fn text(&self, at: usize) -> Option<&str> {
        let span = *self.spans.get(at)?;
        (span != Span::NONE).then(|| &self.arena[span.start as usize..span.end as usize])
    }

    /// Adds or replaces a toilet's text.
    pub fn put(&mut self, t: &Record) {
        let text = text_of(t);
        let id = t.id().get();
        let Ok(short) = u32::try_from(id) else {
            tracing::warn!("toilet {id}: id beyond what the search lists hold");
            return;
        };
        let at = short as usize;
        if self.spans.len() <= at {
            self.spans.resize(at + 1, Span::NONE);
            self.points.resize(at + 1, [f64::NAN; 3]);
        }
        self.points[at] = t.position().to_unit_vector();
        if self.text(at) == Some(text.as_str()) {
            return;
        }
        let (Ok(start), Ok(end)) = (
            u32::try_from(self.arena.len()),
            u32::try_from(self.arena.len() + text.len()),
        ) else {
            tracing::warn!("toilet {id}: its text is beyond what the search texts hold");
            return;
        };
        let mut seen: Vec<u64> = keys(&text).collect();
        seen.sort_unstable();
        seen.dedup();
        for key in seen {
            self.lists.entry(key).or_default().push(short);
        }
        self.arena.push_str(&text);
        self.spans[at] = Span { start, end };
    }

    pub fn remove(&mut self, id: ToiletId) {
        if let Some(at) = usize::try_from(id.get())
            .ok()
            .filter(|&at| at < self.spans.len())
        {
            self.spans[at] = Span::NONE;
            self.points[at] = [f64::NAN; 3];
        }
    }

    /// The squared chord from `from` (a unit vector) to toilet `id`, exact.
    pub fn chord_2(&self, id: i64, from: [f64; 3]) -> Option<f64> {
        let chord_2 = super::distance_2(self.points.get(usize::try_from(id).ok()?)?, &from);
        (!chord_2.is_nan()).then_some(chord_2)
    }

    /// How toilet `id` matches `folded`, if it does.
    pub fn quality(&self, id: i64, folded: &str) -> Option<Quality> {
        let text = self.text(usize::try_from(id).ok()?)?;
        let at = text.find(folded)?;
        let name_end = text.find(SEPARATOR).unwrap_or(text.len());
        Some(if at >= name_end {
            Quality::Elsewhere
        } else if at > 0 {
            Quality::InName
        } else if folded.len() == name_end {
            Quality::Name
        } else {
            Quality::NameStart
        })
    }

    /// The matches on `list` nearest `from` (a unit vector), at most
    /// `limit`, as (squared chord, id), nearest first, ties by id.
    ///
    /// Every entry is measured from the table of points; only the nearest
    /// are checked against their text, a chunk at a time, until `limit`
    /// pass (on a two-character query every entry but a stale one does).
    pub fn nearest_on(
        &self,
        list: &List,
        folded: &str,
        from: [f64; 3],
        limit: usize,
    ) -> Vec<(f64, i64)> {
        let mut measured: Vec<(f64, u32)> = list
            .iter()
            .filter_map(|id| Some((self.chord_2(id.into(), from)?, id)))
            .collect();
        let order = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        let mut hits: Vec<(f64, i64)> = Vec::with_capacity(limit);
        let mut done = 0;
        let mut chunk = limit.max(1) * 2;
        while done < measured.len() {
            let rest = &mut measured[done..];
            let end = chunk.min(rest.len());
            if end < rest.len() {
                rest.select_nth_unstable_by(end - 1, order);
            }
            rest[..end].sort_unstable_by(order);
            for &(chord_2, id) in &rest[..end] {
                // Past `limit`, only exact ties with the last may still come in.
                if hits.len() >= limit && hits.last().is_some_and(|last| chord_2 > last.0) {
                    return hits;
                }
                if hits.last().is_some_and(|last| last.1 == i64::from(id)) {
                    continue;
                }
                if self.quality(id.into(), folded).is_some() {
                    hits.push((chord_2, id.into()));
                }
            }
            done += end;
            chunk *= 4;
        }
        hits
    }

    /// The shortest list that every match is on: of the query's pairs of
    /// characters (its character, for one), with stale and repeated
    /// entries. `None` when the query cannot match at all.
    pub fn candidates(&self, folded: &str) -> Option<&List> {
        let chars: Vec<char> = folded.chars().collect();
        let keys: Vec<u64> = match chars.as_slice() {
            [] => return None,
            [c] => vec![single_key(*c)],
            _ => chars.windows(2).map(|w| pair_key(w[0], w[1])).collect(),
        };
        keys.iter()
            .map(|k| self.lists.get(k))
            .try_fold(None::<&List>, |shortest, list| {
                let list = list?;
                Some(Some(match shortest {
                    Some(s) if s.len() <= list.len() => s,
                    _ => list,
                }))
            })
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_joins_simplified_traditional_width_case_and_spacing() {
        assert_eq!(fold("臺中車站"), fold("台中车站"));
        assert_eq!(fold("台中車站"), "台中车站");
        assert_eq!(fold("觀前街 公廁"), "观前街公厕");
        assert_eq!(fold("ＡＢＣ　１２３"), "abc123");
        assert_eq!(fold("Taichung Station"), "taichungstation");
    }

    #[test]
    fn lists_give_back_what_was_put() {
        // Ascending (as a build puts them), then an edited toilet put again
        // below the last, gaps of every width, and the extremes.
        let ids = [1, 2, 3, 130, 20_000, 7, 7, 4_000_000_000, 0, u32::MAX, 5];
        let mut list = List::default();
        for id in ids {
            list.push(id);
        }
        assert_eq!(list.len(), ids.len());
        assert_eq!(list.iter().collect::<Vec<_>>(), ids);
        // A dense ascending run takes one byte an entry.
        let mut dense = List::default();
        (1..=1000).for_each(|id| dense.push(id));
        assert_eq!(dense.bytes.len(), 1000);
        assert!(dense.iter().eq(1..=1000));
    }

    #[test]
    fn keys_stay_within_a_field() {
        let text = format!("ab{SEPARATOR}c");
        let mut keys: Vec<u64> = keys(&text).collect();
        keys.sort_unstable();
        let mut expected = vec![
            pair_key('a', 'b'),
            single_key('a'),
            single_key('b'),
            single_key('c'),
        ];
        expected.sort_unstable();
        assert_eq!(keys, expected);
    }
}
