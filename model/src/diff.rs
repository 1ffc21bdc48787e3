//! `securegen diff`: what a spec change does to exposure. Every key of the format is
//! compared, and each change is classified: it *widens* exposure (a caller gains an action,
//! rows, or a readable or writable field; a value is accepted that was refused; a limit or
//! bound is raised or removed; a token check loosens or trusts something else), it
//! *narrows* it, or it is neutral (names, descriptions, defaults) and not listed. A pull
//! request can be refused when anything widens. `tests/audit_diff.rs` holds the table of
//! every key and its classification, and fails when a key is added to the format without one.

use std::fmt::Write as _;

use serde::Serialize;

use crate::limits::Rate;
use crate::model::{Field, Jwt, Number, Resource, Spec};
use crate::policy::{Caller, Decision, Grant};
use crate::vocab::{Action, AuditLevel, Backend, FieldType, Keyword};

/// Whether a change widens or narrows exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is exposed than before.
    Widens,
    /// Less is exposed than before.
    Narrows,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Widens or narrows.
    pub direction: Direction,
    /// Where: `service`, `auth`, or a resource name.
    pub scope: String,
    /// What changed, in one sentence.
    pub what: String,
}

fn rank_decision(d: Decision) -> u8 {
    match d {
        Decision::Deny => 0,
        Decision::Allow(s) if s.owner => 1,
        Decision::Allow(_) => 2,
    }
}

fn rank_grant(g: Grant) -> u8 {
    match g {
        Grant::Never => 0,
        Grant::OwnRows => 1,
        Grant::Always => 2,
    }
}

fn describe(d: u8) -> &'static str {
    match d {
        0 => "nothing",
        1 => "own rows",
        _ => "every row",
    }
}

/// Every caller of either spec: anonymous, any token, each role.
fn callers(old: &Spec, new: &Spec) -> Vec<(String, Option<Vec<String>>)> {
    let mut roles: Vec<String> = old.roles.iter().chain(&new.roles).cloned().collect();
    roles.sort();
    roles.dedup();
    let mut out = vec![("anyone".to_owned(), None), ("authenticated".to_owned(), Some(Vec::new()))];
    out.extend(roles.into_iter().map(|r| (r.clone(), Some(vec![r]))));
    out
}

fn caller(roles: &Option<Vec<String>>) -> Caller<'_> {
    roles.as_deref().map_or(Caller::Anonymous, Caller::Authenticated)
}

struct Out(Vec<Change>);

impl Out {
    fn push(&mut self, widens: bool, scope: &str, what: String) {
        let direction = if widens { Direction::Widens } else { Direction::Narrows };
        self.0.push(Change { direction, scope: scope.to_owned(), what });
    }

    /// Records `old → new` when they differ; higher is wider.
    fn compare<T: PartialOrd + std::fmt::Display>(&mut self, scope: &str, what: &str, old: T, new: T) {
        if new > old {
            self.push(true, scope, format!("{what} raised from {old} to {new}"));
        } else if new < old {
            self.push(false, scope, format!("{what} lowered from {old} to {new}"));
        }
    }

    /// A bound where `None` means unbounded: removing it widens, adding it narrows.
    /// `wider(a, b)` tells whether `b` admits more than `a`.
    fn bound<T: PartialEq + std::fmt::Display + Copy>(
        &mut self,
        scope: &str,
        what: &str,
        old: Option<T>,
        new: Option<T>,
        wider: impl Fn(T, T) -> bool,
    ) {
        match (old, new) {
            (Some(a), None) => self.push(true, scope, format!("{what} {a} removed")),
            (None, Some(b)) => self.push(false, scope, format!("{what} {b} added")),
            (Some(a), Some(b)) if a != b => {
                let verb = if wider(a, b) { "relaxed" } else { "tightened" };
                self.push(wider(a, b), scope, format!("{what} {verb} from {a} to {b}"));
            }
            _ => {}
        }
    }

    /// A value that is trusted as it is: any change widens (something else is trusted now),
    /// adding one narrows, removing one widens.
    fn pinned(&mut self, scope: &str, what: &str, old: Option<&str>, new: Option<&str>) {
        match (old, new) {
            (Some(a), Some(b)) if a != b => self.push(true, scope, format!("{what} changed from `{a}` to `{b}`")),
            (Some(a), None) => self.push(true, scope, format!("{what} `{a}` no longer required")),
            (None, Some(b)) => self.push(false, scope, format!("{what} `{b}` now required")),
            _ => {}
        }
    }
}

/// How much a type admits, for comparisons: `string`/`text` admit any text; the formats
/// (`email`, `url`, `uuid`, `date`, `timestamp`, `enum`) only some; `float` admits every
/// `int`. Any other change admits values that were refused: it widens.
fn type_widens(old: FieldType, new: FieldType) -> bool {
    use FieldType as T;
    let any_text = |t: T| matches!(t, T::String | T::Text);
    match (old, new) {
        (a, b) if a == b => false,
        (T::String | T::Text, T::String | T::Text) => false,
        (_, b) if any_text(b) => true,
        (T::Int, T::Float) => true,
        (a, T::Enum | T::Email | T::Url | T::Uuid | T::Date | T::Timestamp) if any_text(a) => false,
        (T::Float, T::Int) => false,
        _ => true,
    }
}

fn auth(old: &Jwt, new: &Jwt, out: &mut Out) {
    for a in new.algorithms.iter().filter(|a| !old.algorithms.contains(a)) {
        out.push(true, "auth", format!("algorithm {a} accepted"));
    }
    for a in old.algorithms.iter().filter(|a| !new.algorithms.contains(a)) {
        out.push(false, "auth", format!("algorithm {a} no longer accepted"));
    }
    if old.key != new.key {
        out.push(
            true,
            "auth",
            format!("tokens verified with another key (`{}` instead of `{}`)", new.key.env(), old.key.env()),
        );
    }
    out.pinned("auth", "issuer", old.issuer.as_deref(), new.issuer.as_deref());
    out.pinned("auth", "audience", old.audience.as_deref(), new.audience.as_deref());
    out.pinned("auth", "roles claim", Some(&old.roles_claim), Some(&new.roles_claim));
    out.compare("auth", "leeway (seconds)", old.leeway, new.leeway);
}

fn service(old: &Spec, new: &Spec, out: &mut Out) {
    for o in new.cors_origins.iter().filter(|o| !old.cors_origins.contains(o)) {
        out.push(true, "service", format!("CORS origin {o} allowed"));
    }
    for o in old.cors_origins.iter().filter(|o| !new.cors_origins.contains(o)) {
        out.push(false, "service", format!("CORS origin {o} no longer allowed"));
    }
    match (old.limits.backend, new.limits.backend) {
        (Backend::Redis, Backend::Memory) => {
            out.push(
                true,
                "service",
                "rate limits no longer shared by instances: each allows the whole rate".to_owned(),
            );
        }
        (Backend::Memory, Backend::Redis) => {
            out.push(false, "service", "rate limits shared by every instance".to_owned())
        }
        _ => {}
    }
}

/// Sustained rate and burst separately: `20/minute` → `1200/hour` keeps the sustained rate
/// and allows bursts of 1200.
fn rate(scope: &str, old: Rate, new: Rate, out: &mut Out) {
    let per_second = |r: Rate| f64::from(r.count) / r.per.seconds() as f64;
    let (a, b) = (per_second(old), per_second(new));
    if (a - b).abs() > f64::EPSILON * a.max(b) {
        out.push(
            b > a,
            scope,
            format!("sustained rate {} from {old} to {new}", if b > a { "raised" } else { "lowered" }),
        );
    }
    out.compare(scope, "burst (requests at once)", old.count, new.count);
}

/// A field a list may now be filtered, sorted or searched by is a new way to learn about
/// rows (and to load the database): a widening; one taken away narrows.
fn list_queries(old: &Resource, new: &Resource, out: &mut Out) {
    let scope = new.name.as_str();
    for (how, before, after) in [
        ("filtered", &old.list.filter, &new.list.filter),
        ("sorted", &old.list.sort, &new.list.sort),
        ("searched", &old.list.search, &new.list.search),
    ] {
        for name in after.iter().filter(|n| !before.contains(n)) {
            out.push(true, scope, format!("lists may be {how} by `{name}`"));
        }
        for name in before.iter().filter(|n| !after.contains(n)) {
            out.push(false, scope, format!("lists may no longer be {how} by `{name}`"));
        }
    }
}

fn limits(old: &Resource, new: &Resource, out: &mut Out) {
    let scope = new.name.as_str();
    rate(scope, old.limits.rate, new.limits.rate, out);
    out.compare(scope, "body limit (bytes)", old.limits.body.0, new.limits.body.0);
    out.compare(scope, "page_max", old.limits.page_max, new.limits.page_max);
    out.compare(scope, "page_default", old.limits.page_default, new.limits.page_default);
    out.compare(scope, "default max_len", old.limits.max_len, new.limits.max_len);
}

fn scope_rules(old: &Resource, new: &Resource, out: &mut Out) {
    let scope = new.name.as_str();
    match (&old.owner, &new.owner) {
        (Some(_), None) => out.push(true, scope, "rows no longer belong to an owner".to_owned()),
        (None, Some(f)) => out.push(false, scope, format!("rows belong to the subject in `{f}`")),
        (Some(a), Some(b)) if a != b => {
            out.push(true, scope, format!("owner field changed from `{a}` to `{b}`: existing rows change hands"))
        }
        _ => {}
    }
    match (&old.tenant, &new.tenant) {
        (Some(_), None) => out.push(true, scope, "rows no longer confined to a tenant".to_owned()),
        (None, Some(t)) => out.push(false, scope, format!("rows confined to the tenant in `{}`", t.field)),
        (Some(a), Some(b)) => {
            if a.field != b.field {
                out.push(true, scope, format!("tenant field changed from `{}` to `{}`", a.field, b.field));
            }
            out.pinned(scope, "tenant claim", Some(&a.claim), Some(&b.claim));
        }
        _ => {}
    }
    match (&old.parent, &new.parent) {
        (Some(a), None) => out.push(true, scope, format!("rows are no longer reached only through a `{a}`")),
        (None, Some(p)) => out.push(false, scope, format!("rows are reached only through a `{p}`")),
        (Some(a), Some(b)) if a != b => {
            out.push(true, scope, format!("rows are reached through a `{b}` instead of a `{a}`"))
        }
        _ => {}
    }
    if old.etag && !new.etag {
        out.push(true, scope, "ETag checks removed: lost updates are possible again".to_owned());
    } else if !old.etag && new.etag {
        out.push(false, scope, "updates need If-Match".to_owned());
    }
    if old.audit == AuditLevel::All && new.audit == AuditLevel::Writes {
        out.push(true, scope, "successful reads are no longer audited".to_owned());
    } else if old.audit == AuditLevel::Writes && new.audit == AuditLevel::All {
        out.push(false, scope, "successful reads are audited".to_owned());
    }
}

fn access(old: &Resource, new: &Resource, who: &[(String, Option<Vec<String>>)], out: &mut Out) {
    for action in Action::ALL {
        for (name, roles) in who {
            let a = rank_decision(old.decide(*action, caller(roles)));
            let b = rank_decision(new.decide(*action, caller(roles)));
            if a != b {
                out.push(b > a, &new.name, format!("{name} may {action} {} (was {})", describe(b), describe(a)));
            }
        }
    }
}

/// What each caller reads and writes of each field, bounded by what it may do with rows.
fn grants(old: &Resource, new: &Resource, f: &Field, who: &[(String, Option<Vec<String>>)], out: &mut Out) {
    let before = old.field(&f.name);
    let rows = |r: &Resource, actions: &[Action], c: Caller<'_>| {
        actions.iter().map(|a| rank_decision(r.decide(*a, c))).max().unwrap_or(0)
    };
    for (name, roles) in who {
        let c = caller(roles);
        let read_old =
            before.map_or(0, |o| rank_grant(o.read_grant(c)).min(rows(old, &[Action::Read, Action::List], c)));
        let read_new = rank_grant(f.read_grant(c)).min(rows(new, &[Action::Read, Action::List], c));
        if read_new != read_old {
            let verb = if before.is_none() { "new field" } else { "field" };
            let what =
                format!("{verb} `{}`: {name} reads it on {} (was {})", f.name, describe(read_new), describe(read_old));
            out.push(read_new > read_old, &new.name, what);
        }
        for action in [Action::Create, Action::Update] {
            let w_old = before.map_or(0, |o| rank_grant(o.write_grant(action, c)).min(rows(old, &[action], c)));
            let w_new = rank_grant(f.write_grant(action, c)).min(rows(new, &[action], c));
            if w_new != w_old {
                let what = format!(
                    "field `{}`: {name} writes it in {action} on {} (was {})",
                    f.name,
                    describe(w_new),
                    describe(w_old)
                );
                out.push(w_new > w_old, &new.name, what);
            }
        }
    }
}

/// What values a field admits: its type and every constraint.
fn constraints(scope: &str, o: &Field, f: &Field, out: &mut Out) {
    let name = &f.name;
    if o.ty != f.ty {
        out.push(type_widens(o.ty, f.ty), scope, format!("field `{name}` changed type from {} to {}", o.ty, f.ty));
    }
    if o.optional != f.optional {
        let what = if f.optional { "may now be absent or null" } else { "is now required" };
        out.push(f.optional, scope, format!("field `{name}` {what}"));
    }
    if o.redact != f.redact {
        let what = if f.redact { "is now redacted" } else { "is no longer redacted" };
        out.push(!f.redact, scope, format!("field `{name}` {what}"));
    }
    let cascades = |x: &Field| x.reference.as_ref().is_some_and(|r| r.on_delete == crate::vocab::OnDelete::Cascade);
    if cascades(o) != cascades(f) {
        let what =
            if cascades(f) { "now deletes the rows that point at it" } else { "is now refused while rows point at it" };
        let to = f.reference.as_ref().or(o.reference.as_ref()).map_or("", |r| r.to.as_str());
        out.push(cascades(f), scope, format!("deleting a `{to}` that `{name}` points at {what}"));
    }
    if o.server != f.server {
        let widens = f.server.is_none();
        let what = match f.server {
            None => "is no longer filled by the server".to_owned(),
            Some(s) => format!("is filled by the server ({s})"),
        };
        out.push(widens, scope, format!("field `{name}` {what}"));
    }
    let num = |n: Number| n.as_f64();
    out.bound(scope, &format!("`{name}` min"), o.min.map(num), f.min.map(num), |a, b| b < a);
    out.bound(scope, &format!("`{name}` max"), o.max.map(num), f.max.map(num), |a, b| b > a);
    out.bound(scope, &format!("`{name}` min_len"), o.min_len, f.min_len, |a, b| b < a);
    out.bound(scope, &format!("`{name}` max_len"), o.max_len, f.max_len, |a, b| b > a);
    match (&o.pattern, &f.pattern) {
        (Some(_), None) => out.push(true, scope, format!("field `{name}` lost its pattern")),
        (None, Some(_)) => out.push(false, scope, format!("field `{name}` must match a pattern")),
        // A different pattern may admit anything; it cannot be shown narrower.
        (Some(a), Some(b)) if a != b => out.push(true, scope, format!("field `{name}` has another pattern (`{b}`)")),
        _ => {}
    }
    for v in f.values.iter().filter(|v| !o.values.contains(v)) {
        out.push(true, scope, format!("field `{name}` admits `{v}`"));
    }
    for v in o.values.iter().filter(|v| !f.values.contains(v)) {
        out.push(false, scope, format!("field `{name}` no longer admits `{v}`"));
    }
}

fn resource(old: &Resource, new: &Resource, who: &[(String, Option<Vec<String>>)], out: &mut Out) {
    scope_rules(old, new, out);
    access(old, new, who, out);
    for f in &new.fields {
        grants(old, new, f, who, out);
        if let Some(o) = old.field(&f.name) {
            constraints(&new.name, o, f, out);
        }
    }
    for f in old.fields.iter().filter(|f| new.field(&f.name).is_none()) {
        out.push(false, &new.name, format!("field `{}` removed", f.name));
    }
    list_queries(old, new, out);
    limits(old, new, out);
}

/// Every change from `old` to `new`, widening ones first.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mut out = Out(Vec::new());
    let who = callers(old, new);
    auth(&old.auth.jwt, &new.auth.jwt, &mut out);
    service(old, new, &mut out);
    for r in &new.resources {
        match old.resource(&r.name) {
            Some(before) => resource(before, r, &who, &mut out),
            None => {
                let open: Vec<&str> = r.access.keys().map(|a| a.as_str()).collect();
                out.push(
                    true,
                    &r.name,
                    format!("new resource `{}` ({}), actions: {}", r.name, r.path, open.join(", ")),
                );
            }
        }
    }
    for r in old.resources.iter().filter(|r| new.resource(&r.name).is_none()) {
        out.push(false, &r.name, format!("resource `{}` removed", r.name));
    }
    out.0.sort_by_key(|c| c.direction == Direction::Narrows);
    out.0
}

/// The changes as text: `+ widens`, `- narrows`.
pub fn render(changes: &[Change]) -> String {
    let mut s = String::new();
    for c in changes {
        let sign = if c.direction == Direction::Widens { '+' } else { '-' };
        let _ = writeln!(s, "{sign} [{}] {}", c.scope, c.what);
    }
    s
}
