//! Reporting a problem in two taps (the button, the kind), and "still
//! correct", both without an account.

use gongce_shared::reports::ReportKind;
use yew::prelude::*;

use crate::{
    api::{self, ApiError},
    context::{use_lang, use_session},
    i18n::{Lang, Text},
};

fn answer<T>(lang: Lang, result: Result<T, ApiError>) -> String {
    match result {
        Ok(_) => lang.t(Text::Thanks).to_owned(),
        Err(e) => lang.error(&e.detail),
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct ReportPickerProps {
    pub(crate) toilet: i64,
}

#[function_component(ReportPicker)]
pub(crate) fn report_picker(props: &ReportPickerProps) -> Html {
    let lang = use_lang();
    // Signed in, a confirmation goes with the session: an owner's also
    // answers closed reports.
    let csrf = use_session().csrf();
    let picking = use_state(|| false);
    let message = use_state(|| None::<String>);
    let id = props.toilet;
    let send_report = |kind: ReportKind| {
        let (message, picking) = (message.clone(), picking.clone());
        Callback::from(move |_: MouseEvent| {
            let (message, picking) = (message.clone(), picking.clone());
            wasm_bindgen_futures::spawn_local(async move {
                message.set(Some(answer(lang, api::report(id, kind).await)));
                picking.set(false);
            });
        })
    };
    let still_correct = {
        let message = message.clone();
        Callback::from(move |_: MouseEvent| {
            let (message, csrf) = (message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                message.set(Some(answer(lang, api::confirm(id, csrf.as_deref()).await)));
            });
        })
    };
    html! {
        <>
            if let Some(m) = &*message { <p class="note thanks" role="status">{ m }</p> }
            if *picking {
                <div class="kinds" role="group" aria-label={lang.t(Text::ReportProblem)}>
                    { for ReportKind::ALL.iter().map(|&k| html! {
                        <button class="kind" data-kind={k.as_str()} onclick={send_report(k)}>{ lang.kind(k) }</button>
                    }) }
                </div>
            } else {
                <div class="actions">
                    <button class="report" onclick={{ let p = picking.clone(); Callback::from(move |_| p.set(true)) }}>{ lang.t(Text::ReportProblem) }</button>
                    <button class="confirm" onclick={still_correct}>{ lang.t(Text::StillCorrect) }</button>
                </div>
            }
        </>
    }
}
