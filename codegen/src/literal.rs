//! The normalized model as a Rust expression, so the policy is compiled into the program as
//! data: every field of `securegen::model::Resource`, written out.

use std::fmt::Debug;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use securegen_model::{Field, Jwt, KeySource, Limits, Literal, Number, Resource, Role, Settings};

/// `Type::Variant` of a fieldless enum, from its `Debug` name.
fn variant(krate: &syn::Path, ty: &str, v: impl Debug) -> TokenStream {
    let ty = Ident::new(ty, Span::call_site());
    let v = Ident::new(&format!("{v:?}"), Span::call_site());
    quote!(#krate::model::#ty::#v)
}

fn string(s: &str) -> TokenStream {
    quote!(::std::string::String::from(#s))
}

fn opt_string(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => {
            let s = string(s);
            quote!(::std::option::Option::Some(#s))
        }
        None => quote!(::std::option::Option::None),
    }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> TokenStream) -> TokenStream {
    match v {
        Some(v) => {
            let inner = f(v);
            quote!(::std::option::Option::Some(#inner))
        }
        None => quote!(::std::option::Option::None),
    }
}

fn role(krate: &syn::Path, r: &Role) -> TokenStream {
    match r {
        Role::Pseudo(p) => {
            let p = variant(krate, "PseudoRole", p);
            quote!(#krate::model::Role::Pseudo(#p))
        }
        Role::Named(n) => {
            let n = string(n);
            quote!(#krate::model::Role::Named(#n))
        }
    }
}

fn roles(krate: &syn::Path, rs: &[Role]) -> TokenStream {
    let items = rs.iter().map(|r| role(krate, r));
    quote!(::std::vec![#(#items),*])
}

fn number(krate: &syn::Path, n: Number) -> TokenStream {
    match n {
        Number::Int(i) => quote!(#krate::model::Number::Int(#i)),
        Number::Float(f) => quote!(#krate::model::Number::Float(#f)),
    }
}

fn literal(krate: &syn::Path, l: &Literal) -> TokenStream {
    match l {
        Literal::Bool(b) => quote!(#krate::model::Literal::Bool(#b)),
        Literal::Number(n) => {
            let n = number(krate, *n);
            quote!(#krate::model::Literal::Number(#n))
        }
        Literal::Text(s) => {
            let s = string(s);
            quote!(#krate::model::Literal::Text(#s))
        }
    }
}

fn limits(krate: &syn::Path, l: &Limits) -> TokenStream {
    let count = l.rate.count;
    let per = variant(krate, "Per", l.rate.per);
    let body = l.body.0;
    let (page_default, page_max, max_len) = (l.page_default, l.page_max, l.max_len);
    let backend = variant(krate, "Backend", l.backend);
    quote!(#krate::model::Limits {
        rate: #krate::model::Rate { count: #count, per: #per },
        body: #krate::model::ByteSize(#body),
        page_default: #page_default,
        page_max: #page_max,
        max_len: #max_len,
        backend: #backend,
    })
}

fn field(krate: &syn::Path, f: &Field) -> TokenStream {
    let name = string(&f.name);
    let ty = variant(krate, "FieldType", f.ty);
    let (primary, optional, redact) = (f.primary, f.optional, f.redact);
    let default = opt(f.default.as_ref(), |l| literal(krate, l));
    let min = opt(f.min, |n| number(krate, n));
    let max = opt(f.max, |n| number(krate, n));
    let min_len = opt(f.min_len, |n| quote!(#n));
    let max_len = opt(f.max_len, |n| quote!(#n));
    let pattern = opt_string(f.pattern.as_deref());
    let values = f.values.iter().map(|v| string(v));
    let write = f.write.iter().map(|a| variant(krate, "Action", a));
    let write_roles = opt(f.write_roles.as_deref(), |r| roles(krate, r));
    let read_roles = opt(f.read_roles.as_deref(), |r| roles(krate, r));
    let server = opt(f.server, |s| variant(krate, "ServerValue", s));
    let description = opt_string(f.description.as_deref());
    let renamed_from = opt_string(f.renamed_from.as_deref());
    let reference = opt(f.reference.as_ref(), |r| {
        let (to, table, column) = (string(&r.to), string(&r.table), string(&r.column));
        let on_delete = variant(krate, "OnDelete", r.on_delete);
        quote!(#krate::model::Reference { to: #to, table: #table, column: #column, on_delete: #on_delete })
    });
    quote!(#krate::model::Field {
        name: #name,
        ty: #ty,
        primary: #primary,
        optional: #optional,
        default: #default,
        min: #min,
        max: #max,
        min_len: #min_len,
        max_len: #max_len,
        pattern: #pattern,
        values: ::std::vec![#(#values),*],
        write: ::std::vec![#(#write),*],
        write_roles: #write_roles,
        read_roles: #read_roles,
        redact: #redact,
        server: #server,
        description: #description,
        renamed_from: #renamed_from,
        reference: #reference,
    })
}

/// The expression building `r`.
pub fn resource(krate: &syn::Path, r: &Resource) -> TokenStream {
    let (name, plural, type_name, path, table, id) =
        (string(&r.name), string(&r.plural), string(&r.type_name), string(&r.path), string(&r.table), string(&r.id));
    let description = opt_string(r.description.as_deref());
    let owner = opt_string(r.owner.as_deref());
    let tenant = opt(r.tenant.as_ref(), |t| {
        let (field, claim) = (string(&t.field), string(&t.claim));
        quote!(#krate::model::Tenant { field: #field, claim: #claim })
    });
    let fields = r.fields.iter().map(|f| field(krate, f));
    let access = r.access.iter().map(|(a, rs)| {
        let a = variant(krate, "Action", a);
        let rs = roles(krate, rs);
        quote!((#a, #rs))
    });
    let limits = limits(krate, &r.limits);
    let audit = variant(krate, "AuditLevel", r.audit);
    let (etag, deprecated) = (r.etag, r.deprecated);
    let sunset = opt_string(r.sunset.as_deref());
    let renamed_from = opt_string(r.renamed_from.as_deref());
    let parent = opt_string(r.parent.as_deref());
    let list = list_query(krate, &r.list);
    quote!(#krate::model::Resource {
        name: #name,
        plural: #plural,
        type_name: #type_name,
        path: #path,
        table: #table,
        description: #description,
        owner: #owner,
        tenant: #tenant,
        id: #id,
        fields: ::std::vec![#(#fields),*],
        access: ::std::collections::BTreeMap::from([#(#access),*]),
        limits: #limits,
        audit: #audit,
        etag: #etag,
        deprecated: #deprecated,
        sunset: #sunset,
        renamed_from: #renamed_from,
        list: #list,
        parent: #parent,
    })
}

/// The query allowlists; the default when there are none, so a resource without `list:`
/// reads as it did.
fn list_query(krate: &syn::Path, l: &securegen_model::ListQuery) -> TokenStream {
    if l.is_empty() {
        return quote!(<#krate::model::ListQuery as ::std::default::Default>::default());
    }
    let names = |v: &[String]| {
        let v = v.iter().map(|n| string(n));
        quote!(::std::vec![#(#v),*])
    };
    let (filter, sort, search) = (names(&l.filter), names(&l.sort), names(&l.search));
    quote!(#krate::model::ListQuery { filter: #filter, sort: #sort, search: #search })
}

fn jwt(krate: &syn::Path, j: &Jwt) -> TokenStream {
    let algorithms = j.algorithms.iter().map(|a| variant(krate, "Algorithm", a));
    let key = match &j.key {
        KeySource::Secret(env) => {
            let env = string(env);
            quote!(#krate::model::KeySource::Secret(#env))
        }
        KeySource::PublicKey(env) => {
            let env = string(env);
            quote!(#krate::model::KeySource::PublicKey(#env))
        }
    };
    let (issuer, audience) = (opt_string(j.issuer.as_deref()), opt_string(j.audience.as_deref()));
    let roles_claim = string(&j.roles_claim);
    let leeway = j.leeway;
    quote!(#krate::model::Jwt {
        algorithms: ::std::vec![#(#algorithms),*],
        key: #key,
        issuer: #issuer,
        audience: #audience,
        roles_claim: #roles_claim,
        leeway: #leeway,
    })
}

/// The expression building `s`: a service's settings, written out in its generated code.
pub fn settings(krate: &syn::Path, s: &Settings) -> TokenStream {
    let svc = &s.service;
    let (name, api_version, base_path) = (string(&svc.name), string(&svc.api_version), string(&svc.base_path));
    let database = variant(krate, "Database", svc.database);
    let description = opt_string(svc.description.as_deref());
    let jwt = jwt(krate, &s.auth.jwt);
    let roles = s.roles.iter().map(|r| string(r));
    let cors = s.cors_origins.iter().map(|o| string(o));
    let limits = limits(krate, &s.limits);
    quote!(#krate::model::Settings {
        service: #krate::model::Service {
            name: #name,
            api_version: #api_version,
            base_path: #base_path,
            database: #database,
            description: #description,
        },
        auth: #krate::model::Auth { jwt: #jwt },
        roles: ::std::vec![#(#roles),*],
        cors_origins: ::std::vec![#(#cors),*],
        limits: #limits,
    })
}
