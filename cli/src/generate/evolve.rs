//! Migrations from spec changes: the layout the spec needs, against the one the last
//! migration was made from (`.securegen/layout.json`), makes the next numbered migration per
//! dialect ([`securegen_model::migrate::next`]). A migration once written is never
//! rewritten: the next change is the next number.

use securegen_model::Spec;
use securegen_model::migrate::{Layout, NextError, SNAPSHOT_PATH, Snapshot, next, stem};
use serde::Serialize;

use super::{File, Owner};
use crate::error::RenderError;

/// What a service already has: its snapshot and the migrations on disk (number and name).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// `.securegen/layout.json`, when there is one.
    pub snapshot: Option<Snapshot>,
    /// The migrations found in `migrations/sqlite/`, in order.
    pub migrations: Vec<(u32, String)>,
    /// Whether changes that can lose data may be written (`--allow-destructive`).
    pub allow_destructive: bool,
}

/// One migration of the service, for `src/lib.rs`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Listed {
    version: u32,
    /// `0002_add_order_note`.
    file: String,
    name: String,
}

/// What the spec change produced.
pub(crate) struct Evolution {
    /// The new migration files (none when nothing changed) and the snapshot.
    pub(crate) files: Vec<File>,
    /// Every migration, old and new, in order.
    pub(crate) listed: Vec<Listed>,
}

/// The migration the spec needs after `history`, if any.
pub(crate) fn evolve(spec: &Spec, history: &History) -> Result<Evolution, RenderError> {
    let layout = Layout::of(&spec.resources);
    let mut listed: Vec<Listed> = match &history.snapshot {
        Some(_) => {
            history.migrations.iter().map(|(v, n)| Listed { version: *v, file: stem(*v, n), name: n.clone() }).collect()
        }
        // No snapshot: the first migration (or a service made before snapshots, whose one
        // migration was rewritten at every `generate`: it is, once more, then kept).
        None => Vec::new(),
    };
    let made = next(history.snapshot.as_ref(), &layout, history.allow_destructive).map_err(|e| match e {
        NextError::Plan(errors) => RenderError::Plan(errors),
        NextError::Destructive(changes) => RenderError::Destructive(changes),
    })?;
    let Some(m) = made else {
        let version = history.snapshot.as_ref().map_or(0, |s| s.version);
        return Ok(Evolution { files: vec![snapshot(version, &layout)], listed });
    };
    let owner = if history.snapshot.is_some() { Owner::Migration } else { Owner::Generated };
    let mut files = vec![
        File { path: format!("migrations/sqlite/{}.sql", m.stem).into(), contents: m.sqlite, owner },
        File { path: format!("migrations/postgres/{}.sql", m.stem).into(), contents: m.postgres, owner },
        snapshot(m.version, &layout),
    ];
    files.sort_by(|a, b| a.path.cmp(&b.path));
    listed.push(Listed { version: m.version, file: m.stem, name: m.name });
    Ok(Evolution { files, listed })
}

fn snapshot(version: u32, layout: &Layout) -> File {
    File { path: SNAPSHOT_PATH.into(), contents: Snapshot::new(version, layout).to_text(), owner: Owner::Generated }
}
