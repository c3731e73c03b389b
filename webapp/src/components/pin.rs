//! Registering a toilet by its pin: tap the map, check the point, confirm
//! it, then name it. Nothing is saved before the pin is confirmed.

use yew::prelude::*;

use crate::{
    api,
    components::input_text,
    context::{use_lang, use_session},
    i18n::Text,
    model::{NewToilet, Placement},
};

#[derive(Properties, PartialEq)]
pub(crate) struct PinProps {
    pub(crate) placement: Placement,
    pub(crate) on_change: Callback<Placement>,
    /// Saved, or why not: a message for the committee.
    pub(crate) on_message: Callback<String>,
    pub(crate) on_saved: Callback<()>,
}

#[function_component(PinPlacement)]
pub(crate) fn pin_placement(props: &PinProps) -> Html {
    let lang = use_lang();
    let csrf = use_session().csrf().unwrap_or_default();
    let name = use_node_ref();
    let hours = use_node_ref();
    let boxes = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let go = |to: Placement| {
        let on_change = props.on_change.clone();
        Callback::from(move |_: MouseEvent| on_change.emit(to))
    };
    match props.placement {
        Placement::Off => html! {
            <button class="primary add" onclick={go(Placement::Tapping)}>{ lang.t(Text::AddToilet) }</button>
        },
        Placement::Tapping => html! {
            <>
                <p class="note pin-hint" role="status">{ lang.t(Text::TapTheMap) }</p>
                <button onclick={go(Placement::Off)}>{ lang.t(Text::Cancel) }</button>
            </>
        },
        Placement::Placed(at) => html! {
            <>
                <p class="note">{ format!("{:.5}, {:.5}", at.lat(), at.lon()) }</p>
                <button class="primary confirm-pin" onclick={go(Placement::Confirmed(at))}>{ lang.t(Text::ConfirmPin) }</button>
                <button onclick={go(Placement::Tapping)}>{ lang.t(Text::MovePin) }</button>
                <button onclick={go(Placement::Off)}>{ lang.t(Text::Cancel) }</button>
            </>
        },
        Placement::Confirmed(at) => {
            let save = {
                let (name, hours, boxes) = (name.clone(), hours.clone(), boxes.clone());
                let (on_change, on_message, on_saved) = (
                    props.on_change.clone(),
                    props.on_message.clone(),
                    props.on_saved.clone(),
                );
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let name = input_text(&name);
                    if name.trim().is_empty() {
                        on_message.emit(lang.t(Text::Name).to_owned());
                        return;
                    }
                    let checked = |r: &NodeRef| {
                        r.cast::<web_sys::HtmlInputElement>()
                            .is_some_and(|i| i.checked())
                            .then_some(true)
                    };
                    let draft = NewToilet {
                        name,
                        lat: at.lat(),
                        lon: at.lon(),
                        wheelchair: checked(&boxes[0]),
                        baby_change: checked(&boxes[1]),
                        family_room: checked(&boxes[2]),
                        free: checked(&boxes[3]),
                        opening_hours: Some(input_text(&hours)).filter(|h| !h.trim().is_empty()),
                    };
                    let (csrf, on_change, on_message, on_saved) = (
                        csrf.clone(),
                        on_change.clone(),
                        on_message.clone(),
                        on_saved.clone(),
                    );
                    wasm_bindgen_futures::spawn_local(async move {
                        match api::create_toilet(&draft, &csrf).await {
                            Ok(_) => {
                                on_message.emit(lang.t(Text::Saved).to_owned());
                                on_change.emit(Placement::Off);
                                on_saved.emit(());
                            }
                            Err(e) => on_message.emit(lang.error(&e.detail)),
                        }
                    });
                })
            };
            html! {
                <form class="toilet-form" onsubmit={save}>
                    <label>{ lang.t(Text::Name) }<input ref={name} name="name" required=true /></label>
                    <label>{ lang.t(Text::OpeningHours) }<input ref={hours} name="opening_hours" placeholder="Mo-Su 06:00-22:00" /></label>
                    <label class="check"><input type="checkbox" ref={boxes[0].clone()} name="wheelchair" />{ lang.t(Text::Wheelchair) }</label>
                    <label class="check"><input type="checkbox" ref={boxes[1].clone()} name="baby_change" />{ lang.t(Text::BabyChange) }</label>
                    <label class="check"><input type="checkbox" ref={boxes[2].clone()} name="family_room" />{ lang.t(Text::FamilyRoom) }</label>
                    <label class="check"><input type="checkbox" ref={boxes[3].clone()} name="free" />{ lang.t(Text::Free) }</label>
                    <button class="primary" type="submit">{ lang.t(Text::Save) }</button>
                    <button type="button" onclick={go(Placement::Off)}>{ lang.t(Text::Cancel) }</button>
                </form>
            }
        }
    }
}
