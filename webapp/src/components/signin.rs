//! Signing in.

use gongce_shared::accounts::SessionInfo;
use yew::prelude::*;

use crate::{api, components::input_text, context::use_lang, i18n::Text};

#[derive(Properties, PartialEq)]
pub(crate) struct SignInProps {
    pub(crate) on_done: Callback<SessionInfo>,
}

#[function_component(SignInForm)]
pub(crate) fn sign_in_form(props: &SignInProps) -> Html {
    let lang = use_lang();
    let username = use_node_ref();
    let password = use_node_ref();
    let error = use_state(|| None::<String>);
    let submit = {
        let (username, password, error, on_done) = (
            username.clone(),
            password.clone(),
            error.clone(),
            props.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (u, p) = (input_text(&username), input_text(&password));
            let (error, on_done) = (error.clone(), on_done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::sign_in(&u, &p).await {
                    Ok(s) => on_done.emit(s),
                    Err(e) => error.set(Some(lang.error(&e.detail))),
                }
            });
        })
    };
    html! {
        <form class="signin-form" onsubmit={submit}>
            <label>{ lang.t(Text::Username) }<input ref={username} name="username" autocomplete="username" required=true /></label>
            <label>{ lang.t(Text::Password) }<input ref={password} name="password" type="password" autocomplete="current-password" required=true /></label>
            if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
            <button type="submit">{ lang.t(Text::SignIn) }</button>
        </form>
    }
}
