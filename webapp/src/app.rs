//! The page's frame: the contexts every page reads, the header with its
//! tabs, and the chosen page.

use gongce_shared::accounts::SessionInfo;
use wasm_bindgen::JsCast as _;
use yew::prelude::*;

use crate::{
    api::{self, AppConfig},
    components::SignInForm,
    context::{Session, Shared, use_lang, use_lang_setting, use_session},
    hooks::{use_geolocation, use_persisted},
    i18n::{Lang, Text},
    pages::{AdminPage, CommitteePage, FindPage},
};

const LANG_KEY: &str = "gongce.lang";

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Find,
    Committee,
    Admin,
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

/// The header and the page of the chosen tab.
#[function_component(Frame)]
fn frame() -> Html {
    let lang = use_lang();
    let lang_setting = use_lang_setting();
    let session = use_session();
    let tab = use_state(|| Tab::Find);
    let signing_in = use_state(|| false);
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
    let switch_lang = Callback::from(move |_: MouseEvent| lang_setting.set(lang_setting.other()));
    let sign_out = {
        let (session, tab) = (session.clone(), tab.clone());
        Callback::from(move |_: MouseEvent| {
            let (session, tab) = (session.clone(), tab.clone());
            if let Some(csrf) = session.csrf() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = api::sign_out(&csrf).await;
                    session.set(None);
                    tab.set(Tab::Find);
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

    // Past the header, the map and the filters, straight to the list.
    let skip = Callback::from(|e: MouseEvent| {
        e.prevent_default();
        if let Some(h) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("nearest"))
            .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = h.focus();
        }
    });

    html! {
        <div class="app">
            if *tab == Tab::Find {
                <a class="skip-link" href="#nearest" onclick={skip}>{ t(Text::SkipToResults) }</a>
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
                <button class="lang" onclick={switch_lang} lang={lang.other().tag()}>{ t(Text::SwitchLanguage) }</button>
                if session.info().is_none() {
                    <button class="signin" onclick={{ let s = signing_in.clone(); Callback::from(move |_| s.set(!*s)) }}>{ t(Text::SignIn) }</button>
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
