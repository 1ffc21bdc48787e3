//! The SQL of the model, per dialect, as text: no I/O, so the CLI writes migrations with it
//! and the runtime runs the same statements. Identifiers are table and field names from a
//! validated spec (`^[a-z][a-z0-9_]*$`), always double-quoted; values are never in the text.

use std::fmt::Write as _;

use crate::model::Resource;
use crate::vocab::FieldType;

/// The column holding the row version of `etag: true` resources.
pub const VERSION_COLUMN: &str = "_version";

/// The SQL dialect of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// `?` placeholders, `INTEGER`/`REAL`/`TEXT`.
    Sqlite,
    /// `$n` placeholders, `BIGINT`/`DOUBLE PRECISION`/`BOOLEAN`/`TEXT`.
    Postgres,
}

/// The column type of a field type in a dialect. SQLite keeps uuids, timestamps (UTC,
/// microseconds, fixed width, so that text order is time order) and dates as text;
/// PostgreSQL has native types for them.
pub fn column_type(d: Dialect, ty: FieldType) -> &'static str {
    match (d, ty) {
        (Dialect::Sqlite, FieldType::Int | FieldType::Bool) => "INTEGER",
        (Dialect::Sqlite, FieldType::Float) => "REAL",
        (Dialect::Postgres, FieldType::Int) => "BIGINT",
        (Dialect::Postgres, FieldType::Float) => "DOUBLE PRECISION",
        (Dialect::Postgres, FieldType::Bool) => "BOOLEAN",
        (Dialect::Postgres, FieldType::Uuid) => "UUID",
        (Dialect::Postgres, FieldType::Timestamp) => "TIMESTAMPTZ",
        (Dialect::Postgres, FieldType::Date) => "DATE",
        _ => "TEXT",
    }
}

/// The `CREATE TABLE` of a resource in a dialect.
pub fn create_table_sql(r: &Resource, d: Dialect) -> String {
    let cols: Vec<String> = r
        .fields
        .iter()
        .map(|f| {
            let mut c = format!("\"{}\" {}", f.name, column_type(d, f.ty));
            if f.primary {
                c.push_str(" PRIMARY KEY");
            }
            if !f.optional {
                c.push_str(" NOT NULL");
            }
            c
        })
        .collect();
    let mut sql = format!("CREATE TABLE IF NOT EXISTS \"{}\" ({}", r.table, cols.join(", "));
    if r.etag {
        let int = if d == Dialect::Postgres { "BIGINT" } else { "INTEGER" };
        let _ = write!(sql, ", \"{VERSION_COLUMN}\" {int} NOT NULL DEFAULT 1");
    }
    sql.push(')');
    sql
}
