//! `securegen audit`: the OWASP API Security Top 10 (2023) per resource.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::render::Style;

use crate::args::CheckFormat;
use crate::commands::valid_spec;
use crate::error::CliError;

/// Audits `file`; an invalid spec prints its errors and exits 1.
pub(crate) fn run(file: &Path, format: CheckFormat, style: Style) -> Result<ExitCode, CliError> {
    let Some((src, spec)) = valid_spec(file, style)? else {
        return Ok(ExitCode::from(1));
    };
    let audits = securegen_model::audit::audit(&spec, &src);
    let mut out = std::io::stdout().lock();
    match format {
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &audits).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        CheckFormat::Text => write!(out, "{}", securegen_model::audit::render(&audits, &file.display().to_string()))?,
    }
    Ok(ExitCode::SUCCESS)
}
