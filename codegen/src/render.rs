//! From a validated resource back to an annotated struct: the source the CLI writes for each
//! resource, and the other half of the parity tests (YAML → model must equal YAML → struct →
//! model). Every resolved value is written out, so nothing depends on defaults.

use proc_macro2::{Ident, Literal as Lit, Span, TokenStream};
use quote::quote;
use securegen_model::{Action, Field, FieldType, Keyword, Number, Resource, Role};

/// `name` as a Rust identifier: raw (`r#type`) when it is a keyword.
pub fn ident(name: &str) -> Ident {
    syn::parse_str::<Ident>(name).unwrap_or_else(|_| Ident::new_raw(name, Span::call_site()))
}

/// A word inside an attribute: keywords need no `r#` there (`kind = enum`).
fn word(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn words<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<Ident> {
    items.into_iter().map(word).collect()
}

fn role_list(roles: &[Role]) -> TokenStream {
    let items = words(roles.iter().map(Role::as_str));
    quote!([#(#items),*])
}

fn num(n: Number) -> Lit {
    match n {
        Number::Int(i) => Lit::i64_unsuffixed(i),
        Number::Float(f) => Lit::f64_unsuffixed(f),
    }
}

/// The arguments of `#[secure_resource(...)]` for `r`.
fn resource_args(r: &Resource, roles: &[String], api_version: &str, krate: &syn::Path) -> Vec<TokenStream> {
    let name = &r.name;
    let plural = &r.plural;
    let mut args = vec![quote!(name = #name), quote!(plural = #plural)];
    if !roles.is_empty() {
        let roles = words(roles.iter().map(String::as_str));
        args.push(quote!(roles = [#(#roles),*]));
    }
    args.push(quote!(api_version = #api_version));
    if let Some(o) = &r.owner {
        let o = word(o);
        args.push(quote!(owner = #o));
    }
    if let Some(t) = &r.tenant {
        let (field, claim) = (word(&t.field), &t.claim);
        args.push(quote!(tenant(field = #field, claim = #claim)));
    }
    let grants = r.access.iter().map(|(a, roles)| {
        let a = word(a.as_str());
        let roles = role_list(roles);
        quote!(#a = #roles)
    });
    args.push(quote!(access(#(#grants),*)));
    let l = &r.limits;
    let (rate, body, backend) = (l.rate.to_string(), l.body.to_string(), l.backend.as_str());
    let (pd, pm, ml) =
        (Lit::u32_unsuffixed(l.page_default), Lit::u32_unsuffixed(l.page_max), Lit::u32_unsuffixed(l.max_len));
    args.push(quote!(limits(rate = #rate, body = #body, page_default = #pd, page_max = #pm, max_len = #ml, backend = #backend)));
    let audit = word(r.audit.as_str());
    args.push(quote!(audit = #audit));
    if r.etag {
        args.push(quote!(etag));
    }
    if r.deprecated {
        args.push(quote!(deprecated));
    }
    if let Some(s) = &r.sunset {
        args.push(quote!(sunset = #s));
    }
    if let Some(d) = &r.description {
        args.push(quote!(description = #d));
    }
    if let Some(from) = &r.renamed_from {
        args.push(quote!(renamed_from = #from));
    }
    if let (Some(parent), Some(key)) = (&r.parent, r.parent_field()) {
        let p = ident(parent);
        args.push(quote!(parent = #p));
        // The macro derives `{base}/{parents}/{key}/{segment}`; a route below a deeper or
        // renamed parent is written out.
        let segment = r.path.rsplit('/').next().unwrap_or_default();
        let base = r.path.split('/').take(3).collect::<Vec<_>>().join("/");
        let derived = securegen_model::struct_path(&base, parent, &key.name, segment);
        if r.path != derived {
            let path = &r.path;
            args.push(quote!(path = #path));
        }
    }
    if !r.list.is_empty() {
        let l = &r.list;
        let parts = [("filter", &l.filter), ("sort", &l.sort), ("search", &l.search)]
            .into_iter()
            .filter(|(_, names)| !names.is_empty())
            .map(|(key, names)| {
                let key = word(key);
                let names = names.iter().map(|n| ident(n));
                quote!(#key = [#(#names),*])
            });
        args.push(quote!(list(#(#parts),*)));
    }
    if krate != &syn::parse_quote!(::securegen) {
        args.push(quote!(crate = #krate));
    }
    args
}

/// `len(a..=b)`, `len(..=b)`, `len(a..)` (or `range(...)`), when a bound is set.
fn range(key: &str, low: Option<Lit>, high: Option<Lit>) -> Option<TokenStream> {
    let key = word(key);
    match (low, high) {
        (Some(lo), Some(hi)) => Some(quote!(#key(#lo..=#hi))),
        (None, Some(hi)) => Some(quote!(#key(..=#hi))),
        (Some(lo), None) => Some(quote!(#key(#lo..))),
        (None, None) => None,
    }
}

/// One field, with its `#[field(...)]`.
fn field(f: &Field, krate: &syn::Path) -> TokenStream {
    let mut attrs = Vec::new();
    if f.primary {
        attrs.push(quote!(id));
    }
    let (rust_ty, default_kind) = match f.ty {
        FieldType::Int => (quote!(i64), FieldType::Int),
        FieldType::Float => (quote!(f64), FieldType::Float),
        FieldType::Bool => (quote!(bool), FieldType::Bool),
        FieldType::Uuid => (quote!(#krate::types::Uuid), FieldType::Uuid),
        // `to = …` makes a `Uuid` a reference.
        FieldType::Ref => (quote!(#krate::types::Uuid), FieldType::Ref),
        FieldType::Timestamp => (quote!(#krate::types::OffsetDateTime), FieldType::Timestamp),
        FieldType::Date => (quote!(#krate::types::Date), FieldType::Date),
        _ => (quote!(::std::string::String), FieldType::String),
    };
    if f.ty != default_kind {
        let k = word(f.ty.as_str());
        attrs.push(quote!(kind = #k));
    }
    if let Some(r) = &f.reference {
        let to = ident(&r.to);
        attrs.push(quote!(to = #to));
        if r.on_delete != securegen_model::OnDelete::Restrict {
            let on_delete = word(r.on_delete.as_str());
            attrs.push(quote!(on_delete = #on_delete));
        }
    }
    if let Some(s) = f.server {
        let s = word(s.as_str());
        attrs.push(quote!(server = #s));
    }
    if !f.write.is_empty() {
        let w = words(f.write.iter().map(|a: &Action| a.as_str()));
        attrs.push(quote!(write(#(#w),*)));
    }
    if let Some(roles) = &f.write_roles {
        let roles = role_list(roles);
        attrs.push(quote!(write_roles = #roles));
    }
    if let Some(roles) = &f.read_roles {
        let roles = role_list(roles);
        attrs.push(quote!(read_roles = #roles));
    }
    if f.redact {
        attrs.push(quote!(redact));
    }
    attrs.extend(range("len", f.min_len.map(Lit::u32_unsuffixed), f.max_len.map(Lit::u32_unsuffixed)));
    attrs.extend(range("range", f.min.map(num), f.max.map(num)));
    if let Some(p) = &f.pattern {
        attrs.push(quote!(pattern = #p));
    }
    if !f.values.is_empty() {
        let v = words(f.values.iter().map(String::as_str));
        attrs.push(quote!(values(#(#v),*)));
    }
    if let Some(d) = &f.default {
        let d = match d {
            securegen_model::Literal::Bool(b) => quote!(#b),
            securegen_model::Literal::Number(n) => {
                let n = num(*n);
                quote!(#n)
            }
            securegen_model::Literal::Text(s) => quote!(#s),
        };
        attrs.push(quote!(default = #d));
    }
    if let Some(d) = &f.description {
        attrs.push(quote!(description = #d));
    }
    if let Some(from) = &f.renamed_from {
        attrs.push(quote!(renamed_from = #from));
    }
    let name = ident(&f.name);
    let ty = if f.optional { quote!(::std::option::Option<#rust_ty>) } else { rust_ty };
    let attr = if attrs.is_empty() { quote!() } else { quote!(#[field(#(#attrs),*)]) };
    quote!(#attr pub #name: #ty)
}

/// The struct, with `#[secure_resource]` and `#[field]` attributes, that declares `r` in a
/// service whose roles are `roles` and API version `api_version`. `krate` is the path of the
/// `securegen` facade (`::securegen` in a service).
pub fn annotated_struct(r: &Resource, roles: &[String], api_version: &str, krate: &syn::Path) -> TokenStream {
    let args = resource_args(r, roles, api_version, krate);
    let fields = r.fields.iter().map(|f| field(f, krate));
    let type_name = ident(&r.type_name);
    quote! {
        #[#krate::secure_resource(#(#args),*)]
        pub struct #type_name {
            #(#fields),*
        }
    }
}
