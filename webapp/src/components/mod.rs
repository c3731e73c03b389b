//! The pieces pages are made of. Those with state of their own are
//! function components, reading the language (and, where they write, the
//! session) from context; the rest are functions from their data to
//! `Html` (each component costs the app's download a few kilobytes).

#[cfg(feature = "staff")]
mod accounts;
mod filters;
#[cfg(feature = "staff")]
mod hours_editor;
#[cfg(feature = "staff")]
mod import_report;
mod nav_links;
#[cfg(feature = "staff")]
mod pin;
#[cfg(feature = "staff")]
mod queue;
mod report_picker;
mod results;
mod sheet;
#[cfg(feature = "staff")]
mod signin;
#[cfg(feature = "staff")]
mod stats;
#[cfg(feature = "staff")]
mod toilet_form;

#[cfg(feature = "staff")]
pub(crate) use accounts::Accounts;
pub(crate) use filters::filter_chips;
#[cfg(feature = "staff")]
pub(crate) use hours_editor::HoursEditor;
#[cfg(feature = "staff")]
pub(crate) use import_report::{changes, import_report};
pub(crate) use nav_links::nav_links;
#[cfg(feature = "staff")]
pub(crate) use pin::PinPlacement;
#[cfg(feature = "staff")]
pub(crate) use queue::ReportQueue;
pub(crate) use report_picker::ReportPicker;
pub(crate) use results::{open_badge, result_list};
pub(crate) use sheet::DetailSheet;
#[cfg(feature = "staff")]
pub(crate) use signin::SignInForm;
#[cfg(feature = "staff")]
pub(crate) use stats::Stats;
#[cfg(feature = "staff")]
pub(crate) use toilet_form::ToiletForm;

/// An input's current text (empty when the ref is not an input).
#[cfg(feature = "staff")]
pub(crate) fn input_text(input: &yew::NodeRef) -> String {
    input
        .cast::<web_sys::HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// A form's fields as the browser would submit them.
pub(crate) fn form_data(form: Option<web_sys::HtmlFormElement>) -> Option<web_sys::FormData> {
    web_sys::FormData::new_with_form(&form?).ok()
}
