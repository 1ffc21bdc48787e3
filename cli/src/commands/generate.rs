//! `securegen generate`: rewrites the `@generated` files of the service in the current
//! directory from its `securegen.yaml`, never touching the user's files; refuses to overwrite
//! a generated file that was edited by hand (unless `--force`); `--check` only reports drift.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::render::{Style, text};

use crate::commands::new::write;
use crate::error::CliError;
use crate::generate::{self, Dependency, File, Options, Owner};
use crate::manifest::{Manifest, hash};
use crate::source;

/// Options of `securegen generate`.
pub(crate) struct GenerateArgs<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) check: bool,
    pub(crate) diff: bool,
    pub(crate) force: bool,
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
}

/// Compares `files` with the disk and the manifest.
fn changes(dir: &Path, files: &[File], manifest: &Manifest) -> Changes {
    let mut c = Changes::default();
    for f in files.iter().filter(|f| f.owner == Owner::Generated) {
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
    let produced: Vec<String> =
        files.iter().filter(|f| f.owner == Owner::Generated).map(|f| f.path.display().to_string()).collect();
    for (key, recorded) in &manifest.generated {
        if produced.contains(key) || !dir.join(key).exists() {
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

/// Writes what drifted, removes what is stale, and records the hashes.
fn apply(args: &GenerateArgs<'_>, files: &[File], c: &Changes, mut manifest: Manifest) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    for f in files.iter().filter(|f| f.owner == Owner::Generated) {
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
    let total = files.iter().filter(|f| f.owner == Owner::Generated).count();
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
    // User files are not rewritten, so their inputs (dependency, secret) do not matter here.
    let opts = Options {
        spec_yaml: &yaml,
        dependency: Dependency::Path(String::new()),
        standalone: true,
        templates: args.templates,
        secret: String::new(),
    };
    let files = generate::render(spec, &opts)?;
    let manifest = Manifest::load(args.dir);
    let c = changes(args.dir, &files, &manifest);
    if args.check {
        return check(args, &files, &c);
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
