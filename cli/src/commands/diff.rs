//! `securegen diff OLD NEW`: what a spec change does to exposure; exit 1 when it widens.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::diff::{Direction, diff, render};
use securegen_model::render::Style;

use crate::args::CheckFormat;
use crate::commands::valid_spec;
use crate::error::CliError;

/// Compares two specs; both must be valid.
pub(crate) fn run(old: &Path, new: &Path, format: CheckFormat, style: Style) -> Result<ExitCode, CliError> {
    let (Some((_, before)), Some((_, after))) = (valid_spec(old, style)?, valid_spec(new, style)?) else {
        return Ok(ExitCode::from(2));
    };
    let changes = diff(&before, &after);
    let widens = changes.iter().filter(|c| c.direction == Direction::Widens).count();
    let mut out = std::io::stdout().lock();
    match format {
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &changes).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        CheckFormat::Text => {
            write!(out, "{}", render(&changes))?;
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
