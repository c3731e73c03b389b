//! A committee's toilets: placing a new one by pin, editing, closing for a
//! while, and the residents' reports about them.

use gongce_shared::LatLon;
use yew::prelude::*;

use crate::{
    api,
    components::{EditForm, PinPlacement, ReportQueue, input_text},
    context::{use_config, use_lang, use_located, use_session},
    hooks::Located,
    i18n::Text,
    map::{MapView, Marker},
    model::{Placement, Status, Toilet, ToiletEdit},
};

/// The reason shown when a committee closes a toilet without giving one.
const DEFAULT_REASON: &str = "维修 / maintenance";

#[function_component(CommitteePage)]
pub(crate) fn committee_page() -> Html {
    let lang = use_lang();
    let session = use_session();
    let config = use_config();
    let located = use_located();
    let ours = use_state(Vec::<Toilet>::new);
    let placement = use_state(Placement::default);
    let message = use_state(|| None::<String>);
    let reason = use_node_ref();

    let reload = {
        let (ours, org) = (ours.clone(), session.org_id());
        Callback::from(move |_: ()| {
            let ours = ours.clone();
            if let Some(org) = org {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(list) = api::org_toilets(org).await {
                        ours.set(list);
                    }
                });
            }
        })
    };
    {
        let reload = reload.clone();
        use_effect_with(session.org_id(), move |_| reload.emit(()));
    }
    let Some(info) = session.info() else {
        return html! {};
    };
    let csrf = info.csrf_token.clone();
    let org_name = info
        .org
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_default();

    let set_status = |t: &Toilet, status: Status| {
        let (id, version) = (t.id, t.version);
        let (csrf, message, reload, reason) = (
            csrf.clone(),
            message.clone(),
            reload.clone(),
            reason.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let mut status = status.clone();
            if let Status::TemporarilyClosed { reason: r, .. } = &mut status {
                let given = input_text(&reason);
                *r = if given.trim().is_empty() {
                    DEFAULT_REASON.to_owned()
                } else {
                    given
                };
            }
            let patch = ToiletEdit {
                version,
                status: Some(status),
                ..Default::default()
            };
            let (csrf, message, reload) = (csrf.clone(), message.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch_toilet(id, &patch, &csrf).await {
                    Ok(_) => {
                        message.set(Some(lang.t(Text::Saved).to_owned()));
                        reload.emit(());
                    }
                    Err(e) => message.set(Some(lang.error(&e.detail))),
                }
            });
        })
    };
    let markers: Vec<Marker> = ours
        .iter()
        .filter(|t| t.status != Status::Removed)
        .map(|t| Marker {
            id: t.id,
            at: t.position(),
            label: t.name.clone(),
        })
        .collect();
    let on_click = {
        let placement = placement.clone();
        Callback::from(move |p: LatLon| placement.set(placement.tapped(p)))
    };
    let saved = {
        let (message, reload) = (message.clone(), reload.clone());
        Callback::from(move |text: String| {
            message.set(Some(text));
            reload.emit(());
        })
    };
    let me = match located {
        Located::At(p) => Some(p),
        _ => None,
    };

    html! {
        <>
            <MapView tiles={config.map(|c| c.tiles)} view={me} {markers} {me} pin={placement.pin()}
                {on_click} />
            <main>
                <section class="committee">
                    <h2>{ lang.t(Text::OurToilets) }{ " · " }{ org_name }</h2>
                    if let Some(m) = &*message { <p class="note" role="status">{ m }</p> }
                    <PinPlacement placement={*placement}
                        on_change={{ let p = placement.clone(); Callback::from(move |to| p.set(to)) }}
                        on_message={{ let m = message.clone(); Callback::from(move |text| m.set(Some(text))) }}
                        on_saved={reload.clone()} />
                    <ReportQueue on_changed={reload.clone()} />
                    <label>{ lang.t(Text::Reason) }<input ref={reason.clone()} name="reason" /></label>
                    <ul class="ours">
                        { for ours.iter().map(|t| html! {
                            <li data-id={t.id.to_string()}>
                                <span class="name">{ t.name.as_str() }</span>
                                if t.status != Status::Removed {
                                    <EditForm toilet={t.clone()} on_saved={saved.clone()} />
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
            </main>
        </>
    }
}
