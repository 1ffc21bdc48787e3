//! `securegen token`: a development token for the service in the current directory, signed
//! with the secret from the environment or its `.env`. It says on standard error which of
//! the two it used, refuses to override the claims it writes itself, and keeps lifetimes
//! short.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use securegen_model::token::{Claims, mint};

use crate::error::CliError;
use crate::source;

/// Options of `securegen token`.
pub(crate) struct TokenArgs<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) sub: &'a str,
    pub(crate) roles: &'a [String],
    pub(crate) claims: &'a [String],
    pub(crate) ttl: u64,
}

/// Where the secret came from.
enum Source {
    Environment,
    DotEnv,
}

/// The secret named `name`: the environment first, then `dir/.env`.
fn secret(dir: &Path, name: &str) -> Result<(String, Source), CliError> {
    if let Some(v) = std::env::var(name).ok().filter(|v| !v.is_empty()) {
        return Ok((v, Source::Environment));
    }
    let path = dir.join(".env");
    if path.exists() {
        let entries = dotenvy::from_path_iter(&path)
            .map_err(|e| CliError::Refused(format!("cannot read `{}`: {e}", path.display())))?;
        for entry in entries {
            let (k, v) = entry.map_err(|e| CliError::Refused(format!("`{}` does not parse: {e}", path.display())))?;
            if k == name && !v.is_empty() {
                return Ok((v, Source::DotEnv));
            }
        }
    }
    Err(CliError::Refused(format!("{name} is not set in the environment or in `{}`", path.display())))
}

pub(crate) fn run(args: &TokenArgs<'_>) -> Result<ExitCode, CliError> {
    let yaml = source::read(&args.dir.join("securegen.yaml"))?;
    let Some(spec) = securegen_model::check(&yaml).spec else {
        return Err(CliError::Refused("securegen.yaml is invalid: run `securegen check`".to_owned()));
    };
    let jwt = &spec.auth.jwt;
    let name = jwt.key.env();
    let mut extra = Vec::new();
    for c in args.claims {
        let (k, v) = c.split_once('=').ok_or_else(|| CliError::Refused(format!("--claim `{c}`: write name=value")))?;
        extra.push((k.to_owned(), v.to_owned()));
    }
    for role in args.roles {
        if !spec.roles.contains(role) {
            return Err(CliError::Refused(format!(
                "role `{role}` is not declared in securegen.yaml (roles: {})",
                spec.roles.join(", ")
            )));
        }
    }
    let (secret, source) = secret(args.dir, name)?;
    let claims = Claims { subject: args.sub, roles: args.roles, extra: &extra };
    let token =
        mint(jwt, &secret, claims, Duration::from_secs(args.ttl)).map_err(|e| CliError::Refused(e.to_string()))?;
    let from = match source {
        Source::Environment => "the environment".to_owned(),
        Source::DotEnv => format!("`{}`", args.dir.join(".env").display()),
    };
    writeln!(std::io::stderr().lock(), "signed with {name} from {from}; expires in {} s", args.ttl)?;
    writeln!(std::io::stdout().lock(), "{token}")?;
    Ok(ExitCode::SUCCESS)
}
