//! Hours without syntax: the same every day, weekdays and weekend, or day
//! by day; each open from–to, all day or closed. "填入" writes them into
//! the hours field as OSM syntax, shown in words first.

use yew::prelude::*;

use crate::{
    context::use_lang,
    hours::{DAYS, DayHours, to_osm},
    i18n::Text,
};

#[derive(Properties, PartialEq)]
pub(crate) struct HoursEditorProps {
    /// Gets the hours in OSM syntax.
    pub(crate) on_apply: Callback<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    EveryDay,
    WeekdaysWeekend,
    DayByDay,
}

impl Mode {
    /// The rows shown, as the first weekday each stands for.
    fn rows(self) -> &'static [usize] {
        match self {
            Mode::EveryDay => &[0],
            Mode::WeekdaysWeekend => &[0, 5],
            Mode::DayByDay => &[0, 1, 2, 3, 4, 5, 6],
        }
    }

    /// The row that sets weekday `d`.
    fn row_of(self, d: usize) -> usize {
        match self {
            Mode::EveryDay => 0,
            Mode::WeekdaysWeekend if d < 5 => 0,
            Mode::WeekdaysWeekend => 5,
            Mode::DayByDay => d,
        }
    }

    /// The days a row stands for, in OSM ("Mo-Fr").
    fn days(self, row: usize) -> String {
        match (self, row) {
            (Mode::EveryDay, _) => "Mo-Su".into(),
            (Mode::WeekdaysWeekend, 0) => "Mo-Fr".into(),
            (Mode::WeekdaysWeekend, _) => "Sa,Su".into(),
            (Mode::DayByDay, d) => DAYS[d].into(),
        }
    }
}

#[function_component(HoursEditor)]
pub(crate) fn hours_editor(props: &HoursEditorProps) -> Html {
    let lang = use_lang();
    let mode = use_state(|| Mode::EveryDay);
    // One setting per weekday; a mode reads the rows it shows.
    let days = use_state(|| vec![DayHours::Open("06:00".into(), "22:00".into()); 7]);
    let m = *mode;
    let week: [DayHours; 7] = std::array::from_fn(|d| days[m.row_of(d)].clone());
    let osm = to_osm(&week);

    let set = |row: usize, f: fn(&mut DayHours, String)| {
        let days = days.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .or_else(|| {
                    e.target_dyn_into::<web_sys::HtmlSelectElement>()
                        .map(|s| s.value())
                })
                .unwrap_or_default();
            let mut next = (*days).clone();
            f(&mut next[row], value);
            days.set(next);
        })
    };
    let row = |&r: &usize| {
        let label = lang.hours(&m.days(r));
        let (kind, from, to) = match &days[r] {
            DayHours::Closed => ("closed", "", ""),
            DayHours::AllDay => ("all_day", "", ""),
            DayHours::Open(f, t) => ("open", f.as_str(), t.as_str()),
        };
        html! {
            <fieldset class="hours-row">
                <legend>{ label.clone() }</legend>
                <select aria-label={label.clone()} onchange={set(r, |d, v| *d = match v.as_str() {
                    "closed" => DayHours::Closed,
                    "all_day" => DayHours::AllDay,
                    _ => DayHours::Open("06:00".into(), "22:00".into()),
                })}>
                    <option value="open" selected={kind == "open"}>{ lang.t(Text::OpenFromTo) }</option>
                    <option value="all_day" selected={kind == "all_day"}>{ lang.t(Text::AllDay) }</option>
                    <option value="closed" selected={kind == "closed"}>{ lang.t(Text::ClosedAllDay) }</option>
                </select>
                if kind == "open" {
                    <input type="time" value={from.to_owned()} aria-label={format!("{label} {}", lang.t(Text::From))}
                        onchange={set(r, |d, v| if let DayHours::Open(f, _) = d { *f = v })} />
                    <span aria-hidden="true">{ "–" }</span>
                    <input type="time" value={to.to_owned()} aria-label={format!("{label} {}", lang.t(Text::To))}
                        onchange={set(r, |d, v| if let DayHours::Open(_, t) = d { *t = v })} />
                }
            </fieldset>
        }
    };
    // Another mode starts from the week as it stands: day by day after
    // weekdays and weekend shows each weekday as the weekdays were.
    let choose = |which: Mode, text: Text| {
        let (mode, days, week) = (mode.clone(), days.clone(), week.clone());
        html! {
            <button type="button" class={classes!("chip", (m == which).then_some("on"))} aria-pressed={(m == which).to_string()}
                onclick={Callback::from(move |_| {
                    days.set(week.to_vec());
                    mode.set(which);
                })}>{ lang.t(text) }</button>
        }
    };
    // A time left blank cannot be written.
    let complete = week
        .iter()
        .all(|d| !matches!(d, DayHours::Open(f, t) if f.is_empty() || t.is_empty()));
    let apply = {
        let (on_apply, osm) = (props.on_apply.clone(), osm.clone());
        Callback::from(move |_: MouseEvent| on_apply.emit(osm.clone()))
    };
    html! {
        <details class="hours-editor">
            <summary>{ lang.t(Text::SetHoursByDay) }</summary>
            <div class="chips" role="group" aria-label={lang.t(Text::SetHoursByDay)}>
                { choose(Mode::EveryDay, Text::SameEveryDay) }
                { choose(Mode::WeekdaysWeekend, Text::WeekdaysAndWeekend) }
                { choose(Mode::DayByDay, Text::DayByDay) }
            </div>
            { for m.rows().iter().map(row) }
            if complete {
                <p class="hours-preview">{ lang.hours(&osm) }</p>
                <button type="button" class="apply-hours" onclick={apply}>{ lang.t(Text::UseTheseHours) }</button>
            }
        </details>
    }
}
