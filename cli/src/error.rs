//! Errors that stop a command before it can report findings: exit code 2.

use std::io::Write as _;
use std::path::PathBuf;

use securegen_model::render::Style;

/// Why rendering a service failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed (a typo in an override, raw text where an escaper is needed).
    #[error("template {name}: {source:#}")]
    Template {
        /// The template.
        name: String,
        /// What minijinja said.
        source: minijinja::Error,
    },
    /// A template of `--templates DIR` could not be read.
    #[error("{path}: {source}")]
    Override {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Generated Rust did not parse (a bug: generated code must always parse).
    #[error("generated Rust does not parse: {0}")]
    Rust(#[from] syn::Error),
    /// A JSON document could not be written.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The spec changed in a way no migration can make in place.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Plan(Vec<securegen_model::migrate::PlanError>),
    /// The spec change can lose data and `--allow-destructive` was not given.
    #[error("{} change(s) can lose data: pass --allow-destructive to write them", .0.len())]
    Destructive(Vec<(securegen_model::migrate::Change, String)>),
}

/// A usage or I/O failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The spec could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The spec is larger than any reasonable spec.
    #[error("`{}` is {bytes} bytes; a spec is at most {} bytes", path.display(), crate::source::MAX_SPEC_BYTES)]
    TooLarge { path: PathBuf, bytes: u64 },
    /// The spec is not UTF-8 text.
    #[error("`{}` is not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    /// An output file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    WriteFile { path: PathBuf, source: std::io::Error },
    /// Standard output or error could not be written (e.g. a closed pipe).
    #[error("cannot write output: {0}")]
    Write(#[from] std::io::Error),
    /// The command would destroy or misuse something; the message says what.
    #[error("{0}")]
    Refused(String),
    /// A template failed to render.
    #[error("rendering failed: {0}")]
    Render(#[from] RenderError),
}

impl CliError {
    /// Prints the error on standard error.
    pub(crate) fn report(&self, style: Style) {
        if let Self::Write(e) = self
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            return;
        }
        let label = match style {
            Style::Ansi => "\x1b[1;31merror\x1b[0m",
            Style::Plain => "error",
        };
        let _ = writeln!(std::io::stderr(), "{label}: {self}");
    }
}
