//! Admins: uploading a list with its dry-run report, and how fast each
//! organisation answers its reports.

use yew::prelude::*;

use crate::{
    api,
    components::{Accounts, Stats, changes, import_report},
    context::{use_config, use_lang, use_session},
    i18n::Text,
    map::MapView,
    model::Upload,
};

#[function_component(AdminPage)]
pub(crate) fn admin_page() -> Html {
    let lang = use_lang();
    let config = use_config();
    let session = use_session();
    let source = use_node_ref();
    let file = use_node_ref();
    let crs = use_node_ref();
    let fix = use_node_ref();
    let skip = use_node_ref();
    // The dry run, and whether it was asked to skip rows with problems.
    let report = use_state(|| None::<(Upload, bool)>);
    let message = use_state(|| None::<String>);
    let Some(csrf) = session.csrf() else {
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
        let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
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
            let skipping = input(&skip).is_some_and(|i| i.checked());
            q.append_pair("skip_invalid", &skipping.to_string());
            let query = q.finish();
            let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                message.set(Some(lang.t(Text::Loading).to_owned()));
                match api::upload(&chosen, &query, &csrf).await {
                    Ok(r) => {
                        message.set(None);
                        report.set(Some((r, skipping)));
                    }
                    Err(e) => message.set(Some(lang.error(&e.detail))),
                }
            });
        })
    };
    let confirm = {
        let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
        Callback::from(move |_: ()| {
            let Some(id) = report.as_ref().and_then(|(r, _)| r.import_id.clone()) else {
                return;
            };
            let (report, message, csrf) = (report.clone(), message.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::commit(&id, &csrf).await {
                    Ok(done) => {
                        message.set(Some(if done.report.written {
                            format!(
                                "{}{}",
                                lang.t(Text::Imported),
                                changes(lang, &done.report.counts)
                            )
                        } else {
                            lang.t(Text::NothingWritten).to_owned()
                        }));
                        report.set(None);
                    }
                    Err(e) => message.set(Some(lang.error(&e.detail))),
                }
            });
        })
    };
    html! {
        <>
        <MapView tiles={config.map(|c| c.tiles)} />
        <main>
        <section class="admin">
            <h2>{ lang.t(Text::ImportList) }</h2>
            <form onsubmit={check}>
                <label>{ lang.t(Text::Source) }<input ref={source} name="source" required=true /></label>
                <label>{ lang.t(Text::File) }<input ref={file} type="file" name="file" accept=".csv,.xlsx,.xls,.geojson,.json,.pbf" required=true /></label>
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
            if let Some((r, skipping)) = &*report {
                { import_report(lang, &r.report, *skipping, &confirm) }
            }
            <Stats />
            <Accounts />
        </section>
        </main>
        </>
    }
}
