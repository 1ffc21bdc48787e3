//! The SQL of a migration, per dialect. Identifiers come from a validated spec
//! (`^[a-z][a-z0-9_]*$`), always double-quoted; the only values in the text are spec
//! defaults, written as SQL literals with quotes doubled.
//!
//! PostgreSQL alters tables in place. SQLite cannot change a column's type or nullability, or
//! add a required column filled by an expression, with `ALTER TABLE`: such a table is rebuilt
//! (new table, rows copied, old dropped, new renamed, indexes recreated), in the migration's
//! transaction like everything else.

use std::fmt::Write as _;

use super::plan::Change;
use super::{Column, ColumnType, Fill, ForeignKey, Layout, Table, TableIndex};
use crate::model::{Literal, Number};
use crate::sql::Dialect;
use crate::vocab::OnDelete;

/// A migration: its name and its script for each dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// `add_order_note`: the file name after the number.
    pub name: String,
    /// The SQLite script.
    pub sqlite: String,
    /// The PostgreSQL script.
    pub postgres: String,
}

/// The migration that makes `changes` (planned from `old` to `new`).
pub fn script(changes: &[Change], old: &Layout, new: &Layout) -> Migration {
    Migration { name: name(changes), sqlite: sqlite(changes, old, new), postgres: postgres(changes) }
}

/// The name of a migration: the slug of its one change, or the resources it touches.
fn name(changes: &[Change]) -> String {
    let mut name = match changes {
        [one] => one.slug(),
        _ => {
            let mut resources: Vec<&str> = Vec::new();
            for r in changes.iter().map(Change::resource) {
                if !resources.contains(&r) {
                    resources.push(r);
                }
            }
            format!("update_{}", resources.join("_"))
        }
    };
    if name.len() > 48 {
        name.truncate(48);
        name = name.trim_end_matches('_').to_owned();
    }
    name
}

/// `"name" TYPE [PRIMARY KEY] [NOT NULL]`.
fn column_ddl(table: &str, c: &Column, d: Dialect) -> String {
    let mut s = format!("\"{}\" {}", c.name, column_type(c.ty, d));
    if c.primary {
        s.push_str(" PRIMARY KEY");
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if c.ty == ColumnType::Version {
        s.push_str(" DEFAULT 1");
    }
    if let Some(fk) = &c.references {
        s.push(' ');
        s.push_str(&references(table, &c.name, fk));
    }
    s
}

/// `CONSTRAINT "t_c_fkey" REFERENCES "products" ("id") ON DELETE RESTRICT`: named, so that a
/// later migration can drop it.
fn references(table: &str, column: &str, fk: &ForeignKey) -> String {
    let on_delete = match fk.on_delete {
        OnDelete::Restrict => "RESTRICT",
        OnDelete::Cascade => "CASCADE",
    };
    format!(
        "CONSTRAINT \"{}\" REFERENCES \"{}\" (\"{}\") ON DELETE {on_delete}",
        crate::sql::foreign_key_name(table, column),
        fk.table,
        fk.column
    )
}

/// The column type of a storage in a dialect. SQLite keeps uuids, timestamps (UTC,
/// microseconds, fixed width, so that text order is time order) and dates as text.
pub(super) fn column_type(ty: ColumnType, d: Dialect) -> &'static str {
    match (d, ty) {
        (Dialect::Sqlite, ColumnType::Integer | ColumnType::Boolean | ColumnType::Version) => "INTEGER",
        (Dialect::Sqlite, ColumnType::Real) => "REAL",
        (Dialect::Sqlite, _) => "TEXT",
        (Dialect::Postgres, ColumnType::Integer | ColumnType::Version) => "BIGINT",
        (Dialect::Postgres, ColumnType::Real) => "DOUBLE PRECISION",
        (Dialect::Postgres, ColumnType::Boolean) => "BOOLEAN",
        (Dialect::Postgres, ColumnType::Uuid) => "UUID",
        (Dialect::Postgres, ColumnType::Timestamp) => "TIMESTAMPTZ",
        (Dialect::Postgres, ColumnType::Date) => "DATE",
        (Dialect::Postgres, ColumnType::Text) => "TEXT",
    }
}

/// `CREATE TABLE IF NOT EXISTS` of a table.
pub fn create_table(t: &Table, d: Dialect) -> String {
    let cols: Vec<String> = t.columns.iter().map(|c| column_ddl(&t.name, c, d)).collect();
    format!("CREATE TABLE IF NOT EXISTS \"{}\" ({})", t.name, cols.join(", "))
}

/// `CREATE INDEX IF NOT EXISTS` of an index of `table`.
pub fn create_index(table: &str, ix: &TableIndex) -> String {
    let cols: Vec<String> = ix.columns.iter().map(|c| format!("\"{c}\"")).collect();
    format!("CREATE INDEX IF NOT EXISTS \"{}\" ON \"{table}\" ({})", ix.name, cols.join(", "))
}

/// A spec default as an SQL literal of the column's type.
fn literal(l: &Literal, ty: ColumnType, d: Dialect) -> String {
    match (l, d) {
        (Literal::Bool(b), Dialect::Sqlite) => u8::from(*b).to_string(),
        (Literal::Bool(b), Dialect::Postgres) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        (Literal::Number(Number::Int(i)), _) => i.to_string(),
        (Literal::Number(Number::Float(f)), _) => format!("{f:?}"),
        (Literal::Text(s), _) => {
            // Timestamps are stored in one canonical form, so that text order is time order.
            let canonical = (ty == ColumnType::Timestamp)
                .then(|| crate::values::parse_timestamp(s).map(crate::values::format_timestamp))
                .flatten();
            format!("'{}'", canonical.as_deref().unwrap_or(s).replace('\'', "''"))
        }
    }
}

/// The value existing rows get in a column added or rebuilt, as an SQL expression.
fn fill(c: &Column, d: Dialect) -> String {
    match (&c.fill, d) {
        (Fill::Default(l), d) => literal(l, c.ty, d),
        (Fill::Now, Dialect::Sqlite) if c.ty == ColumnType::Date => "date('now')".to_owned(),
        (Fill::Now, Dialect::Sqlite) => {
            // The canonical form: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (SQLite knows milliseconds).
            "strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z'".to_owned()
        }
        (Fill::Now, Dialect::Postgres) if c.ty == ColumnType::Date => "current_date".to_owned(),
        (Fill::Now, Dialect::Postgres) => "now()".to_owned(),
        (Fill::NewUuid, Dialect::Sqlite) => {
            // A random (version 4) uuid in the canonical lowercase hyphenated form.
            "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))".to_owned()
        }
        (Fill::NewUuid, Dialect::Postgres) => "gen_random_uuid()".to_owned(),
        (Fill::Null | Fill::Nothing, _) => "NULL".to_owned(),
    }
}

/// The PostgreSQL script.
fn postgres(changes: &[Change]) -> String {
    let d = Dialect::Postgres;
    let mut out = Vec::new();
    for c in changes {
        match c {
            Change::AddColumn { table, column, .. } => out.extend(postgres_add(table, column)),
            Change::AlterColumn { table, from, to, .. } => out.extend(postgres_alter(table, from, to)),
            _ => out.extend(shared(c, d)),
        }
    }
    join(&out)
}

/// The statements both dialects write alike: tables created, renamed and dropped, columns
/// renamed and dropped, indexes. Added and altered columns differ and are not here.
fn shared(c: &Change, d: Dialect) -> Vec<String> {
    match c {
        Change::CreateTable(t) => {
            let mut out = vec![create_table(t, d)];
            out.extend(t.indexes.iter().map(|ix| create_index(&t.name, ix)));
            out
        }
        Change::RenameTable { from, to, .. } => vec![format!("ALTER TABLE \"{from}\" RENAME TO \"{to}\"")],
        Change::DropTable { table, .. } => vec![format!("DROP TABLE \"{table}\"")],
        Change::RenameColumn { table, from, to, .. } => {
            vec![format!("ALTER TABLE \"{table}\" RENAME COLUMN \"{from}\" TO \"{to}\"")]
        }
        Change::DropColumn { table, column, .. } => vec![format!("ALTER TABLE \"{table}\" DROP COLUMN \"{column}\"")],
        Change::CreateIndex { table, index, .. } => vec![create_index(table, index)],
        Change::DropIndex { name, .. } => vec![format!("DROP INDEX IF EXISTS \"{name}\"")],
        Change::AddColumn { .. } | Change::AlterColumn { .. } => Vec::new(),
    }
}

/// `ADD COLUMN`, filling existing rows: a constant default stays the column's default; an
/// expression (`now()`, a fresh uuid) fills the rows once and is dropped.
fn postgres_add(table: &str, c: &Column) -> Vec<String> {
    let d = Dialect::Postgres;
    let add = format!("ALTER TABLE \"{table}\" ADD COLUMN {}", column_ddl(table, c, d));
    match c.fill {
        Fill::Null | Fill::Nothing => vec![add],
        Fill::Default(_) => vec![format!("{add} DEFAULT {}", fill(c, d))],
        Fill::Now | Fill::NewUuid => vec![
            format!("{add} DEFAULT {}", fill(c, d)),
            format!("ALTER TABLE \"{table}\" ALTER COLUMN \"{}\" DROP DEFAULT", c.name),
        ],
    }
}

/// Type and nullability changes in place; a value the new type refuses stops the migration.
fn postgres_alter(table: &str, from: &Column, to: &Column) -> Vec<String> {
    let mut out = Vec::new();
    let name = &to.name;
    if from.ty != to.ty {
        let ty = column_type(to.ty, Dialect::Postgres);
        out.push(format!("ALTER TABLE \"{table}\" ALTER COLUMN \"{name}\" TYPE {ty} USING \"{name}\"::{ty}"));
    }
    if from.nullable && !to.nullable {
        out.push(format!("ALTER TABLE \"{table}\" ALTER COLUMN \"{name}\" SET NOT NULL"));
    } else if !from.nullable && to.nullable {
        out.push(format!("ALTER TABLE \"{table}\" ALTER COLUMN \"{name}\" DROP NOT NULL"));
    }
    if from.references != to.references {
        let constraint = crate::sql::foreign_key_name(table, name);
        if from.references.is_some() {
            out.push(format!("ALTER TABLE \"{table}\" DROP CONSTRAINT IF EXISTS \"{constraint}\""));
        }
        if let Some(fk) = &to.references {
            // `references` writes `CONSTRAINT "name" REFERENCES …`: here it follows FOREIGN KEY.
            let clause = references(table, name, fk);
            let target = clause.split_once(" REFERENCES ").map_or(clause.as_str(), |(_, t)| t);
            out.push(format!(
                "ALTER TABLE \"{table}\" ADD CONSTRAINT \"{constraint}\" FOREIGN KEY (\"{name}\") REFERENCES {target}"
            ));
        }
    }
    out
}

/// Whether SQLite must rebuild a table for `c`.
fn needs_rebuild(c: &Change) -> bool {
    match c {
        Change::AlterColumn { .. } => true,
        Change::AddColumn { column, .. } => matches!(column.fill, Fill::Now | Fill::NewUuid | Fill::Nothing),
        _ => false,
    }
}

/// The SQLite script: tables with a change `ALTER TABLE` cannot make are rebuilt whole, in
/// place of their individual changes.
fn sqlite(changes: &[Change], old: &Layout, new: &Layout) -> String {
    let d = Dialect::Sqlite;
    let rebuilt: Vec<&str> = changes.iter().filter(|c| needs_rebuild(c)).map(table_of).collect();
    let mut out = Vec::new();
    let mut done: Vec<&str> = Vec::new();
    for c in changes {
        let table = table_of(c);
        if rebuilt.contains(&table) && !matches!(c, Change::RenameTable { .. }) {
            if !done.contains(&table) {
                done.push(table);
                if let Some(t) = new.table(table) {
                    out.extend(sqlite_rebuild(t, changes, old));
                }
            }
            continue;
        }
        match c {
            Change::AddColumn { table, column, .. } => {
                let mut add = format!("ALTER TABLE \"{table}\" ADD COLUMN {}", column_ddl(table, column, d));
                if let Fill::Default(_) = column.fill {
                    let _ = write!(add, " DEFAULT {}", fill(column, d));
                }
                out.push(add);
            }
            Change::AlterColumn { .. } => {}
            _ => out.extend(shared(c, d)),
        }
    }
    join(&out)
}

/// The table a change is about, by its name now.
fn table_of(c: &Change) -> &str {
    match c {
        Change::CreateTable(t) => &t.name,
        Change::RenameTable { to, .. } => to,
        Change::DropTable { table, .. }
        | Change::AddColumn { table, .. }
        | Change::RenameColumn { table, .. }
        | Change::DropColumn { table, .. }
        | Change::AlterColumn { table, .. }
        | Change::CreateIndex { table, .. }
        | Change::DropIndex { table, .. } => table,
    }
}

/// Rebuilds `t` (already under its new name): every column of the new layout from its old
/// column (renamed, converted) or its fill; indexes recreated.
fn sqlite_rebuild(t: &Table, changes: &[Change], old: &Layout) -> Vec<String> {
    let d = Dialect::Sqlite;
    let temp = format!("_securegen_new_{}", t.name);
    let renamed_from = |col: &str| {
        changes.iter().find_map(|c| match c {
            Change::RenameColumn { table, from, to, .. } if *table == t.name && to == col => Some(from.as_str()),
            _ => None,
        })
    };
    let old_table = changes
        .iter()
        .find_map(|c| match c {
            Change::RenameTable { from, to, .. } if *to == t.name => Some(from.as_str()),
            _ => None,
        })
        .unwrap_or(&t.name);
    let before = old.table(old_table);
    let mut names = Vec::new();
    let mut values = Vec::new();
    for c in &t.columns {
        let source = renamed_from(&c.name).unwrap_or(&c.name);
        let value = match before.and_then(|b| b.column(source)) {
            Some(b) if b.ty == c.ty => format!("\"{source}\""),
            Some(_) => format!("CAST(\"{source}\" AS {})", column_type(c.ty, d)),
            None => fill(c, d),
        };
        names.push(format!("\"{}\"", c.name));
        values.push(value);
    }
    let mut out = vec![
        create_table(&Table { name: temp.clone(), ..t.clone() }, d),
        format!("INSERT INTO \"{temp}\" ({}) SELECT {} FROM \"{}\"", names.join(", "), values.join(", "), t.name),
        format!("DROP TABLE \"{}\"", t.name),
        format!("ALTER TABLE \"{temp}\" RENAME TO \"{}\"", t.name),
    ];
    out.extend(t.indexes.iter().map(|ix| create_index(&t.name, ix)));
    out
}

/// Statements as a script: one per paragraph, each ended by `;`.
fn join(statements: &[String]) -> String {
    let mut s = String::new();
    for st in statements {
        s.push_str(st);
        s.push_str(";\n\n");
    }
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}
