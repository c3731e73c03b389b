//! Handing walking navigation to the map app the resident already uses,
//! each in the coordinate system it expects: Amap GCJ-02, Baidu BD-09,
//! Apple, Google and `geo:` WGS-84.

use gongce_shared::{Crs, LatLon};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavLink {
    pub app: &'static str,
    pub url: String,
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Walking directions to `to`, named `name`, in each app.
pub fn navigation(to: LatLon, name: &str) -> Vec<NavLink> {
    let (g_lat, g_lon) = Crs::Gcj02.from_wgs84(to);
    let (b_lat, b_lon) = Crs::Bd09.from_wgs84(to);
    let (lat, lon) = (to.lat(), to.lon());
    let name = enc(name);
    vec![
        NavLink {
            app: "高德地图 Amap",
            url: format!(
                "https://uri.amap.com/navigation?to={g_lon:.6},{g_lat:.6},{name}&mode=walk&coordinate=gaode&callnative=1&src=gongce"
            ),
        },
        NavLink {
            app: "百度地图 Baidu",
            url: format!(
                "https://api.map.baidu.com/direction?destination=latlng:{b_lat:.6},{b_lon:.6}|name:{name}&mode=walking&coord_type=bd09ll&output=html&src=gongce"
            ),
        },
        NavLink {
            app: "Apple Maps",
            url: format!("https://maps.apple.com/?daddr={lat:.6},{lon:.6}&dirflg=w&q={name}"),
        },
        NavLink {
            app: "Google Maps",
            url: format!(
                "https://www.google.com/maps/dir/?api=1&destination={lat:.6},{lon:.6}&travelmode=walking"
            ),
        },
        NavLink {
            // Named in the page's language where it is shown.
            app: "geo",
            url: format!("geo:{lat:.6},{lon:.6}?q={lat:.6},{lon:.6}({name})"),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_app_gets_its_own_coordinates() {
        let square = LatLon::new(31.2304, 121.4737).unwrap();
        let links = navigation(square, "人民广场公厕");
        let amap = &links[0].url;
        // GCJ-02 of People's Square is ~31.2285, 121.4782 (lon first).
        assert!(amap.contains("to=121.478223,31.228458,"), "{amap}");
        assert!(amap.contains("%E4%BA%BA%E6%B0%91"), "{amap}");
        let baidu = &links[1].url;
        let (b_lat, b_lon) = Crs::Bd09.from_wgs84(square);
        assert!(
            baidu.contains(&format!("latlng:{b_lat:.6},{b_lon:.6}")),
            "{baidu}"
        );
        assert!(links[3].url.contains("destination=31.230400,121.473700"));
        assert!(links[4].url.starts_with("geo:31.230400,121.473700"));
    }

    #[test]
    fn outside_mainland_amap_gets_the_plain_position() {
        let taipei = LatLon::new(25.0478, 121.5170).unwrap();
        assert!(
            navigation(taipei, "x")[0]
                .url
                .contains("to=121.517000,25.047800,")
        );
        // Seoul and Hong Kong are inside a bounding box of China, not in the mainland.
        let seoul = LatLon::new(37.5665, 126.9780).unwrap();
        assert!(
            navigation(seoul, "x")[0]
                .url
                .contains("to=126.978000,37.566500,")
        );
        let hong_kong = LatLon::new(22.2819, 114.1582).unwrap();
        assert!(
            navigation(hong_kong, "x")[0]
                .url
                .contains("to=114.158200,22.281900,")
        );
    }
}
