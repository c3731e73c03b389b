//! One page per tab. Each draws its own map: the markers, the pin and
//! what a tap does belong to the page; the map keeps its place across tabs.

mod admin;
mod committee;
mod find;

pub(crate) use admin::AdminPage;
pub(crate) use committee::CommitteePage;
pub(crate) use find::FindPage;
