use std::sync::RwLock;

use gongce::{import, index::Index, sync::catch_up};
use gongce_shared::TimeZone;

use crate::{dataset, open_store};

fn options(source: &str, tz: &str) -> import::Options {
    import::Options {
        source: source.into(),
        timezone: tz.parse::<TimeZone>().unwrap(),
    }
}

#[tokio::test]
async fn australian_list_imports_whole_and_reimports_unchanged() {
    let parsed = import::parse_file(
        &dataset("nptm_2016_toiletdata.csv"),
        None,
        &options("nptm-2016", "Australia/Sydney"),
    )
    .unwrap();
    assert_eq!(parsed.total, 17_985);
    assert_eq!(parsed.rows.len(), 17_985);
    assert!(parsed.rejected.is_empty());

    let (store, _dir) = open_store().await;
    let first = store.import(&parsed.rows).await.unwrap();
    assert_eq!(
        (first.inserted, first.updated, first.unchanged),
        (17_985, 0, 0)
    );
    let again = store.import(&parsed.rows).await.unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 17_985)
    );
    assert_eq!(store.snapshot().await.unwrap().toilets.len(), 17_985);
}

#[tokio::test]
async fn taiwanese_list_reports_its_dirt() {
    let parsed = import::parse_file(
        &dataset("taiwan_moenv_toilets_20251109_no_taipei.csv"),
        None,
        &options("taiwan-moenv", "Asia/Taipei"),
    )
    .unwrap();
    assert_eq!(parsed.total, 38_906);
    assert_eq!(parsed.rows.len(), 38_888);
    assert_eq!(parsed.rejected.len(), 18);
    let duplicates = parsed
        .rejected
        .iter()
        .filter(|r| r.reason.starts_with("duplicate id"))
        .count();
    let swapped = parsed
        .rejected
        .iter()
        .filter(|r| r.reason.contains("swapped"))
        .count();
    assert_eq!((duplicates, swapped), (7, 11));
    assert!(parsed.rejected.iter().all(|r| r.row >= 2));
    // C040000333 has its latitude 121.73…: its line is among the swapped.
    let text =
        std::fs::read_to_string(dataset("taiwan_moenv_toilets_20251109_no_taipei.csv")).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("C040000333,"))
        .unwrap()
        + 1;
    assert!(
        parsed
            .rejected
            .iter()
            .any(|r| r.row == line && r.column == "latitude"),
        "line {line}"
    );
    // Chinese text survives.
    assert!(parsed.rows.iter().any(|t| t.name.as_str().contains("公園")));
}

/// The one toilet nearest (lat, lon), unfiltered.
fn nearest(index: &Index, lat: f64, lon: f64) -> gongce::index::Hit {
    let criteria = gongce::index::Criteria {
        filters: Default::default(),
        now: chrono::Utc::now(),
    };
    let at = gongce_shared::LatLon::new(lat, lon).unwrap();
    index
        .nearest(at, 1, None, &criteria)
        .pop()
        .expect("a toilet")
}

#[tokio::test]
async fn a_following_index_sees_another_writers_import() {
    let (store, dir) = open_store().await;
    let snapshot = store.snapshot().await.unwrap();
    let index = RwLock::new(Index::build(snapshot.toilets));
    assert!(index.read().unwrap().is_empty());

    // Another process's store handle on the same file.
    let url = format!("sqlite:{}", dir.path().join("gongce.sqlite").display());
    let other = gongce::store::Store::open(&url).await.unwrap();
    let rows = import::parse_csv(
        "id,name,lat,lon\na,One,1,1\nb,Two,2,2\n".as_bytes(),
        &options("x", "Asia/Shanghai"),
    )
    .unwrap()
    .rows;
    other.import(&rows).await.unwrap();

    let seq = catch_up(&store, &index, snapshot.seq).await.unwrap();
    assert_eq!(index.read().unwrap().len(), 2);
    assert!(seq > snapshot.seq);
    // Nothing new: nothing changes.
    assert_eq!(catch_up(&store, &index, seq).await.unwrap(), seq);

    // Render the toilets' JSON, as a served answer would.
    let a_id = {
        let index = index.read().unwrap();
        let a = nearest(&index, 1.0, 1.0);
        assert!(
            index
                .json(a.toilet.id)
                .unwrap()
                .get()
                .contains(r#""lat":1.0"#)
        );
        a.toilet.id
    };

    // An update moves a toilet.
    let moved = import::parse_csv(
        "id,name,lat,lon\na,One,5,5\n".as_bytes(),
        &options("x", "Asia/Shanghai"),
    )
    .unwrap()
    .rows;
    let counts = other.import(&moved).await.unwrap();
    assert_eq!(counts.updated, 1);
    catch_up(&store, &index, seq).await.unwrap();
    let index = index.read().unwrap();
    let json = index.json(a_id).unwrap().get();
    assert!(
        json.contains(r#""lat":5.0"#) && json.contains(r#""version":2"#),
        "{json}"
    );
    let one = nearest(&index, 5.0, 5.0);
    assert_eq!(one.toilet.name.as_str(), "One");
    assert_eq!(one.toilet.version, 2);
}
