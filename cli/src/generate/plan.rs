//! The attack-test plan of a spec: for each resource, who may create a row and with which
//! body, which callers each action must refuse, which fields must never be writable or
//! readable, which values must be out of bounds. The generated `tests/security.rs` embeds it
//! and drives the real service with it.

use securegen_model::policy::{Caller, Decision, Grant};
use securegen_model::{Action, Field, FieldType, Keyword as _, Literal, Number, Resource, Spec};
use serde_json::{Value, json};

/// The callers the plan considers: each declared role alone, then a token without roles.
fn callers(spec: &Spec) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = spec.roles.iter().map(|r| vec![r.clone()]).collect();
    out.push(Vec::new());
    out
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Bool(b) => json!(b),
        Literal::Number(Number::Int(i)) => json!(i),
        Literal::Number(Number::Float(f)) => json!(f),
        Literal::Text(s) => json!(s),
    }
}

/// A value that satisfies `f` and fits in a body of `body` bytes, or `None` when none can be
/// made up (a pattern without default, a minimum length no body can carry).
fn valid_value(f: &Field, body: u64) -> Option<Value> {
    if let Some(d) = &f.default {
        return Some(literal(d));
    }
    let len = f.min_len.unwrap_or(1).max(1);
    if u64::from(len) >= body {
        return None;
    }
    let len = len as usize;
    let fits = |s: &str| {
        f.max_len.is_none_or(|m| s.chars().count() <= m as usize)
            && s.chars().count() >= f.min_len.unwrap_or(0) as usize
    };
    let text = |s: &str| fits(s).then(|| json!(s));
    match f.ty {
        _ if f.pattern.is_some() => None,
        FieldType::String | FieldType::Text => Some(json!("x".repeat(len))),
        FieldType::Email => text("user@example.com"),
        FieldType::Url => text("https://example.com"),
        FieldType::Uuid => text("0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e"),
        FieldType::Date => text("2026-01-01"),
        FieldType::Timestamp => text("2026-01-01T00:00:00Z"),
        FieldType::Enum => f.values.first().map(|v| json!(v)),
        FieldType::Bool => Some(json!(true)),
        FieldType::Int => {
            // The checker allows only whole bounds on an `int`.
            let int = |n: Number| match n {
                Number::Int(i) => i,
                Number::Float(x) => x as i64,
            };
            let lo = f.min.map_or(1, int).max(1);
            Some(json!(f.max.map_or(lo, |m| lo.min(int(m)))))
        }
        FieldType::Float => {
            let lo = f.min.map_or(1.0, Number::as_f64).max(1.0);
            Some(json!(f.max.map_or(lo, |m| lo.min(m.as_f64()))))
        }
        FieldType::Password => None,
    }
}

/// Values that break `f`'s type or constraints and still fit in a body of `body` bytes (a
/// longer one would be refused for its size, not its value).
fn bad_values(f: &Field, body: u64) -> Vec<Value> {
    let mut out = Vec::new();
    match f.ty {
        FieldType::Int | FieldType::Float => {
            let beyond = |m: Number, step: i64| match m {
                Number::Int(i) => i.checked_add(step).map(|v| json!(v)),
                // A float bound one unit further, when that is still a different number.
                Number::Float(x) => Some(x + step as f64).filter(|y| y.is_finite() && *y != x).map(|y| json!(y)),
            };
            out.extend(f.min.and_then(|m| beyond(m, -1)));
            out.extend(f.max.and_then(|m| beyond(m, 1)));
            out.push(json!("not a number"));
        }
        FieldType::Bool => out.push(json!("yes")),
        FieldType::Enum => out.push(json!("not_a_value")),
        FieldType::Email => out.push(json!("not-an-email")),
        FieldType::Url => out.push(json!("ftp://example.com")),
        FieldType::Uuid => out.push(json!("not-a-uuid")),
        FieldType::Date => out.push(json!("2026-13-40")),
        FieldType::Timestamp => out.push(json!("not-a-time")),
        _ => {}
    }
    if f.ty.is_textual() && f.ty != FieldType::Password {
        if let Some(min) = f.min_len.filter(|m| *m > 0 && u64::from(*m) < body) {
            out.push(json!("x".repeat(min as usize - 1)));
        }
        if let Some(max) = f.max_len.filter(|m| u64::from(*m) + 64 < body) {
            out.push(json!("x".repeat(max as usize + 1)));
        }
    }
    out
}

fn allows(r: &Resource, action: Action, roles: &[String]) -> Option<bool> {
    match r.decide(action, Caller::Authenticated(roles)) {
        Decision::Deny => None,
        Decision::Allow(scope) => Some(scope.owner),
    }
}

fn resource_plan(spec: &Spec, r: &Resource) -> Value {
    let all_callers = callers(spec);
    let creator = all_callers.iter().find(|c| allows(r, Action::Create, c).is_some()).cloned();
    let creator_caller = creator.as_deref().map(Caller::Authenticated);
    let writable_by_creator =
        |f: &Field| creator_caller.is_some_and(|c| f.write_grant(Action::Create, c) != Grant::Never);

    let mut body = serde_json::Map::new();
    let mut complete = creator.is_some();
    for f in r.fields.iter().filter(|f| writable_by_creator(f) && !f.optional && f.default.is_none()) {
        match valid_value(f, r.limits.body.0) {
            Some(v) => {
                body.insert(f.name.clone(), v);
            }
            None => complete = false,
        }
    }
    let body = if complete { Value::Object(body) } else { Value::Null };

    let routed: Vec<Action> = r.access.keys().copied().collect();
    let owner_actions: Vec<&str> = match &creator {
        // (An ETag resource answers a PATCH without If-Match with 428 before looking for the
        // row; its update is covered by the runtime's own tests.)
        Some(c) if r.owner.is_some() => [Action::Read, Action::List, Action::Update, Action::Delete]
            .into_iter()
            .filter(|a| allows(r, *a, c) == Some(true) && !(r.etag && *a == Action::Update))
            .map(|a| a.as_str())
            .collect(),
        _ => Vec::new(),
    };
    let denied: Vec<Value> = all_callers
        .iter()
        .flat_map(|c| {
            routed
                .iter()
                .filter(|a| allows(r, **a, c).is_none())
                .map(move |a| json!({ "action": a.as_str(), "roles": c }))
        })
        .collect();
    let anonymous_denied: Vec<&str> =
        routed.iter().filter(|a| r.decide(**a, Caller::Anonymous) == Decision::Deny).map(|a| a.as_str()).collect();
    let non_writable: Vec<&str> =
        r.fields.iter().filter(|f| !writable_by_creator(f)).map(|f| f.name.as_str()).collect();
    let redacted: Vec<&str> = r.fields.iter().filter(|f| !f.is_readable()).map(|f| f.name.as_str()).collect();

    // Readers: the owner (the creator's roles, subject "owner"), and each caller by role.
    let mut readers = Vec::new();
    if let Some(c) = &creator {
        readers.push(("owner".to_owned(), c.clone(), true));
    }
    for c in &all_callers {
        let sub = format!("reader-{}", c.first().map_or("none", String::as_str));
        readers.push((sub, c.clone(), false));
    }
    let read_roles: Vec<Value> = r
        .fields
        .iter()
        .filter(|f| f.read_roles.is_some() && f.is_readable())
        .flat_map(|f| {
            readers.iter().filter_map(move |(sub, roles, owns)| {
                let row = allows(r, Action::Read, roles)?;
                if row && !owns {
                    return None;
                }
                let visible = match f.read_grant(Caller::Authenticated(roles)) {
                    Grant::Always => true,
                    Grant::OwnRows => (*owns && r.owner.is_some()) || r.owner.is_none(),
                    Grant::Never => false,
                };
                Some(json!({ "field": f.name, "sub": sub, "roles": roles, "visible": visible }))
            })
        })
        .collect();
    let bad: Vec<Value> = if body.is_object() {
        r.fields
            .iter()
            .filter(|f| writable_by_creator(f))
            .flat_map(|f| {
                bad_values(f, r.limits.body.0).into_iter().map(move |v| json!({ "field": f.name, "value": v }))
            })
            .collect()
    } else {
        Vec::new()
    };
    let rate = if r.limits.rate.count <= 60 && r.access.contains_key(&Action::List) {
        if r.decide(Action::List, Caller::Anonymous) != Decision::Deny {
            json!({ "count": r.limits.rate.count, "roles": null })
        } else {
            all_callers
                .iter()
                .find(|c| allows(r, Action::List, c).is_some())
                .map_or(Value::Null, |c| json!({ "count": r.limits.rate.count, "roles": c }))
        }
    } else {
        Value::Null
    };
    let token_actions: Vec<&str> = routed.iter().map(|a| a.as_str()).collect();
    json!({
        "name": r.name,
        "path": r.path,
        "id": r.id,
        "owner": r.owner.is_some(),
        "tenant": r.tenant.is_some(),
        "creator": creator,
        "body": body,
        "owner_actions": owner_actions,
        "denied": denied,
        "anonymous_denied": anonymous_denied,
        "non_writable": non_writable,
        "redacted": redacted,
        "readers": readers.iter().map(|(s, roles, _)| json!({ "sub": s, "roles": roles })).collect::<Vec<_>>(),
        "read_roles": read_roles,
        "bad_values": bad,
        "rate": rate,
        "body_limit": r.limits.body.0,
        "token_actions": token_actions,
        "token_roles": creator.clone().or_else(|| all_callers.first().cloned()).unwrap_or_default(),
    })
}

/// The plan of every resource, with the token settings the tests mint with.
pub(crate) fn plan(spec: &Spec) -> Value {
    let mut claims: Vec<&str> =
        spec.resources.iter().filter_map(|r| r.tenant.as_ref()).map(|t| t.claim.as_str()).collect();
    claims.sort_unstable();
    claims.dedup();
    json!({
        "jwt": spec.auth.jwt,
        "tenant_claims": claims,
        "resources": spec.resources.iter().map(|r| resource_plan(spec, r)).collect::<Vec<_>>(),
    })
}
