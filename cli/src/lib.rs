//! `securegen`: the command line. A thin shell over `securegen-model` and
//! `securegen-codegen`: it parses arguments, reads files, renders, prints, and maps outcomes
//! to exit codes (0 ok, 1 findings, 2 usage or I/O). The binary is [`run`]; [`generate`] is
//! public so that tests can render services in memory.
#![forbid(unsafe_code)]

mod args;
mod commands;
mod error;
pub mod generate;
mod manifest;
mod source;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// The `securegen` command: parses the command line, runs the command, answers its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let style = source::style(cli.color);
    let outcome = match cli.command {
        Command::Check { file, format, deny_warnings } => commands::check::run(&file, format, deny_warnings, style),
        Command::Explain { file, format } => commands::explain::run(&file, format, style),
        Command::Schema { output } => commands::schema::run(output.as_deref()),
        Command::Expand { file, resource } => commands::expand::run(&file, resource.as_deref()),
        Command::Audit { file, format } => commands::audit::run(&file, format, style),
        Command::Diff { old, new, format } => commands::diff::run(&old, &new, format, style),
        Command::New { dir, spec, database, templates, force, securegen_path, securegen_version, workspace_member } => {
            let database = database.map(|d| match d {
                args::DatabaseArg::Sqlite => securegen_model::Database::Sqlite,
                args::DatabaseArg::Postgres => securegen_model::Database::Postgres,
            });
            let args = commands::new::NewArgs {
                dir: &dir,
                spec: spec.as_deref(),
                database,
                templates: templates.as_deref(),
                force,
                securegen_path: securegen_path.as_deref(),
                securegen_version: securegen_version.as_deref(),
                standalone: !workspace_member,
            };
            commands::new::run(&args, style)
        }
        Command::Generate { check, diff, force, allow_destructive, templates, dir } => {
            let args = commands::generate::GenerateArgs {
                dir: &dir,
                check,
                diff,
                force,
                allow_destructive,
                templates: templates.as_deref(),
            };
            commands::generate::run(&args, style)
        }
        Command::Token { sub, roles, claims, ttl, dir } => commands::token::run(&commands::token::TokenArgs {
            dir: &dir,
            sub: &sub,
            roles: &roles,
            claims: &claims,
            ttl,
        }),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            e.report(style);
            ExitCode::from(2)
        }
    }
}

/// What a command found, as an exit code.
pub(crate) fn findings(any: bool) -> ExitCode {
    if any { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
