//! An organisation's queue of residents' reports, to acknowledge and
//! resolve.

use chrono::Utc;
use gongce_shared::reports::{Report, ReportState};
use yew::prelude::*;

use crate::{
    api::{self, Answer},
    context::{use_lang, use_session},
    i18n::Text,
};

#[derive(Properties, PartialEq)]
pub(crate) struct QueueProps {
    /// Called after an answer, as it may change the toilets' state.
    pub(crate) on_changed: Callback<()>,
}

#[function_component(ReportQueue)]
pub(crate) fn report_queue(props: &QueueProps) -> Html {
    let lang = use_lang();
    let session = use_session();
    let reports = use_state(Vec::<Report>::new);
    // Each report's own resolution note, as typed (a shared box once
    // stored one report's note on the next one resolved).
    let notes = use_mut_ref(std::collections::HashMap::<i64, String>::new);
    let reload = {
        let (reports, org) = (reports.clone(), session.org_id());
        Callback::from(move |_: ()| {
            let reports = reports.clone();
            if let Some(org) = org {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(list) = api::org_reports(org).await {
                        reports.set(
                            list.into_iter()
                                .filter(|r| r.state != ReportState::Resolved)
                                .collect(),
                        );
                    }
                });
            }
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let typed = |id: i64| {
        let notes = notes.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                notes.borrow_mut().insert(id, input.value());
            }
        })
    };
    let act = |id: i64, resolve: bool| {
        let (csrf, reload, on_changed, notes) = (
            session.csrf().unwrap_or_default(),
            reload.clone(),
            props.on_changed.clone(),
            notes.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let answer = if resolve {
                let text = notes.borrow_mut().remove(&id).unwrap_or_default();
                Answer::Resolve(Some(text).filter(|v| !v.trim().is_empty()))
            } else {
                Answer::Acknowledge
            };
            let (csrf, reload, on_changed) = (csrf.clone(), reload.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::answer_report(id, answer, &csrf).await;
                reload.emit(());
                on_changed.emit(());
            });
        })
    };
    let now = Utc::now();
    html! {
        <div class="queue">
            <h3>{ lang.t(Text::ReportQueue) }</h3>
            if reports.is_empty() { <p class="note">{ lang.t(Text::NoReports) }</p> }
            <ul class="reports">
                { for reports.iter().map(|r| html! {
                    <li key={r.id} data-report={r.id.to_string()} class={r.state.as_str()}>
                        <span class="name">{ format!("{} · {}", if r.toilet_name.is_empty() { lang.t(Text::Toilet) } else { &r.toilet_name }, lang.kind(r.kind)) }</span>
                        <span class="meta">{ lang.ago((now - r.created_at).num_minutes()) }</span>
                        if let Some(n) = &r.note { <span class="report-note">{ n }</span> }
                        if let Some(c) = &r.contact { <span class="contact">{ c }</span> }
                        if r.state == ReportState::Open {
                            <button class="acknowledge" onclick={act(r.id, false)}>{ lang.t(Text::Acknowledge) }</button>
                        }
                        <label>{ lang.t(Text::ResolutionNote) }<input name="resolution" oninput={typed(r.id)} /></label>
                        <button class="resolve primary" onclick={act(r.id, true)}>{ lang.t(Text::Resolve) }</button>
                    </li>
                }) }
            </ul>
        </div>
    }
}
