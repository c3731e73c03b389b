//! The opening-hours parser (OpenStreetMap syntax and the Chinese forms):
//! never a panic; accepted hours keep their text and read again.
#![no_main]

use gongce_shared::OpeningHours;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(hours) = OpeningHours::parse(text) {
        assert!(OpeningHours::parse(hours.as_str()).is_ok());
    }
});
