//! A committee's toilets: placing a new one by pin, editing, closing.

use gongce_shared::{LatLon, accounts::SessionInfo};
use yew::prelude::*;

use crate::{
    api,
    i18n::{Lang, Text},
    model::{Status, Toilet},
    views::*,
};

#[derive(Properties, PartialEq)]
pub(crate) struct CommitteeProps {
    pub(crate) lang: Lang,
    pub(crate) session: Option<SessionInfo>,
    pub(crate) ours: Vec<Toilet>,
    pub(crate) placing: bool,
    pub(crate) pin: Option<LatLon>,
    pub(crate) on_place: Callback<bool>,
    pub(crate) on_changed: Callback<()>,
}

#[function_component(CommitteeView)]
pub(crate) fn committee_view(props: &CommitteeProps) -> Html {
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
            let body = crate::model::NewToilet {
                name: text(&name),
                lat: at.lat(),
                lon: at.lon(),
                wheelchair: checked(&boxes[0]),
                baby_change: checked(&boxes[1]),
                family_room: checked(&boxes[2]),
                free: checked(&boxes[3]),
                opening_hours: Some(text(&hours)).filter(|h| !h.trim().is_empty()),
            };
            let draft: Result<crate::model::NewToilet, String> = if text(&name).trim().is_empty() {
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
            let patch = crate::model::ToiletEdit {
                version,
                status: Some(status),
                ..Default::default()
            };
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
pub(crate) struct EditProps {
    pub(crate) lang: Lang,
    pub(crate) toilet: Toilet,
    pub(crate) csrf: String,
    /// A message for the committee: saved, or why not.
    pub(crate) on_saved: Callback<String>,
}

/// Edits a toilet's name, hours and facilities; each facility can be set
/// to yes, no or unknown. The edit names the version it was made from, so
/// a change made meanwhile by someone else is refused, not overwritten.
#[function_component(EditForm)]
pub(crate) fn edit_form(props: &EditProps) -> Html {
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
            let tri = |r: &NodeRef| -> Option<Option<bool>> {
                match r
                    .cast::<web_sys::HtmlSelectElement>()
                    .map(|s| s.value())
                    .as_deref()
                {
                    Some("yes") => Some(Some(true)),
                    Some("no") => Some(Some(false)),
                    _ => Some(None),
                }
            };
            let hours_text = text(&hours);
            let patch = crate::model::ToiletEdit {
                version,
                name: Some(text(&name)),
                opening_hours: Some(Some(hours_text).filter(|h| !h.trim().is_empty())),
                wheelchair: tri(&selects[0]),
                baby_change: tri(&selects[1]),
                family_room: tri(&selects[2]),
                free: tri(&selects[3]),
                status: None,
                verified: true,
            };
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
