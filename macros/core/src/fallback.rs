//! On error: the struct is re-emitted (without its `#[field]` attributes, which no other macro
//! would understand) next to the errors, so the rest of the crate and the IDE keep working
//! (tokio-macros' `token_stream_with_error`).

use proc_macro2::TokenStream;
use quote::quote;

/// The item as written, minus `#[field]`, plus the errors.
pub(crate) fn fallback(item: TokenStream, error: &syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    match syn::parse2::<syn::ItemStruct>(item.clone()) {
        Ok(mut s) => {
            for f in &mut s.fields {
                f.attrs.retain(|a| !a.path().is_ident("field"));
            }
            quote!(#s #errors)
        }
        Err(_) => quote!(#item #errors),
    }
}
