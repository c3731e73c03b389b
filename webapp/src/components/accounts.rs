//! Admins: the organisations with their webhooks, and the accounts: list,
//! add, disable, reset a password, change a role or organisation.

use gongce_shared::{
    accounts::{Org, OrgKind, Role, User},
    reports::WebhookState,
};
use serde::Serialize;
use yew::prelude::*;

use crate::{
    api,
    components::form_data,
    context::{use_lang, use_session},
    i18n::{Lang, Text},
};

/// `POST /api/v1/orgs`, as the form has it: the server checks every field.
#[derive(Serialize)]
struct NewOrg {
    name: String,
    kind: String,
    street: Option<String>,
    district: Option<String>,
}

/// `POST /api/v1/users`.
#[derive(Serialize)]
struct NewUser {
    username: String,
    password: String,
    role: String,
    org_id: Option<i64>,
}

/// `PATCH /api/v1/users/{id}`: a blank password is left as it was.
#[derive(Serialize)]
struct UserEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_id: Option<i64>,
    disabled: bool,
}

#[derive(Serialize)]
struct OrgEdit {
    disabled: bool,
}

/// Which form an error belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    Org,
    User,
    Edit,
}

/// Sends a change; on success the lists are read again and `done` runs,
/// else the error shows in its form.
#[derive(Clone)]
struct Sender {
    version: UseStateHandle<u32>,
    error: UseStateHandle<Option<(Form, String)>>,
    csrf: String,
    lang: Lang,
}

impl Sender {
    fn send<B: Serialize + 'static>(
        &self,
        form: Form,
        url: String,
        change: bool,
        body: B,
        done: impl FnOnce() + 'static,
    ) {
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match api::save(&url, change, &body, &this.csrf).await {
                Ok(()) => {
                    this.error.set(None);
                    done();
                    this.version.set(*this.version + 1);
                }
                Err(e) => this.error.set(Some((form, this.lang.error(&e.detail)))),
            }
        });
    }
}

#[derive(Clone, Default, PartialEq)]
struct Lists {
    orgs: Vec<Org>,
    users: Vec<User>,
    hooks: Vec<WebhookState>,
}

fn kind_text(kind: OrgKind) -> Text {
    match kind {
        OrgKind::ResidentsCommittee => Text::OrgResidents,
        OrgKind::VillageCommittee => Text::OrgVillage,
        OrgKind::CommunityHospital => Text::OrgHospital,
        OrgKind::StreetOffice => Text::OrgStreetOffice,
        OrgKind::Other => Text::OrgOther,
    }
}

fn role_text(role: Role) -> Text {
    match role {
        Role::Admin => Text::RoleAdmin,
        Role::Committee => Text::RoleCommittee,
    }
}

/// A form field's text, trimmed; `None` when blank.
fn given(data: &web_sys::FormData, name: &str) -> Option<String> {
    let text = data.get(name).as_string()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// An "add" form's submit: the body from the form's fields; the form is
/// cleared once saved, and kept as typed when refused.
fn adding<B: Serialize + 'static>(
    sender: &Sender,
    form: Form,
    url: &'static str,
    body: fn(&web_sys::FormData) -> B,
) -> Callback<SubmitEvent> {
    let sender = sender.clone();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        let element = e.target_dyn_into::<web_sys::HtmlFormElement>();
        let Some(data) = form_data(element.clone()) else {
            return;
        };
        sender.send(form, url.into(), false, body(&data), move || {
            if let Some(f) = element {
                f.reset();
            }
        });
    })
}

fn role_select(lang: Lang, current: Role) -> Html {
    html! {
        <label>{ lang.t(Text::Role) }
            <select name="role">
                { for [Role::Committee, Role::Admin].map(|r| html! {
                    <option value={r.as_str()} selected={r == current}>{ lang.t(role_text(r)) }</option>
                }) }
            </select>
        </label>
    }
}

fn org_select(lang: Lang, orgs: &[Org], current: Option<i64>) -> Html {
    html! {
        <label>{ lang.t(Text::Organisation) }
            <select name="org_id">
                <option value="" selected={current.is_none()}>{ lang.t(Text::NoOrg) }</option>
                { for orgs.iter().map(|o| html! {
                    <option value={o.id.to_string()} selected={current == Some(o.id)}>{ &o.name }</option>
                }) }
            </select>
        </label>
    }
}

/// "webhook example.org · 失败 · 2 待发送 · 1 已放弃: <error>".
fn webhook_line(lang: Lang, hook: &WebhookState) -> Html {
    let state = match hook.state.as_str() {
        "ok" => Text::WebhookOk,
        "failing" => Text::WebhookFailing,
        _ => Text::WebhookFailed,
    };
    html! {
        <p class={classes!("webhook", hook.state.clone())}>
            { format!("Webhook {} · {} · {} {} · {} {}", hook.host, lang.t(state),
                lang.t(Text::WebhookPending), hook.pending, lang.t(Text::WebhookGivenUp), hook.failed) }
            if let Some(e) = &hook.last_error { <br /><small>{ e }</small> }
        </p>
    }
}

#[function_component(Accounts)]
pub(crate) fn accounts() -> Html {
    let lang = use_lang();
    let session = use_session();
    let lists = use_state(Lists::default);
    // Bumped after every change, to read the lists again.
    let version = use_state(|| 0u32);
    let error = use_state(|| None::<(Form, String)>);
    let editing = use_state(|| None::<i64>);
    let confirming = use_state(|| None::<i64>);
    {
        let lists = lists.clone();
        use_effect_with(*version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let (Ok(orgs), Ok(users), Ok(hooks)) =
                    (api::orgs().await, api::users().await, api::webhooks().await)
                {
                    lists.set(Lists { orgs, users, hooks });
                }
            });
        });
    }
    let Some(csrf) = session.csrf() else {
        return html! {};
    };
    let me = session.info().map(|s| s.user.id);
    let sender = Sender {
        version: version.clone(),
        error: error.clone(),
        csrf,
        lang,
    };
    let error_in = |form: Form| match &*error {
        Some((f, e)) if *f == form => html! { <p class="error" role="alert">{ e }</p> },
        _ => html! {},
    };
    let add_org = adding(&sender, Form::Org, "/api/v1/orgs", |data| NewOrg {
        name: given(data, "name").unwrap_or_default(),
        kind: given(data, "kind").unwrap_or_default(),
        street: given(data, "street"),
        district: given(data, "district"),
    });
    let add_user = adding(&sender, Form::User, "/api/v1/users", |data| NewUser {
        username: given(data, "username").unwrap_or_default(),
        password: data.get("password").as_string().unwrap_or_default(),
        role: given(data, "role").unwrap_or_default(),
        org_id: given(data, "org_id").and_then(|id| id.parse().ok()),
    });

    let org_row = |org: &Org| {
        let hook = lists.hooks.iter().find(|h| h.org_id == org.id);
        let place = [org.district.as_deref(), org.street.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let toggle = {
            let (sender, confirming) = (sender.clone(), confirming.clone());
            let (id, disabled) = (org.id, org.disabled);
            Callback::from(move |_: MouseEvent| {
                // Disabling asks once more; enabling does not.
                if !disabled && *confirming != Some(id) {
                    confirming.set(Some(id));
                    return;
                }
                let confirming = confirming.clone();
                let body = OrgEdit {
                    disabled: !disabled,
                };
                sender.send(
                    Form::Org,
                    format!("/api/v1/orgs/{id}"),
                    true,
                    body,
                    move || confirming.set(None),
                );
            })
        };
        let asking = *confirming == Some(org.id);
        html! {
            <li key={org.id} class={classes!(org.disabled.then_some("disabled"))}>
                <strong>{ &org.name }</strong>
                <span>{ lang.t(kind_text(org.kind)) }{ if place.is_empty() { String::new() } else { format!(" · {place}") } }</span>
                if org.disabled { <span class="badge">{ lang.t(Text::AccountDisabled) }</span> }
                if let Some(h) = hook { { webhook_line(lang, h) } }
                <button class={classes!(asking.then_some("danger"))} onclick={toggle}>
                    { lang.t(if org.disabled { Text::Enable } else if asking { Text::ConfirmDisable } else { Text::Disable }) }
                </button>
            </li>
        }
    };

    let user_row = |user: &User| {
        let org_name = user
            .org_id
            .and_then(|id| lists.orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone());
        let open = *editing == Some(user.id);
        let edit = {
            let (editing, id) = (editing.clone(), user.id);
            Callback::from(move |_: MouseEvent| editing.set((*editing != Some(id)).then_some(id)))
        };
        let save = {
            let (sender, editing, id) = (sender.clone(), editing.clone(), user.id);
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                let Some(data) = form_data(e.target_dyn_into()) else {
                    return;
                };
                let body = UserEdit {
                    password: data.get("password").as_string().filter(|p| !p.is_empty()),
                    role: given(&data, "role").unwrap_or_default(),
                    org_id: given(&data, "org_id").and_then(|id| id.parse().ok()),
                    disabled: data.get("disabled").as_string().is_some(),
                };
                let editing = editing.clone();
                sender.send(
                    Form::Edit,
                    format!("/api/v1/users/{id}"),
                    true,
                    body,
                    move || editing.set(None),
                );
            })
        };
        html! {
            <li key={user.id} class={classes!(user.disabled.then_some("disabled"))}>
                <strong>{ &user.username }</strong>
                <span>{ lang.t(role_text(user.role)) }{ org_name.map(|n| format!(" · {n}")).unwrap_or_default() }</span>
                if user.disabled { <span class="badge">{ lang.t(Text::AccountDisabled) }</span> }
                // An admin's own account is changed by another admin.
                if me != Some(user.id) {
                    <button aria-expanded={open.to_string()} onclick={edit}>{ lang.t(Text::Edit) }</button>
                }
                if open {
                    <form class="edit-user" onsubmit={save}>
                        { role_select(lang, user.role) }
                        { org_select(lang, &lists.orgs, user.org_id) }
                        <label>{ lang.t(Text::NewPassword) }
                            <input name="password" type="password" autocomplete="new-password" minlength="10" maxlength="256" />
                        </label>
                        <label class="check"><input type="checkbox" name="disabled" checked={user.disabled} />{ lang.t(Text::DisableAccount) }</label>
                        { error_in(Form::Edit) }
                        <button class="primary" type="submit">{ lang.t(Text::Save) }</button>
                    </form>
                }
            </li>
        }
    };

    html! {
        <section class="accounts">
            <h2>{ lang.t(Text::Organisations) }</h2>
            <ul class="orgs">{ for lists.orgs.iter().map(org_row) }</ul>
            { error_in(Form::Org) }
            <details>
                <summary>{ lang.t(Text::AddOrg) }</summary>
                <form class="new-org" onsubmit={add_org}>
                    <label>{ lang.t(Text::Name) }<input name="name" required=true maxlength="200" /></label>
                    <label>{ lang.t(Text::OrgKind) }
                        <select name="kind">
                            { for [OrgKind::ResidentsCommittee, OrgKind::VillageCommittee, OrgKind::CommunityHospital, OrgKind::StreetOffice, OrgKind::Other]
                                .map(|k| html! { <option value={k.as_str()}>{ lang.t(kind_text(k)) }</option> }) }
                        </select>
                    </label>
                    <label>{ lang.t(Text::District) }<input name="district" maxlength="100" /></label>
                    <label>{ lang.t(Text::Street) }<input name="street" maxlength="100" /></label>
                    <button class="primary" type="submit">{ lang.t(Text::AddOrg) }</button>
                </form>
            </details>
            <h2>{ lang.t(Text::Accounts) }</h2>
            <ul class="users">{ for lists.users.iter().map(user_row) }</ul>
            <details>
                <summary>{ lang.t(Text::AddUser) }</summary>
                <form class="new-user" onsubmit={add_user}>
                    <label>{ lang.t(Text::Username) }<input name="username" required=true minlength="2" maxlength="64" autocomplete="off" /></label>
                    <label>{ lang.t(Text::Password) }<input name="password" type="password" required=true minlength="10" maxlength="256" autocomplete="new-password" /></label>
                    { role_select(lang, Role::Committee) }
                    { org_select(lang, &lists.orgs, None) }
                    { error_in(Form::User) }
                    <button class="primary" type="submit">{ lang.t(Text::AddUser) }</button>
                </form>
            </details>
        </section>
    }
}
