//! The facility filter chips; each tap searches again.

use gongce_shared::api::{Filter, Filters};
use yew::prelude::*;

use crate::i18n::{Lang, Text};

fn label(filter: Filter) -> Text {
    match filter {
        Filter::Wheelchair => Text::FilterWheelchair,
        Filter::BabyChange => Text::FilterBabyChange,
        Filter::FamilyRoom => Text::FilterFamilyRoom,
        Filter::Free => Text::FilterFree,
        Filter::Seated => Text::FilterSeated,
        Filter::StepFree => Text::FilterStepFree,
        Filter::AdultChanging => Text::FilterAdultChanging,
        Filter::OpenNow => Text::FilterOpenNow,
        Filter::HideReportedClosed => Text::HideReportedClosed,
        Filter::IncludeUnknown => Text::IncludeUnknown,
    }
}

/// One chip per filter, in `order` (包括未知 only while a fact is asked
/// for); a tap gives `on_change` the filters with that one turned over.
pub(crate) fn filter_chips(
    lang: Lang,
    filters: Filters,
    order: &[Filter],
    on_change: &Callback<Filters>,
) -> Html {
    let chip = |filter: Filter| {
        let on = filters.is_on(filter);
        let toggle = {
            let on_change = on_change.clone();
            Callback::from(move |_: MouseEvent| {
                let mut next = filters;
                *next.flag(filter) = !on;
                on_change.emit(next);
            })
        };
        html! {
            <button class={classes!("chip", on.then_some("on"))} aria-pressed={on.to_string()}
                data-filter={filter.name()} onclick={toggle}>{ lang.t(label(filter)) }</button>
        }
    };
    html! {
        <div class="chips" role="group" aria-label={lang.t(Text::Filters)}>
            { for order.iter().copied().filter(|&f| f != Filter::IncludeUnknown || filters.asks_facts()).map(chip) }
        </div>
    }
}
