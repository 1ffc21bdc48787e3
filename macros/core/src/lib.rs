//! `#[secure_resource]` as plain functions over `proc_macro2`, one stage a file: [`attr`]
//! parses the attributes into the same YAML tree the YAML front end reads, [`valid`] runs the
//! one validator of `securegen-model` over it and puts each diagnostic on the attribute that
//! caused it, [`expand`] emits the policy as data with its routes and DDL, and [`fallback`]
//! re-emits the struct when anything fails, so IDEs keep working. The model-to-tokens half
//! (the policy literal, and the annotated struct the CLI writes) is `securegen-codegen`.
#![forbid(unsafe_code)]

mod attr;
mod dto;
mod expand;
mod fallback;
mod ty;
mod valid;

use proc_macro2::TokenStream;
use securegen_model::{YamlMapping, YamlValue as Value};

/// Expands `#[secure_resource(args)]` on `item`. Never panics: errors become
/// `compile_error!`s spanned at their cause, next to the re-emitted struct.
pub fn secure_resource(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse_and_validate(args, item.clone()) {
        Ok((parsed, resource)) => expand::expand(&parsed, &resource),
        Err(e) => fallback::fallback(item, &e),
    }
}

/// The normalized model that `#[secure_resource(args)]` on `item` declares, or every error at
/// once: what the macro would expand, without expanding it.
pub fn model(args: TokenStream, item: TokenStream) -> syn::Result<securegen_model::Resource> {
    parse_and_validate(args, item).map(|(_, r)| r)
}

fn parse_and_validate(args: TokenStream, item: TokenStream) -> syn::Result<(attr::Parsed, securegen_model::Resource)> {
    let item: syn::ItemStruct = syn::parse2(item)?;
    let parsed = attr::parse(args, item)?;
    let resource = valid::validate(&parsed)?;
    Ok((parsed, resource))
}

/// The spec document a struct's attributes stand for: one resource, with a placeholder
/// service and key (the service's own spec holds the real ones).
pub(crate) fn document(name: &str, api_version: Option<&str>, roles: Vec<String>, resource: Value) -> Value {
    let s = |v: &str| Value::String(v.to_owned());
    let map = |pairs: Vec<(&str, Value)>| {
        let mut m = YamlMapping::new();
        for (k, v) in pairs {
            m.insert(s(k), v);
        }
        Value::Mapping(m)
    };
    let mut service = vec![("name", s("securegen-resource"))];
    if let Some(v) = api_version {
        service.push(("api_version", s(v)));
    }
    let jwt = map(vec![
        ("algorithms", Value::Sequence(vec![s("HS256")])),
        ("secret_env", s("SECUREGEN_JWT_SECRET")),
        ("issuer", s("securegen")),
        ("audience", s("securegen")),
    ]);
    // `backend` is service-wide in the spec; on a struct it rides along in `limits(...)`.
    let mut resource = resource;
    let backend = match &mut resource {
        Value::Mapping(r) => match r.get_mut("limits") {
            Some(Value::Mapping(l)) => l.remove("backend"),
            _ => None,
        },
        _ => None,
    };
    let mut resources = YamlMapping::new();
    resources.insert(s(name), resource);
    let mut doc = vec![
        ("service", map(service)),
        ("auth", map(vec![("jwt", jwt)])),
        ("roles", Value::Sequence(roles.into_iter().map(Value::String).collect())),
        ("resources", Value::Mapping(resources)),
    ];
    if let Some(b) = backend {
        doc.push(("defaults", map(vec![("limits", map(vec![("backend", b)]))])));
    }
    map(doc)
}
