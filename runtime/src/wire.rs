//! How the typed bodies hooks see (`XCreate`, `XUpdate`) read and write their values as JSON:
//! timestamps as RFC 3339, dates as `YYYY-MM-DD`, and — for optional fields of an update —
//! the difference between a key left out (`None`) and a key set to `null` (`Some(None)`,
//! which clears the field). Generated code names these modules in `#[serde(with = …)]`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// A present key, possibly `null`: `Some(None)` is null, a missing key is `None` (with
/// `#[serde(default)]`).
pub mod double_option {
    use super::*;

    /// Serializes the inner option (`null` for `Some(None)`).
    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    /// Reads a present key: `null` is `Some(None)`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn ts_text(t: &OffsetDateTime) -> Result<String, time::error::Format> {
    t.format(&Rfc3339)
}

fn ts_parse<E: serde::de::Error>(s: &str) -> Result<OffsetDateTime, E> {
    securegen_model::values::parse_timestamp(s).ok_or_else(|| E::custom("not an RFC 3339 timestamp"))
}

fn date_parse<E: serde::de::Error>(s: &str) -> Result<Date, E> {
    securegen_model::values::parse_date(s).ok_or_else(|| E::custom("not a date"))
}

/// `OffsetDateTime` as RFC 3339.
pub mod timestamp {
    use super::*;

    /// Writes RFC 3339.
    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ts_text(t).map_err(serde::ser::Error::custom)?)
    }

    /// Reads RFC 3339.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        ts_parse(&String::deserialize(d)?)
    }
}

/// `Option<OffsetDateTime>` as RFC 3339 or `null`.
pub mod timestamp_option {
    use super::*;

    /// Writes RFC 3339 or `null`.
    pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&ts_text(t).map_err(serde::ser::Error::custom)?),
            None => s.serialize_none(),
        }
    }

    /// Reads RFC 3339 or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
        Option::<String>::deserialize(d)?.map(|s| ts_parse(&s)).transpose()
    }
}

/// `Option<Option<OffsetDateTime>>` of an update: absent, `null`, or RFC 3339.
pub mod timestamp_double_option {
    use super::*;

    /// Writes `null` or RFC 3339 (`None` is skipped by the field's attribute).
    pub fn serialize<S: Serializer>(t: &Option<Option<OffsetDateTime>>, s: S) -> Result<S::Ok, S::Error> {
        super::timestamp_option::serialize(&t.flatten(), s)
    }

    /// Reads a present key.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<OffsetDateTime>>, D::Error> {
        super::timestamp_option::deserialize(d).map(Some)
    }
}

/// `Date` as `YYYY-MM-DD`.
pub mod date {
    use super::*;

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&securegen_model::values::format_date(*d))
    }

    /// Reads `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        date_parse(&String::deserialize(d)?)
    }
}

/// `Option<Date>` as `YYYY-MM-DD` or `null`.
pub mod date_option {
    use super::*;

    /// Writes `YYYY-MM-DD` or `null`.
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&securegen_model::values::format_date(*d)),
            None => s.serialize_none(),
        }
    }

    /// Reads `YYYY-MM-DD` or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(d)?.map(|s| date_parse(&s)).transpose()
    }
}

/// `Option<Option<Date>>` of an update: absent, `null`, or `YYYY-MM-DD`.
pub mod date_double_option {
    use super::*;

    /// Writes `null` or `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &Option<Option<Date>>, s: S) -> Result<S::Ok, S::Error> {
        super::date_option::serialize(&d.flatten(), s)
    }

    /// Reads a present key.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Date>>, D::Error> {
        super::date_option::deserialize(d).map(Some)
    }
}
