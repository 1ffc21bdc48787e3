//! Parity on generated specs: for random valid specs (random fields of every type with random
//! constraints, owners, tenants, access lists, limits), YAML → model equals YAML → model →
//! annotated struct → `#[secure_resource]` → model.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use proc_macro2::TokenStream;
use proptest::prelude::*;
use quote::ToTokens as _;
use securegen_codegen::render::annotated_struct;

const ROLES: [&str; 3] = ["user", "admin", "auditor"];

#[derive(Debug, Clone)]
struct FieldSpec {
    ty: &'static str,
    optional: bool,
    write: u8,
    redact: bool,
    read_roles: Option<usize>,
    write_roles: Option<usize>,
    bound: Option<(i64, i64)>,
}

fn field() -> impl Strategy<Value = FieldSpec> {
    let ty = prop::sample::select(vec![
        "string",
        "text",
        "int",
        "float",
        "bool",
        "uuid",
        "timestamp",
        "date",
        "enum",
        "email",
        "url",
    ]);
    (
        ty,
        any::<bool>(),
        0u8..4,
        any::<bool>(),
        prop::option::of(0usize..3),
        prop::option::of(0usize..3),
        prop::option::of((0i64..50, 50i64..500)),
    )
        .prop_map(|(ty, optional, write, redact, read_roles, write_roles, bound)| FieldSpec {
            ty,
            optional,
            write,
            redact,
            read_roles,
            write_roles,
            bound,
        })
}

fn yaml(fields: &[FieldSpec], owner: bool, tenant: bool, access: &[(usize, usize)], rate: u32, etag: bool) -> String {
    let mut s = String::from(
        "service: { name: generated, api_version: v3 }\nauth:\n  jwt: { algorithms: [HS256], secret_env: GEN_SECRET, issuer: i, audience: a }\nroles: [user, admin, auditor]\nresources:\n  thing:\n",
    );
    if owner {
        s.push_str("    owner: owner_id\n");
    }
    if tenant {
        s.push_str("    tenant: { field: org_id, claim: org }\n");
    }
    if etag {
        s.push_str("    etag: true\n");
    }
    s.push_str(&format!("    limits: {{ rate: {rate}/minute }}\n    fields:\n      id: {{ type: uuid }}\n"));
    if owner {
        s.push_str("      owner_id: { type: string, server: subject }\n");
    }
    if tenant {
        s.push_str("      org_id: { type: string, server: tenant }\n");
    }
    for (i, f) in fields.iter().enumerate() {
        let mut parts = vec![format!("type: {}", f.ty)];
        // Required fields must be creatable: make them writable on create.
        let write = match (f.optional, f.write) {
            (false, _) => "[create, update]",
            (true, 0) => "",
            (true, 1) => "[create]",
            (true, 2) => "[update]",
            _ => "[create, update]",
        };
        if f.optional {
            parts.push("optional: true".into());
        }
        if !write.is_empty() {
            parts.push(format!("write: {write}"));
            if let Some(r) = f.write_roles.filter(|_| f.optional) {
                parts.push(format!("write_roles: [{}]", ROLES[r]));
            }
        }
        if f.redact {
            parts.push("redact: true".into());
        } else if let Some(r) = f.read_roles {
            parts.push(format!("read_roles: [{}]", ROLES[r]));
        }
        match (f.ty, f.bound) {
            ("int", Some((lo, hi))) => parts.push(format!("min: {lo}, max: {hi}")),
            ("float", Some((lo, hi))) => parts.push(format!("min: {lo}.5, max: {hi}.25")),
            ("string" | "text", Some((lo, hi))) => parts.push(format!("min_len: {lo}, max_len: {hi}")),
            _ => {}
        }
        if f.ty == "enum" {
            parts.push("values: [a, b, c]".into());
        }
        s.push_str(&format!("      f{i}: {{ {} }}\n", parts.join(", ")));
    }
    s.push_str("    access:\n");
    let actions = ["create", "read", "list", "update", "delete"];
    for (a, r) in access {
        let role = match r {
            3 if owner || tenant => "owner",
            3 => "authenticated",
            n => ROLES[*n % 3],
        };
        let role = if tenant && role == "anyone" { "authenticated" } else { role };
        s.push_str(&format!("      {}: [{role}]\n", actions[*a]));
    }
    s
}

fn macro_inputs(annotated: TokenStream) -> (TokenStream, TokenStream) {
    let mut item: syn::ItemStruct = syn::parse2(annotated).unwrap();
    let pos =
        item.attrs.iter().position(|a| a.path().segments.last().is_some_and(|s| s.ident == "secure_resource")).unwrap();
    let attr = item.attrs.remove(pos);
    (attr.meta.require_list().unwrap().tokens.clone(), item.into_token_stream())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn yaml_and_attributes_agree_on_generated_specs(
        fields in prop::collection::vec(field(), 0..8),
        owner in any::<bool>(),
        tenant in any::<bool>(),
        access in prop::collection::btree_map(0usize..5, 0usize..4, 1..5),
        rate in 1u32..500,
        etag in any::<bool>(),
    ) {
        let access: Vec<(usize, usize)> = access.into_iter().map(|(a, r)| (a, if a == 0 && r == 3 { 0 } else { r })).collect();
        let src = yaml(&fields, owner, tenant, &access, rate, etag);
        let report = securegen_model::check(&src);
        // The generator aims at valid specs; an invalid one is replaced by another case, so
        // 200 valid specs are compared (and proptest fails if too many are invalid).
        prop_assume!(report.spec.is_some(), "invalid: {:?}", report.diagnostics.first());
        let spec = report.spec.unwrap();
        let krate: syn::Path = syn::parse_quote!(::securegen);
        let r = &spec.resources[0];
        let (args, item) = macro_inputs(annotated_struct(r, &spec.roles, &spec.service.api_version, &krate));
        let from_attrs = securegen_macros_core::model(args, item).map_err(|e| TestCaseError::fail(format!("{e}\n{src}")))?;
        prop_assert_eq!(&from_attrs, r, "{}", src);
    }
}

#[test]
fn the_generator_mostly_makes_valid_specs() {
    // Guard against a generator that silently produces only invalid specs.
    let fields = vec![FieldSpec {
        ty: "int",
        optional: false,
        write: 3,
        redact: false,
        read_roles: Some(1),
        write_roles: None,
        bound: Some((1, 60)),
    }];
    let src = yaml(&fields, true, false, &[(0, 0), (1, 3)], 10, false);
    assert!(securegen_model::check(&src).spec.is_some(), "{src}");
}
