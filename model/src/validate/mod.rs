//! Semantic validation and normalization: raw structs in, the [`Spec`] model out. Every rule
//! of the format is checked here, every problem is reported (none stops the others), and
//! every default is resolved, so consumers never re-derive one.
//!
//! One module per part of the format, one small function per rule, each with the reason it
//! exists (serde_derive's `internals/check.rs`): [`names`] (identifiers), [`service`]
//! (service, roles, CORS), [`jwt`], [`limits`], [`resource`] (owner, tenant, id, clashes),
//! [`access`], [`field`] and [`default`].

mod access;
mod default;
mod field;
mod jwt;
mod limits;
mod list;
mod names;
mod nesting;
mod reference;
mod rename;
mod resource;
mod service;

use std::collections::{BTreeSet, HashMap};

use regex::Regex;

use crate::diag::{Code, KeyPath, Sink};
use crate::limits::Limits;
use crate::model::{Auth, Service, Spec};
use crate::raw::RawSpec;
use crate::vocab::{FieldType, Keyword as _, PseudoRole};

pub use names::is_ident;
pub use nesting::struct_path;

/// Longest regular expression accepted after compilation, in bytes.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// "an `int`", "a `string`".
fn a_ty(ty: FieldType) -> String {
    let article = if matches!(ty, FieldType::Int | FieldType::Enum | FieldType::Email) { "an" } else { "a" };
    format!("{article} `{ty}`")
}

pub(crate) struct Validator<'a> {
    sink: &'a mut Sink,
    poisoned: &'a BTreeSet<KeyPath>,
    roles: Vec<String>,
    /// Whether `roles` failed to decode: unknown-role checks would only add noise.
    roles_unknown: bool,
    /// The spec holds one annotated struct (the attribute front end): a reference to another
    /// resource is resolved by convention here and checked when the service registers both.
    alone: bool,
    /// Compiled patterns by their text.
    patterns: HashMap<String, Result<Regex, regex::Error>>,
}

impl<'a> Validator<'a> {
    pub(crate) fn new(sink: &'a mut Sink, poisoned: &'a BTreeSet<KeyPath>) -> Self {
        Self { sink, poisoned, roles: Vec::new(), roles_unknown: false, alone: false, patterns: HashMap::new() }
    }

    /// Validates one annotated struct's resource (see `alone`).
    pub(crate) fn alone(mut self) -> Self {
        self.alone = true;
        self
    }

    /// Compiles a pattern once per distinct text (specs repeat their patterns).
    fn compile(&mut self, pattern: &str) -> Result<Regex, regex::Error> {
        if let Some(done) = self.patterns.get(pattern) {
            return done.clone();
        }
        let built = regex::RegexBuilder::new(pattern).size_limit(PATTERN_SIZE_LIMIT).build();
        self.patterns.insert(pattern.to_owned(), built.clone());
        built
    }

    /// Whether `path` or one of its ancestors failed to decode (its errors are reported
    /// already; checking it again would only repeat them).
    fn poisoned(&self, path: &KeyPath) -> bool {
        let mut p = Some(path.clone());
        while let Some(cur) = p {
            if self.poisoned.contains(&cur) {
                return true;
            }
            p = cur.parent();
        }
        false
    }

    /// Validates the whole spec; the model comes back only when there is no error.
    pub(crate) fn spec(mut self, raw: &RawSpec) -> Option<Spec> {
        let root = KeyPath::root();
        let service = raw.service.as_ref().and_then(|s| self.service(s, &root.key("service")));
        let raw_roles = raw.roles.as_deref().unwrap_or_default();
        let roles = self.declared_roles(raw_roles, &root.key("roles"));
        // References are checked against every name written in `roles`, so that a badly
        // spelt declaration is reported once, not again at each use.
        self.roles = raw_roles.iter().filter(|r| PseudoRole::parse(r).is_none()).cloned().collect();
        self.roles_unknown = self.poisoned(&root.key("roles"));
        let jwt =
            raw.auth.as_ref().and_then(|a| a.jwt.as_ref()).and_then(|j| self.jwt(j, &root.key("auth").key("jwt")));
        let cors_origins = raw
            .cors
            .as_ref()
            .map(|c| self.cors(c.origins.as_deref().unwrap_or_default(), &root.key("cors").key("origins")))
            .unwrap_or_default();
        let defaults_path = root.key("defaults").key("limits");
        let default_limits = raw.defaults.as_ref().and_then(|d| d.limits.as_ref());
        let limits = self.limits(&Limits::default(), default_limits, &defaults_path, true);
        let base_path = service.as_ref().map(|s: &Service| s.base_path.clone()).unwrap_or_default();

        let mut resources = Vec::new();
        let res_path = root.key("resources");
        match &raw.resources {
            Some(map) if map.is_empty() => {
                self.sink
                    .error(Code::MissingKey, &res_path, "`resources` is empty")
                    .hint("add a resource, e.g. `order: { fields: …, access: … }`");
            }
            Some(map) => {
                for (name, r) in map {
                    if let Some(res) = self.resource(name, r, &res_path.key(name), &limits, &base_path) {
                        resources.push(res);
                    }
                }
            }
            None => {}
        }
        self.name_clashes(&resources, &res_path);
        self.resource_renames(&resources, &res_path);
        self.nesting(&mut resources, &res_path);
        self.references(&mut resources, &res_path);

        if self.sink.has_errors() {
            return None;
        }
        let (service, jwt) = (service?, jwt?);
        Some(Spec { service, auth: Auth { jwt }, roles, cors_origins, limits, resources })
    }
}
