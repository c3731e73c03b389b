//! The gongce mini-app: residents find the nearest suitable toilet;
//! committees place and keep their toilets; admins import lists.
//!
//! One page: a header (language, sign-in, tabs) and the page of the chosen
//! tab, each with its map. `app` provides the contexts (language, session,
//! server settings, position); `hooks` holds the stateful logic
//! (remembered settings, geolocation, the nearest search with its offline
//! copy); `pages` are the tabs; `components` the pieces they are made of.
//! Pure logic lives in [`i18n`], [`errors`], [`links`] and [`model`] and is tested
//! natively.

pub mod errors;
pub mod hours;
pub mod i18n;
pub mod links;
pub mod model;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod clock;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod context;
#[cfg(target_arch = "wasm32")]
mod hooks;
#[cfg(target_arch = "wasm32")]
mod map;
#[cfg(target_arch = "wasm32")]
mod pages;

/// Facility flags as shown in lists, for a toilet's tri-state values:
/// only a known `true` shows an icon.
pub fn facility_icons(
    wheelchair: Option<bool>,
    baby_change: Option<bool>,
    family_room: Option<bool>,
    free: Option<bool>,
) -> Vec<(&'static str, i18n::Text)> {
    [
        (wheelchair, "♿", i18n::Text::Wheelchair),
        (baby_change, "🍼", i18n::Text::BabyChange),
        (family_room, "👪", i18n::Text::FamilyRoom),
        (free, "🆓", i18n::Text::Free),
    ]
    .into_iter()
    .filter(|(v, _, _)| *v == Some(true))
    .map(|(_, icon, text)| (icon, text))
    .collect()
}

/// Starts the app in `<body>`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_facilities_show() {
        let icons = facility_icons(Some(true), None, Some(false), Some(true));
        assert_eq!(
            icons.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            ["♿", "🆓"]
        );
    }
}
