//! The data types the gongce server and web app both speak.
//!
//! Every type here validates on construction: a [`LatLon`] is always finite
//! and in range, an [`OpeningHours`] always parses, a [`ToiletName`] is never
//! blank. Nothing downstream checks again. This crate depends on nothing else
//! of ours and builds for `wasm32-unknown-unknown`.

pub mod accounts;
pub mod api;
pub mod crs;
pub mod details;
mod hours;
mod position;
pub mod reports;
pub mod rooms;
pub mod text;
mod toilet;

pub use crs::Crs;
pub use details::{Details, DetailsChange, Fact};
pub use hours::{HoursError, OpeningHours};
pub use position::{CoordError, LatLon};
pub use rooms::{Room, RoomKind};
pub use toilet::{
    Access, ParseError, Status, TimeZone, Toilet, ToiletId, ToiletName, integral, parse_tri_state,
    whole_number,
};
