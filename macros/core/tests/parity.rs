//! The two front ends cannot disagree: for every valid spec, YAML → model equals
//! YAML → model → annotated struct → `#[secure_resource]` → model. And the expansion of each
//! resource is snapshotted (prettyplease + insta), with the annotated source it came from.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use std::path::Path;

use proc_macro2::TokenStream;
use quote::ToTokens as _;
use securegen_codegen::render::annotated_struct;
use securegen_model::Spec;

fn specs() -> Vec<(String, Spec)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![root.join("examples/shop/securegen.yaml")];
    let mut valid: Vec<_> =
        std::fs::read_dir(root.join("model/tests/fixtures/valid")).unwrap().map(|e| e.unwrap().path()).collect();
    valid.sort();
    files.extend(valid);
    files
        .into_iter()
        .map(|p| {
            let src = std::fs::read_to_string(&p).unwrap();
            let report = securegen_model::check(&src);
            let stem = p.file_stem().unwrap().to_string_lossy().replace("securegen", "shop");
            (stem, report.spec.unwrap_or_else(|| panic!("{}: {:?}", p.display(), report.diagnostics)))
        })
        .collect()
}

/// Splits `#[path::secure_resource(args)] struct …` into the macro's two inputs.
fn macro_inputs(annotated: TokenStream) -> (TokenStream, TokenStream) {
    let mut item: syn::ItemStruct = syn::parse2(annotated).unwrap();
    let pos =
        item.attrs.iter().position(|a| a.path().segments.last().is_some_and(|s| s.ident == "secure_resource")).unwrap();
    let attr = item.attrs.remove(pos);
    let args = attr.meta.require_list().unwrap().tokens.clone();
    (args, item.into_token_stream())
}

#[test]
fn yaml_and_attributes_yield_the_same_model() {
    let krate: syn::Path = syn::parse_quote!(::securegen);
    let mut checked = 0;
    for (name, spec) in specs() {
        for r in &spec.resources {
            let annotated = annotated_struct(r, &spec.roles, &spec.service.api_version, &krate);
            let (args, item) = macro_inputs(annotated.clone());
            let from_attrs = securegen_macros_core::model(args, item)
                .unwrap_or_else(|e| panic!("{name}/{}: {e}\n{annotated}", r.name));
            assert_eq!(&from_attrs, r, "{name}/{}", r.name);
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} resources compared");
}

#[test]
fn expansions_are_snapshotted() {
    let krate: syn::Path = syn::parse_quote!(::securegen);
    for (name, spec) in specs() {
        for r in &spec.resources {
            let annotated = annotated_struct(r, &spec.roles, &spec.service.api_version, &krate);
            let (args, item) = macro_inputs(annotated.clone());
            let expanded = securegen_macros_core::secure_resource(args, item);
            let file: syn::File = syn::parse2(expanded).unwrap_or_else(|e| panic!("{name}/{}: {e}", r.name));
            let source: syn::File = syn::parse2(annotated).unwrap();
            let text = format!(
                "// source\n{}\n// expansion\n{}",
                prettyplease::unparse(&source),
                prettyplease::unparse(&file)
            );
            insta::assert_snapshot!(format!("{name}__{}", r.name), text);
        }
    }
}
