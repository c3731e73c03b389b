//! Free text from people and from lists, bounded and cleaned the same way
//! everywhere: through the API (a 400 naming the field) and on import (a
//! row error naming the column).
//!
//! Cleaning trims, and **strips** invisible formatting characters: the bidi
//! controls U+202A–U+202E and U+2066–U+2069, the zero-width U+200B–U+200D
//! and U+FEFF. They are stripped rather than refused because real lists
//! carry them by accident (a byte-order mark pasted into a cell, a
//! zero-width space from a web page), while the only use on purpose is to
//! make a name read differently from what it is. Other control characters
//! are stripped too; line breaks and tabs become spaces, except in fields
//! that keep lines (notes).

use std::{borrow::Cow, fmt, ops::Deref};

use crate::ParseError;
use serde::{Deserialize, Serialize};

/// The longest address, in characters.
pub const ADDRESS_MAX: usize = 300;
/// The longest opening-hours note.
pub const HOURS_NOTE_MAX: usize = 500;
/// The longest operator name.
pub const OPERATOR_MAX: usize = 200;
/// The longest reason for a temporary closure.
pub const REASON_MAX: usize = 200;
/// The longest organisation name.
pub const ORG_NAME_MAX: usize = 200;
/// The longest street or district of an organisation.
pub const PLACE_MAX: usize = 100;
/// The longest webhook URL, in bytes.
pub const URL_MAX: usize = 2048;
/// A JSON-Schema pattern for text that must not be blank: some character
/// that is not a space, a control or an invisible formatting character.
pub const NOT_BLANK: &str =
    r"[^\s\x00-\x1f\x7f-\x9f\u200b-\u200d\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]";
/// The longest webhook secret, in bytes.
pub const SECRET_MAX: usize = 256;

/// Whether `c` changes how text reads without being seen.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}'
    )
}

/// `s` without invisible formatting characters (borrowed when it has none).
pub fn strip_invisible(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_invisible_format) {
        Cow::Owned(s.chars().filter(|&c| !is_invisible_format(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// `value` is at most `max` characters as sent (spaces count), else
/// `too_long` naming the limit.
pub fn within(value: &str, max: usize) -> Result<(), ParseError> {
    let n = value.chars().count();
    if n > max {
        return Err(ParseError::new(
            &value.chars().take(40).collect::<String>(),
            format!("{n} characters, more than the {max} allowed"),
        )
        .coded("too_long", Some(max as i64)));
    }
    Ok(())
}

/// `value` cleaned: invisible formatting and control characters stripped
/// (line breaks kept when `lines`, else made spaces), trimmed, blank as
/// `None`. At most `max` characters as sent: the limit counts what the
/// client sent, as the OpenAPI document's `maxLength` does.
pub fn clean(value: &str, max: usize, lines: bool) -> Result<Option<String>, ParseError> {
    within(value, max)?;
    let cleaned: String = value
        .chars()
        .filter_map(|c| match c {
            '\n' if lines => Some('\n'),
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() || is_invisible_format(c) => None,
            c => Some(c),
        })
        .collect();
    let v = cleaned.trim();
    Ok((!v.is_empty()).then(|| v.to_owned()))
}

/// Free text of one line, at most `MAX` characters, cleaned as [`clean`]
/// does, never blank: a blank value reads as absent.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    pub fn new(value: &str) -> Result<Option<Self>, ParseError> {
        Ok(clean(value, MAX, false)?.map(Text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> Deref for Text<MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Debug for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MAX: usize> From<Text<MAX>> for String {
    fn from(t: Text<MAX>) -> String {
        t.0
    }
}

impl<const MAX: usize> Serialize for Text<MAX> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A required text: blank is refused.
impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Text::new(&s)
            .map_err(ParseError::refusal)?
            .ok_or_else(|| crate::api::refusal("blank", None, "must not be blank"))
    }
}

/// Reads as `Option<Text>`: a blank string is `None`.
pub fn deserialize_text<'de, D, const MAX: usize>(d: D) -> Result<Option<Text<MAX>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => Text::new(&s).map_err(ParseError::refusal),
    }
}

/// Reads as `Option<Option<Text>>` for a patch: absent leaves the field,
/// `null` or a blank string clears it.
pub fn deserialize_text_patch<'de, D, const MAX: usize>(
    d: D,
) -> Result<Option<Option<Text<MAX>>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    deserialize_text(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_formatting_is_stripped_and_length_counted_as_sent() {
        assert_eq!(
            clean("\u{FEFF} 观前街\u{200B}1号 \u{202E}", 300, false).unwrap(),
            Some("观前街1号".to_owned())
        );
        assert_eq!(clean(" \u{200B} ", 300, false).unwrap(), None);
        let e = clean(&"路".repeat(301), 300, false).unwrap_err();
        assert_eq!(e.reason, "301 characters, more than the 300 allowed");
        // Counted as sent, invisible characters and spaces included.
        assert!(clean(&format!(" {}", "路".repeat(300)), 300, false).is_err());
        assert!(clean(&format!("{}\u{200B}", "路".repeat(299)), 300, false).is_ok());
        assert_eq!(
            clean("a\nb\u{7}", 10, true).unwrap().as_deref(),
            Some("a\nb")
        );
        assert_eq!(clean("a\r\nb", 10, false).unwrap().as_deref(), Some("a  b"));
    }

    #[test]
    fn text_reads_blank_as_absent_and_refuses_too_long() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "deserialize_text")]
            address: Option<Text<5>>,
        }
        let read = |json: &str| serde_json::from_str::<Body>(json).map(|b| b.address);
        assert_eq!(
            read(r#"{"address":" 123 "}"#).unwrap().as_deref(),
            Some("123")
        );
        assert_eq!(read(r#"{"address":"  "}"#).unwrap(), None);
        assert_eq!(read(r#"{}"#).unwrap(), None);
        let e = read(r#"{"address":"123456"}"#).unwrap_err().to_string();
        assert!(e.contains("more than the 5 allowed"), "{e}");
    }
}
