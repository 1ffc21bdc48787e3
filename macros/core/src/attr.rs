//! Parsing `#[secure_resource(...)]` and each `#[field(...)]` into the typed form of
//! [`crate::ast`], one function per attribute group. Every error is collected (none stops
//! the others), each at the span of the item that caused it.

use proc_macro2::{Span, TokenStream};
use securegen_model::YamlValue as Value;
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, ExprRange, ExprUnary, Fields, ItemStruct, Lit, RangeLimits, Token, UnOp};

use crate::ast::{AccessArgs, Bounds, FieldArgs, LimitValue, LimitsArgs, ResourceArgs, Spanned, TenantArgs, Words};
use crate::ty;

/// Keys of `#[secure_resource(...)]`.
const RESOURCE_KEYS: &[&str] = &[
    "name",
    "plural",
    "roles",
    "owner",
    "tenant",
    "access",
    "limits",
    "audit",
    "etag",
    "deprecated",
    "sunset",
    "api_version",
    "description",
    "renamed_from",
    "list",
    "parent",
    "on_parent_delete",
    "path",
    "crate",
];
/// Keys of `#[field(...)]`.
const FIELD_KEYS: &[&str] = &[
    "id",
    "kind",
    "server",
    "write",
    "write_roles",
    "read_roles",
    "redact",
    "len",
    "range",
    "pattern",
    "values",
    "default",
    "description",
    "renamed_from",
    "to",
    "on_delete",
];

/// Collects errors instead of stopping at the first (serde_derive's `Ctxt`).
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        self.0.push(e);
    }

    /// All errors combined into one, or `Ok` when there is none.
    pub(crate) fn finish(self) -> syn::Result<()> {
        let mut iter = self.0.into_iter();
        match iter.next() {
            None => Ok(()),
            Some(mut first) => {
                first.extend(iter);
                Err(first)
            }
        }
    }
}

/// Refuses a key written twice in one attribute, at its second use.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn first(&mut self, key: &str, span: Span) -> syn::Result<()> {
        if self.0.iter().any(|k| k == key) {
            return Err(syn::Error::new(span, format!("duplicate `{key}`")));
        }
        self.0.push(key.to_owned());
        Ok(())
    }
}

/// An identifier (keywords included) or a string literal, as text.
fn word(input: ParseStream<'_>) -> syn::Result<Spanned<String>> {
    if input.peek(syn::LitStr) {
        let s: syn::LitStr = input.parse()?;
        Ok(Spanned::new(s.value(), s.span()))
    } else {
        let i = syn::Ident::parse_any(input)?;
        Ok(Spanned::new(i.unraw().to_string(), i.span()))
    }
}

/// `[a, b, "c"]`.
fn list(input: ParseStream<'_>, span: Span) -> syn::Result<Words> {
    let content;
    syn::bracketed!(content in input);
    let items = content.parse_terminated(word, Token![,])?;
    Ok(Spanned::new(items.into_iter().collect(), span))
}

/// `(a, b)` inside a nested meta: the words in order.
fn words(meta: &ParseNestedMeta<'_>, span: Span) -> syn::Result<Words> {
    let mut out = Vec::new();
    meta.parse_nested_meta(|m| {
        let ident = m.path.get_ident().ok_or_else(|| m.error("expected a name"))?;
        out.push(Spanned::new(ident.unraw().to_string(), ident.span()));
        Ok(())
    })?;
    Ok(Spanned::new(out, span))
}

/// Consumes whatever follows an unknown key, so parsing can go on.
fn skip(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
        let _: TokenStream = _content.parse()?;
    }
    Ok(())
}

fn key_of(meta: &ParseNestedMeta<'_>) -> (String, Span) {
    let span = meta.path.span();
    let key = meta
        .path
        .get_ident()
        .map(|i| i.unraw().to_string())
        .unwrap_or_else(|| meta.path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::"));
    (key, span)
}

fn unknown(key: &str, span: Span, keys: &[&str], what: &str) -> syn::Error {
    let hint = securegen_model::suggest::hint(key, keys);
    syn::Error::new(span, format!("unknown key `{key}` in {what}; {hint}"))
}

/// A number literal, possibly negative. Integers are read as `i128` and then narrowed, so
/// that `-9223372036854775808` (whose magnitude is no `i64`) is `i64::MIN`, not an error.
fn number(expr: &Expr) -> Option<Value> {
    fn signed(expr: &Expr, negative: bool) -> Option<Value> {
        match expr {
            Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) => {
                let magnitude = i.base10_parse::<i128>().ok()?;
                i64::try_from(if negative { -magnitude } else { magnitude }).ok().map(Value::from)
            }
            Expr::Lit(ExprLit { lit: Lit::Float(f), .. }) => {
                let x = f.base10_parse::<f64>().ok()?;
                Some(Value::from(if negative { -x } else { x }))
            }
            Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) if !negative => signed(expr, true),
            _ => None,
        }
    }
    signed(expr, false)
}

/// A default value: a string, a number or a boolean literal.
fn literal(expr: &Expr) -> Option<Value> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(Value::String(s.value())),
        Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }) => Some(Value::Bool(b.value)),
        other => number(other),
    }
}

/// `a..=b`, `a..`, `..=b`: the bounds (an exclusive end is refused: bounds are inclusive).
fn bounds(meta: &ParseNestedMeta<'_>) -> syn::Result<Bounds> {
    let content;
    syn::parenthesized!(content in meta.input);
    let range: ExprRange = content.parse()?;
    let span = range.span();
    if matches!(range.limits, RangeLimits::HalfOpen(_)) && range.end.is_some() {
        return Err(syn::Error::new(span, "bounds are inclusive: write `a..=b`"));
    }
    let side = |e: &Option<Box<Expr>>| -> syn::Result<Option<Value>> {
        match e {
            None => Ok(None),
            Some(e) => number(e).map(Some).ok_or_else(|| syn::Error::new(e.span(), "expected a number")),
        }
    };
    Ok(Bounds { low: side(&range.start)?, high: side(&range.end)?, span })
}

/// `tenant(field = …, claim = …)`.
fn tenant(meta: &ParseNestedMeta<'_>, span: Span) -> syn::Result<Spanned<TenantArgs>> {
    let mut t = TenantArgs::default();
    let mut seen = Seen::default();
    meta.parse_nested_meta(|m| {
        let (k, s) = key_of(&m);
        seen.first(&k, s)?;
        match k.as_str() {
            "field" => t.field = Some(word(m.value()?)?),
            "claim" => t.claim = Some(word(m.value()?)?),
            _ => return Err(unknown(&k, s, securegen_model::keys::TENANT, "`tenant(...)`")),
        }
        Ok(())
    })?;
    Ok(Spanned::new(t, span))
}

/// `access(create = [...], read = [...], ...)`.
fn access(meta: &ParseNestedMeta<'_>, span: Span) -> syn::Result<AccessArgs> {
    named_lists(meta, span, securegen_model::keys::ACCESS, "`access(...)`")
}

/// `list(filter = [a, b], sort = [c], search = [d])`.
fn list_query(meta: &ParseNestedMeta<'_>, span: Span) -> syn::Result<AccessArgs> {
    named_lists(meta, span, securegen_model::keys::LIST, "`list(...)`")
}

/// `(key = [a, b], …)` with each key one of `keys`, at most once.
fn named_lists(meta: &ParseNestedMeta<'_>, span: Span, keys: &[&str], what: &str) -> syn::Result<AccessArgs> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    meta.parse_nested_meta(|m| {
        let (k, s) = key_of(&m);
        if !keys.contains(&k.as_str()) {
            return Err(unknown(&k, s, keys, what));
        }
        seen.first(&k, s)?;
        out.push((Spanned::new(k, s), list(m.value()?, s)?));
        Ok(())
    })?;
    Ok(Spanned::new(out, span))
}

/// `limits(rate = "…", page_max = …, …)`.
fn limits(meta: &ParseNestedMeta<'_>, span: Span) -> syn::Result<LimitsArgs> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    meta.parse_nested_meta(|m| {
        let (k, s) = key_of(&m);
        seen.first(&k, s)?;
        let value = match k.as_str() {
            "rate" | "body" | "backend" => {
                let v: syn::LitStr = m.value()?.parse()?;
                Spanned::new(LimitValue::Text(v.value()), v.span())
            }
            "page_default" | "page_max" | "max_len" => {
                let v: syn::LitInt = m.value()?.parse()?;
                Spanned::new(LimitValue::Count(v.base10_parse::<u64>()?), v.span())
            }
            _ => return Err(unknown(&k, s, securegen_model::keys::LIMITS, "`limits(...)`")),
        };
        out.push((Spanned::new(k, s), value));
        Ok(())
    })?;
    Ok(Spanned::new(out, span))
}

/// One key of `#[secure_resource(...)]`.
fn resource_key(args: &mut ResourceArgs, key: &str, span: Span, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    match key {
        "name" => args.name = Some(word(meta.value()?)?),
        "plural" => args.plural = Some(word(meta.value()?)?),
        "owner" => args.owner = Some(word(meta.value()?)?),
        "audit" => args.audit = Some(word(meta.value()?)?),
        "sunset" => args.sunset = Some(word(meta.value()?)?),
        "description" => args.description = Some(word(meta.value()?)?),
        "renamed_from" => args.renamed_from = Some(word(meta.value()?)?),
        "parent" => args.parent = Some(word(meta.value()?)?),
        "on_parent_delete" => args.on_parent_delete = Some(word(meta.value()?)?),
        "path" => args.path = Some(word(meta.value()?)?),
        "api_version" => args.api_version = Some(word(meta.value()?)?),
        "crate" => args.krate = Some(meta.value()?.parse()?),
        "roles" => args.roles = Some(list(meta.value()?, span)?),
        "etag" => args.etag = Some(span),
        "deprecated" => args.deprecated = Some(span),
        "tenant" => args.tenant = Some(tenant(meta, span)?),
        "access" => args.access = Some(access(meta, span)?),
        "list" => args.list = Some(list_query(meta, span)?),
        "limits" => args.limits = Some(limits(meta, span)?),
        _ => {
            skip(meta)?;
            return Err(unknown(key, span, RESOURCE_KEYS, "#[secure_resource]"));
        }
    }
    Ok(())
}

/// The arguments of `#[secure_resource(...)]`.
fn resource_args(args: TokenStream, errors: &mut Errors) -> ResourceArgs {
    let mut out = ResourceArgs::default();
    let mut seen = Seen::default();
    let parser = syn::meta::parser(|meta| {
        let (key, span) = key_of(&meta);
        let result = seen.first(&key, span).and_then(|()| resource_key(&mut out, &key, span, &meta));
        if let Err(e) = result {
            errors.push(e);
            skip(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        errors.push(e);
    }
    out
}

/// One key of `#[field(...)]`.
fn field_key(f: &mut FieldArgs, key: &str, span: Span, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    match key {
        "id" => f.id = Some(span),
        "redact" => f.redact = Some(span),
        "kind" => f.kind = Some(word(meta.value()?)?),
        "server" => f.server = Some(word(meta.value()?)?),
        "pattern" => f.pattern = Some(word(meta.value()?)?),
        "description" => f.description = Some(word(meta.value()?)?),
        "renamed_from" => f.renamed_from = Some(word(meta.value()?)?),
        "to" => f.to = Some(word(meta.value()?)?),
        "on_delete" => f.on_delete = Some(word(meta.value()?)?),
        "write_roles" => f.write_roles = Some(list(meta.value()?, span)?),
        "read_roles" => f.read_roles = Some(list(meta.value()?, span)?),
        "write" => f.write = Some(words(meta, span)?),
        "values" => f.values = Some(words(meta, span)?),
        "len" => f.len = Some(bounds(meta)?),
        "range" => f.range = Some(bounds(meta)?),
        "default" => {
            let e: Expr = meta.value()?.parse()?;
            let v =
                literal(&e).ok_or_else(|| syn::Error::new(e.span(), "expected a string, number or boolean literal"))?;
            f.default = Some(Spanned::new(v, e.span()));
        }
        "optional" => return Err(syn::Error::new(span, "`optional` comes from the type: write `Option<T>`")),
        _ => {
            skip(meta)?;
            return Err(unknown(key, span, FIELD_KEYS, "#[field]"));
        }
    }
    Ok(())
}

/// One field of the struct with its `#[field(...)]` (which is removed from the struct).
fn field_args(field: &mut syn::Field, errors: &mut Errors) -> Option<FieldArgs> {
    let ident = field.ident.clone()?;
    let mut out = FieldArgs {
        name: Spanned::new(ident.unraw().to_string(), ident.span()),
        inferred: ty::infer(&field.ty),
        ty_span: field.ty.span(),
        kind: None,
        id: None,
        redact: None,
        server: None,
        pattern: None,
        description: None,
        renamed_from: None,
        to: None,
        on_delete: None,
        write: None,
        values: None,
        write_roles: None,
        read_roles: None,
        len: None,
        range: None,
        default: None,
    };
    let mut seen = Seen::default();
    for attr in std::mem::take(&mut field.attrs) {
        if !attr.path().is_ident("field") {
            field.attrs.push(attr);
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            let (key, span) = key_of(&meta);
            let result = seen.first(&key, span).and_then(|()| field_key(&mut out, &key, span, &meta));
            if let Err(e) = result {
                errors.push(e);
                skip(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = parsed {
            errors.push(e);
        }
    }
    Some(out)
}

/// Parses the struct-level arguments and every field; the struct comes back without its
/// `#[field]` attributes.
pub(crate) fn parse(
    args: TokenStream,
    mut item: ItemStruct,
) -> syn::Result<(ResourceArgs, Vec<FieldArgs>, ItemStruct)> {
    let mut errors = Errors::default();
    let resource = resource_args(args, &mut errors);
    let mut fields = Vec::new();
    match &mut item.fields {
        Fields::Named(named) => {
            for f in &mut named.named {
                fields.extend(field_args(f, &mut errors));
            }
        }
        _ => errors.push(syn::Error::new(item.ident.span(), "#[secure_resource] needs a struct with named fields")),
    }
    if !item.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &item.generics,
            "#[secure_resource] structs cannot be generic: a resource is one table",
        ));
    }
    errors.finish()?;
    Ok((resource, fields, item))
}
