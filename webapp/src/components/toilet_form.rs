//! The one form for a committee's toilet, new or existing: name, address,
//! hours (OSM syntax or as people write them, "每天 6:00-22:00") and the
//! facilities, each 未知 / 有 / 无. A refusal is said next to its field, in
//! the page's language; the typed text stays and the focus goes there.

use gongce_shared::{
    LatLon, ToiletName,
    api::ErrorDetail,
    text::{ADDRESS_MAX, HOURS_NOTE_MAX},
};
use wasm_bindgen::JsCast as _;
use yew::prelude::*;

use crate::{
    api,
    components::{HoursEditor, form_data},
    context::{use_lang, use_session},
    i18n::{Lang, Text},
    model::{NewToilet, Toilet, ToiletEdit},
};

#[derive(Properties, PartialEq)]
pub(crate) struct ToiletFormProps {
    /// The toilet edited; `None` for a new one at `at`.
    #[prop_or_default]
    pub(crate) toilet: Option<Toilet>,
    #[prop_or_default]
    pub(crate) at: Option<LatLon>,
    pub(crate) on_saved: Callback<()>,
    pub(crate) on_cancel: Callback<()>,
}

/// The text fields, by name.
const TEXTS: [&str; 3] = ["name", "address", "opening_hours"];

/// The facilities, by field name.
const FACTS: [(&str, Text); 4] = [
    ("wheelchair", Text::Wheelchair),
    ("baby_change", Text::BabyChange),
    ("family_room", Text::FamilyRoom),
    ("free", Text::Free),
];

/// The text fields as they stand now.
fn texts(form: &NodeRef) -> Option<[String; 3]> {
    let data = form_data(form.cast())?;
    Some(TEXTS.map(|f| data.get(f).as_string().unwrap_or_default()))
}

fn tri(value: Option<String>) -> Option<bool> {
    match value.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    }
}

/// 未知 / 有 / 无 (是 / 否 for 免费), the same control for new and existing.
fn tri_state(lang: Lang, field: &'static str, label: Text, value: Option<bool>) -> Html {
    let (yes, no) = if field == "free" {
        (Text::IsYes, Text::IsNo)
    } else {
        (Text::Yes, Text::No)
    };
    html! {
        <label>{ lang.t(label) }
            <select name={field}>
                <option value="" selected={value.is_none()}>{ lang.t(Text::Unknown) }</option>
                <option value="yes" selected={value == Some(true)}>{ lang.t(yes) }</option>
                <option value="no" selected={value == Some(false)}>{ lang.t(no) }</option>
            </select>
        </label>
    }
}

#[function_component(ToiletForm)]
pub(crate) fn toilet_form(props: &ToiletFormProps) -> Html {
    let lang = use_lang();
    let csrf = use_session().csrf().unwrap_or_default();
    let form = use_node_ref();
    let error = use_state(|| None::<ErrorDetail>);
    // What is typed, kept on every keystroke: yew sets an input back to the
    // value it renders, so any later render (a refusal, the map loading the
    // toilets in view) must render the typed text, not the stored one.
    let typed = use_mut_ref(|| None::<[String; 3]>);
    let on_input = {
        let (form, typed) = (form.clone(), typed.clone());
        Callback::from(move |_: InputEvent| {
            if let Some(now) = texts(&form) {
                *typed.borrow_mut() = Some(now);
            }
        })
    };
    // The focus goes to the field at fault.
    {
        let form = form.clone();
        use_effect_with((*error).clone(), move |e| {
            let field = e.as_ref().and_then(|e| e.field.clone()).unwrap_or_default();
            if let Some(input) = form
                .cast::<web_sys::Element>()
                .and_then(|f| {
                    f.query_selector(&format!("[name=\"{field}\"]"))
                        .ok()
                        .flatten()
                })
                .and_then(|i| i.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = input.focus();
            }
        });
    }
    let t = props.toilet.as_ref();
    let submit = {
        let (form, error, on_saved) = (form.clone(), error.clone(), props.on_saved.clone());
        let (existing, at) = (t.map(|t| (t.id, t.version)), props.at);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(data) = form_data(form.cast()) else {
                return;
            };
            let get = |name: &str| data.get(name).as_string();
            // Blank is unknown.
            let text = |name: &str| get(name).filter(|v| !v.trim().is_empty());
            let (csrf, error, on_saved) = (csrf.clone(), error.clone(), on_saved.clone());
            let name = get("name").unwrap_or_default();
            let facts = FACTS.map(|(f, _)| tri(get(f)));
            let (address, hours) = (text("address"), text("opening_hours"));
            wasm_bindgen_futures::spawn_local(async move {
                let saved = match (existing, at) {
                    (Some((id, version)), _) => {
                        let patch = ToiletEdit {
                            version,
                            name: Some(name),
                            address: Some(address),
                            opening_hours: Some(hours),
                            wheelchair: Some(facts[0]),
                            baby_change: Some(facts[1]),
                            family_room: Some(facts[2]),
                            free: Some(facts[3]),
                            status: None,
                            verified: true,
                        };
                        api::patch_toilet(id, &patch, &csrf).await.map(drop)
                    }
                    (None, Some(at)) => {
                        let draft = NewToilet {
                            name,
                            address,
                            lat: at.lat(),
                            lon: at.lon(),
                            wheelchair: facts[0],
                            baby_change: facts[1],
                            family_room: facts[2],
                            free: facts[3],
                            opening_hours: hours,
                        };
                        api::create_toilet(&draft, &csrf).await.map(drop)
                    }
                    (None, None) => return,
                };
                match saved {
                    Ok(()) => on_saved.emit(()),
                    Err(e) => error.set(Some(e.detail)),
                }
            });
        })
    };
    let err = (*error).clone();
    let at_field = |field: &str| err.as_ref().filter(|e| e.field.as_deref() == Some(field));
    // The refusal next to its field; one about no field of the form above them all.
    let said = |field: &'static str| match at_field(field) {
        Some(e) => {
            html! { <p class="field-error" id={format!("error-{field}")} role="alert">{ lang.error(e) }</p> }
        }
        None => Html::default(),
    };
    let input = |i: usize, label: Text, value: Option<String>, max: usize, required: bool| {
        let field = TEXTS[i];
        let value = typed
            .borrow()
            .as_ref()
            .map_or(value, |t| Some(t[i].clone()));
        let invalid = at_field(field).is_some();
        html! {
            <label>{ lang.t(label) }
                <input name={field} value={value.unwrap_or_default()} maxlength={max.to_string()} {required}
                    placeholder={(field == "opening_hours").then_some("每天 6:00-22:00")}
                    aria-invalid={invalid.then_some("true")}
                    aria-describedby={invalid.then(|| format!("error-{field}"))} />
                { said(field) }
            </label>
        }
    };
    let elsewhere = err
        .as_ref()
        .filter(|e| !e.field.as_deref().is_some_and(|f| TEXTS.contains(&f)));
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    // The editor's hours go into the field, as if typed.
    let apply_hours = {
        let (form, typed, error) = (form.clone(), typed.clone(), error.clone());
        Callback::from(move |osm: String| {
            if error
                .as_ref()
                .is_some_and(|e| e.field.as_deref() == Some("opening_hours"))
            {
                error.set(None);
            }
            let Some(f) = form.cast::<web_sys::Element>() else {
                return;
            };
            if let Some(input) = f
                .query_selector("[name=\"opening_hours\"]")
                .ok()
                .flatten()
                .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                input.set_value(&osm);
                let _ = input.focus();
            }
            if let Some(now) = texts(&form) {
                *typed.borrow_mut() = Some(now);
            }
        })
    };
    html! {
        <form ref={form} class={if t.is_some() { "edit-form" } else { "toilet-form" }} onsubmit={submit} oninput={on_input} novalidate=true>
            if let Some(e) = elsewhere { <p class="field-error" role="alert">{ lang.error(e) }</p> }
            { input(0, Text::Name, t.map(|t| t.name.clone()), ToiletName::MAX_CHARS, true) }
            { input(1, Text::Address, t.and_then(|t| t.address.clone()), ADDRESS_MAX, false) }
            { input(2, Text::OpeningHours, t.and_then(|t| t.opening_hours.clone()), HOURS_NOTE_MAX, false) }
            <HoursEditor on_apply={apply_hours} />
            { for FACTS.iter().enumerate().map(|(i, &(field, label))| {
                let value = t.and_then(|t| [t.wheelchair, t.baby_change, t.family_room, t.free][i]);
                tri_state(lang, field, label, value)
            }) }
            <button class="primary" type="submit">{ lang.t(Text::Save) }</button>
            <button type="button" onclick={cancel}>{ lang.t(Text::Cancel) }</button>
        </form>
    }
}
