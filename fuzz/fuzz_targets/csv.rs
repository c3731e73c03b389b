//! The csv reader and every row check, as an import runs them (writing
//! nothing): any file gets rows, row problems or a file error, never a
//! panic, an abort or unbounded memory (libFuzzer's -rss_limit_mb).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.csv");
    std::fs::write(&file, data).unwrap();
    let _ = gongce::import::check_file(&file, &gongce::import::Options::new("fuzz"));
});
