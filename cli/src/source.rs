//! Reading a spec from disk and choosing the output style.

use std::io::IsTerminal as _;
use std::path::Path;

use securegen_model::render::Style;

use crate::args::ColorChoice;
use crate::error::CliError;

/// The largest spec accepted; a 500-resource spec is about 0.5 MiB.
pub(crate) const MAX_SPEC_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a spec file as text.
pub(crate) fn read(path: &Path) -> Result<String, CliError> {
    let meta = std::fs::metadata(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
    if meta.len() > MAX_SPEC_BYTES {
        return Err(CliError::TooLarge { path: path.to_owned(), bytes: meta.len() });
    }
    let bytes = std::fs::read(path).map_err(|source| CliError::Read { path: path.to_owned(), source })?;
    String::from_utf8(bytes).map_err(|_| CliError::NotText { path: path.to_owned() })
}

/// Colours when asked, or when standard error is a terminal and `NO_COLOR` is unset.
pub(crate) fn style(choice: ColorChoice) -> Style {
    let auto = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    match choice {
        ColorChoice::Always => Style::Ansi,
        ColorChoice::Auto if auto => Style::Ansi,
        _ => Style::Plain,
    }
}
