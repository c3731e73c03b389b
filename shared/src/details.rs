//! A toilet's detailed facts: what wheelchair users, carers, older people
//! and the Chinese public-toilet standard need beyond the four basics
//! (`wheelchair`, `baby_change`, `family_room`, `free`). Each is unknown
//! until a person or a list states it.
//!
//! Every fact is declared once, in the table at [`facts!`]'s call: its
//! name in the API, exports and the store, its kind and its bound. The
//! JSON shape, the OpenAPI schema, the store's `details` column, import
//! and export all read that table; what else must be said per fact (import
//! aliases, labels) is an exhaustive `match` on [`Fact`], so the compiler
//! names every place a new fact must reach.
//!
//! In the toilet JSON the facts are flat, like `wheelchair`, and present
//! only when known: an absent fact is unknown, never "no".

use std::fmt;

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{MapAccess, Visitor},
    ser::SerializeMap,
};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type, schema::SchemaType},
};

use crate::{ParseError, Room, parse_tri_state, text::clean};

/// What kind of value a fact holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Yes, no or unknown.
    Tri,
    /// A whole number from 0 to `max`.
    Count { max: u16 },
    /// One line of free text, at most `max` characters.
    Text { max: usize },
    /// A telephone number: digits and `+ - ( ) / , ; #`, 转 or ext.
    Phone,
}

macro_rules! facts {
    ($($fact:ident $key:literal $kind:expr, $doc:literal;)*) => {
        /// One detailed fact (see the module documentation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Fact {
            $(#[doc = $doc] $fact,)*
        }

        impl Fact {
            /// Every fact, in the order they are written.
            pub const ALL: &[Fact] = &[$(Fact::$fact),*];

            /// Its name in the API, in exports and in the store.
            pub fn key(self) -> &'static str {
                match self {
                    $(Fact::$fact => $key,)*
                }
            }

            pub fn kind(self) -> Kind {
                match self {
                    $(Fact::$fact => $kind,)*
                }
            }

            /// What it means, for the API documentation.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Fact::$fact => $doc,)*
                }
            }
        }
    };
}

const PHONE_MAX: usize = 40;
/// What [`phone`] takes, for the OpenAPI document: at least three digits
/// among separators, 转 or ext; or nothing but spaces, which (as for every
/// text fact) says the number is not known.
const PHONE_PATTERN: &str = concat!(
    r"^(?:[ \t\n\r]*|(?:[ +()/,;#.\-]|转|轉|[eE][xX][tT]|[xX])*",
    r"(?:[0-9](?:[ +()/,;#.\-]|转|轉|[eE][xX][tT]|[xX])*){3,})$"
);

facts! {
    Seated "seated" Kind::Tri, "A seated (sitting) toilet, 坐便.";
    Squat "squat" Kind::Tri, "A squat toilet, 蹲便.";
    GrabRails "grab_rails" Kind::Tri, "Grab rails beside a toilet, 扶手.";
    StepFree "step_free" Kind::Tri, "Step-free from the street to the cubicle, 无台阶.";
    AdultChanging "adult_changing" Kind::Tri,
        "An adult changing bench and hoist (成人护理台, Changing Places).";
    Ambulant "ambulant" Kind::Tri,
        "An ambulant cubicle: rails and a raised seat for people who walk with difficulty.";
    Paper "paper" Kind::Tri, "Toilet paper supplied, 厕纸.";
    Soap "soap" Kind::Tri, "Soap for hand washing, 洗手液.";
    DrinkingWater "drinking_water" Kind::Tri, "Drinking water, 饮用水.";
    Shower "shower" Kind::Tri, "A shower, 淋浴.";
    Parking "parking" Kind::Tri, "Parking nearby, 停车场.";
    AccessibleParking "accessible_parking" Kind::Tri,
        "An accessible parking space nearby, 无障碍停车位.";
    SanitaryDisposal "sanitary_disposal" Kind::Tri,
        "A bin for sanitary products, 卫生用品处理箱.";
    SharpsDisposal "sharps_disposal" Kind::Tri, "A sharps (needle) disposal box.";
    Mlak "mlak" Kind::Tri,
        "Opens with the MLAK key (Australia's master key for accessible toilets).";
    DoorWidthCm "door_width_cm" Kind::Count { max: 500 },
        "The clear width of the accessible cubicle's door, in centimetres (门宽).";
    StallsFemale "stalls_female" Kind::Count { max: 999 }, "Women's stalls, 女厕位.";
    StallsMale "stalls_male" Kind::Count { max: 999 }, "Men's stalls, 男厕位.";
    StallsAccessible "stalls_accessible" Kind::Count { max: 999 },
        "Accessible stalls, 无障碍厕位.";
    Urinals "urinals" Kind::Count { max: 999 }, "Urinals, 小便器.";
    Grade "grade" Kind::Text { max: 40 },
        "The grade an inspection gave, as the list writes it (一类, 特優級, 不合格 …).";
    Phone "phone" Kind::Phone, "The manager's telephone number.";
    FeeNote "fee_note" Kind::Text { max: 100 }, "What it costs, as written (\"0.5 元\").";
    NameEn "name_en" Kind::Text { max: 200 }, "The name in English.";
    AddressEn "address_en" Kind::Text { max: 300 }, "The address in English.";
    PlaceKind "place_kind" Kind::Text { max: 60 },
        "What kind of place it is in, as the list says (公園, 交通, 商業營業場所 …).";
    Authority "authority" Kind::Text { max: 200 },
        "The authority responsible for it (主管機關), where the list names one besides the operator.";
}

/// A stated fact's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Count(u16),
    Text(Box<str>),
}

impl Fact {
    /// The fact whose key is `key`.
    pub fn from_key(key: &str) -> Option<Fact> {
        Fact::ALL.iter().copied().find(|f| f.key() == key)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// Reads the fact from text, as a list or a form writes it: tri-states
    /// as true/false, yes/no, 1/0, 是/否, 有/无; counts as whole numbers (a
    /// door width may say cm, 厘米 or 公分); text cleaned and bounded.
    /// Blank is unknown.
    pub fn parse(self, text: &str) -> Result<Option<Value>, ParseError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match self.kind() {
            Kind::Tri => Ok(parse_tri_state(text)?.map(Value::Bool)),
            Kind::Count { .. } => {
                let number = text
                    .trim_end_matches(['c', 'm', 'C', 'M', '厘', '米', '公', '分', '个', '個'])
                    .trim();
                let n = crate::whole_number(number)
                    .ok_or_else(|| ParseError::new(text, "not a whole number"))?;
                self.count(n).map(Some)
            }
            Kind::Text { max } => Ok(clean(text, max, false)?.map(|t| Value::Text(t.into()))),
            Kind::Phone => phone(text).map(Some),
        }
    }

    fn count(self, n: i64) -> Result<Value, ParseError> {
        let Kind::Count { max } = self.kind() else {
            unreachable!("{self:?} is not a count")
        };
        if n < 0 {
            return Err(ParseError::new(&n.to_string(), "must not be negative")
                .coded("out_of_range", Some(0)));
        }
        if n > i64::from(max) {
            return Err(
                ParseError::new(&n.to_string(), format!("must be at most {max}"))
                    .coded("out_of_range", Some(max.into())),
            );
        }
        Ok(Value::Count(n as u16))
    }

    /// Reads the fact's JSON value; `null` (or a blank string) is unknown.
    fn read_json<'de, A: MapAccess<'de>>(self, map: &mut A) -> Result<Option<Value>, A::Error> {
        let refuse = |e: ParseError| crate::api::refusal_at(self.key(), e.code, e.limit, e.reason);
        match self.kind() {
            Kind::Tri => Ok(map
                .next_value::<Option<bool>>()
                .map_err(|e| wrong_type(self, e))?
                .map(Value::Bool)),
            Kind::Count { .. } => match map
                .next_value::<Option<i64>>()
                .map_err(|e| wrong_type(self, e))?
            {
                None => Ok(None),
                Some(n) => self.count(n).map(Some).map_err(refuse),
            },
            Kind::Text { .. } | Kind::Phone => match map
                .next_value::<Option<String>>()
                .map_err(|e| wrong_type(self, e))?
            {
                None => Ok(None),
                // The limit counts what was sent, blank (unknown) or not.
                Some(text) => {
                    let max = match self.kind() {
                        Kind::Text { max } => max,
                        _ => PHONE_MAX,
                    };
                    crate::text::within(&text, max).map_err(refuse)?;
                    self.parse(&text).map_err(refuse)
                }
            },
        }
    }

    /// A JSON Schema for the fact's value (nullable).
    fn schema(self) -> ObjectBuilder {
        let builder = ObjectBuilder::new().description(Some(self.doc()));
        match self.kind() {
            Kind::Tri => builder.schema_type(SchemaType::from_iter([Type::Boolean, Type::Null])),
            Kind::Count { max } => builder
                .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
                .minimum(Some(0))
                .maximum(Some(max)),
            Kind::Text { max } => builder
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .max_length(Some(max)),
            Kind::Phone => builder
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .max_length(Some(PHONE_MAX))
                .pattern(Some(PHONE_PATTERN))
                .examples(["0512-6523 1234"]),
        }
    }
}

fn wrong_type<E: serde::de::Error>(fact: Fact, e: E) -> E {
    let expected = match fact.kind() {
        Kind::Tri => "true, false or null".to_owned(),
        Kind::Count { max } => format!("a whole number from 0 to {max}, or null"),
        Kind::Text { .. } | Kind::Phone => "a string or null".to_owned(),
    };
    crate::api::refusal_at(
        fact.key(),
        "invalid_field",
        None,
        format_args!("expected {expected} ({e})"),
    )
}

/// A telephone number as people write it: at least three digits, and
/// only digits, spaces and `+ - ( ) / , ; # .` besides 转/轉/ext/x for an
/// extension.
fn phone(text: &str) -> Result<Value, ParseError> {
    let cleaned = clean(text, PHONE_MAX, false)?.unwrap_or_default();
    let rest = cleaned
        .replace(['转', '轉'], "")
        .to_lowercase()
        .replace("ext", "")
        .replace('x', "");
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-()/,;#.".contains(c);
    if digits < 3 || !rest.chars().all(allowed) {
        return Err(ParseError::new(
            text,
            "not a telephone number: digits, spaces and + - ( ) / , ; # only, with 转 or ext before an extension",
        ));
    }
    Ok(Value::Text(cleaned.into()))
}

/// A toilet's detailed facts: the tri-states as bits, the rest as a short
/// list (empty, and unallocated, for most toilets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    /// Tri-state facts that are known, by [`Fact::bit`].
    known: u32,
    /// Of those, the ones that are true.
    yes: u32,
    /// Counts and text, in [`Fact::ALL`]'s order.
    others: Vec<(Fact, Value)>,
    /// The rooms an import made this toilet of, in [`Room::sort`]'s order;
    /// empty for a toilet that is one room or was not listed by room.
    pub rooms: Vec<Room>,
}

impl Details {
    /// No facts, no rooms (as `Default`, for statics).
    pub const EMPTY: Details = Details {
        known: 0,
        yes: 0,
        others: Vec::new(),
        rooms: Vec::new(),
    };

    pub fn is_empty(&self) -> bool {
        self.known == 0 && self.others.is_empty() && self.rooms.is_empty()
    }

    pub fn get(&self, fact: Fact) -> Option<Value> {
        match fact.kind() {
            Kind::Tri => self.tri(fact).map(Value::Bool),
            _ => self
                .others
                .iter()
                .find(|(f, _)| *f == fact)
                .map(|(_, v)| v.clone()),
        }
    }

    /// A tri-state fact (`None` for unknown, and for a fact of another kind).
    pub fn tri(&self, fact: Fact) -> Option<bool> {
        (self.known & fact.bit() != 0).then_some(self.yes & fact.bit() != 0)
    }

    /// A count fact.
    pub fn count(&self, fact: Fact) -> Option<u16> {
        self.others.iter().find_map(|(f, v)| match v {
            Value::Count(n) if *f == fact => Some(*n),
            _ => None,
        })
    }

    /// A text fact.
    pub fn text(&self, fact: Fact) -> Option<&str> {
        self.others.iter().find_map(|(f, v)| match v {
            Value::Text(t) if *f == fact => Some(&**t),
            _ => None,
        })
    }

    /// States `fact` (or makes it unknown with `None`). A value of another
    /// kind than the fact's is a bug in the caller.
    pub fn set(&mut self, fact: Fact, value: Option<Value>) {
        debug_assert!(
            matches!(
                (&value, fact.kind()),
                (None, _)
                    | (Some(Value::Bool(_)), Kind::Tri)
                    | (Some(Value::Count(_)), Kind::Count { .. })
                    | (Some(Value::Text(_)), Kind::Text { .. } | Kind::Phone)
            ),
            "{fact:?} cannot hold {value:?}"
        );
        let bit = fact.bit();
        self.known &= !bit;
        self.yes &= !bit;
        self.others.retain(|(f, _)| *f != fact);
        match value {
            None => {}
            Some(Value::Bool(yes)) => {
                self.known |= bit;
                if yes {
                    self.yes |= bit;
                }
            }
            Some(value) => {
                let at = self.others.partition_point(|(f, _)| *f < fact);
                self.others.insert(at, (fact, value));
            }
        }
    }

    /// Reads `fact`'s value, the next value of `map`, into these facts,
    /// trusting it as the server checked it: for the web app, which walks
    /// a toilet's keys itself. (`#[serde(flatten)]` buffers every other
    /// key, and checking again would ship the checks: 25 KB together.)
    pub fn read_checked<'de, A: MapAccess<'de>>(
        &mut self,
        fact: Fact,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let value = match fact.kind() {
            Kind::Tri => map.next_value::<Option<bool>>()?.map(Value::Bool),
            Kind::Count { .. } => map.next_value::<Option<u16>>()?.map(Value::Count),
            Kind::Text { .. } | Kind::Phone => {
                map.next_value::<Option<Box<str>>>()?.map(Value::Text)
            }
        };
        self.set(fact, value);
        Ok(())
    }

    /// The known facts, in [`Fact::ALL`]'s order.
    pub fn iter(&self) -> impl Iterator<Item = (Fact, Value)> + '_ {
        Fact::ALL
            .iter()
            .filter_map(|&f| self.get(f).map(|v| (f, v)))
    }

    /// The facts of a venue made of this room and `other`, as the four
    /// basic facts merge: yes when either room has it, no when both lack
    /// it, else unknown. Stalls add up, the wider door counts, and the
    /// first text stays. The rooms of both are kept.
    pub fn absorb(&mut self, other: &Details) {
        self.rooms.extend(other.rooms.iter().cloned());
        Room::sort(&mut self.rooms);
        for &fact in Fact::ALL {
            let merged = match (fact.kind(), self.get(fact), other.get(fact)) {
                (Kind::Tri, _, _) => either_room(self.tri(fact), other.tri(fact)).map(Value::Bool),
                (_, Some(Value::Count(a)), Some(Value::Count(b))) => {
                    Some(Value::Count(match fact.kind() {
                        Kind::Count { .. } if fact == Fact::DoorWidthCm => a.max(b),
                        Kind::Count { max } => a.saturating_add(b).min(max),
                        _ => a,
                    }))
                }
                (_, a, b) => a.or(b),
            };
            self.set(fact, merged);
        }
    }
}

/// A fact of a venue made of two rooms: yes when either room has it, no
/// when both lack it, else unknown.
pub fn either_room(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (fact, value) in self.iter() {
            match value {
                Value::Bool(b) => map.serialize_entry(fact.key(), &b)?,
                Value::Count(n) => map.serialize_entry(fact.key(), &n)?,
                Value::Text(t) => map.serialize_entry(fact.key(), &*t)?,
            }
        }
        if !self.rooms.is_empty() {
            map.serialize_entry("rooms", &self.rooms)?;
        }
        map.end()
    }
}

/// Reads the facts it knows and passes over other keys: as part of a
/// toilet (`#[serde(flatten)]`), the other keys are the toilet's own or
/// ones a newer server added.
impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (changes, rooms) = d.deserialize_map(ChangesVisitor { strict: false })?;
        let mut details = Details {
            rooms,
            ..Details::default()
        };
        for (fact, value) in changes.0 {
            details.set(fact, value);
        }
        Ok(details)
    }
}

impl PartialSchema for Details {
    fn schema() -> RefOr<Schema> {
        facts_schema()
            .property(
                "rooms",
                utoipa::openapi::ArrayBuilder::new()
                    .items(<Room as PartialSchema>::schema())
                    .description(Some(
                        "The rooms of a venue listed room by room (male, female, accessible …), \
                         each with its id in the list and its own facts; absent for a toilet \
                         that is one room. Set by imports only.",
                    )),
            )
            .into()
    }
}

/// The facts, each a property.
fn facts_schema() -> ObjectBuilder {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Detailed facts, present only when known: an absent fact is unknown, not \"no\".",
        ));
    for &fact in Fact::ALL {
        object = object.property(fact.key(), fact.schema());
    }
    object
}

impl ToSchema for Details {}

/// The facts a request states: in a new toilet, each fact given (`null`
/// is unknown); in a change, each fact to set, `null` making it unknown
/// again, and the facts left out untouched. As part of a request body
/// (`#[serde(flatten)]`) it refuses keys that are neither the body's own
/// nor a fact, naming them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailsChange(pub Vec<(Fact, Option<Value>)>);

impl DetailsChange {
    pub fn apply(&self, details: &mut Details) {
        for (fact, value) in &self.0 {
            details.set(*fact, value.clone());
        }
    }
}

impl Serialize for DetailsChange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (fact, value) in &self.0 {
            match value {
                None => map.serialize_entry(fact.key(), &())?,
                Some(Value::Bool(b)) => map.serialize_entry(fact.key(), b)?,
                Some(Value::Count(n)) => map.serialize_entry(fact.key(), n)?,
                Some(Value::Text(t)) => map.serialize_entry(fact.key(), &**t)?,
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for DetailsChange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(d.deserialize_map(ChangesVisitor { strict: true })?.0)
    }
}

/// The facts alone: rooms come from imports, never from a request.
impl PartialSchema for DetailsChange {
    fn schema() -> RefOr<Schema> {
        facts_schema().into()
    }
}

impl ToSchema for DetailsChange {}

struct ChangesVisitor {
    strict: bool,
}

impl<'de> Visitor<'de> for ChangesVisitor {
    /// The facts, and the rooms (read only when not strict).
    type Value = (DetailsChange, Vec<Room>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of toilet facts")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut changes: Vec<(Fact, Option<Value>)> = Vec::new();
        let mut rooms = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match Fact::from_key(&key) {
                Some(fact) => {
                    if changes.iter().any(|(f, _)| *f == fact) {
                        return Err(crate::api::refusal_at(
                            fact.key(),
                            "duplicate_field",
                            None,
                            "given twice",
                        ));
                    }
                    let value = fact.read_json(&mut map)?;
                    changes.push((fact, value));
                }
                None if !self.strict && key == "rooms" => {
                    rooms = map.next_value::<Option<Vec<Room>>>()?.unwrap_or_default();
                }
                None if self.strict => {
                    return Err(crate::api::refusal_at(
                        &key,
                        "unknown_field",
                        None,
                        format_args!("unknown field `{key}`"),
                    ));
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok((DetailsChange(changes), rooms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_has_its_own_key_and_bit() {
        assert!(Fact::ALL.len() <= 32);
        for (i, a) in Fact::ALL.iter().enumerate() {
            assert_eq!(*a as usize, i);
            assert_eq!(Fact::from_key(a.key()), Some(*a));
            assert!(Fact::ALL[..i].iter().all(|b| b.key() != a.key()));
        }
    }

    #[test]
    fn facts_are_unknown_until_stated_and_absent_from_json() {
        let mut d = Details::default();
        assert!(d.is_empty());
        assert_eq!(serde_json::to_string(&d).unwrap(), "{}");
        d.set(Fact::Squat, Some(Value::Bool(false)));
        d.set(Fact::Seated, Some(Value::Bool(true)));
        d.set(Fact::Urinals, Some(Value::Count(4)));
        d.set(Fact::FeeNote, Some(Value::Text("0.5 元".into())));
        d.set(Fact::DoorWidthCm, Some(Value::Count(90)));
        assert_eq!(d.tri(Fact::Seated), Some(true));
        assert_eq!(d.tri(Fact::Squat), Some(false));
        assert_eq!(d.tri(Fact::Paper), None);
        assert_eq!(d.count(Fact::Urinals), Some(4));
        assert_eq!(d.text(Fact::FeeNote), Some("0.5 元"));
        // In the declared order, whatever the order they were set in.
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"seated":true,"squat":false,"door_width_cm":90,"urinals":4,"fee_note":"0.5 元"}"#
        );
        let back: Details = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
        d.set(Fact::Seated, None);
        d.set(Fact::Urinals, None);
        assert_eq!(d.tri(Fact::Seated), None);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"squat":false,"door_width_cm":90,"fee_note":"0.5 元"}"#
        );
    }

    #[test]
    fn text_reads_as_lists_write_it() {
        assert_eq!(Fact::Seated.parse("有"), Ok(Some(Value::Bool(true))));
        assert_eq!(Fact::Paper.parse(" "), Ok(None));
        assert_eq!(Fact::DoorWidthCm.parse("90cm"), Ok(Some(Value::Count(90))));
        assert_eq!(
            Fact::DoorWidthCm.parse("85 厘米"),
            Ok(Some(Value::Count(85)))
        );
        assert_eq!(Fact::StallsFemale.parse("12"), Ok(Some(Value::Count(12))));
        assert_eq!(Fact::Urinals.parse("3个"), Ok(Some(Value::Count(3))));
        let e = Fact::Urinals.parse("-1").unwrap_err();
        assert_eq!((e.code, e.limit), ("out_of_range", Some(0)));
        let e = Fact::Urinals.parse("1000").unwrap_err();
        assert_eq!((e.code, e.limit), ("out_of_range", Some(999)));
        assert!(Fact::Urinals.parse("many").is_err());
        assert_eq!(
            Fact::Phone.parse("0512-6523 1234 转 8"),
            Ok(Some(Value::Text("0512-6523 1234 转 8".into())))
        );
        assert!(Fact::Phone.parse("call Mr Li").is_err());
        assert!(Fact::Phone.parse("12").is_err());
        let e = Fact::Grade.parse(&"级".repeat(41)).unwrap_err();
        assert_eq!((e.code, e.limit), ("too_long", Some(40)));
    }

    #[test]
    fn a_bodys_blank_text_is_unknown_within_its_limit_as_sent() {
        let read = |json: &str| serde_json::from_str::<DetailsChange>(json).map(|c| c.0);
        assert_eq!(read(r#"{"phone":""}"#).unwrap(), vec![(Fact::Phone, None)]);
        assert_eq!(
            read(r#"{"fee_note":"   "}"#).unwrap(),
            vec![(Fact::FeeNote, None)]
        );
        // As the document says: spaces count towards the limit.
        let spaces = |n: usize| " ".repeat(n);
        let e = read(&format!(r#"{{"phone":"{}"}}"#, spaces(41))).unwrap_err();
        assert!(
            e.to_string().contains("41 characters, more than the 40"),
            "{e}"
        );
        assert!(read(&format!(r#"{{"fee_note":"{}"}}"#, spaces(101))).is_err());
        let padded = format!(r#"{{"grade":"{}一类"}}"#, spaces(39));
        assert!(read(&padded).is_err());
    }

    #[test]
    fn a_change_tells_null_from_absent_and_refuses_strangers() {
        let c: DetailsChange =
            serde_json::from_str(r#"{"seated":null,"urinals":2,"phone":" 12345 "}"#).unwrap();
        assert_eq!(
            c.0,
            vec![
                (Fact::Seated, None),
                (Fact::Urinals, Some(Value::Count(2))),
                (Fact::Phone, Some(Value::Text("12345".into()))),
            ]
        );
        let mut d = Details::default();
        d.set(Fact::Seated, Some(Value::Bool(true)));
        d.set(Fact::Soap, Some(Value::Bool(true)));
        c.apply(&mut d);
        assert_eq!(d.tri(Fact::Seated), None);
        assert_eq!(d.tri(Fact::Soap), Some(true));
        let round: DetailsChange =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(round, c);

        let refusal = |json: &str| {
            let e = serde_json::from_str::<DetailsChange>(json)
                .unwrap_err()
                .to_string();
            let r = crate::api::read_refusal(&e);
            (
                r.code.map(str::to_owned),
                r.field.map(str::to_owned),
                r.limit,
            )
        };
        assert_eq!(
            refusal(r#"{"colour":"red"}"#),
            (Some("unknown_field".into()), Some("colour".into()), None)
        );
        assert_eq!(
            refusal(r#"{"seated":"yes"}"#),
            (Some("invalid_field".into()), Some("seated".into()), None)
        );
        assert_eq!(
            refusal(r#"{"urinals":1000}"#),
            (
                Some("out_of_range".into()),
                Some("urinals".into()),
                Some(999)
            )
        );
        assert_eq!(
            refusal(r#"{"phone":"none"}"#),
            (Some("invalid_field".into()), Some("phone".into()), None)
        );
        // A toilet's other keys are passed over when reading a toilet.
        let d: Details = serde_json::from_str(r#"{"name":"x","squat":true}"#).unwrap();
        assert_eq!(d.tri(Fact::Squat), Some(true));
    }

    #[test]
    fn rooms_add_up_into_a_venue() {
        let mut a = Details::default();
        a.set(Fact::Seated, Some(Value::Bool(false)));
        a.set(Fact::Squat, Some(Value::Bool(false)));
        a.set(Fact::Soap, Some(Value::Bool(false)));
        a.set(Fact::StallsFemale, Some(Value::Count(6)));
        a.set(Fact::DoorWidthCm, Some(Value::Count(80)));
        let mut b = Details::default();
        b.set(Fact::Seated, Some(Value::Bool(true)));
        b.set(Fact::StallsFemale, Some(Value::Count(2)));
        b.set(Fact::DoorWidthCm, Some(Value::Count(90)));
        b.set(Fact::Grade, Some(Value::Text("一类".into())));
        b.set(Fact::Squat, Some(Value::Bool(false)));
        a.absorb(&b);
        assert_eq!(a.tri(Fact::Seated), Some(true));
        assert_eq!(a.tri(Fact::Squat), Some(false));
        // One room lacks soap, the other does not say.
        assert_eq!(a.tri(Fact::Soap), None);
        assert_eq!(a.count(Fact::StallsFemale), Some(8));
        assert_eq!(a.count(Fact::DoorWidthCm), Some(90));
        assert_eq!(a.text(Fact::Grade), Some("一类"));
    }
}
