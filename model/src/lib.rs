//! The one model of a securegen spec.
//!
//! Without features this crate is the vocabulary ([`Action`], [`FieldType`], [`Role`], …), the
//! normalized model ([`Spec`]) and the policy rules over it ([`policy`]): what the runtime
//! needs. The default `yaml` feature adds the front end: [`check`] parses `securegen.yaml`,
//! validates it, normalizes it and lints it, reporting every problem with its line, column,
//! key path and a hint; [`render`] prints those diagnostics and [`schema`] is the JSON Schema.
//!
//! ```
//! let report = securegen_model::check(include_str!("../../examples/shop/securegen.yaml"));
//! let spec = report.spec.expect("the reference spec is valid");
//! assert_eq!(spec.resources[0].path, "/api/v1/orders");
//! ```
#![forbid(unsafe_code)]

pub mod limits;
pub mod migrate;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "plan")]
pub mod plan;
pub mod policy;
pub mod sql;
#[cfg(feature = "token")]
pub mod token;
pub mod values;
pub mod vocab;

#[cfg(feature = "yaml")]
pub mod audit;
#[cfg(feature = "yaml")]
mod decode;
#[cfg(feature = "yaml")]
pub mod diag;
#[cfg(feature = "yaml")]
pub mod diff;
pub mod explain;
#[cfg(feature = "yaml")]
mod lint;
#[cfg(feature = "yaml")]
mod locate;
#[cfg(feature = "yaml")]
pub mod plural;
#[cfg(feature = "yaml")]
mod raw;
#[cfg(feature = "yaml")]
pub mod render;

/// The keys of the parts of the format that the attribute front end spells the same way.
#[cfg(feature = "yaml")]
pub mod keys {
    /// `limits:` (and `#[secure_resource(limits(...))]`).
    pub const LIMITS: &[&str] = crate::raw::RawLimits::KEYS;
    /// `tenant:` (and `tenant(...)`).
    pub const TENANT: &[&str] = crate::raw::RawTenant::KEYS;
    /// `access:` (and `access(...)`): the actions.
    pub const ACCESS: &[&str] = crate::raw::RawAccess::KEYS;
    /// `list:` (and `list(...)`): the query allowlists.
    pub const LIST: &[&str] = crate::raw::RawList::KEYS;
}
#[cfg(feature = "yaml")]
pub mod schema;
#[cfg(feature = "yaml")]
pub mod suggest;
#[cfg(feature = "yaml")]
mod validate;

pub use limits::{ByteSize, Limits, Per, Rate};
pub use model::{
    Auth, COMMON_VARIABLES, COMPANION_SUFFIXES, Field, Jwt, KeySource, ListQuery, Literal, MAX_DEPTH, MAX_FIELDS,
    MAX_IN_VALUES, MAX_SEARCH_CHARS, Number, Reference, Resource, Role, Service, Settings, Spec, Tenant,
};
pub use vocab::{
    Action, Algorithm, AuditLevel, Backend, Database, FieldType, Keyword, OnDelete, PseudoRole, ServerValue,
};

#[cfg(feature = "yaml")]
pub use diag::{Code, Diagnostic, KeyPath, Location, Seg, Severity};
#[cfg(feature = "yaml")]
pub use serde_yaml::{Mapping as YamlMapping, Value as YamlValue};
#[cfg(feature = "yaml")]
pub use validate::{is_ident, struct_path};

/// The outcome of checking a spec: the model when there is no error, and every diagnostic
/// (errors and lints), located and sorted by position.
#[cfg(feature = "yaml")]
#[derive(Debug, Clone)]
pub struct Report {
    /// The normalized model; `None` when any error was found.
    pub spec: Option<Spec>,
    /// Every problem found, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

#[cfg(feature = "yaml")]
impl Report {
    /// How many errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// How many warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count()
    }
}

/// Parses, validates, normalizes and lints a spec given as YAML text. Never panics: any
/// input yields a report.
#[cfg(feature = "yaml")]
pub fn check(src: &str) -> Report {
    let mut sink = diag::Sink::default();
    if hidden_line_breaks(src, &mut sink) {
        return Report { spec: None, diagnostics: sink.diagnostics };
    }
    let spec = match serde_yaml::from_str::<serde_yaml::Value>(src) {
        Ok(value) => analyse(&value, &mut sink),
        Err(e) => {
            syntax_error(src, &e, &mut sink);
            None
        }
    };
    let mut diagnostics = sink.diagnostics;
    for d in &mut diagnostics {
        if d.location.is_none() {
            d.location = locate::locate(src, &d.path, d.target);
        }
    }
    diagnostics.sort_by_key(|d| (d.location.map(|l| (l.line, l.column)), d.severity));
    Report { spec, diagnostics }
}

/// YAML reads a lone carriage return, NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH
/// SEPARATOR (U+2029) as line breaks; editors, diff tools and code review mostly do not. A
/// spec holding one reads differently to its reviewer than to the checker (a key can hide
/// "on the same line" as a comment), and every position reported after it would be off. Each
/// is reported where a reader sees it; answers whether there was any.
#[cfg(feature = "yaml")]
fn hidden_line_breaks(src: &str, sink: &mut diag::Sink) -> bool {
    let mut found = false;
    for (i, line) in src.lines().enumerate() {
        let mut chars = line.chars().enumerate().peekable();
        while let Some((col, c)) = chars.next() {
            let lone_cr = c == '\r' && chars.peek().is_some();
            if !(lone_cr || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')) {
                continue;
            }
            found = true;
            let d = sink.error(
                Code::YamlSyntax,
                &KeyPath::root(),
                format!("U+{:04X} is a line break to YAML but not to most editors", u32::from(c)),
            );
            d.hint("write it as an escape (`\\u2028`) inside a double-quoted string, or remove it");
            d.location = Some(diag::Location { line: i + 1, column: col + 1, len: 1 });
        }
    }
    found
}

/// The line of the key that ends `path` in `src`, when the spec has it (for reports that
/// cite the spec).
#[cfg(feature = "yaml")]
pub fn line_of(src: &str, path: &KeyPath) -> Option<usize> {
    locate::locate_exact(src, path, diag::Target::Key).map(|l| l.line)
}

/// Validates the spec of one annotated struct, already parsed into a YAML tree (the
/// attribute front end builds one). Diagnostics carry key paths but no locations: there is no
/// source text to point into. A `ref` to another struct's resource is resolved by convention
/// (its default table and `id`) and checked when the service registers both.
#[cfg(feature = "yaml")]
pub fn check_value(value: &serde_yaml::Value) -> Report {
    let mut sink = diag::Sink::default();
    let spec = analyse_with(value, &mut sink, true);
    let mut diagnostics = sink.diagnostics;
    diagnostics.sort_by(|a, b| (&a.path, a.severity).cmp(&(&b.path, b.severity)));
    Report { spec, diagnostics }
}

#[cfg(feature = "yaml")]
fn analyse(value: &serde_yaml::Value, sink: &mut diag::Sink) -> Option<Spec> {
    analyse_with(value, sink, false)
}

#[cfg(feature = "yaml")]
fn analyse_with(value: &serde_yaml::Value, sink: &mut diag::Sink, alone: bool) -> Option<Spec> {
    use decode::Decode;
    let root = KeyPath::root();
    let mut decoder = decode::Decoder::new(sink);
    let raw = match value {
        serde_yaml::Value::Null => {
            decoder
                .sink
                .error(Code::MissingKey, &root, "the spec is empty")
                .hint("start with `service:`, `auth:` and `resources:`; `securegen new` writes a starter spec");
            return None;
        }
        v => raw::RawSpec::decode(v, &root, &mut decoder)?,
    };
    let poisoned = decoder.into_poisoned();
    let validator = validate::Validator::new(sink, &poisoned);
    let validator = if alone { validator.alone() } else { validator };
    let spec = validator.spec(&raw)?;
    lint::lint(&spec, sink);
    Some(spec)
}

#[cfg(feature = "yaml")]
fn syntax_error(src: &str, e: &serde_yaml::Error, sink: &mut diag::Sink) {
    let text = e.to_string();
    // serde_yaml appends " at line L column C" (and sometimes a context clause); the location
    // is reported separately.
    let mut message = text.split(" at line ").next().unwrap_or(&text).trim_end_matches(',').to_owned();
    let mut location = e.location().map(|l| diag::Location { line: l.line(), column: l.column(), len: 1 });
    // "a.b: duplicate entry with key \"k\"": point at the second `k`, not at the map.
    if let Some((path, key)) = message
        .split_once(": duplicate entry with key \"")
        .and_then(|(p, k)| Some((p.to_owned(), k.strip_suffix('"')?.to_owned())))
    {
        let mut at = KeyPath::root();
        for seg in path.split('.').filter(|s| !s.is_empty() && *s != ".") {
            at = at.key(seg);
        }
        location = locate::locate_nth(src, &at.key(&key), diag::Target::Key, 1).or(location);
        message = format!("`{key}` appears twice in `{path}`");
    }
    let hint = if message.contains("found character that cannot start any token") || message.contains("tab") {
        "YAML indents with spaces only; check for tabs and stray characters"
    } else if message.contains("appears twice") {
        "each key may appear once per map; remove or rename the second one"
    } else if message.contains("more than one document") {
        "a spec is one YAML document: remove the extra `---`"
    } else {
        "check the indentation and that every `{`, `[` and quote is closed"
    };
    let d = sink.error(Code::YamlSyntax, &KeyPath::root(), message);
    d.hint(hint);
    d.location = location;
}
