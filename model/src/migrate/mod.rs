//! Spec evolution: the database layout a spec needs ([`Layout`]), what changed between two
//! layouts ([`plan`]), and the SQL of each change per dialect ([`script`]). Pure: the CLI
//! writes the files, the runtime applies them.
//!
//! A layout is what a migration was made from; `.securegen/layout.json` keeps the latest, so
//! that the next `securegen generate` writes only what changed since. Bounds, patterns and
//! enum values are not in it: the database does not store them (the policy enforces them on
//! writes, and stored rows that no longer satisfy them are still read).

mod files;
mod plan;
mod script;

use serde::{Deserialize, Serialize};

pub use files::{DIRS, Next, NextError, SNAPSHOT_PATH, Snapshot, next, parse_file_name, stem};
pub use plan::{Change, PlanError, plan};
pub use script::{Migration, create_index, create_table, script};

use crate::model::{Literal, Resource};
use crate::sql::{Index, VERSION_COLUMN, indexes};
use crate::vocab::{FieldType, OnDelete, ServerValue};

/// The tables of a service, in spec order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Layout {
    /// The tables.
    pub tables: Vec<Table>,
}

/// One resource's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The resource (for messages and migration names).
    pub resource: String,
    /// The table name.
    pub name: String,
    /// The table this one was called before (`renamed_from:` of the resource), when the
    /// spec says so. Not kept in the snapshot: once migrated, the old name is history.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    /// The columns, in field order (the version column last).
    pub columns: Vec<Column>,
    /// The indexes its scoped statements need.
    pub indexes: Vec<TableIndex>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The column (and field) name.
    pub name: String,
    /// How the database stores it.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether it may hold NULL.
    pub nullable: bool,
    /// Whether it is the primary key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
    /// What the column was called before (`renamed_from:` of the field). Not kept.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    /// What existing rows get when the column is added. Not kept.
    #[serde(skip)]
    pub fill: Fill,
    /// The row of another table a `ref` column points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<ForeignKey>,
}

/// A foreign key: the table and column a `ref` column points at, and what deleting the row
/// pointed at does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The referenced table.
    pub table: String,
    /// Its id column.
    pub column: String,
    /// `restrict` or `cascade`.
    pub on_delete: OnDelete,
}

/// An index, by name and columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableIndex {
    /// The name.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<String>,
}

/// How a database stores a field: field types that share a storage (every textual type and
/// `enum`) change into each other without touching the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// `string`, `text`, `email`, `url`, `enum`, `password`.
    Text,
    /// `int`.
    Integer,
    /// `float`.
    Real,
    /// `bool`.
    Boolean,
    /// `uuid`.
    Uuid,
    /// `timestamp`.
    Timestamp,
    /// `date`.
    Date,
    /// The row version of `etag: true`.
    Version,
}

impl ColumnType {
    /// The storage of a field type.
    pub fn of(ty: FieldType) -> Self {
        match ty {
            FieldType::Int => Self::Integer,
            FieldType::Float => Self::Real,
            FieldType::Bool => Self::Boolean,
            FieldType::Uuid | FieldType::Ref => Self::Uuid,
            FieldType::Timestamp => Self::Timestamp,
            FieldType::Date => Self::Date,
            _ => Self::Text,
        }
    }

    /// Whether every value of `self` converts to `to` and back unchanged.
    pub fn widens_to(self, to: Self) -> bool {
        self == to || matches!((self, to), (Self::Integer, Self::Real))
    }
}

/// What the rows a table already has get in a column added to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Fill {
    /// NULL (an optional field).
    #[default]
    Null,
    /// The field's default.
    Default(Literal),
    /// The time of the migration (`server: now`).
    Now,
    /// A fresh uuid per row (`server: uuid`).
    NewUuid,
    /// Nothing fits (a required field without a default, the owner, the tenant): the
    /// migration succeeds only on an empty table.
    Nothing,
}

/// `resources` in the order their tables can be created: each after the resources it
/// references (the checker refuses cycles; a reference to itself needs nothing first).
/// Otherwise in the given order.
pub fn creation_order<'a>(resources: &[&'a Resource]) -> Vec<&'a Resource> {
    let tables: Vec<Table> = resources.iter().map(|r| Table::of(r)).collect();
    plan::by_references(tables.iter())
        .into_iter()
        .filter_map(|t| resources.iter().copied().find(|r| r.table == t.name))
        .collect()
}

impl Layout {
    /// The layout `resources` need, with the renames their spec declares.
    pub fn of<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Self {
        Self { tables: resources.into_iter().map(Table::of).collect() }
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

impl Table {
    /// The table of `r`.
    pub fn of(r: &Resource) -> Self {
        let mut columns: Vec<Column> = r
            .fields
            .iter()
            .map(|f| Column {
                name: f.name.clone(),
                ty: ColumnType::of(f.ty),
                nullable: f.optional,
                primary: f.primary,
                renamed_from: f.renamed_from.clone(),
                fill: match (&f.default, f.server, f.optional) {
                    (_, _, true) => Fill::Null,
                    (Some(d), _, false) => Fill::Default(d.clone()),
                    (None, Some(ServerValue::Now), false) => Fill::Now,
                    (None, Some(ServerValue::Uuid), false) => Fill::NewUuid,
                    (None, _, false) => Fill::Nothing,
                },
                references: f.reference.as_ref().map(|x| ForeignKey {
                    table: x.table.clone(),
                    column: x.column.clone(),
                    on_delete: x.on_delete,
                }),
            })
            .collect();
        if r.etag {
            columns.push(Column {
                name: VERSION_COLUMN.to_owned(),
                ty: ColumnType::Version,
                nullable: false,
                primary: false,
                renamed_from: None,
                fill: Fill::Default(Literal::Number(crate::model::Number::Int(1))),
                references: None,
            });
        }
        Self {
            resource: r.name.clone(),
            name: r.table.clone(),
            renamed_from: r.renamed_from.clone(),
            columns,
            indexes: indexes(r).into_iter().map(|Index { name, columns }| TableIndex { name, columns }).collect(),
        }
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
