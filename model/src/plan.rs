//! The attack plan of a service, computed from its settings and its resources' policies: for
//! each resource, who may create a row and with which body, which callers each action must
//! refuse, which fields must never be writable or readable, which values must be out of
//! bounds. The runtime's test harness drives a real instance with it; the attacks are the
//! [`Attack`] enum, which the generated `tests/security.rs` runs one test each.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::{Field, Jwt, Literal, Number, Resource, Role, Settings};
use crate::policy::{Caller, Decision, Grant};
use crate::vocab::{Action, FieldType};

/// An attack of the generated tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attack {
    /// Another owner's row answers every owned action exactly like a missing row.
    Bola,
    /// A caller of another tenant cannot see the row.
    TenantIsolation,
    /// Callers whose roles lack an action get 403; anonymous callers 401.
    Bfla,
    /// Every field the creator may not write, and an unknown one, is a 422.
    MassAssignment,
    /// Redacted fields appear in no response.
    Redaction,
    /// `read_roles` fields are visible exactly to the callers the policy says.
    ReadRoles,
    /// Every out-of-bounds value is a 422 at its pointer, without echo.
    Bounds,
    /// The request past the rate is a 429 with `Retry-After`.
    RateLimit,
    /// A body past the limit is a 413.
    BodyLimit,
    /// Unsigned, edited, expired and garbage tokens are 401 `invalid_token`.
    ForgedTokens,
    /// A list filtered, sorted or searched by a field the caller may not read answers like
    /// one by a field that does not exist.
    ListQueries,
    /// A `ref` to a row the caller cannot read is refused exactly like one to no row.
    References,
    /// Every action on the children of another caller's parent answers exactly like one
    /// under a parent that does not exist.
    ForeignParent,
}

impl Attack {
    /// Every attack, in the order the generated tests list them.
    pub const ALL: &[Self] = &[
        Self::Bola,
        Self::TenantIsolation,
        Self::Bfla,
        Self::MassAssignment,
        Self::Redaction,
        Self::ReadRoles,
        Self::Bounds,
        Self::RateLimit,
        Self::BodyLimit,
        Self::ForgedTokens,
        Self::ListQueries,
        Self::References,
        Self::ForeignParent,
    ];

    /// Whether the attack has something to try on a resource with plan `p`: a generated
    /// test exists only where it can fail.
    pub fn applies(self, p: &ResourcePlan) -> bool {
        let rows = p.creator.is_some() && p.body.is_some();
        match self {
            Self::Bola => p.owner && rows && !p.owner_actions.is_empty(),
            Self::TenantIsolation => p.tenant && rows,
            Self::Bfla => !p.denied.is_empty() || !p.anonymous_denied.is_empty(),
            Self::MassAssignment => rows,
            Self::Redaction => !p.redacted.is_empty() && rows,
            Self::ReadRoles => !p.read_roles.is_empty() && rows,
            Self::Bounds => !p.bad_values.is_empty() && rows,
            Self::RateLimit => p.rate.is_some(),
            Self::BodyLimit => p.creator.is_some(),
            Self::ForgedTokens => !p.token_actions.is_empty(),
            Self::ListQueries => !p.queries.is_empty(),
            Self::References => !p.refs.is_empty() && rows,
            Self::ForeignParent => p.parent.as_ref().is_some_and(|x| x.hidden) && rows,
        }
    }

    /// The attack's name (the generated test's name).
    pub fn name(self) -> &'static str {
        match self {
            Self::Bola => "bola",
            Self::TenantIsolation => "tenant_isolation",
            Self::Bfla => "bfla",
            Self::MassAssignment => "mass_assignment",
            Self::Redaction => "redaction",
            Self::ReadRoles => "read_roles",
            Self::Bounds => "bounds",
            Self::RateLimit => "rate_limit",
            Self::BodyLimit => "body_limit",
            Self::ForgedTokens => "forged_tokens",
            Self::ListQueries => "list_queries",
            Self::References => "references",
            Self::ForeignParent => "foreign_parent",
        }
    }
}

/// An action some callers may not call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Denied {
    /// The action.
    pub action: Action,
    /// The caller's roles.
    pub roles: Vec<String>,
}

/// A caller that reads rows, by subject and roles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reader {
    /// The subject (`owner` is the row's creator).
    pub sub: String,
    /// The roles.
    pub roles: Vec<String>,
}

/// Whether a `read_roles` field must be visible to a caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadCheck {
    /// The field.
    pub field: String,
    /// The reader.
    pub sub: String,
    /// Its roles.
    pub roles: Vec<String>,
    /// Whether the field must appear.
    pub visible: bool,
}

/// Whether a list query parameter must work for a caller, or be refused like an unknown one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryCheck {
    /// The parameter: a filter's field, `sort` or `q`.
    pub param: String,
    /// A value the field's rules accept.
    pub value: String,
    /// The caller.
    pub sub: String,
    /// Its roles.
    pub roles: Vec<String>,
    /// Whether the caller may read the field on every row the list answers.
    pub visible: bool,
}

/// A `ref` field the creator writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefField {
    /// The field.
    pub field: String,
    /// The resource it points at.
    pub to: String,
    /// Whether a row needs it.
    pub required: bool,
}

/// The parent of a nested resource, as the tests reach it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParentPlan {
    /// The parent resource.
    pub resource: String,
    /// Whether another subject's parent is hidden from the creator (some level up the chain
    /// lets the creator read only its own rows).
    pub hidden: bool,
}

/// A value a field must refuse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadValue {
    /// The field.
    pub field: String,
    /// The value.
    pub value: Value,
}

/// How to exceed a resource's rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateCheck {
    /// Requests allowed in the window.
    pub count: u32,
    /// The roles of the caller who lists (`None`: anonymous).
    pub roles: Option<Vec<String>>,
}

/// The plan of one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourcePlan {
    /// The resource's name.
    pub name: String,
    /// Its path.
    pub path: String,
    /// The id field.
    pub id: String,
    /// Whether rows have an owner.
    pub owner: bool,
    /// Whether rows have a tenant.
    pub tenant: bool,
    /// The roles of a caller who may create, if any.
    pub creator: Option<Vec<String>>,
    /// A body that creates a row, if one can be made up.
    pub body: Option<Map<String, Value>>,
    /// Actions the creator may call on their own rows only.
    pub owner_actions: Vec<Action>,
    /// Actions callers with these roles may not call.
    pub denied: Vec<Denied>,
    /// Actions anonymous callers may not call.
    pub anonymous_denied: Vec<Action>,
    /// Fields the creator may not write.
    pub non_writable: Vec<String>,
    /// Fields no response may hold.
    pub redacted: Vec<String>,
    /// Callers who read rows.
    pub readers: Vec<Reader>,
    /// Visibility of `read_roles` fields.
    pub read_roles: Vec<ReadCheck>,
    /// List query parameters and who may use them.
    pub queries: Vec<QueryCheck>,
    /// The `ref` fields the creator writes on create: the tests fill each with a row they
    /// create first, and try one the creator cannot read.
    pub refs: Vec<RefField>,
    /// Values fields must refuse.
    pub bad_values: Vec<BadValue>,
    /// How to exceed the rate, when a list is cheap to repeat.
    pub rate: Option<RateCheck>,
    /// The body limit in bytes.
    pub body_limit: u64,
    /// The routed actions.
    pub token_actions: Vec<Action>,
    /// Roles of a caller that may call one of them.
    pub token_roles: Vec<String>,
    /// For a nested resource: its parent (the tests create one first, as the same caller).
    pub parent: Option<ParentPlan>,
}

/// The plan of a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// How tokens are minted for the tests.
    pub jwt: Jwt,
    /// Claims that hold tenants.
    pub tenant_claims: Vec<String>,
    /// One plan per resource.
    pub resources: Vec<ResourcePlan>,
}

impl Plan {
    /// The plan of `resource`.
    pub fn resource(&self, name: &str) -> Option<&ResourcePlan> {
        self.resources.iter().find(|r| r.name == name)
    }
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
        FieldType::String | FieldType::Text | FieldType::Password => Some(json!("x".repeat(len))),
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
        FieldType::Ref => None,
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
        FieldType::Uuid | FieldType::Ref => out.push(json!("not-a-uuid")),
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

/// The readers of a resource and whether each reads on rows it owns.
fn readers(callers: &[Vec<String>], creator: Option<&Vec<String>>) -> Vec<(String, Vec<String>, bool)> {
    let mut out = Vec::new();
    if let Some(c) = creator {
        out.push(("owner".to_owned(), c.clone(), true));
    }
    for c in callers {
        out.push((format!("reader-{}", c.first().map_or("none", String::as_str)), c.clone(), false));
    }
    out
}

fn read_checks(r: &Resource, readers: &[(String, Vec<String>, bool)]) -> Vec<ReadCheck> {
    r.fields
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
                    // Under a parent, rows are the caller's when reached through the owner.
                    Grant::OwnRows if r.parent.is_some() => row,
                    Grant::OwnRows => (*owns && r.owner.is_some()) || r.owner.is_none(),
                    Grant::Never => false,
                };
                Some(ReadCheck { field: f.name.clone(), sub: sub.clone(), roles: roles.clone(), visible })
            })
        })
        .collect()
}

/// For each caller who lists, each allowed filter, sort and search: whether it may be used
/// ([`Resource::may_query_by`]).
fn query_checks(r: &Resource, readers: &[(String, Vec<String>, bool)]) -> Vec<QueryCheck> {
    let mut out = Vec::new();
    for (sub, roles, _) in readers {
        if allows(r, Action::List, roles).is_none() {
            continue;
        }
        let sees = |name: &str| r.field(name).is_some_and(|f| r.may_query_by(f, Caller::Authenticated(roles)));
        let mut check = |param: String, value: String, visible: bool| {
            out.push(QueryCheck { param, value, sub: sub.clone(), roles: roles.clone(), visible });
        };
        for f in r.list.filter.iter().filter_map(|n| r.field(n)) {
            let value = match valid_value(f, r.limits.body.0) {
                Some(Value::String(s)) => s,
                Some(v) => v.to_string(),
                None => continue,
            };
            check(f.name.clone(), value, sees(&f.name));
        }
        for name in &r.list.sort {
            check("sort".to_owned(), format!("-{name}"), sees(name));
        }
        if !r.list.search.is_empty() {
            check("q".to_owned(), "a".to_owned(), r.list.search.iter().any(|n| sees(n)));
        }
    }
    out
}

fn rate_check(r: &Resource, callers: &[Vec<String>]) -> Option<RateCheck> {
    if r.limits.rate.count > 60 || !r.access.contains_key(&Action::List) {
        return None;
    }
    if r.decide(Action::List, Caller::Anonymous) != Decision::Deny {
        return Some(RateCheck { count: r.limits.rate.count, roles: None });
    }
    callers
        .iter()
        .find(|c| allows(r, Action::List, c).is_some())
        .map(|c| RateCheck { count: r.limits.rate.count, roles: Some(c.clone()) })
}

fn resource_plan(callers: &[Vec<String>], r: &Resource) -> ResourcePlan {
    let creator = callers.iter().find(|c| allows(r, Action::Create, c).is_some()).cloned();
    let creator_caller = creator.as_deref().map(Caller::Authenticated);
    let writable_by_creator =
        |f: &Field| creator_caller.is_some_and(|c| f.write_grant(Action::Create, c) != Grant::Never);

    let mut body = Map::new();
    let mut complete = creator.is_some();
    // A `ref` is filled when the test runs, with a row it creates first (see `refs`).
    for f in r
        .fields
        .iter()
        .filter(|f| writable_by_creator(f) && !f.optional && f.default.is_none() && f.reference.is_none())
    {
        match valid_value(f, r.limits.body.0) {
            Some(v) => {
                body.insert(f.name.clone(), v);
            }
            None => complete = false,
        }
    }
    let body = complete.then_some(body);
    let routed: Vec<Action> = r.access.keys().copied().collect();
    let owner_actions: Vec<Action> = match &creator {
        // (An ETag resource answers a PATCH without If-Match with 428 before looking for the
        // row; its update is covered by the runtime's own tests.)
        Some(c) if r.owner.is_some() => [Action::Read, Action::List, Action::Update, Action::Delete]
            .into_iter()
            .filter(|a| allows(r, *a, c) == Some(true) && !(r.etag && *a == Action::Update))
            .collect(),
        _ => Vec::new(),
    };
    let denied = callers
        .iter()
        .flat_map(|c| {
            routed.iter().filter(|a| allows(r, **a, c).is_none()).map(move |a| Denied { action: *a, roles: c.clone() })
        })
        .collect();
    let anonymous_denied =
        routed.iter().copied().filter(|a| r.decide(*a, Caller::Anonymous) == Decision::Deny).collect();
    let readers = readers(callers, creator.as_ref());
    let bad_values = if body.is_some() {
        r.fields
            .iter()
            .filter(|f| writable_by_creator(f))
            .flat_map(|f| {
                bad_values(f, r.limits.body.0).into_iter().map(move |v| BadValue { field: f.name.clone(), value: v })
            })
            .collect()
    } else {
        Vec::new()
    };
    ResourcePlan {
        name: r.name.clone(),
        path: r.path.clone(),
        id: r.id.clone(),
        owner: r.owner.is_some(),
        tenant: r.tenant.is_some(),
        body,
        owner_actions,
        denied,
        anonymous_denied,
        non_writable: r.fields.iter().filter(|f| !writable_by_creator(f)).map(|f| f.name.clone()).collect(),
        redacted: r.fields.iter().filter(|f| !f.is_readable()).map(|f| f.name.clone()).collect(),
        read_roles: read_checks(r, &readers),
        queries: query_checks(r, &readers),
        refs: r
            .fields
            .iter()
            .filter(|f| writable_by_creator(f))
            .filter_map(|f| {
                let to = f.reference.as_ref()?.to.clone();
                Some(RefField { field: f.name.clone(), to, required: !f.optional })
            })
            .collect(),
        readers: readers.into_iter().map(|(sub, roles, _)| Reader { sub, roles }).collect(),
        bad_values,
        rate: rate_check(r, callers),
        body_limit: r.limits.body.0,
        token_roles: creator.clone().or_else(|| callers.first().cloned()).unwrap_or_default(),
        creator,
        token_actions: routed,
        parent: None,
    }
}

/// Narrows the plan of a nested resource to what its parents let each caller reach: a reader
/// checks a row only under a parent it reads on every row (or as the owner).
fn nest(plan: &mut ResourcePlan, r: &Resource, ancestors: &[&Resource]) {
    let Some(parent) = &r.parent else { return };
    let reads_all = |roles: &[String]| ancestors.iter().all(|a| allows(a, Action::Read, roles) == Some(false));
    let hidden = plan
        .creator
        .as_deref()
        .is_some_and(|c| ancestors.iter().all(|a| allows(a, Action::Read, c).is_some()) && !reads_all(c));
    plan.read_roles.retain(|c| c.sub == "owner" || reads_all(&c.roles));
    plan.parent = Some(ParentPlan { resource: parent.clone(), hidden });
}

impl Plan {
    /// The plan of a service with `settings` and `resources`. The callers considered are
    /// each role the settings declare or the resources name, alone, then a token without
    /// roles.
    pub fn of(settings: &Settings, resources: &[&Resource]) -> Self {
        let mut roles: Vec<String> = settings.roles.clone();
        for r in resources {
            for role in
                r.access.values().flatten().chain(r.fields.iter().filter_map(|f| f.read_roles.as_ref()).flatten())
            {
                if let Role::Named(n) = role
                    && !roles.contains(n)
                {
                    roles.push(n.clone());
                }
            }
        }
        let mut callers: Vec<Vec<String>> = roles.into_iter().map(|r| vec![r]).collect();
        callers.push(Vec::new());
        let mut claims: Vec<String> =
            resources.iter().filter_map(|r| r.tenant.as_ref()).map(|t| t.claim.clone()).collect();
        claims.sort_unstable();
        claims.dedup();
        Self {
            jwt: settings.auth.jwt.clone(),
            tenant_claims: claims,
            resources: resources
                .iter()
                .map(|r| {
                    let mut plan = resource_plan(&callers, r);
                    let ancestors = r.ancestors(|n| resources.iter().copied().find(|x| x.name == n));
                    nest(&mut plan, r, &ancestors);
                    plan
                })
                .collect(),
        }
    }
}
