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
            "rate raised from 20/minute to 200/minute",
        ),
        (
            "item:          { type: string, min_len: 1, max_len: 100,",
            "item:          { type: string, min_len: 1, max_len: 5000,",
            "`item` max_len raised from 100 to 5000",
        ),
        ("    issuer: shop\n", "", "tokens from any issuer accepted"),
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
