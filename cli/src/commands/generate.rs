//! `securegen generate`: rewrites the `@generated` files of the service in the current
//! directory from its `securegen.yaml`, never touching the user's files; refuses to overwrite
//! a generated file that was edited by hand (unless `--force`); `--check` only reports drift.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::render::{Style, text};

use crate::commands::new::write;
use crate::error::CliError;
use securegen_model::diag::KeyPath;
use securegen_model::migrate::Change;

use securegen_model::migrate::{SNAPSHOT_PATH, Snapshot, parse_file_name};

use crate::generate::evolve::History;
use crate::generate::{self, Dependency, File, Options, Owner, RenderError};
use crate::manifest::{Manifest, hash};
use crate::source;

/// Options of `securegen generate`.
pub(crate) struct GenerateArgs<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) check: bool,
    pub(crate) diff: bool,
    pub(crate) force: bool,
    pub(crate) allow_destructive: bool,
    pub(crate) templates: Option<&'a Path>,
}

/// How the files on disk differ from what the spec generates.
#[derive(Debug, Default)]
struct Changes {
    /// Generated files that differ (or are missing).
    drift: Vec<String>,
    /// Generated files edited by hand since they were written.
    edited: Vec<String>,
    /// Files an earlier spec generated and this one does not (a removed resource's module).
    stale: Vec<String>,
    /// Migrations changed since they were written.
    migrations_edited: Vec<String>,
    /// Migrations recorded in the manifest and gone from the disk.
    migrations_missing: Vec<String>,
}

/// Whether the manifest entry `key` is a migration: history, never stale.
fn is_migration(key: &str) -> bool {
    key.starts_with("migrations/")
        && key.rsplit('/').next().and_then(securegen_model::migrate::parse_file_name).is_some()
}

/// Files `generate` writes: generated ones, and new migrations.
fn written(f: &File) -> bool {
    matches!(f.owner, Owner::Generated | Owner::Migration)
}

/// Compares `files` with the disk and the manifest.
fn changes(dir: &Path, files: &[File], manifest: &Manifest) -> Changes {
    let mut c = Changes::default();
    for f in files.iter().filter(|f| written(f)) {
        let key = f.path.display().to_string();
        let on_disk = std::fs::read_to_string(dir.join(&f.path)).ok();
        if on_disk.as_deref() == Some(f.contents.as_str()) {
            continue;
        }
        let hand_edited = match (&on_disk, manifest.generated.get(&key)) {
            (Some(text), Some(recorded)) => hash(text) != *recorded,
            (Some(text), None) => !text.contains(generate::MARKER),
            (None, _) => false,
        };
        if hand_edited {
            c.edited.push(key.clone());
        }
        c.drift.push(key);
    }
    let produced: Vec<String> = files.iter().filter(|f| written(f)).map(|f| f.path.display().to_string()).collect();
    for (key, recorded) in &manifest.generated {
        if produced.contains(key) {
            continue;
        }
        if is_migration(key) {
            // History: a migration a database may have applied is never rewritten.
            match std::fs::read_to_string(dir.join(key)) {
                Ok(text) if hash(&text) != *recorded => c.migrations_edited.push(key.clone()),
                Ok(_) => {}
                Err(_) => c.migrations_missing.push(key.clone()),
            }
            continue;
        }
        if !dir.join(key).exists() {
            continue;
        }
        if std::fs::read_to_string(dir.join(key)).is_ok_and(|text| hash(&text) != *recorded) {
            c.edited.push(key.clone());
        }
        c.stale.push(key.clone());
    }
    c
}

/// `--check`: lists (and with `--diff` shows) what would change; exit 1 when anything would.
fn check(args: &GenerateArgs<'_>, files: &[File], c: &Changes) -> Result<ExitCode, CliError> {
    let mut out = std::io::stdout().lock();
    if refuse_history(c)? {
        return Ok(ExitCode::from(1));
    }
    if c.drift.is_empty() && c.stale.is_empty() {
        writeln!(out, "generated files are up to date")?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.diff {
        for f in files.iter().filter(|f| c.drift.contains(&f.path.display().to_string())) {
            let on_disk = std::fs::read_to_string(args.dir.join(&f.path)).unwrap_or_default();
            write!(out, "{}", generate::linediff::unified(&f.path.display().to_string(), &on_disk, &f.contents))?;
        }
    }
    let mut err = std::io::stderr().lock();
    for d in &c.drift {
        writeln!(err, "drift: {d}")?;
    }
    for s in &c.stale {
        writeln!(err, "stale: {s}")?;
    }
    let n = c.drift.len() + c.stale.len();
    writeln!(err, "{n} generated file(s) differ from securegen.yaml: run `securegen generate`")?;
    Ok(ExitCode::from(1))
}

/// Reports migrations edited or deleted after they were written; answers whether there was
/// any. A database may have applied them: the service would refuse to start (checksum), and
/// rewriting them here would hide the problem, so not even `--force` does.
fn refuse_history(c: &Changes) -> Result<bool, CliError> {
    let mut err = std::io::stderr().lock();
    for m in &c.migrations_edited {
        writeln!(err, "migration edited after it was written: {m}")?;
    }
    for m in &c.migrations_missing {
        writeln!(err, "migration deleted after it was written: {m}")?;
    }
    let any = !c.migrations_edited.is_empty() || !c.migrations_missing.is_empty();
    if any {
        writeln!(
            err,
            "restore the migration as it was written (git checkout); a change belongs in securegen.yaml, and becomes the next migration"
        )?;
    }
    Ok(any)
}

/// Writes what drifted, removes what is stale, and records the hashes.
fn apply(args: &GenerateArgs<'_>, files: &[File], c: &Changes, mut manifest: Manifest) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    for f in files.iter().filter(|f| written(f)) {
        let key = f.path.display().to_string();
        if c.drift.contains(&key) {
            write(args.dir, &f.path, &f.contents, false)?;
        }
        manifest.generated.insert(key, hash(&f.contents));
    }
    for key in &c.stale {
        let path = args.dir.join(key);
        std::fs::remove_file(&path).map_err(|source| CliError::WriteFile { path, source })?;
        manifest.generated.remove(key);
        writeln!(out, "removed {key} (no longer generated)")?;
    }
    write(args.dir, Path::new(crate::manifest::PATH), &manifest.to_text(), false)?;
    for f in files.iter().filter(|f| f.owner == Owner::Migration) {
        writeln!(out, "new migration {}", f.path.display())?;
    }
    let total = files.iter().filter(|f| written(f)).count();
    writeln!(out, "{} file(s) rewritten, {} unchanged", c.drift.len(), total - c.drift.len())?;
    Ok(())
}

/// Reminds the user of hooks that `src/hooks.rs` (theirs) does not implement yet.
fn hook_notes(dir: &Path, spec: &securegen_model::Spec) -> Result<(), CliError> {
    let hooks = std::fs::read_to_string(dir.join("src/hooks.rs")).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    for r in &spec.resources {
        if !hooks.contains(&format!("<resources::{}>", r.type_name)) {
            writeln!(out, "note: add `impl ResourceHooks<resources::{}> for Hooks {{}}` to src/hooks.rs", r.type_name)?;
        }
    }
    Ok(())
}

pub(crate) fn run(args: &GenerateArgs<'_>, style: Style) -> Result<ExitCode, CliError> {
    let spec_path = args.dir.join("securegen.yaml");
    let yaml = source::read(&spec_path)?;
    let report = securegen_model::check(&yaml);
    let Some(spec) = report.spec.as_ref() else {
        let name = spec_path.display().to_string();
        let mut err = std::io::stderr().lock();
        writeln!(err, "{}", text(&name, &yaml, &report.diagnostics, style))?;
        writeln!(err, "`{name}` is invalid: nothing was generated")?;
        return Ok(ExitCode::from(1));
    };
    let history = history(args.dir, args.allow_destructive)?;
    // User files are not rewritten, so their inputs (dependency, secret) do not matter here.
    let opts = Options {
        spec_yaml: &yaml,
        dependency: Dependency::Path(String::new()),
        standalone: true,
        templates: args.templates,
        secret: String::new(),
        history,
    };
    let files = match generate::render(spec, &opts) {
        Ok(files) => files,
        Err(e) => return refused_change(&spec_path, &yaml, e, style),
    };
    let manifest = Manifest::load(args.dir);
    let c = changes(args.dir, &files, &manifest);
    if args.check {
        return check(args, &files, &c);
    }
    if refuse_history(&c)? {
        return Ok(ExitCode::from(1));
    }
    if !c.edited.is_empty() && !args.force {
        let mut err = std::io::stderr().lock();
        for e in &c.edited {
            writeln!(err, "edited by hand: {e}")?;
        }
        writeln!(
            err,
            "refusing to overwrite generated files edited by hand (move the change to src/hooks.rs, or use --force)"
        )?;
        return Ok(ExitCode::from(1));
    }
    apply(args, &files, &c, manifest)?;
    hook_notes(args.dir, spec)?;
    Ok(ExitCode::SUCCESS)
}

/// What the service directory says of its migrations so far.
fn history(dir: &Path, allow_destructive: bool) -> Result<History, CliError> {
    let snapshot = match std::fs::read_to_string(dir.join(SNAPSHOT_PATH)) {
        Ok(text) => Some(Snapshot::parse(&text).map_err(|e| {
            CliError::Refused(format!("{} is not readable ({e}): restore it from version control", SNAPSHOT_PATH))
        })?),
        Err(_) => None,
    };
    let mut migrations: Vec<(u32, String)> = std::fs::read_dir(dir.join("migrations/sqlite"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(parse_file_name))
        .collect();
    migrations.sort();
    if snapshot.is_none() && migrations.iter().any(|(v, _)| *v > 1) {
        return Err(CliError::Refused(format!(
            "migrations exist but {} does not: restore it from version control (it records what the last migration made)",
            SNAPSHOT_PATH
        )));
    }
    Ok(History { snapshot, migrations, allow_destructive })
}

/// Reports a spec change no migration may make (yet): each change with the spec line it is
/// about, and what to do. Nothing is written.
fn refused_change(spec_path: &Path, yaml: &str, e: RenderError, style: Style) -> Result<ExitCode, CliError> {
    let name = spec_path.display().to_string();
    let mut err = std::io::stderr().lock();
    let label = match style {
        Style::Ansi => "\x1b[1;31merror\x1b[0m",
        Style::Plain => "error",
    };
    match e {
        RenderError::Destructive(changes) => {
            for (change, why) in &changes {
                let line = spec_line(yaml, change).map(|l| format!("{name}:{l}: ")).unwrap_or_default();
                writeln!(err, "{label}: {line}{why}")?;
            }
            writeln!(
                err,
                "nothing was written: these changes can lose data. Back the data up, then run `securegen generate --allow-destructive`"
            )?;
        }
        RenderError::Plan(errors) => {
            for e in &errors {
                writeln!(err, "{label}: {name}: {e}\n  hint: {}", e.hint())?;
            }
            writeln!(err, "nothing was written")?;
        }
        other => return Err(other.into()),
    }
    Ok(ExitCode::from(1))
}

/// The line of the spec a change is about: the field, or the resource, or `resources:`.
fn spec_line(yaml: &str, change: &Change) -> Option<usize> {
    let resources = KeyPath::root().key("resources");
    let resource = resources.key(change.resource());
    let field = match change {
        Change::AlterColumn { to, .. } => Some(to.name.as_str()),
        _ => None,
    };
    field
        .and_then(|f| securegen_model::line_of(yaml, &resource.key("fields").key(f)))
        .or_else(|| securegen_model::line_of(yaml, &resource))
        .or_else(|| securegen_model::line_of(yaml, &resources))
}
