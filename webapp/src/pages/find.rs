//! Residents: the nearest toilets that fit, on the map and in a list, and
//! the details of the one tapped.

use gongce_shared::{LatLon, api::Filters};
use yew::prelude::*;

use crate::{
    components::{detail_sheet, filter_chips, result_list},
    context::{use_config, use_lang, use_located},
    hooks::{Load, Located, use_nearby, use_persisted},
    i18n::Text,
    map::{MapView, Marker},
    model::NearbyResult,
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
    let select = {
        let selected = selected.clone();
        Callback::from(move |r: NearbyResult| selected.set(Some(r)))
    };
    let on_marker = {
        let (selected, results) = (selected.clone(), nearby.results.clone());
        Callback::from(move |id: i64| {
            selected.set(results.iter().find(|r| r.toilet.id == id).cloned());
        })
    };
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
                    <h2>{ lang.t(Text::Nearest) }</h2>
                    if nearby.load == Load::Loading && empty { <p>{ lang.t(Text::Loading) }</p> }
                    if nearby.load == Load::Idle && empty && origin.point().is_some() { <p>{ lang.t(Text::NoResults) }</p> }
                    { result_list(lang, &nearby.results, &select) }
                </section>
            </main>
            if let Some(r) = &*selected {
                { detail_sheet(lang, r, &{ let selected = selected.clone(); Callback::from(move |_| selected.set(None)) }) }
            }
        </>
    }
}
