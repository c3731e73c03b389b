//! Editing one of the organisation's toilets.

use yew::prelude::*;

use crate::{
    api,
    components::input_text,
    context::{use_lang, use_session},
    i18n::Text,
    model::{Toilet, ToiletEdit},
};

#[derive(Properties, PartialEq)]
pub(crate) struct EditProps {
    pub(crate) toilet: Toilet,
    /// A message for the committee: saved, or why not.
    pub(crate) on_saved: Callback<String>,
}

/// Edits a toilet's name, hours and facilities; each facility can be set
/// to yes, no or unknown. The edit names the version it was made from, so
/// a change made meanwhile by someone else is refused, not overwritten.
#[function_component(EditForm)]
pub(crate) fn edit_form(props: &EditProps) -> Html {
    let lang = use_lang();
    let csrf = use_session().csrf().unwrap_or_default();
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
        let (id, version, csrf, on_saved, open) =
            (t.id, t.version, csrf, props.on_saved.clone(), open.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
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
            let hours_text = input_text(&hours);
            let patch = ToiletEdit {
                version,
                name: Some(input_text(&name)),
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
                    Err(e) => on_saved.emit(lang.error(&e.detail)),
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
