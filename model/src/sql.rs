//! The SQL of the model, per dialect, as text: no I/O, so the CLI writes migrations with it
//! and the runtime runs the same statements. Identifiers are table and field names from a
//! validated spec (`^[a-z][a-z0-9_]*$`), always double-quoted; values are never in the text.

use crate::model::Resource;

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

/// Longest identifier PostgreSQL keeps whole (it truncates longer ones silently).
const MAX_IDENT_BYTES: usize = 63;

/// An index the scoped statements of a resource need, so that what a caller's request costs
/// depends on the caller's rows, not on everyone's (OWASP API4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The index name: `{table}_{columns}_idx`, or a hashed form when that would be longer
    /// than PostgreSQL keeps (truncation could make two names one).
    pub name: String,
    /// The columns, the scope first and the id last (keyset pagination walks it in order).
    pub columns: Vec<String>,
}

/// The indexes of `r`: one per scope shape its statements filter by. Lookups by id use the
/// primary key; a list filtered by owner or tenant walks `(scope…, id)` from the cursor.
/// With a tenant, every caller is confined to it: `(tenant, id)` serves callers who see the
/// whole tenant, `(tenant, owner, id)` those who see their own rows.
pub fn indexes(r: &Resource) -> Vec<Index> {
    let mut shapes: Vec<Vec<&str>> = Vec::new();
    // A nested resource's statements all name the parent: `(parent, …, id)`; the owner is
    // found up the chain through primary keys.
    let parent = r.parent_field().map(|f| f.name.as_str());
    if let Some(key) = parent {
        shapes.push(vec![key]);
    }
    match (&r.tenant, &r.owner) {
        (Some(t), Some(o)) => {
            shapes.push(vec![&t.field]);
            shapes.push(vec![&t.field, o]);
        }
        (Some(t), None) => shapes.push(vec![&t.field]),
        (None, Some(o)) => shapes.push(vec![o]),
        (None, None) => {}
    }
    // A filtered or sorted list is served by (scope…, field, id) in each scope a caller can
    // have: without the owner (a role that lists every row, under the tenant if any) and with
    // it. Search is a substring match: no B-tree index serves it; the scope and the page
    // bound its cost.
    let prefixes: Vec<Vec<&str>> = match (&r.tenant, &r.owner, parent) {
        (_, _, Some(key)) => vec![vec![key]],
        (Some(t), Some(o), None) => vec![vec![&t.field], vec![&t.field, o]],
        (Some(t), None, None) => vec![vec![&t.field]],
        (None, Some(o), None) => vec![vec![], vec![o]],
        (None, None, None) => vec![vec![]],
    };
    let mut queried: Vec<&str> = Vec::new();
    for f in r.list.filter.iter().chain(&r.list.sort) {
        if !queried.contains(&f.as_str()) {
            queried.push(f);
        }
    }
    for f in queried {
        for prefix in &prefixes {
            if !prefix.contains(&f) && f != r.id {
                let mut shape = prefix.clone();
                shape.push(f);
                shapes.push(shape);
            }
        }
    }
    // A foreign key is checked from the other side on every delete of the row it points at:
    // without an index, deleting one product would read every order line.
    for f in r.fields.iter().filter(|f| f.reference.is_some()) {
        let shape = vec![f.name.as_str()];
        if !shapes.contains(&shape) {
            shapes.push(shape);
        }
    }
    shapes
        .into_iter()
        .map(|scope| {
            let mut columns: Vec<String> = scope.into_iter().map(str::to_owned).collect();
            columns.push(r.id.clone());
            Index { name: index_name(&r.table, &columns), columns }
        })
        .collect()
}

/// `{table}_{col}_{col}_idx`, or `{table prefix}_{hash}_idx` when that is longer than 63
/// bytes: deterministic, and distinct for distinct column lists.
fn index_name(table: &str, columns: &[String]) -> String {
    bounded_name(table, columns, "idx")
}

/// The name of the foreign key of `column` in `table`: `{table}_{column}_fkey`, bounded
/// like an index name (PostgreSQL would otherwise truncate it, and a migration could not
/// name it to drop it).
pub fn foreign_key_name(table: &str, column: &str) -> String {
    bounded_name(table, &[column.to_owned()], "fkey")
}

/// `{table}_{parts}_{suffix}`, or `{table prefix}_{hash}_{suffix}` past 63 bytes.
fn bounded_name(table: &str, columns: &[String], suffix: &str) -> String {
    let full = format!("{table}_{}_{suffix}", columns.join("_"));
    if full.len() <= MAX_IDENT_BYTES {
        return full;
    }
    let hash = fnv1a(full.as_bytes());
    let keep = MAX_IDENT_BYTES - "_0123456789abcdef_".len() - suffix.len();
    let mut end = keep.min(table.len());
    while !table.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}_{hash:016x}_{suffix}", &table[..end])
}

/// FNV-1a, 64 bits: a stable, dependency-free hash for names (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The statements that create a resource's table and its indexes, each without a trailing
/// `;`, all idempotent (`IF NOT EXISTS`): the first migration of a resource, and what
/// `create_missing_tables` runs.
pub fn schema_sql(r: &Resource, d: Dialect) -> Vec<String> {
    let table = crate::migrate::Table::of(r);
    let mut out = vec![crate::migrate::create_table(&table, d)];
    out.extend(table.indexes.iter().map(|ix| crate::migrate::create_index(&table.name, ix)));
    out
}

/// [`schema_sql`] as one script.
pub fn schema_script(r: &Resource, d: Dialect) -> String {
    let mut script = schema_sql(r, d).join(";\n");
    script.push(';');
    script
}

/// The `CREATE TABLE` of a resource in a dialect (without its indexes).
pub fn create_table_sql(r: &Resource, d: Dialect) -> String {
    crate::migrate::create_table(&crate::migrate::Table::of(r), d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_fit_postgres_and_stay_distinct() {
        let long = "t".repeat(63);
        let a = index_name(&long, &["tenant_id".into(), "id".into()]);
        let b = index_name(&long, &["tenant_id".into(), "owner_id".into(), "id".into()]);
        assert!(a.len() <= MAX_IDENT_BYTES && b.len() <= MAX_IDENT_BYTES, "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(index_name("orders", &["owner_id".into(), "id".into()]), "orders_owner_id_id_idx");
    }
}
