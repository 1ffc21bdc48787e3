//! Every fixture spec, checked end to end: invalid specs must fail with the codes their first
//! line expects, and their rendered diagnostics are snapshotted (line and column included);
//! valid specs must pass, and their normalized model and `explain` matrix are snapshotted.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use std::path::Path;

use securegen_model::explain::{TableStyle, explain, render};
use securegen_model::render::{Style, text};
use securegen_model::{Severity, check};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned()
}

/// The codes listed on the `# expect: a, b — what` first line.
fn expected_codes(src: &str) -> Vec<String> {
    let first = src.lines().next().unwrap_or_default();
    let list = first.strip_prefix("# expect:").unwrap_or_else(|| panic!("no `# expect:` line: {first}"));
    let list = list.split('—').next().unwrap_or_default();
    list.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect()
}

#[test]
fn invalid_specs_fail_with_located_diagnostics() {
    let mut count = 0;
    insta::glob!("fixtures/invalid/*.yaml", |path| {
        count += 1;
        let src = read(path);
        let report = check(&src);
        assert!(report.spec.is_none(), "{} should be rejected", name(path));
        assert!(report.errors() > 0);
        let found: Vec<&str> =
            report.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.code.as_str()).collect();
        for code in expected_codes(&src) {
            assert!(found.contains(&code.as_str()), "{}: expected `{code}`, found {found:?}", name(path));
        }
        for d in &report.diagnostics {
            assert!(d.location.is_some(), "{}: {} has no location", name(path), d.message);
            assert!(d.hint.is_some(), "{}: {} has no hint", name(path), d.message);
        }
        insta::assert_snapshot!(text(&name(path), &src, &report.diagnostics, Style::Plain));
    });
    assert!(count >= 40, "only {count} invalid fixtures");
}

#[test]
fn valid_specs_normalize_and_explain() {
    let mut count = 0;
    insta::glob!("fixtures/valid/*.yaml", |path| {
        count += 1;
        let src = read(path);
        let report = check(&src);
        let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", name(path));
        let spec = report.spec.clone().unwrap_or_else(|| panic!("{} has no model", name(path)));
        insta::assert_yaml_snapshot!("model", spec);
        insta::assert_snapshot!("explain", render(&explain(&spec), TableStyle::Text));
        insta::assert_snapshot!("warnings", text(&name(path), &src, &report.diagnostics, Style::Plain));
    });
    assert!(count >= 5, "only {count} valid fixtures");
}

#[test]
fn the_reference_spec_is_valid() {
    let src = include_str!("../../examples/shop/securegen.yaml");
    let report = check(src);
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    let spec = report.spec.expect("model");
    insta::assert_yaml_snapshot!("shop_model", spec);
    insta::assert_snapshot!("shop_explain_text", render(&explain(&spec), TableStyle::Text));
    insta::assert_snapshot!("shop_explain_markdown", render(&explain(&spec), TableStyle::Markdown));
    insta::assert_json_snapshot!("shop_explain_json", explain(&spec));
}
