//! The one form for a committee's toilet, new or existing: name, address,
//! hours (OSM syntax or as people write them, "每天 6:00-22:00"), the
//! facilities, each 未知 / 有 / 无, and under 更多设施信息 the detailed
//! facts (seated, stalls, grade, phone …). A refusal is said next to its
//! field, in the page's language; the typed text stays and the focus goes
//! there.

use gongce_shared::{
    DetailsChange, Fact, LatLon, ToiletName,
    api::ErrorDetail,
    details::{Kind, Value},
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

/// The basic text fields, by name.
const TEXTS: [&str; 3] = ["name", "address", "opening_hours"];

/// The facilities, by field name.
const FACTS: [(&str, Text); 4] = [
    ("wheelchair", Text::Wheelchair),
    ("baby_change", Text::BabyChange),
    ("family_room", Text::FamilyRoom),
    ("free", Text::Free),
];

/// The detailed facts typed rather than chosen: numbers and text.
fn typed_facts() -> impl Iterator<Item = Fact> {
    Fact::ALL.iter().copied().filter(|f| f.kind() != Kind::Tri)
}

/// Every typed field, by name: the basic ones, then the typed facts.
fn text_fields() -> impl Iterator<Item = &'static str> {
    TEXTS.into_iter().chain(typed_facts().map(Fact::key))
}

/// The typed fields as they stand now, in [`text_fields`]' order.
fn texts(form: &NodeRef) -> Option<Vec<String>> {
    let data = form_data(form.cast())?;
    Some(
        text_fields()
            .map(|f| data.get(f).as_string().unwrap_or_default())
            .collect(),
    )
}

/// The detailed facts as the form states them (unknown ones as `None`),
/// or the refusal of the first that does not read.
fn stated_facts(data: &web_sys::FormData) -> Result<DetailsChange, ErrorDetail> {
    Fact::ALL
        .iter()
        .map(|&fact| {
            let text = data.get(fact.key()).as_string().unwrap_or_default();
            let value = match fact.kind() {
                Kind::Tri => tri(Some(text)).map(Value::Bool),
                _ => fact.parse(&text).map_err(|e| ErrorDetail {
                    code: e.code.to_owned(),
                    message: e.reason,
                    field: Some(fact.key().to_owned()),
                    value: Some(e.value),
                    limit: e.limit,
                })?,
            };
            Ok((fact, value))
        })
        .collect::<Result<_, _>>()
        .map(DetailsChange)
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
    tri_state_labelled(lang, field, lang.t(label), value)
}

fn tri_state_labelled(lang: Lang, field: &'static str, label: &str, value: Option<bool>) -> Html {
    let (yes, no) = if field == "free" {
        (Text::IsYes, Text::IsNo)
    } else {
        (Text::Yes, Text::No)
    };
    html! {
        <label>{ label }
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
    let typed = use_mut_ref(|| None::<Vec<String>>);
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
            let details = match stated_facts(&data) {
                Ok(details) => details,
                Err(e) => return error.set(Some(e)),
            };
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
                            details,
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
                            // A new toilet states only what is known.
                            details: DetailsChange(
                                details.0.into_iter().filter(|(_, v)| v.is_some()).collect(),
                            ),
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
    let input = |field: &'static str,
                 label: String,
                 value: Option<String>,
                 max: usize,
                 required: bool| {
        let i = text_fields().position(|f| f == field).unwrap_or_default();
        let value = typed
            .borrow()
            .as_ref()
            .map_or(value, |t| Some(t[i].clone()));
        let invalid = at_field(field).is_some();
        let number = Fact::from_key(field).and_then(|f| match f.kind() {
            Kind::Count { max } => Some(max),
            _ => None,
        });
        html! {
            <label>{ label }
                <input name={field} value={value.unwrap_or_default()} maxlength={max.to_string()} {required}
                    type={number.map_or("text", |_| "number")} inputmode={number.map(|_| "numeric")}
                    min={number.map(|_| "0")} max={number.map(|m| m.to_string())}
                    placeholder={(field == "opening_hours").then_some("每天 6:00-22:00")}
                    aria-invalid={invalid.then_some("true")}
                    aria-describedby={invalid.then(|| format!("error-{field}"))} />
                { said(field) }
            </label>
        }
    };
    // A detailed fact's control: 未知 / 有 / 无, or its number or text.
    let fact_control = |fact: Fact| match fact.kind() {
        Kind::Tri => tri_state_labelled(
            lang,
            fact.key(),
            lang.fact(fact),
            t.and_then(|t| t.details.tri(fact)),
        ),
        Kind::Count { .. } => input(
            fact.key(),
            lang.fact(fact).to_owned(),
            t.and_then(|t| t.details.count(fact)).map(|n| n.to_string()),
            3,
            false,
        ),
        Kind::Text { max } => input(
            fact.key(),
            lang.fact(fact).to_owned(),
            t.and_then(|t| t.details.text(fact)).map(str::to_owned),
            max,
            false,
        ),
        Kind::Phone => input(
            fact.key(),
            lang.fact(fact).to_owned(),
            t.and_then(|t| t.details.text(fact)).map(str::to_owned),
            40,
            false,
        ),
    };
    // Open while a fact is refused, so its field can take the focus.
    let facts_open = err
        .as_ref()
        .and_then(|e| e.field.as_deref())
        .and_then(Fact::from_key)
        .is_some();
    let elsewhere = err.as_ref().filter(|e| {
        !e.field
            .as_deref()
            .is_some_and(|f| text_fields().any(|t| t == f))
    });
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
            { input("name", lang.t(Text::Name).to_owned(), t.map(|t| t.name.clone()), ToiletName::MAX_CHARS, true) }
            { input("address", lang.t(Text::Address).to_owned(), t.and_then(|t| t.address.clone()), ADDRESS_MAX, false) }
            { input("opening_hours", lang.t(Text::OpeningHours).to_owned(), t.and_then(|t| t.opening_hours.clone()), HOURS_NOTE_MAX, false) }
            <HoursEditor on_apply={apply_hours} />
            { for FACTS.iter().enumerate().map(|(i, &(field, label))| {
                let value = t.and_then(|t| [t.wheelchair, t.baby_change, t.family_room, t.free][i]);
                tri_state(lang, field, label, value)
            }) }
            <details class="more-facts" open={facts_open}>
                <summary>{ lang.t(Text::MoreFacts) }</summary>
                { for Fact::ALL.iter().map(|&f| fact_control(f)) }
            </details>
            <button class="primary" type="submit">{ lang.t(Text::Save) }</button>
            <button type="button" onclick={cancel}>{ lang.t(Text::Cancel) }</button>
        </form>
    }
}
