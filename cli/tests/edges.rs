//! Numbers at the edges of their types, in every numeric slot of a spec, through the checker,
//! the generator and the macro's parser: no overflow, no panic, no allocation in proportion
//! to a value (a `max_len` of four billion must not make the generator build a four-gigabyte
//! string). What the checker accepts renders, and what renders parses back as the same model.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use proptest::prelude::*;
use securegen_cli::generate::{Dependency, Options, render};

/// Integers around every boundary a slot may have.
const INTS: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "1023",
    "65535",
    "4294967294",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775807",
    "18446744073709551615",
    "1e308",
    "-1e308",
    "5e-324",
    "0.5",
];

/// Ordinary values, one per slot, so that most generated specs are valid and reach the
/// generator; each slot takes an edge value an eighth of the time.
const ORDINARY: [&str; 10] = ["30", "10", "20", "100", "1024", "5", "16KiB", "1", "10", "1"];

fn slots() -> impl Strategy<Value = [&'static str; 10]> {
    let slot = |i: usize| prop_oneof![7 => Just(ORDINARY[i]), 1 => prop::sample::select(INTS)];
    (slot(0), slot(1), slot(2), slot(3), slot(4), slot(5), slot(6), slot(7), slot(8), slot(9))
        .prop_map(|(a, b, c, d, e, f, g, h, i, j)| [a, b, c, d, e, f, g, h, i, j])
}

fn spec(n: [&str; 10]) -> String {
    format!(
        r#"service: {{ name: edges }}
auth: {{ jwt: {{ algorithms: [HS256], secret_env: EDGES_JWT_SECRET, issuer: e, audience: e, leeway: {leeway} }} }}
roles: [user]
defaults:
  limits: {{ rate: "{rate}/second", page_default: {pd}, page_max: {pm}, max_len: {ml} }}
resources:
  reading:
    limits: {{ rate: "{rate2}/hour", body: "{body}" }}
    fields:
      id:    {{ type: uuid }}
      value: {{ type: int, min: {min}, max: {max}, write: [create] }}
      label: {{ type: string, min_len: {min_len}, write: [create], optional: true }}
      ratio: {{ type: float, min: {min}, max: {max}, optional: true, write: [create] }}
    access: {{ create: [user], read: [user], list: [user] }}
"#,
        leeway = n[0],
        rate = n[1],
        pd = n[2],
        pm = n[3],
        ml = n[4],
        rate2 = n[5],
        body = n[6],
        min = n[7],
        max = n[8],
        min_len = n[9],
    )
}

/// Renders `n`'s spec when it is valid; answers whether it was.
fn pipeline(n: [&str; 10]) -> Result<bool, TestCaseError> {
    let yaml = spec(n);
    let report = securegen_model::check(&yaml);
    let Some(spec) = report.spec else {
        // Refused: every error is located and explained.
        for d in &report.diagnostics {
            prop_assert!(d.location.is_some() && d.hint.is_some(), "{d:?}");
        }
        return Ok(false);
    };
    let opts = Options {
        spec_yaml: &yaml,
        dependency: Dependency::Path("../securegen".into()),
        standalone: true,
        templates: None,
        secret: "0".repeat(64),
        history: Default::default(),
    };
    let files = render(&spec, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let total: usize = files.iter().map(|f| f.contents.len()).sum();
    prop_assert!(total < 2_000_000, "{total} bytes rendered for a one-resource spec");
    // The annotated struct the generator wrote reads back as the same model.
    for r in &spec.resources {
        let krate: syn::Path = syn::parse_quote!(::securegen);
        let tokens = securegen_codegen::render::annotated_struct(r, &spec.roles, &spec.service.api_version, &krate);
        let item: syn::ItemStruct = syn::parse2(tokens).unwrap();
        let attr =
            item.attrs.iter().find(|a| a.path().segments.last().is_some_and(|s| s.ident == "secure_resource")).unwrap();
        let args = match &attr.meta {
            syn::Meta::List(l) => l.tokens.clone(),
            _ => panic!("attribute with arguments"),
        };
        let mut bare = item.clone();
        bare.attrs.clear();
        let model =
            securegen_macros_core::model(args, quote::quote!(#bare)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&model, r);
    }
    Ok(true)
}

#[test]
fn the_largest_valid_numbers_render_small() {
    let largest = [
        "300",
        "4294967295",
        "10000",
        "10000",
        "16777216",
        "4294967295",
        "16MiB",
        "-9223372036854775808",
        "9223372036854775807",
        "16777216",
    ];
    assert!(pipeline(largest).unwrap(), "the extremes are valid");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edge_numbers_never_break_the_pipeline(n in slots()) {
        pipeline(n)?;
    }
}
