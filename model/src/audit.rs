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

/// What each item's check reads: the spec, its text (for lines) and the resource.
struct Ctx<'a> {
    spec: &'a Spec,
    src: &'a str,
    r: &'a Resource,
}

impl Ctx<'_> {
    /// The line of `resources.<r>.<path…>`.
    fn line(&self, path: &[&str]) -> Option<usize> {
        let mut p = vec!["resources", self.r.name.as_str()];
        p.extend_from_slice(path);
        at(self.src, &p)
    }
}

fn finding(id: &'static str, name: &'static str, status: Status, detail: String, line: Option<usize>) -> Finding {
    Finding { id, name, status, detail, line }
}

fn api1(c: &Ctx<'_>) -> Finding {
    let refs: Vec<String> =
        c.r.fields
            .iter()
            .filter(|f| f.server != Some(crate::vocab::ServerValue::Parent))
            .filter_map(|f| f.reference.as_ref().map(|r| format!("`{}` → {}", f.name, r.to)))
            .collect();
    let mut found = api1_rows(c);
    if !refs.is_empty() {
        found.detail.push_str(&format!(
            "; references ({}) must point at a row the writer may read, a hidden row refused like a missing one",
            refs.join(", ")
        ));
    }
    found
}

fn api1_rows(c: &Ctx<'_>) -> Finding {
    const NAME: &str = "Broken Object Level Authorization";
    if c.r.parent.is_some() {
        let chain: Vec<String> =
            c.r.ancestors(|n| c.spec.resource(n)).iter().map(|a| format!("`{}`", a.name)).collect();
        let detail = format!(
            "rows are reached only through a parent the caller may read ({}), checked before every action and again in the query; another caller's parent answers 404 like a missing one",
            chain.join(" under ")
        );
        return finding("API1:2023", NAME, Status::Answered, detail, c.line(&["parent"]));
    }
    match (&c.r.owner, &c.r.tenant) {
        (Some(o), _) => finding("API1:2023", NAME, Status::Answered, format!("rows are scoped to their owner `{o}` in the query itself; another owner's row answers 404 like a missing one"), c.line(&["owner"])),
        (None, Some(t)) => finding("API1:2023", NAME, Status::Answered, format!("rows are confined to the caller's tenant (claim `{}`) in the query itself", t.claim), c.line(&["tenant"])),
        (None, None) => finding("API1:2023", NAME, Status::NotApplicable, "rows belong to nobody: every caller granted an action reaches every row (add `owner` if rows are personal)".to_owned(), c.line(&["access"])),
    }
}

fn api2(c: &Ctx<'_>) -> Finding {
    const NAME: &str = "Broken Authentication";
    let jwt = &c.spec.auth.jwt;
    let gaps: Vec<&str> = [(jwt.issuer.is_none(), "no issuer pinned"), (jwt.audience.is_none(), "no audience pinned")]
        .into_iter()
        .filter(|(gap, _)| *gap)
        .map(|(_, s)| s)
        .collect();
    let line = at(c.src, &["auth", "jwt"]);
    if gaps.is_empty() {
        let algs: Vec<&str> = jwt.algorithms.iter().map(|a| a.as_str()).collect();
        let detail = format!(
            "JWT allowlist {algs:?}, exp/sub required, iss and aud pinned, leeway {} s; failed authentications limited per address",
            jwt.leeway
        );
        finding("API2:2023", NAME, Status::Answered, detail, line)
    } else {
        finding(
            "API2:2023",
            NAME,
            Status::Open,
            format!("tokens are verified, but {}: set them in auth.jwt", gaps.join(" and ")),
            line,
        )
    }
}

fn api3(c: &Ctx<'_>) -> Finding {
    let r = c.r;
    let redacted = r.fields.iter().filter(|x| !x.is_readable()).count();
    let gated = r.fields.iter().filter(|x| x.read_roles.is_some()).count();
    let writable = r.fields.iter().filter(|x| !x.write.is_empty()).count();
    let detail = format!(
        "{writable} of {} fields writable (anything else is a 422), {redacted} never returned, {gated} visible only to read_roles",
        r.fields.len()
    );
    finding("API3:2023", "Broken Object Property Level Authorization", Status::Answered, detail, c.line(&["fields"]))
}

fn api4(c: &Ctx<'_>) -> Finding {
    let l = &c.r.limits;
    let mut detail = format!(
        "{} per caller, bodies up to {}, pages up to {}, strings up to their max_len",
        l.rate, l.body, l.page_max
    );
    let q = &c.r.list;
    if !q.filter.is_empty() || !q.sort.is_empty() {
        detail.push_str("; lists filter and sort only by allowlisted, indexed fields, `in` up to ");
        detail.push_str(&format!("{} values", crate::model::MAX_IN_VALUES));
    }
    if !q.search.is_empty() {
        detail.push_str(&format!(
            "; `q` up to {} characters, a substring scan within the caller's scope",
            crate::model::MAX_SEARCH_CHARS
        ));
    }
    let line = c.line(&["limits"]).or_else(|| at(c.src, &["defaults", "limits"]));
    finding("API4:2023", "Unrestricted Resource Consumption", Status::Answered, detail, line)
}

fn api5(c: &Ctx<'_>) -> Finding {
    let r = c.r;
    let routed: Vec<&str> = r.access.keys().map(|a| a.as_str()).collect();
    let mut detail = format!("only {} are routed, each for the roles listed; other tokens get 403", routed.join(", "));
    let anyone: Vec<&str> = r
        .access
        .iter()
        .filter(|(_, roles)| roles.contains(&crate::Role::Pseudo(PseudoRole::Anyone)))
        .map(|(a, _)| a.as_str())
        .collect();
    if !anyone.is_empty() {
        let _ = write!(detail, "; `anyone` may {} without a token", anyone.join(", "));
    }
    finding("API5:2023", "Broken Function Level Authorization", Status::Answered, detail, c.line(&["access"]))
}

fn api6(c: &Ctx<'_>) -> Finding {
    const NAME: &str = "Unrestricted Access to Sensitive Business Flows";
    // A write any token may make on any row (not only its own) is a flow open to everyone.
    let writes_open = c.r.access.keys().any(|a| {
        a.is_write()
            && matches!(c.r.decide(*a, Caller::Authenticated(&[])), Decision::Allow(s) if !s.owner || *a == crate::Action::Create)
    });
    if writes_open {
        finding("API6:2023", NAME, Status::Open, "any token may write: if a flow can be abused at scale (sign-ups, purchases), add a role or a hook that checks it".to_owned(), c.line(&["access"]))
    } else {
        finding(
            "API6:2023",
            NAME,
            Status::Open,
            "business-flow rules are not expressed in the spec: enforce them in src/hooks.rs".to_owned(),
            None,
        )
    }
}

fn api7(c: &Ctx<'_>) -> Finding {
    const NAME: &str = "Server Side Request Forgery";
    let urls: Vec<&str> = c.r.fields.iter().filter(|x| x.ty == FieldType::Url).map(|x| x.name.as_str()).collect();
    match urls.first() {
        None => finding(
            "API7:2023",
            NAME,
            Status::NotApplicable,
            "no URL fields; the service fetches nothing".to_owned(),
            None,
        ),
        Some(first) => finding(
            "API7:2023",
            NAME,
            Status::Open,
            format!(
                "{} accept http(s) URLs; the service never fetches them, but hooks that do must allowlist hosts",
                urls.join(", ")
            ),
            c.line(&["fields", first]),
        ),
    }
}

fn api8(c: &Ctx<'_>) -> Finding {
    let cors = if c.spec.cors_origins.is_empty() {
        "CORS off".to_owned()
    } else {
        format!("CORS from {} origin(s)", c.spec.cors_origins.len())
    };
    let detail = format!(
        "problem+json errors without internals, nosniff/no-store/CSP on every response, {cors}, bound to 127.0.0.1 by default"
    );
    finding("API8:2023", "Security Misconfiguration", Status::Answered, detail, at(c.src, &["cors"]))
}

fn api9(c: &Ctx<'_>) -> Finding {
    let deprecation = if c.r.deprecated { ", deprecated with Deprecation/Sunset headers" } else { "" };
    let detail = format!("versioned at {}, described by the served OpenAPI document{deprecation}", c.r.path);
    finding(
        "API9:2023",
        "Improper Inventory Management",
        Status::Answered,
        detail,
        at(c.src, &["service", "api_version"]),
    )
}

fn api10(_: &Ctx<'_>) -> Finding {
    finding(
        "API10:2023",
        "Unsafe Consumption of APIs",
        Status::NotApplicable,
        "the generated service calls no third-party API".to_owned(),
        None,
    )
}

fn resource(spec: &Spec, src: &str, r: &Resource) -> ResourceAudit {
    let c = Ctx { spec, src, r };
    let items: [fn(&Ctx<'_>) -> Finding; 10] = [api1, api2, api3, api4, api5, api6, api7, api8, api9, api10];
    ResourceAudit { resource: r.name.clone(), findings: items.iter().map(|item| item(&c)).collect() }
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
