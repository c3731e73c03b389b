//! Reporting a problem (the button, the kind, then send, with a note that
//! 其他 needs), and "still correct", both without an account.

use gongce_shared::reports::{NOTE_MAX, ReportKind};
use yew::prelude::*;

use crate::{
    api::{self, ApiError},
    context::{use_lang, use_session},
    i18n::{Lang, Text},
    model::Toilet,
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
    /// The toilet as the server has it after a report or a confirmation.
    pub(crate) on_changed: Callback<Toilet>,
}

/// Where the resident is in reporting.
#[derive(Clone, Copy, PartialEq)]
enum Step {
    Idle,
    Choosing,
    /// A kind chosen: a note, then send or cancel.
    Confirming(ReportKind),
}

#[function_component(ReportPicker)]
pub(crate) fn report_picker(props: &ReportPickerProps) -> Html {
    let lang = use_lang();
    // Signed in, a confirmation goes with the session: an owner's also
    // answers closed reports.
    let csrf = use_session().csrf();
    let step = use_state(|| Step::Idle);
    let note = use_state(String::new);
    let message = use_state(|| None::<String>);
    let id = props.toilet;
    let go = |to: Step| {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| step.set(to))
    };
    // After a change, the views show the toilet as the server now has it.
    let changed = {
        let on_changed = props.on_changed.clone();
        move |t: Result<Toilet, ApiError>| {
            if let Ok(t) = t {
                on_changed.emit(t);
            }
        }
    };
    let send = {
        let (message, step, note, changed) =
            (message.clone(), step.clone(), note.clone(), changed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Step::Confirming(kind) = *step else {
                return;
            };
            let text = note.trim().to_owned();
            let (message, step, note, changed) =
                (message.clone(), step.clone(), note.clone(), changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let sent = api::report(id, kind, (!text.is_empty()).then_some(text)).await;
                let ok = sent.is_ok();
                message.set(Some(answer(lang, sent)));
                if ok {
                    step.set(Step::Idle);
                    note.set(String::new());
                    changed(api::toilet(id).await);
                }
            });
        })
    };
    let still_correct = {
        let message = message.clone();
        Callback::from(move |_: MouseEvent| {
            let (message, csrf, changed) = (message.clone(), csrf.clone(), changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let confirmed = api::confirm(id, csrf.as_deref()).await;
                message.set(Some(answer(lang, confirmed.clone())));
                changed(confirmed);
            });
        })
    };
    let on_note = {
        let note = note.clone();
        Callback::from(move |e: InputEvent| {
            note.set(
                e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                    .value(),
            )
        })
    };
    html! {
        <>
            if let Some(m) = &*message { <p class="note thanks" role="status">{ m }</p> }
            { match *step {
                Step::Idle => html! {
                    <div class="actions">
                        <button class="report" onclick={go(Step::Choosing)}>{ lang.t(Text::ReportProblem) }</button>
                        <button class="confirm" onclick={still_correct}>{ lang.t(Text::StillCorrect) }</button>
                    </div>
                },
                Step::Choosing => html! {
                    <div class="kinds" role="group" aria-label={lang.t(Text::ReportProblem)}>
                        { for ReportKind::ALL.iter().map(|&k| html! {
                            <button class="kind" data-kind={k.as_str()} onclick={go(Step::Confirming(k))}>{ lang.kind(k) }</button>
                        }) }
                        <button class="link" onclick={go(Step::Idle)}>{ lang.t(Text::Cancel) }</button>
                    </div>
                },
                Step::Confirming(kind) => {
                    // 其他 says nothing by itself: its note is needed.
                    let needs_note = kind == ReportKind::Other;
                    html! {
                        <form class="confirm-report" onsubmit={send}>
                            <p><strong>{ lang.kind(kind) }</strong></p>
                            <label>{ lang.t(if needs_note { Text::NoteNeeded } else { Text::NoteOptional }) }
                                <textarea name="note" maxlength={NOTE_MAX.to_string()} required={needs_note}
                                    value={(*note).clone()} oninput={on_note} />
                            </label>
                            <div class="actions">
                                <button type="submit" class="primary send">{ lang.t(Text::SendReport) }</button>
                                <button type="button" class="link" onclick={go(Step::Idle)}>{ lang.t(Text::Cancel) }</button>
                            </div>
                        </form>
                    }
                }
            } }
        </>
    }
}
