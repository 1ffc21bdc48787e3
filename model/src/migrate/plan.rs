//! What changed between the layout the last migration was made from and the one the spec
//! needs now: tables and columns matched by name or by their `renamed_from:`, every
//! difference one [`Change`], each knowing whether it can lose data.

use super::{Column, ColumnType, Fill, Layout, Table, TableIndex};

/// One change of the database layout.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new resource.
    CreateTable(Table),
    /// A resource renamed (`renamed_from:`): its rows are kept.
    RenameTable {
        /// The resource, as it is called now.
        resource: String,
        /// The table's name before.
        from: String,
        /// Its name now.
        to: String,
    },
    /// A resource removed, with its rows.
    DropTable {
        /// The resource as it was called.
        resource: String,
        /// The table.
        table: String,
    },
    /// A new field.
    AddColumn {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The column, with what existing rows get.
        column: Column,
    },
    /// A field renamed (`renamed_from:`): its values are kept.
    RenameColumn {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The name before.
        from: String,
        /// The name now.
        to: String,
    },
    /// A field removed, with its values.
    DropColumn {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A field whose storage or nullability changed.
    AlterColumn {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The column as it was (under its new name, when it was renamed too).
        from: Column,
        /// The column as it is now.
        to: Column,
    },
    /// An index the statements now need.
    CreateIndex {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The index.
        index: TableIndex,
    },
    /// An index no statement needs any more.
    DropIndex {
        /// The resource.
        resource: String,
        /// The table.
        table: String,
        /// The index name.
        name: String,
    },
}

/// A change that cannot be made in place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The id identifies every row: it cannot change.
    #[error(
        "the id of `{resource}` changed from `{from}` to `{to}`: rows are addressed by their id, which cannot change"
    )]
    IdChanged {
        /// The resource.
        resource: String,
        /// The id column before.
        from: String,
        /// The id column now.
        to: String,
    },
    /// A conversion the database cannot do safely.
    #[error("`{resource}.{column}` cannot change from {} to {} in place", from.word(), to.word())]
    Conversion {
        /// The resource.
        resource: String,
        /// The column.
        column: String,
        /// Its storage before.
        from: ColumnType,
        /// Its storage now.
        to: ColumnType,
    },
    /// `renamed_from:` names something that still exists next to the new name.
    #[error("`{what}` is renamed from `{from}`, but `{from}` still exists")]
    RenameClash {
        /// The resource or `resource.field`.
        what: String,
        /// The old name.
        from: String,
    },
}

impl PlanError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::IdChanged { .. } => "keep the id field as it was",
            Self::Conversion { .. } => {
                "add a new field, copy the values over (a hook or a script), then drop the old one with --allow-destructive"
            }
            Self::RenameClash { .. } => "remove `renamed_from:` once the old name is gone, or remove the old one",
        }
    }
}

impl Change {
    /// Why the change can lose data or fail on existing rows, when it can: such changes need
    /// `generate --allow-destructive`.
    pub fn destructive(&self) -> Option<String> {
        match self {
            Self::DropTable { resource, .. } => Some(format!("drops resource `{resource}` and every row of it")),
            Self::DropColumn { resource, column, .. } => {
                Some(format!("drops field `{resource}.{column}` and every value of it"))
            }
            Self::AlterColumn { resource, from, to, .. } if !from.ty.widens_to(to.ty) => Some(format!(
                "changes `{resource}.{}` from {} to {}: values can change or be refused",
                to.name,
                from.ty.word(),
                to.ty.word()
            )),
            Self::AlterColumn { resource, from, to, .. } if from.nullable && !to.nullable => {
                Some(format!("makes `{resource}.{}` required: a row without a value stops the migration", to.name))
            }
            _ => None,
        }
    }

    /// A warning that does not stop generation: a change that applies only to an empty table.
    pub fn caveat(&self) -> Option<String> {
        match self {
            // A reference has no sensible default: each row needs its own row to point at.
            Self::AddColumn { resource, column, .. } if column.fill == Fill::Nothing && column.references.is_some() => {
                Some(format!(
                    "adds required reference `{resource}.{}`: the migration stops on a table with rows; on a live table add it as an optional `ref` first, fill it for the rows you have, then make it required (or nest the resource)",
                    column.name
                ))
            }
            Self::AddColumn { resource, column, .. } if column.fill == Fill::Nothing => Some(format!(
                "adds required field `{resource}.{}` with no default: the migration stops on a table with rows; give the field a default or make it optional",
                column.name
            )),
            _ => None,
        }
    }

    /// The resource the change is about (as it is called now).
    pub fn resource(&self) -> &str {
        match self {
            Self::CreateTable(t) => &t.resource,
            Self::RenameTable { resource, .. }
            | Self::DropTable { resource, .. }
            | Self::AddColumn { resource, .. }
            | Self::RenameColumn { resource, .. }
            | Self::DropColumn { resource, .. }
            | Self::AlterColumn { resource, .. }
            | Self::CreateIndex { resource, .. }
            | Self::DropIndex { resource, .. } => resource,
        }
    }

    /// A short name for the change, for a migration's file name: `add_order_note`.
    pub fn slug(&self) -> String {
        match self {
            Self::CreateTable(t) => format!("create_{}", t.resource),
            Self::RenameTable { from, to, .. } => format!("rename_{from}_to_{to}"),
            Self::DropTable { resource, .. } => format!("drop_{resource}"),
            Self::AddColumn { resource, column, .. } => format!("add_{resource}_{}", column.name),
            Self::RenameColumn { resource, from, to, .. } => format!("rename_{resource}_{from}_to_{to}"),
            Self::DropColumn { resource, column, .. } => format!("drop_{resource}_{column}"),
            Self::AlterColumn { resource, to, .. } => format!("change_{resource}_{}", to.name),
            Self::CreateIndex { resource, .. } | Self::DropIndex { resource, .. } => format!("index_{resource}"),
        }
    }

    /// One line for people: `add field order.note (text, optional)`.
    pub fn describe(&self) -> String {
        match self {
            Self::CreateTable(t) => format!("create resource `{}` (table {})", t.resource, t.name),
            Self::RenameTable { from, to, .. } => format!("rename table {from} to {to}, keeping its rows"),
            Self::DropTable { resource, table } => format!("drop resource `{resource}` (table {table})"),
            Self::AddColumn { resource, column, .. } => format!(
                "add field `{resource}.{}` ({}{})",
                column.name,
                column.ty.word(),
                if column.nullable { ", optional" } else { "" }
            ),
            Self::RenameColumn { resource, from, to, .. } => {
                format!("rename field `{resource}.{from}` to `{to}`, keeping its values")
            }
            Self::DropColumn { resource, column, .. } => format!("drop field `{resource}.{column}`"),
            Self::AlterColumn { resource, from, to, .. } => format!(
                "change field `{resource}.{}` from {}{} to {}{}",
                to.name,
                from.ty.word(),
                if from.nullable { " (optional)" } else { "" },
                to.ty.word(),
                if to.nullable { " (optional)" } else { "" }
            ),
            Self::CreateIndex { table, index, .. } => format!("index {table} by ({})", index.columns.join(", ")),
            Self::DropIndex { table, name, .. } => format!("drop index {name} of {table}"),
        }
    }
}

impl ColumnType {
    /// The type as a word for messages.
    pub fn word(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "int",
            Self::Real => "float",
            Self::Boolean => "bool",
            Self::Uuid => "uuid",
            Self::Timestamp => "timestamp",
            Self::Date => "date",
            Self::Version => "version",
        }
    }

    /// Whether the database can turn every value of `self` into `to` without refusing one:
    /// widening, or writing it as text. Text into anything else could hold values the new
    /// type cannot read, so it is not done in place.
    fn converts_to(self, to: Self) -> bool {
        self.widens_to(to) || to == Self::Text || matches!((self, to), (Self::Real, Self::Integer))
    }
}

/// The changes that turn `old` into `new`, in the order a migration runs them: renames,
/// then each table's column and index changes, then new tables, then dropped ones.
pub fn plan(old: &Layout, new: &Layout) -> Result<Vec<Change>, Vec<PlanError>> {
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    let mut matched_old: Vec<&str> = Vec::new();
    let mut created = Vec::new();
    let mut per_table = Vec::new();
    for t in &new.tables {
        let Some(before) = counterpart(old, t, &mut errors) else {
            created.push(Change::CreateTable(t.clone()));
            continue;
        };
        matched_old.push(&before.name);
        if before.name != t.name {
            changes.push(Change::RenameTable {
                resource: t.resource.clone(),
                from: before.name.clone(),
                to: t.name.clone(),
            });
        }
        per_table.extend(table_changes(before, t, &mut errors));
    }
    // New tables before the columns that may point at them, each after the tables it points
    // at; dropped tables last, each before the tables it points at.
    changes.extend(
        by_references(created.iter().filter_map(|c| match c {
            Change::CreateTable(t) => Some(t),
            _ => None,
        }))
        .into_iter()
        .map(|t| Change::CreateTable(t.clone())),
    );
    changes.extend(per_table);
    let dropped = by_references(old.tables.iter().filter(|t| !matched_old.contains(&t.name.as_str())));
    for t in dropped.into_iter().rev() {
        changes.push(Change::DropTable { resource: t.resource.clone(), table: t.name.clone() });
    }
    if errors.is_empty() { Ok(changes) } else { Err(errors) }
}

/// `tables` with each after the tables among them it points at (the checker refuses cycles;
/// a table pointing at itself needs nothing first). Order is otherwise kept.
pub(super) fn by_references<'a>(tables: impl IntoIterator<Item = &'a Table>) -> Vec<&'a Table> {
    let mut pending: Vec<&Table> = tables.into_iter().collect();
    let mut out: Vec<&Table> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let waits = |t: &Table, pending: &[&Table]| {
            t.columns
                .iter()
                .filter_map(|c| c.references.as_ref())
                .any(|fk| fk.table != t.name && pending.iter().any(|p| p.name == fk.table))
        };
        let next = pending.iter().position(|t| !waits(t, &pending)).unwrap_or(0);
        out.push(pending.remove(next));
    }
    out
}

/// The old table `t` continues: the one with its name, else the one its `renamed_from:`
/// names (by resource name).
fn counterpart<'a>(old: &'a Layout, t: &Table, errors: &mut Vec<PlanError>) -> Option<&'a Table> {
    let same = old.table(&t.name);
    let renamed = t.renamed_from.as_deref().and_then(|from| old.tables.iter().find(|o| o.resource == from));
    match (same, renamed) {
        (Some(s), Some(r)) if s.name != r.name => {
            errors.push(PlanError::RenameClash { what: t.resource.clone(), from: r.resource.clone() });
            Some(s)
        }
        (Some(s), _) => Some(s),
        (None, r) => r,
    }
}

/// The column and index changes of one table that continues.
fn table_changes(before: &Table, t: &Table, errors: &mut Vec<PlanError>) -> Vec<Change> {
    let (resource, table) = (t.resource.clone(), t.name.clone());
    let mut changes = Vec::new();
    let renames: Vec<(String, String)> = t
        .columns
        .iter()
        .filter_map(|c| {
            let from = c.renamed_from.as_ref()?;
            (before.column(from).is_some() && before.column(&c.name).is_none()).then(|| (from.clone(), c.name.clone()))
        })
        .collect();
    for c in &t.columns {
        if let Some(from) = &c.renamed_from
            && before.column(from).is_some()
            && before.column(&c.name).is_some()
        {
            errors.push(PlanError::RenameClash { what: format!("{resource}.{}", c.name), from: from.clone() });
        }
    }
    fn old_name<'a>(renames: &'a [(String, String)], new: &'a str) -> &'a str {
        renames.iter().find(|(_, to)| to == new).map_or(new, |(from, _)| from.as_str())
    }
    let kept: Vec<&str> = t.columns.iter().map(|c| old_name(&renames, &c.name)).collect();
    let new_indexes: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
    for ix in before.indexes.iter().filter(|ix| !new_indexes.contains(&ix.name.as_str()) || before.name != t.name) {
        changes.push(Change::DropIndex { resource: resource.clone(), table: table.clone(), name: ix.name.clone() });
    }
    for (from, to) in &renames {
        changes.push(Change::RenameColumn {
            resource: resource.clone(),
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    for c in &t.columns {
        match before.column(old_name(&renames, &c.name)) {
            None => {
                changes.push(Change::AddColumn { resource: resource.clone(), table: table.clone(), column: c.clone() })
            }
            Some(b) if b.primary != c.primary || (c.primary && b.name != c.name) => {
                errors.push(PlanError::IdChanged {
                    resource: resource.clone(),
                    from: b.name.clone(),
                    to: c.name.clone(),
                });
            }
            Some(b) if b.ty != c.ty && !b.ty.converts_to(c.ty) => errors.push(PlanError::Conversion {
                resource: resource.clone(),
                column: c.name.clone(),
                from: b.ty,
                to: c.ty,
            }),
            Some(b) if b.ty != c.ty || b.nullable != c.nullable || b.references != c.references => {
                changes.push(Change::AlterColumn {
                    resource: resource.clone(),
                    table: table.clone(),
                    from: Column { name: c.name.clone(), ..b.clone() },
                    to: c.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for b in before.columns.iter().filter(|b| !kept.contains(&b.name.as_str())) {
        changes.push(Change::DropColumn { resource: resource.clone(), table: table.clone(), column: b.name.clone() });
    }
    let old_indexes: Vec<&str> = before.indexes.iter().map(|i| i.name.as_str()).collect();
    for ix in t.indexes.iter().filter(|ix| !old_indexes.contains(&ix.name.as_str()) || before.name != t.name) {
        changes.push(Change::CreateIndex { resource: resource.clone(), table: table.clone(), index: ix.clone() });
    }
    changes
}
