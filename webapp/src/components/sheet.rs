//! The detail sheet of one toilet: facilities (unknown shown as unknown),
//! hours, freshness, reports, and the hand-off to a map app.

use chrono::Utc;
use yew::prelude::*;

use wasm_bindgen::JsCast as _;

use gongce_shared::{Fact, details::Value};

use crate::{
    components::{ReportPicker, nav_links, open_badge},
    context::use_lang,
    i18n::{Lang, Text},
    model::{NearbyResult, Status, Toilet},
};

/// 有/无 for a facility, 是/否 for a yes-or-no question (`is`).
fn yes_no(lang: Lang, v: Option<bool>, is: bool) -> &'static str {
    lang.t(match (v, is) {
        (Some(true), false) => Text::Yes,
        (Some(false), false) => Text::No,
        (Some(true), true) => Text::IsYes,
        (Some(false), true) => Text::IsNo,
        (None, _) => Text::Unknown,
    })
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
            if let (true, Some(kind), Some(at)) = (r.open > 0, r.last_kind, r.last_at) {
                <p class="last-report">{ format!("{}: {} · {}", lang.t(Text::OpenReports), lang.kind(kind), lang.ago((now - at).num_minutes())) }</p>
            }
            if let Some(at) = r.fixed_at {
                <p class="fixed">{ format!("{} {}", lang.t(Text::FixedOn), lang.days_ago((now - at).num_days())) }</p>
            }
        </>
    }
}

/// The detailed facts known, one row each (unknown ones are left out:
/// most lists record few of them). The names in English are shown as the
/// name and address instead.
fn detail_rows(lang: Lang, t: &Toilet) -> Html {
    let row = |fact: Fact, value: Html| {
        html! {
            <div class="row" data-fact={fact.key()}><dt>{ lang.fact(fact) }</dt><dd>{ value }</dd></div>
        }
    };
    t.details
        .iter()
        .filter(|(f, _)| !matches!(f, Fact::NameEn | Fact::AddressEn))
        .map(|(fact, value)| match value {
            Value::Bool(b) => row(fact, html! { yes_no(lang, Some(b), false) }),
            Value::Count(n) if fact == Fact::DoorWidthCm => {
                let sep = lang.unit_gap();
                row(
                    fact,
                    html! { format!("{n}{sep}{}", lang.t(Text::Centimetres)) },
                )
            }
            Value::Count(n) => row(fact, html! { n.to_string() }),
            Value::Text(text) if fact == Fact::Phone => row(
                fact,
                html! { <a href={tel_link(&text)}>{ text.to_string() }</a> },
            ),
            Value::Text(text) => row(fact, html! { text.to_string() }),
        })
        .collect()
}

/// The venue's rooms by kind, as a sign would list them: "男廁 · 女廁 ·
/// 無障礙廁所"; a kind listed twice, twice.
fn rooms(lang: Lang, t: &Toilet) -> String {
    let kinds: Vec<&str> = t.details.rooms.iter().map(|r| lang.room(r.kind)).collect();
    kinds.join(" · ")
}

/// A `tel:` link to the first number of a phone field: its digits and a
/// leading `+` (the server allows nothing else in a number but separators
/// and an extension, which is left out).
fn tel_link(phone: &str) -> String {
    let first = phone
        .split(['转', '轉', ',', ';', '/', 'x', 'e'])
        .next()
        .unwrap_or_default();
    let digits: String = first
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

#[derive(Properties, PartialEq)]
pub(crate) struct DetailSheetProps {
    pub(crate) result: NearbyResult,
    /// ✕ or Esc.
    pub(crate) on_close: Callback<()>,
    /// A report or confirmation changed the toilet: here it is as the server has it now.
    pub(crate) on_changed: Callback<Toilet>,
}

/// The sheet over the map. Opened, it takes the focus (a dialog); closed,
/// it gives the focus back to where it was, the entry tapped.
#[function_component(DetailSheet)]
pub(crate) fn detail_sheet(props: &DetailSheetProps) -> Html {
    let lang = use_lang();
    let r = &props.result;
    let t = &r.toilet;
    let english = lang == Lang::En;
    let sheet = use_node_ref();
    {
        let sheet = sheet.clone();
        use_effect_with(t.id, move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let before = document.as_ref().and_then(|d| d.active_element());
            if let Some(s) = sheet.cast::<web_sys::HtmlElement>() {
                let _ = s.focus();
            }
            move || {
                if let Some(e) = before.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = e.focus();
                }
            }
        });
    }
    // A control that goes away with the focus in it (the report form once
    // sent) leaves the focus on the page: it comes back to the sheet, so
    // that Esc and Tab still work in the dialog.
    {
        let sheet = sheet.clone();
        use_effect(move || {
            let lost = web_sys::window()
                .and_then(|w| w.document())
                .is_none_or(|d| {
                    d.active_element()
                        .is_none_or(|a| Some(a) == d.body().map(Into::into))
                });
            if lost && let Some(s) = sheet.cast::<web_sys::HtmlElement>() {
                let _ = s.focus();
            }
        });
    }
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let escape = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                on_close.emit(());
            }
        })
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
    html! {
        <aside class="sheet" role="dialog" aria-modal="true" aria-label={t.name_in(lang)}
            ref={sheet} tabindex="-1" onkeydown={escape}>
            <header>
                <h2>{ t.name_in(lang) }</h2>
                <button class="close" onclick={close} aria-label={lang.t(Text::Close)}>{ "✕" }</button>
            </header>
            <p>
                if r.distance_m.is_finite() { { lang.distance(r.distance_m) }{ " · " }{ lang.compass(r.bearing_deg) }{ " · " }{ lang.walk(r.distance_m) }{ " " } }
                { open_badge(lang, r) }
            </p>
            if let Status::TemporarilyClosed { reason, until } = &t.status {
                <p class="closed-note">{ lang.t(Text::TemporarilyClosed) }{ ": " }{ reason }
                    if let Some(u) = until { { " (" }{ lang.t(Text::Until) }{ " " }{ crate::clock::local_time(*u, t.timezone.as_deref(), lang) }{ ")" } }
                </p>
            }
            { report_state(lang, t) }
            <dl>
                { row(Text::Wheelchair, yes_no(lang, t.wheelchair, false).to_owned()) }
                { row(Text::BabyChange, yes_no(lang, t.baby_change, false).to_owned()) }
                { row(Text::FamilyRoom, yes_no(lang, t.family_room, false).to_owned()) }
                { row(Text::Free, yes_no(lang, t.free, true).to_owned()) }
                { row(Text::OpeningHours, t.opening_hours.as_deref().map_or_else(|| lang.t(Text::Unknown).to_owned(), |h| lang.hours(h))) }
                if let Some(note) = &t.hours_note { { row(Text::HoursNote, note.clone()) } }
                if let Some(a) = t.address_in(english) { { row(Text::Address, a.to_owned()) } }
                if let Some(o) = &t.operator { { row(Text::Operator, o.clone()) } }
                if !t.details.rooms.is_empty() { { row(Text::Rooms, rooms(lang, t)) } }
                { detail_rows(lang, t) }
            </dl>
            <p class="fresh">{ verified }</p>
            <ReportPicker toilet={t.id} on_changed={props.on_changed.clone()} />
            <h3>{ lang.t(Text::Navigate) }</h3>
            { nav_links(lang, t.position(), &t.name_in(lang)) }
        </aside>
    }
}
