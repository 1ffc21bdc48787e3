//! `audit` and `diff` over real specs: the audit of the reference spec is snapshotted, and
//! every kind of widening change is detected by `diff` (and nothing for an unchanged spec).
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use securegen_model::diff::{Direction, diff, render};
use securegen_model::{Spec, check};

const SHOP: &str = include_str!("../../examples/shop/securegen.yaml");

fn spec(src: &str) -> Spec {
    let r = check(src);
    r.spec.unwrap_or_else(|| panic!("{:#?}", r.diagnostics))
}

#[test]
fn the_reference_audit() {
    let audits = securegen_model::audit::audit(&spec(SHOP), SHOP);
    assert_eq!(audits.len(), 2);
    assert!(audits.iter().all(|a| a.findings.len() == 10), "ten OWASP items per resource");
    insta::assert_snapshot!(securegen_model::audit::render(&audits, "securegen.yaml"));
}

/// A spec that sets every key of the format, so that each can be changed.
const EVERY_KEY: &str = r#"
service: { name: shop, api_version: v1, database: sqlite, description: "The shop." }
auth:
  jwt: { algorithms: [HS256], secret_env: SHOP_JWT_SECRET, issuer: shop, audience: shop-api, roles_claim: roles, leeway: 30 }
roles: [user, admin]
cors: { origins: ["https://app.example.com"] }
defaults:
  limits: { rate: 100/minute, body: 16KiB, page_default: 20, page_max: 100, max_len: 1024, backend: memory }
resources:
  order:
    description: Orders.
    plural: orders
    owner: owner_id
    tenant: { field: org, claim: org }
    audit: all
    etag: true
    deprecated: true
    sunset: "2030-01-01"
    limits: { rate: 20/minute, body: 8KiB, page_default: 10, page_max: 50, max_len: 500 }
    list: { filter: [status], sort: [item], search: [item] }
    fields:
      id:       { type: uuid, primary: true, description: The id. }
      owner_id: { type: string, server: subject }
      org:      { type: string, server: tenant }
      item:     { type: string, min_len: 1, max_len: 100, pattern: "^[a-z ]+$", write: [create, update], write_roles: [user, admin], read_roles: [owner, admin], description: What. }
      quantity: { type: int, min: 1, max: 1000, default: 1, write: [create, update] }
      status:   { type: enum, values: [pending, shipped], default: pending, write: [update], write_roles: [admin] }
      note:     { type: string, redact: true, optional: true, write: [update], write_roles: [admin] }
      placed:   { type: timestamp, server: now }
      about:    { type: ref, to: order, on_delete: restrict, optional: true, write: [create] }
    access: { create: [user], read: [owner, admin], list: [owner, admin], update: [owner, admin], delete: [admin] }
  note:
    fields: { id: { type: uuid }, text: { type: text, write: [create] } }
    access: { create: [user], read: [authenticated] }
  line:
    parent: order
    on_parent_delete: restrict
    fields: { id: { type: uuid } }
    access: { read: [owner, admin] }
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Widens,
    Narrows,
    Neutral,
}

/// Sets (or, with `None`, removes) the value at `path` (dots between keys).
fn edit(src: &str, path: &str, value: Option<&str>) -> String {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(src).unwrap();
    let keys: Vec<&str> = path.split('.').collect();
    let (last, parents) = keys.split_last().unwrap();
    let mut node = &mut doc;
    for k in parents {
        node = node.get_mut(*k).unwrap_or_else(|| panic!("no `{k}` in {path}"));
    }
    let map = node.as_mapping_mut().unwrap();
    match value {
        Some(v) => {
            map.insert((*last).into(), serde_yaml::from_str(v).unwrap());
        }
        None => {
            assert!(map.remove(*last).is_some(), "{path} is not set in the base spec");
        }
    }
    serde_yaml::to_string(&doc).unwrap()
}

/// Every key of the format (dots between keys; `*` for a resource or field name), as the
/// JSON Schema spells them.
fn schema_keys() -> Vec<String> {
    use serde_json::Value;
    fn walk(root: &Value, node: &Value, at: &str, out: &mut Vec<String>, depth: usize) {
        if depth > 8 {
            return;
        }
        let node = match node.get("$ref").and_then(Value::as_str) {
            Some(r) => &root["definitions"][r.trim_start_matches("#/definitions/")],
            None => node,
        };
        for alt in ["anyOf", "oneOf", "allOf"] {
            for n in node.get(alt).and_then(Value::as_array).into_iter().flatten() {
                walk(root, n, at, out, depth + 1);
            }
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                let p = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                out.push(p.clone());
                walk(root, v, &p, out, depth + 1);
            }
        }
        if let Some(v) = node.get("additionalProperties").filter(|v| v.is_object()) {
            let p = format!("{at}.*");
            out.push(p.clone());
            walk(root, v, &p, out, depth + 1);
        }
    }
    let root = securegen_model::schema::json_schema();
    let mut out = Vec::new();
    walk(&root, &root, "", &mut out, 0);
    out.sort();
    out.dedup();
    out
}

/// Each row: the key (as the schema spells it), the edits made to `EVERY_KEY` (a path and its
/// new value; `None` removes the key), and how the change must be classified.
/// Edits of one row: a path and its new value (`None` removes the key).
type Edits = &'static [(&'static str, Option<&'static str>)];

const TABLE: &[(&str, Edits, Expect)] = &[
    ("service", &[("service.description", Some("Other."))], Expect::Neutral),
    ("service.name", &[("service.name", Some("market"))], Expect::Neutral),
    ("service.api_version", &[("service.api_version", Some("v2"))], Expect::Neutral),
    ("service.database", &[("service.database", Some("postgres"))], Expect::Neutral),
    ("service.description", &[("service.description", None)], Expect::Neutral),
    ("auth", &[("auth.jwt.leeway", Some("60"))], Expect::Widens),
    ("auth.jwt", &[("auth.jwt.leeway", Some("10"))], Expect::Narrows),
    ("auth.jwt.algorithms", &[("auth.jwt.algorithms", Some("[HS256, HS512]"))], Expect::Widens),
    ("auth.jwt.secret_env", &[("auth.jwt.secret_env", Some("OTHER_SECRET"))], Expect::Widens),
    (
        "auth.jwt.public_key_env",
        &[("auth.jwt", Some("{ algorithms: [RS256], public_key_env: SHOP_KEY, issuer: shop, audience: shop-api }"))],
        Expect::Widens,
    ),
    ("auth.jwt.issuer", &[("auth.jwt.issuer", Some("other"))], Expect::Widens),
    ("auth.jwt.audience", &[("auth.jwt.audience", None)], Expect::Widens),
    ("auth.jwt.roles_claim", &[("auth.jwt.roles_claim", Some("groups"))], Expect::Widens),
    ("auth.jwt.leeway", &[("auth.jwt.leeway", Some("120"))], Expect::Widens),
    ("roles", &[("roles", Some("[user, admin, auditor]"))], Expect::Neutral),
    ("cors", &[("cors", None)], Expect::Narrows),
    (
        "cors.origins",
        &[("cors.origins", Some("[\"https://app.example.com\", \"https://evil.example\"]"))],
        Expect::Widens,
    ),
    ("defaults", &[("defaults", None)], Expect::Neutral),
    ("defaults.limits", &[("defaults.limits.max_len", Some("100"))], Expect::Narrows),
    ("defaults.limits.rate", &[("defaults.limits.rate", Some("1/minute"))], Expect::Narrows),
    ("defaults.limits.body", &[("defaults.limits.body", Some("1KiB"))], Expect::Narrows),
    ("defaults.limits.page_default", &[("defaults.limits.page_default", Some("5"))], Expect::Narrows),
    ("defaults.limits.page_max", &[("defaults.limits.page_max", Some("60"))], Expect::Narrows),
    ("defaults.limits.max_len", &[("defaults.limits.max_len", Some("4000"))], Expect::Widens),
    ("defaults.limits.backend", &[("defaults.limits.backend", Some("redis"))], Expect::Narrows),
    ("resources", &[("resources.note", None)], Expect::Narrows),
    ("resources.*", &[("resources.order.description", None)], Expect::Neutral),
    ("resources.*.description", &[("resources.order.description", Some("Other."))], Expect::Neutral),
    ("resources.*.plural", &[("resources.order.plural", Some("purchases"))], Expect::Neutral),
    ("resources.*.renamed_from", &[("resources.order.renamed_from", Some("purchase"))], Expect::Neutral),
    ("resources.*.owner", &[("resources.order.owner", None)], Expect::Widens),
    (
        "resources.*.tenant",
        &[("resources.order.tenant", None), ("resources.order.fields.org", Some("{ type: string, optional: true }"))],
        Expect::Widens,
    ),
    (
        "resources.*.tenant.field",
        &[
            ("resources.order.fields.team", Some("{ type: string, server: tenant }")),
            ("resources.order.tenant.field", Some("team")),
            ("resources.order.fields.org", Some("{ type: string, optional: true }")),
        ],
        Expect::Widens,
    ),
    ("resources.*.tenant.claim", &[("resources.order.tenant.claim", Some("team"))], Expect::Widens),
    ("resources.*.audit", &[("resources.order.audit", Some("writes"))], Expect::Widens),
    ("resources.*.etag", &[("resources.order.etag", Some("false"))], Expect::Widens),
    ("resources.*.deprecated", &[("resources.note.deprecated", Some("true"))], Expect::Neutral),
    ("resources.*.sunset", &[("resources.order.sunset", Some("2031-01-01"))], Expect::Neutral),
    ("resources.*.limits", &[("resources.order.limits", None)], Expect::Widens),
    ("resources.*.list", &[("resources.order.list", None)], Expect::Narrows),
    (
        "resources.*.parent",
        &[
            ("resources.line.parent", None),
            ("resources.line.on_parent_delete", None),
            ("resources.line.access.read", Some("[admin]")),
        ],
        Expect::Widens,
    ),
    ("resources.*.on_parent_delete", &[("resources.line.on_parent_delete", Some("cascade"))], Expect::Widens),
    ("resources.*.fields.*.to", &[("resources.order.fields.about.to", Some("note"))], Expect::Neutral),
    ("resources.*.fields.*.on_delete", &[("resources.order.fields.about.on_delete", Some("cascade"))], Expect::Widens),
    ("resources.*.list.filter", &[("resources.order.list.filter", Some("[status, quantity]"))], Expect::Widens),
    ("resources.*.list.sort", &[("resources.order.list.sort", Some("[]"))], Expect::Narrows),
    ("resources.*.list.search", &[("resources.order.list.search", Some("[item, owner_id]"))], Expect::Widens),
    ("resources.*.limits.rate", &[("resources.order.limits.rate", Some("1200/hour"))], Expect::Widens),
    ("resources.*.limits.body", &[("resources.order.limits.body", Some("4KiB"))], Expect::Narrows),
    ("resources.*.limits.page_default", &[("resources.order.limits.page_default", Some("30"))], Expect::Widens),
    ("resources.*.limits.page_max", &[("resources.order.limits.page_max", Some("500"))], Expect::Widens),
    ("resources.*.limits.max_len", &[("resources.order.limits.max_len", Some("200"))], Expect::Narrows),
    ("resources.*.limits.backend", &[("defaults.limits.backend", Some("redis"))], Expect::Narrows),
    ("resources.*.access", &[("resources.order.access.delete", None)], Expect::Narrows),
    ("resources.*.access.create", &[("resources.order.access.create", Some("[authenticated]"))], Expect::Widens),
    ("resources.*.access.read", &[("resources.order.access.read", Some("[admin]"))], Expect::Narrows),
    ("resources.*.access.list", &[("resources.order.access.list", Some("[authenticated]"))], Expect::Widens),
    ("resources.*.access.update", &[("resources.order.access.update", Some("[admin]"))], Expect::Narrows),
    ("resources.*.access.delete", &[("resources.order.access.delete", Some("[user, admin]"))], Expect::Widens),
    ("resources.*.fields", &[("resources.order.fields.note", None)], Expect::Narrows),
    (
        "resources.*.fields.*",
        &[("resources.order.fields.gift", Some("{ type: bool, optional: true, write: [create] }"))],
        Expect::Widens,
    ),
    (
        "resources.*.fields.*.type",
        &[(
            "resources.order.fields.status",
            Some("{ type: string, default: pending, write: [update], write_roles: [admin] }"),
        )],
        Expect::Widens,
    ),
    ("resources.*.fields.*.primary", &[("resources.order.fields.id.primary", None)], Expect::Neutral),
    ("resources.*.fields.*.optional", &[("resources.order.fields.quantity.optional", Some("true"))], Expect::Widens),
    ("resources.*.fields.*.default", &[("resources.order.fields.quantity.default", Some("2"))], Expect::Neutral),
    ("resources.*.fields.*.min", &[("resources.order.fields.quantity.min", None)], Expect::Widens),
    ("resources.*.fields.*.max", &[("resources.order.fields.quantity.max", Some("100"))], Expect::Narrows),
    ("resources.*.fields.*.min_len", &[("resources.order.fields.item.min_len", None)], Expect::Widens),
    ("resources.*.fields.*.max_len", &[("resources.order.fields.item.max_len", Some("200"))], Expect::Widens),
    ("resources.*.fields.*.pattern", &[("resources.order.fields.item.pattern", None)], Expect::Widens),
    (
        "resources.*.fields.*.values",
        &[("resources.order.fields.status.values", Some("[pending, shipped, lost]"))],
        Expect::Widens,
    ),
    ("resources.*.fields.*.write", &[("resources.order.fields.quantity.write", Some("[create]"))], Expect::Narrows),
    ("resources.*.fields.*.write_roles", &[("resources.order.fields.status.write_roles", None)], Expect::Widens),
    (
        "resources.*.fields.*.read_roles",
        &[("resources.order.fields.item.read_roles", Some("[admin]"))],
        Expect::Narrows,
    ),
    ("resources.*.fields.*.redact", &[("resources.order.fields.note.redact", None)], Expect::Widens),
    (
        "resources.*.fields.*.server",
        &[("resources.order.fields.placed", Some("{ type: timestamp, optional: true }"))],
        Expect::Widens,
    ),
    (
        "resources.*.fields.*.renamed_from",
        &[("resources.order.fields.item.renamed_from", Some("thing"))],
        Expect::Neutral,
    ),
    (
        "resources.*.fields.*.description",
        &[("resources.order.fields.item.description", Some("Other."))],
        Expect::Neutral,
    ),
];

#[test]
fn every_key_of_the_format_is_classified() {
    let keys = schema_keys();
    let covered: Vec<&str> = TABLE.iter().map(|r| r.0).collect();
    let missing: Vec<&String> = keys.iter().filter(|k| !covered.contains(&k.as_str())).collect();
    assert!(missing.is_empty(), "keys of the format without a row in TABLE: {missing:?}");
    let unknown: Vec<&&str> = covered.iter().filter(|k| !keys.iter().any(|s| s == *k)).collect();
    assert!(unknown.is_empty(), "rows for keys the format does not have: {unknown:?}");
    let base = spec(EVERY_KEY);
    assert!(diff(&base, &base).is_empty());
    for (key, edits, expect) in TABLE {
        let changed = edits.iter().fold(EVERY_KEY.to_owned(), |src, (path, value)| edit(&src, path, *value));
        let report = check(&changed);
        let new = report.spec.unwrap_or_else(|| panic!("{key}: the edited spec is invalid: {:#?}", report.diagnostics));
        let changes = diff(&base, &new);
        let widens = changes.iter().any(|c| c.direction == Direction::Widens);
        let narrows = changes.iter().any(|c| c.direction == Direction::Narrows);
        let got = match (widens, narrows) {
            (true, _) => Expect::Widens,
            (false, true) => Expect::Narrows,
            (false, false) => Expect::Neutral,
        };
        assert_eq!(got, *expect, "{key} ({edits:?}):\n{}", render(&changes));
    }
}

fn widening(from: &str, to: &str) -> Vec<String> {
    assert!(SHOP.contains(from), "{from}");
    let changed = SHOP.replacen(from, to, 1);
    diff(&spec(SHOP), &spec(&changed))
        .into_iter()
        .filter(|c| c.direction == Direction::Widens)
        .map(|c| c.what)
        .collect()
}

#[test]
fn every_kind_of_widening_is_reported() {
    let cases: &[(&str, &str, &str)] = &[
        ("      delete: [admin]\n    limits", "      delete: [user, admin]\n    limits", "user may delete every row"),
        ("      list:   [owner, admin]", "      list:   [authenticated]", "authenticated may list every row"),
        ("      read:   [authenticated]", "      read:   [anyone]", "anyone may read every row"),
        ("internal_note: { type: string, redact: true,", "internal_note: { type: string,", "no longer redacted"),
        (
            "cost_cents:       { type: int, min: 0, max: 100000000, write: [create, update], read_roles: [admin] }",
            "cost_cents:       { type: int, min: 0, max: 100000000, write: [create, update] }",
            "`cost_cents`: user reads it on every row",
        ),
        (
            "status:        { type: enum, values: [pending, shipped], default: pending, write: [update], write_roles: [admin] }",
            "status:        { type: enum, values: [pending, shipped], default: pending, write: [update] }",
            "`status`: user writes it in update on own rows",
        ),
        (
            "    limits: { rate: 20/minute, page_max: 50 }",
            "    limits: { rate: 200/minute, page_max: 50 }",
            "sustained rate raised from 20/minute to 200/minute",
        ),
        (
            "item:          { type: string, min_len: 1, max_len: 100,",
            "item:          { type: string, min_len: 1, max_len: 5000,",
            "`item` max_len relaxed from 100 to 5000",
        ),
        ("    issuer: shop\n", "", "issuer `shop` no longer required"),
    ];
    for (from, to, expected) in cases {
        let found = widening(from, to);
        assert!(found.iter().any(|w| w.contains(expected)), "{expected}: {found:#?}");
    }
}

#[test]
fn removing_the_owner_rule_widens_and_an_unchanged_spec_does_not() {
    let shop = spec(SHOP);
    assert!(diff(&shop, &shop).is_empty());
    let mut no_owner = shop.clone();
    no_owner.resources[0].owner = None;
    let changes = diff(&shop, &no_owner);
    assert!(
        changes.iter().any(|c| c.direction == Direction::Widens && c.what == "rows no longer belong to an owner"),
        "{}",
        render(&changes)
    );
    // And the way back only narrows.
    assert!(
        diff(&no_owner, &shop).iter().all(|c| c.direction == Direction::Narrows),
        "{}",
        render(&diff(&no_owner, &shop))
    );
}
