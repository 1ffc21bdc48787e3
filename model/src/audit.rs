//! `securegen audit`: the OWASP API Security Top 10 (2023) for each resource — which control
//! of the spec answers each item (with the line it is written on), what is left open, and
//! what does not apply.

use std::fmt::Write as _;

use serde::Serialize;

use crate::diag::KeyPath;
use crate::model::{Resource, Spec};
use crate::policy::{Caller, Decision};
use crate::vocab::{FieldType, Keyword, PseudoRole};

/// How an item stands for a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A control of the spec answers it.
    Answered,
    /// Nothing in the spec answers it; the finding says what to do.
    Open,
    /// It does not apply to this resource.
    NotApplicable,
}

/// One OWASP item for one resource.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `API1:2023` …
    pub id: &'static str,
    /// The item's name.
    pub name: &'static str,
    /// How it stands.
    pub status: Status,
    /// The control, or what is open.
    pub detail: String,
    /// The spec line of the control, when it is written in the spec.
    pub line: Option<usize>,
}

/// The audit of one resource.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceAudit {
    /// Resource name.
    pub resource: String,
    /// The ten items.
    pub findings: Vec<Finding>,
}

fn at(src: &str, path: &[&str]) -> Option<usize> {
    let mut p = KeyPath::root();
    for k in path {
        p = p.key(k);
    }
    crate::line_of(src, &p)
}

fn resource(spec: &Spec, src: &str, r: &Resource) -> ResourceAudit {
    let res = |k: &[&str]| {
        let mut p = vec!["resources", r.name.as_str()];
        p.extend_from_slice(k);
        at(src, &p)
    };
    let anyone: Vec<&str> = r
        .access
        .iter()
        .filter(|(_, roles)| roles.contains(&crate::Role::Pseudo(PseudoRole::Anyone)))
        .map(|(a, _)| a.as_str())
        .collect();
    let mut f = Vec::new();
    let mut push = |id, name, status, detail: String, line| f.push(Finding { id, name, status, detail, line });

    match (&r.owner, &r.tenant) {
        (Some(o), _) => push("API1:2023", "Broken Object Level Authorization", Status::Answered, format!("rows are scoped to their owner `{o}` in the query itself; another owner's row answers 404 like a missing one"), res(&["owner"])),
        (None, Some(t)) => push("API1:2023", "Broken Object Level Authorization", Status::Answered, format!("rows are confined to the caller's tenant (claim `{}`) in the query itself", t.claim), res(&["tenant"])),
        (None, None) => push("API1:2023", "Broken Object Level Authorization", Status::NotApplicable, "rows belong to nobody: every caller granted an action reaches every row (add `owner` if rows are personal)".to_owned(), res(&["access"])),
    }
    let jwt = &spec.auth.jwt;
    let auth_gaps: Vec<&str> =
        [(jwt.issuer.is_none(), "no issuer pinned"), (jwt.audience.is_none(), "no audience pinned")]
            .into_iter()
            .filter(|(gap, _)| *gap)
            .map(|(_, s)| s)
            .collect();
    if auth_gaps.is_empty() {
        push(
            "API2:2023",
            "Broken Authentication",
            Status::Answered,
            format!(
                "JWT allowlist {:?}, exp/sub required, iss and aud pinned, leeway {} s",
                jwt.algorithms.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                jwt.leeway
            ),
            at(src, &["auth", "jwt"]),
        );
    } else {
        push(
            "API2:2023",
            "Broken Authentication",
            Status::Open,
            format!("tokens are verified, but {}: set them in auth.jwt", auth_gaps.join(" and ")),
            at(src, &["auth", "jwt"]),
        );
    }
    let redacted = r.fields.iter().filter(|x| !x.is_readable()).count();
    let gated = r.fields.iter().filter(|x| x.read_roles.is_some()).count();
    let writable = r.fields.iter().filter(|x| !x.write.is_empty()).count();
    push(
        "API3:2023",
        "Broken Object Property Level Authorization",
        Status::Answered,
        format!(
            "{writable} of {} fields writable (anything else is a 422), {redacted} never returned, {gated} visible only to read_roles",
            r.fields.len()
        ),
        res(&["fields"]),
    );
    push(
        "API4:2023",
        "Unrestricted Resource Consumption",
        Status::Answered,
        format!(
            "{} per caller, bodies up to {}, pages up to {}, strings up to their max_len",
            r.limits.rate, r.limits.body, r.limits.page_max
        ),
        res(&["limits"]).or_else(|| at(src, &["defaults", "limits"])),
    );
    let routed: Vec<&str> = r.access.keys().map(|a| a.as_str()).collect();
    push(
        "API5:2023",
        "Broken Function Level Authorization",
        Status::Answered,
        format!("only {} are routed, each for the roles listed; other tokens get 403", routed.join(", ")),
        res(&["access"]),
    );
    // A write any token may make on any row (not only its own) is a flow open to everyone.
    let writes_open = r.access.keys().any(|a| {
        a.is_write() && matches!(r.decide(*a, Caller::Authenticated(&[])), Decision::Allow(s) if !s.owner || *a == crate::Action::Create)
    });
    if writes_open {
        push("API6:2023", "Unrestricted Access to Sensitive Business Flows", Status::Open, "any token may write: if a flow can be abused at scale (sign-ups, purchases), add a role or a hook that checks it".to_owned(), res(&["access"]));
    } else {
        push(
            "API6:2023",
            "Unrestricted Access to Sensitive Business Flows",
            Status::Open,
            "business-flow rules are not expressed in the spec: enforce them in src/hooks.rs".to_owned(),
            None,
        );
    }
    let urls: Vec<&str> = r.fields.iter().filter(|x| x.ty == FieldType::Url).map(|x| x.name.as_str()).collect();
    if urls.is_empty() {
        push(
            "API7:2023",
            "Server Side Request Forgery",
            Status::NotApplicable,
            "no URL fields; the service fetches nothing".to_owned(),
            None,
        );
    } else {
        push(
            "API7:2023",
            "Server Side Request Forgery",
            Status::Open,
            format!(
                "{} accept http(s) URLs; the service never fetches them, but hooks that do must allowlist hosts",
                urls.join(", ")
            ),
            res(&["fields", urls[0]]),
        );
    }
    let cors = if spec.cors_origins.is_empty() {
        "CORS off".to_owned()
    } else {
        format!("CORS from {} origin(s)", spec.cors_origins.len())
    };
    push(
        "API8:2023",
        "Security Misconfiguration",
        Status::Answered,
        format!(
            "problem+json errors without internals, nosniff/no-store/CSP on every response, {cors}, bound to 127.0.0.1 by default"
        ),
        at(src, &["cors"]),
    );
    let deprecation = if r.deprecated { ", deprecated with Deprecation/Sunset headers" } else { "" };
    push(
        "API9:2023",
        "Improper Inventory Management",
        Status::Answered,
        format!("versioned at {}, described by the served OpenAPI document{deprecation}", r.path),
        at(src, &["service", "api_version"]),
    );
    push(
        "API10:2023",
        "Unsafe Consumption of APIs",
        Status::NotApplicable,
        "the generated service calls no third-party API".to_owned(),
        None,
    );
    if !anyone.is_empty()
        && let Some(x) = f.iter_mut().find(|x| x.id == "API5:2023")
    {
        x.detail.push_str(&format!("; `anyone` may {} without a token", anyone.join(", ")));
    }
    ResourceAudit { resource: r.name.clone(), findings: f }
}

/// The audit of every resource; `src` is the spec text, for line numbers.
pub fn audit(spec: &Spec, src: &str) -> Vec<ResourceAudit> {
    spec.resources.iter().map(|r| resource(spec, src, r)).collect()
}

/// Aligned text: one block per resource.
pub fn render(audits: &[ResourceAudit], file: &str) -> String {
    let mut s = String::new();
    for a in audits {
        let _ = writeln!(s, "{}", a.resource);
        for f in &a.findings {
            let status = match f.status {
                Status::Answered => "answered",
                Status::Open => "OPEN",
                Status::NotApplicable => "n/a",
            };
            let line = f.line.map(|l| format!(" ({file}:{l})")).unwrap_or_default();
            let _ = writeln!(s, "  {:<11} {:<8} {}{line}", f.id, status, f.detail);
        }
        s.push('\n');
    }
    s
}
