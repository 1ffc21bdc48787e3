//! Line and column for any key path. serde_yaml stamps an error with the position of the node
//! being deserialized when it arises; so to find where a path is, we deserialize the source
//! once more with a seed that walks down the path and fails on arrival. This costs one parse
//! per located diagnostic and nothing at all for a clean spec.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::diag::{KeyPath, Location, Seg, Target};

/// The message of the error the seed raises on arrival, to tell it from a real one.
const ARRIVED: &str = "\u{0}securegen-arrived";

/// Finds the line and column of `path` (its key or its value) in `src`. When the path does
/// not exist (a missing key), the nearest existing ancestor's key is located instead.
pub(crate) fn locate(src: &str, path: &KeyPath, target: Target) -> Option<Location> {
    locate_nth(src, path, target, 0)
}

/// The position of exactly `path`, or `None` when the document does not have it.
pub(crate) fn locate_exact(src: &str, path: &KeyPath, target: Target) -> Option<Location> {
    try_locate(src, &path.0, target, 0)
}

/// Like [`locate`], but the last key of the path is its `skip`-th repetition (0 = the first),
/// for duplicate keys.
pub(crate) fn locate_nth(src: &str, path: &KeyPath, target: Target, skip: usize) -> Option<Location> {
    let mut segs = path.0.as_slice();
    let mut target = target;
    let mut skip = skip;
    loop {
        if let Some(loc) = try_locate(src, segs, target, skip) {
            return Some(loc);
        }
        let (_, parent) = segs.split_last()?;
        segs = parent;
        target = Target::Key;
        skip = 0;
    }
}

fn try_locate(src: &str, segs: &[Seg], target: Target, skip: usize) -> Option<Location> {
    // The root has no key: its "key" is the start of the document.
    let target = if segs.is_empty() { Target::Value } else { target };
    let de = serde_yaml::Deserializer::from_str(src);
    let err = match (Walk { segs, target, skip }).deserialize(de) {
        Ok(()) => return None,
        Err(e) => e,
    };
    if !err.to_string().contains(ARRIVED) {
        return None;
    }
    let loc = err.location()?;
    let (line, column) = (loc.line(), loc.column());
    Some(Location { line, column, len: token_len(src, line, column) })
}

/// Walks down `segs`; on arrival fails at the key or the value.
struct Walk<'p> {
    segs: &'p [Seg],
    target: Target,
    /// How many matches of the final key to pass over.
    skip: usize,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.segs.first() {
            None => d.deserialize_any(Arrive),
            Some(Seg::Key(_)) => d.deserialize_map(self),
            Some(Seg::Index(_)) => d.deserialize_seq(self),
        }
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map or a list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((Seg::Key(want), rest)) = self.segs.split_first() else {
            return Ok(());
        };
        let last = rest.is_empty();
        let mut skip = if last { self.skip } else { 0 };
        loop {
            let arrive = last && self.target == Target::Key && skip == 0;
            match map.next_key_seed(KeySeed { want, arrive })? {
                None => return Ok(()),
                Some(true) if skip == 0 => {
                    return map.next_value_seed(Walk { segs: rest, target: self.target, skip: 0 });
                }
                Some(true) => skip -= 1,
                Some(false) => {}
            }
            map.next_value::<IgnoredAny>()?;
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((Seg::Index(want), rest)) = self.segs.split_first() else {
            return Ok(());
        };
        for _ in 0..*want {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        // An index path always targets the element itself.
        seq.next_element_seed(Walk { segs: rest, target: Target::Value, skip: self.skip })?;
        Ok(())
    }
}

/// Reads a key as text; fails on the wanted key when the walk ends at it.
struct KeySeed<'a> {
    want: &'a str,
    arrive: bool,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        if v != self.want {
            Ok(false)
        } else if self.arrive {
            Err(E::custom(ARRIVED))
        } else {
            Ok(true)
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

/// Fails on whatever node it is handed, so the error carries that node's position.
struct Arrive;

impl<'de> Visitor<'de> for Arrive {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("anything")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(ARRIVED))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(ARRIVED))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(ARRIVED))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(ARRIVED))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(ARRIVED))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(ARRIVED))
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(ARRIVED))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(ARRIVED))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(ARRIVED))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(ARRIVED))
    }
}

/// The length in characters of the token starting at `line:column`: a quoted scalar up to
/// its closing quote, a plain scalar up to `: `, `,`, `]`, `}`, ` #` or the end of the line;
/// at least 1.
pub(crate) fn token_len(src: &str, line: usize, column: usize) -> usize {
    let Some(text) = src.lines().nth(line.saturating_sub(1)) else {
        return 1;
    };
    let rest: Vec<char> = text.chars().skip(column.saturating_sub(1)).collect();
    let len = match rest.first() {
        Some(q @ ('"' | '\'')) => rest.iter().skip(1).position(|c| c == q).map_or(rest.len(), |p| p + 2),
        Some(open @ ('{' | '[')) => {
            // A flow collection: up to its closing bracket when that is on the same line.
            let close = if *open == '{' { '}' } else { ']' };
            let mut depth = 0usize;
            let mut quote: Option<char> = None;
            let mut end = None;
            for (i, c) in rest.iter().enumerate() {
                match (quote, *c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') => quote = Some(*c),
                    (None, c) if c == *open => depth += 1,
                    (None, c) if c == close => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            end.unwrap_or(1)
        }
        None => 1,
        Some(_) => {
            let mut n = 0;
            while n < rest.len() {
                let c = rest[n];
                let next = rest.get(n + 1).copied();
                let ends = matches!(c, ',' | ']' | '}')
                    || (c == ':' && matches!(next, None | Some(' ' | '\t')))
                    || (c == ' ' && next == Some('#'));
                if ends {
                    break;
                }
                n += 1;
            }
            rest[..n].iter().rev().skip_while(|c| c.is_whitespace()).count()
        }
    };
    len.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "service:\n  name: shop\nresources:\n  order: { fields: { id: { type: uuid } }, access: { read: [admin, \"user\"] } }\n";

    fn at(path: &[&str], target: Target) -> Option<(usize, usize, usize)> {
        let mut p = KeyPath::root();
        for s in path {
            p = match s.parse::<usize>() {
                Ok(i) => p.index(i),
                Err(_) => p.key(s),
            };
        }
        locate(SRC, &p, target).map(|l| (l.line, l.column, l.len))
    }

    #[test]
    fn keys_and_values_in_block_maps() {
        assert_eq!(at(&["service", "name"], Target::Key), Some((2, 3, 4)));
        assert_eq!(at(&["service", "name"], Target::Value), Some((2, 9, 4)));
    }

    #[test]
    fn keys_and_values_in_flow_maps_and_lists() {
        assert_eq!(at(&["resources", "order", "fields", "id", "type"], Target::Value), Some((4, 34, 4)));
        assert_eq!(at(&["resources", "order", "access", "read", "1"], Target::Value), Some((4, 68, 6)));
    }

    #[test]
    fn a_missing_path_falls_back_to_its_nearest_ancestor_key() {
        assert_eq!(at(&["resources", "order", "owner"], Target::Key), Some((4, 3, 5)));
        assert_eq!(at(&[], Target::Key), Some((1, 1, 7)));
    }
}
