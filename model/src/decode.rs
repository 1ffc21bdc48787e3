//! Decoding a YAML tree into the raw structs, reporting every structural problem (unknown
//! keys, missing keys, wrong types, unknown keywords) with its key path, and going on after
//! each one. Values that failed are "poisoned", so that later checks do not pile follow-up
//! errors on top of them.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_yaml::{Mapping, Value};

use crate::diag::{Code, KeyPath, Sink};
use crate::model::Number;
use crate::suggest;
use crate::vocab::{Action, AuditLevel, Backend, Database, FieldType, Keyword, OnDelete, ServerValue};

/// The decoding context: where problems go and which paths failed.
pub(crate) struct Decoder<'s> {
    pub(crate) sink: &'s mut Sink,
    poisoned: BTreeSet<KeyPath>,
}

impl<'s> Decoder<'s> {
    pub(crate) fn new(sink: &'s mut Sink) -> Self {
        Self { sink, poisoned: BTreeSet::new() }
    }

    /// The poisoned paths, handed to validation.
    pub(crate) fn into_poisoned(self) -> BTreeSet<KeyPath> {
        self.poisoned
    }

    fn poison(&mut self, path: &KeyPath) {
        self.poisoned.insert(path.clone());
    }

    /// Reports a value of the wrong YAML type and poisons it.
    pub(crate) fn wrong_type(&mut self, value: &Value, at: &KeyPath, expected: &str) {
        let hint = match (expected, value) {
            (e, Value::String(s)) if e.starts_with("a list") => format!("write a list, e.g. `[{s}]`"),
            (e, Value::Sequence(_)) if e.starts_with("a map") => {
                "write `name: value` entries, not `- items`".to_owned()
            }
            ("a boolean", Value::String(s)) => format!("write `true` or `false`, not `{s}`"),
            (e, Value::String(s)) if e.contains("number") || e.contains("integer") => {
                format!("write a number without quotes, not `{s}`")
            }
            (e, Value::Null) => format!("give {e} after the colon, or remove the key"),
            (e, _) => format!("write {e} here"),
        };
        self.sink.error(Code::WrongType, at, format!("expected {expected}, found {}", describe(value))).hint(hint);
        self.poison(at);
    }

    /// Checks that `value` is a map whose keys are all strings among `keys`, reporting the
    /// others with a did-you-mean. Returns the map even when some keys were unknown.
    pub(crate) fn object<'v>(&mut self, value: &'v Value, at: &KeyPath, keys: &[&str]) -> Option<Obj<'v>> {
        let Value::Mapping(map) = value else {
            self.wrong_type(value, at, "a map");
            return None;
        };
        for key in map.keys() {
            match key {
                Value::String(k) if keys.contains(&k.as_str()) => {}
                Value::String(k) => {
                    let whose = match at.last_key() {
                        Some(parent) => format!(" in `{parent}`"),
                        None => " at the top level".to_owned(),
                    };
                    self.sink
                        .error_at_key(Code::UnknownKey, &at.key(k), format!("unknown key `{k}`{whose}"))
                        .hint(suggest::hint(k, keys));
                    // A misspelt key is the key it resembles, absent: checks about that key
                    // being absent would only repeat this error.
                    if let Some(meant) = suggest::closest(k, keys.iter().copied())
                        && !map.contains_key(meant)
                    {
                        self.poison(&at.key(meant));
                    }
                }
                other => {
                    self.sink
                        .error(Code::WrongType, at, format!("keys must be strings, found {}", describe(other)))
                        .hint(format!("expected one of: {}", suggest::list(keys)));
                    self.poison(at);
                }
            }
        }
        Some(Obj { map, at: at.clone() })
    }
}

/// A map being read key by key.
pub(crate) struct Obj<'v> {
    map: &'v Mapping,
    at: KeyPath,
}

impl Obj<'_> {
    /// Decodes the value under `key`. Absent and `null` are the same; a required key that is
    /// absent is reported at the map's own key.
    pub(crate) fn take<T: Decode>(&self, d: &mut Decoder<'_>, key: &str, required: bool) -> Option<T> {
        match self.map.get(key) {
            None | Some(Value::Null) => {
                if required && !d.poisoned.contains(&self.at.key(key)) {
                    let whose = match self.at.last_key() {
                        Some(parent) => format!("`{parent}`"),
                        None => "the spec".to_owned(),
                    };
                    d.sink
                        .error_at_key(Code::MissingKey, &self.at, format!("{whose} needs `{key}`"))
                        .hint(format!("add `{key}:` ({})", T::expected()));
                    d.poison(&self.at.key(key));
                }
                None
            }
            Some(v) => T::decode(v, &self.at.key(key), d),
        }
    }
}

/// A value that can be read from a YAML tree, reporting problems instead of failing.
pub(crate) trait Decode: Sized {
    /// What the value should be, for messages: "a string", "a list of strings".
    fn expected() -> String;
    /// Reads the value at `at`, or reports why it cannot and returns `None`.
    fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self>;
}

/// "a string", "an integer", … for the YAML type of `value`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".to_owned(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("the number `{n}`"),
        Value::Number(n) => format!("the integer `{n}`"),
        Value::String(s) => format!("the string `{}`", truncate(s)),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a map".to_owned(),
        Value::Tagged(t) => format!("a value tagged `{}`", t.tag),
    }
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(40).filter(|c| !c.is_control()).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

impl Decode for String {
    fn expected() -> String {
        "a string".to_owned()
    }
    fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                d.wrong_type(other, at, &Self::expected());
                None
            }
        }
    }
}

impl Decode for bool {
    fn expected() -> String {
        "a boolean".to_owned()
    }
    fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                d.wrong_type(other, at, &Self::expected());
                None
            }
        }
    }
}

impl Decode for u32 {
    fn expected() -> String {
        "a non-negative integer".to_owned()
    }
    fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
        match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => match n.as_u64().and_then(|v| u32::try_from(v).ok()) {
                Some(v) => Some(v),
                None => {
                    d.sink
                        .error(Code::Range, at, format!("`{n}` is out of range"))
                        .hint(format!("use a whole number from 0 to {}", u32::MAX));
                    d.poison(at);
                    None
                }
            },
            other => {
                d.wrong_type(other, at, &Self::expected());
                None
            }
        }
    }
}

impl Decode for Number {
    fn expected() -> String {
        "a number".to_owned()
    }
    fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
        match value {
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Some(Number::Int(i)),
                (None, Some(f)) if f.is_finite() => Some(Number::Float(f)),
                _ => {
                    d.sink
                        .error(Code::Range, at, format!("`{n}` is not a finite number"))
                        .hint("use a finite number within the 64-bit range");
                    d.poison(at);
                    None
                }
            },
            other => {
                d.wrong_type(other, at, &Self::expected());
                None
            }
        }
    }
}

impl Decode for Value {
    fn expected() -> String {
        "a value".to_owned()
    }
    fn decode(value: &Value, _at: &KeyPath, _d: &mut Decoder<'_>) -> Option<Self> {
        Some(value.clone())
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn expected() -> String {
        format!("a list of {}", plural_of(&T::expected()))
    }
    fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
        match value {
            Value::Sequence(items) => {
                Some(items.iter().enumerate().filter_map(|(i, v)| T::decode(v, &at.index(i), d)).collect())
            }
            other => {
                d.wrong_type(other, at, &Self::expected());
                None
            }
        }
    }
}

fn plural_of(expected: &str) -> String {
    let bare = expected.strip_prefix("a ").or_else(|| expected.strip_prefix("an ")).unwrap_or(expected);
    format!("{bare}s")
}

impl<T: Decode> Decode for IndexMap<String, T> {
    fn expected() -> String {
        format!("a map of names to {}", plural_of(&T::expected()))
    }
    fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
        let Value::Mapping(map) = value else {
            d.wrong_type(value, at, &Self::expected());
            return None;
        };
        let mut out = IndexMap::with_capacity(map.len());
        for (k, v) in map {
            let Value::String(name) = k else {
                d.sink
                    .error(Code::WrongType, at, format!("names must be strings, found {}", describe(k)))
                    .hint("quote the name");
                d.poison(at);
                continue;
            };
            if let Some(item) = T::decode(v, &at.key(name), d) {
                out.insert(name.clone(), item);
            }
        }
        Some(out)
    }
}

macro_rules! decode_keyword {
    ($($ty:ty),+) => {$(
        impl Decode for $ty {
            fn expected() -> String {
                <$ty as Keyword>::WHAT.to_owned()
            }
            fn decode(value: &Value, at: &KeyPath, d: &mut Decoder<'_>) -> Option<Self> {
                let Value::String(s) = value else {
                    d.wrong_type(value, at, &format!("{} ({})", Self::expected(), suggest::list(&<$ty>::spellings())));
                    return None;
                };
                if let Some(k) = <$ty as Keyword>::parse(s) {
                    return Some(k);
                }
                d.sink.error(Code::UnknownValue, at, format!("`{s}` is not {}", Self::expected())).hint(suggest::hint(s, &<$ty>::spellings()));
                d.poison(at);
                None
            }
        }
    )+};
}

decode_keyword!(Action, FieldType, ServerValue, Database, Backend, AuditLevel, OnDelete);
