//! The index image: the index as a file beside the store, so that a
//! restart reads one file instead of every row.
//!
//! A server writes it when it stops, with the store's identity, the
//! change-log position the index stands at and the last log entries up to
//! there (their sequence numbers and toilet ids). The next start reads it
//! when it names this store and the store's log still holds those same
//! entries, then applies what the log has after them, as the follower
//! does: the log tells what is newer. Another store, or another history of
//! this one (a backup restored, written on since), gets a full read; so
//! does a damaged, truncated or older-format image.
//!
//! The file: `GONGCEIX`, the format (u32), the body's length (u64) and its
//! CRC-32, all little-endian; then the body: the header's length (u32) and
//! the [`Header`], the R-tree (rstar's own serde form, so it is not bulk
//! loaded again), and the records in [`CHUNKS`] chunks, each a postcard
//! sequence of [`record::Stored`]. A thread per core reads, checksums and
//! decodes sections in turn; the whole body is held to its CRC before any
//! of it is used, and the tree's points and boxes to the records.

use std::{io::Write as _, path::Path, sync::Arc};

use anyhow::{Context as _, ensure};
use rstar::{Envelope as _, ParentNode, RTree, RTreeNode, RTreeObject as _};
use serde::{Deserialize, Serialize};

use super::{Index, Record, TreePoint, record, tree_point};

const MAGIC: &[u8; 8] = b"GONGCEIX";
/// Changes whenever what the file holds does: the header, the tree's
/// points or leaves, or [`record::Stored`] (a test holds the bytes of one
/// image, so such a change fails it until this moves on).
pub const FORMAT: u32 = 1;
/// The records are written in this many chunks (fewer for fewer than that
/// many toilets), each decoded on a thread of its own.
const CHUNKS: usize = 8;
/// Magic, format, body length, CRC.
const PREFIX: usize = 8 + 4 + 8 + 4;

/// The store an image was made from ([`crate::store::Store::identity`]),
/// the change-log position it stands at, and the entries up to it (newest
/// first, as [`crate::store::Store::log_tail`] reads them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub store: String,
    pub seq: i64,
    pub tail: Vec<(i64, i64)>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    mark: Mark,
    toilets: u64,
    /// The byte lengths of the sections after the header: the tree, then
    /// each chunk of records.
    sections: Vec<u64>,
}

/// An image file whose prefix and header have been read, its sections
/// not yet: they are read, checked and decoded by [`Image::index`].
pub struct Image {
    file: std::fs::File,
    header: Header,
    /// The CRC of the body, and that of its part up to the sections.
    crc: u32,
    head: crc32fast::Hasher,
    /// Where the sections begin in the file.
    body: u64,
}

/// Writes `index` at `mark` to `path`, through a temporary file renamed
/// over it (never half an image), readable by the owner only. Returns its
/// size in bytes.
pub fn write(index: &Index, mark: &Mark, path: &Path) -> anyhow::Result<u64> {
    let records: Vec<&Record> = index.entries.iter().flatten().map(|e| &*e.toilet).collect();
    // As many chunks whatever the machine, so an index has one image.
    let per = records.len().div_ceil(CHUNKS).max(1);
    let (tree, chunks) = std::thread::scope(|scope| {
        let tree = scope.spawn(|| postcard::to_stdvec(&index.tree));
        let chunks: Vec<_> = records
            .chunks(per)
            .map(|chunk| scope.spawn(move || postcard::to_stdvec(&Chunk(chunk))))
            .collect();
        let chunks: Result<Vec<_>, _> = chunks
            .into_iter()
            .map(|c| c.join().expect("encoding does not panic"))
            .collect();
        (tree.join().expect("encoding does not panic"), chunks)
    });
    let mut sections = vec![tree?];
    sections.extend(chunks?);
    let header = postcard::to_stdvec(&Header {
        mark: mark.clone(),
        toilets: records.len() as u64,
        sections: sections.iter().map(|s| s.len() as u64).collect(),
    })?;
    let header_len = u32::try_from(header.len()).context("the image's header is too long")?;
    let mut crc = crc32fast::Hasher::new();
    let mut body_len = 4u64 + header.len() as u64;
    crc.update(&header_len.to_le_bytes());
    crc.update(&header);
    for section in &sections {
        crc.update(section);
        body_len += section.len() as u64;
    }

    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let mut file = tempfile::Builder::new()
        .prefix(".gongce-index-")
        .tempfile_in(dir.unwrap_or(Path::new(".")))
        .with_context(|| format!("cannot write beside {}", path.display()))?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file.as_file_mut());
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT.to_le_bytes())?;
        out.write_all(&body_len.to_le_bytes())?;
        out.write_all(&crc.finalize().to_le_bytes())?;
        out.write_all(&header_len.to_le_bytes())?;
        out.write_all(&header)?;
        for section in &sections {
            out.write_all(section)?;
        }
        out.flush()?;
    }
    file.as_file().sync_all()?;
    file.persist(path)
        .with_context(|| format!("cannot name the image {}", path.display()))?;
    if let Some(dir) = dir {
        // The new name itself survives a power cut.
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(PREFIX as u64 + body_len)
}

/// A chunk of records as a postcard sequence, made as it is written.
struct Chunk<'a>(&'a [&'a Record]);

impl Serialize for Chunk<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|r| r.stored()))
    }
}

impl Image {
    /// The image at `path`, its prefix and header read and checked; `None`
    /// when there is none.
    pub fn read(path: &Path) -> anyhow::Result<Option<Image>> {
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Image::from_file(file).map(Some)
    }

    fn from_file(mut file: std::fs::File) -> anyhow::Result<Image> {
        use std::io::Read as _;
        let size = file.metadata()?.len();
        let mut prefix = [0u8; PREFIX + 4];
        ensure!(
            size >= prefix.len() as u64
                && file.read_exact(&mut prefix).is_ok()
                && &prefix[..8] == MAGIC,
            "not an index image"
        );
        let word = |at: usize| u32::from_le_bytes(prefix[at..at + 4].try_into().expect("4 bytes"));
        let format = word(8);
        ensure!(
            format == FORMAT,
            "format {format}, and this build reads format {FORMAT}"
        );
        let body_len = u64::from_le_bytes(prefix[12..20].try_into().expect("8 bytes"));
        ensure!(
            body_len == size - PREFIX as u64,
            "{} bytes after the prefix, and it says {body_len} (cut short?)",
            size - PREFIX as u64
        );
        let header_len = word(PREFIX);
        ensure!(
            u64::from(header_len) <= body_len - 4,
            "the header runs past the end"
        );
        let mut header = vec![0; header_len as usize];
        file.read_exact(&mut header)?;
        let mut head = crc32fast::Hasher::new();
        head.update(&prefix[PREFIX..]);
        head.update(&header);
        let header: Header = postcard::from_bytes(&header).context("the header does not read")?;
        let sections = header
            .sections
            .iter()
            .try_fold(0u64, |sum, &len| sum.checked_add(len));
        ensure!(
            sections == Some(body_len - 4 - u64::from(header_len)) && !header.sections.is_empty(),
            "its sections do not add up to its body"
        );
        Ok(Image {
            file,
            header,
            crc: word(20),
            head,
            body: (PREFIX + 4) as u64 + u64::from(header_len),
        })
    }

    pub fn mark(&self) -> &Mark {
        &self.header.mark
    }

    pub fn toilets(&self) -> u64 {
        self.header.toilets
    }

    /// The index the image holds. One thread per core takes sections in
    /// turn (the tree first, then the chunks of records), reading each
    /// into the one buffer it reuses, adding it to the checksum and
    /// decoding it; every record is checked as a row would be, the whole
    /// body against its CRC, and the tree against the records.
    pub fn index(self) -> anyhow::Result<Index> {
        use std::os::unix::fs::FileExt as _;
        let mut at = self.body;
        let sections: Vec<(u64, usize)> = self
            .header
            .sections
            .iter()
            .map(|&len| {
                let section = (at, len as usize);
                at += len;
                section
            })
            .collect();
        enum Decoded {
            Tree(RTree<TreePoint>),
            Records(Vec<Arc<Record>>, u64),
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(sections.len());
        // A section that does not decode is kept as its error and the
        // others still read, so that damage is named as such.
        type Done = (usize, crc32fast::Hasher, anyhow::Result<Decoded>);
        let work = || -> anyhow::Result<Vec<Done>> {
            let mut buffer = Vec::new();
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(offset, len)) = sections.get(i) else {
                    return Ok(done);
                };
                buffer.clear();
                buffer.resize(len, 0);
                self.file.read_exact_at(&mut buffer, offset)?;
                let mut crc = crc32fast::Hasher::new();
                crc.update(&buffer);
                let decoded = if i == 0 {
                    postcard::from_bytes(&buffer)
                        .map(Decoded::Tree)
                        .context("the tree does not read")
                } else {
                    decode_chunk(&buffer).map(|(records, digest)| Decoded::Records(records, digest))
                };
                done.push((i, crc, decoded));
            }
        };
        let started = std::time::Instant::now();
        let parts: Vec<anyhow::Result<_>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a decoding thread panicked")))
                })
                .collect()
        });
        let mut decoded = Vec::with_capacity(sections.len());
        for part in parts {
            decoded.extend(part?);
        }
        decoded.sort_unstable_by_key(|(i, ..)| *i);
        let mut crc = self.head;
        for (_, part, _) in &decoded {
            crc.combine(part);
        }
        ensure!(
            crc.finalize() == self.crc,
            "its checksum does not match (damaged)"
        );
        let mut tree = None;
        let mut records = Vec::with_capacity(self.header.toilets.min(1 << 26) as usize);
        let mut digest = 0u64;
        for (_, _, part) in decoded {
            match part? {
                Decoded::Tree(t) => tree = Some(t),
                Decoded::Records(mut chunk, sum) => {
                    records.append(&mut chunk);
                    digest = digest.wrapping_add(sum);
                }
            }
        }
        let tree = tree.context("no tree")?;
        ensure!(
            records.len() as u64 == self.header.toilets,
            "{} records, and the header says {}",
            records.len(),
            self.header.toilets
        );
        let decoded_at = std::time::Instant::now();
        let index = Index::from_parts(records, tree)?;
        let tabled_at = std::time::Instant::now();
        check_tree(&index, digest)?;
        tracing::debug!(
            decode_ms = (decoded_at - started).as_millis() as u64,
            table_ms = (tabled_at - decoded_at).as_millis() as u64,
            check_ms = tabled_at.elapsed().as_millis() as u64,
            "decoded the index image"
        );
        Ok(index)
    }
}

/// A chunk's records, and the sum of [`leaf_digest`] over the tree points
/// they make (worked out here, on the decoding threads, while each record
/// is at hand).
fn decode_chunk(bytes: &[u8]) -> anyhow::Result<(Vec<Arc<Record>>, u64)> {
    let (count, mut rest) =
        postcard::take_from_bytes::<usize>(bytes).context("a chunk does not read")?;
    // Each record takes far more than a byte: a bound for a damaged count.
    let mut records = Vec::with_capacity(count.min(bytes.len()));
    let mut reader = record::Reader::default();
    let mut digest = 0u64;
    for _ in 0..count {
        let (stored, after) = postcard::take_from_bytes::<record::Stored<'_>>(rest)
            .context("a record does not read")?;
        rest = after;
        let record = Record::from_stored(stored, &mut reader)?;
        digest = digest.wrapping_add(leaf_digest(&tree_point(&record)));
        records.push(Arc::new(record));
    }
    ensure!(rest.is_empty(), "a chunk has bytes after its records");
    Ok((records, digest))
}

/// A tree point as 64 bits, summed over a set of points: equal sums (and
/// counts) say the tree's leaves are the records' points, each once, in
/// one pass over the tree that reads no record.
fn leaf_digest(point: &TreePoint) -> u64 {
    fn mix(mut z: u64) -> u64 {
        // splitmix64's finaliser.
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let [x, y, z] = point.geom().map(f32::to_bits);
    [
        u64::from(x) | u64::from(y) << 32,
        u64::from(z) | u64::from(point.data.possible.0) << 32,
        point.data.id as u64,
    ]
    .into_iter()
    .fold(0, |h, word| mix(h ^ word))
}

/// The tree holds each record once, at its point with its leaf, and every
/// box holds its children: else its answers would be wrong.
fn check_tree(index: &Index, digest: u64) -> anyhow::Result<()> {
    let mut leaves = 0usize;
    let mut sum = 0u64;
    let mut pending: Vec<&ParentNode<TreePoint>> = vec![index.tree.root()];
    while let Some(node) = pending.pop() {
        for child in node.children() {
            ensure!(
                node.envelope().contains_envelope(&child.envelope()),
                "a box of the tree does not hold its children"
            );
            match child {
                RTreeNode::Parent(parent) => pending.push(parent),
                RTreeNode::Leaf(point) => {
                    leaves += 1;
                    sum = sum.wrapping_add(leaf_digest(point));
                }
            }
        }
    }
    ensure!(
        leaves == index.len && index.tree.size() == index.len,
        "the tree holds {leaves} points (and says {}) for {} records",
        index.tree.size(),
        index.len
    );
    ensure!(sum == digest, "the tree's points are not its records'");
    Ok(())
}

#[cfg(test)]
mod tests;
