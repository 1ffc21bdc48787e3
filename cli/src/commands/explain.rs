//! `securegen explain`: the role × action × field matrix.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::explain::{TableStyle, explain, render};
use securegen_model::render::{Style, text};

use crate::args::ExplainFormat;
use crate::error::CliError;
use crate::source;

/// Explains `file`; an invalid spec prints its errors and exits 1.
pub(crate) fn run(file: &Path, format: ExplainFormat, style: Style) -> Result<ExitCode, CliError> {
    let src = source::read(file)?;
    let report = securegen_model::check(&src);
    let name = file.display().to_string();
    let Some(spec) = report.spec.as_ref() else {
        let errors: Vec<_> =
            report.diagnostics.iter().filter(|d| d.severity == securegen_model::Severity::Error).cloned().collect();
        let mut err = std::io::stderr().lock();
        writeln!(err, "{}", text(&name, &src, &errors, style))?;
        writeln!(err, "`{name}` is invalid; fix it before explaining (see `securegen check`)")?;
        return Ok(ExitCode::from(1));
    };
    let matrix = explain(spec);
    let mut out = std::io::stdout().lock();
    match format {
        ExplainFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &matrix).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        ExplainFormat::Text => write!(out, "{}", render(&matrix, TableStyle::Text))?,
        ExplainFormat::Markdown => write!(out, "{}", render(&matrix, TableStyle::Markdown))?,
    }
    Ok(ExitCode::SUCCESS)
}
