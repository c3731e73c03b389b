//! The rooms of a venue. Lists such as Taiwan's give one row per room
//! ("臺中火車站北側2F-男廁", "…-女廁", "…-無障礙廁所"); an import makes one
//! toilet of them and keeps each room, with its kind, its id in the list
//! and its own facts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a room is for.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// 男廁
    Male,
    /// 女廁
    Female,
    /// 無障礙廁所: wheelchair accessible.
    Accessible,
    /// 親子廁所 / 第三卫生间 / 母婴室: for parents with children, or carers.
    Family,
    /// 性別友善 / 混合: for anyone.
    Unisex,
    #[default]
    Other,
}

impl RoomKind {
    /// Its name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Male => "male",
            RoomKind::Female => "female",
            RoomKind::Accessible => "accessible",
            RoomKind::Family => "family",
            RoomKind::Unisex => "unisex",
            RoomKind::Other => "other",
        }
    }

    /// The kind a room label names ("女廁所", "無障礙", "性别友善厕所",
    /// "Male" …), in either script or English; `Other` for a label that
    /// names none, and for one that names several ("男女廁").
    pub fn of(label: &str) -> RoomKind {
        let lower = label.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        let kinds = [
            (
                RoomKind::Accessible,
                has(&[
                    "無障礙",
                    "无障碍",
                    "殘障",
                    "残障",
                    "accessible",
                    "wheelchair",
                ]),
            ),
            (
                RoomKind::Family,
                has(&[
                    "親子",
                    "亲子",
                    "母嬰",
                    "母婴",
                    "第三卫生间",
                    "第三衛生間",
                    "家庭",
                    "family",
                ]),
            ),
            (
                RoomKind::Unisex,
                has(&[
                    "性別友善",
                    "性别友善",
                    "混合",
                    "unisex",
                    "all gender",
                    "all-gender",
                ]),
            ),
            (
                RoomKind::Female,
                has(&["女", "female", "women", "ladies"]) && !has(&["男女"]),
            ),
            (
                RoomKind::Male,
                (has(&["男", "gents"])
                    || lower
                        .split(|c: char| !c.is_alphabetic())
                        .any(|w| w == "male" || w == "men"))
                    && !has(&["男女"]),
            ),
        ];
        // A facility word wins over a sex ("女廁無障礙" is an accessible room).
        kinds
            .into_iter()
            .find(|(_, found)| *found)
            .map_or(RoomKind::Other, |(kind, _)| kind)
    }
}

/// One room of a venue, as its list describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Room {
    pub kind: RoomKind,
    /// The room's id in its list; the venue's own `external_id` is the
    /// smallest of its rooms'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The room's name in its list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The room's own facts, present only when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wheelchair: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baby_change: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_room: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<bool>,
}

impl Room {
    /// The order rooms are kept in: by kind, then id, so a list giving
    /// them in another order stores the same venue.
    pub fn sort(rooms: &mut [Room]) {
        rooms.sort_by(|a, b| {
            (a.kind, &a.external_id, &a.name).cmp(&(b.kind, &b.external_id, &b.name))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_labels_name_their_kind_in_either_script_and_english() {
        for (label, kind) in [
            ("男廁所", RoomKind::Male),
            ("女廁", RoomKind::Female),
            ("女厕所", RoomKind::Female),
            ("無障礙廁所", RoomKind::Accessible),
            ("无障碍厕所", RoomKind::Accessible),
            ("親子廁所", RoomKind::Family),
            ("第三卫生间", RoomKind::Family),
            ("性別友善廁所", RoomKind::Unisex),
            ("混合廁所", RoomKind::Unisex),
            ("Female", RoomKind::Female),
            ("Male", RoomKind::Male),
            ("Unisex", RoomKind::Unisex),
            ("男女廁", RoomKind::Other),
            ("", RoomKind::Other),
            ("公廁", RoomKind::Other),
        ] {
            assert_eq!(RoomKind::of(label), kind, "{label}");
        }
    }

    #[test]
    fn rooms_are_json_with_only_what_is_known() {
        let room = Room {
            kind: RoomKind::Accessible,
            external_id: Some("B020000036".into()),
            name: None,
            wheelchair: Some(true),
            baby_change: None,
            family_room: None,
            free: None,
        };
        let json = serde_json::to_string(&room).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"accessible","external_id":"B020000036","wheelchair":true}"#
        );
        assert_eq!(serde_json::from_str::<Room>(&json).unwrap(), room);
        for kind in [RoomKind::Male, RoomKind::Family, RoomKind::Other] {
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
    }
}
