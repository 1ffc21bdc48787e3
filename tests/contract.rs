//! The security contract of a resource as one deterministic text, snapshotted: what a
//! reviewer reads when a policy changes. Changing one field's `read_roles` changes exactly
//! the lines about that field.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)] // test code

mod common;

use common::Note;
use securegen::model::Role;
use securegen::runtime::Resource as _;
use securegen::testing::{contract, contract_of};

#[test]
fn the_contract_of_a_resource_is_snapshotted() {
    let text = contract::<Note>();
    assert_eq!(text, contract::<Note>(), "deterministic");
    for part in ["## Access", "## Statements on SQLite", "## Statements on PostgreSQL", "## OpenAPI", "reviewer_note"] {
        assert!(text.contains(part), "{part}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn a_read_roles_change_shows_in_the_lines_of_that_field() {
    let before = contract::<Note>();
    let mut policy = Note::policy().clone();
    let field = policy.fields.iter_mut().find(|f| f.name == "reviewer_note").unwrap();
    field.read_roles = Some(vec![Role::parse("owner"), Role::parse("admin")]);
    let after = contract_of(&policy);
    let old: Vec<&str> = before.lines().collect();
    let changed: Vec<&str> = after.lines().filter(|l| !old.contains(l)).collect();
    assert!(!changed.is_empty(), "the change shows");
    assert!(changed.iter().any(|l| l.contains("reviewer_note")), "{changed:#?}");
}
