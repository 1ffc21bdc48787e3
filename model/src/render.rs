//! Rendering diagnostics for people (a rustc-style snippet of the source with the offending
//! token underlined) and for machines (JSON).

use std::fmt::Write as _;

use serde::Serialize;

use crate::diag::{Diagnostic, Severity};

/// Terminal colours, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain text (files, pipes, snapshots).
    Plain,
    /// ANSI colours (a terminal).
    Ansi,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        match self {
            Self::Plain => text.to_owned(),
            Self::Ansi => format!("\x1b[{code}m{text}\x1b[0m"),
        }
    }
}

/// Renders one diagnostic with a snippet of `src`, named `file`:
///
/// ```text
/// error[unknown-key]: unknown key `mx_len` in `item`
///   --> shop.yaml:23:29
///    |
/// 23 |       item: { type: string, mx_len: 100 }
///    |                             ^^^^^^
///    = at: resources.order.fields.item.mx_len
///    = hint: did you mean `max_len`?
/// ```
pub fn diagnostic(file: &str, src: &str, d: &Diagnostic, style: Style) -> String {
    let (label, colour) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    let mut out = String::new();
    let head = format!("{label}[{}]", d.code.as_str());
    let _ = writeln!(out, "{}{}", style.paint(colour, &head), style.paint("1", &format!(": {}", d.message)));
    let blue = |t: &str| style.paint("1;34", t);
    match d.location {
        Some(loc) => {
            let number = loc.line.to_string();
            let pad = " ".repeat(number.len());
            let _ = writeln!(out, "{pad}{} {file}:{}:{}", blue("-->"), loc.line, loc.column);
            if let Some(text) = src.lines().nth(loc.line.saturating_sub(1)) {
                let shown: String =
                    text.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|c| !c.is_control()).collect();
                let _ = writeln!(out, "{pad} {}", blue("|"));
                let _ = writeln!(out, "{} {}", blue(&format!("{number} |")), shown.trim_end());
                let marks = format!("{}{}", " ".repeat(loc.column.saturating_sub(1)), "^".repeat(loc.len.max(1)));
                let _ = writeln!(out, "{pad} {} {}", blue("|"), style.paint(colour, &marks));
            }
            if d.code != crate::diag::Code::YamlSyntax {
                let _ = writeln!(out, "{pad} {} at: {}", blue("="), d.path);
            }
            if let Some(h) = &d.hint {
                let _ = writeln!(out, "{pad} {} hint: {h}", blue("="));
            }
        }
        None => {
            let _ = writeln!(out, "  {} {file}", blue("-->"));
            if let Some(h) = &d.hint {
                let _ = writeln!(out, "  {} hint: {h}", blue("="));
            }
        }
    }
    out
}

/// Renders every diagnostic, separated by blank lines.
pub fn text(file: &str, src: &str, diagnostics: &[Diagnostic], style: Style) -> String {
    diagnostics.iter().map(|d| diagnostic(file, src, d, style)).collect::<Vec<_>>().join("\n")
}

/// The JSON form of a file's diagnostics.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// The file checked.
    pub file: &'a str,
    /// Whether the spec is valid (no errors; warnings allowed).
    pub valid: bool,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Every diagnostic, in source order.
    pub diagnostics: &'a [Diagnostic],
}

impl<'a> JsonReport<'a> {
    /// Builds the JSON form of a report.
    pub fn new(file: &'a str, report: &'a crate::Report) -> Self {
        Self {
            file,
            valid: report.errors() == 0,
            errors: report.errors(),
            warnings: report.warnings(),
            diagnostics: &report.diagnostics,
        }
    }
}
