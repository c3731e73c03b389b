//! Walking directions handed to the resident's own map app.

use gongce_shared::LatLon;
use yew::prelude::*;

use crate::links;

/// One link per map app, to walk to `to`.
pub(crate) fn nav_links(to: LatLon, name: &str) -> Html {
    html! {
        <ul class="nav-links">
            { for links::navigation(to, name).into_iter().map(|l| html! {
                <li><a href={l.url} target="_blank" rel="noopener" data-app={l.app}>{ l.app }</a></li>
            }) }
        </ul>
    }
}
