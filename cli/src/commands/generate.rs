//! `securegen generate`: rewrites the `@generated` files of the service in the current
//! directory from its `securegen.yaml`, never touching the user's files; refuses to overwrite
//! a generated file that was edited by hand (unless `--force`); `--check` only reports drift.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use securegen_model::render::{Style, text};

use crate::commands::new::write;
use crate::error::CliError;
use crate::generate::{self, Dependency, Options, Owner};
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
    let files = generate::render(spec, &opts).map_err(CliError::Render)?;
    let mut manifest = Manifest::load(args.dir);
    let mut drift = Vec::new();
    let mut edited = Vec::new();
    for f in files.iter().filter(|f| f.owner == Owner::Generated) {
        let key = f.path.display().to_string();
        let on_disk = std::fs::read_to_string(args.dir.join(&f.path)).ok();
        if on_disk.as_deref() == Some(f.contents.as_str()) {
            continue;
        }
        drift.push(key.clone());
        let hand_edited = match (&on_disk, manifest.generated.get(&key)) {
            (Some(text), Some(recorded)) => hash(text) != *recorded,
            (Some(text), None) => !text.contains(generate::MARKER),
            (None, _) => false,
        };
        if hand_edited {
            edited.push(key);
        }
    }
    // Files an earlier spec generated and this one does not (a removed resource's module,
    // a file a newer securegen no longer writes): removed, unless edited by hand.
    let produced: Vec<String> =
        files.iter().filter(|f| f.owner == Owner::Generated).map(|f| f.path.display().to_string()).collect();
    let stale: Vec<String> =
        manifest.generated.keys().filter(|k| !produced.contains(k) && args.dir.join(k).exists()).cloned().collect();
    for key in &stale {
        let text = std::fs::read_to_string(args.dir.join(key)).unwrap_or_default();
        if manifest.generated.get(key).is_some_and(|h| *h != hash(&text)) {
            edited.push(key.clone());
        }
        drift.push(key.clone());
    }
    let mut out = std::io::stdout().lock();
    if args.check {
        if drift.is_empty() {
            writeln!(out, "generated files are up to date")?;
            return Ok(ExitCode::SUCCESS);
        }
        if args.diff {
            for f in files.iter().filter(|f| drift.contains(&f.path.display().to_string())) {
                let on_disk = std::fs::read_to_string(args.dir.join(&f.path)).unwrap_or_default();
                write!(out, "{}", generate::linediff::unified(&f.path.display().to_string(), &on_disk, &f.contents))?;
            }
        }
        let mut err = std::io::stderr().lock();
        for d in &drift {
            let what = if stale.contains(d) { "stale" } else { "drift" };
            writeln!(err, "{what}: {d}")?;
        }
        writeln!(err, "{} generated file(s) differ from securegen.yaml: run `securegen generate`", drift.len())?;
        return Ok(ExitCode::from(1));
    }
    if !edited.is_empty() && !args.force {
        let mut err = std::io::stderr().lock();
        for e in &edited {
            writeln!(err, "edited by hand: {e}")?;
        }
        writeln!(
            err,
            "refusing to overwrite generated files edited by hand (move the change to src/hooks.rs, or use --force)"
        )?;
        return Ok(ExitCode::from(1));
    }
    for f in files.iter().filter(|f| f.owner == Owner::Generated) {
        let key = f.path.display().to_string();
        if drift.contains(&key) {
            write(args.dir, &f.path, &f.contents, false)?;
        }
        manifest.generated.insert(key, hash(&f.contents));
    }
    for key in &stale {
        let path = args.dir.join(key);
        std::fs::remove_file(&path).map_err(|source| CliError::WriteFile { path, source })?;
        manifest.generated.remove(key);
        writeln!(out, "removed {key} (no longer generated)")?;
    }
    write(args.dir, Path::new(crate::manifest::PATH), &manifest.to_text(), false)?;
    let hooks = std::fs::read_to_string(args.dir.join("src/hooks.rs")).unwrap_or_default();
    for r in &spec.resources {
        if !hooks.contains(&format!("<resources::{}>", r.type_name)) {
            writeln!(out, "note: add `impl ResourceHooks<resources::{}> for Hooks {{}}` to src/hooks.rs", r.type_name)?;
        }
    }
    writeln!(
        out,
        "{} file(s) rewritten, {} unchanged",
        drift.len(),
        files.iter().filter(|f| f.owner == Owner::Generated).count() - drift.len()
    )?;
    Ok(ExitCode::SUCCESS)
}
