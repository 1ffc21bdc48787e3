//! Values bound to statements, typed by their column so that a NULL has a type too. A body's
//! JSON value becomes a bind only after validation; a value that still does not convert is a
//! 422 naming the field, never a 500.

use securegen_model::{Field, FieldType};
use serde_json::Value;

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// Text (and, on SQLite, the text forms of uuids, timestamps and dates).
    Text(Option<String>),
    /// A 64-bit integer.
    Int(Option<i64>),
    /// A finite float.
    Float(Option<f64>),
    /// A boolean.
    Bool(Option<bool>),
    /// A uuid.
    Uuid(Option<uuid::Uuid>),
    /// A timestamp.
    Timestamp(Option<time::OffsetDateTime>),
    /// A date.
    Date(Option<time::Date>),
}

impl Bind {
    /// A NULL of `ty`'s column.
    pub fn null(ty: FieldType) -> Self {
        match ty {
            FieldType::Int => Self::Int(None),
            FieldType::Float => Self::Float(None),
            FieldType::Bool => Self::Bool(None),
            FieldType::Uuid | FieldType::Ref => Self::Uuid(None),
            FieldType::Timestamp => Self::Timestamp(None),
            FieldType::Date => Self::Date(None),
            _ => Self::Text(None),
        }
    }

    /// The bind of a (validated) JSON value of field `f`; `None` when it does not convert.
    pub fn of(f: &Field, v: &Value) -> Option<Self> {
        if v.is_null() {
            return Some(Self::null(f.ty));
        }
        use securegen_model::values::{parse_date, parse_timestamp, parse_uuid};
        Some(match f.ty {
            FieldType::Int => Self::Int(Some(v.as_i64()?)),
            FieldType::Float => Self::Float(Some(v.as_f64().filter(|x| x.is_finite())?)),
            FieldType::Bool => Self::Bool(Some(v.as_bool()?)),
            FieldType::Uuid | FieldType::Ref => Self::Uuid(Some(parse_uuid(v.as_str()?)?)),
            FieldType::Timestamp => Self::Timestamp(Some(parse_timestamp(v.as_str()?)?)),
            FieldType::Date => Self::Date(Some(parse_date(v.as_str()?)?)),
            _ => Self::Text(Some(v.as_str()?.to_owned())),
        })
    }

    /// A text bind.
    pub fn text(s: &str) -> Self {
        Self::Text(Some(s.to_owned()))
    }
}

#[cfg(feature = "sqlite")]
impl rusqlite::ToSql for Bind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as V};
        let owned = |v: Option<V>| Ok(ToSqlOutput::Owned(v.unwrap_or(V::Null)));
        match self {
            Self::Text(Some(s)) => Ok(ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes()))),
            Self::Text(None) => owned(None),
            Self::Int(v) => owned(v.map(V::Integer)),
            Self::Float(v) => owned(v.map(V::Real)),
            Self::Bool(v) => owned(v.map(|b| V::Integer(i64::from(b)))),
            Self::Uuid(v) => owned(v.map(|u| V::Text(u.hyphenated().to_string()))),
            Self::Timestamp(v) => owned(v.map(|t| V::Text(securegen_model::values::format_timestamp(t)))),
            Self::Date(v) => owned(v.map(|d| V::Text(securegen_model::values::format_date(d)))),
        }
    }
}
