//! Moments shown as the toilet's own clock shows them: in its IANA zone,
//! by the browser's time-zone database (the app ships none), in the
//! reader's language.

use chrono::{DateTime, Timelike as _, Utc};
use js_sys::{JsString, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::i18n::Lang;

#[wasm_bindgen]
extern "C" {
    /// A JS `Date`, whose `toLocaleString` here may throw (for a zone the
    /// browser does not know) instead of aborting.
    #[wasm_bindgen(js_name = Date)]
    type Moment;
    #[wasm_bindgen(constructor, js_class = "Date")]
    fn new(epoch_ms: f64) -> Moment;
    #[wasm_bindgen(catch, method, js_class = "Date", js_name = toLocaleString)]
    fn to_locale_string_in(
        this: &Moment,
        locale: &str,
        options: &Object,
    ) -> Result<JsString, JsValue>;
}

/// `at` as `locale` writes it with `options`, in `zone` (UTC when none);
/// `None` when the browser does not know the zone.
fn in_zone(
    at: DateTime<Utc>,
    zone: Option<&str>,
    locale: &str,
    options: &[(&str, &str)],
) -> Option<String> {
    let o = Object::new();
    for (key, value) in options.iter().chain([&("timeZone", zone.unwrap_or("UTC"))]) {
        let _ = Reflect::set(&o, &(*key).into(), &(*value).into());
    }
    Moment::new(at.timestamp_millis() as f64)
        .to_locale_string_in(locale, &o)
        .map(String::from)
        .ok()
}

/// "18:00" in `zone`, on a 24-hour clock (UTC, said so, if the browser
/// does not know the zone).
pub(crate) fn local_hm(at: DateTime<Utc>, zone: Option<&str>) -> String {
    let options = [
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
    ];
    in_zone(at, zone, "en-GB", &options)
        .unwrap_or_else(|| format!("{:02}:{:02} UTC", at.hour(), at.minute()))
}

/// "2030年1月2日 00:30" / "Jan 2, 2030, 12:30 AM" in `zone`; in UTC, said
/// so, if the browser does not know the zone.
pub(crate) fn local_time(at: DateTime<Utc>, zone: Option<&str>, lang: Lang) -> String {
    let options = [("dateStyle", "medium"), ("timeStyle", "short")];
    in_zone(at, zone, lang.tag(), &options)
        // Not chrono's `format`: its pattern parser would weigh 10 KB.
        .unwrap_or_else(|| {
            format!(
                "{} {:02}:{:02} UTC",
                at.date_naive(),
                at.hour(),
                at.minute()
            )
        })
}
