//! Diagnostics: every problem found in a spec, with its key path, a message, a hint and —
//! once [`crate::locate`] has run — its line and column. Problems are collected, never
//! thrown, so a file's errors are all reported at once.

use std::fmt;

use serde::Serialize;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Where in the document a problem is, as keys from the root: `resources.order.owner`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The document root.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, key: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(key.to_owned()));
        Self(v)
    }

    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }

    /// The last key of the path, if it ends in one.
    pub fn last_key(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
    }

    /// The path without its last step.
    pub fn parent(&self) -> Option<Self> {
        let (_, rest) = self.0.split_last()?;
        Some(Self(rest.to_vec()))
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let plain = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if plain { f.write_str(k)? } else { write!(f, "{k:?}")? }
                }
            }
        }
        Ok(())
    }
}

impl Serialize for KeyPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Whether a problem stops the spec or is a security lint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The spec is rejected.
    Error,
    /// A security lint; fails only with `--deny-warnings`.
    Warning,
}

/// Whether a diagnostic points at a key or at its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The key itself (`mx_len:`).
    Key,
    /// The value under the key.
    Value,
}

/// A position in the source: 1-based line and column (in characters), with the length of
/// the token found there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Length in characters of the token at this position (at least 1).
    pub len: usize,
}

macro_rules! codes {
    ($($(#[$m:meta])* $variant:ident = $text:literal,)+) => {
        /// A stable identifier for each kind of problem, shown as `error[code]`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Code {
            $($(#[$m])* #[serde(rename = $text)] $variant,)+
        }

        impl Code {
            /// The stable spelling of the code.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }
        }
    };
}

codes! {
    /// The file is not well-formed YAML.
    YamlSyntax = "yaml-syntax",
    /// A key the format does not have.
    UnknownKey = "unknown-key",
    /// A required key is absent.
    MissingKey = "missing-key",
    /// A value of the wrong YAML type.
    WrongType = "wrong-type",
    /// A keyword that is not in its vocabulary.
    UnknownValue = "unknown-value",
    /// A name that is not a safe identifier.
    BadIdentifier = "bad-identifier",
    /// A name Rust reserves even as a raw identifier (`self`, `super`, `crate`).
    ReservedName = "reserved-name",
    /// A key variable every process has (`PATH`, `HOME`…), not a secret.
    CommonVariable = "common-variable",
    /// A rate, size, date, version, variable name or origin in the wrong form.
    BadFormat = "bad-format",
    /// No id field, several, or one of the wrong type.
    IdField = "id-field",
    /// `owner` names no suitable field.
    OwnerField = "owner-field",
    /// `tenant.field` names no suitable field.
    TenantField = "tenant-field",
    /// `owner` pseudo-role where it means nothing.
    OwnerRoleWithoutOwner = "owner-role-without-owner",
    /// A role that is neither declared nor a pseudo-role.
    UnknownRole = "unknown-role",
    /// A pseudo-role in `roles`.
    ReservedRole = "reserved-role",
    /// The same item twice in a list.
    Duplicate = "duplicate",
    /// `write` on the id or a server field.
    NotWritable = "not-writable",
    /// `redact` together with `read_roles`.
    RedactWithReadRoles = "redact-with-read-roles",
    /// A bound out of order or out of range.
    Range = "range",
    /// A constraint the field's type does not take.
    ConstraintType = "constraint-type",
    /// A pattern that does not compile.
    BadPattern = "bad-pattern",
    /// `values` missing, empty or misplaced.
    EnumValues = "enum-values",
    /// A default that does not fit the field.
    BadDefault = "bad-default",
    /// `none` as a JWT algorithm.
    AlgorithmNone = "algorithm-none",
    /// The key variable does not fit the algorithms.
    KeySource = "key-source",
    /// HMAC and public-key algorithms together.
    MixedAlgorithms = "mixed-algorithms",
    /// `anyone` on an action that writes.
    AnyoneWrite = "anyone-write",
    /// `anyone` on a multi-tenant resource.
    AnyoneOnTenant = "anyone-on-tenant",
    /// `*` among the CORS origins.
    CorsWildcard = "cors-wildcard",
    /// A resource without any action.
    NoAccess = "no-access",
    /// An action granted to an empty list.
    EmptyGrant = "empty-grant",
    /// A `server` value the field's type cannot hold.
    ServerValue = "server-value",
    /// A required field no request can set.
    UnreachableField = "unreachable-field",
    /// `sunset` without `deprecated: true`.
    SunsetWithoutDeprecated = "sunset-without-deprecated",
    /// `write_roles` on a field nobody may write.
    WriteRolesWithoutWrite = "write-roles-without-write",
    /// Two resources with the same plural or type name.
    NameClash = "name-clash",
    /// `renamed_from:` that cannot be a rename.
    BadRename = "bad-rename",
    /// A `list:` entry no list could use safely: an unknown, hidden or unfit field.
    ListField = "list-field",
    /// A `ref` without a readable target, or `to:`/`on_delete:` on another type.
    BadRef = "bad-ref",
    /// A `parent:` that cannot nest: unknown, unreadable, too deep, a cycle, or an owner of
    /// its own.
    BadParent = "bad-parent",
    /// Lint: a sensitive-looking field that is readable.
    SensitiveField = "sensitive-field",
    /// Lint: an action open to callers without a token.
    AnyoneAccess = "anyone-access",
    /// Lint: a pattern not anchored at both ends.
    UnanchoredPattern = "unanchored-pattern",
    /// Lint: tokens from any issuer are accepted.
    NoIssuer = "no-issuer",
    /// Lint: tokens for any audience are accepted.
    NoAudience = "no-audience",
    /// Lint: a leeway above 60 seconds.
    LongLeeway = "long-leeway",
    /// Lint: a page size above 1000.
    LargePage = "large-page",
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem.
    pub code: Code,
    /// Where, as keys.
    pub path: KeyPath,
    /// Whether the key or the value is at fault.
    pub target: Target,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// Where, as line and column; set by [`crate::locate`].
    pub location: Option<Location>,
}

/// Collects diagnostics while a spec is parsed and checked (serde_derive's `Ctxt` idea).
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Sink {
    /// Records an error at the value under `path`.
    pub(crate) fn error(&mut self, code: Code, path: &KeyPath, message: impl Into<String>) -> &mut Diagnostic {
        self.push(Severity::Error, code, path, Target::Value, message)
    }

    /// Records an error at the key that ends `path`.
    pub(crate) fn error_at_key(&mut self, code: Code, path: &KeyPath, message: impl Into<String>) -> &mut Diagnostic {
        self.push(Severity::Error, code, path, Target::Key, message)
    }

    /// Records a warning at the value under `path`.
    pub(crate) fn warn(&mut self, code: Code, path: &KeyPath, message: impl Into<String>) -> &mut Diagnostic {
        self.push(Severity::Warning, code, path, Target::Value, message)
    }

    fn push(
        &mut self,
        severity: Severity,
        code: Code,
        path: &KeyPath,
        target: Target,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            severity,
            code,
            path: path.clone(),
            target,
            message: message.into(),
            hint: None,
            location: None,
        });
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    /// Whether any error (not warning) was recorded.
    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

impl Diagnostic {
    /// Adds a hint.
    pub(crate) fn hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(hint.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_keys() {
        let p = KeyPath::root().key("auth").key("jwt").key("algorithms").index(1);
        assert_eq!(p.to_string(), "auth.jwt.algorithms[1]");
        assert_eq!(KeyPath::root().key("odd key").to_string(), "\"odd key\"");
        assert_eq!(p.last_key(), Some("algorithms"));
    }
}
