use super::*;

fn options() -> Options {
    Options {
        source: "test".into(),
        timezone: TimeZone::default(),
    }
}

fn csv(text: &str) -> Parsed {
    parse_csv(text.as_bytes(), &options()).unwrap()
}

#[test]
fn chinese_and_english_headers_map_to_fields() {
    let p = csv(
        "\u{feff}编号,名称,地址,纬度,经度,无障碍,母婴室,第三卫生间,免费,开放时间,管理单位\n\
                 A1,人民公园公厕,南京西路231号,31.2317,121.4726,是,否,,1,全天,黄浦区绿化局\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let t = &p.rows[0];
    assert_eq!(t.external_id.as_deref(), Some("A1"));
    assert_eq!(t.name.as_str(), "人民公园公厕");
    assert_eq!((t.position.lat(), t.position.lon()), (31.2317, 121.4726));
    assert_eq!(
        (t.wheelchair, t.baby_change, t.family_room, t.free),
        (Some(true), Some(false), None, Some(true))
    );
    assert_eq!(t.opening_hours.as_ref().unwrap().as_str(), "24/7");
    assert_eq!(t.operator.as_deref(), Some("黄浦区绿化局"));

    let p = csv("ID,Name,Latitude,Longitude,Baby Change,Extra\n7,Beach,-31.9,115.9,True,x\n");
    assert!(p.rejected.is_empty());
    assert_eq!(p.rows[0].baby_change, Some(true));
    assert_eq!(p.ignored_columns, vec!["Extra".to_string()]);
}

#[test]
fn every_bad_value_is_reported_with_row_column_value_and_reason() {
    let p = csv("id,name,lat,lon,wheelchair,opening_hours\n\
                 1,Good,10,20,yes,\n\
                 2,,abc,20,maybe,whenever\n\
                 3,Swapped,121.7,25.1,,\n\
                 1,Again,10,20,,\n\
                 4,Short,10\n");
    assert_eq!(p.total, 5);
    assert_eq!(p.rows.len(), 1);
    let found: Vec<(usize, &str, &str)> = p
        .rejected
        .iter()
        .map(|r| (r.row, r.column.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (3, "name", ""),
            (3, "lat", "abc"),
            (3, "wheelchair", "maybe"),
            (3, "opening_hours", "whenever"),
            (4, "lat", "121.7"),
            (5, "id", "1"),
            (6, "*", "4,Short,10"),
        ]
    );
    assert!(
        p.rejected[4].reason.contains("swapped"),
        "{}",
        p.rejected[4].reason
    );
    assert!(p.rejected[5].reason.contains("row 2"));
    assert_eq!(p.rejected_rows(), 4);
}

#[test]
fn missing_required_column_is_a_file_error() {
    let err = parse_csv("name,lat\nA,1\n".as_bytes(), &options()).unwrap_err();
    assert!(err.to_string().contains("no column for lon"), "{err}");
}

#[test]
fn non_utf8_values_are_rejected_not_garbled() {
    // "公厕" in GBK.
    let mut bytes = b"name,lat,lon\n".to_vec();
    bytes.extend([0xb9, 0xab, 0xb2, 0xde]);
    bytes.extend(b",1,2\n");
    let p = parse_csv(bytes.as_slice(), &options()).unwrap();
    assert_eq!(p.rows.len(), 0);
    assert_eq!(p.rejected.len(), 1);
    assert!(p.rejected[0].reason.contains("UTF-8"));
}

#[test]
fn geojson_points_with_properties() {
    let doc = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"g1","geometry":{"type":"Point","coordinates":[121.47,31.23]},
         "properties":{"name":"外滩公厕","wheelchair":true,"free":false,"opening_hours":"Mo-Su 06:00-22:00"}},
        {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"name":"x"}},
        {"type":"Feature","geometry":{"type":"Point","coordinates":[200,31]},"properties":{"name":"far"}}
    ]}"#;
    let p = parse_geojson(doc.as_bytes(), &options()).unwrap();
    assert_eq!(p.total, 3);
    assert_eq!(p.rows.len(), 1);
    let t = &p.rows[0];
    assert_eq!(t.external_id.as_deref(), Some("g1"));
    assert_eq!((t.position.lat(), t.position.lon()), (31.23, 121.47));
    assert_eq!((t.wheelchair, t.free), (Some(true), Some(false)));
    assert_eq!(p.rejected[0].row, 2);
    assert_eq!(p.rejected[0].column, "geometry");
    assert_eq!(p.rejected[1].column, "geometry.coordinates[0]");
    assert!(parse_geojson(r#"{"type":"Point"}"#.as_bytes(), &options()).is_err());
    assert!(parse_geojson("not json".as_bytes(), &options()).is_err());
}
