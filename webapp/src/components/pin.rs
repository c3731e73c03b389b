//! Registering a toilet by its pin: tap the map, check the point, confirm
//! it (or start from where you stand), then fill in the toilet form.
//! Nothing is saved before the pin is confirmed.

use yew::prelude::*;

use gongce_shared::LatLon;

use crate::{components::ToiletForm, context::use_lang, i18n::Text, model::Placement};

#[derive(Properties, PartialEq)]
pub(crate) struct PinProps {
    pub(crate) placement: Placement,
    pub(crate) on_change: Callback<Placement>,
    /// Saved: the page says so and loads its toilets again.
    pub(crate) on_saved: Callback<()>,
    /// Where the committee member stands, if known: the pin may start there.
    pub(crate) me: Option<LatLon>,
}

#[function_component(PinPlacement)]
pub(crate) fn pin_placement(props: &PinProps) -> Html {
    let lang = use_lang();
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
                if let Some(me) = props.me {
                    <button class="pin-here" onclick={go(Placement::Placed(me))}>{ lang.t(Text::UseMyLocation) }</button>
                }
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
            let on_change = props.on_change.clone();
            let on_saved = props.on_saved.clone();
            let saved = Callback::from(move |()| {
                on_change.emit(Placement::Off);
                on_saved.emit(());
            });
            html! { <ToiletForm at={at} on_saved={saved} on_cancel={props.on_change.reform(|()| Placement::Off)} /> }
        }
    }
}
