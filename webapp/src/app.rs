//! The page's frame: the contexts every page reads, the header with its
//! tabs, and the chosen page.
//!
//! Residents get a build of the app without the committee and admin
//! screens; 登录 switches this device to the staff build (feature
//! `staff`, `gongce_staff.js`, which boot.js loads while the switch is
//! set) and signing out switches back.

use gongce_shared::accounts::SessionInfo;
use wasm_bindgen::JsCast as _;
use yew::prelude::*;

use crate::{
    api::{self, AppConfig},
    context::{Session, Shared, use_lang, use_lang_setting},
    hooks::{use_geolocation, use_persisted},
    i18n::{Lang, Text},
    pages::FindPage,
};
#[cfg(feature = "staff")]
use crate::{
    components::SignInForm,
    context::use_session,
    pages::{AdminPage, CommitteePage},
};

const LANG_KEY: &str = "gongce.lang";
/// Set while this device uses the staff build; boot.js reads it.
const STAFF_KEY: &str = "gongce.staff";

/// Switches this device to the staff build or back, and loads it.
fn switch_build(staff: bool) {
    use gloo_storage::Storage as _;
    if staff {
        let _ = gloo_storage::LocalStorage::set(STAFF_KEY, true);
    } else {
        gloo_storage::LocalStorage::delete(STAFF_KEY);
    }
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

#[cfg(feature = "staff")]
#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Find,
    Committee,
    Admin,
}

/// 简 / 繁 / EN, each named in its own language; the current one pressed.
fn lang_switch(lang: Lang, setting: &crate::context::LangSetting) -> Html {
    html! {
        <div class="langs" role="group" aria-label="简 / 繁 / English">
            { for Lang::ALL.into_iter().map(|choice| {
                let setting = setting.clone();
                // The name read out holds the text shown ("EN, English"), as
                // voice control users say what they see.
                let label = if choice.name().contains(choice.short_name()) {
                    choice.name().to_owned()
                } else {
                    format!("{}, {}", choice.short_name(), choice.name())
                };
                html! {
                    <button class="lang" lang={choice.tag()} aria-label={label}
                        aria-pressed={(choice == lang).to_string()}
                        onclick={Callback::from(move |_: MouseEvent| setting.set(choice))}>
                        { choice.short_name() }
                    </button>
                }
            }) }
        </div>
    }
}

fn browser_lang() -> Lang {
    let tag = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default();
    Lang::from_tag(&tag)
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.tag());
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let lang = use_persisted(LANG_KEY, browser_lang);
    let session = Session(use_state(|| None::<SessionInfo>));
    let config = use_state(|| None::<AppConfig>);
    let (located, relocate) = use_geolocation();
    {
        let (config, session) = (config.clone(), session.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(c) = api::config().await {
                    config.set(Some(c));
                }
                if let Ok(s) = api::session().await {
                    session.set(Some(s));
                }
            });
        });
    }
    set_document_lang(*lang);
    html! {
        <ContextProvider<Shared> context={Shared { lang, session, config: (*config).clone(), located, relocate }}>
            <Frame />
        </ContextProvider<Shared>>
    }
}

/// Past the header, the map and the filters, straight to the list.
fn skip_to_results(e: MouseEvent) {
    e.prevent_default();
    if let Some(h) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("nearest"))
        .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = h.focus();
    }
}

/// The residents' header and page; 登录 loads the staff build.
#[cfg(not(feature = "staff"))]
#[function_component(Frame)]
fn frame() -> Html {
    let lang = use_lang();
    let lang_setting = use_lang_setting();
    let t = |text| lang.t(text);
    html! {
        <div class="app">
            <a class="skip-link" href="#nearest" onclick={skip_to_results}>{ t(Text::SkipToResults) }</a>
            <header class="top">
                <h1>{ t(Text::AppName) }<small>{ t(Text::Tagline) }</small></h1>
                { lang_switch(lang, &lang_setting) }
                <button class="signin" onclick={Callback::from(|_| switch_build(true))}>{ t(Text::SignIn) }</button>
            </header>
            <FindPage />
        </div>
    }
}

/// The header with its tabs and the page of the chosen tab.
#[cfg(feature = "staff")]
#[function_component(Frame)]
fn frame() -> Html {
    let lang = use_lang();
    let lang_setting = use_lang_setting();
    let session = use_session();
    let tab = use_state(|| Tab::Find);
    // This build is loaded to sign in.
    let signing_in = use_state(|| true);
    let t = |text| lang.t(text);

    let tab_button = |which: Tab, label: Text| {
        let tab = tab.clone();
        let current = *tab == which;
        html! {
            <button class={classes!("tab", current.then_some("current"))} aria-pressed={current.to_string()}
                onclick={Callback::from(move |_| tab.set(which))}>
                { t(label) }
            </button>
        }
    };
    let sign_out = {
        let (session, tab) = (session.clone(), tab.clone());
        Callback::from(move |_: MouseEvent| {
            let (session, tab) = (session.clone(), tab.clone());
            if let Some(csrf) = session.csrf() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = api::sign_out(&csrf).await;
                    session.set(None);
                    tab.set(Tab::Find);
                    switch_build(false);
                });
            }
        })
    };
    let signed_in = {
        let (session, signing_in, tab) = (session.clone(), signing_in.clone(), tab.clone());
        Callback::from(move |s: SessionInfo| {
            session.set(Some(s));
            signing_in.set(false);
            tab.set(Tab::Committee);
        })
    };

    html! {
        <div class="app">
            if *tab == Tab::Find {
                <a class="skip-link" href="#nearest" onclick={skip_to_results}>{ t(Text::SkipToResults) }</a>
            }
            <header class="top">
                <h1>{ t(Text::AppName) }<small>{ t(Text::Tagline) }</small></h1>
                <nav class="tabs">
                    { tab_button(Tab::Find, Text::Residents) }
                    if session.info().is_some() {
                        { tab_button(Tab::Committee, Text::Committee) }
                        if session.is_admin() { { tab_button(Tab::Admin, Text::Admin) } }
                    }
                </nav>
                { lang_switch(lang, &lang_setting) }
                if session.info().is_none() {
                    // Tapped again, the form closes and the residents' build returns.
                    <button class="signin" aria-expanded={signing_in.to_string()}
                        onclick={{ let s = signing_in.clone(); Callback::from(move |_| if *s { switch_build(false) } else { s.set(true) }) }}>{ t(Text::SignIn) }</button>
                } else {
                    <button class="signin" onclick={sign_out}>{ t(Text::SignOut) }</button>
                }
            </header>
            if *signing_in && session.info().is_none() {
                <SignInForm on_done={signed_in} />
            }
            { match *tab {
                Tab::Find => html! { <FindPage /> },
                Tab::Committee => html! { <CommitteePage /> },
                Tab::Admin => html! { <AdminPage /> },
            } }
        </div>
    }
}
