//! The typed code of a resource: `impl Resource` (the policy as data, the row decoded from
//! its columns, the JSON view written field by field under a caller's mask, the owner and
//! the id), and the bodies hooks see — `XCreate` (a create once validated, defaults filled)
//! and `XUpdate` (the changes of an update; an optional field set to `Some(None)` is
//! cleared). The runtime does every check; this code only moves typed values.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use securegen_codegen::{ident, literal};
use securegen_model::{Action, Field, FieldType, Resource};

use crate::document::Parsed;

/// `"name":`, escaped as JSON once, here.
fn json_key(name: &str) -> String {
    let mut out = String::from("\"");
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push_str("\":");
    out
}

/// The path of the facade as text, for `#[serde(crate = …, with = …)]`.
fn path_text(krate: &syn::Path) -> String {
    quote!(#krate).to_string().replace(' ', "")
}

/// The Rust type of a field's values (without `Option`).
fn value_type(krate: &syn::Path, f: &Field) -> TokenStream {
    match f.ty {
        FieldType::Int => quote!(i64),
        FieldType::Float => quote!(f64),
        FieldType::Bool => quote!(bool),
        FieldType::Uuid | FieldType::Ref => quote!(#krate::runtime::uuid::Uuid),
        FieldType::Timestamp => quote!(#krate::runtime::time::OffsetDateTime),
        FieldType::Date => quote!(#krate::runtime::time::Date),
        _ => quote!(::std::string::String),
    }
}

/// How a DTO field holds its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Always present.
    Value,
    /// May be absent (or null).
    Option,
    /// Absent, null (clear it), or a value.
    DoubleOption,
}

fn dto_field(krate: &syn::Path, f: &Field, shape: Shape) -> TokenStream {
    let (name, key, base) = (ident(&f.name), &f.name, value_type(krate, f));
    let doc = match &f.description {
        Some(d) => format!("`{}` ({}): {d}", f.name, f.ty),
        None => format!("`{}` ({})", f.name, f.ty),
    };
    let wire = |module: &str| format!("{}::runtime::wire::{module}", path_text(krate));
    let timed = match f.ty {
        FieldType::Timestamp => Some("timestamp"),
        FieldType::Date => Some("date"),
        _ => None,
    };
    match shape {
        Shape::Value => {
            let with = timed.map(|t| {
                let w = wire(t);
                quote!(, with = #w)
            });
            quote!(#[doc = #doc] #[serde(rename = #key #with)] pub #name: #base)
        }
        Shape::Option => {
            let with = timed.map(|t| {
                let w = wire(&format!("{t}_option"));
                quote!(, with = #w)
            });
            quote!(#[doc = #doc] #[serde(rename = #key, default, skip_serializing_if = "::std::option::Option::is_none" #with)] pub #name: ::std::option::Option<#base>)
        }
        Shape::DoubleOption => {
            let w = wire(&timed.map_or_else(|| "double_option".to_owned(), |t| format!("{t}_double_option")));
            quote!(#[doc = #doc] #[serde(rename = #key, default, skip_serializing_if = "::std::option::Option::is_none", with = #w)] pub #name: ::std::option::Option<::std::option::Option<#base>>)
        }
    }
}

fn dto(name: &syn::Ident, doc: &str, krate: &syn::Path, fields: &[(&Field, Shape)]) -> TokenStream {
    let serde_crate = format!("{}::runtime::serde", path_text(krate));
    let items = fields.iter().map(|(f, shape)| dto_field(krate, f, *shape));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #krate::runtime::serde::Serialize, #krate::runtime::serde::Deserialize)]
        #[serde(crate = #serde_crate, deny_unknown_fields)]
        pub struct #name {
            #(#items),*
        }
    }
}

/// `XCreate` and `XUpdate`.
pub(crate) fn bodies(parsed: &Parsed, r: &Resource) -> TokenStream {
    let (ident_, krate, path) = (&parsed.item.ident, &parsed.krate, &r.path);
    // After validation a create body holds the fields `create` writes and every default.
    let create: Vec<(&Field, Shape)> = r
        .fields
        .iter()
        .filter(|f| f.is_writable_in(Action::Create) || (f.default.is_some() && f.server.is_none()))
        .map(|f| (f, if f.optional && f.default.is_none() { Shape::Option } else { Shape::Value }))
        .collect();
    let update: Vec<(&Field, Shape)> = r
        .fields
        .iter()
        .filter(|f| f.is_writable_in(Action::Update))
        .map(|f| (f, if f.optional { Shape::DoubleOption } else { Shape::Option }))
        .collect();
    let create = dto(
        &format_ident!("{ident_}Create"),
        &format!("The body of `POST {path}` once validated: defaults filled in."),
        krate,
        &create,
    );
    let update = dto(
        &format_ident!("{ident_}Update"),
        &format!("The changes of `PATCH {path}/{{id}}`: only the fields sent (`Some(None)` clears an optional one)."),
        krate,
        &update,
    );
    quote!(#create #update)
}

/// `impl Resource for X`.
pub(crate) fn resource_impl(parsed: &Parsed, r: &Resource) -> TokenStream {
    let (ident_, krate) = (&parsed.item.ident, &parsed.krate);
    let rt = quote!(#krate::runtime);
    let policy = literal::resource(krate, r);
    let (create, update) = (format_ident!("{ident_}Create"), format_ident!("{ident_}Update"));
    let decodes = r.fields.iter().enumerate().map(|(i, f)| {
        let name = ident(&f.name);
        quote!(#name: row.get(#i)?)
    });
    // Fields no caller ever reads (redacted, passwords) are not even written under a mask.
    let members = r.fields.iter().enumerate().filter(|(_, f)| f.is_readable()).map(|(i, f)| {
        let (name, key) = (ident(&f.name), json_key(&f.name));
        quote!(if mask.has(#i) { out.member(#key, &self.#name); })
    });
    let owner = match r.owner.as_deref().and_then(|o| r.field(o)) {
        Some(f) if f.optional => {
            let name = ident(&f.name);
            quote!(self.#name.as_deref())
        }
        Some(f) => {
            let name = ident(&f.name);
            quote!(::std::option::Option::Some(self.#name.as_str()))
        }
        None => quote!(::std::option::Option::None),
    };
    let id = ident(&r.id);
    quote! {
        impl #rt::Resource for #ident_ {
            type Create = #create;
            type Update = #update;

            fn policy() -> &'static #krate::model::Resource {
                static POLICY: ::std::sync::LazyLock<#krate::model::Resource> = ::std::sync::LazyLock::new(|| #policy);
                &POLICY
            }

            fn decode<Rd: #rt::db::row::RowReader>(row: &mut Rd) -> ::std::result::Result<Self, #rt::db::row::DecodeError> {
                ::std::result::Result::Ok(Self { #(#decodes),* })
            }

            fn write_json(&self, mask: #rt::FieldMask, out: &mut #rt::json::JsonObject<'_>) {
                #(#members)*
            }

            fn owner(&self) -> ::std::option::Option<&str> {
                #owner
            }

            fn id(&self) -> #rt::uuid::Uuid {
                self.#id
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_keys_are_escaped() {
        assert_eq!(super::json_key("item"), "\"item\":");
        assert_eq!(super::json_key("a\"b\\\n"), "\"a\\\"b\\\\\\u000a\":");
    }
}
