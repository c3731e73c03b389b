//! Walking directions handed to the resident's own map app.

use gongce_shared::LatLon;
use yew::prelude::*;

use crate::{
    i18n::{Lang, Text},
    links,
};

/// One link per map app, to walk to `to`; a `geo:` link opens whichever
/// map app the phone has.
pub(crate) fn nav_links(lang: Lang, to: LatLon, name: &str) -> Html {
    html! {
        <ul class="nav-links">
            { for links::navigation(to, name).into_iter().map(|l| html! {
                <li><a href={l.url} target="_blank" rel="noopener" data-app={l.app}>
                    { if l.app == "geo" { lang.t(Text::OtherMapApp) } else { l.app } }
                </a></li>
            }) }
        </ul>
    }
}
