//! Residents: the nearest toilets that fit, on the map and in a list, and
//! the details of the one tapped.

use gongce_shared::{
    LatLon,
    api::{ErrorDetail, Filter, Filters},
};
use yew::prelude::*;

use wasm_bindgen::{JsCast as _, closure::Closure};

use crate::{
    api,
    components::{DetailSheet, filter_chips, form_data, result_list},
    context::{use_config, use_lang, use_located, use_relocate},
    hooks::{Load, Located, VIEWPORT_MIN_ZOOM, use_nearby, use_persisted, use_viewport},
    i18n::{Lang, Text},
    map::{MapArea, MapView, markers},
    model::{NearbyResult, Toilet, toilet_fragment, toilet_in_fragment},
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

/// A search by name or place, and what it found.
#[derive(Clone, PartialEq)]
struct Found {
    results: Vec<NearbyResult>,
    error: Option<ErrorDetail>,
}

/// A button that sets the filters to `to`.
fn set_button(lang: Lang, text: Text, to: Filters, set: &Callback<Filters>) -> Html {
    let set = set.clone();
    html! { <button class="link" onclick={move |_| set.emit(to)}>{ lang.t(text) }</button> }
}

#[function_component(FindPage)]
pub(crate) fn find_page() -> Html {
    let lang = use_lang();
    let config = use_config();
    let located = use_located();
    let relocate = use_relocate();
    let filters = use_persisted(FILTERS_KEY, Filters::default);
    // "Search this area": the map's centre when it was asked.
    let searched = use_state(|| None::<LatLon>);
    let area = use_state(|| None::<MapArea>);
    let recentre = use_state(|| 0u32);
    let selected = use_state(|| None::<NearbyResult>);
    let (wanted, open, close) = use_sheet_address();
    // A search by name: its results show above the nearest list until cleared.
    let found = use_state(|| None::<Found>);
    // A search result chosen: the map goes there.
    let focus = use_state(|| None::<LatLon>);
    // The search field shows when asked for (it would push the list down),
    // and takes the focus then.
    let search_open = use_state(|| false);
    let search_field = use_node_ref();
    {
        let field = search_field.clone();
        use_effect_with(*search_open, move |open| {
            if let (true, Some(input)) = (*open, field.cast::<web_sys::HtmlElement>()) {
                let _ = input.focus();
            }
        });
    }

    // Without the resident's position: the city's centre, else Shanghai's.
    let fallback = config
        .as_ref()
        .and_then(|c| c.center)
        .unwrap_or_else(|| LatLon::new(31.2304, 121.4737).expect("valid"));
    let located_origin = match located {
        Located::Asking => Origin::Locating,
        Located::At(p) => Origin::Me(p),
        Located::Denied | Located::Unavailable => Origin::Centre(fallback),
    };
    let origin = searched.map_or(located_origin, Origin::Centre);
    let nearby = use_nearby(origin.point(), *filters);
    let viewport = use_viewport(*area, *filters);

    let note = match (origin, &nearby.load) {
        (_, Load::Offline) => lang.t(Text::Offline).to_owned(),
        (_, Load::Failed(e)) => lang.error(&e.detail),
        _ if searched.is_some() => lang.t(Text::FromMapCentre).to_owned(),
        (Origin::Locating, _) => lang.t(Text::Locating).to_owned(),
        // The heading says it: nearest to you.
        (Origin::Me(_), _) => String::new(),
        _ if located == Located::Denied => lang.t(Text::LocationDenied).to_owned(),
        _ => lang.t(Text::LocationRefused).to_owned(),
    };
    // The listed toilets, and the others in view.
    let markers = markers(
        nearby
            .results
            .iter()
            .map(|r| &r.toilet)
            .chain(viewport.toilets.iter()),
        lang,
    );
    // The sheet shows the toilet the address names: from the lists or the
    // map, else fetched (a shared address).
    {
        let mut results: Vec<NearbyResult> = nearby.results.to_vec();
        if let Some(f) = &*found {
            results.extend(f.results.iter().cloned());
        }
        let (selected, in_view) = (selected.clone(), viewport.toilets.clone());
        let from = origin.point();
        let settled = nearby.load != Load::Loading;
        use_effect_with(
            (*wanted, results, settled, from),
            move |(wanted, results, settled, from)| match *wanted {
                None => selected.set(None),
                Some(id) => {
                    if let Some(r) = results.iter().find(|r| r.toilet.id == id) {
                        selected.set(Some(r.clone()));
                    } else if let Some(t) = in_view.iter().find(|t| t.id == id) {
                        // Not over a newer copy (a report just made from the sheet).
                        if selected.as_ref().is_none_or(|s| s.toilet.id != id) {
                            selected.set(Some(NearbyResult::seen_from(t.clone(), *from)));
                        }
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
    let choose_found = {
        let (open, focus, recentre) = (open.clone(), focus.clone(), recentre.clone());
        Callback::from(move |r: NearbyResult| {
            focus.set(Some(r.toilet.position()));
            recentre.set(*recentre + 1);
            open.emit(r.toilet.id);
        })
    };
    let place_search = {
        let (found, from) = (found.clone(), origin.point());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let q = form_data(e.target_dyn_into())
                .and_then(|d| d.get("q").as_string())
                .unwrap_or_default();
            if q.trim().is_empty() {
                found.set(None);
                return;
            }
            let found = found.clone();
            wasm_bindgen_futures::spawn_local(async move {
                found.set(Some(match api::search(&q, from).await {
                    Ok(r) => Found {
                        results: r.results,
                        error: None,
                    },
                    Err(e) => Found {
                        results: Vec::new(),
                        error: Some(e.detail),
                    },
                }));
            });
        })
    };
    let clear_search = {
        let (found, search_open) = (found.clone(), search_open.clone());
        Callback::from(move |_: MouseEvent| {
            found.set(None);
            search_open.set(false);
        })
    };
    let toggle_search = {
        let search_open = search_open.clone();
        Callback::from(move |_: MouseEvent| search_open.set(!*search_open))
    };
    let on_marker = open.clone();
    let on_move = {
        let area = area.clone();
        Callback::from(move |a: MapArea| area.set(Some(a)))
    };
    let search_here = {
        let (searched, again, area) = (searched.clone(), nearby.again.clone(), *area);
        Callback::from(move |_: MouseEvent| {
            if let Some(a) = area {
                searched.set(Some(a.centre));
                again.emit(());
            }
        })
    };
    let my_location = {
        let (searched, recentre, focus) = (searched.clone(), recentre.clone(), focus.clone());
        Callback::from(move |_: MouseEvent| {
            searched.set(None);
            focus.set(None);
            recentre.set(*recentre + 1);
            relocate.emit(());
        })
    };
    // A report or confirmation: the sheet shows it now, the list on its next answer.
    let on_changed = {
        let (selected, again) = (selected.clone(), nearby.again.clone());
        Callback::from(move |t: Toilet| {
            if let Some(r) = &*selected {
                selected.set(Some(NearbyResult {
                    toilet: t,
                    ..r.clone()
                }));
            }
            again.emit(());
        })
    };
    let current = *filters;
    // The filters remembered from last time first, so that the chip row,
    // which scrolls, shows them on opening (the order then stays put).
    let order = use_state(|| {
        let on = |f: &&Filter| current.is_on(**f);
        let all = Filter::ALL.iter();
        all.clone()
            .filter(on)
            .chain(all.filter(|f| !on(f)))
            .copied()
            .collect::<Vec<_>>()
    });
    let set_filters = Callback::from(move |f: Filters| filters.set(f));
    let empty = nearby.results.is_empty();
    let include = Filters {
        include_unknown: true,
        ..current
    };
    let can_include = current.asks_facts() && !current.include_unknown;
    let zoomed_out = area.is_some_and(|a| a.zoom < VIEWPORT_MIN_ZOOM);

    html! {
        <>
            <MapView tiles={config.map(|c| c.tiles)} view={focus.or(located_origin.point())} recentre={*recentre}
                {markers} me={match origin { Origin::Me(p) => Some(p), _ => None }}
                {on_marker} {on_move} />
            <main>
                <section class="find">
                    <p class="note" role="status">{ note }</p>
                    <div class="actions">
                        <button class="my-location" onclick={my_location}>
                            { lang.t(if matches!(located, Located::Denied | Located::Unavailable) { Text::RetryLocation } else { Text::MyLocation }) }
                        </button>
                        <button class="search-here" onclick={search_here}>{ lang.t(Text::SearchHere) }</button>
                        <button class="open-search" onclick={toggle_search} aria-expanded={search_open.to_string()}
                            aria-label={lang.t(Text::SearchPlaces)} title={lang.t(Text::SearchPlaces)}>
                            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                                <circle cx="10" cy="10" r="6.5" fill="none" stroke="currentColor" stroke-width="2.5" />
                                <path d="M15 15l6 6" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" />
                            </svg>
                        </button>
                    </div>
                    if *search_open || found.is_some() {
                        <form class="place-search" role="search" onsubmit={place_search}>
                            <input ref={search_field} type="search" name="q" maxlength="64" enterkeyhint="search"
                                aria-label={lang.t(Text::SearchPlaces)} placeholder={lang.t(Text::SearchPlaces)} />
                            <button type="submit">{ lang.t(Text::SearchButton) }</button>
                        </form>
                    }
                    if let Some(f) = &*found {
                        <section class="search-results" aria-live="polite">
                            <h2>{ lang.t(Text::SearchResults) }</h2>
                            if let Some(e) = &f.error { <p class="field-error" role="alert">{ lang.error(e) }</p> }
                            else if f.results.is_empty() { <p>{ lang.t(Text::NoMatches) }</p> }
                            { result_list(lang, &f.results, &choose_found) }
                            <button class="link clear-search" onclick={clear_search}>{ lang.t(Text::ClearSearch) }</button>
                        </section>
                    }
                    { filter_chips(lang, current, &order, &set_filters) }
                    if zoomed_out { <p class="hint">{ lang.t(Text::ZoomInForAll) }</p> }
                    if can_include && viewport.unknown > 0 {
                        <p class="hint unknown">
                            { format!("{} {} ", viewport.unknown, lang.t(Text::UnknownHere)) }
                            { set_button(lang, Text::IncludeUnknown, include, &set_filters) }
                        </p>
                    }
                    <h2 id="nearest" tabindex="-1">{ lang.t(if matches!(origin, Origin::Centre(_)) { Text::NearestHere } else { Text::Nearest }) }</h2>
                    if nearby.load == Load::Loading && empty { <p>{ lang.t(Text::Loading) }</p> }
                    if nearby.load == Load::Idle && empty && origin.point().is_some() {
                        <div class="empty">
                            <p>{ lang.t(Text::NoResults) }</p>
                            if current != Filters::default() {
                                <p>
                                    { lang.t(Text::WidenHint) }{ " " }
                                    if can_include { { set_button(lang, Text::IncludeUnknown, include, &set_filters) } }
                                    { set_button(lang, Text::ClearFilters, Filters::default(), &set_filters) }
                                </p>
                            }
                        </div>
                    }
                    { result_list(lang, &nearby.results, &select) }
                </section>
            </main>
            if let Some(r) = (*selected).clone() {
                <DetailSheet result={r} on_close={close} {on_changed} />
            }
        </>
    }
}
