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
    /// Scaffold a service that builds and runs at once: resources, migrations, OpenAPI,
    /// attack tests, a .env with a fresh secret. Rendered in memory first, then written.
    New {
        /// The directory to create; its name is the service name when there is no --spec.
        dir: PathBuf,
        /// The spec to build from (default: a starter spec).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Override the spec's database.
        #[arg(long, value_enum)]
        database: Option<DatabaseArg>,
        /// Replace embedded templates by the files of this directory (same names).
        #[arg(long)]
        templates: Option<PathBuf>,
        /// Write into an existing, non-empty directory.
        #[arg(long)]
        force: bool,
        /// Depend on securegen at this path (default: this checkout).
        #[arg(long, conflicts_with = "securegen_version")]
        securegen_path: Option<String>,
        /// Depend on this crates.io version of securegen instead of a path.
        #[arg(long)]
        securegen_version: Option<String>,
        /// Write a Cargo.toml meant as a member of an enclosing workspace (no `[workspace]`).
        #[arg(long)]
        workspace_member: bool,
    },
    /// Rewrite the @generated files of the service here from its securegen.yaml, and write the
    /// next migration for what changed in it (never rewriting one already written).
    Generate {
        /// Report drift and exit 1 instead of writing (for CI).
        #[arg(long)]
        check: bool,
        /// With --check, also print what would change, as a line diff.
        #[arg(long, requires = "check")]
        diff: bool,
        /// Overwrite generated files even when they were edited by hand (migrations never).
        #[arg(long)]
        force: bool,
        /// Write a migration that can lose data (a dropped field or resource, a narrowing type
        /// change, an optional field made required); without it such a change writes nothing.
        #[arg(long)]
        allow_destructive: bool,
        /// Replace embedded templates by the files of this directory.
        #[arg(long)]
        templates: Option<PathBuf>,
        /// The service directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Mint a development token signed with the secret in the environment or .env.
    Token {
        /// The subject (`sub`).
        #[arg(long)]
        sub: String,
        /// A role (repeatable).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// An extra claim `name=value`, e.g. a tenant: --claim org=acme (repeatable).
        #[arg(long = "claim")]
        claims: Vec<String>,
        /// Seconds until it expires (1 to 86400).
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// The service directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// The OWASP API Security Top 10 (2023) per resource: which control answers each item
    /// (with its spec line), what is open, what does not apply.
    Audit {
        /// The spec to audit.
        #[arg(default_value = "securegen.yaml")]
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// What a spec change does to exposure, and to the database layout (the migration
    /// `generate` would write); exits 1 when exposure widens (for pull-request checks).
    /// `--format json` prints `{ exposure, schema, schema_errors }`.
    Diff {
        /// The spec before the change.
        old: PathBuf,
        /// The spec after the change.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Print what #[secure_resource] writes for each annotated struct of a Rust file,
    /// formatted (stable toolchain, no cargo expand); exits 1 when the macro refuses one.
    Expand {
        /// The Rust file holding the annotated structs.
        #[arg(default_value = "src/lib.rs")]
        file: PathBuf,
        /// Only the struct of this resource (its `name`, or its snake-cased type name).
        #[arg(long)]
        resource: Option<String>,
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

/// A database choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DatabaseArg {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}
