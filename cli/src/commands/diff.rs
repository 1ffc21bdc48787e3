//! `securegen diff OLD NEW`: what a spec change does to exposure, and to the database layout
//! (the migration `generate` would write); exit 1 when exposure widens.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::diff::{Direction, diff, render};
use securegen_model::migrate::{Layout, plan};
use securegen_model::render::Style;
use serde::Serialize;

use crate::args::CheckFormat;
use crate::commands::valid_spec;
use crate::error::CliError;

/// One change of the database layout, as `diff` reports it.
#[derive(Debug, Serialize)]
struct SchemaChange {
    /// The resource, as it is called in the new spec.
    resource: String,
    /// What the migration does, in one line.
    what: String,
    /// Why it can lose data, when it can (it then needs `generate --allow-destructive`).
    destructive: Option<String>,
    /// Why it may fail on a table with rows, when it may.
    caveat: Option<String>,
}

/// Both reports, for `--format json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    exposure: &'a [securegen_model::diff::Change],
    schema: &'a [SchemaChange],
    /// Layout changes the database cannot make in place, each with what to do.
    schema_errors: Vec<String>,
}

/// Compares two specs; both must be valid.
pub(crate) fn run(old: &Path, new: &Path, format: CheckFormat, style: Style) -> Result<ExitCode, CliError> {
    let (Some((_, before)), Some((_, after))) = (valid_spec(old, style)?, valid_spec(new, style)?) else {
        return Ok(ExitCode::from(2));
    };
    let changes = diff(&before, &after);
    let widens = changes.iter().filter(|c| c.direction == Direction::Widens).count();
    let (schema, schema_errors) = match plan(&Layout::of(&before.resources), &Layout::of(&after.resources)) {
        Ok(steps) => (
            steps
                .iter()
                .map(|c| SchemaChange {
                    resource: c.resource().to_owned(),
                    what: c.describe(),
                    destructive: c.destructive(),
                    caveat: c.caveat(),
                })
                .collect(),
            Vec::new(),
        ),
        Err(errors) => (Vec::new(), errors.iter().map(|e| format!("{e}; hint: {}", e.hint())).collect()),
    };
    let mut out = std::io::stdout().lock();
    match format {
        CheckFormat::Json => {
            let report = Report { exposure: &changes, schema: &schema, schema_errors };
            serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        CheckFormat::Text => {
            write!(out, "{}{}", render(&changes), render_schema(&schema, &schema_errors))?;
            let verdict = if widens > 0 {
                format!("exposure grows: {widens} widening change(s)")
            } else {
                "exposure does not grow".to_owned()
            };
            writeln!(std::io::stderr().lock(), "{verdict}")?;
        }
    }
    Ok(crate::findings(widens > 0))
}

/// The layout changes as text, after the exposure changes: `~ [order] add field …`, with a
/// `!` line under each destructive one.
fn render_schema(schema: &[SchemaChange], errors: &[String]) -> String {
    let mut s = String::new();
    if schema.is_empty() && errors.is_empty() {
        return s;
    }
    s.push_str("schema:\n");
    for c in schema {
        let _ = writeln!(s, "~ [{}] {}", c.resource, c.what);
        if let Some(why) = &c.destructive {
            let _ = writeln!(s, "  ! destructive: {why} (needs generate --allow-destructive)");
        }
        if let Some(why) = &c.caveat {
            let _ = writeln!(s, "  ! {why}");
        }
    }
    for e in errors {
        let _ = writeln!(s, "  ! cannot migrate: {e}");
    }
    s
}
