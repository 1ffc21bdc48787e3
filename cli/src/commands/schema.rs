//! `securegen schema`: the JSON Schema of securegen.yaml.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::error::CliError;

/// Prints the schema, or writes it to `output`.
pub(crate) fn run(output: Option<&Path>) -> Result<ExitCode, CliError> {
    let mut text =
        serde_json::to_string_pretty(&securegen_model::schema::json_schema()).map_err(std::io::Error::from)?;
    text.push('\n');
    match output {
        Some(path) => {
            std::fs::write(path, text).map_err(|source| CliError::WriteFile { path: path.to_owned(), source })?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
