//! `securegen new`: a complete service from a spec (or a starter spec), rendered and checked
//! in memory, then written.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use securegen_model::render::{Style, text};

use crate::error::CliError;
use crate::generate::{self, Dependency, Options, Owner};
use crate::manifest::{Manifest, hash};
use crate::source;

/// The spec a service starts from when none is given.
const STARTER: &str = include_str!("../../templates/starter.yaml");

/// Options of `securegen new`.
pub(crate) struct NewArgs<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) spec: Option<&'a Path>,
    pub(crate) database: Option<securegen_model::Database>,
    pub(crate) templates: Option<&'a Path>,
    pub(crate) force: bool,
    pub(crate) securegen_path: Option<&'a str>,
    pub(crate) securegen_version: Option<&'a str>,
    pub(crate) standalone: bool,
}

/// A fresh random secret for `.env` (64 hex characters from the OS generator).
fn fresh_secret() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// This checkout, for the default path dependency.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `target` as seen from `base` (both absolute).
fn relative_to(t: &Path, b: &Path) -> Option<PathBuf> {
    let common = t.components().zip(b.components()).take_while(|(x, y)| x == y).count();
    let ups = b.components().count() - common;
    let mut p: PathBuf = std::iter::repeat_n("..", ups).collect();
    p.extend(t.components().skip(common));
    Some(p)
}

pub(crate) fn run(args: &NewArgs<'_>, style: Style) -> Result<ExitCode, CliError> {
    let name = args.dir.file_name().and_then(|n| n.to_str()).unwrap_or("service").to_owned();
    let mut yaml = match args.spec {
        Some(p) => source::read(p)?,
        None => STARTER
            .replace("starter-service", &name)
            .replace("STARTER_JWT_SECRET", &format!("{}_JWT_SECRET", name.to_uppercase().replace('-', "_"))),
    };
    if let Some(db) = args.database {
        yaml = set_database(&yaml, db);
    }
    let file_name = args.spec.map_or_else(|| "securegen.yaml".to_owned(), |p| p.display().to_string());
    let report = securegen_model::check(&yaml);
    let Some(spec) = report.spec.as_ref() else {
        let mut err = std::io::stderr().lock();
        writeln!(err, "{}", text(&file_name, &yaml, &report.diagnostics, style))?;
        writeln!(err, "`{file_name}` is invalid: nothing was written")?;
        return Ok(ExitCode::from(1));
    };
    if args.dir.exists() && std::fs::read_dir(args.dir).map(|mut d| d.next().is_some()).unwrap_or(true) && !args.force {
        return Err(CliError::Refused(format!(
            "`{}` exists and is not empty; use --force to write into it",
            args.dir.display()
        )));
    }
    // Inside this checkout (the examples) the path is relative, so the checkout can move;
    // elsewhere it is absolute.
    let root = std::fs::canonicalize(checkout()).unwrap_or_else(|_| checkout());
    let absolute = if args.dir.is_absolute() {
        args.dir.to_owned()
    } else {
        std::env::current_dir().unwrap_or_default().join(args.dir)
    };
    let inside = absolute.starts_with(&root) || std::fs::canonicalize(args.dir).is_ok_and(|d| d.starts_with(&root));
    let dependency = match (args.securegen_version, args.securegen_path) {
        (Some(v), _) => Dependency::Version(v.to_owned()),
        (None, Some(p)) => Dependency::Path(p.to_owned()),
        (None, None) => match relative_to(&root, &absolute) {
            Some(rel) if inside => Dependency::Path(rel.display().to_string()),
            _ => Dependency::Path(root.display().to_string()),
        },
    };
    let opts = Options {
        spec_yaml: &yaml,
        dependency,
        standalone: args.standalone,
        templates: args.templates,
        secret: fresh_secret(),
        history: Default::default(),
    };
    let files = generate::render(spec, &opts)?;
    // Everything rendered: only now is anything written.
    std::fs::create_dir_all(args.dir).map_err(|source| CliError::WriteFile { path: args.dir.to_owned(), source })?;
    let mut manifest = Manifest::default();
    for f in &files {
        write(args.dir, &f.path, &f.contents, f.owner == Owner::Secret)?;
        if f.owner == Owner::Generated {
            manifest.generated.insert(f.path.display().to_string(), hash(&f.contents));
        }
    }
    write(args.dir, Path::new(crate::manifest::PATH), &manifest.to_text(), false)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "created `{}`: {} resources, {} files", args.dir.display(), spec.resources.len(), files.len() + 1)?;
    writeln!(
        out,
        "next: cd {} && cargo run   (then: securegen token --sub alice --role {})",
        args.dir.display(),
        spec.roles.first().map_or("user", String::as_str)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `rel` under `root`, creating directories. A `secret` file (the signing key in
/// `.env`) is created readable and writable by its owner only (0600 on Unix), before a byte
/// of it is written.
pub(crate) fn write(root: &Path, rel: &Path, contents: &str, secret: bool) -> Result<(), CliError> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| CliError::WriteFile { path: parent.to_owned(), source })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        // An existing file (`new --force`) keeps its mode on open: tighten it first.
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|source| CliError::WriteFile { path: path.clone(), source })?;
        }
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(&path).map_err(|source| CliError::WriteFile { path: path.clone(), source })?;
    file.write_all(contents.as_bytes()).map_err(|source| CliError::WriteFile { path, source })
}

/// The spec with `service.database` set (appended to the service block when absent).
fn set_database(yaml: &str, db: securegen_model::Database) -> String {
    let value = securegen_model::Keyword::as_str(db);
    let mut out = Vec::new();
    let mut in_service = false;
    let mut done = false;
    for line in yaml.lines() {
        if line.starts_with("service:") {
            in_service = true;
            out.push(line.to_owned());
            continue;
        }
        if in_service && line.trim_start().starts_with("database:") {
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push(format!("{indent}database: {value}"));
            done = true;
            continue;
        }
        if in_service && !line.starts_with(' ') && !line.is_empty() {
            if !done {
                out.push(format!("  database: {value}"));
                done = true;
            }
            in_service = false;
        }
        out.push(line.to_owned());
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}
