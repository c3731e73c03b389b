//! One page per tab. Each draws its own map: the markers, the pin and
//! what a tap does belong to the page; the map keeps its place across tabs.

#[cfg(feature = "staff")]
mod admin;
#[cfg(feature = "staff")]
mod committee;
mod find;

#[cfg(feature = "staff")]
pub(crate) use admin::AdminPage;
#[cfg(feature = "staff")]
pub(crate) use committee::CommitteePage;
pub(crate) use find::FindPage;
