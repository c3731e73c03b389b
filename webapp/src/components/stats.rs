//! How fast each organisation answers its reports.

use gongce_shared::reports::ReportStats;
use yew::prelude::*;

use crate::{api, context::use_lang, i18n::Text};

#[function_component(Stats)]
pub(crate) fn stats() -> Html {
    let lang = use_lang();
    let stats = use_state(|| None::<ReportStats>);
    {
        let stats = stats.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(s) = api::report_stats().await {
                    stats.set(Some(s));
                }
            });
        });
    }
    let Some(s) = stats.as_ref() else {
        return html! {};
    };
    let time = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |s| lang.duration(s));
    html! {
        <div class="stats">
            <h2>{ lang.t(Text::Statistics) }</h2>
            <table>
                <thead><tr>
                    <th>{ lang.t(Text::Organisation) }</th><th>{ lang.t(Text::OpenCount) }</th>
                    <th>{ lang.t(Text::Overdue) }</th><th>{ lang.t(Text::MedianAck) }</th><th>{ lang.t(Text::MedianResolve) }</th>
                </tr></thead>
                <tbody>
                    { for s.orgs.iter().map(|o| html! {
                        <tr data-org={o.org_id.to_string()}>
                            <td>{ &o.org_name }</td>
                            <td class="open">{ o.open }</td>
                            <td class="overdue">{ o.overdue }</td>
                            <td class="ack">{ time(o.median_ack_s) }</td>
                            <td class="resolve">{ time(o.median_resolve_s) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
