//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Secure-by-default API scaffolds from a declarative resource spec.
///
/// Exit codes: 0 success, 1 findings (errors, or warnings with --deny-warnings), 2 usage or
/// I/O error.
#[derive(Debug, Parser)]
#[command(name = "securegen", version, propagate_version = true, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate a spec: every error with file:line:column, the key and a hint; security
    /// lints as warnings.
    Check {
        /// The spec to check.
        #[arg(default_value = "securegen.yaml")]
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Fail (exit 1) on warnings too; for CI.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Show who may call each action on which rows, who sees each field and who may write it.
    Explain {
        /// The spec to explain.
        #[arg(default_value = "securegen.yaml")]
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// Print the JSON Schema (draft-07) of securegen.yaml, for editor completion.
    Schema {
        /// Write the schema to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// How `check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// Diagnostics with source snippets, on standard error.
    Text,
    /// One JSON document on standard output.
    Json,
}

/// How `explain` prints the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainFormat {
    /// Aligned tables.
    Text,
    /// The matrix as JSON.
    Json,
    /// Markdown tables, e.g. for a pull request.
    Markdown,
}

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// When standard error is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}
