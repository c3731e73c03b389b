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

/// "18:00" in `zone`, on a 24-hour clock (UTC, said so, if the browser
/// does not know the zone).
pub(crate) fn local_hm(at: DateTime<Utc>, zone: Option<&str>) -> String {
    let options = Object::new();
    for (key, value) in [
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
        ("timeZone", zone.unwrap_or("UTC")),
    ] {
        let _ = Reflect::set(&options, &key.into(), &value.into());
    }
    Moment::new(at.timestamp_millis() as f64)
        .to_locale_string_in("en-GB", &options)
        .map(String::from)
        .unwrap_or_else(|_| format!("{:02}:{:02} UTC", at.hour(), at.minute()))
}

/// "2030年1月2日 00:30" / "Jan 2, 2030, 12:30 AM" in `zone`; in UTC, said
/// so, if the browser does not know the zone.
pub(crate) fn local_time(at: DateTime<Utc>, zone: Option<&str>, lang: Lang) -> String {
    let date = Moment::new(at.timestamp_millis() as f64);
    let options = Object::new();
    for (key, value) in [
        ("dateStyle", "medium"),
        ("timeStyle", "short"),
        ("timeZone", zone.unwrap_or("UTC")),
    ] {
        let _ = Reflect::set(&options, &key.into(), &value.into());
    }
    date.to_locale_string_in(lang.tag(), &options)
        .map(String::from)
        // Not chrono's `format`: its pattern parser would weigh 10 KB.
        .unwrap_or_else(|_| {
            format!(
                "{} {:02}:{:02} UTC",
                at.date_naive(),
                at.hour(),
                at.minute()
            )
        })
}
