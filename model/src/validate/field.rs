//! One field: its type's constraints, who writes and reads it, and whether a row could ever
//! be created with it. One function per rule.

use regex::Regex;

use crate::diag::{Code, KeyPath};
use crate::limits::{Limits, MAX_BODY};
use crate::model::{Field, Number, Reference, Role};
use crate::raw::RawField;
use crate::suggest;
use crate::vocab::{Action, FieldType, Keyword as _, OnDelete, PseudoRole, ServerValue};

use super::default::DefaultCtx;
use super::names::{ident_hint, is_ident};
use super::{Validator, a_ty};

/// What a field's rules depend on in its resource.
pub(super) struct FieldCtx<'l> {
    /// Rows belong to someone (`owner` or `tenant`), so `owner` is a meaningful role.
    pub(super) scoped: bool,
    /// The resource is multi-tenant.
    pub(super) tenant: bool,
    /// `create` has a route.
    pub(super) creatable: bool,
    /// The resource has a `parent:`.
    pub(super) nested: bool,
    /// The resource's limits (the default `max_len`).
    pub(super) limits: &'l Limits,
}

impl Validator<'_> {
    pub(super) fn field(&mut self, name: &str, f: &RawField, at: &KeyPath, ctx: &FieldCtx<'_>) -> Option<Field> {
        self.name(name, None, at, "field");
        self.renamed_from(name, f.renamed_from.as_deref(), &at.key("renamed_from"));
        let ty = f.ty?;
        let redact = f.redact.unwrap_or(false);
        self.misplaced_constraints(f, ty, at);
        let (min, max) = self.numeric_bounds(name, f, ty, at);
        let (min_len, max_len) = self.lengths(f, ty, ctx.limits, at);
        let compiled = self.pattern(f.pattern.as_deref(), ty, &at.key("pattern"));
        let values = self.enum_values(name, f.values.as_deref(), ty, at);
        let server = f.server;
        if let Some(s) = server {
            self.server_value(s, ty, ctx, &at.key("server"));
        }
        let write = self.writes(name, f, server.is_some(), at);
        let write_roles = self.write_roles(name, f, ctx, at);
        let read_roles = self.read_roles(name, f, ty, redact, ctx, at);
        let default = f.default.as_ref().and_then(|v| {
            let c = DefaultCtx {
                name,
                ty,
                server,
                min,
                max,
                min_len,
                max_len,
                pattern: compiled.as_ref(),
                values: &values,
            };
            self.default_value(v, &at.key("default"), c)
        });
        self.reachable(name, f, &write, default.is_some(), ctx, at);
        let reference = (ty == FieldType::Ref).then(|| self.reference(f, at)).flatten();
        Some(Field {
            name: name.to_owned(),
            ty,
            primary: false,
            optional: f.optional.unwrap_or(false),
            default,
            min,
            max,
            min_len,
            max_len,
            pattern: f.pattern.clone(),
            values,
            write,
            write_roles,
            read_roles,
            redact,
            server,
            description: f.description.clone(),
            renamed_from: f.renamed_from.clone(),
            reference,
        })
    }

    /// A `ref` names the resource it points at; the checker resolves it once every resource
    /// is known (see `references`).
    fn reference(&mut self, f: &RawField, at: &KeyPath) -> Option<Reference> {
        let Some(to) = &f.to else {
            self.sink
                .error_at_key(Code::BadRef, at, "a `ref` field needs `to:`, the resource it points at")
                .hint("add `to: <resource>`, e.g. `to: product`");
            return None;
        };
        Some(Reference {
            to: to.clone(),
            table: String::new(),
            column: String::new(),
            on_delete: f.on_delete.unwrap_or(OnDelete::Restrict),
        })
    }

    /// A constraint the type does not take would be silently ignored.
    fn misplaced_constraints(&mut self, f: &RawField, ty: FieldType, at: &KeyPath) {
        let misplaced: [(&str, bool, &str); 8] = [
            ("to", f.to.is_some() && ty != FieldType::Ref, "`ref` fields"),
            ("on_delete", f.on_delete.is_some() && ty != FieldType::Ref, "`ref` fields"),
            (
                "default",
                f.default.is_some() && ty == FieldType::Ref,
                "fields that are not `ref`s (a default row id would attach every row to it)",
            ),
            ("min", f.min.is_some() && !ty.is_numeric(), "`int` and `float`"),
            ("max", f.max.is_some() && !ty.is_numeric(), "`int` and `float`"),
            ("min_len", f.min_len.is_some() && !ty.is_textual(), "text types"),
            ("max_len", f.max_len.is_some() && !ty.is_textual(), "text types"),
            ("pattern", f.pattern.is_some() && !ty.takes_pattern(), "`string` and `text`"),
        ];
        for (key, bad, takes) in misplaced {
            if bad {
                self.sink
                    .error_at_key(
                        Code::ConstraintType,
                        &at.key(key),
                        format!("`{key}` does not apply to {} field", a_ty(ty)),
                    )
                    .hint(format!("`{key}` is for {takes}; remove it"));
            }
        }
    }

    /// Bounds are finite, whole for an `int`, and in order, so that some value is valid.
    fn numeric_bounds(
        &mut self,
        name: &str,
        f: &RawField,
        ty: FieldType,
        at: &KeyPath,
    ) -> (Option<Number>, Option<Number>) {
        let (mut min, mut max) = (f.min, f.max);
        for (key, bound) in [("min", &mut min), ("max", &mut max)] {
            match *bound {
                Some(Number::Float(x)) if !x.is_finite() => {
                    self.sink
                        .error(Code::Range, &at.key(key), format!("`{key}` is not a finite number"))
                        .hint("give a finite bound, or none");
                    *bound = None;
                }
                Some(Number::Float(x)) if ty == FieldType::Int => {
                    self.sink
                        .error(
                            Code::Range,
                            &at.key(key),
                            format!("`{x}` is not a whole number, but `{name}` is an `int`"),
                        )
                        .hint("use an integer bound");
                    *bound = None;
                }
                _ => {}
            }
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && ty.is_numeric()
            && lo.as_f64() > hi.as_f64()
        {
            self.sink
                .error(Code::Range, &at.key("min"), format!("`min` {lo} is above `max` {hi}, so no value is valid"))
                .hint("swap them or fix one");
        }
        (min, max)
    }

    /// Every text field gets a bound (its own `max_len`, or the resource's), at most the
    /// largest body, with `min_len` below it.
    fn lengths(&mut self, f: &RawField, ty: FieldType, limits: &Limits, at: &KeyPath) -> (Option<u32>, Option<u32>) {
        if !ty.is_textual() {
            return (None, None);
        }
        let (dmin, dmax) = if ty == FieldType::Password { (Some(12), 128) } else { (None, limits.max_len) };
        let cap = u32::try_from(MAX_BODY).unwrap_or(u32::MAX);
        let max_len = match f.max_len {
            Some(0) => {
                self.sink
                    .error(Code::Range, &at.key("max_len"), "`max_len` 0 admits only the empty string")
                    .hint("use at least 1, or remove the field");
                dmax
            }
            Some(m) if m > cap => {
                self.sink
                    .error(
                        Code::Range,
                        &at.key("max_len"),
                        format!("`max_len` {m} is longer than the largest body ({cap} bytes)"),
                    )
                    .hint("use a bound a request can reach");
                dmax
            }
            Some(m) => m,
            None => dmax,
        };
        let min_len = f.min_len.or(dmin);
        if let Some(lo) = min_len
            && lo > max_len
        {
            let key = if f.min_len.is_some() { "min_len" } else { "max_len" };
            self.sink
                .error(
                    Code::Range,
                    &at.key(key),
                    format!("`min_len` {lo} is above `max_len` {max_len}, so no value is valid"),
                )
                .hint("make `min_len` at most `max_len`");
        }
        (min_len, Some(max_len))
    }

    /// A pattern compiles (within a size limit, so a spec cannot make the service build a
    /// huge automaton), and is anchored, or it matches values that merely contain a match.
    fn pattern(&mut self, pattern: Option<&str>, ty: FieldType, at: &KeyPath) -> Option<Regex> {
        let p = pattern.filter(|_| ty.takes_pattern())?;
        let compiled = match self.compile(p) {
            Ok(re) => re,
            Err(e) => {
                let detail = e
                    .to_string()
                    .lines()
                    .filter(|l| l.starts_with("error:"))
                    .map(|l| l.trim_start_matches("error:").trim().to_owned())
                    .next()
                    .unwrap_or_else(|| "it does not compile".to_owned());
                self.sink.error(Code::BadPattern, at, format!("the pattern does not compile: {detail}")).hint(
                    "check brackets and escapes; the syntax is Rust's `regex` (no look-around, no backreferences)",
                );
                return None;
            }
        };
        if !(p.starts_with('^') && p.ends_with('$')) {
            self.sink
                .warn(
                    Code::UnanchoredPattern,
                    at,
                    "the pattern is not anchored, so it matches any value that merely contains a match",
                )
                .hint(format!("write `^{}$`", p.trim_start_matches('^').trim_end_matches('$')));
        }
        Some(compiled)
    }

    /// An enum lists its values, each an identifier, each once; no other type takes them.
    fn enum_values(&mut self, name: &str, values: Option<&[String]>, ty: FieldType, at: &KeyPath) -> Vec<String> {
        let mut out = Vec::new();
        let p = at.key("values");
        match (ty, values) {
            (FieldType::Enum, None) if !self.poisoned(&p) => {
                self.sink
                    .error_at_key(Code::EnumValues, at, format!("the enum field `{name}` has no `values`"))
                    .hint("add `values: [a, b]`");
            }
            (FieldType::Enum, Some([])) => {
                self.sink
                    .error(Code::EnumValues, &p, format!("the enum field `{name}` has no values, so no value is valid"))
                    .hint("list at least one value");
            }
            (FieldType::Enum, Some(v)) => {
                for (i, value) in v.iter().enumerate() {
                    if !is_ident(value) {
                        self.sink
                            .error(Code::BadIdentifier, &p.index(i), format!("`{value}` is not a valid enum value"))
                            .hint(ident_hint(value));
                    } else if out.contains(value) {
                        self.sink
                            .error(Code::Duplicate, &p.index(i), format!("`{value}` is listed twice"))
                            .hint("remove the second one");
                    } else {
                        out.push(value.clone());
                    }
                }
            }
            (_, Some(_)) => {
                self.sink
                    .error_at_key(Code::ConstraintType, &p, format!("`values` does not apply to {} field", a_ty(ty)))
                    .hint("`values` is for `type: enum`");
            }
            _ => {}
        }
        out
    }

    /// A server value fills only the types it can, and `tenant` only on a tenant resource.
    fn server_value(&mut self, s: ServerValue, ty: FieldType, ctx: &FieldCtx<'_>, at: &KeyPath) {
        if !s.fits(ty) {
            let fits: Vec<&str> = FieldType::ALL.iter().filter(|t| s.fits(**t)).map(|t| t.as_str()).collect();
            self.sink
                .error(Code::ServerValue, at, format!("`server: {s}` cannot fill {} field", a_ty(ty)))
                .hint(format!("`server: {s}` fills {}", suggest::list(&fits)));
        }
        if s == ServerValue::Parent && !ctx.nested {
            self.sink
                .error(Code::BadParent, at, "`server: parent` needs the resource's `parent`")
                .hint("add `parent: <resource>` to the resource, or remove `server: parent`");
        }
        if s == ServerValue::Tenant && !ctx.tenant {
            self.sink
                .error(Code::TenantField, at, "`server: tenant` needs the resource's `tenant`")
                .hint("add `tenant: { field: <this field>, claim: <claim> }` to the resource");
        }
    }

    /// `write` lists body actions, each once, and never on a field the server fills.
    fn writes(&mut self, name: &str, f: &RawField, server: bool, at: &KeyPath) -> Vec<Action> {
        let mut write = Vec::new();
        for (i, action) in f.write.iter().flatten().enumerate() {
            let p = at.key("write").index(i);
            if !action.has_body() {
                self.sink
                    .error(Code::UnknownValue, &p, format!("`{action}` cannot write fields"))
                    .hint("`write` lists `create` and/or `update`");
            } else if write.contains(action) {
                self.sink
                    .error(Code::Duplicate, &p, format!("`{action}` is listed twice"))
                    .hint("remove the second one");
            } else {
                write.push(*action);
            }
        }
        if server && !write.is_empty() {
            self.sink
                .error(
                    Code::NotWritable,
                    &at.key("write"),
                    format!("`{name}` is filled by the server, so clients may never write it"),
                )
                .hint("remove `write`, or remove `server` to let clients set it");
            write.clear();
        }
        write
    }

    /// `write_roles` narrows a write that exists, to someone, and never to `anyone`.
    fn write_roles(&mut self, name: &str, f: &RawField, ctx: &FieldCtx<'_>, at: &KeyPath) -> Option<Vec<Role>> {
        let roles = f.write_roles.as_ref()?;
        let p = at.key("write_roles");
        if f.write.as_ref().is_none_or(Vec::is_empty) && !self.poisoned(&at.key("write")) {
            self.sink
                .error_at_key(
                    Code::WriteRolesWithoutWrite,
                    &p,
                    format!("`write_roles` restricts writes, but `{name}` is not writable"),
                )
                .hint("add `write: [create, update]`, or remove `write_roles`");
            return None;
        }
        if roles.is_empty() {
            self.sink
                .error(Code::EmptyGrant, &p, "`write_roles` is empty, so nobody may write the field")
                .hint("remove `write` to make the field read-only");
            return None;
        }
        let list = self.role_list(roles, &p, ctx.scoped);
        for (i, r) in list.iter().enumerate() {
            if *r == Role::Pseudo(PseudoRole::Anyone) {
                self.sink
                    .error(Code::AnyoneWrite, &p.index(i), "`anyone` may not write fields")
                    .hint("use `authenticated` or a role");
            }
        }
        Some(list)
    }

    /// `read_roles` shows a readable field to someone: not on a redacted field, not on a
    /// password, not empty.
    fn read_roles(
        &mut self,
        name: &str,
        f: &RawField,
        ty: FieldType,
        redact: bool,
        ctx: &FieldCtx<'_>,
        at: &KeyPath,
    ) -> Option<Vec<Role>> {
        let roles = f.read_roles.as_ref()?;
        let p = at.key("read_roles");
        if redact {
            self.sink
                .error_at_key(
                    Code::RedactWithReadRoles,
                    &p,
                    format!("`{name}` is redacted, so nobody reads it; `read_roles` contradicts that"),
                )
                .hint("remove `read_roles` to keep it hidden, or remove `redact` to show it to those roles");
            None
        } else if ty == FieldType::Password {
            self.sink
                .error_at_key(Code::ConstraintType, &p, "a `password` field is write-only and never read")
                .hint("remove `read_roles`");
            None
        } else if roles.is_empty() {
            self.sink
                .error(Code::EmptyGrant, &p, "`read_roles` is empty, so nobody sees the field")
                .hint("write `redact: true` to hide it on purpose");
            None
        } else {
            Some(self.role_list(roles, &p, ctx.scoped))
        }
    }

    /// A required field must be settable, or no row could ever be created.
    fn reachable(
        &mut self,
        name: &str,
        f: &RawField,
        write: &[Action],
        has_default: bool,
        ctx: &FieldCtx<'_>,
        at: &KeyPath,
    ) {
        let is_id = f.primary == Some(true) || (name == "id" && f.primary.is_none());
        if ctx.creatable
            && !f.optional.unwrap_or(false)
            && !has_default
            && f.default.is_none()
            && f.server.is_none()
            && !is_id
            && !write.contains(&Action::Create)
            && !self.poisoned(&at.key("write"))
            && !self.poisoned(&at.key("server"))
        {
            self.sink.error_at_key(Code::UnreachableField, at, format!("`{name}` is required, but `create` cannot set it and it has no default, so no row could be created")).hint("add `write: [create]`, a `default`, or `optional: true`");
        }
    }
}
