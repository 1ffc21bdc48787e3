//! Decoding columns into the Rust types of a resource's fields, per driver. Generated code
//! calls [`RowReader::get`] once per field; each type knows how each driver stores it
//! (SQLite: text for uuids, timestamps and dates; PostgreSQL: native types).

/// A column that did not hold what its field's type needs (a database edited by hand, or a
/// schema older than the binary). Logged, answered as a 500 without detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {index}: {reason}")]
pub struct DecodeError {
    /// The column.
    pub index: usize,
    /// What was wrong.
    pub reason: String,
}

impl DecodeError {
    pub(crate) fn new(index: usize, reason: impl Into<String>) -> Self {
        Self { index, reason: reason.into() }
    }
}

/// A row being decoded, column by column.
pub trait RowReader {
    /// Column `index` as a `T`.
    fn get<T: Column>(&mut self, index: usize) -> Result<T, DecodeError>;
}

/// A Rust type a field can have, readable from each driver.
pub trait Column: Sized {
    /// From an SQLite value.
    #[cfg(feature = "sqlite")]
    fn from_sqlite(v: rusqlite::types::ValueRef<'_>, index: usize) -> Result<Self, DecodeError>;
    /// From column `index` of a PostgreSQL row.
    #[cfg(feature = "postgres")]
    fn from_pg(row: &sqlx::postgres::PgRow, index: usize) -> Result<Self, DecodeError>;
}

#[cfg(feature = "sqlite")]
fn sqlite_text<'a>(v: rusqlite::types::ValueRef<'a>, index: usize) -> Result<&'a str, DecodeError> {
    match v {
        rusqlite::types::ValueRef::Text(t) => {
            std::str::from_utf8(t).map_err(|_| DecodeError::new(index, "text is not UTF-8"))
        }
        other => Err(DecodeError::new(index, format!("expected text, found {:?}", other.data_type()))),
    }
}

#[cfg(feature = "postgres")]
fn pg<T>(row: &sqlx::postgres::PgRow, index: usize) -> Result<T, DecodeError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    use sqlx::Row as _;
    row.try_get::<T, _>(index).map_err(|e| DecodeError::new(index, e.to_string()))
}

macro_rules! column {
    ($ty:ty, |$v:ident, $i:ident| $sqlite:expr) => {
        impl Column for $ty {
            #[cfg(feature = "sqlite")]
            fn from_sqlite($v: rusqlite::types::ValueRef<'_>, $i: usize) -> Result<Self, DecodeError> {
                $sqlite
            }
            #[cfg(feature = "postgres")]
            fn from_pg(row: &sqlx::postgres::PgRow, index: usize) -> Result<Self, DecodeError> {
                pg::<$ty>(row, index)
            }
        }
    };
}

column!(String, |v, i| sqlite_text(v, i).map(str::to_owned));
column!(i64, |v, i| match v {
    rusqlite::types::ValueRef::Integer(n) => Ok(n),
    other => Err(DecodeError::new(i, format!("expected an integer, found {:?}", other.data_type()))),
});
column!(f64, |v, i| match v {
    rusqlite::types::ValueRef::Real(x) => Ok(x),
    #[allow(clippy::cast_precision_loss)]
    rusqlite::types::ValueRef::Integer(n) => Ok(n as f64),
    other => Err(DecodeError::new(i, format!("expected a number, found {:?}", other.data_type()))),
});
column!(bool, |v, i| match v {
    rusqlite::types::ValueRef::Integer(n) => Ok(n != 0),
    other => Err(DecodeError::new(i, format!("expected a boolean, found {:?}", other.data_type()))),
});
column!(uuid::Uuid, |v, i| {
    let s = sqlite_text(v, i)?;
    securegen_model::values::parse_uuid(s).ok_or_else(|| DecodeError::new(i, "not a uuid"))
});
column!(time::OffsetDateTime, |v, i| {
    let s = sqlite_text(v, i)?;
    securegen_model::values::parse_timestamp(s).ok_or_else(|| DecodeError::new(i, "not an RFC 3339 timestamp"))
});
column!(time::Date, |v, i| {
    let s = sqlite_text(v, i)?;
    securegen_model::values::parse_date(s).ok_or_else(|| DecodeError::new(i, "not a date"))
});

impl<T: Column> Column for Option<T> {
    #[cfg(feature = "sqlite")]
    fn from_sqlite(v: rusqlite::types::ValueRef<'_>, index: usize) -> Result<Self, DecodeError> {
        match v {
            rusqlite::types::ValueRef::Null => Ok(None),
            v => T::from_sqlite(v, index).map(Some),
        }
    }

    #[cfg(feature = "postgres")]
    fn from_pg(row: &sqlx::postgres::PgRow, index: usize) -> Result<Self, DecodeError> {
        use sqlx::{Row as _, ValueRef as _};
        let raw = row.try_get_raw(index).map_err(|e| DecodeError::new(index, e.to_string()))?;
        if raw.is_null() { Ok(None) } else { T::from_pg(row, index).map(Some) }
    }
}

/// Reads an SQLite row.
#[cfg(feature = "sqlite")]
pub(crate) struct SqliteRow<'a, 'r>(pub(crate) &'a rusqlite::Row<'r>);

#[cfg(feature = "sqlite")]
impl RowReader for SqliteRow<'_, '_> {
    fn get<T: Column>(&mut self, index: usize) -> Result<T, DecodeError> {
        let v = self.0.get_ref(index).map_err(|e| DecodeError::new(index, e.to_string()))?;
        T::from_sqlite(v, index)
    }
}

/// Reads a PostgreSQL row.
#[cfg(feature = "postgres")]
pub(crate) struct PgRowReader<'a>(pub(crate) &'a sqlx::postgres::PgRow);

#[cfg(feature = "postgres")]
impl RowReader for PgRowReader<'_> {
    fn get<T: Column>(&mut self, index: usize) -> Result<T, DecodeError> {
        T::from_pg(self.0, index)
    }
}
