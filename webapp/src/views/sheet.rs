//! A result in the list, and the detail sheet of one toilet: facilities
//! (unknown shown as unknown), hours, freshness, reports, navigation.

use chrono::Utc;
use yew::prelude::*;

use crate::{
    api, facility_icons,
    i18n::{Lang, Text},
    links,
    model::{NearbyResult, Status, Toilet},
};

pub(crate) fn open_badge(lang: Lang, r: &NearbyResult) -> Html {
    let (class, text) = match (&r.toilet.status, r.open_now) {
        (Status::TemporarilyClosed { .. }, _) => ("closed", Text::TemporarilyClosed),
        (_, Some(true)) => ("open", Text::OpenNow),
        (_, Some(false)) => ("closed", Text::ClosedNow),
        (_, None) => ("unknown", Text::HoursUnknown),
    };
    html! { <span class={classes!("badge", class)}>{ lang.t(text) }</span> }
}

pub(crate) fn result_item(
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

pub(crate) fn yes_no(lang: Lang, v: Option<bool>) -> &'static str {
    lang.t(match v {
        Some(true) => Text::Yes,
        Some(false) => Text::No,
        None => Text::Unknown,
    })
}

#[derive(Properties, PartialEq)]
pub(crate) struct SheetProps {
    pub(crate) lang: Lang,
    pub(crate) result: NearbyResult,
    pub(crate) csrf: Option<String>,
    pub(crate) on_close: Callback<()>,
}

/// What residents see of a toilet's reports: "reported closed", the last
/// open report, "fixed".
pub(crate) fn report_state(lang: Lang, t: &Toilet) -> Html {
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
pub(crate) fn detail_sheet(props: &SheetProps) -> Html {
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
    let send_report = |kind: gongce_shared::reports::ReportKind| {
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
                    { for gongce_shared::reports::ReportKind::ALL.iter().map(|&k| html! {
                        <button class="kind" data-kind={k.as_str()} onclick={send_report(k)}>{ lang.kind(k.as_str()) }</button>
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

/// Which of eight directions a bearing points to (0 = north, 2 = east …).
pub(crate) fn octant(bearing_deg: f64) -> u8 {
    ((bearing_deg.rem_euclid(360.0) / 45.0).round() as u8) % 8
}
