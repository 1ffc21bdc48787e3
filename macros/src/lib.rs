//! `#[secure_resource]`: declares a resource's policy on a struct and expands to the policy as
//! data, its routes and its DDL. This crate is a shim; everything happens in
//! `securegen-macros-core`, where it is tested without the compiler.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// The migration files under `migrations/` (or the directory given), compiled in, in order:
/// `Service::builder(..).migrations(securegen::migrations!())`.
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    securegen_macros_core::migrations(input.into()).into()
}

/// Declares a secure resource. See the `securegen` crate for the grammar.
#[proc_macro_attribute]
pub fn secure_resource(args: TokenStream, item: TokenStream) -> TokenStream {
    securegen_macros_core::secure_resource(args.into(), item.into()).into()
}
