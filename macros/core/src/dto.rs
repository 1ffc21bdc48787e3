//! Typed companions of a resource: `XCreate` and `XUpdate` (what each write may carry),
//! `XRow` (a stored row, for server-side code) and `XView` (a row as one caller may see it),
//! and the `XHooks` trait whose default methods wrap each action, so business logic never
//! needs edits to generated code. The runtime still does every check; these types only
//! carry data to and from user code.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use securegen_model::{Action, Field, FieldType, Keyword as _, Resource};

use securegen_codegen::ident;

fn base(f: &Field) -> TokenStream {
    match f.ty {
        FieldType::Int => quote!(i64),
        FieldType::Float => quote!(f64),
        FieldType::Bool => quote!(bool),
        _ => quote!(::std::string::String),
    }
}

fn doc(f: &Field) -> String {
    match &f.description {
        Some(d) => format!("`{}` ({}): {d}", f.name, f.ty.as_str()),
        None => format!("`{}` ({})", f.name, f.ty.as_str()),
    }
}

/// One struct of `fields`, each `Option<T>` when `optional(f)`.
fn dto(
    name: &syn::Ident,
    doc_line: &str,
    krate: &syn::Path,
    fields: &[&Field],
    optional: impl Fn(&Field) -> bool,
    closed: bool,
) -> TokenStream {
    let serde_crate = format!("{}::runtime::serde", quote!(#krate).to_string().replace(' ', ""));
    let deny = if closed { quote!(, deny_unknown_fields) } else { quote!() };
    let items = fields.iter().map(|f| {
        let (id, ty, d) = (ident(&f.name), base(f), doc(f));
        let key = &f.name;
        if optional(f) {
            quote!(#[doc = #d] #[serde(rename = #key, default, skip_serializing_if = "::std::option::Option::is_none")] pub #id: ::std::option::Option<#ty>)
        } else {
            quote!(#[doc = #d] #[serde(rename = #key)] pub #id: #ty)
        }
    });
    quote! {
        #[doc = #doc_line]
        #[derive(Debug, Clone, PartialEq, Default, #krate::runtime::serde::Serialize, #krate::runtime::serde::Deserialize)]
        #[serde(crate = #serde_crate #deny)]
        pub struct #name {
            #(#items),*
        }
    }
}

/// The companions of `ident`, declaring `r`.
pub(crate) fn companions(ident_: &syn::Ident, krate: &syn::Path, r: &Resource) -> TokenStream {
    let create_name = format_ident!("{ident_}Create");
    let update_name = format_ident!("{ident_}Update");
    let row_name = format_ident!("{ident_}Row");
    let view_name = format_ident!("{ident_}View");
    let hooks_name = format_ident!("{ident_}Hooks");
    let adapter = format_ident!("__{ident_}HooksAdapter");
    let path = &r.path;

    // After validation a create body holds the fields `create` writes and every default.
    let create_fields: Vec<&Field> = r
        .fields
        .iter()
        .filter(|f| f.is_writable_in(Action::Create) || (f.default.is_some() && f.server.is_none()))
        .collect();
    let update_fields: Vec<&Field> = r.fields.iter().filter(|f| f.is_writable_in(Action::Update)).collect();
    let all: Vec<&Field> = r.fields.iter().collect();
    let readable: Vec<&Field> = r.fields.iter().filter(|f| f.is_readable()).collect();

    let create = dto(
        &create_name,
        &format!("The body of `POST {path}` once validated: defaults filled in."),
        krate,
        &create_fields,
        |f| f.optional,
        true,
    );
    let update = dto(
        &update_name,
        &format!("The changes of `PATCH {path}/{{id}}`: only the fields sent."),
        krate,
        &update_fields,
        |_| true,
        true,
    );
    let row = dto(
        &row_name,
        "A stored row, every field (server-side code only: it holds redacted values).",
        krate,
        &all,
        |f| f.optional,
        false,
    );
    let view = dto(
        &view_name,
        "A row as one caller may see it: fields they may not read are absent.",
        krate,
        &readable,
        |_| true,
        false,
    );
    let rt = quote!(#krate::runtime);
    let hooks_doc = format!(
        "Business logic around each action of `{path}`. Every method defaults to nothing; implement the ones you need and serve with `{ident_}::router_with`. Hooks run after every check and validation, and what they change is validated again."
    );
    quote! {
        #create
        #update
        #row
        #view

        #[doc = #hooks_doc]
        pub trait #hooks_name: ::std::marker::Send + ::std::marker::Sync + 'static {
            /// Before a row is created; an error stops the request.
            fn before_create(&self, _call: &#rt::hooks::Call<'_>, _body: &mut #create_name) -> ::std::result::Result<(), #rt::ApiError> {
                ::std::result::Result::Ok(())
            }
            /// After a row was created.
            fn after_create(&self, _call: &#rt::hooks::Call<'_>, _row: &#row_name) {}
            /// Before a row is updated; an error stops the request.
            fn before_update(&self, _call: &#rt::hooks::Call<'_>, _current: &#row_name, _changes: &mut #update_name) -> ::std::result::Result<(), #rt::ApiError> {
                ::std::result::Result::Ok(())
            }
            /// After a row was updated.
            fn after_update(&self, _call: &#rt::hooks::Call<'_>, _row: &#row_name) {}
            /// Before a row is deleted; an error stops the request.
            fn before_delete(&self, _call: &#rt::hooks::Call<'_>, _id: &str) -> ::std::result::Result<(), #rt::ApiError> {
                ::std::result::Result::Ok(())
            }
            /// After a row was deleted.
            fn after_delete(&self, _call: &#rt::hooks::Call<'_>, _id: &str) {}
        }

        #[doc(hidden)]
        pub struct #adapter<H>(pub H);

        impl<H: #hooks_name> #rt::hooks::Hooks<#ident_> for #adapter<H> {
            fn before_create(&self, call: &#rt::hooks::Call<'_>, body: &mut #rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>) -> ::std::result::Result<(), #rt::ApiError> {
                let mut typed: #create_name = #rt::hooks::from_map(body)?;
                self.0.before_create(call, &mut typed)?;
                *body = #rt::hooks::to_map(&typed)?;
                ::std::result::Result::Ok(())
            }
            fn after_create(&self, call: &#rt::hooks::Call<'_>, row: &#rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>) {
                if let ::std::result::Result::Ok(row) = #rt::hooks::from_map::<#row_name>(row) {
                    self.0.after_create(call, &row);
                }
            }
            fn before_update(&self, call: &#rt::hooks::Call<'_>, current: &#rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>, changes: &mut #rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>) -> ::std::result::Result<(), #rt::ApiError> {
                let current: #row_name = #rt::hooks::from_map(current)?;
                let mut typed: #update_name = #rt::hooks::from_map(changes)?;
                self.0.before_update(call, &current, &mut typed)?;
                *changes = #rt::hooks::to_map(&typed)?;
                ::std::result::Result::Ok(())
            }
            fn after_update(&self, call: &#rt::hooks::Call<'_>, row: &#rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>) {
                if let ::std::result::Result::Ok(row) = #rt::hooks::from_map::<#row_name>(row) {
                    self.0.after_update(call, &row);
                }
            }
            fn before_delete(&self, call: &#rt::hooks::Call<'_>, id: &str) -> ::std::result::Result<(), #rt::ApiError> {
                self.0.before_delete(call, id)
            }
            fn after_delete(&self, call: &#rt::hooks::Call<'_>, id: &str) {
                self.0.after_delete(call, id);
            }
        }

        impl #view_name {
            /// The view of `row` for the caller behind `auth`: redaction and `read_roles` applied.
            pub fn of(auth: &#rt::Authorized<#ident_>, row: &#row_name) -> ::std::result::Result<Self, #rt::ApiError> {
                #rt::hooks::from_map(&#rt::access::view(auth, #rt::hooks::to_map(row)?))
            }
        }

        impl #ident_ {
            /// The routes of this resource with business-logic hooks around its actions.
            pub fn router_with(hooks: impl #hooks_name) -> #rt::axum::Router<#rt::db::Db> {
                #rt::crud::routes_with::<Self>(::std::sync::Arc::new(#adapter(hooks)))
            }
        }
    }
}
