//! Residents: the nearest toilets that fit, on the map and in a list, and
//! the details of the one tapped.

use gongce_shared::{LatLon, api::Filters};
use yew::prelude::*;

use wasm_bindgen::{JsCast as _, closure::Closure};

use crate::{
    api,
    components::{DetailSheet, filter_chips, result_list},
    context::{use_config, use_lang, use_located},
    hooks::{Load, Located, use_nearby, use_persisted},
    i18n::Text,
    map::{MapView, Marker},
    model::{NearbyResult, toilet_fragment, toilet_in_fragment},
};

const FILTERS_KEY: &str = "gongce.filters";

/// Where the list is measured from, and why.
#[derive(Clone, Copy, PartialEq)]
enum Origin {
    Locating,
    Me(LatLon),
    /// Location refused or unavailable, or the resident asked for the
    /// map's centre.
    Centre(LatLon),
}

impl Origin {
    fn point(self) -> Option<LatLon> {
        match self {
            Origin::Me(p) | Origin::Centre(p) => Some(p),
            Origin::Locating => None,
        }
    }
}

/// The toilet the address names (`#t=123`).
fn toilet_in_address() -> Option<i64> {
    let hash = web_sys::window()?.location().hash().ok()?;
    toilet_in_fragment(&hash)
}

/// Opening a sheet adds an entry to the history, so that Back closes it
/// and the address can be shared; closing it goes back.
#[hook]
fn use_sheet_address() -> (UseStateHandle<Option<i64>>, Callback<i64>, Callback<()>) {
    let wanted = use_state(toilet_in_address);
    // Whether this page added the entry (else the address came from outside
    // and Back would leave the app).
    let pushed = use_mut_ref(|| false);
    {
        let (wanted, pushed) = (wanted.clone(), pushed.clone());
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || {
                *pushed.borrow_mut() = false;
                wanted.set(toilet_in_address());
            });
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "popstate",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "popstate",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    let open = {
        let (wanted, pushed) = (wanted.clone(), pushed.clone());
        Callback::from(move |id: i64| {
            if toilet_in_address() != Some(id)
                && let Some(h) = web_sys::window().and_then(|w| w.history().ok())
            {
                let replace = toilet_in_address().is_some();
                let url = toilet_fragment(id);
                let _ = if replace {
                    h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                } else {
                    h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                };
                *pushed.borrow_mut() |= !replace;
            }
            wanted.set(Some(id));
        })
    };
    let close = {
        let wanted = wanted.clone();
        Callback::from(move |()| {
            let Some(w) = web_sys::window() else { return };
            let Ok(h) = w.history() else { return };
            if std::mem::take(&mut *pushed.borrow_mut()) {
                // popstate then closes it.
                let _ = h.back();
            } else {
                let path = w.location().pathname().unwrap_or_else(|_| "/".into());
                let search = w.location().search().unwrap_or_default();
                let _ = h.replace_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&format!("{path}{search}")),
                );
                wanted.set(None);
            }
        })
    };
    (wanted, open, close)
}

#[function_component(FindPage)]
pub(crate) fn find_page() -> Html {
    let lang = use_lang();
    let config = use_config();
    let located = use_located();
    let filters = use_persisted(FILTERS_KEY, Filters::default);
    // "Search this area": the map's centre when it was asked.
    let searched = use_state(|| None::<LatLon>);
    let centre = use_mut_ref(|| None::<LatLon>);
    let selected = use_state(|| None::<NearbyResult>);
    let (wanted, open, close) = use_sheet_address();

    // Before the resident's position: the city's centre, else Shanghai's.
    let fallback = config
        .as_ref()
        .and_then(|c| c.center)
        .unwrap_or_else(|| LatLon::new(31.2304, 121.4737).expect("valid"));
    let located_origin = match located {
        Located::Asking => Origin::Locating,
        Located::At(p) => Origin::Me(p),
        Located::Unavailable => Origin::Centre(fallback),
    };
    let origin = searched.map_or(located_origin, Origin::Centre);
    let nearby = use_nearby(origin.point(), *filters);

    let note = match (origin, &nearby.load) {
        (_, Load::Offline) => lang.t(Text::Offline).to_owned(),
        (_, Load::Failed(e)) => lang.error(&e.detail),
        (Origin::Locating, _) => lang.t(Text::Locating).to_owned(),
        (Origin::Me(_), _) => lang.t(Text::LocationFound).to_owned(),
        (Origin::Centre(_), _) => lang.t(Text::LocationRefused).to_owned(),
    };
    let markers: Vec<Marker> = nearby
        .results
        .iter()
        .map(|r| Marker {
            id: r.toilet.id,
            at: r.toilet.position(),
            label: r.toilet.name.clone(),
        })
        .collect();
    // The sheet shows the toilet the address names: from the list, or
    // fetched when the list does not hold it (a shared address).
    {
        let (selected, results) = (selected.clone(), nearby.results.clone());
        let from = origin.point();
        let settled = nearby.load != Load::Loading;
        use_effect_with(
            (*wanted, results, settled, from),
            move |(wanted, results, settled, from)| match *wanted {
                None => selected.set(None),
                Some(id) => {
                    if let Some(r) = results.iter().find(|r| r.toilet.id == id) {
                        selected.set(Some(r.clone()));
                    } else if *settled
                        && selected.as_ref().is_none_or(|s| {
                            // Another toilet, or measured before the resident's position came.
                            s.toilet.id != id || (from.is_some() && !s.distance_m.is_finite())
                        })
                    {
                        let from = *from;
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Ok(t) = api::toilet(id).await {
                                selected.set(Some(NearbyResult::seen_from(t, from)));
                            }
                        });
                    }
                }
            },
        );
    }
    let select = {
        let open = open.clone();
        Callback::from(move |r: NearbyResult| open.emit(r.toilet.id))
    };
    let on_marker = open.clone();
    let on_move = {
        let centre = centre.clone();
        Callback::from(move |p: LatLon| *centre.borrow_mut() = Some(p))
    };
    let search_here = {
        let (searched, again) = (searched.clone(), nearby.again.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(c) = *centre.borrow() {
                searched.set(Some(c));
                again.emit(());
            }
        })
    };
    let current = *filters;
    let set_filters = Callback::from(move |f: Filters| filters.set(f));
    let empty = nearby.results.is_empty();

    html! {
        <>
            <MapView tiles={config.map(|c| c.tiles)} view={located_origin.point()} {markers}
                me={match origin { Origin::Me(p) => Some(p), _ => None }}
                {on_marker} {on_move} />
            <main>
                <section class="find">
                    <p class="note" role="status">{ note }</p>
                    { filter_chips(lang, current, &set_filters) }
                    <button class="search-here" onclick={search_here}>{ lang.t(Text::SearchHere) }</button>
                    <h2 id="nearest" tabindex="-1">{ lang.t(Text::Nearest) }</h2>
                    if nearby.load == Load::Loading && empty { <p>{ lang.t(Text::Loading) }</p> }
                    if nearby.load == Load::Idle && empty && origin.point().is_some() { <p>{ lang.t(Text::NoResults) }</p> }
                    { result_list(lang, &nearby.results, &select) }
                </section>
            </main>
            if let Some(r) = (*selected).clone() {
                <DetailSheet result={r} on_close={close} />
            }
        </>
    }
}
