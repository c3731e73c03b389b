use std::path::{Path, PathBuf};

use gongce_shared::{Crs, LatLon, Status, Toilet};

use super::*;
use crate::store::Store;

/// A store at the current schema in a temporary folder.
async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("gongce.sqlite").display());
    (Store::open(&url).await.unwrap(), dir)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn import(store: &Store, file: &Path, options: &Options) -> Report {
    run(file, &store.import_target(), options).unwrap()
}

async fn toilets(store: &Store) -> Vec<std::sync::Arc<Toilet>> {
    let mut all = store.snapshot().await.unwrap().toilets;
    all.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    all
}

fn rejected(report: &Report) -> Vec<(usize, &str, &str)> {
    report
        .rejected()
        .map(|i| (i.row, i.column.as_str(), i.value.as_str()))
        .collect()
}

#[tokio::test]
async fn chinese_and_english_headers_map_to_fields() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "a.csv",
        "\u{feff}编号,名称,地址,纬度,经度,无障碍,母婴室,第三卫生间,免费,开放时间,管理单位\n\
         A1,人民公园公厕,南京西路231号,31.2317,121.4726,是,否,,1,全天,黄浦区绿化局\n",
    );
    let report = import(&store, &file, &Options::new("t"));
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    assert_eq!(report.encoding, Some("UTF-8"));
    let t = &toilets(&store).await[0];
    assert_eq!(t.external_id.as_deref(), Some("A1"));
    assert_eq!(t.name_text(), "人民公园公厕");
    assert_eq!((t.position.lat(), t.position.lon()), (31.2317, 121.4726));
    assert_eq!(
        (t.wheelchair, t.baby_change, t.family_room, t.free),
        (Some(true), Some(false), None, Some(true))
    );
    assert_eq!(t.opening_hours.as_ref().unwrap().as_str(), "24/7");
    assert_eq!(t.operator.as_deref(), Some("黄浦区绿化局"));
}

/// Each stored toilet's (hours, hours note, time zone), by its external id.
async fn hours_and_zones(
    store: &Store,
) -> std::collections::HashMap<String, (Option<String>, Option<String>, &'static str)> {
    toilets(store)
        .await
        .iter()
        .map(|t| {
            let hours = t.opening_hours.as_ref().map(|h| h.as_str().to_owned());
            let id = t.external_id.clone().unwrap_or_default();
            (id, (hours, t.hours_note.clone(), t.timezone.name()))
        })
        .collect()
}

/// Hours as committees write them are stored in OSM syntax with the text
/// as the note; hours partly understood keep the text as the note, with a
/// warning naming what was not understood. Each row's time zone is the one
/// where it stands, unless the file or `--timezone` names one.
#[tokio::test]
async fn written_hours_and_zones_from_positions() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "hours.csv",
        "编号,名称,纬度,经度,开放时间,开放时间说明,时区\n\
         1,台中車站公廁,24.1369,120.6869,每天 6:00-22:00,,\n\
         2,观前街公厕,31.3107,120.6255,\"周一至周五 8:00-18:00，周六日 9:00-17:00\",节假日另行通知,\n\
         3,Hyde Park,-33.8731,151.2111,夏季 6:00-22:00,,\n\
         4,Esplanadi,60.1675,24.9486,Mon-Fri 9am-5pm,,\n\
         5,Named zone,24.1369,120.6869,,,Asia/Shanghai\n",
    );
    let report = import(&store, &file, &Options::new("t"));
    assert!(report.written, "{:?}", report.issues);
    let warnings: Vec<_> = report
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_str(), i.severity))
        .collect();
    assert_eq!(warnings, [(4, "开放时间", Severity::Warning)]);
    assert!(
        report.issues[0].reason.contains("\"夏季\""),
        "{:?}",
        report.issues
    );
    let facts = hours_and_zones(&store).await;
    assert_eq!(
        facts["1"],
        (
            Some("Mo-Su 06:00-22:00".into()),
            Some("每天 6:00-22:00".into()),
            "Asia/Taipei"
        )
    );
    assert_eq!(
        facts["2"],
        (
            Some("Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00".into()),
            Some("节假日另行通知".into()),
            "Asia/Shanghai"
        )
    );
    assert_eq!(
        facts["3"],
        (None, Some("夏季 6:00-22:00".into()), "Australia/Sydney")
    );
    assert_eq!(
        facts["4"],
        (
            Some("Mo-Fr 09:00-17:00".into()),
            Some("Mon-Fri 9am-5pm".into()),
            "Europe/Helsinki"
        )
    );
    assert_eq!(facts["5"].2, "Asia/Shanghai");

    // --timezone overrides the position, but not the file's own column.
    let options = Options {
        timezone: Some("Asia/Tokyo".parse().unwrap()),
        ..Options::new("t")
    };
    assert!(import(&store, &file, &options).written);
    let facts = hours_and_zones(&store).await;
    assert_eq!(
        (facts["1"].2, facts["3"].2, facts["5"].2),
        ("Asia/Tokyo", "Asia/Tokyo", "Asia/Shanghai")
    );
}

#[tokio::test]
async fn every_bad_value_is_reported_and_nothing_is_written() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "bad.csv",
        "id,name,lat,lon,wheelchair,opening_hours,note\n\
         1,Good,10,20,yes,,\n\
         2,,abc,20,maybe,whenever,\n\
         3,Swapped,121.7,25.1,,,\n\
         1,Again,10.5,20.5,,,\n\
         4,Short,10\n\
         5,Slid,10.123456,20.5,,,10.123456\n",
    );
    let report = import(&store, &file, &Options::new("t"));
    assert_eq!(report.counts.read, 6);
    assert_eq!(
        rejected(&report),
        // A blank name is no name (allowed); the row falls for its other values.
        vec![
            (3, "lat", "abc"),
            (3, "wheelchair", "maybe"),
            (4, "lat", "121.7"),
            (5, "id", "1"),
            (
                6,
                "*",
                "3 fields where the header has 7: columns are shifted"
            ),
            (7, "note", "10.123456"),
        ]
    );
    let reasons: Vec<&str> = report.rejected().map(|i| i.reason.as_str()).collect();
    assert!(reasons[2].contains("swapped"), "{}", reasons[2]);
    assert!(reasons[3].contains("row 2"));
    assert!(reasons[5].contains("shifted"));
    // Hours that cannot be read are a warning, not a rejection.
    let hours: Vec<_> = report
        .issues
        .iter()
        .filter(|i| i.column == "opening_hours")
        .map(|i| (i.row, i.value.as_str(), i.severity))
        .collect();
    assert_eq!(hours, [(3, "whenever", Severity::Warning)]);
    assert_eq!(report.counts.rejected, 5);
    assert!(!report.written);
    assert!(toilets(&store).await.is_empty());

    // --skip-invalid writes the one good row; --fix-swapped keeps row 4.
    let options = Options {
        skip_invalid: true,
        fix_swapped: true,
        ..Options::new("t")
    };
    let report = import(&store, &file, &options);
    assert!(report.written);
    assert_eq!((report.counts.inserted, report.counts.fixed), (2, 1));
    let all = toilets(&store).await;
    let swapped = all.iter().find(|t| t.name_text() == "Swapped").unwrap();
    assert_eq!(
        (swapped.position.lat(), swapped.position.lon()),
        (25.1, 121.7)
    );
}

#[tokio::test]
async fn missing_required_column_and_bad_map_are_file_errors() {
    let (store, dir) = store().await;
    let file = write(dir.path(), "x.csv", "name,lat\nA,1\n");
    let err = run(&file, &store.import_target(), &Options::new("t")).unwrap_err();
    assert!(format!("{err:#}").contains("no column for lon"), "{err:#}");

    let file = write(dir.path(), "y.csv", "名字,北纬,东经\n公厕,31.2,121.4\n");
    let maps = ["名字=name", "北纬=lat", "东经=lon"]
        .map(|m| m.parse::<ColumnMap>().unwrap())
        .to_vec();
    let options = Options {
        maps,
        ..Options::new("t")
    };
    let report = import(&store, &file, &options);
    assert_eq!(report.counts.inserted, 1, "{:?}", report.issues);

    let bad = "名字=colour".parse::<ColumnMap>().unwrap_err();
    assert!(bad.contains("\"colour\""), "{bad}");
    let options = Options {
        maps: vec!["nope=name".parse().unwrap()],
        ..Options::new("t")
    };
    let err = run(&file, &store.import_target(), &options).unwrap_err();
    assert!(format!("{err:#}").contains("\"nope\""), "{err:#}");
}

#[tokio::test]
async fn gbk_and_big5_files_are_detected_and_bad_bytes_reported() {
    let (store, dir) = store().await;
    let text = "编号,名称,地址,纬度,经度\ng1,人民广场公厕,黄浦区人民大道120号,31.2304,121.4737\n\
                g2,静安寺公共厕所,静安区南京西路1686号,31.2235,121.4453\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let file = write(dir.path(), "gbk.csv", &gbk);
    let report = import(&store, &file, &Options::new("gbk"));
    assert_eq!(report.encoding, Some("gb18030"));
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    let names: Vec<String> = toilets(&store)
        .await
        .iter()
        .map(|t| t.name_text().to_owned())
        .collect();
    assert_eq!(names, ["人民广场公厕", "静安寺公共厕所"]);

    let big5_text =
        "編號,名稱,地址,緯度,經度\nb1,中正紀念堂公廁,臺北市中正區中山南路21號,25.0346,121.5218\n";
    let (big5, _, _) = encoding_rs::BIG5.encode(big5_text);
    let file = write(dir.path(), "big5.csv", &big5);
    let report = import(&store, &file, &Options::new("big5"));
    assert_eq!(report.encoding, Some("Big5"));
    assert!(
        toilets(&store)
            .await
            .iter()
            .any(|t| t.name_text() == "中正紀念堂公廁")
    );

    // --encoding overrides: GBK bytes read as UTF-8 are refused with the row named.
    let options = Options {
        encoding: Some(encoding_rs::UTF_8),
        ..Options::new("gbk")
    };
    let err = run(
        &dir.path().join("gbk.csv"),
        &store.import_target(),
        &options,
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("--encoding"), "{err:#}");
    let mut mixed = b"name,lat,lon\nok,1,2\n".to_vec();
    mixed.extend([0xb9, 0xab, 0xb2, 0xde]);
    mixed.extend(b",1,2\n");
    let file = write(dir.path(), "mixed.csv", &mixed);
    let report = import(&store, &file, &options);
    assert_eq!(rejected(&report).len(), 1);
    assert_eq!(report.issues[0].row, 3);
}

#[tokio::test]
async fn excel_sheets_by_default_name_and_number() {
    let (store, dir) = store().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "本表为公厕清单").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("公厕").unwrap();
    for (c, h) in ["编号", "名称", "纬度", "经度", "免费"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_number(2, 0, 101.0).unwrap();
    sheet.write_string(2, 1, "外滩公厕").unwrap();
    sheet.write_number(2, 2, 31.2397).unwrap();
    sheet.write_number(2, 3, 121.4906).unwrap();
    sheet.write_boolean(2, 4, true).unwrap();
    sheet.write_string(3, 1, "").unwrap();
    sheet.write_number(3, 2, 99.0).unwrap();
    let file = dir.path().join("list.xlsx");
    book.save(&file).unwrap();

    // The first sheet has no columns we know.
    let err = run(&file, &store.import_target(), &Options::new("x")).unwrap_err();
    assert!(format!("{err:#}").contains("no column for name"), "{err:#}");
    for sheet in ["公厕", "2"] {
        let options = Options {
            sheet: Some(sheet.into()),
            dry_run: true,
            ..Options::new("x")
        };
        let report = import(&store, &file, &options);
        assert_eq!(report.counts.read, 2);
        // Row 4 of the sheet: no name (allowed), no longitude, latitude 99.
        assert_eq!(rejected(&report), vec![(4, "lon", ""), (4, "纬度", "99")]);
    }
    let options = Options {
        sheet: Some("公厕".into()),
        skip_invalid: true,
        ..Options::new("x")
    };
    import(&store, &file, &options);
    let t = &toilets(&store).await[0];
    assert_eq!(t.external_id.as_deref(), Some("101"));
    assert_eq!((t.position.lat(), t.free), (31.2397, Some(true)));
    let options = Options {
        sheet: Some("Sheet9".into()),
        ..Options::new("x")
    };
    let err = run(&file, &store.import_target(), &options).unwrap_err();
    assert!(format!("{err:#}").contains("说明, 公厕"), "{err:#}");
}

/// Known WGS-84 points in Shanghai and Beijing, published in GCJ-02 and
/// BD-09, come back within a metre of where they are.
#[tokio::test]
async fn gcj02_and_bd09_lists_land_within_a_metre() {
    let truth = [
        ("上海人民广场", 31.2304, 121.4737),
        ("北京天安门东", 39.9075, 116.4013),
        ("深圳市民中心", 22.5431, 114.0579),
    ];
    for crs in [Crs::Gcj02, Crs::Bd09] {
        let (store, dir) = store().await;
        let mut text = String::from("id,name,lat,lon\n");
        for (i, (name, lat, lon)) in truth.iter().enumerate() {
            let (a, b) = crs.from_wgs84(LatLon::new(*lat, *lon).unwrap());
            text.push_str(&format!("{i},{name},{a},{b}\n"));
        }
        let file = write(dir.path(), "list.csv", &text);
        let options = Options {
            crs,
            ..Options::new("mars")
        };
        import(&store, &file, &options);
        let index = crate::index::Index::from_toilets(&store.snapshot().await.unwrap().toilets);
        let criteria = crate::index::Criteria {
            filters: Default::default(),
            now: chrono::Utc::now(),
        };
        for (name, lat, lon) in truth {
            let at = LatLon::new(lat, lon).unwrap();
            let hit = index.nearest(at, 1, None, &criteria).pop().unwrap();
            assert_eq!(hit.toilet.name_text(), name);
            assert!(
                hit.distance_m(at) < 1.0,
                "{crs} {name}: {} m",
                hit.distance_m(at)
            );
            assert_eq!(hit.toilet.source_crs(), crs);
        }
        // Taken as WGS-84, the same file is hundreds of metres off.
        let (wrong, _d) = (Options::new("wrong"), ());
        let report = import(&store, &file, &wrong);
        assert_eq!(report.counts.inserted, 3);
        let index = crate::index::Index::from_toilets(&store.snapshot().await.unwrap().toilets);
        let at = LatLon::new(truth[0].1, truth[0].2).unwrap();
        let off = index
            .nearest(at, 6, None, &criteria)
            .into_iter()
            .find(|h| h.toilet.source() == "wrong")
            .unwrap();
        assert!(off.distance_m(at) > 300.0);
    }
}

#[tokio::test]
async fn rooms_merge_into_venues_with_their_facilities() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "rooms.csv",
        "id,name_zh,address_zh,latitude,longitude,type_zh,has_diaper\n\
         R3,龍騰公園(女廁 ),彰化縣秀水鄉鶴鳴村民主街279巷,24.03500,120.50200,女廁所,False\n\
         R1,龍騰公園(男廁),彰化縣秀水鄉鶴鳴村民主街279巷,24.03501,120.50201,男廁所,False\n\
         R2,龍騰公園(無障礙),彰化縣秀水鄉鶴鳴村民主街279巷,24.03502,120.50199,無障礙廁所,True\n\
         R4,龍騰公園-性別友善廁所,,24.03510,120.50210,性別友善廁所,False\n\
         S1,秀水國小-男廁,彰化縣秀水鄉民主街1號,24.03500,120.50300,男廁所,False\n\
         S2,秀水國小-女廁,彰化縣秀水鄉民主街1號,24.03500,120.50301,女廁所,False\n\
         F1,龍騰公園(女廁),彰化縣秀水鄉鶴鳴村民主街279巷,24.04500,120.50200,女廁所,\n",
    );
    let report = import(&store, &file, &Options::new("tw"));
    assert_eq!(
        (
            report.counts.read,
            report.counts.venues,
            report.counts.merged
        ),
        (7, 3, 4)
    );
    let all = toilets(&store).await;
    let names: Vec<(&str, &str)> = all
        .iter()
        .map(|t| (t.external_id.as_deref().unwrap(), t.name_text()))
        .collect();
    // The smallest id names the venue; F1, 1.1 km away, stays on its own.
    assert_eq!(
        names,
        [
            ("F1", "龍騰公園(女廁)"),
            ("R1", "龍騰公園"),
            ("S1", "秀水國小")
        ]
    );
    let park = &all[1];
    assert_eq!(
        (park.wheelchair, park.baby_change, park.family_room),
        (Some(true), Some(true), Some(true))
    );
    let school = &all[2];
    assert_eq!(
        (school.wheelchair, school.baby_change, school.family_room),
        (None, Some(false), None)
    );
    assert!((park.position.lat() - 24.0350325).abs() < 1e-9);
    // Importing again changes nothing.
    let again = import(&store, &file, &Options::new("tw"));
    assert_eq!(
        (
            again.counts.inserted,
            again.counts.updated,
            again.counts.unchanged
        ),
        (0, 0, 3)
    );
}

#[test]
fn stems_drop_room_words_only() {
    for (name, stem) in [
        ("龍騰公園(女廁 )", "龍騰公園"),
        ("龍騰公園（無障礙）", "龍騰公園"),
        (
            "基隆市仁愛室內兒童樂園6樓-女廁",
            "基隆市仁愛室內兒童樂園6樓",
        ),
        ("文化園區E棟男廁", "文化園區E棟"),
        ("隘門沙灘水上服務站無障礙廁", "隘門沙灘水上服務站"),
        ("華興池生態埤塘公園-親子廁所", "華興池生態埤塘公園"),
        ("萊爾富中縣雅環店-混合廁", "萊爾富中縣雅環店"),
        ("人民公园公厕", "人民公园公厕"),
        ("男孩公園", "男孩公園"),
        ("女廁", "女廁"),
        ("公園 (北側)", "公園 (北側)"),
    ] {
        assert_eq!(name_stem(name), stem, "{name}");
    }
    assert_eq!(
        room_kind("性別友善廁所"),
        rows::RoomFacilities {
            family_room: true,
            ..Default::default()
        }
    );
    assert!(similar_names("人民公园公厕", "人民公园"));
    assert!(similar_names("Hyde Park Toilets", "hyde park toilet"));
    assert!(!similar_names("人民公园", "静安寺"));
}

#[tokio::test]
async fn reimports_update_and_remove_missing_marks_removed() {
    let (store, dir) = store().await;
    let v1 = write(
        dir.path(),
        "v1.csv",
        "id,name,lat,lon\na,Alpha,10,10\nb,Beta,11,11\nc,Gamma,12,12\n",
    );
    let first = import(&store, &v1, &Options::new("city"));
    assert_eq!(first.counts.inserted, 3);
    let again = import(&store, &v1, &Options::new("city"));
    assert_eq!(
        (
            again.counts.inserted,
            again.counts.updated,
            again.counts.unchanged
        ),
        (0, 0, 3)
    );
    let v2 = write(
        dir.path(),
        "v2.csv",
        "id,name,lat,lon\na,Alpha,10,10\nb,Beta renamed,11,11\nd,Delta,13,13\n",
    );
    let dry = import(
        &store,
        &v2,
        &Options {
            remove_missing: true,
            dry_run: true,
            ..Options::new("city")
        },
    );
    let c = &dry.counts;
    assert_eq!(
        (c.inserted, c.updated, c.unchanged, c.removed),
        (1, 1, 1, 1)
    );
    assert!(!dry.written);
    let real = import(
        &store,
        &v2,
        &Options {
            remove_missing: true,
            ..Options::new("city")
        },
    );
    assert_eq!(real.counts, dry.counts);
    let all = toilets(&store).await;
    let gamma = all.iter().find(|t| t.name_text() == "Gamma").unwrap();
    assert_eq!(gamma.status, Status::Removed);
    assert_eq!(gamma.version, 2);
    // The history says an import (no user) created and then removed it.
    let admin = crate::store::Actor {
        user_id: 0,
        role: gongce_shared::accounts::Role::Admin,
        org_id: None,
    };
    let history = store.toilet_history(gamma.id, admin).await.unwrap();
    let actions: Vec<(&str, Option<&str>)> = history
        .iter()
        .map(|h| (h.action.as_str(), h.user.as_deref()))
        .collect();
    assert_eq!(actions, [("remove", None), ("create", None)]);
    // Back in the list: back on the map.
    let back = import(&store, &v1, &Options::new("city"));
    assert_eq!(
        (
            back.counts.inserted,
            back.counts.updated,
            back.counts.unchanged
        ),
        (0, 2, 1)
    );
    let all = toilets(&store).await;
    assert!(all.iter().all(|t| t.status == Status::Open));
}

#[tokio::test]
async fn rows_without_ids_reimport_without_duplicates() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "noid.csv",
        "name,lat,lon\nNorth,1,1\nSouth,-1,-1\n",
    );
    import(&store, &file, &Options::new("noid"));
    let again = import(&store, &file, &Options::new("noid"));
    assert_eq!(again.counts.unchanged, 2);
    assert_eq!(toilets(&store).await.len(), 2);
}

#[tokio::test]
async fn existing_toilets_nearby_with_similar_names_are_flagged() {
    let (store, dir) = store().await;
    let first = write(
        dir.path(),
        "a.csv",
        "id,name,lat,lon\n1,人民公园公厕,31.2317,121.4726\n2,静安寺公厕,31.2235,121.4453\n",
    );
    import(&store, &first, &Options::new("district"));
    // ~11 m north of the first; the second is a different place at the same spot.
    let second = write(
        dir.path(),
        "b.csv",
        "id,name,lat,lon\nx,人民公园,31.2318,121.4726\ny,久光百货,31.2235,121.4453\n",
    );
    let report = import(&store, &second, &Options::new("committee"));
    let flagged: Vec<&Issue> = report
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Warning)
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0].external_id.as_deref(), Some("x"));
    assert!(flagged[0].reason.contains("人民公园公厕"));
    assert!(report.written);
    assert_eq!(report.counts.possible_duplicates, 1);
}

#[tokio::test]
async fn geojson_points_with_properties() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "g.geojson",
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"g1","geometry":{"type":"Point","coordinates":[121.47,31.23]},
         "properties":{"name":"外滩公厕","wheelchair":true,"free":false,"opening_hours":"Mo-Su 06:00-22:00"}},
        {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"name":"x"}},
        {"type":"Feature","geometry":{"type":"Point","coordinates":[200,31]},"properties":{"name":"far"}}
    ]}"#,
    );
    let report = import(
        &store,
        &file,
        &Options {
            skip_invalid: true,
            ..Options::new("g")
        },
    );
    assert_eq!(report.counts.read, 3);
    assert_eq!(
        rejected(&report)
            .iter()
            .map(|r| (r.0, r.1))
            .collect::<Vec<_>>(),
        [(2, "geometry"), (3, "lon")]
    );
    let t = &toilets(&store).await[0];
    assert_eq!(t.external_id.as_deref(), Some("g1"));
    assert_eq!((t.position.lat(), t.position.lon()), (31.23, 121.47));
    assert_eq!((t.wheelchair, t.free), (Some(true), Some(false)));
    for bad in [r#"{"type":"Point"}"#, "not json"] {
        let file = write(dir.path(), "bad.geojson", bad);
        assert!(run(&file, &store.import_target(), &Options::new("g")).is_err());
    }
}

#[test]
fn formula_cells_are_escaped_and_unescaped() {
    for text in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"] {
        let escaped = export::escape_formula(text);
        assert!(escaped.starts_with('\''), "{escaped}");
        assert_eq!(export::unescape_formula(&escaped), text);
    }
    assert_eq!(export::escape_formula("公厕"), "公厕");
    assert_eq!(export::unescape_formula("'quoted"), "'quoted");
}

/// Exporting and importing the export gives back the same toilets, in
/// every format.
#[tokio::test]
async fn import_of_an_export_gives_back_the_same_toilets() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "src.csv",
        "id,name,address,lat,lon,wheelchair,baby_change,family_room,free,access,opening_hours,hours_note,operator,timezone,坐便,蹲位,门宽,女厕位,公厕等级,联系电话,收费标准,英文名称,饮用水,mlak,场所类别,last_verified\n\
         1,=cmd|' /C calc'!A0,\"Road 1, Town\",31.2304,121.4737,yes,no,,yes,public,Mo-Fr 08:00-18:00,\"closed \"\"sometimes\"\"\",-Ops,Asia/Shanghai,有,无,90cm,6,一类,+86 21 6321 0000,,=Town toilet,有,yes,公园,2025-06-01\n\
         2,Park,,-33.8688,151.2093,,,yes,no,customers,24/7,,,Australia/Sydney,,,,,,,,,,,,\n\
         3,公园,中山路 1 号,39.9075,116.4013,no,yes,no,,,,,@区政府,Asia/Shanghai,,是,,,三类,,0.5 元,,无,,,\n",
    );
    import(
        &store,
        &file,
        &Options {
            crs: Crs::Gcj02,
            ..Options::new("src")
        },
    );
    let before = toilets(&store).await;
    assert_eq!(before.len(), 3);
    assert_eq!(
        serde_json::to_value(&before[0].details).unwrap(),
        serde_json::json!({"seated": true, "squat": false, "drinking_water": true, "mlak": true,
            "door_width_cm": 90, "stalls_female": 6, "grade": "一类", "phone": "+86 21 6321 0000",
            "name_en": "=Town toilet", "place_kind": "公园"})
    );
    assert_eq!(
        before[0].last_verified.map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-05-31T16:00:00+00:00")
    );
    assert_eq!(
        serde_json::to_value(&before[2].details).unwrap(),
        serde_json::json!({"squat": true, "drinking_water": false, "grade": "三类",
            "fee_note": "0.5 元"})
    );
    let licence = Licence {
        name: "CC-BY-4.0".into(),
        url: "https://creativecommons.org/licenses/by/4.0/".into(),
        attribution: "test".into(),
    };
    for (format, ext) in [
        (ExportFormat::Csv, "csv"),
        (ExportFormat::Geojson, "geojson"),
        (ExportFormat::Xlsx, "xlsx"),
    ] {
        let mut bytes = Vec::new();
        export(&before, format, &licence, &mut bytes).unwrap();
        if format == ExportFormat::Csv {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(text.contains("'=cmd|"), "{text}");
            assert!(text.contains(",'-Ops,"), "{text}");
            assert!(text.contains(",-33.8688,"), "{text}");
        }
        if format == ExportFormat::Geojson {
            let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(doc["licence"]["name"], "CC-BY-4.0");
        }
        let (copy, copy_dir) = self::store().await;
        let path = write(copy_dir.path(), &format!("export.{ext}"), &bytes);
        let report = import(&copy, &path, &Options::new("src"));
        assert!(report.issues.is_empty(), "{ext}: {:?}", report.issues);
        let after = toilets(&copy).await;
        assert_eq!(after.len(), before.len());
        for (a, b) in before.iter().zip(&after) {
            let same = |t: &Toilet| {
                (
                    t.external_id.clone(),
                    t.name.clone().unwrap(),
                    t.address.clone(),
                    t.position,
                    (t.wheelchair, t.baby_change, t.family_room, t.free),
                    t.access,
                    t.opening_hours.clone(),
                    t.hours_note.clone(),
                    t.timezone,
                    t.operator.clone(),
                    t.source_crs,
                    (t.details.clone(), t.last_verified),
                )
            };
            assert_eq!(same(a), same(b), "{ext}");
        }
    }
}

/// A legacy .xls from a street office: a title row above the header,
/// Chinese headers, GCJ-02 coordinates (fixture made by
/// tests/fixtures/make_xls.py).
#[tokio::test]
async fn legacy_xls_with_a_title_row_and_gcj02() {
    let (store, _dir) = store().await;
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/committee-list.xls");
    let options = Options {
        crs: Crs::Gcj02,
        ..Options::new("street-office")
    };
    let report = import(&store, &file, &options);
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    assert_eq!(report.counts.inserted, 2);
    let all = toilets(&store).await;
    let square = &all[0];
    assert_eq!(square.name_text(), "人民广场公厕");
    assert_eq!(square.external_id.as_deref(), Some("1"));
    assert_eq!(
        (square.wheelchair, square.family_room),
        (Some(true), Some(true))
    );
    assert_eq!(square.opening_hours.as_ref().unwrap().as_str(), "24/7");
    let truth = LatLon::new(31.2304, 121.4737).unwrap();
    let d = geo::Distance::distance(
        &geo::Haversine,
        geo::Point::new(truth.lon(), truth.lat()),
        geo::Point::new(square.position.lon(), square.position.lat()),
    );
    assert!(d < 1.0, "{d} m from the true point");
}

/// A list spread thin and even (rest areas across a country) has no dense
/// places, so no row is "far outside" them.
#[tokio::test]
async fn a_thinly_spread_list_has_no_region_to_be_far_from() {
    let (store, dir) = store().await;
    let mut text = String::from("id,name,lat,lon\n");
    for i in 0..400 {
        // A 20 × 20 grid, one degree apart: nothing is dense.
        text.push_str(&format!(
            "{i},Rest area {i},{},{}\n",
            20 + i / 20,
            100 + i % 20
        ));
    }
    let file = write(dir.path(), "thin.csv", &text);
    let report = import(&store, &file, &Options::new("thin"));
    assert!(
        report.issues.is_empty(),
        "{:?}",
        &report.issues[..3.min(report.issues.len())]
    );
    assert_eq!(report.counts.inserted, 400);
}

#[tokio::test]
async fn csv_lines_and_columns_are_bounded() {
    let (store, dir) = store().await;
    let mut long = b"name,lat,lon\nok,31.2,121.4\n".to_vec();
    long.extend(vec![b'x'; input::CSV_MAX_LINE + 10]);
    long.extend(b",31.2,121.4\n");
    let file = write(dir.path(), "long.csv", &long);
    let err = run(&file, &store.import_target(), &Options::new("x")).unwrap_err();
    assert!(
        format!("{err:#}").contains("a line longer than 1 MiB, the limit"),
        "{err:#}"
    );

    let wide_header = format!("name,lat,lon{}\n", ",x".repeat(300));
    let file = write(dir.path(), "wide.csv", wide_header);
    let err = run(&file, &store.import_target(), &Options::new("x")).unwrap_err();
    assert!(
        format!("{err:#}").contains("303 columns; at most 256"),
        "{err:#}"
    );

    let wide_row = format!(
        "name,lat,lon\nok,31.2,121.4\nwide,31.2,121.4{}\n",
        ",".repeat(300)
    );
    let file = write(dir.path(), "row.csv", wide_row);
    let options = Options {
        dry_run: true,
        ..Options::new("x")
    };
    let report = import(&store, &file, &options);
    assert_eq!(rejected(&report), vec![(3, "*", "303 fields; at most 256")]);
}

#[tokio::test]
async fn a_geojson_file_over_the_limit_is_refused_unread() {
    let (store, dir) = store().await;
    let path = dir.path().join("huge.geojson");
    // Sparse: no disk is used, and nothing is read.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(input::GEOJSON_MAX_BYTES + 1)
        .unwrap();
    let err = run(&path, &store.import_target(), &Options::new("x")).unwrap_err();
    assert!(
        format!("{err:#}").contains("at most 256 MiB of GeoJSON or OpenStreetMap is read"),
        "{err:#}"
    );
}

#[test]
fn a_file_is_checked_without_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "list.csv",
        "name,lat,lon\nok,31.2,121.4\nbad,95,121.4\n",
    );
    let issues = check_file(&file, &Options::new("x")).unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!((issues[0].row, issues[0].column.as_str()), (3, "lat"));
    assert!(
        check_file(
            &write(dir.path(), "x.csv", "a,b\n1,2\n"),
            &Options::new("x")
        )
        .is_err()
    );
}

/// GCJ-02 shifts only the mainland: a list published "in GCJ-02" from a
/// city near China keeps its positions, while mainland points convert.
#[tokio::test]
async fn gcj02_imports_move_only_mainland_points() {
    let (store, dir) = store().await;
    let metres = |a: LatLon, b: (f64, f64)| {
        use geo::{Distance, Haversine, Point};
        Haversine.distance(Point::new(a.lon(), a.lat()), Point::new(b.1, b.0))
    };
    let places = [
        ("Seoul", 37.5665, 126.9780, false),
        ("Pyongyang", 39.0392, 125.7625, false),
        ("Hanoi", 21.0285, 105.8542, false),
        ("Ulaanbaatar", 47.8864, 106.9057, false),
        ("Delhi", 28.6139, 77.2090, false),
        ("Vladivostok", 43.1198, 131.8869, false),
        ("Almaty", 43.2220, 76.8512, false),
        ("Hong Kong", 22.2819, 114.1582, false),
        ("Beijing", 39.9101, 116.4037, true),
        ("Kunming", 25.0406, 102.7129, true),
    ];
    for (i, (city, lat, lon, mainland)) in places.into_iter().enumerate() {
        let file = write(
            dir.path(),
            &format!("{i}.csv"),
            format!("id,name,lat,lon\n{i},{city},{lat},{lon}\n"),
        );
        let options = Options {
            crs: Crs::Gcj02,
            ..Options::new(format!("list{i}"))
        };
        let report = import(&store, &file, &options);
        assert!(report.issues.is_empty(), "{city}: {:?}", report.issues);
        let all = toilets(&store).await;
        let t = all.iter().find(|t| t.name_text() == city).unwrap();
        let moved = metres(t.position, (lat, lon));
        if mainland {
            assert!((200.0..1000.0).contains(&moved), "{city} moved {moved} m");
        } else {
            assert!(moved < 1.0, "{city} moved {moved} m");
        }
    }
}

fn osm_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/osm")
        .join(name)
}

/// What the OSM fixtures' toilets come to, keyed by their OSM ids: the
/// mapping table of docs/IMPORT.md.
async fn osm_toilets(store: &Store) -> std::collections::BTreeMap<String, Toilet> {
    toilets(store)
        .await
        .iter()
        .filter(|t| t.status != Status::Removed)
        .map(|t| (t.external_id.clone().unwrap(), (**t).clone()))
        .collect()
}

#[tokio::test]
async fn openstreetmap_extracts_and_overpass_json_import_with_the_mapping() {
    use gongce_shared::{Access, Fact, RoomKind, details::Value};
    for file in ["sydney.osm.pbf", "sydney.overpass.json"] {
        let (store, _dir) = store().await;
        let report = import(&store, &osm_fixture(file), &Options::new("osm"));
        assert_eq!(report.format, Format::Osm, "{file}");
        assert!(report.issues.is_empty(), "{file}: {:?}", report.issues);
        // Seven toilets; the private one left out, the bakery not read.
        assert_eq!(
            (
                report.counts.read,
                report.counts.private,
                report.counts.inserted
            ),
            (7, 1, 7),
            "{file}"
        );
        let all = osm_toilets(&store).await;
        let ids: Vec<&str> = all.keys().map(String::as_str).collect();
        assert_eq!(
            ids,
            [
                "node/1001",
                "node/1002",
                "node/1004",
                "node/1005",
                "node/1007",
                "relation/3001",
                "way/2001"
            ],
            "{file}"
        );
        let hyde = &all["node/1001"];
        assert_eq!(hyde.name_text(), "Hyde Park Toilets");
        assert_eq!(
            (hyde.wheelchair, hyde.baby_change, hyde.free),
            (Some(true), Some(true), Some(true))
        );
        assert_eq!(
            hyde.opening_hours.as_ref().unwrap().as_str(),
            "Mo-Su 06:00-22:00"
        );
        assert_eq!(hyde.operator.as_deref(), Some("City of Sydney"));
        assert_eq!(hyde.details.get(Fact::Seated), Some(Value::Bool(true)));
        assert_eq!(
            hyde.details.get(Fact::Squat),
            None,
            "urinal says nothing of squat"
        );
        assert_eq!(hyde.details.get(Fact::Paper), Some(Value::Bool(true)));
        assert_eq!(
            (hyde.position.lat(), hyde.position.lon()),
            (-33.873, 151.211)
        );
        // check_date 2025-10-01: the start of that day in Sydney (UTC+10 before daylight saving).
        assert_eq!(
            hyde.last_verified.map(|t| t.to_rfc3339()).as_deref(),
            Some("2025-09-30T14:00:00+00:00")
        );
        // No name: null, with the address it has.
        let george = &all["node/1002"];
        assert_eq!(george.name, None);
        assert_eq!(george.address.as_deref(), Some("1 George Street, Sydney"));
        assert_eq!((george.wheelchair, george.free), (Some(false), Some(false)));
        assert_eq!(
            george.details.get(Fact::FeeNote),
            Some(Value::Text("1 AUD".into()))
        );
        // Locked: a key; unisex: its one room.
        let locked = &all["node/1004"];
        assert_eq!(
            (locked.access, locked.wheelchair),
            (Some(Access::Key), Some(true))
        );
        assert_eq!(locked.details.rooms.len(), 1);
        assert_eq!(locked.details.rooms[0].kind, RoomKind::Unisex);
        // Inside a station: its toilets' tags, not the station's; customers.
        let station = &all["node/1005"];
        assert_eq!(station.name_text(), "Town Hall");
        assert_eq!(
            (station.access, station.wheelchair, station.free),
            (Some(Access::Customers), Some(true), None)
        );
        let chinatown = &all["node/1007"];
        assert_eq!(
            chinatown.details.get(Fact::NameEn),
            Some(Value::Text("Chinatown Toilets".into()))
        );
        assert_eq!(chinatown.details.get(Fact::Squat), Some(Value::Bool(true)));
        assert_eq!(chinatown.details.get(Fact::Soap), Some(Value::Bool(false)));
        // Areas at their centroid.
        let domain = &all["way/2001"];
        assert_eq!(
            (domain.position.lat(), domain.position.lon()),
            (-33.8695, 151.2155)
        );
        let barangaroo = &all["relation/3001"];
        assert_eq!(
            (barangaroo.position.lat(), barangaroo.position.lon()),
            (-33.859, 151.202)
        );
        assert_eq!(barangaroo.baby_change, Some(false));
    }
}

#[tokio::test]
async fn a_newer_openstreetmap_extract_updates_and_retires() {
    let (store, _dir) = store().await;
    let options = Options {
        remove_missing: true,
        ..Options::new("osm")
    };
    import(&store, &osm_fixture("sydney.osm.pbf"), &options);
    let before = osm_toilets(&store).await;
    let again = import(&store, &osm_fixture("sydney.osm.pbf"), &options);
    assert_eq!((again.counts.unchanged, again.counts.updated), (7, 0));

    let newer = import(&store, &osm_fixture("sydney-newer.osm.pbf"), &options);
    assert_eq!(
        (
            newer.counts.inserted,
            newer.counts.updated,
            newer.counts.unchanged,
            newer.counts.removed
        ),
        (1, 1, 5, 1)
    );
    let after = osm_toilets(&store).await;
    assert!(!after.contains_key("node/1002"), "gone from the extract");
    let hyde = (&before["node/1001"], &after["node/1001"]);
    assert_eq!(hyde.0.id, hyde.1.id, "the same toilet, updated");
    assert_eq!((hyde.0.free, hyde.1.free), (Some(true), Some(false)));
    assert_eq!(after["node/1008"].name_text(), "Central Station Toilets");
    let retired = toilets(&store)
        .await
        .iter()
        .find(|t| t.external_id.as_deref() == Some("node/1002"))
        .map(|t| t.status.clone());
    assert_eq!(retired, Some(Status::Removed));
}

#[tokio::test]
async fn a_broken_openstreetmap_file_is_a_clear_error() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "bad.osm.pbf",
        b"\x00\x00\x00\x0dnot a pbf file at all",
    );
    let e = run(&file, &store.import_target(), &Options::new("osm")).unwrap_err();
    assert!(format!("{e:#}").contains(".osm.pbf"), "{e:#}");
    let file = write(dir.path(), "bad.json", r#"{"elements": 3}"#);
    let e = run(&file, &store.import_target(), &Options::new("osm")).unwrap_err();
    assert!(format!("{e:#}").contains("elements"), "{e:#}");
    assert!(toilets(&store).await.is_empty());
}

#[tokio::test]
async fn a_column_mapped_true_means_yes_leaves_its_no_unknown() {
    let (store, dir) = store().await;
    let file = write(
        dir.path(),
        "flags.csv",
        "id,name,lat,lon,Accessible,Showers,Changing\n\
         a,One,-33.1,151.1,True,False,False\n\
         b,Two,-33.2,151.2,False,True,True\n",
    );
    let maps = [
        "Accessible=wheelchair:true-means-yes",
        "Showers=shower:true-means-yes",
        "Changing=baby_change",
    ]
    .map(|m| m.parse::<ColumnMap>().unwrap())
    .to_vec();
    let report = import(
        &store,
        &file,
        &Options {
            maps,
            ..Options::new("flags")
        },
    );
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    let all = toilets(&store).await;
    let shower = |t: &Toilet| t.details.tri(gongce_shared::Fact::Shower);
    assert_eq!((all[0].wheelchair, shower(&all[0])), (Some(true), None));
    assert_eq!((all[1].wheelchair, shower(&all[1])), (None, Some(true)));
    // Without the reading, False is a known no.
    assert_eq!(
        (all[0].baby_change, all[1].baby_change),
        (Some(false), Some(true))
    );

    for (bad, says) in [
        ("Accessible=name:true-means-yes", "yes/no field"),
        ("Accessible=wheelchair:maybe", "unknown reading"),
    ] {
        let e = bad.parse::<ColumnMap>().unwrap_err();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

#[tokio::test]
async fn a_known_lists_columns_still_follow_map() {
    let (store, dir) = store().await;
    // Two rows shaped as Australia's National Public Toilet Map.
    let file = write(
        dir.path(),
        "nptm.csv",
        "ToiletID,Name,address,suburb,Postcode,Male,Female,Unisex,AccessLimited,PaymentRequired,KeyRequired,Parking,AccessibleMale,AccessibleFemale,AccessibleUnisex,MLAK,ParkingAccessible,IsOpen,BabyChange,Showers,DrinkingWater,SharpsDisposal,SanitaryDisposal,IconAltText,Status,Latitude,Longitude,state.abbr\n\
         1,Sandy Beach Reserve,West Road,Bassendean,6054,True,True,False,False,False,False,False,True,True,False,False,False,AllHours,False,True,False,True,False,x,Verified,-31.921836,115.95020622,WA\n\
         2,Point Reserve,North Road,Bassendean,6054,True,True,False,False,False,False,False,False,False,False,False,False,DaylightHours,True,False,False,False,False,x,Verified,-31.9044101,115.9609911,WA\n",
    );
    let report = import(&store, &file, &Options::new("nptm"));
    assert_eq!(report.schema, Some(Schema::AuNationalToiletMap));
    let all = toilets(&store).await;
    assert_eq!((all[0].baby_change, all[1].baby_change), (None, Some(true)));
    assert_eq!((all[0].wheelchair, all[1].wheelchair), (Some(true), None));
    // A map names a column the list's rules read: the map wins, False is a no.
    let (copy, _d) = self::store().await;
    let maps = vec!["BabyChange=baby_change".parse().unwrap()];
    let report = import(
        &copy,
        &file,
        &Options {
            maps,
            ..Options::new("nptm")
        },
    );
    let mapped = report
        .columns
        .iter()
        .find(|c| c.column == "BabyChange")
        .unwrap();
    assert_eq!(
        (mapped.field, mapped.read_by_schema),
        (Some("baby_change"), false)
    );
    let all = toilets(&copy).await;
    assert_eq!(
        (all[0].baby_change, all[1].baby_change),
        (Some(false), Some(true))
    );
}
