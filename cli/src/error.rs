//! Errors that stop a command before it can report findings: exit code 2.

use std::io::Write as _;
use std::path::PathBuf;

use securegen_model::render::Style;

/// A usage or I/O failure.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The spec could not be read.
    Read { path: PathBuf, source: std::io::Error },
    /// The spec is larger than any reasonable spec.
    TooLarge { path: PathBuf, bytes: u64 },
    /// The spec is not UTF-8 text.
    NotText { path: PathBuf },
    /// An output file could not be written.
    WriteFile { path: PathBuf, source: std::io::Error },
    /// Standard output or error could not be written (e.g. a closed pipe).
    Write(std::io::Error),
    /// The command would destroy or misuse something; the message says what.
    Refused(String),
    /// A template failed to render.
    Render(String),
}

impl CliError {
    /// Prints the error on standard error.
    pub(crate) fn report(&self, style: Style) {
        let label = match style {
            Style::Ansi => "\x1b[1;31merror\x1b[0m",
            Style::Plain => "error",
        };
        let message = match self {
            Self::Read { path, source } => format!("cannot read `{}`: {source}", path.display()),
            Self::TooLarge { path, bytes } => {
                format!(
                    "`{}` is {bytes} bytes; a spec is at most {} bytes",
                    path.display(),
                    crate::source::MAX_SPEC_BYTES
                )
            }
            Self::NotText { path } => format!("`{}` is not UTF-8 text", path.display()),
            Self::WriteFile { path, source } => format!("cannot write `{}`: {source}", path.display()),
            Self::Write(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return,
            Self::Write(e) => format!("cannot write output: {e}"),
            Self::Refused(m) => m.clone(),
            Self::Render(m) => format!("rendering failed: {m}"),
        };
        let _ = writeln!(std::io::stderr(), "{label}: {message}");
    }
}
