//! The pieces pages are made of. Those with state of their own are
//! function components, reading the language (and, where they write, the
//! session) from context; the rest are functions from their data to
//! `Html` (each component costs the app's download a few kilobytes).

use yew::NodeRef;

mod filters;
mod import_report;
mod nav_links;
mod pin;
mod queue;
mod report_picker;
mod results;
mod sheet;
mod signin;
mod stats;
mod toilet_form;

pub(crate) use filters::filter_chips;
pub(crate) use import_report::{changes, import_report};
pub(crate) use nav_links::nav_links;
pub(crate) use pin::PinPlacement;
pub(crate) use queue::ReportQueue;
pub(crate) use report_picker::ReportPicker;
pub(crate) use results::{open_badge, result_list};
pub(crate) use sheet::DetailSheet;
pub(crate) use signin::SignInForm;
pub(crate) use stats::Stats;
pub(crate) use toilet_form::ToiletForm;

/// An input's current text (empty when the ref is not an input).
pub(crate) fn input_text(input: &NodeRef) -> String {
    input
        .cast::<web_sys::HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// A form's fields as the browser would submit them.
pub(crate) fn form_data(form: Option<web_sys::HtmlFormElement>) -> Option<web_sys::FormData> {
    web_sys::FormData::new_with_form(&form?).ok()
}
