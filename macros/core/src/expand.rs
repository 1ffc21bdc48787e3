//! Expansion: the struct as written (minus `#[field]`), its `impl Resource` and the typed
//! bodies its hooks see. Generated code states the policy and moves typed values; the
//! runtime checks everything.

use proc_macro2::TokenStream;
use quote::quote;
use securegen_model::Resource;

use crate::document::Parsed;
use crate::typed;

/// The expansion of a validated resource.
pub(crate) fn expand(parsed: &Parsed, resource: &Resource) -> TokenStream {
    let item = &parsed.item;
    let imp = typed::resource_impl(parsed, resource);
    let bodies = typed::bodies(parsed, resource);
    quote! {
        #item
        #bodies
        #imp
    }
}
