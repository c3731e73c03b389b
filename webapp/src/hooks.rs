//! The app's hooks: state remembered on this device, where the resident
//! is, and the nearest toilets with the copy kept for going offline.

use std::{ops::Deref, rc::Rc};

use gloo_storage::{LocalStorage, Storage as _};
use gongce_shared::{
    LatLon,
    api::{BboxQuery, Filters, NearbyQuery},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use wasm_bindgen::{JsCast as _, closure::Closure};
use web_sys::AbortController;
use yew::prelude::*;

use crate::{
    api::{self, ApiError},
    map::MapArea,
    model::{NearbyResult, Toilet},
};

const LAST_KEY: &str = "gongce.last";
/// How many toilets the list shows.
const LIST_LIMIT: u32 = 20;

/// A state kept in `localStorage` under `key`: read once when the
/// component starts, written on every `set`.
pub(crate) struct Persisted<T> {
    state: UseStateHandle<T>,
    key: &'static str,
}

impl<T> Clone for Persisted<T> {
    fn clone(&self) -> Self {
        Persisted {
            state: self.state.clone(),
            key: self.key,
        }
    }
}

impl<T: PartialEq> PartialEq for Persisted<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.state == other.state
    }
}

impl<T> Deref for Persisted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.state
    }
}

impl<T: Serialize> Persisted<T> {
    pub(crate) fn set(&self, value: T) {
        let _ = LocalStorage::set(self.key, &value);
        self.state.set(value);
    }
}

#[hook]
pub(crate) fn use_persisted<T>(key: &'static str, initial: fn() -> T) -> Persisted<T>
where
    T: Serialize + DeserializeOwned + 'static,
{
    let state = use_state(move || LocalStorage::get::<T>(key).unwrap_or_else(|_| initial()));
    Persisted { state, key }
}

/// Where the resident is, as far as the browser will tell.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Located {
    Asking,
    At(LatLon),
    /// The resident (or the browser's settings) said no.
    Denied,
    /// No answer in time, or no position to be had.
    Unavailable,
}

/// Asks the browser where we are when the app starts, and again on each
/// `retry` (the my-location button).
#[hook]
pub(crate) fn use_geolocation() -> (Located, Callback<()>) {
    let located = use_state(|| Located::Asking);
    let retry = {
        let located = located.clone();
        use_callback((), move |(), ()| {
            located.set(Located::Asking);
            let located = located.clone();
            locate(Callback::from(move |found| located.set(found)));
        })
    };
    {
        let retry = retry.clone();
        use_effect_with((), move |_| retry.emit(()));
    }
    (*located, retry)
}

/// Asks the browser where we are; `done` gets the answer.
fn locate(done: Callback<Located>) {
    let Some(geo) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
        done.emit(Located::Unavailable);
        return;
    };
    let ok = {
        let done = done.clone();
        Closure::once_into_js(move |pos: web_sys::Position| {
            let c = pos.coords();
            done.emit(
                LatLon::new(c.latitude(), c.longitude()).map_or(Located::Unavailable, Located::At),
            );
        })
    };
    let err = Closure::once_into_js(move |e: web_sys::PositionError| {
        done.emit(if e.code() == web_sys::PositionError::PERMISSION_DENIED {
            Located::Denied
        } else {
            Located::Unavailable
        });
    });
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

#[derive(Clone, PartialEq)]
pub(crate) enum Load {
    Idle,
    Loading,
    Offline,
    Failed(ApiError),
}

/// The last answer, kept for opening without a network.
#[derive(Serialize, Deserialize)]
struct Last {
    at: LatLon,
    results: Vec<NearbyResult>,
}

pub(crate) struct Nearby {
    pub(crate) results: Rc<Vec<NearbyResult>>,
    pub(crate) load: Load,
    /// Searches again from the same place (things may have changed).
    pub(crate) again: Callback<()>,
}

/// The nearest toilets from `at` that pass `filters`, searched again when
/// either changes. Until the network answers, and when it cannot, the
/// last list this device saw is shown.
#[hook]
pub(crate) fn use_nearby(at: Option<LatLon>, filters: Filters) -> Nearby {
    let results = use_state(|| {
        Rc::new(
            LocalStorage::get::<Last>(LAST_KEY)
                .map(|l| l.results)
                .unwrap_or_default(),
        )
    });
    let load = use_state(|| Load::Idle);
    let asked = use_state(|| 0u32);
    // Answers that come back after a newer search started are dropped.
    let latest = use_mut_ref(|| 0u32);
    {
        let (results, load) = (results.clone(), load.clone());
        use_effect_with((at, filters, *asked), move |&(at, filters, _)| {
            let Some(at) = at else { return };
            let turn = *latest.borrow() + 1;
            *latest.borrow_mut() = turn;
            let mut query = NearbyQuery::new(at);
            query.limit = LIST_LIMIT;
            query.filters = filters;
            load.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::nearby(&query).await;
                if *latest.borrow() != turn {
                    return;
                }
                match answer {
                    Ok(answer) => {
                        let last = Last {
                            at,
                            results: answer.results,
                        };
                        let _ = LocalStorage::set(LAST_KEY, &last);
                        results.set(Rc::new(last.results));
                        load.set(Load::Idle);
                    }
                    Err(e) if e.is_offline() => {
                        if let Ok(last) = LocalStorage::get::<Last>(LAST_KEY) {
                            results.set(Rc::new(last.results));
                        }
                        load.set(Load::Offline);
                    }
                    Err(e) => load.set(Load::Failed(e)),
                }
            });
        });
    }
    Nearby {
        results: (*results).clone(),
        load: (*load).clone(),
        again: Callback::from(move |_| asked.set(*asked + 1)),
    }
}

/// Below this zoom the map shows only the listed toilets: a wider view
/// would hold too many to draw on a phone.
pub(crate) const VIEWPORT_MIN_ZOOM: f64 = 12.0;
/// The most toilets drawn in one view (the nearest its centre).
const VIEWPORT_LIMIT: u32 = 500;

/// The toilets in the map's view that pass the filters.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Viewport {
    pub(crate) toilets: Rc<Vec<Toilet>>,
    /// In view, matching only if unknown answers count as yes.
    pub(crate) unknown: u64,
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
    unknown: u64,
}

#[derive(Deserialize)]
struct Feature {
    properties: Toilet,
}

/// Loads the toilets in `area` as the map moves: a quarter second after it
/// stops (a drag's glide included), cancelling a request that a newer move
/// made stale. Empty when
/// zoomed out below [`VIEWPORT_MIN_ZOOM`].
#[hook]
pub(crate) fn use_viewport(area: Option<MapArea>, filters: Filters) -> Viewport {
    let found = use_state(Viewport::default);
    // The waiting timer and the request in flight: replacing either cancels it.
    let pending = use_mut_ref(|| {
        (
            None::<gloo_timers::callback::Timeout>,
            None::<AbortController>,
        )
    });
    {
        let found = found.clone();
        use_effect_with((area, filters), move |&(area, filters)| {
            let mut p = pending.borrow_mut();
            p.0 = None;
            // Moving again: the request waits until the map stands still.
            if area.is_some_and(|a| a.moving) {
                return;
            }
            if let Some(old) = p.1.take() {
                old.abort();
            }
            let bounds = area
                .filter(|a| a.zoom >= VIEWPORT_MIN_ZOOM)
                .and_then(|a| a.bounds);
            let Some(bbox) = bounds else {
                found.set(Viewport::default());
                return;
            };
            let pending2 = pending.clone();
            p.0 = Some(gloo_timers::callback::Timeout::new(250, move || {
                let Ok(abort) = AbortController::new() else {
                    return;
                };
                let signal = abort.signal();
                pending2.borrow_mut().1 = Some(abort);
                let query = BboxQuery {
                    bbox,
                    limit: VIEWPORT_LIMIT,
                    filters,
                };
                let url = format!("/api/v1/toilets?{}", query.to_query());
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(c) = api::get::<Collection>(&url, Some(&signal)).await {
                        found.set(Viewport {
                            toilets: Rc::new(
                                c.features.into_iter().map(|f| f.properties).collect(),
                            ),
                            unknown: c.unknown,
                        });
                    }
                });
            }));
        });
    }
    (*found).clone()
}
