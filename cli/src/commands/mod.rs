//! One module per subcommand.

pub(crate) mod audit;
pub(crate) mod check;
pub(crate) mod diff;
pub(crate) mod expand;
pub(crate) mod explain;
pub(crate) mod generate;
pub(crate) mod new;
pub(crate) mod schema;
pub(crate) mod token;

use std::io::Write as _;
use std::path::Path;

use securegen_model::render::{Style, text};

use crate::error::CliError;
use crate::source;

/// Reads and checks a spec; on errors, prints them and answers `None`.
pub(crate) fn valid_spec(file: &Path, style: Style) -> Result<Option<(String, securegen_model::Spec)>, CliError> {
    let src = source::read(file)?;
    let report = securegen_model::check(&src);
    let name = file.display().to_string();
    match report.spec {
        Some(spec) => Ok(Some((src, spec))),
        None => {
            let errors: Vec<_> =
                report.diagnostics.iter().filter(|d| d.severity == securegen_model::Severity::Error).cloned().collect();
            let mut err = std::io::stderr().lock();
            writeln!(err, "{}", text(&name, &src, &errors, style))?;
            writeln!(err, "`{name}` is invalid (see `securegen check`)")?;
            Ok(None)
        }
    }
}
