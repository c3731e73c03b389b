//! The map: Leaflet (with marker clustering), loaded by `index.html` as the
//! global `L`, driven through a few wasm-bindgen bindings.
//!
//! Positions cross this module's edge in WGS-84; inside, they are drawn in
//! the tiles' coordinate system (Amap tiles are GCJ-02), so a marker sits
//! on the right street whatever the tiles. Without tiles the markers, the
//! user's position and the pin still work.

use std::{cell::RefCell, rc::Rc};

use gongce_shared::{Crs, LatLon, api::Bbox};
use js_sys::{Array, Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast as _, JsValue, prelude::*};
use yew::prelude::*;

use crate::i18n::Text;

#[wasm_bindgen]
extern "C" {
    pub type LMap;
    #[wasm_bindgen(js_namespace = L, js_name = map)]
    fn l_map(element: &web_sys::HtmlElement, options: &JsValue) -> LMap;
    #[wasm_bindgen(method, js_name = setView)]
    fn set_view(this: &LMap, center: &Array, zoom: f64) -> LMap;
    #[wasm_bindgen(method, js_name = getZoom)]
    fn get_zoom(this: &LMap) -> f64;
    #[wasm_bindgen(method, js_name = getCenter)]
    fn get_center(this: &LMap) -> LLatLng;
    #[wasm_bindgen(method, js_name = getBounds)]
    fn get_bounds(this: &LMap) -> LBounds;
    #[wasm_bindgen(method)]
    fn on(this: &LMap, event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> LMap;
    #[wasm_bindgen(method, js_name = invalidateSize)]
    fn invalidate_size(this: &LMap);
    #[wasm_bindgen(method)]
    fn remove(this: &LMap);

    pub type LLatLng;
    #[wasm_bindgen(method, getter)]
    fn lat(this: &LLatLng) -> f64;
    #[wasm_bindgen(method, getter)]
    fn lng(this: &LLatLng) -> f64;

    pub type LBounds;
    #[wasm_bindgen(method, js_name = getSouthWest)]
    fn south_west(this: &LBounds) -> LLatLng;
    #[wasm_bindgen(method, js_name = getNorthEast)]
    fn north_east(this: &LBounds) -> LLatLng;

    pub type LLayer;
    #[wasm_bindgen(js_namespace = ["L", "control"], js_name = zoom)]
    fn l_control_zoom(options: &JsValue) -> LLayer;
    #[wasm_bindgen(method, js_name = addTo)]
    fn control_add_to(this: &LLayer, map: &LMap);
    #[wasm_bindgen(js_namespace = L, js_name = tileLayer)]
    fn l_tile_layer(url: &str, options: &JsValue) -> LLayer;
    #[wasm_bindgen(js_namespace = L, js_name = marker)]
    fn l_marker(at: &Array, options: &JsValue) -> LLayer;
    #[wasm_bindgen(js_namespace = L, js_name = circleMarker)]
    fn l_circle_marker(at: &Array, options: &JsValue) -> LLayer;
    #[wasm_bindgen(js_namespace = L, js_name = markerClusterGroup)]
    fn l_marker_cluster_group(options: &JsValue) -> LLayer;
    #[wasm_bindgen(js_namespace = L, js_name = layerGroup)]
    fn l_layer_group() -> LLayer;
    #[wasm_bindgen(method, js_name = addTo)]
    fn add_to(this: &LLayer, map: &LMap) -> LLayer;
    #[wasm_bindgen(method, js_name = addLayer)]
    fn add_layer(this: &LLayer, layer: &LLayer) -> LLayer;
    #[wasm_bindgen(method, js_name = addLayers)]
    fn add_layers(this: &LLayer, layers: &Array) -> LLayer;
    #[wasm_bindgen(method, js_name = clearLayers)]
    fn clear_layers(this: &LLayer) -> LLayer;
    /// Leaflet inserts a string as HTML: only ever hand it a node.
    #[wasm_bindgen(method, js_name = bindTooltip)]
    fn bind_tooltip(this: &LLayer, content: &web_sys::Element) -> LLayer;
    #[wasm_bindgen(method, js_name = on)]
    fn layer_on(this: &LLayer, event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> LLayer;
}

/// Where map tiles come from, and their coordinate system.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tiles {
    pub url: String,
    /// Plain text, shown as text (Leaflet's own control would insert it as HTML).
    pub attribution: String,
    /// Where the attribution links to, if anywhere.
    #[serde(default)]
    pub attribution_url: Option<String>,
    pub crs: Crs,
    #[serde(default)]
    pub subdomains: Option<String>,
    #[serde(default = "max_zoom")]
    pub max_zoom: u8,
}

fn max_zoom() -> u8 {
    18
}

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub id: i64,
    pub at: LatLon,
    pub label: String,
}

/// One marker per toilet (the first of each id), removed ones left out.
pub fn markers<'a>(
    toilets: impl Iterator<Item = &'a crate::model::Toilet>,
    lang: crate::i18n::Lang,
) -> Vec<Marker> {
    let mut out: Vec<Marker> = Vec::new();
    for t in toilets {
        if t.status != crate::model::Status::Removed && !out.iter().any(|m| m.id == t.id) {
            out.push(Marker {
                id: t.id,
                at: t.position(),
                label: t.name_in(lang),
            });
        }
    }
    out
}

/// What the map shows after a move, in WGS-84.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapArea {
    pub centre: LatLon,
    /// `None` when the view spans the globe.
    pub bounds: Option<Bbox>,
    pub zoom: f64,
    /// Set when the map starts moving again (a drag, a zoom): what waits for
    /// it to stand still waits on. Its glide after a drag fires no start,
    /// only the end.
    pub moving: bool,
}

#[derive(Properties, PartialEq)]
pub struct MapProps {
    /// `None` until the server's settings arrive: an empty box till then.
    pub tiles: Option<Tiles>,
    /// Where to look (WGS-84); the map moves when this changes, or when
    /// `recentre` does.
    #[prop_or_default]
    pub view: Option<LatLon>,
    #[prop_or_default]
    pub recentre: u32,
    #[prop_or_default]
    pub markers: Vec<Marker>,
    #[prop_or_default]
    pub me: Option<LatLon>,
    /// The pin being placed by a committee member, if any.
    #[prop_or_default]
    pub pin: Option<LatLon>,
    #[prop_or_default]
    pub on_marker: Callback<i64>,
    #[prop_or_default]
    pub on_click: Callback<LatLon>,
    #[prop_or_default]
    pub on_move: Callback<MapArea>,
}

/// Where a map was looking when its page closed, so that the next page's
/// map opens there: the centre and zoom as the tiles draw them, and the
/// `view` it had last been sent.
#[derive(Clone, Copy)]
struct Kept {
    centre: (f64, f64),
    zoom: f64,
    view: Option<(LatLon, u32)>,
}

thread_local! {
    static KEPT: std::cell::Cell<Option<Kept>> = const { std::cell::Cell::new(None) };
}

struct Live {
    map: LMap,
    cluster: LLayer,
    me: LLayer,
    pin: LLayer,
    crs: Crs,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
    marker_handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

fn opts(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// A WGS-84 position as the tiles draw it: `[lat, lng]`.
fn to_tiles(crs: Crs, p: LatLon) -> Array {
    let (lat, lon) = crs.from_wgs84(p);
    Array::of2(&lat.into(), &lon.into())
}

/// A point on the tiles back to WGS-84.
fn from_tiles(crs: Crs, lat: f64, lon: f64) -> Option<LatLon> {
    let lon = (lon + 180.0).rem_euclid(360.0) - 180.0;
    crs.to_wgs84(lat.clamp(-90.0, 90.0), lon).ok()
}

/// What `map` shows, in WGS-84.
fn area(map: &LMap, crs: Crs) -> Option<MapArea> {
    let c = map.get_center();
    let b = map.get_bounds();
    let (sw, ne) = (b.south_west(), b.north_east());
    let corners = from_tiles(crs, sw.lat(), sw.lng()).zip(from_tiles(crs, ne.lat(), ne.lng()));
    Some(MapArea {
        centre: from_tiles(crs, c.lat(), c.lng())?,
        bounds: corners
            .filter(|_| ne.lng() - sw.lng() < 360.0)
            .and_then(|(sw, ne)| Bbox::new(sw.lon(), sw.lat(), ne.lon(), ne.lat()).ok()),
        zoom: map.get_zoom(),
        moving: false,
    })
}

/// A `<span>` holding `text` as text: what Leaflet gets instead of a string.
fn text_node(text: &str) -> Option<web_sys::Element> {
    let span = web_sys::window()?.document()?.create_element("span").ok()?;
    span.set_text_content(Some(text));
    Some(span)
}

fn leaflet_loaded() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &JsValue::from_str("L")).ok())
        .is_some_and(|l| !l.is_undefined())
}

#[function_component(MapView)]
pub fn map_view(props: &MapProps) -> Html {
    let lang = crate::context::use_lang();
    let node = use_node_ref();
    let live: Rc<RefCell<Option<Live>>> = use_mut_ref(|| None);
    let applied = use_mut_ref(|| KEPT.get().and_then(|k| k.view));
    // The latest callbacks, read by the handlers made once at start.
    let callbacks = use_mut_ref(|| {
        (
            props.on_marker.clone(),
            props.on_click.clone(),
            props.on_move.clone(),
        )
    });
    *callbacks.borrow_mut() = (
        props.on_marker.clone(),
        props.on_click.clone(),
        props.on_move.clone(),
    );

    {
        let live = live.clone();
        let node = node.clone();
        let callbacks = callbacks.clone();
        let applied = applied.clone();
        use_effect_with(props.tiles.clone(), move |tiles| {
            if let Some(tiles) = tiles
                && let Some(element) = node.cast::<web_sys::HtmlElement>()
                && leaflet_loaded()
            {
                // No attribution control: it takes HTML. The attribution
                // is drawn as text below.
                let map = l_map(
                    &element,
                    &opts(&[
                        ("zoomControl", false.into()),
                        ("attributionControl", false.into()),
                    ]),
                );
                // Leaflet's own words, in the page's language.
                l_control_zoom(&opts(&[
                    ("zoomInTitle", lang.t(Text::ZoomIn).into()),
                    ("zoomOutTitle", lang.t(Text::ZoomOut).into()),
                ]))
                .control_add_to(&map);
                let crs = tiles.crs;
                let mut tile_opts = vec![("maxZoom", f64::from(tiles.max_zoom).into())];
                if let Some(s) = &tiles.subdomains {
                    tile_opts.push(("subdomains", JsValue::from_str(s)));
                }
                l_tile_layer(&tiles.url, &opts(&tile_opts)).add_to(&map);
                let (centre, zoom) = KEPT
                    .get()
                    .map_or(((35.0, 105.0), 4.0), |k| (k.centre, k.zoom));
                map.set_view(&Array::of2(&centre.0.into(), &centre.1.into()), zoom);
                let cluster = l_marker_cluster_group(&opts(&[
                    ("showCoverageOnHover", false.into()),
                    ("maxClusterRadius", 40.into()),
                ]))
                .add_to(&map);
                let me = l_layer_group().add_to(&map);
                let pin = l_layer_group().add_to(&map);
                let click = {
                    let callbacks = callbacks.clone();
                    Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                        let Ok(latlng) = Reflect::get(&event, &"latlng".into()) else {
                            return;
                        };
                        let latlng: LLatLng = latlng.unchecked_into();
                        if let Some(p) = from_tiles(crs, latlng.lat(), latlng.lng()) {
                            callbacks.borrow().1.emit(p);
                        }
                    })
                };
                let moved = {
                    let callbacks = callbacks.clone();
                    let map_ref: LMap = map.clone().unchecked_into();
                    Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
                        if let Some(a) = area(&map_ref, crs) {
                            callbacks.borrow().2.emit(a);
                        }
                    })
                };
                let moving = {
                    let callbacks = callbacks.clone();
                    let map_ref: LMap = map.clone().unchecked_into();
                    Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
                        if let Some(a) = area(&map_ref, crs) {
                            callbacks.borrow().2.emit(MapArea { moving: true, ..a });
                        }
                    })
                };
                map.on("click", &click);
                map.on("moveend", &moved);
                map.on("movestart", &moving);
                // The page learns where the map opened, as after a move.
                if let Some(a) = area(&map, crs) {
                    callbacks.borrow().2.emit(a);
                }
                *live.borrow_mut() = Some(Live {
                    map,
                    cluster,
                    me,
                    pin,
                    crs,
                    _handlers: vec![click, moved, moving],
                    marker_handlers: Vec::new(),
                });
            }
            move || {
                if let Some(live) = live.borrow_mut().take() {
                    let c = live.map.get_center();
                    KEPT.set(Some(Kept {
                        centre: (c.lat(), c.lng()),
                        zoom: live.map.get_zoom(),
                        view: *applied.borrow(),
                    }));
                    live.map.remove();
                }
            }
        });
    }

    // Effects below also run when the map appears, for what came first.
    let ready = props.tiles.is_some();
    {
        let live = live.clone();
        let recentre = props.recentre;
        use_effect_with((props.view, recentre, ready), move |&(view, _, _)| {
            // A view already shown before the page closed is not shown
            // again: the map stays where the resident left it.
            if let (Some(live), Some(view)) = (live.borrow().as_ref(), view)
                && *applied.borrow() != Some((view, recentre))
            {
                let zoom = live.map.get_zoom().max(16.0);
                live.map.set_view(&to_tiles(live.crs, view), zoom);
                *applied.borrow_mut() = Some((view, recentre));
            }
        });
    }

    {
        let live = live.clone();
        let callbacks = callbacks.clone();
        use_effect_with((props.markers.clone(), ready), move |(markers, _)| {
            // After the page has painted: the list first, then the map.
            let markers = markers.clone();
            let draw = gloo_timers::callback::Timeout::new(0, move || {
                let Some(live) = &mut *live.borrow_mut() else {
                    return;
                };
                live.cluster.clear_layers();
                live.marker_handlers.clear();
                let all = Array::new();
                for m in &markers {
                    // Leaflet sets `title` and `alt` as DOM properties
                    // (`icon.title = …`), never as markup.
                    let marker = l_marker(
                        &to_tiles(live.crs, m.at),
                        &opts(&[
                            ("title", JsValue::from_str(&m.label)),
                            ("alt", JsValue::from_str(&m.label)),
                        ]),
                    );
                    if let Some(label) = text_node(&m.label) {
                        marker.bind_tooltip(&label);
                    }
                    let id = m.id;
                    let callbacks = callbacks.clone();
                    let handler = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
                        callbacks.borrow().0.emit(id);
                    });
                    marker.layer_on("click", &handler);
                    live.marker_handlers.push(handler);
                    all.push(&marker);
                }
                // In one go: the cluster group places a batch far faster
                // than one marker at a time.
                live.cluster.add_layers(&all);
            });
            // A newer set of markers cancels a drawing not yet done.
            move || drop(draw)
        });
    }

    {
        let live = live.clone();
        use_effect_with((props.me, props.pin, ready), move |(me, pin, _)| {
            if let Some(live) = live.borrow().as_ref() {
                live.me.clear_layers();
                if let Some(me) = me {
                    live.me.add_layer(&l_circle_marker(
                        &to_tiles(live.crs, *me),
                        &opts(&[
                            ("radius", 8.into()),
                            ("color", "#ffffff".into()),
                            ("weight", 3.into()),
                            ("fillColor", "#1a73e8".into()),
                            ("fillOpacity", 1.into()),
                        ]),
                    ));
                }
                live.pin.clear_layers();
                if let Some(pin) = pin {
                    live.pin.add_layer(&l_marker(
                        &to_tiles(live.crs, *pin),
                        &opts(&[("opacity", 0.9.into()), ("alt", lang.t(Text::Pin).into())]),
                    ));
                }
            }
        });
    }

    let Some(tiles) = &props.tiles else {
        return html! { <div ref={node} class="map placeholder"></div> };
    };
    let attribution = &tiles.attribution;
    let safe_link = tiles
        .attribution_url
        .as_ref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    html! {
        <div class="map-wrap">
            <div ref={node} class="map" role="application" aria-label={lang.t(Text::Map)}></div>
            if !attribution.is_empty() {
                <div class="map-attribution">
                    if let Some(url) = safe_link {
                        <a href={url.clone()} target="_blank" rel="noopener noreferrer">{ attribution }</a>
                    } else {
                        { attribution }
                    }
                </div>
            }
        </div>
    }
}
