//! The search benchmark: prints numbers, asserts nothing.
//!
//! Builds the index of 1M toilets (`-- --toilets N`) named and addressed
//! like the Taiwan demo list (its names and addresses, repeated at
//! positions spread over China and Taiwan), then times in process, as the
//! handler runs it: `Index::search` for two-character queries drawn from
//! the names, from random positions (limit 10), against `Index::nearest`
//! (k = 10, no filters, the `/nearby` core) from the same positions as the
//! baseline of the same run. Also the time to build the text index and
//! the search without a position.
//!
//! Run it with `cargo bench -p gongce --bench search`, or `cargo xtask bench search`.

use std::{path::PathBuf, time::Instant};

use gongce::index::{Criteria, Index, search::fold};
use gongce_shared::{LatLon, Toilet, ToiletId, ToiletName};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// This process's resident memory, from /proc.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--toilets")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(1_000_000), |s| s.parse())?;
    let list = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/taiwan_moenv_toilets_20251109_no_taipei.csv");
    let mut reader = csv::Reader::from_path(&list)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (name_at, address_at) = (column("name_zh"), column("address_zh"));
    let mut rows: Vec<(String, String)> = Vec::new();
    for record in reader.records() {
        let record = record?;
        rows.push((record[name_at].to_owned(), record[address_at].to_owned()));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let now = chrono::Utc::now();
    let toilets: Vec<Toilet> = (0..n)
        .map(|i| {
            let (name, address) = &rows[i % rows.len()];
            let position =
                LatLon::new(rng.random_range(18.0..45.0), rng.random_range(100.0..125.0))
                    .expect("in range");
            let name =
                ToiletName::new(name).unwrap_or_else(|_| ToiletName::new("公廁").expect("a name"));
            let mut t = Toilet::new(
                ToiletId::new(i as i64 + 1).expect("positive"),
                name,
                position,
                now,
            );
            t.address = Some(address.clone());
            t
        })
        .collect();
    // Queries: two characters of a name, as a resident types them.
    let queries: Vec<String> = (0..2000)
        .map(|_| {
            let chars: Vec<char> = rows[rng.random_range(0..rows.len())].0.chars().collect();
            let at = rng.random_range(0..chars.len().saturating_sub(1).max(1));
            chars[at..(at + 2).min(chars.len())].iter().collect()
        })
        .collect();
    let positions: Vec<LatLon> = (0..queries.len())
        .map(|_| {
            LatLon::new(rng.random_range(18.0..45.0), rng.random_range(100.0..125.0))
                .expect("in range")
        })
        .collect();
    let index = Index::from_toilets(&toilets);
    let before = rss_bytes();
    let start = Instant::now();
    // The first search builds the text index (after start-up, the server
    // builds it in the background).
    index.search(&fold("公廁"), None, 10);
    let built = start.elapsed();
    println!(
        "== gongce search benchmark: {n} toilets, {} two-character queries",
        queries.len()
    );
    let grown = rss_bytes().saturating_sub(before);
    println!(
        "text index built in {:.2} s, resident memory +{:.0} MiB ({:.0} B per toilet)",
        built.as_secs_f64(),
        grown as f64 / 1048576.0,
        grown as f64 / n as f64
    );

    let time = |f: &mut dyn FnMut(usize) -> usize| -> (Vec<f64>, usize) {
        let mut found = 0;
        let mut micros: Vec<f64> = (0..queries.len())
            .map(|i| {
                let t = Instant::now();
                found += f(i);
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        micros.sort_by(f64::total_cmp);
        (micros, found)
    };
    let pct = |v: &[f64], p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    let criteria = Criteria {
        filters: Default::default(),
        now,
    };
    let (nearest, _) = time(&mut |i| index.nearest(positions[i], 10, None, &criteria).len());
    let (with_position, found) = time(&mut |i| {
        index
            .search(&fold(&queries[i]), Some(positions[i]), 10)
            .len()
    });
    let (without, _) = time(&mut |i| index.search(&fold(&queries[i]), None, 10).len());
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>12}",
        "µs per query", "p50", "p99", "max", "p99 / nearest"
    );
    for (what, v) in [
        ("nearest k=10 (baseline)", &nearest),
        ("search, 2 chars, with position", &with_position),
        ("search, 2 chars, no position", &without),
    ] {
        println!(
            "{what:<34} {:>9.1} {:>9.1} {:>9.1} {:>12.1}",
            pct(v, 0.5),
            pct(v, 0.99),
            v[v.len() - 1],
            pct(v, 0.99) / pct(&nearest, 0.99)
        );
    }
    println!(
        "results per search with a position: {:.1}",
        found as f64 / queries.len() as f64
    );
    Ok(())
}
