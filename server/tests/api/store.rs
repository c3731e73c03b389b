use std::{collections::HashSet, sync::RwLock};

use gongce::{
    import::{self, Severity},
    index::Index,
    sync::catch_up,
};
use gongce_shared::{RoomKind, TimeZone};

use crate::{dataset, import_csv, open_store};

fn options(source: &str, tz: &str) -> import::Options {
    import::Options {
        timezone: Some(tz.parse::<TimeZone>().unwrap()),
        ..import::Options::new(source)
    }
}

#[tokio::test]
async fn australian_list_imports_whole_and_reimports_unchanged() {
    let (store, _dir) = open_store().await;
    let file = dataset("nptm_2016_toiletdata.csv");
    let options = options("nptm-2016", "Australia/Sydney");
    let first = import::run(&file, &store.import_target(), &options).unwrap();
    let c = &first.counts;
    assert_eq!((c.read, c.rejected), (17_985, 0), "{:?}", first.issues);
    // No room-per-row here: rows stay toilets, except where a name and a
    // place repeat.
    assert_eq!(c.inserted, c.venues);
    assert_eq!(c.venues + c.merged, 17_985);
    assert!(c.merged < 200, "{c:?}");
    let again = import::run(&file, &store.import_target(), &options).unwrap();
    assert_eq!(
        (
            again.counts.inserted,
            again.counts.updated,
            again.counts.unchanged
        ),
        (0, 0, c.venues)
    );
    let toilets = store.snapshot().await.unwrap().toilets;
    assert_eq!(toilets.len(), c.venues);
    assert_eq!(first.schema, Some(import::Schema::AuNationalToiletMap));

    // Its facts as the map means them: True is yes, False is not recorded.
    let mut rows = std::collections::HashMap::new();
    let mut reader = csv::Reader::from_path(&file).unwrap();
    let headers = reader.headers().unwrap().clone();
    for row in reader.records() {
        let row = row.unwrap();
        let get = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_owned();
        rows.insert(get("ToiletID"), (get("IsOpen"), row.clone()));
    }
    let is_true = |row: &csv::StringRecord, name: &str| {
        row[headers.iter().position(|h| h == name).unwrap()] == *"True"
    };
    use gongce_shared::{Access, Fact, details::Value};
    let mut checked = 0;
    let merged: HashSet<&str> = first
        .venues
        .iter()
        .map(|v| v.external_id.as_str())
        .collect();
    let supplies = [
        ("BabyChange", None),
        ("Showers", Some(Fact::Shower)),
        ("DrinkingWater", Some(Fact::DrinkingWater)),
        ("Parking", Some(Fact::Parking)),
        ("ParkingAccessible", Some(Fact::AccessibleParking)),
        ("SharpsDisposal", Some(Fact::SharpsDisposal)),
        ("SanitaryDisposal", Some(Fact::SanitaryDisposal)),
        ("MLAK", Some(Fact::Mlak)),
    ];
    for t in &toilets {
        // Nothing the list says is a known no.
        assert_ne!(t.wheelchair, Some(false), "{:?}", t.external_id);
        assert_ne!(t.free, Some(true), "{:?}", t.external_id);
        assert_ne!(t.baby_change, Some(false), "{:?}", t.external_id);
        // Each toilet made of one row has that row's facts.
        let id = t.external_id.as_deref().unwrap();
        if !merged.contains(id)
            && let Some((is_open, row)) = rows.get(id)
        {
            checked += 1;
            let accessible = ["AccessibleMale", "AccessibleFemale", "AccessibleUnisex"]
                .iter()
                .any(|c| is_true(row, c));
            assert_eq!(
                t.wheelchair == Some(true),
                accessible,
                "{:?}",
                t.external_id
            );
            assert_eq!(t.free == Some(false), is_true(row, "PaymentRequired"));
            assert_eq!(
                t.access == Some(Access::Key),
                is_true(row, "KeyRequired") || is_true(row, "MLAK")
            );
            assert_eq!(
                t.opening_hours.as_ref().map(|h| h.as_str()) == Some("24/7"),
                is_open == "AllHours"
            );
            for (column, fact) in supplies {
                let yes = match fact {
                    Some(fact) => t.details.get(fact) == Some(Value::Bool(true)),
                    None => t.baby_change == Some(true),
                };
                assert_eq!(yes, is_true(row, column), "{column} of {:?}", t.external_id);
            }
        }
    }
    assert!(
        checked > 17_900,
        "{checked} toilets checked against their rows"
    );
    // The report's summary: what the list gave, field by field, as stored.
    let known = |field: &str| {
        first
            .known
            .iter()
            .find(|k| k.field == field)
            .unwrap()
            .toilets
    };
    let stored =
        |pred: &dyn Fn(&gongce_shared::Toilet) -> bool| toilets.iter().filter(|t| pred(t)).count();
    assert_eq!(known("wheelchair"), stored(&|t| t.wheelchair.is_some()));
    assert_eq!(known("free"), stored(&|t| t.free.is_some()));
    assert_eq!(known("access"), stored(&|t| t.access.is_some()));
    assert_eq!(
        known("mlak"),
        stored(&|t| t.details.get(Fact::Mlak).is_some())
    );
    assert_eq!(known("family_room"), 0);
    assert!(
        known("wheelchair") > 8_000 && known("mlak") > 400,
        "{:?}",
        first.known
    );

    // Given the day the map was checked, its Verified toilets were verified then.
    let checked = import::Options {
        checked_on: chrono::NaiveDate::from_ymd_opt(2016, 6, 30),
        ..options.clone()
    };
    let dated = import::run(&file, &store.import_target(), &checked).unwrap();
    let toilets = store.snapshot().await.unwrap().toilets;
    let day = chrono::DateTime::parse_from_rfc3339("2016-06-29T14:00:00Z").unwrap();
    let status = headers.iter().position(|h| h == "Status").unwrap();
    let mut dated_toilets = 0;
    for t in &toilets {
        let id = t.external_id.as_deref().unwrap();
        if let Some((_, row)) = rows.get(id).filter(|_| !merged.contains(id)) {
            assert_eq!(
                t.last_verified == Some(day.into()),
                row[status] == *"Verified",
                "{id}"
            );
            dated_toilets += usize::from(t.last_verified.is_some());
        }
    }
    assert!(
        dated_toilets > 14_000,
        "{dated_toilets} of 14,165 rows Verified"
    );
    assert!(dated.counts.updated >= dated_toilets, "{:?}", dated.counts);
}

#[tokio::test]
async fn taiwanese_list_reports_its_dirt_and_merges_rooms() {
    let (store, _dir) = open_store().await;
    let file = dataset("taiwan_moenv_toilets_20251109_no_taipei.csv");
    let dry = import::Options {
        dry_run: true,
        ..options("taiwan-moenv", "Asia/Taipei")
    };
    let report = import::run(&file, &store.import_target(), &dry).unwrap();
    let c = &report.counts;
    assert_eq!(c.read, 38_906);
    assert!(!report.written);
    let ids = |pred: &dyn Fn(&import::Issue) -> bool| -> HashSet<&str> {
        report
            .issues
            .iter()
            .filter(|i| pred(i))
            .filter_map(|i| i.external_id.as_deref())
            .collect()
    };
    let duplicates = ids(&|i| i.reason.starts_with("duplicate id"));
    let swapped = ids(&|i| i.reason.contains("swapped"));
    let far = ids(&|i| i.reason.starts_with("far outside"));
    let shifted = ids(&|i| i.reason.contains("shifted"));
    assert_eq!(duplicates.len(), 7);
    assert!(duplicates.contains("N260000078"));
    assert_eq!(swapped.len(), 11);
    assert!(swapped.contains("C040000333") && swapped.contains("H010001505"));
    // The dataset's notes list 18 rows outside Taiwan: the 11 swapped and 7
    // more; the region check also finds a second room of the Changhua park
    // typed a degree off (N070000123) and three rooms placed in the sea
    // north of Keelung (F12000007x, latitude 26.1 for 25.1).
    assert_eq!(far.len(), 11, "{far:?}");
    for id in [
        "N070000124",
        "O010001860",
        "W020000040",
        "X020000142",
        "B210000134",
        "H060000443",
        "P120000109",
        "N070000123",
        "F120000074",
    ] {
        assert!(far.contains(id), "{id}");
    }
    assert_eq!(shifted, HashSet::from(["B180000127", "B190000037"]));
    assert_eq!(c.rejected, 7 + 11 + 11 + 2);
    assert!(report.issues.iter().all(|i| i.row >= 2));
    // C040000333's report names its line and the latitude column.
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("C040000333,"))
        .unwrap()
        + 1;
    assert!(
        report
            .issues
            .iter()
            .any(|i| i.row == line && i.column == "latitude"),
        "line {line}"
    );
    // Rooms become venues: about 1.9 rooms each.
    assert_eq!(c.venues + c.merged, 38_906 - c.rejected);
    assert_eq!((c.venues, c.merged), (20_199, 18_676), "{c:?}");
    assert_eq!(c.inserted, c.venues);

    // --fix-swapped keeps the swapped rows, in Keelung where they belong.
    let fixed = import::Options {
        fix_swapped: true,
        skip_invalid: true,
        ..options("taiwan-moenv", "Asia/Taipei")
    };
    let report = import::run(&file, &store.import_target(), &fixed).unwrap();
    assert!(report.written);
    assert_eq!(report.counts.fixed, 11);
    assert_eq!(report.counts.rejected, 7 + 11 + 2);
    assert_eq!(
        (report.counts.venues, report.counts.merged),
        (20_203, 18_683),
        "{:?}",
        report.counts
    );
    let toilets = store.snapshot().await.unwrap().toilets;
    assert_eq!(toilets.len(), report.counts.venues);
    assert_eq!(report.schema, Some(import::Schema::TaiwanMoenv));
    // Checked on the list's date (last_updated 2025-11-09, the start of that day in Taipei).
    let checked = chrono::DateTime::parse_from_rfc3339("2025-11-08T16:00:00Z").unwrap();
    assert!(
        toilets
            .iter()
            .all(|t| t.last_verified == Some(checked.into()))
    );
    // A venue holding a family room (親子廁所) has one; every toilet names its manager.
    let family: Vec<_> = toilets
        .iter()
        .filter(|t| {
            t.details
                .rooms
                .iter()
                .any(|r| r.kind == gongce_shared::RoomKind::Family)
        })
        .collect();
    assert!(family.len() > 500, "{}", family.len());
    assert!(family.iter().all(|t| t.family_room == Some(true)));
    assert!(toilets.iter().all(|t| t.operator.is_some()));
    // Its kind of place and responsible authority are kept as written.
    let text = |t: &gongce_shared::Toilet, fact| t.details.text(fact).map(str::to_owned);
    let parks = toilets
        .iter()
        .filter(|t| text(t, gongce_shared::Fact::PlaceKind).as_deref() == Some("公園"))
        .count();
    assert!(parks > 1_000, "{parks}");
    assert!(
        toilets
            .iter()
            .all(|t| text(t, gongce_shared::Fact::Authority).is_some())
    );
    // The grade in Chinese, a failed one included (its English column says "fail").
    let grade = |g: &str| {
        toilets
            .iter()
            .filter(|t| {
                t.details.get(gongce_shared::Fact::Grade)
                    == Some(gongce_shared::details::Value::Text(g.into()))
            })
            .count()
    };
    assert!(grade("不合格") > 50, "{}", grade("不合格"));
    assert_eq!(grade("fail"), 0);
    // Commercial premises (商業營業場所) are for customers; others not said.
    let customers = toilets
        .iter()
        .filter(|t| t.access == Some(gongce_shared::Access::Customers))
        .count();
    assert!((4_000..10_535).contains(&customers), "{customers}");
    assert!(
        toilets
            .iter()
            .all(|t| t.access != Some(gongce_shared::Access::Public))
    );
    // C040000333 and C040000332, its 6th-floor rooms, are one venue in
    // Keelung; the other stems at their address, 光一路28號, are others.
    let building: Vec<_> = toilets
        .iter()
        .filter(|t| t.address.as_deref() == Some("基隆市仁愛區光華里光一路28號"))
        .collect();
    let playground = building
        .iter()
        .find(|t| t.name_text() == "基隆市仁愛室內兒童樂園6樓")
        .expect("the playground's rooms as one venue");
    assert!((playground.position.lat() - 25.125).abs() < 0.001);
    assert_eq!(
        rooms(playground),
        [
            (RoomKind::Male, "C040000332"),
            (RoomKind::Female, "C040000333")
        ]
    );
    assert_eq!(
        building.len(),
        8,
        "{:?}",
        building.iter().map(|t| t.name_text()).collect::<Vec<_>>()
    );
    // Every venue's rooms share its name stem: an address alone links none.
    for t in &toilets {
        for room in &t.details.rooms {
            let name = room.name.as_deref().unwrap();
            assert_eq!(
                import::name_stem(name),
                import::name_stem(t.name_text()),
                "{name} in {}",
                t.name_text()
            );
        }
    }
    // The station: one venue per stem, each with its rooms, up to ~170 m
    // apart as the list places them.
    let mut station: Vec<_> = toilets
        .iter()
        .filter(|t| t.name_text().starts_with("臺中火車站"))
        .map(|t| (t.name_text(), t.external_id.as_deref().unwrap(), rooms(t)))
        .collect();
    station.sort();
    use RoomKind::*;
    assert_eq!(
        station,
        [
            (
                "臺中火車站北側2F",
                "B020000028",
                vec![
                    (Male, "B020000028"),
                    (Female, "B020000029"),
                    (Accessible, "B020000030")
                ]
            ),
            (
                "臺中火車站地下停車場(1A)B1",
                "B020000019",
                vec![
                    (Male, "B020000019"),
                    (Female, "B020000020"),
                    (Accessible, "B020000021")
                ]
            ),
            (
                "臺中火車站地下停車場(3A)B1",
                "B020000022",
                vec![
                    (Male, "B020000022"),
                    (Female, "B020000023"),
                    (Accessible, "B020000024")
                ]
            ),
            (
                "臺中火車站地下停車場(7A)B1",
                "B020000025",
                vec![
                    (Male, "B020000025"),
                    (Female, "B020000026"),
                    (Accessible, "B020000027")
                ]
            ),
            (
                "臺中火車站站內2F",
                "B020000031",
                vec![
                    (Male, "B020000031"),
                    (Female, "B020000032"),
                    (Accessible, "B020000033")
                ]
            ),
            (
                "臺中火車站站外1F",
                "B020000034",
                vec![
                    (Male, "B020000034"),
                    (Female, "B020000035"),
                    (Accessible, "B020000036")
                ]
            ),
        ]
    );
    assert!(toilets.iter().any(|t| t.name_text().contains("公園")));
    assert!(
        toilets
            .iter()
            .filter(|t| t.wheelchair == Some(true))
            .count()
            > 4_000
    );
    assert!(
        report
            .issues
            .iter()
            .all(|i| i.severity != Severity::Warning || i.reason.contains("possible duplicate"))
    );
}

/// A venue's rooms: kind and id.
fn rooms(t: &gongce_shared::Toilet) -> Vec<(RoomKind, &str)> {
    t.details
        .rooms
        .iter()
        .map(|r| (r.kind, r.external_id.as_deref().unwrap()))
        .collect()
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
    let index = RwLock::new(Index::from_toilets(&snapshot.toilets));
    assert!(index.read().unwrap().is_empty());

    // Another process's store handle on the same file.
    let url = format!("sqlite:{}", dir.path().join("gongce.sqlite").display());
    let other = gongce::store::Store::open(&url).await.unwrap();
    import_csv(
        &other,
        &options("x", "Asia/Shanghai"),
        "id,name,lat,lon\na,One,1,1\nb,Two,2,2\n",
    );

    let seq = catch_up(&store, &index, snapshot.seq).await.unwrap();
    assert_eq!(index.read().unwrap().len(), 2);
    assert!(seq > snapshot.seq);
    // Nothing new: nothing changes.
    assert_eq!(catch_up(&store, &index, seq).await.unwrap(), seq);

    let a_id = {
        let index = index.read().unwrap();
        let a = nearest(&index, 1.0, 1.0);
        assert_eq!(a.toilet.position().lat(), 1.0);
        a.toilet.id()
    };

    // An update moves a toilet.
    let report = import_csv(
        &other,
        &options("x", "Asia/Shanghai"),
        "id,name,lat,lon\na,One,5,5\nb,Two,2,2\n",
    );
    assert_eq!(report.counts.updated, 1);
    catch_up(&store, &index, seq).await.unwrap();
    let index = index.read().unwrap();
    let a = index.get(a_id).unwrap();
    assert_eq!((a.position().lat(), a.version()), (5.0, 2));
    let one = nearest(&index, 5.0, 5.0);
    assert_eq!(one.toilet.name_text(), "One");
    assert_eq!(one.toilet.version(), 2);
}

/// A backup taken while the store is open and writing (its last writes
/// still in the write-ahead log) restores to the same toilets.
#[tokio::test]
async fn a_backup_taken_while_serving_restores_to_the_same_toilets() {
    let (store, dir) = open_store().await;
    let url = format!("sqlite:{}", store.sqlite_file().unwrap().display());
    let report = import_csv(
        &store,
        &options("district", "Asia/Shanghai"),
        "id,name,lat,lon,wheelchair\na,人民广场公厕,31.2304,121.4737,yes\nb,外滩公厕,31.2400,121.4900,\n",
    );
    assert_eq!(report.counts.inserted, 2, "{:?}", report.issues);
    // A write the server made a moment ago, not yet checkpointed.
    let first = store.snapshot().await.unwrap().toilets[0].id;
    store.confirm_toilet(first, None).await.unwrap();
    let before = store.snapshot().await.unwrap();

    let copy = dir.path().join("backup.sqlite");
    let summary = gongce::store::sqlite::backup(&url, &copy).await.unwrap();
    assert_eq!((summary.toilets, summary.users), (2, 0));
    assert!(summary.bytes > 0);
    // The store goes on serving and writing after the copy.
    store.confirm_toilet(first, None).await.unwrap();

    // Restored (the copy put where a store is opened), it holds what the
    // store held when the copy was taken: every toilet, field for field.
    let restored_dir = tempfile::tempdir().unwrap();
    let restored_file = restored_dir.path().join("gongce.sqlite");
    std::fs::copy(&copy, &restored_file).unwrap();
    let restored = gongce::store::Store::open(&format!("sqlite:{}", restored_file.display()))
        .await
        .unwrap();
    let after = restored.snapshot().await.unwrap();
    assert_eq!(after.toilets, before.toilets);
    assert!(after.toilets.iter().any(|t| t.last_verified.is_some()));
    let served = Index::from_toilets(&after.toilets);
    assert_eq!(served.len(), 2);

    // A second backup to the same name is refused; nothing is half-written.
    let again = gongce::store::sqlite::backup(&url, &copy)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("exists already"), "{again}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
}
