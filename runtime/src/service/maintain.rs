//! The maintenance commands of a service binary: `migrate` applies the pending migrations
//! and exits, `migrate --dry-run` prints them without applying, `migrate --check` counts the
//! stored rows whose values the spec's rules now refuse (rules tighten, rows stay: reads
//! never fail on them, and writes are validated again).

use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;

use super::{Service, StartError};
use crate::db::{Db, DbError, Table};
use crate::json::JsonObject;
use crate::resource::{FieldMask, Resource};
use crate::rules::Rules;

/// Rows of one field that break its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The resource.
    pub resource: String,
    /// The field.
    pub field: String,
    /// How many stored rows.
    pub rows: u64,
}

/// Counts the violations of one resource's stored rows.
pub(super) type RowCheck =
    Box<dyn Fn(Db) -> Pin<Box<dyn Future<Output = Result<Vec<Violation>, DbError>> + Send>> + Send + Sync>;

/// Rows read per query while checking.
const PAGE: u32 = 500;

/// The check of `R`: every stored row, page by page in id order, through the same rules
/// that validate writes.
pub(super) fn row_check<R: Resource>() -> RowCheck {
    Box::new(|db: Db| {
        Box::pin(async move {
            let policy = R::policy();
            let rules = Rules::new(policy).map_err(|e| DbError::Config(e.to_string()))?;
            let table = Table::<R>::new(db);
            let mut counts = vec![0u64; policy.fields.len()];
            let mut after = None;
            loop {
                let rows = table.every(after, PAGE).await.map_err(|e| DbError::Driver(e.to_string()))?;
                for row in &rows {
                    let mut out = Vec::new();
                    let mut o = JsonObject::open(&mut out);
                    row.value.write_json(FieldMask(u128::MAX), &mut o);
                    o.close();
                    let view: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_slice(&out).map_err(|e| DbError::Driver(e.to_string()))?;
                    for i in rules.violations(policy, &view) {
                        counts[i] += 1;
                    }
                }
                match rows.last() {
                    Some(last) if rows.len() == PAGE as usize => after = Some(last.value.id()),
                    _ => break,
                }
            }
            Ok(policy
                .fields
                .iter()
                .zip(counts)
                .filter(|(_, n)| *n > 0)
                .map(|(f, rows)| Violation { resource: policy.name.clone(), field: f.name.clone(), rows })
                .collect())
        })
    })
}

/// What the command line asks of the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Serve (no arguments).
    Serve,
    /// `migrate`: apply the pending migrations and exit.
    Migrate,
    /// `migrate --dry-run`: print them.
    DryRun,
    /// `migrate --check`: count stored rows the rules refuse.
    Check,
    /// `migrate new [--allow-destructive]`: write the next migration from the registered
    /// resources (an app of annotated structs; a generated service has `securegen generate`).
    New {
        /// Whether changes that can lose data may be written.
        allow_destructive: bool,
    },
}

impl Command {
    /// The command of `args` (without the program name); `None` for anything else.
    pub fn parse(args: &[String]) -> Option<Self> {
        match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] => Some(Self::Serve),
            ["migrate"] => Some(Self::Migrate),
            ["migrate", "--dry-run"] => Some(Self::DryRun),
            ["migrate", "--check"] => Some(Self::Check),
            ["migrate", "new"] => Some(Self::New { allow_destructive: false }),
            ["migrate", "new", "--allow-destructive"] => Some(Self::New { allow_destructive: true }),
            _ => None,
        }
    }
}

/// The stored values of every resource that break its fields' rules, per field (what
/// `migrate --check` prints): every row, whoever owns it and under whichever parent.
pub async fn violations(service: &Service) -> Result<Vec<Violation>, StartError> {
    let mut out = Vec::new();
    for (_, check) in &service.row_checks.0 {
        out.extend(check(service.db.clone()).await?);
    }
    Ok(out)
}

/// Runs a maintenance command, printing what it did on standard output.
pub async fn maintain(service: &Service, command: Command) -> Result<(), StartError> {
    let mut out = std::io::stdout().lock();
    let dialect = service.db.dialect();
    match command {
        Command::Serve | Command::New { .. } => {}
        Command::Migrate => {
            let applied = crate::migrate::apply(&service.db, &service.migrations).await?;
            for a in &applied {
                let _ = writeln!(out, "applied {:04}_{}", a.version, a.name);
            }
            let _ = writeln!(out, "{} migration(s) applied; the database is up to date", applied.len());
        }
        Command::DryRun => {
            let pending = crate::migrate::dry_run(&service.db, &service.migrations).await?;
            for m in &pending {
                let _ = writeln!(out, "-- {:04}_{}\n{}", m.version, m.name, m.script(dialect));
            }
            let _ = writeln!(out, "-- {} migration(s) pending", pending.len());
        }
        Command::Check => {
            let mut total = 0;
            for v in violations(service).await? {
                total += v.rows;
                let _ = writeln!(out, "{}.{}: {} stored row(s) break the field's rules", v.resource, v.field, v.rows);
            }
            let _ = writeln!(
                out,
                "{total} stored value(s) break the rules of securegen.yaml (reads still serve them; writes must satisfy them)"
            );
        }
    }
    Ok(())
}

/// Writes the next migration of `policies` under `root` (`migrations/{sqlite,postgres}/` and
/// `.securegen/layout.json`), from the layout the last one was made from: what
/// `securegen generate` does for a spec, for an app of annotated structs. Answers the
/// migration written, if anything changed.
pub fn write_next_migration(
    policies: &[&securegen_model::Resource],
    root: &std::path::Path,
    allow_destructive: bool,
) -> Result<Option<securegen_model::migrate::Next>, StartError> {
    use securegen_model::migrate::{DIRS, Layout, SNAPSHOT_PATH, Snapshot, next};
    let io = |path: &std::path::Path, e: std::io::Error| StartError::Usage(format!("{}: {e}", path.display()));
    let snapshot_path = root.join(SNAPSHOT_PATH);
    let snapshot = match std::fs::read_to_string(&snapshot_path) {
        Ok(text) => {
            Some(Snapshot::parse(&text).map_err(|e| StartError::Usage(format!("{}: {e}", snapshot_path.display())))?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&snapshot_path, e)),
    };
    let layout = Layout::of(policies.iter().copied());
    let made = next(snapshot.as_ref(), &layout, allow_destructive).map_err(|e| StartError::Usage(match e {
        securegen_model::migrate::NextError::Destructive(changes) => {
            let list: Vec<String> = changes.into_iter().map(|(_, why)| format!("  {why}")).collect();
            format!("nothing was written: these changes can lose data; back the data up, then run `migrate new --allow-destructive`:\n{}", list.join("\n"))
        }
        other => format!("nothing was written: {other}"),
    }))?;
    let Some(m) = made else { return Ok(None) };
    for (dir, text) in DIRS.iter().zip([&m.sqlite, &m.postgres]) {
        let dir = root.join(dir);
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let path = dir.join(format!("{}.sql", m.stem));
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    if let Some(parent) = snapshot_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    }
    std::fs::write(&snapshot_path, Snapshot::new(m.version, &layout).to_text()).map_err(|e| io(&snapshot_path, e))?;
    Ok(Some(m))
}
