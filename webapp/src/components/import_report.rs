//! An upload's dry run: counts, every rejected row and why, and the
//! button that writes it.

use yew::prelude::*;

use crate::{
    i18n::{Lang, Text},
    model::ImportReport,
};

/// Rows of problems drawn; the rest are in the downloadable report.
const SHOWN: usize = 500;

/// The dry run's counts and problems; the button gives `on_confirm`.
pub(crate) fn import_report(lang: Lang, report: &ImportReport, on_confirm: &Callback<()>) -> Html {
    let c = report.counts;
    let confirm = {
        let on_confirm = on_confirm.clone();
        Callback::from(move |_: MouseEvent| on_confirm.emit(()))
    };
    html! {
        <div class="report">
            <p class="counts">{ format!("{}: {} · {}: {} · {}: {}", lang.t(Text::RowsRead), c.read, lang.t(Text::Toilets), c.venues, lang.t(Text::RowsRejected), c.rejected) }</p>
            <table>
                <thead><tr><th>{ lang.t(Text::Row) }</th><th>{ "id" }</th><th>{ lang.t(Text::Column) }</th><th>{ lang.t(Text::Value) }</th><th>{ lang.t(Text::Problem) }</th></tr></thead>
                <tbody>
                    { for report.issues.iter().take(SHOWN).map(|i| html! {
                        <tr class={i.severity.as_str()}>
                            <td>{ i.row }</td>
                            <td>{ i.external_id.clone().unwrap_or_default() }</td>
                            <td>{ &i.column }</td>
                            <td>{ &i.value }</td>
                            <td>{ &i.reason }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <button class="primary" onclick={confirm}>{ lang.t(Text::ConfirmImport) }</button>
        </div>
    }
}
