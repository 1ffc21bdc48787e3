//! Expansion: the struct as written (minus `#[field]`), its policy as data behind
//! `securegen::runtime::Resource`, its routes (the HTTP contract of DESIGN.md §5, enforced by
//! the runtime) and its DDL. Generated code states the policy; the runtime checks it.

use proc_macro2::TokenStream;
use quote::quote;
use securegen_model::Resource;

use crate::attr::Parsed;
use securegen_codegen::literal;

/// The expansion of a validated resource.
pub(crate) fn expand(parsed: &Parsed, resource: &Resource) -> TokenStream {
    let item = &parsed.item;
    let ident = &item.ident;
    let krate = &parsed.krate;
    let policy = literal::resource(krate, resource);
    let (generics_impl, generics_ty, where_clause) = item.generics.split_for_impl();
    let path = &resource.path;
    let doc_router =
        format!("The routes of `{path}`: only the actions granted in `access`, each enforced by the runtime.");
    let companions = crate::dto::companions(ident, krate, resource);
    quote! {
        #item
        #companions

        impl #generics_impl #krate::runtime::Resource for #ident #generics_ty #where_clause {
            fn policy() -> &'static #krate::model::Resource {
                static POLICY: ::std::sync::LazyLock<#krate::model::Resource> = ::std::sync::LazyLock::new(|| #policy);
                &POLICY
            }
        }

        impl #generics_impl #ident #generics_ty #where_clause {
            #[doc = #doc_router]
            pub fn router() -> #krate::runtime::axum::Router<#krate::runtime::db::Db> {
                #krate::runtime::crud::routes::<Self>()
            }

            /// The SQLite `CREATE TABLE` of this resource.
            pub fn sqlite_ddl() -> ::std::string::String {
                #krate::runtime::db::create_table_sql(<Self as #krate::runtime::Resource>::policy(), #krate::runtime::db::Dialect::Sqlite)
            }

            /// The PostgreSQL `CREATE TABLE` of this resource.
            pub fn postgres_ddl() -> ::std::string::String {
                #krate::runtime::db::create_table_sql(<Self as #krate::runtime::Resource>::policy(), #krate::runtime::db::Dialect::Postgres)
            }
        }
    }
}
