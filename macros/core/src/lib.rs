//! `#[secure_resource]` as plain functions over `proc_macro2`, one stage a file: `attr`
//! parses the attributes into the typed form of `ast` (every item with its span), `document`
//! turns that into the spec document the YAML front end would read, `valid` runs the one
//! validator of `securegen-model` over it and puts each diagnostic on the attribute that
//! caused it, `expand` (with `typed`) emits the policy as data and the typed per-row code,
//! and `fallback` re-emits the struct when anything fails, so IDEs keep working. The
//! model-to-tokens half shared with the CLI (the policy literal, the annotated struct) is
//! `securegen-codegen`.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod document;
mod embed;
mod expand;
mod fallback;
mod ty;
mod typed;
mod valid;

use proc_macro2::TokenStream;

pub use embed::migrations;

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

fn parse_and_validate(
    args: TokenStream,
    item: TokenStream,
) -> syn::Result<(document::Parsed, securegen_model::Resource)> {
    let item: syn::ItemStruct = syn::parse2(item)?;
    let (resource, fields, item) = attr::parse(args, item)?;
    let parsed = document::document(resource, fields, item)?;
    let resource = valid::validate(&parsed)?;
    Ok((parsed, resource))
}
