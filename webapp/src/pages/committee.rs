//! A committee's toilets: placing a new one by pin, editing, closing for a
//! while, and the residents' reports about them.

use chrono::{DateTime, Utc};
use gongce_shared::{LatLon, api::Filters, text::REASON_MAX};
use wasm_bindgen::JsCast as _;
use yew::prelude::*;

use crate::{
    api,
    components::{PinPlacement, ReportQueue, ToiletForm, form_data},
    context::{use_config, use_lang, use_located, use_session},
    hooks::{Located, use_viewport},
    i18n::{Lang, Text},
    map::{MapArea, MapView, markers},
    model::{Placement, Status, Toilet, ToiletEdit},
};

/// The end of a closure: midnight starting `date` (`YYYY-MM-DD`) where the
/// phone is, which for a committee is where its toilets are.
fn reopens(date: &str) -> Option<DateTime<Utc>> {
    let local = js_sys::Date::new(&format!("{date}T00:00").into());
    let iso: String = local.to_iso_string().into();
    iso.parse().ok()
}

/// Closing a toilet for a while: a reason residents will read (needed),
/// the day it reopens (if known), then confirm.
fn closing_form(lang: Lang, t: &Toilet, close: Callback<Status>, cancel: Callback<()>) -> Html {
    let submit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        let Some(data) = form_data(e.target().and_then(|t| t.dyn_into().ok())) else {
            return;
        };
        let get = |name: &str| data.get(name).as_string().unwrap_or_default();
        close.emit(Status::TemporarilyClosed {
            reason: get("reason").trim().to_owned(),
            until: reopens(&get("until")),
        });
    });
    html! {
        <form class="closing-form" onsubmit={submit}>
            <p><strong>{ lang.t(Text::CloseTemporarily) }{ ": " }{ t.stored_name(lang) }</strong></p>
            <label>{ lang.t(Text::ClosingReason) }
                <input name="reason" required=true maxlength={REASON_MAX.to_string()} placeholder={lang.t(Text::ClosingReasonExample)} />
            </label>
            <label>{ lang.t(Text::ReopensOn) }<input name="until" type="date" /></label>
            <button class="primary confirm-close" type="submit">{ lang.t(Text::ConfirmClose) }</button>
            <button type="button" onclick={cancel.reform(|_: MouseEvent| ())}>{ lang.t(Text::Cancel) }</button>
        </form>
    }
}

/// What the committee is doing to one of its toilets.
#[derive(Clone, Copy, PartialEq)]
enum Doing {
    Nothing,
    Editing(i64),
    Closing(i64),
}

#[function_component(CommitteePage)]
pub(crate) fn committee_page() -> Html {
    let lang = use_lang();
    let session = use_session();
    let config = use_config();
    let located = use_located();
    let ours = use_state(Vec::<Toilet>::new);
    let placement = use_state(Placement::default);
    let message = use_state(|| None::<String>);
    let doing = use_state(|| Doing::Nothing);
    let area = use_state(|| None::<MapArea>);
    // Everyone's toilets in view, so that none is registered twice.
    let in_view = use_viewport(*area, Filters::default());

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

    let set_status = |t: &Toilet| {
        let (id, version) = (t.id, t.version);
        let (csrf, message, reload, doing) =
            (csrf.clone(), message.clone(), reload.clone(), doing.clone());
        Callback::from(move |status: Status| {
            let patch = ToiletEdit {
                version,
                status: Some(status),
                ..Default::default()
            };
            let (csrf, message, reload, doing) =
                (csrf.clone(), message.clone(), reload.clone(), doing.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch_toilet(id, &patch, &csrf).await {
                    Ok(_) => {
                        message.set(Some(lang.t(Text::Saved).to_owned()));
                        doing.set(Doing::Nothing);
                        reload.emit(());
                    }
                    Err(e) => message.set(Some(lang.error(&e.detail))),
                }
            });
        })
    };
    let to = |what: Doing| {
        let doing = doing.clone();
        Callback::from(move |()| doing.set(what))
    };
    let markers = markers(ours.iter().chain(in_view.toilets.iter()), lang);
    let on_click = {
        let placement = placement.clone();
        Callback::from(move |p: LatLon| placement.set(placement.tapped(p)))
    };
    let on_move = {
        let area = area.clone();
        Callback::from(move |a: MapArea| area.set(Some(a)))
    };
    let saved = {
        let (message, reload, doing) = (message.clone(), reload.clone(), doing.clone());
        Callback::from(move |()| {
            message.set(Some(lang.t(Text::Saved).to_owned()));
            doing.set(Doing::Nothing);
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
                {on_click} {on_move} />
            <main>
                <section class="committee">
                    <h2>{ lang.t(Text::OurToilets) }{ " · " }{ org_name }</h2>
                    if let Some(m) = &*message { <p class="note" role="status">{ m }</p> }
                    <PinPlacement placement={*placement} {me}
                        on_change={{ let p = placement.clone(); Callback::from(move |to| p.set(to)) }}
                        on_saved={saved.clone()} />
                    <ReportQueue on_changed={reload.clone()} />
                    <ul class="ours">
                        { for ours.iter().map(|t| html! {
                            <li data-id={t.id.to_string()}>
                                <span class="name">{ t.stored_name(lang) }</span>
                                { match &t.status {
                                    Status::Open => Html::default(),
                                    Status::TemporarilyClosed { reason, .. } => html! {
                                        <span class="badge closed">{ lang.t(Text::TemporarilyClosed) }{ ": " }{ reason }</span>
                                    },
                                    Status::Removed => html! { <span class="badge">{ lang.t(Text::Removed) }</span> },
                                } }
                                { match *doing {
                                    Doing::Editing(id) if id == t.id => html! {
                                        <ToiletForm toilet={t.clone()} on_saved={saved.clone()} on_cancel={to(Doing::Nothing)} />
                                    },
                                    Doing::Closing(id) if id == t.id => closing_form(lang, t, set_status(t), to(Doing::Nothing)),
                                    _ if t.status == Status::Removed => Html::default(),
                                    _ => html! {
                                        <div class="actions">
                                            <button class="edit" onclick={to(Doing::Editing(t.id)).reform(drop)}>{ lang.t(Text::Edit) }</button>
                                            if t.status == Status::Open {
                                                <button class="close-toilet" onclick={to(Doing::Closing(t.id)).reform(drop)}>{ lang.t(Text::CloseTemporarily) }</button>
                                            } else {
                                                <button class="reopen" onclick={{ let s = set_status(t); move |_| s.emit(Status::Open) }}>{ lang.t(Text::Reopen) }</button>
                                            }
                                        </div>
                                    },
                                } }
                            </li>
                        }) }
                    </ul>
                </section>
            </main>
        </>
    }
}
