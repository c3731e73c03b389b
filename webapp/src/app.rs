//! The page: header, map, and the view of the chosen tab.

use gloo_storage::{LocalStorage, Storage as _};
use gongce_shared::{
    LatLon,
    accounts::{Role, SessionInfo},
    api::{Filters, NearbyQuery},
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast as _, closure::Closure};
use yew::prelude::*;

use crate::{
    api::{self, AppConfig},
    i18n::{Lang, Text},
    map::{MapView, Marker},
    model::{NearbyResult, Status, Toilet},
    views::*,
};

const LANG_KEY: &str = "gongce.lang";
const FILTERS_KEY: &str = "gongce.filters";
const LAST_KEY: &str = "gongce.last";
/// How many toilets the list shows.
const LIST_LIMIT: u32 = 20;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Find,
    Committee,
    Admin,
}

/// Where the list is measured from, and why.
#[derive(Clone, Copy, PartialEq)]
enum Origin {
    Locating,
    Me(LatLon),
    /// Location refused or unavailable: the map's centre.
    Centre(LatLon),
}

#[derive(Clone, PartialEq)]
enum Load {
    Idle,
    Loading,
    Offline,
    Failed(String),
}

/// The last answer, kept for opening without a network.
#[derive(Serialize, Deserialize)]
struct Last {
    at: LatLon,
    results: Vec<NearbyResult>,
}

fn initial_lang() -> Lang {
    if let Ok(lang) = LocalStorage::get::<Lang>(LANG_KEY) {
        return lang;
    }
    let tag = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default();
    Lang::from_tag(&tag)
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.tag());
    }
}

/// Asks the browser where we are; `done` gets the position or `None`.
fn locate(done: Callback<Option<LatLon>>) {
    let Some(geo) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
        done.emit(None);
        return;
    };
    let ok = {
        let done = done.clone();
        Closure::once_into_js(move |pos: web_sys::Position| {
            let c = pos.coords();
            done.emit(LatLon::new(c.latitude(), c.longitude()).ok());
        })
    };
    let err = Closure::once_into_js(move |_: web_sys::PositionError| done.emit(None));
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(10_000);
    options.set_maximum_age(60_000);
    let _ = geo.get_current_position_with_error_callback_and_options(
        ok.unchecked_ref(),
        Some(err.unchecked_ref()),
        &options,
    );
}

#[function_component(App)]
pub fn app() -> Html {
    let lang = use_state(initial_lang);
    let config = use_state(|| None::<AppConfig>);
    let tab = use_state(|| Tab::Find);
    let session = use_state(|| None::<SessionInfo>);
    let signing_in = use_state(|| false);
    let origin = use_state(|| Origin::Locating);
    let centre = use_state(|| None::<LatLon>);
    let view = use_state(|| None::<LatLon>);
    let filters = use_state(|| LocalStorage::get::<Filters>(FILTERS_KEY).unwrap_or_default());
    let results = use_state(Vec::<NearbyResult>::new);
    let load = use_state(|| Load::Idle);
    let selected = use_state(|| None::<NearbyResult>);
    // Committee: placing a new toilet, and their organisation's toilets.
    let placing = use_state(|| false);
    let pin = use_state(|| None::<LatLon>);
    let ours = use_state(Vec::<Toilet>::new);
    let t = |text| lang.t(text);

    set_document_lang(*lang);

    // The nearest toilets from `at`, kept for the next offline opening.
    let search = {
        let results = results.clone();
        let load = load.clone();
        let filters = filters.clone();
        Callback::from(move |at: LatLon| {
            let results = results.clone();
            let load = load.clone();
            let mut query = NearbyQuery::new(at);
            query.limit = LIST_LIMIT;
            query.filters = *filters;
            load.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                match api::nearby(&query).await {
                    Ok(answer) => {
                        let _ = LocalStorage::set(
                            LAST_KEY,
                            Last {
                                at,
                                results: answer.results.clone(),
                            },
                        );
                        results.set(answer.results);
                        load.set(Load::Idle);
                    }
                    Err(e) if e.is_offline() => {
                        if let Ok(last) = LocalStorage::get::<Last>(LAST_KEY) {
                            results.set(last.results);
                        }
                        load.set(Load::Offline);
                    }
                    Err(e) => load.set(Load::Failed(e.message)),
                }
            });
        })
    };

    // Start: settings, who is signed in, where we are.
    {
        let config = config.clone();
        let session = session.clone();
        let origin = origin.clone();
        let view = view.clone();
        let search = search.clone();
        let results = results.clone();
        let load = load.clone();
        use_effect_with((), move |_| {
            // Show the last list at once while the network and GPS answer.
            if let Ok(last) = LocalStorage::get::<Last>(LAST_KEY) {
                results.set(last.results);
            }
            wasm_bindgen_futures::spawn_local(async move {
                let cfg = api::config().await;
                if let Ok(s) = api::session().await {
                    session.set(Some(s));
                }
                let fallback = cfg.as_ref().ok().and_then(|c| c.center);
                if let Ok(c) = cfg {
                    config.set(Some(c));
                } else {
                    load.set(Load::Offline);
                }
                locate(Callback::from(move |found: Option<LatLon>| match found {
                    Some(me) => {
                        origin.set(Origin::Me(me));
                        view.set(Some(me));
                        search.emit(me);
                    }
                    None => {
                        let at = fallback
                            .unwrap_or_else(|| LatLon::new(31.2304, 121.4737).expect("valid"));
                        origin.set(Origin::Centre(at));
                        view.set(Some(at));
                        search.emit(at);
                    }
                }));
            });
        });
    }

    let origin_point = match *origin {
        Origin::Me(p) | Origin::Centre(p) => Some(p),
        Origin::Locating => None,
    };

    let toggle_filter = |which: &'static str| {
        let filters = filters.clone();
        Callback::from(move |_: MouseEvent| {
            let mut f = *filters;
            let flag = match which {
                "wheelchair" => &mut f.wheelchair,
                "baby_change" => &mut f.baby_change,
                "family_room" => &mut f.family_room,
                "free" => &mut f.free,
                "hide_reported_closed" => &mut f.hide_reported_closed,
                _ => &mut f.open_now,
            };
            *flag = !*flag;
            let _ = LocalStorage::set(FILTERS_KEY, f);
            filters.set(f);
        })
    };
    // A change of filters searches again, once the new filters are in state.
    {
        let search = search.clone();
        use_effect_with(*filters, move |_| {
            if let Some(at) = origin_point {
                search.emit(at);
            }
        });
    }

    let load_ours = {
        let ours = ours.clone();
        let session = session.clone();
        Callback::from(move |_: ()| {
            let ours = ours.clone();
            if let Some(org) = session.as_ref().and_then(|s| s.user.org_id) {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(list) = api::org_toilets(org).await {
                        ours.set(list);
                    }
                });
            }
        })
    };

    let on_marker = {
        let results = results.clone();
        let selected = selected.clone();
        Callback::from(move |id: i64| {
            selected.set(results.iter().find(|r| r.toilet.id == id).cloned());
        })
    };
    let on_click = {
        let placing = placing.clone();
        let pin = pin.clone();
        Callback::from(move |p: LatLon| {
            if *placing {
                pin.set(Some(p));
            }
        })
    };
    let on_move = {
        let centre = centre.clone();
        Callback::from(move |p: LatLon| centre.set(Some(p)))
    };
    let search_here = {
        let centre = centre.clone();
        let origin = origin.clone();
        let search = search.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(c) = *centre {
                origin.set(Origin::Centre(c));
                search.emit(c);
            }
        })
    };

    let markers: Vec<Marker> = match *tab {
        Tab::Committee => ours
            .iter()
            .filter(|t| t.status != Status::Removed)
            .map(|t| Marker {
                id: t.id,
                at: t.position(),
                label: t.name.clone(),
            })
            .collect(),
        _ => results
            .iter()
            .map(|r| Marker {
                id: r.toilet.id,
                at: r.toilet.position(),
                label: r.toilet.name.clone(),
            })
            .collect(),
    };

    let switch_lang = {
        let lang = lang.clone();
        Callback::from(move |_: MouseEvent| {
            let next = lang.other();
            let _ = LocalStorage::set(LANG_KEY, next);
            lang.set(next);
        })
    };
    let tab_button = |which: Tab, label: Text| {
        let tab = tab.clone();
        let load_ours = load_ours.clone();
        let current = *tab == which;
        html! {
            <button class={classes!("tab", current.then_some("current"))} aria-pressed={current.to_string()}
                onclick={Callback::from(move |_| { tab.set(which); if which == Tab::Committee { load_ours.emit(()); } })}>
                { lang.t(label) }
            </button>
        }
    };

    let header = html! {
        <header class="top">
            <h1>{ t(Text::AppName) }<small>{ t(Text::Tagline) }</small></h1>
            <nav class="tabs">
                { tab_button(Tab::Find, Text::Residents) }
                if let Some(s) = session.as_ref() {
                    { tab_button(Tab::Committee, Text::Committee) }
                    if s.user.role == Role::Admin { { tab_button(Tab::Admin, Text::Admin) } }
                }
            </nav>
            <button class="lang" onclick={switch_lang} lang={lang.other().tag()}>{ t(Text::SwitchLanguage) }</button>
            if session.is_none() {
                <button class="signin" onclick={{ let s = signing_in.clone(); Callback::from(move |_| s.set(!*s)) }}>{ t(Text::SignIn) }</button>
            } else {
                <button class="signin" onclick={{
                    let session = session.clone(); let tab = tab.clone();
                    Callback::from(move |_| {
                        let session = session.clone(); let tab = tab.clone();
                        if let Some(csrf) = session.as_ref().map(|s| s.csrf_token.clone()) {
                            wasm_bindgen_futures::spawn_local(async move {
                                let _ = api::sign_out(&csrf).await;
                                session.set(None);
                                tab.set(Tab::Find);
                            });
                        }
                    })
                }}>{ t(Text::SignOut) }</button>
            }
        </header>
    };

    let sign_in_form = if *signing_in && session.is_none() {
        html! { <SignInForm lang={*lang} on_done={{
            let session = session.clone(); let signing_in = signing_in.clone(); let tab = tab.clone(); let load_ours = load_ours.clone();
            Callback::from(move |s: SessionInfo| { session.set(Some(s)); signing_in.set(false); tab.set(Tab::Committee); load_ours.emit(()); })
        }} /> }
    } else {
        html! {}
    };

    let map = match config.as_ref() {
        Some(cfg) => html! {
            <MapView tiles={cfg.tiles.clone()} view={*view} markers={markers}
                me={match *origin { Origin::Me(p) => Some(p), _ => None }}
                pin={*pin} {on_marker} {on_click} {on_move} />
        },
        None => html! { <div class="map placeholder"></div> },
    };

    let body = match *tab {
        Tab::Find => {
            let note = match (&*origin, &*load) {
                (_, Load::Offline) => t(Text::Offline).to_owned(),
                (_, Load::Failed(m)) => format!("{}: {m}", t(Text::FetchFailed)),
                (Origin::Locating, _) => t(Text::Locating).to_owned(),
                (Origin::Me(_), _) => t(Text::LocationFound).to_owned(),
                (Origin::Centre(_), _) => t(Text::LocationRefused).to_owned(),
            };
            let chip = |name: &'static str, on: bool, label: Text| {
                html! {
                    <button class={classes!("chip", on.then_some("on"))} aria-pressed={on.to_string()}
                        data-filter={name} onclick={toggle_filter(name)}>{ t(label) }</button>
                }
            };
            let f = *filters;
            html! {
                <section class="find">
                    <p class="note" role="status">{ note }</p>
                    <div class="chips" role="group" aria-label={t(Text::Filters)}>
                        { chip("wheelchair", f.wheelchair, Text::FilterWheelchair) }
                        { chip("baby_change", f.baby_change, Text::FilterBabyChange) }
                        { chip("family_room", f.family_room, Text::FilterFamilyRoom) }
                        { chip("free", f.free, Text::FilterFree) }
                        { chip("open_now", f.open_now, Text::FilterOpenNow) }
                        { chip("hide_reported_closed", f.hide_reported_closed, Text::HideReportedClosed) }
                    </div>
                    <button class="search-here" onclick={search_here}>{ t(Text::SearchHere) }</button>
                    <h2>{ t(Text::Nearest) }</h2>
                    if *load == Load::Loading && results.is_empty() { <p>{ t(Text::Loading) }</p> }
                    if *load == Load::Idle && results.is_empty() && origin_point.is_some() { <p>{ t(Text::NoResults) }</p> }
                    <ol class="results">
                        { for results.iter().map(|r| result_item(*lang, r, &selected)) }
                    </ol>
                </section>
            }
        }
        Tab::Committee => html! {
            <CommitteeView lang={*lang} session={(*session).clone()} ours={(*ours).clone()}
                placing={*placing} pin={*pin}
                on_place={{ let placing = placing.clone(); let pin = pin.clone(); Callback::from(move |on: bool| { placing.set(on); pin.set(None); }) }}
                on_changed={{ let load_ours = load_ours.clone(); let search = search.clone();
                    Callback::from(move |_| { load_ours.emit(()); if let Some(at) = origin_point { search.emit(at); } }) }} />
        },
        Tab::Admin => html! { <AdminView lang={*lang} session={(*session).clone()} /> },
    };

    let sheet = match selected.as_ref() {
        Some(r) => html! {
            <DetailSheet lang={*lang} result={r.clone()} csrf={session.as_ref().map(|s| s.csrf_token.clone())}
                on_close={{ let selected = selected.clone(); Callback::from(move |_| selected.set(None)) }} />
        },
        None => html! {},
    };

    html! {
        <div class="app">
            { header }
            { sign_in_form }
            { map }
            <main>{ body }</main>
            { sheet }
        </div>
    }
}
