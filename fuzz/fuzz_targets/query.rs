//! The query parsers of /nearby and the bounding-box search: any query
//! string gets an answer or an error naming the parameter, never a panic;
//! an accepted query written back reads as the same query.
#![no_main]

use gongce_shared::api::{BboxQuery, NearbyQuery};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = NearbyQuery::from_query(query) {
        assert_eq!(NearbyQuery::from_query(&q.to_query()).as_ref(), Ok(&q));
    }
    if let Ok(q) = BboxQuery::from_query(query) {
        assert_eq!(BboxQuery::from_query(&q.to_query()).as_ref(), Ok(&q));
    }
});
