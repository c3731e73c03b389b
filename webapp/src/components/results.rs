//! The list of nearest toilets: distance, direction, open now, facilities.

use yew::prelude::*;

use crate::{
    facility_icons,
    i18n::{Lang, Text},
    model::{NearbyResult, Status},
};

/// Open (until when, if today), closed (opening when, if today), or hours
/// unknown, with a temporary closure first.
pub(crate) fn open_badge(lang: Lang, r: &NearbyResult) -> Html {
    let (class, text) = match (&r.toilet.status, r.open_now) {
        (Status::TemporarilyClosed { .. }, _) => ("closed", Text::TemporarilyClosed),
        (_, Some(true)) => ("open", Text::OpenNow),
        (_, Some(false)) => ("closed", Text::ClosedNow),
        // Hours known but not evaluated here (a toilet opened by its address).
        (_, None) if r.toilet.opening_hours.is_some() => return Html::default(),
        (_, None) => ("unknown", Text::HoursUnknown),
    };
    // The next change, when it is within a day: 营业至 18:00 / 08:00开放.
    let change = r
        .changes_at
        .filter(|at| (*at - chrono::Utc::now()).num_hours() < 24)
        .map(|at| crate::clock::local_hm(at, r.toilet.timezone.as_deref()));
    let said = match (change, r.open_now, &r.toilet.status) {
        (Some(hm), Some(true), Status::Open) => format!("{} {hm}", lang.t(Text::OpenUntil)),
        (Some(hm), Some(false), Status::Open) => {
            format!("{} · {}", lang.t(text), lang.opens_at(&hm))
        }
        _ => lang.t(text).to_owned(),
    };
    html! { <span class={classes!("badge", class)}>{ said }</span> }
}

/// Which of eight directions a bearing points to (0 = north, 2 = east …).
fn octant(bearing_deg: f64) -> u8 {
    ((bearing_deg.rem_euclid(360.0) / 45.0).round() as u8) % 8
}

/// The list; a tap on an entry gives `on_select` its toilet.
pub(crate) fn result_list(
    lang: Lang,
    results: &[NearbyResult],
    on_select: &Callback<NearbyResult>,
) -> Html {
    let item = |r: &NearbyResult| {
        let open = {
            let (on_select, r) = (on_select.clone(), r.clone());
            Callback::from(move |_: MouseEvent| on_select.emit(r.clone()))
        };
        let t = &r.toilet;
        let icons = facility_icons(t.wheelchair, t.baby_change, t.family_room, t.free);
        html! {
            <li>
                <button class="result" onclick={open} data-id={t.id.to_string()}>
                    <span class="name">{ t.name_in(lang) }</span>
                    <span class="meta">
                        if r.distance_m.is_finite() {
                            <span class="distance">{ lang.distance(r.distance_m) }</span>
                            <span class={classes!("bearing", format!("d{}", octant(r.bearing_deg)))} aria-hidden="true">{ "↑" }</span>
                            <span class="compass">{ lang.compass(r.bearing_deg) }</span>
                            <span class="walk">{ lang.walk(r.distance_m) }</span>
                        }
                        { open_badge(lang, r) }
                        if t.reports.reported_closed { <span class="badge closed reported">{ lang.t(Text::ReportedClosed) }</span> }
                        { for icons.iter().map(|(icon, text)| html! { <span class="icon" title={lang.t(*text)} aria-label={lang.t(*text)}>{ *icon }</span> }) }
                    </span>
                </button>
            </li>
        }
    };
    html! {
        <ol class="results">
            { for results.iter().map(item) }
        </ol>
    }
}
