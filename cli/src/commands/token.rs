//! `securegen token`: a development token for the service in the current directory, signed
//! with the secret from the environment or its `.env`.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

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

pub(crate) fn run(args: &TokenArgs<'_>) -> Result<ExitCode, CliError> {
    let yaml = source::read(&args.dir.join("securegen.yaml"))?;
    let Some(spec) = securegen_spec::check(&yaml).spec else {
        return Err(CliError::Refused("securegen.yaml is invalid: run `securegen check`".to_owned()));
    };
    let jwt = &spec.auth.jwt;
    let name = jwt.key.env();
    let dotenv = std::fs::read_to_string(args.dir.join(".env"))
        .map(|t| securegen_runtime::service::dotenv(&t))
        .unwrap_or_default();
    let secret = std::env::var(name)
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| dotenv.get(name).cloned())
        .ok_or_else(|| CliError::Refused(format!("{name} is not set in the environment or .env")))?;
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
    let token =
        securegen_runtime::token::mint(jwt, &secret, args.sub, args.roles, &extra, Duration::from_secs(args.ttl))
            .map_err(|e| CliError::Refused(e.to_string()))?;
    writeln!(std::io::stdout().lock(), "{token}")?;
    Ok(ExitCode::SUCCESS)
}
