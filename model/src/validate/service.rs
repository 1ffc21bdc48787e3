//! The service block, the declared roles and the CORS allowlist.

use std::collections::HashSet;

use crate::diag::{Code, KeyPath};
use crate::model::Service;
use crate::raw::RawService;
use crate::vocab::{Database, Keyword as _, PseudoRole};

use super::Validator;
use super::names::{ident_hint, is_ident};

/// Longest service name (it becomes a crate name).
const MAX_NAME: usize = 64;

/// Names cargo refuses for a package or binary (Rust keywords, the standard crates, its own
/// directories, Windows device names), and the crates a service itself depends on: a service
/// named like one could not be built.
const RESERVED_CRATE_NAMES: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "build",
    "deps",
    "examples",
    "incremental",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
    "securegen",
    "tokio",
    "serde",
    "serde_json",
];

/// Whether `name` is a valid service name: `^[a-z][a-z0-9_-]*$`, at most 64 characters.
fn is_service_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && name.len() <= MAX_NAME
}

/// Whether `origin` is a scheme and a host (with an optional port), nothing else.
fn is_origin(origin: &str) -> bool {
    let host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    host.is_some_and(|h| {
        !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    })
}

impl Validator<'_> {
    pub(super) fn service(&mut self, s: &RawService, at: &KeyPath) -> Option<Service> {
        let name = s.name.clone()?;
        self.service_name(&name, &at.key("name"));
        let api_version = s.api_version.clone().unwrap_or_else(|| "v1".to_owned());
        self.api_version(&api_version, &at.key("api_version"));
        Some(Service {
            name,
            base_path: format!("/api/{api_version}"),
            api_version,
            database: s.database.unwrap_or(Database::Sqlite),
            description: s.description.clone(),
        })
    }

    /// The service name becomes the crate and binary name: cargo's rules apply.
    fn service_name(&mut self, name: &str, at: &KeyPath) {
        if !is_service_name(name) {
            self.sink.error(Code::BadIdentifier, at, format!("`{name}` is not a valid service name")).hint("it becomes a crate name: lowercase letters, digits, `_` and `-`, starting with a letter, at most 64 characters");
        } else if RESERVED_CRATE_NAMES.contains(&name.replace('-', "_").as_str()) {
            self.sink
                .error(Code::ReservedName, at, format!("`{name}` cannot be a crate name: cargo or Rust reserves it"))
                .hint(format!("name the service for what it does, e.g. `{name}-api`"));
        }
    }

    /// Routes live under `/api/{api_version}`.
    fn api_version(&mut self, version: &str, at: &KeyPath) {
        let digits = version.strip_prefix('v').filter(|d| !d.is_empty() && d.len() <= 9);
        if !digits.is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())) {
            self.sink
                .error(Code::BadFormat, at, format!("`{version}` is not an API version"))
                .hint("write `v` and a number, e.g. `v1`");
        }
    }

    pub(super) fn declared_roles(&mut self, roles: &[String], at: &KeyPath) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, role) in roles.iter().enumerate() {
            let p = at.index(i);
            if let Some(pseudo) = PseudoRole::parse(role) {
                self.sink
                    .error(
                        Code::ReservedRole,
                        &p,
                        format!("`{pseudo}` is a built-in pseudo-role and cannot be declared"),
                    )
                    .hint("remove it from `roles`; use it directly in `access`");
            } else if !is_ident(role) {
                self.sink
                    .error(Code::BadIdentifier, &p, format!("`{role}` is not a valid role name"))
                    .hint(ident_hint(role));
            } else if !seen.insert(role.as_str()) {
                self.sink
                    .error(Code::Duplicate, &p, format!("role `{role}` is declared twice"))
                    .hint("remove the second one");
            } else {
                out.push(role.clone());
            }
        }
        out
    }

    pub(super) fn cors(&mut self, origins: &[String], at: &KeyPath) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, origin) in origins.iter().enumerate() {
            let p = at.index(i);
            if origin.contains('*') {
                // A wildcard cannot be combined with credentials safely.
                self.sink
                    .error(
                        Code::CorsWildcard,
                        &p,
                        "a wildcard origin lets every web page call the API with its users' credentials",
                    )
                    .hint("list each allowed origin exactly, e.g. `https://app.example.com`");
            } else if !is_origin(origin) {
                self.sink.error(Code::BadFormat, &p, format!("`{origin}` is not an origin")).hint(
                    "an origin is a scheme and a host, with no path or trailing slash: `https://app.example.com`",
                );
            } else if out.contains(origin) {
                self.sink
                    .error(Code::Duplicate, &p, format!("origin `{origin}` is listed twice"))
                    .hint("remove the second one");
            } else {
                out.push(origin.clone());
            }
        }
        out
    }
}
