//! Admins: uploading a list with its dry-run report, report statistics.

use gongce_shared::accounts::SessionInfo;
use yew::prelude::*;

use crate::{
    api,
    i18n::{Lang, Text},
};

#[derive(Properties, PartialEq)]
pub(crate) struct AdminProps {
    pub(crate) lang: Lang,
    pub(crate) session: Option<SessionInfo>,
}

#[function_component(AdminView)]
pub(crate) fn admin_view(props: &AdminProps) -> Html {
    let lang = props.lang;
    let source = use_node_ref();
    let file = use_node_ref();
    let crs = use_node_ref();
    let fix = use_node_ref();
    let skip = use_node_ref();
    let report = use_state(|| None::<crate::model::Upload>);
    let message = use_state(|| None::<String>);
    let Some(session) = props.session.clone() else {
        return html! {};
    };
    let check = {
        let (source, file, crs, fix, skip) = (
            source.clone(),
            file.clone(),
            crs.clone(),
            fix.clone(),
            skip.clone(),
        );
        let (report, message, csrf) = (report.clone(), message.clone(), session.csrf_token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = |r: &NodeRef| r.cast::<web_sys::HtmlInputElement>();
            let Some(chosen) = input(&file).and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                return;
            };
            let crs = crs
                .cast::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_else(|| "wgs84".into());
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair(
                "source",
                &input(&source).map(|i| i.value()).unwrap_or_default(),
            );
            q.append_pair("filename", &chosen.name());
            q.append_pair("crs", &crs);
            q.append_pair(
                "fix_swapped",
                &input(&fix).is_some_and(|i| i.checked()).to_string(),
            );
            q.append_pair(
                "skip_invalid",
                &input(&skip).is_some_and(|i| i.checked()).to_string(),
            );
            let query = q.finish();
            let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                message.set(Some(lang.t(Text::Loading).to_owned()));
                match api::upload(&chosen, &query, &csrf).await {
                    Ok(r) => {
                        message.set(None);
                        report.set(Some(r));
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        })
    };
    let confirm = {
        let (report, message, csrf) = (report.clone(), message.clone(), session.csrf_token.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(id) = report.as_ref().and_then(|r| r.import_id.clone()) else {
                return;
            };
            let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::commit(&id, &csrf).await {
                    Ok(done) => {
                        let c = done.report.counts;
                        message.set(Some(if done.report.written {
                            format!(
                                "{}: +{} / ~{} / ={} / −{}",
                                lang.t(Text::Imported),
                                c.inserted,
                                c.updated,
                                c.unchanged,
                                c.removed
                            )
                        } else {
                            lang.t(Text::NothingWritten).to_owned()
                        }));
                        report.set(None);
                    }
                    Err(e) => message.set(Some(e.message)),
                }
            });
        })
    };
    let table = match report.as_ref() {
        Some(r) => {
            let issues = &r.report.issues;
            let c = r.report.counts;
            html! {
                <div class="report">
                    <p class="counts">{ format!("{}: {} · {}: {} · {}: {}", lang.t(Text::RowsRead), c.read, lang.t(Text::Toilets), c.venues, lang.t(Text::RowsRejected), c.rejected) }</p>
                    <table>
                        <thead><tr><th>{ lang.t(Text::Row) }</th><th>{ "id" }</th><th>{ lang.t(Text::Column) }</th><th>{ lang.t(Text::Value) }</th><th>{ lang.t(Text::Problem) }</th></tr></thead>
                        <tbody>
                            { for issues.iter().take(500).map(|i| html! {
                                <tr class={i.severity.clone()}>
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
        None => html! {},
    };
    html! {
        <section class="admin">
            <h2>{ lang.t(Text::ImportList) }</h2>
            <form onsubmit={check}>
                <label>{ lang.t(Text::Source) }<input ref={source} name="source" required=true /></label>
                <label>{ lang.t(Text::File) }<input ref={file} type="file" name="file" accept=".csv,.xlsx,.xls,.geojson,.json" required=true /></label>
                <label>{ lang.t(Text::CoordinateSystem) }
                    <select ref={crs} name="crs">
                        <option value="wgs84" selected=true>{ "WGS-84 (GPS, OSM, 天地图)" }</option>
                        <option value="gcj02">{ "GCJ-02 (高德, 腾讯, 微信)" }</option>
                        <option value="bd09">{ "BD-09 (百度)" }</option>
                    </select>
                </label>
                <label class="check"><input type="checkbox" ref={fix} name="fix_swapped" />{ lang.t(Text::FixSwapped) }</label>
                <label class="check"><input type="checkbox" ref={skip} name="skip_invalid" />{ lang.t(Text::SkipInvalid) }</label>
                <button class="primary" type="submit">{ lang.t(Text::CheckFile) }</button>
            </form>
            if let Some(m) = &*message { <p class="note" role="status">{ m }</p> }
            { table }
            <Stats lang={lang} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct StatsProps {
    pub(crate) lang: Lang,
}

/// How fast each organisation answers its reports.
#[function_component(Stats)]
pub(crate) fn stats(props: &StatsProps) -> Html {
    let lang = props.lang;
    let stats = use_state(|| None::<gongce_shared::reports::ReportStats>);
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
