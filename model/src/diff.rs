//! `securegen diff`: what a spec change does to exposure. Every change that widens it — a
//! caller gains an action, rows or a readable or writable field; `anyone` is added; an owner,
//! tenant or redaction is dropped; a limit or a bound is raised; token checks loosen — is
//! listed, so a pull request can be refused when exposure grows. Narrowing changes are listed
//! too, for the record.

use std::fmt::Write as _;

use serde::Serialize;

use crate::model::{Resource, Spec};
use crate::policy::{Caller, Decision, Grant};
use crate::vocab::{Action, Keyword};

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
}

fn per_second(r: &Resource) -> f64 {
    f64::from(r.limits.rate.count) / r.limits.rate.per.seconds() as f64
}

fn fields(old: &Resource, new: &Resource, who: &[(String, Option<Vec<String>>)], out: &mut Out) {
    let scope = new.name.as_str();
    // What a caller can do with a field is bounded by what it can do with the rows.
    let rows = |r: &Resource, actions: &[Action], c: Caller<'_>| {
        actions.iter().map(|a| rank_decision(r.decide(*a, c))).max().unwrap_or(0)
    };
    for f in &new.fields {
        let before = old.field(&f.name);
        for (name, roles) in who {
            let c = caller(roles);
            let read_old =
                before.map_or(0, |o| rank_grant(o.read_grant(c)).min(rows(old, &[Action::Read, Action::List], c)));
            let read_new = rank_grant(f.read_grant(c)).min(rows(new, &[Action::Read, Action::List], c));
            if read_new != read_old {
                let verb = if before.is_none() { "new field" } else { "field" };
                out.push(
                    read_new > read_old,
                    scope,
                    format!(
                        "{verb} `{}`: {name} reads it on {} (was {})",
                        f.name,
                        describe(read_new),
                        describe(read_old)
                    ),
                );
            }
            for action in [Action::Create, Action::Update] {
                let w_old = before.map_or(0, |o| rank_grant(o.write_grant(action, c)).min(rows(old, &[action], c)));
                let w_new = rank_grant(f.write_grant(action, c)).min(rows(new, &[action], c));
                if w_new != w_old {
                    out.push(
                        w_new > w_old,
                        scope,
                        format!(
                            "field `{}`: {name} writes it in {action} on {} (was {})",
                            f.name,
                            describe(w_new),
                            describe(w_old)
                        ),
                    );
                }
            }
        }
        if let Some(o) = before {
            if o.redact && !f.redact {
                out.push(true, scope, format!("field `{}` is no longer redacted", f.name));
            }
            if let (Some(a), Some(b)) = (o.max_len, f.max_len) {
                out.compare(scope, &format!("`{}` max_len", f.name), a, b);
            }
            if let (Some(a), Some(b)) = (o.max, f.max) {
                out.compare(scope, &format!("`{}` max", f.name), a.as_f64(), b.as_f64());
            }
            if let (Some(a), Some(b)) = (o.min, f.min) {
                out.compare(scope, &format!("`{}` min (lower is wider)", f.name), -a.as_f64(), -b.as_f64());
            }
            if o.pattern.is_some() && f.pattern.is_none() {
                out.push(true, scope, format!("field `{}` lost its pattern", f.name));
            }
        }
    }
    for f in old.fields.iter().filter(|f| new.field(&f.name).is_none()) {
        out.push(false, scope, format!("field `{}` removed", f.name));
    }
}

/// Every change from `old` to `new`, widening ones first.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mut out = Out(Vec::new());
    let who = callers(old, new);
    let (ja, jb) = (&old.auth.jwt, &new.auth.jwt);
    for a in jb.algorithms.iter().filter(|a| !ja.algorithms.contains(a)) {
        out.push(true, "auth", format!("algorithm {a} accepted"));
    }
    if ja.issuer.is_some() && jb.issuer.is_none() {
        out.push(true, "auth", "tokens from any issuer accepted (issuer removed)".to_owned());
    }
    if ja.audience.is_some() && jb.audience.is_none() {
        out.push(true, "auth", "tokens for any audience accepted (audience removed)".to_owned());
    }
    out.compare("auth", "leeway (seconds)", ja.leeway, jb.leeway);
    for o in new.cors_origins.iter().filter(|o| !old.cors_origins.contains(o)) {
        out.push(true, "service", format!("CORS origin {o} allowed"));
    }
    for r in &new.resources {
        let Some(before) = old.resource(&r.name) else {
            let open: Vec<&str> = r.access.keys().map(|a| a.as_str()).collect();
            out.push(true, &r.name, format!("new resource `{}` ({}), actions: {}", r.name, r.path, open.join(", ")));
            continue;
        };
        let scope = r.name.as_str();
        if before.owner.is_some() && r.owner.is_none() {
            out.push(true, scope, "rows no longer belong to an owner".to_owned());
        }
        if before.tenant.is_some() && r.tenant.is_none() {
            out.push(true, scope, "rows no longer confined to a tenant".to_owned());
        }
        for action in Action::ALL {
            for (name, roles) in &who {
                let a = rank_decision(before.decide(*action, caller(roles)));
                let b = rank_decision(r.decide(*action, caller(roles)));
                if a != b {
                    out.push(b > a, scope, format!("{name} may {action} {} (was {})", describe(b), describe(a)));
                }
            }
        }
        fields(before, r, &who, &mut out);
        let (ra, rb) = (per_second(before), per_second(r));
        if (ra - rb).abs() > f64::EPSILON {
            out.push(
                rb > ra,
                scope,
                format!(
                    "rate {} from {} to {}",
                    if rb > ra { "raised" } else { "lowered" },
                    before.limits.rate,
                    r.limits.rate
                ),
            );
        }
        out.compare(scope, "body limit (bytes)", before.limits.body.0, r.limits.body.0);
        out.compare(scope, "page_max", before.limits.page_max, r.limits.page_max);
        if before.etag && !r.etag {
            out.push(true, scope, "ETag checks removed: lost updates are possible again".to_owned());
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
