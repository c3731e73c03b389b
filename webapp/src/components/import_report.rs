//! An upload's dry run: counts, every rejected row and why, and the
//! button that writes it.

use yew::prelude::*;

use crate::{
    i18n::{Lang, Text},
    model::{ImportCounts, ImportReport},
};

/// Rows of problems drawn; the rest are in the downloadable report.
const SHOWN: usize = 500;

/// What an import does to the store, in words: "新增 2 · 更新 0 · 不变 3 · 移除 0".
pub(crate) fn changes(lang: Lang, c: &ImportCounts) -> String {
    [
        (Text::Inserted, c.inserted),
        (Text::Updated, c.updated),
        (Text::Unchanged, c.unchanged),
        (Text::RemovedCount, c.removed),
    ]
    .map(|(t, n)| format!("{} {n}", lang.t(t)))
    .join(" · ")
}

/// What the list gave, field by field: "已知（座数）: 无障碍设施 8748 · 免费 155 …".
fn known(lang: Lang, report: &ImportReport) -> Option<String> {
    let label = |field: &str| -> String {
        let text = match field {
            "name" => Text::Name,
            "address" => Text::Address,
            "wheelchair" => Text::Wheelchair,
            "baby_change" => Text::BabyChange,
            "family_room" => Text::FamilyRoom,
            "free" => Text::Free,
            "access" => Text::Access,
            "opening_hours" => Text::OpeningHours,
            "hours_note" => Text::HoursNote,
            "operator" => Text::Operator,
            "rooms" => Text::Rooms,
            other => {
                return gongce_shared::Fact::from_key(other)
                    .map_or(other, |f| lang.fact(f))
                    .to_owned();
            }
        };
        lang.t(text).to_owned()
    };
    let given: Vec<String> = report
        .known
        .iter()
        .filter(|k| k.toilets > 0)
        .map(|k| format!("{} {}", label(&k.field), k.toilets))
        .collect();
    (!given.is_empty()).then(|| format!("{}: {}", lang.t(Text::KnownValues), given.join(" · ")))
}

/// The dry run's counts and problems, and what confirming will do given
/// whether rows with problems are skipped (`skipping`); the button gives
/// `on_confirm`, and is not offered when confirming would write nothing.
pub(crate) fn import_report(
    lang: Lang,
    report: &ImportReport,
    skipping: bool,
    on_confirm: &Callback<()>,
) -> Html {
    let c = report.counts;
    let confirm = {
        let on_confirm = on_confirm.clone();
        Callback::from(move |_: MouseEvent| on_confirm.emit(()))
    };
    let blocked = c.rejected > 0 && !skipping;
    html! {
        <div class="report">
            <p class="counts">{ format!("{}: {} · {}: {} · {}: {}", lang.t(Text::RowsRead), c.read, lang.t(Text::Toilets), c.venues, lang.t(Text::RowsRejected), c.rejected) }</p>
            if let Some(known) = known(lang, report) { <p class="known">{ known }</p> }
            if blocked {
                <p class="will blocked" role="alert">{ lang.t(Text::WouldWriteNothing) }</p>
            } else {
                <p class="will">
                    { lang.t(Text::WillWrite) }{ changes(lang, &c) }
                    if c.rejected > 0 { { " · " }{ format!("{} {}", lang.t(Text::WillSkip), c.rejected) } }
                </p>
            }
            <table>
                <thead><tr><th>{ lang.t(Text::Row) }</th><th>{ "id" }</th><th>{ lang.t(Text::Column) }</th><th>{ lang.t(Text::Value) }</th><th>{ lang.t(Text::Problem) }</th></tr></thead>
                <tbody>
                    { for report.issues.iter().take(SHOWN).map(|i| html! {
                        <tr class={i.severity.as_str()}>
                            <td>{ i.row }</td>
                            <td>{ i.external_id.clone().unwrap_or_default() }</td>
                            <td>{ &i.column }</td>
                            <td>{ &i.value }</td>
                            <td>{ lang.import_problem(i) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if !report.preview.is_empty() {
                <h3>{ lang.t(Text::PreviewHeading) }</h3>
                <table class="preview">
                    <thead><tr><th>{ "id" }</th><th>{ lang.t(Text::Name) }</th><th>{ lang.t(Text::Address) }</th><th>{ lang.t(Text::Position) }</th><th>{ lang.t(Text::Facilities) }</th><th>{ lang.t(Text::OpeningHours) }</th></tr></thead>
                    <tbody>
                        { for report.preview.iter().map(|p| html! {
                            <tr>
                                <td>{ &p.external_id }</td>
                                <td>{ &p.name }</td>
                                <td>{ p.address.clone().unwrap_or_default() }</td>
                                <td>{ format!("{:.5}, {:.5}", p.lat, p.lon) }</td>
                                <td>{ for crate::facility_icons(p.wheelchair, p.baby_change, p.family_room, p.free)
                                    .into_iter().map(|(icon, text)| html! { <span role="img" aria-label={lang.t(text)} title={lang.t(text)}>{ icon }</span> }) }</td>
                                <td>{ p.opening_hours.clone().or_else(|| p.hours_note.clone()).unwrap_or_default() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            if !blocked { <button class="primary" onclick={confirm}>{ lang.t(Text::ConfirmImport) }</button> }
        </div>
    }
}
