//! An organisation's queue of residents' reports.

use chrono::Utc;
use gongce_shared::accounts::SessionInfo;
use yew::prelude::*;

use crate::{
    api,
    i18n::{Lang, Text},
};

#[derive(Properties, PartialEq)]
pub(crate) struct QueueProps {
    pub(crate) lang: Lang,
    pub(crate) session: SessionInfo,
    pub(crate) on_changed: Callback<()>,
}

/// The reports on the organisation's toilets, to acknowledge and resolve.
#[function_component(ReportQueue)]
pub(crate) fn report_queue(props: &QueueProps) -> Html {
    let lang = props.lang;
    let reports = use_state(Vec::<crate::model::Report>::new);
    let note = use_node_ref();
    let reload = {
        let reports = reports.clone();
        let org = props.session.user.org_id;
        Callback::from(move |_: ()| {
            let reports = reports.clone();
            if let Some(org) = org {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(list) = api::org_reports(org).await {
                        reports.set(list.into_iter().filter(|r| r.state != "resolved").collect());
                    }
                });
            }
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let act = |id: i64, action: &'static str| {
        let (csrf, reload, on_changed, note) = (
            props.session.csrf_token.clone(),
            reload.clone(),
            props.on_changed.clone(),
            note.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let text = note
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .filter(|v| !v.trim().is_empty());
            let (csrf, reload, on_changed) = (csrf.clone(), reload.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::answer_report(id, action, text, &csrf).await;
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
            <label>{ lang.t(Text::ResolutionNote) }<input ref={note.clone()} name="resolution" /></label>
            <ul class="reports">
                { for reports.iter().map(|r| html! {
                    <li data-report={r.id.to_string()} class={r.state.clone()}>
                        <span class="name">{ format!("{} · {}", r.toilet_name, lang.kind(&r.kind)) }</span>
                        <span class="meta">{ lang.ago((now - r.created_at).num_hours()) }</span>
                        if let Some(n) = &r.note { <span class="report-note">{ n }</span> }
                        if let Some(c) = &r.contact { <span class="contact">{ c }</span> }
                        if r.state == "open" {
                            <button class="acknowledge" onclick={act(r.id, "acknowledge")}>{ lang.t(Text::Acknowledge) }</button>
                        }
                        <button class="resolve primary" onclick={act(r.id, "resolve")}>{ lang.t(Text::Resolve) }</button>
                    </li>
                }) }
            </ul>
        </div>
    }
}
