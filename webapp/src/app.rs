//! The page: header, map, and the view of the chosen tab.

use chrono::Utc;
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
    facility_icons,
    i18n::{Lang, Text},
    links,
    map::{MapView, Marker},
    model::{NearbyResult, Status, Toilet},
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

fn open_badge(lang: Lang, r: &NearbyResult) -> Html {
    let (class, text) = match (&r.toilet.status, r.open_now) {
        (Status::TemporarilyClosed { .. }, _) => ("closed", Text::TemporarilyClosed),
        (_, Some(true)) => ("open", Text::OpenNow),
        (_, Some(false)) => ("closed", Text::ClosedNow),
        (_, None) => ("unknown", Text::HoursUnknown),
    };
    html! { <span class={classes!("badge", class)}>{ lang.t(text) }</span> }
}

fn result_item(
    lang: Lang,
    r: &NearbyResult,
    selected: &UseStateHandle<Option<NearbyResult>>,
) -> Html {
    let open = {
        let selected = selected.clone();
        let r = r.clone();
        Callback::from(move |_: MouseEvent| selected.set(Some(r.clone())))
    };
    let t = &r.toilet;
    let icons = facility_icons(t.wheelchair, t.baby_change, t.family_room, t.free);
    html! {
        <li>
            <button class="result" onclick={open} data-id={t.id.to_string()}>
                <span class="name">{ t.name.as_str() }</span>
                <span class="meta">
                    <span class="distance">{ lang.distance(r.distance_m) }</span>
                    <span class={classes!("bearing", format!("d{}", octant(r.bearing_deg)))} aria-hidden="true">{ "↑" }</span>
                    <span class="compass">{ lang.compass(r.bearing_deg) }</span>
                    { open_badge(lang, r) }
                    if t.reports.reported_closed { <span class="badge closed reported">{ lang.t(Text::ReportedClosed) }</span> }
                    { for icons.iter().map(|(icon, text)| html! { <span class="icon" title={lang.t(*text)} aria-label={lang.t(*text)}>{ *icon }</span> }) }
                </span>
            </button>
        </li>
    }
}

fn yes_no(lang: Lang, v: Option<bool>) -> &'static str {
    lang.t(match v {
        Some(true) => Text::Yes,
        Some(false) => Text::No,
        None => Text::Unknown,
    })
}

#[derive(Properties, PartialEq)]
struct SheetProps {
    lang: Lang,
    result: NearbyResult,
    csrf: Option<String>,
    on_close: Callback<()>,
}

/// What residents see of a toilet's reports: "reported closed", the last
/// open report, "fixed".
fn report_state(lang: Lang, t: &Toilet) -> Html {
    let now = Utc::now();
    let r = &t.reports;
    html! {
        <>
            if r.reported_closed {
                <p class="reported-closed" role="status">{ lang.t(Text::ReportedClosed) }</p>
            }
            if let (true, Some(kind), Some(at)) = (r.open > 0, &r.last_kind, r.last_at) {
                <p class="last-report">{ format!("{}: {} · {}", lang.t(Text::OpenReports), lang.kind(kind), lang.ago((now - at).num_hours())) }</p>
            }
            if let Some(at) = r.fixed_at {
                <p class="fixed">{ format!("{} {}", lang.t(Text::FixedOn), lang.days_ago((now - at).num_days())) }</p>
            }
        </>
    }
}

/// A toilet's details; reporting a problem is two taps (the button, the kind).
#[function_component(DetailSheet)]
fn detail_sheet(props: &SheetProps) -> Html {
    let lang = props.lang;
    let r = &props.result;
    let t = &r.toilet;
    let reporting = use_state(|| false);
    let message = use_state(|| None::<String>);
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let verified = match t.last_verified {
        Some(at) => format!(
            "{} {}",
            lang.t(Text::LastVerified),
            lang.days_ago((Utc::now() - at).num_days())
        ),
        None => lang.t(Text::NeverVerified).to_owned(),
    };
    let row = |label: Text, value: String| {
        html! {
            <div class="row"><dt>{ lang.t(label) }</dt><dd>{ value }</dd></div>
        }
    };
    let kinds = [
        "closed",
        "dirty",
        "no_paper",
        "no_water",
        "broken",
        "wrong_location",
        "gone",
        "other",
    ];
    let send_report = |kind: &'static str| {
        let (message, reporting, id) = (message.clone(), reporting.clone(), t.id);
        Callback::from(move |_: MouseEvent| {
            let (message, reporting) = (message.clone(), reporting.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::report(id, kind).await {
                    Ok(_) => message.set(Some(lang.t(Text::Thanks).to_owned())),
                    Err(e) if e.status == 429 => {
                        message.set(Some(lang.t(Text::TooManyTries).to_owned()))
                    }
                    Err(e) => message.set(Some(e.message)),
                }
                reporting.set(false);
            });
        })
    };
    let still_correct = {
        let (message, id, csrf) = (message.clone(), t.id, props.csrf.clone());
        Callback::from(move |_: MouseEvent| {
            let (message, csrf) = (message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::confirm(id, csrf.as_deref()).await {
                    Ok(_) => message.set(Some(lang.t(Text::Thanks).to_owned())),
                    Err(e) if e.status == 429 => {
                        message.set(Some(lang.t(Text::TooManyTries).to_owned()))
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <aside class="sheet" role="dialog" aria-modal="true" aria-label={t.name.clone()}>
            <header>
                <h2>{ t.name.as_str() }</h2>
                <button class="close" onclick={close} aria-label={lang.t(Text::Close)}>{ "✕" }</button>
            </header>
            <p>{ lang.distance(r.distance_m) }{ " · " }{ lang.compass(r.bearing_deg) }{ " " }{ open_badge(lang, r) }</p>
            if let Status::TemporarilyClosed { reason, until } = &t.status {
                <p class="closed-note">{ lang.t(Text::TemporarilyClosed) }{ ": " }{ reason }
                    if let Some(u) = until { { " (" }{ lang.t(Text::Until) }{ " " }{ u.format("%Y-%m-%d").to_string() }{ ")" } }
                </p>
            }
            { report_state(lang, t) }
            <dl>
                { row(Text::Wheelchair, yes_no(lang, t.wheelchair).to_owned()) }
                { row(Text::BabyChange, yes_no(lang, t.baby_change).to_owned()) }
                { row(Text::FamilyRoom, yes_no(lang, t.family_room).to_owned()) }
                { row(Text::Free, yes_no(lang, t.free).to_owned()) }
                { row(Text::OpeningHours, t.opening_hours.clone().unwrap_or_else(|| lang.t(Text::Unknown).to_owned())) }
                if let Some(note) = &t.hours_note { { row(Text::HoursNote, note.clone()) } }
                if let Some(a) = &t.address { { row(Text::Address, a.clone()) } }
                if let Some(o) = &t.operator { { row(Text::Operator, o.clone()) } }
            </dl>
            <p class="fresh">{ verified }</p>
            if let Some(m) = &*message { <p class="note thanks" role="status">{ m }</p> }
            if *reporting {
                <div class="kinds" role="group" aria-label={lang.t(Text::ReportProblem)}>
                    { for kinds.iter().map(|k| html! {
                        <button class="kind" data-kind={*k} onclick={send_report(k)}>{ lang.kind(k) }</button>
                    }) }
                </div>
            } else {
                <div class="actions">
                    <button class="report" onclick={{ let r = reporting.clone(); Callback::from(move |_| r.set(true)) }}>{ lang.t(Text::ReportProblem) }</button>
                    <button class="confirm" onclick={still_correct}>{ lang.t(Text::StillCorrect) }</button>
                </div>
            }
            <h3>{ lang.t(Text::Navigate) }</h3>
            <ul class="nav-links">
                { for links::navigation(t.position(), &t.name).into_iter().map(|l| html! {
                    <li><a href={l.url} target="_blank" rel="noopener" data-app={l.app}>{ l.app }</a></li>
                }) }
            </ul>
        </aside>
    }
}

#[derive(Properties, PartialEq)]
struct SignInProps {
    lang: Lang,
    on_done: Callback<SessionInfo>,
}

#[function_component(SignInForm)]
fn sign_in_form(props: &SignInProps) -> Html {
    let username = use_node_ref();
    let password = use_node_ref();
    let error = use_state(|| None::<String>);
    let lang = props.lang;
    let submit = {
        let (username, password, error, on_done) = (
            username.clone(),
            password.clone(),
            error.clone(),
            props.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<web_sys::HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let (u, p) = (value(&username), value(&password));
            let (error, on_done) = (error.clone(), on_done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::sign_in(&u, &p).await {
                    Ok(s) => on_done.emit(s),
                    Err(e) if e.status == 429 => {
                        error.set(Some(lang.t(Text::TooManyTries).to_owned()))
                    }
                    Err(e) if e.status == 401 => {
                        error.set(Some(lang.t(Text::WrongPassword).to_owned()))
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <form class="signin-form" onsubmit={submit}>
            <label>{ lang.t(Text::Username) }<input ref={username} name="username" autocomplete="username" required=true /></label>
            <label>{ lang.t(Text::Password) }<input ref={password} name="password" type="password" autocomplete="current-password" required=true /></label>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            <button type="submit">{ lang.t(Text::SignIn) }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct CommitteeProps {
    lang: Lang,
    session: Option<SessionInfo>,
    ours: Vec<Toilet>,
    placing: bool,
    pin: Option<LatLon>,
    on_place: Callback<bool>,
    on_changed: Callback<()>,
}

#[function_component(CommitteeView)]
fn committee_view(props: &CommitteeProps) -> Html {
    let lang = props.lang;
    let confirmed = use_state(|| false);
    let message = use_state(|| None::<String>);
    let name = use_node_ref();
    let hours = use_node_ref();
    let boxes = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let reason = use_node_ref();
    let Some(session) = props.session.clone() else {
        return html! {};
    };
    let csrf = session.csrf_token.clone();
    let start = {
        let on_place = props.on_place.clone();
        let confirmed = confirmed.clone();
        Callback::from(move |_: MouseEvent| {
            confirmed.set(false);
            on_place.emit(true);
        })
    };
    let cancel = {
        let on_place = props.on_place.clone();
        let confirmed = confirmed.clone();
        Callback::from(move |_: MouseEvent| {
            confirmed.set(false);
            on_place.emit(false);
        })
    };
    let save = {
        let (name, hours, boxes) = (name.clone(), hours.clone(), boxes.clone());
        let (pin, csrf, message) = (props.pin, csrf.clone(), message.clone());
        let (on_place, on_changed, confirmed) = (
            props.on_place.clone(),
            props.on_changed.clone(),
            confirmed.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(at) = pin else { return };
            let text = |r: &NodeRef| {
                r.cast::<web_sys::HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let checked = |r: &NodeRef| {
                r.cast::<web_sys::HtmlInputElement>()
                    .is_some_and(|i| i.checked())
                    .then_some(true)
            };
            let body = serde_json::json!({
                "name": text(&name),
                "lat": at.lat(),
                "lon": at.lon(),
                "wheelchair": checked(&boxes[0]),
                "baby_change": checked(&boxes[1]),
                "family_room": checked(&boxes[2]),
                "free": checked(&boxes[3]),
                "opening_hours": Some(text(&hours)).filter(|h| !h.trim().is_empty()),
            });
            let draft: Result<serde_json::Value, String> = if text(&name).trim().is_empty() {
                Err(lang.t(Text::Name).to_owned())
            } else {
                Ok(body)
            };
            let (csrf, message, on_place, on_changed, confirmed) = (
                csrf.clone(),
                message.clone(),
                on_place.clone(),
                on_changed.clone(),
                confirmed.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let draft = match draft {
                    Ok(d) => d,
                    Err(e) => {
                        message.set(Some(e));
                        return;
                    }
                };
                match api::create_toilet(&draft, &csrf).await {
                    Ok(_) => {
                        message.set(Some(lang.t(Text::Saved).to_owned()));
                        confirmed.set(false);
                        on_place.emit(false);
                        on_changed.emit(());
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        })
    };
    let set_status = |t: &Toilet, status: Status| {
        let (id, version) = (t.id, t.version);
        let (csrf, message, on_changed, reason) = (
            csrf.clone(),
            message.clone(),
            props.on_changed.clone(),
            reason.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let mut status = status.clone();
            if let Status::TemporarilyClosed { reason: r, .. } = &mut status {
                *r = reason
                    .cast::<web_sys::HtmlInputElement>()
                    .map(|i| i.value())
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| "维修 / maintenance".to_owned());
            }
            let patch = serde_json::json!({"version": version, "status": status});
            let (csrf, message, on_changed) = (csrf.clone(), message.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch_toilet(id, &patch, &csrf).await {
                    Ok(_) => {
                        message.set(Some(lang.t(Text::Saved).to_owned()));
                        on_changed.emit(());
                    }
                    Err(e) if e.status == 409 => {
                        message.set(Some(lang.t(Text::StaleEdit).to_owned()))
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        })
    };
    let org_name = session
        .org
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_default();
    html! {
        <section class="committee">
            <h2>{ lang.t(Text::OurToilets) }{ " · " }{ org_name }</h2>
            if let Some(m) = &*message { <p class="note" role="status">{ m }</p> }
            if !props.placing {
                <button class="primary add" onclick={start}>{ lang.t(Text::AddToilet) }</button>
            } else if props.pin.is_none() {
                <p class="note pin-hint" role="status">{ lang.t(Text::TapTheMap) }</p>
                <button onclick={cancel.clone()}>{ lang.t(Text::Cancel) }</button>
            } else if !*confirmed {
                <p class="note">{ format!("{:.5}, {:.5}", props.pin.map_or(0.0, |p| p.lat()), props.pin.map_or(0.0, |p| p.lon())) }</p>
                <button class="primary confirm-pin" onclick={{ let c = confirmed.clone(); Callback::from(move |_| c.set(true)) }}>{ lang.t(Text::ConfirmPin) }</button>
                <button onclick={{ let p = props.on_place.clone(); Callback::from(move |_| p.emit(true)) }}>{ lang.t(Text::MovePin) }</button>
                <button onclick={cancel.clone()}>{ lang.t(Text::Cancel) }</button>
            } else {
                <form class="toilet-form" onsubmit={save}>
                    <label>{ lang.t(Text::Name) }<input ref={name} name="name" required=true /></label>
                    <label>{ lang.t(Text::OpeningHours) }<input ref={hours} name="opening_hours" placeholder="Mo-Su 06:00-22:00" /></label>
                    <label class="check"><input type="checkbox" ref={boxes[0].clone()} name="wheelchair" />{ lang.t(Text::Wheelchair) }</label>
                    <label class="check"><input type="checkbox" ref={boxes[1].clone()} name="baby_change" />{ lang.t(Text::BabyChange) }</label>
                    <label class="check"><input type="checkbox" ref={boxes[2].clone()} name="family_room" />{ lang.t(Text::FamilyRoom) }</label>
                    <label class="check"><input type="checkbox" ref={boxes[3].clone()} name="free" />{ lang.t(Text::Free) }</label>
                    <button class="primary" type="submit">{ lang.t(Text::Save) }</button>
                    <button type="button" onclick={cancel}>{ lang.t(Text::Cancel) }</button>
                </form>
            }
            <ReportQueue lang={lang} session={session.clone()} on_changed={props.on_changed.clone()} />
            <label>{ lang.t(Text::Reason) }<input ref={reason.clone()} name="reason" /></label>
            <ul class="ours">
                { for props.ours.iter().map(|t| html! {
                    <li data-id={t.id.to_string()}>
                        <span class="name">{ t.name.as_str() }</span>
                        if t.status != Status::Removed {
                            <EditForm lang={lang} toilet={t.clone()} csrf={csrf.clone()}
                                on_saved={{ let m = message.clone(); let c = props.on_changed.clone();
                                    Callback::from(move |text: String| { m.set(Some(text)); c.emit(()); }) }} />
                        }
                        { match &t.status {
                            Status::Open => html! {
                                <button onclick={set_status(t, Status::TemporarilyClosed { reason: String::new(), until: None })}>{ lang.t(Text::CloseTemporarily) }</button>
                            },
                            Status::TemporarilyClosed { reason, .. } => html! {
                                <>
                                    <span class="badge closed">{ lang.t(Text::TemporarilyClosed) }{ ": " }{ reason }</span>
                                    <button onclick={set_status(t, Status::Open)}>{ lang.t(Text::Reopen) }</button>
                                </>
                            },
                            Status::Removed => html! { <span class="badge">{ lang.t(Text::Removed) }</span> },
                        } }
                    </li>
                }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AdminProps {
    lang: Lang,
    session: Option<SessionInfo>,
}

#[function_component(AdminView)]
fn admin_view(props: &AdminProps) -> Html {
    let lang = props.lang;
    let source = use_node_ref();
    let file = use_node_ref();
    let crs = use_node_ref();
    let fix = use_node_ref();
    let skip = use_node_ref();
    let report = use_state(|| None::<serde_json::Value>);
    let message = use_state(|| None::<String>);
    let Some(session) = props.session.clone() else {
        return html! {};
    };
    let check = {
        let (source, file, crs, fix, skip) = (
            source.clone(),
            file.clone(),
            crs.clone(),
            fix.clone(),
            skip.clone(),
        );
        let (report, message, csrf) = (report.clone(), message.clone(), session.csrf_token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = |r: &NodeRef| r.cast::<web_sys::HtmlInputElement>();
            let Some(chosen) = input(&file).and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                return;
            };
            let crs = crs
                .cast::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_else(|| "wgs84".into());
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair(
                "source",
                &input(&source).map(|i| i.value()).unwrap_or_default(),
            );
            q.append_pair("filename", &chosen.name());
            q.append_pair("crs", &crs);
            q.append_pair(
                "fix_swapped",
                &input(&fix).is_some_and(|i| i.checked()).to_string(),
            );
            q.append_pair(
                "skip_invalid",
                &input(&skip).is_some_and(|i| i.checked()).to_string(),
            );
            let query = q.finish();
            let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                message.set(Some(lang.t(Text::Loading).to_owned()));
                match api::upload(&chosen, &query, &csrf).await {
                    Ok(r) => {
                        message.set(None);
                        report.set(Some(r));
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        })
    };
    let confirm = {
        let (report, message, csrf) = (report.clone(), message.clone(), session.csrf_token.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(id) = report
                .as_ref()
                .and_then(|r| r["import_id"].as_str())
                .map(str::to_owned)
            else {
                return;
            };
            let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::commit(&id, &csrf).await {
                    Ok(done) => {
                        let c = &done["report"]["counts"];
                        let written = done["report"]["written"].as_bool() == Some(true);
                        message.set(Some(if written {
                            format!(
                                "{}: +{} / ~{} / ={} / −{}",
                                lang.t(Text::Imported),
                                c["inserted"],
                                c["updated"],
                                c["unchanged"],
                                c["removed"]
                            )
                        } else {
                            lang.t(Text::NothingWritten).to_owned()
                        }));
                        report.set(None);
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        })
    };
    let table = match report.as_ref() {
        Some(r) => {
            let rep = &r["report"];
            let issues = rep["issues"].as_array().cloned().unwrap_or_default();
            let c = &rep["counts"];
            html! {
                <div class="report">
                    <p class="counts">{ format!("{}: {} · {}: {} · {}: {}", lang.t(Text::RowsRead), c["read"], lang.t(Text::Toilets), c["venues"], lang.t(Text::RowsRejected), c["rejected"]) }</p>
                    <table>
                        <thead><tr><th>{ lang.t(Text::Row) }</th><th>{ "id" }</th><th>{ lang.t(Text::Column) }</th><th>{ lang.t(Text::Value) }</th><th>{ lang.t(Text::Problem) }</th></tr></thead>
                        <tbody>
                            { for issues.iter().take(500).map(|i| html! {
                                <tr class={i["severity"].as_str().unwrap_or("").to_owned()}>
                                    <td>{ i["row"].to_string() }</td>
                                    <td>{ i["external_id"].as_str().unwrap_or("") }</td>
                                    <td>{ i["column"].as_str().unwrap_or("") }</td>
                                    <td>{ i["value"].as_str().unwrap_or("") }</td>
                                    <td>{ i["reason"].as_str().unwrap_or("") }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    <button class="primary" onclick={confirm}>{ lang.t(Text::ConfirmImport) }</button>
                </div>
            }
        }
        None => html! {},
    };
    html! {
        <section class="admin">
            <h2>{ lang.t(Text::ImportList) }</h2>
            <form onsubmit={check}>
                <label>{ lang.t(Text::Source) }<input ref={source} name="source" required=true /></label>
                <label>{ lang.t(Text::File) }<input ref={file} type="file" name="file" accept=".csv,.xlsx,.xls,.geojson,.json" required=true /></label>
                <label>{ lang.t(Text::CoordinateSystem) }
                    <select ref={crs} name="crs">
                        <option value="wgs84" selected=true>{ "WGS-84 (GPS, OSM, 天地图)" }</option>
                        <option value="gcj02">{ "GCJ-02 (高德, 腾讯, 微信)" }</option>
                        <option value="bd09">{ "BD-09 (百度)" }</option>
                    </select>
                </label>
                <label class="check"><input type="checkbox" ref={fix} name="fix_swapped" />{ lang.t(Text::FixSwapped) }</label>
                <label class="check"><input type="checkbox" ref={skip} name="skip_invalid" />{ lang.t(Text::SkipInvalid) }</label>
                <button class="primary" type="submit">{ lang.t(Text::CheckFile) }</button>
            </form>
            if let Some(m) = &*message { <p class="note" role="status">{ m }</p> }
            { table }
            <Stats lang={lang} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EditProps {
    lang: Lang,
    toilet: Toilet,
    csrf: String,
    /// A message for the committee: saved, or why not.
    on_saved: Callback<String>,
}

/// Edits a toilet's name, hours and facilities; each facility can be set
/// to yes, no or unknown. The edit names the version it was made from, so
/// a change made meanwhile by someone else is refused, not overwritten.
#[function_component(EditForm)]
fn edit_form(props: &EditProps) -> Html {
    let lang = props.lang;
    let open = use_state(|| false);
    let name = use_node_ref();
    let hours = use_node_ref();
    let selects = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let t = &props.toilet;
    if !*open {
        let open = open.clone();
        return html! { <button class="edit" onclick={Callback::from(move |_| open.set(true))}>{ lang.t(Text::Edit) }</button> };
    }
    let save = {
        let (name, hours, selects) = (name.clone(), hours.clone(), selects.clone());
        let (id, version, csrf, on_saved, open) = (
            t.id,
            t.version,
            props.csrf.clone(),
            props.on_saved.clone(),
            open.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = |r: &NodeRef| {
                r.cast::<web_sys::HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let tri = |r: &NodeRef| -> serde_json::Value {
                match r
                    .cast::<web_sys::HtmlSelectElement>()
                    .map(|s| s.value())
                    .as_deref()
                {
                    Some("yes") => true.into(),
                    Some("no") => false.into(),
                    _ => serde_json::Value::Null,
                }
            };
            let hours_text = text(&hours);
            let patch = serde_json::json!({
                "version": version,
                "name": text(&name),
                "opening_hours": if hours_text.trim().is_empty() { serde_json::Value::Null } else { hours_text.into() },
                "wheelchair": tri(&selects[0]),
                "baby_change": tri(&selects[1]),
                "family_room": tri(&selects[2]),
                "free": tri(&selects[3]),
                "verified": true,
            });
            let (csrf, on_saved, open) = (csrf.clone(), on_saved.clone(), open.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch_toilet(id, &patch, &csrf).await {
                    Ok(_) => {
                        open.set(false);
                        on_saved.emit(lang.t(Text::Saved).to_owned());
                    }
                    Err(e) if e.status == 409 => on_saved.emit(lang.t(Text::StaleEdit).to_owned()),
                    Err(e) => on_saved.emit(e.message),
                }
            });
        })
    };
    let choice = |r: &NodeRef, label: Text, value: Option<bool>, field: &'static str| {
        let current = match value {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        html! {
            <label>{ lang.t(label) }
                <select ref={r.clone()} name={field}>
                    <option value="" selected={current.is_empty()}>{ lang.t(Text::Unknown) }</option>
                    <option value="yes" selected={current == "yes"}>{ lang.t(Text::Yes) }</option>
                    <option value="no" selected={current == "no"}>{ lang.t(Text::No) }</option>
                </select>
            </label>
        }
    };
    html! {
        <form class="edit-form" onsubmit={save}>
            <label>{ lang.t(Text::Name) }<input ref={name} name="name" value={t.name.clone()} required=true /></label>
            <label>{ lang.t(Text::OpeningHours) }<input ref={hours} name="opening_hours" value={t.opening_hours.clone().unwrap_or_default()} placeholder="Mo-Su 06:00-22:00" /></label>
            { choice(&selects[0], Text::Wheelchair, t.wheelchair, "wheelchair") }
            { choice(&selects[1], Text::BabyChange, t.baby_change, "baby_change") }
            { choice(&selects[2], Text::FamilyRoom, t.family_room, "family_room") }
            { choice(&selects[3], Text::Free, t.free, "free") }
            <button class="primary" type="submit">{ lang.t(Text::Save) }</button>
            <button type="button" onclick={{ let open = open.clone(); Callback::from(move |_| open.set(false)) }}>{ lang.t(Text::Cancel) }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct QueueProps {
    lang: Lang,
    session: SessionInfo,
    on_changed: Callback<()>,
}

/// The reports on the organisation's toilets, to acknowledge and resolve.
#[function_component(ReportQueue)]
fn report_queue(props: &QueueProps) -> Html {
    let lang = props.lang;
    let reports = use_state(Vec::<crate::model::Report>::new);
    let note = use_node_ref();
    let reload = {
        let reports = reports.clone();
        let org = props.session.user.org_id;
        Callback::from(move |_: ()| {
            let reports = reports.clone();
            if let Some(org) = org {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(list) = api::org_reports(org).await {
                        reports.set(list.into_iter().filter(|r| r.state != "resolved").collect());
                    }
                });
            }
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let act = |id: i64, action: &'static str| {
        let (csrf, reload, on_changed, note) = (
            props.session.csrf_token.clone(),
            reload.clone(),
            props.on_changed.clone(),
            note.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let text = note
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .filter(|v| !v.trim().is_empty());
            let (csrf, reload, on_changed) = (csrf.clone(), reload.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::answer_report(id, action, text, &csrf).await;
                reload.emit(());
                on_changed.emit(());
            });
        })
    };
    let now = Utc::now();
    html! {
        <div class="queue">
            <h3>{ lang.t(Text::ReportQueue) }</h3>
            if reports.is_empty() { <p class="note">{ lang.t(Text::NoReports) }</p> }
            <label>{ lang.t(Text::ResolutionNote) }<input ref={note.clone()} name="resolution" /></label>
            <ul class="reports">
                { for reports.iter().map(|r| html! {
                    <li data-report={r.id.to_string()} class={r.state.clone()}>
                        <span class="name">{ format!("{} · {}", r.toilet_name, lang.kind(&r.kind)) }</span>
                        <span class="meta">{ lang.ago((now - r.created_at).num_hours()) }</span>
                        if let Some(n) = &r.note { <span class="report-note">{ n }</span> }
                        if let Some(c) = &r.contact { <span class="contact">{ c }</span> }
                        if r.state == "open" {
                            <button class="acknowledge" onclick={act(r.id, "acknowledge")}>{ lang.t(Text::Acknowledge) }</button>
                        }
                        <button class="resolve primary" onclick={act(r.id, "resolve")}>{ lang.t(Text::Resolve) }</button>
                    </li>
                }) }
            </ul>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct StatsProps {
    lang: Lang,
}

/// How fast each organisation answers its reports.
#[function_component(Stats)]
fn stats(props: &StatsProps) -> Html {
    let lang = props.lang;
    let stats = use_state(|| None::<serde_json::Value>);
    {
        let stats = stats.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(s) = api::report_stats().await {
                    stats.set(Some(s));
                }
            });
        });
    }
    let Some(s) = stats.as_ref() else {
        return html! {};
    };
    let time = |v: &serde_json::Value| {
        v.as_f64()
            .map_or_else(|| "–".to_owned(), |s| lang.duration(s))
    };
    html! {
        <div class="stats">
            <h2>{ lang.t(Text::Statistics) }</h2>
            <table>
                <thead><tr>
                    <th>{ lang.t(Text::Organisation) }</th><th>{ lang.t(Text::OpenCount) }</th>
                    <th>{ lang.t(Text::Overdue) }</th><th>{ lang.t(Text::MedianAck) }</th><th>{ lang.t(Text::MedianResolve) }</th>
                </tr></thead>
                <tbody>
                    { for s["orgs"].as_array().cloned().unwrap_or_default().iter().map(|o| html! {
                        <tr data-org={o["org_id"].to_string()}>
                            <td>{ o["org_name"].as_str().unwrap_or("") }</td>
                            <td class="open">{ o["open"].to_string() }</td>
                            <td class="overdue">{ o["overdue"].to_string() }</td>
                            <td class="ack">{ time(&o["median_ack_s"]) }</td>
                            <td class="resolve">{ time(&o["median_resolve_s"]) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// Which of eight directions a bearing points to (0 = north, 2 = east …).
fn octant(bearing_deg: f64) -> u8 {
    ((bearing_deg.rem_euclid(360.0) / 45.0).round() as u8) % 8
}
