//! `securegen check`: validate a spec and report every problem.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::render::{JsonReport, Style, text};

use crate::args::CheckFormat;
use crate::error::CliError;
use crate::{findings, source};

/// Checks `file`; exit 1 on errors (or on warnings with `deny_warnings`).
pub(crate) fn run(file: &Path, format: CheckFormat, deny_warnings: bool, style: Style) -> Result<ExitCode, CliError> {
    let src = source::read(file)?;
    let report = securegen_model::check(&src);
    let name = file.display().to_string();
    let failed = report.errors() > 0 || (deny_warnings && report.warnings() > 0);
    match format {
        CheckFormat::Json => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &JsonReport::new(&name, &report)).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        CheckFormat::Text => {
            let mut err = std::io::stderr().lock();
            if !report.diagnostics.is_empty() {
                writeln!(err, "{}", text(&name, &src, &report.diagnostics, style))?;
            }
            writeln!(err, "{}", summary(&name, &report, deny_warnings))?;
        }
    }
    Ok(findings(failed))
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The closing line: what was found and whether the spec is accepted.
fn summary(name: &str, report: &securegen_model::Report, deny_warnings: bool) -> String {
    let (errors, warnings) = (report.errors(), report.warnings());
    match (&report.spec, errors, warnings) {
        (_, e, w) if e > 0 => format!("`{name}` is invalid: {}, {}", count(e, "error"), count(w, "warning")),
        (_, _, w) if w > 0 && deny_warnings => {
            format!("`{name}` is valid but has {} and --deny-warnings is set", count(w, "warning"))
        }
        (Some(spec), _, w) => {
            let tail = if w > 0 { format!(", {}", count(w, "warning")) } else { String::new() };
            format!("`{name}` is valid: {}{tail}", count(spec.resources.len(), "resource"))
        }
        (None, _, _) => format!("`{name}` is invalid"),
    }
}
