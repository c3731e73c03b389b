//! An export streams in bounded memory: serving the GeoJSON of 100,000
//! toilets (about 75 MB) may allocate at most 16 MiB beyond what the server
//! held before. The allocator keeps the exact high-water mark of the bytes
//! held, so the bound is checked, not sampled. (It used to refuse
//! allocations past the bound instead; a refused allocation in a runtime
//! thread could leave the test hanging rather than failing.) Rendering the
//! whole export into memory, as before, needed a buffer of the export's size.

use std::{
    alloc::System,
    sync::{Arc, RwLock},
};

use axum::{body::Body, http::Request};
use gongce::{
    http::{AppState, app},
    import,
    index::Index,
    store::Store,
};
use gongce_shared::{LatLon, ToiletId, ToiletName};
use http_body_util::BodyExt as _;
use peakmem_alloc::{PeakMemAlloc, PeakMemAllocTrait as _};
use tower::ServiceExt as _;

#[global_allocator]
static ALLOCATOR: PeakMemAlloc<System> = PeakMemAlloc::system();

const TOILETS: i64 = 100_000;
const BOUND: usize = 16 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("gongce.sqlite").display());
    let store = Store::open(&url).await.unwrap();
    let csv = dir.path().join("one.csv");
    std::fs::write(
        &csv,
        "id,name,lat,lon,address\n1,样板公厕,31.2,121.4,黄浦区某路1号\n",
    )
    .unwrap();
    import::run(&csv, &store.import_target(), &import::Options::new("one")).unwrap();
    let model = (*store.snapshot().await.unwrap().toilets[0]).clone();
    let toilets = (1..=TOILETS).map(|i| {
        let mut t = model.clone();
        t.id = ToiletId::new(i).unwrap();
        t.name = Some(ToiletName::new(&format!("公厕 {i}")).unwrap());
        t.position = LatLon::new(
            20.0 + (i % 2000) as f64 / 100.0,
            100.0 + (i / 2000) as f64 / 10.0,
        )
        .unwrap();
        t.external_id = Some(format!("x{i}"));
        t
    });
    let index = Arc::new(RwLock::new(Index::from_toilets(
        &toilets.collect::<Vec<_>>(),
    )));
    let router = app(AppState::new(index, store));

    // From here the allocator counts the bytes held above this point.
    ALLOCATOR.reset_peak_memory();
    let response = router
        .oneshot(
            Request::get("/api/v1/export.geojson")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut bytes = 0usize;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            bytes += data.len();
        }
    }
    let above = ALLOCATOR.get_peak_memory();
    let mib = |b: usize| b as f64 / (1 << 20) as f64;
    eprintln!(
        "export of {TOILETS} toilets: {:.1} MB streamed; at most {:.2} MiB held above the start",
        bytes as f64 / 1e6,
        mib(above)
    );
    assert!(bytes > 40_000_000, "{bytes} bytes");
    assert!(
        above <= BOUND,
        "the export held {:.1} MiB above the start, past its {:.0} MiB bound",
        mib(above),
        mib(BOUND)
    );
}
