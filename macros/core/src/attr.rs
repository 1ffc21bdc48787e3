//! Parsing `#[secure_resource(...)]` and `#[field(...)]` into the same YAML tree the YAML
//! front end reads, remembering the span of every key and value so that the validator's
//! diagnostics (which name key paths) land on the attribute that caused them.

use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream};
use securegen_model::{KeyPath, Keyword as _, YamlMapping as Mapping, YamlValue as Value};
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, ExprRange, ExprUnary, Fields, ItemStruct, Lit, RangeLimits, Token, UnOp};

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
];

/// A struct's attributes, as a spec document with spans.
pub(crate) struct Parsed {
    /// The resource's name in the spec.
    pub(crate) name: String,
    /// A whole spec document holding this one resource.
    pub(crate) doc: Value,
    /// Where each key path came from.
    pub(crate) spans: Vec<(KeyPath, Span)>,
    /// The path of the `securegen` facade in the caller's crate.
    pub(crate) krate: syn::Path,
    /// The struct with its `#[field]` attributes removed.
    pub(crate) item: ItemStruct,
}

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

struct Builder<'e> {
    map: Mapping,
    at: KeyPath,
    spans: &'e mut Vec<(KeyPath, Span)>,
    seen: Vec<String>,
}

impl<'e> Builder<'e> {
    fn new(at: KeyPath, spans: &'e mut Vec<(KeyPath, Span)>) -> Self {
        Self { map: Mapping::new(), at, spans, seen: Vec::new() }
    }

    /// Records `key` once; a repeated key is an error at its second use.
    fn first(&mut self, key: &str, span: Span) -> syn::Result<()> {
        if self.seen.iter().any(|k| k == key) {
            return Err(syn::Error::new(span, format!("duplicate `{key}`")));
        }
        self.seen.push(key.to_owned());
        Ok(())
    }

    fn put(&mut self, key: &str, value: Value, span: Span) {
        self.spans.push((self.at.key(key), span));
        self.map.insert(Value::String(key.to_owned()), value);
    }

    fn put_list(&mut self, key: &str, items: Vec<(String, Span)>, span: Span) {
        let path = self.at.key(key);
        self.spans.push((path.clone(), span));
        for (i, (_, s)) in items.iter().enumerate() {
            self.spans.push((path.index(i), *s));
        }
        let seq = items.into_iter().map(|(v, _)| Value::String(v)).collect();
        self.map.insert(Value::String(key.to_owned()), Value::Sequence(seq));
    }

    fn finish(self) -> Value {
        Value::Mapping(self.map)
    }
}

/// An identifier (keywords included) or a string literal, as text.
fn word(input: ParseStream<'_>) -> syn::Result<(String, Span)> {
    if input.peek(syn::LitStr) {
        let s: syn::LitStr = input.parse()?;
        Ok((s.value(), s.span()))
    } else {
        let i = syn::Ident::parse_any(input)?;
        Ok((i.unraw().to_string(), i.span()))
    }
}

/// `[a, b, "c"]`.
fn list(input: ParseStream<'_>) -> syn::Result<Vec<(String, Span)>> {
    let content;
    syn::bracketed!(content in input);
    let items = content.parse_terminated(word, Token![,])?;
    Ok(items.into_iter().collect())
}

/// `(a, b)` inside a nested meta: the words in order.
fn words(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<(String, Span)>> {
    let mut out = Vec::new();
    meta.parse_nested_meta(|m| {
        let ident = m.path.get_ident().ok_or_else(|| m.error("expected a name"))?;
        out.push((ident.unraw().to_string(), ident.span()));
        Ok(())
    })?;
    Ok(out)
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
fn bounds(meta: &ParseNestedMeta<'_>) -> syn::Result<(Option<Value>, Option<Value>, Span)> {
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
    Ok((side(&range.start)?, side(&range.end)?, span))
}

/// Parses the struct-level arguments and every `#[field]`, into a spec document.
pub(crate) fn parse(args: TokenStream, mut item: ItemStruct) -> syn::Result<Parsed> {
    let mut errors = Errors::default();
    let mut spans = Vec::new();
    let default_name = item.ident.to_string().to_snake_case();
    let mut name = (default_name, item.ident.span());
    let mut roles: Vec<(String, Span)> = Vec::new();
    let mut api_version: Option<(String, Span)> = None;
    let mut krate: syn::Path = syn::parse_quote!(::securegen);

    // The resource path is known only once `name` is read; collect first, place later.
    let mut resource_spans: Vec<(KeyPath, Span)> = Vec::new();
    let mut resource = Builder::new(KeyPath::root(), &mut resource_spans);
    let parser = syn::meta::parser(|meta| {
        let (key, span) = key_of(&meta);
        if let Err(e) = resource.first(&key, span) {
            errors.push(e);
            return skip(&meta);
        }
        let result: syn::Result<()> = (|| {
            match key.as_str() {
                "name" => name = word(meta.value()?)?,
                "plural" | "owner" | "audit" | "sunset" | "description" => {
                    let (v, s) = word(meta.value()?)?;
                    resource.put(&key, Value::String(v), s);
                }
                "api_version" => api_version = Some(word(meta.value()?)?),
                "crate" => krate = meta.value()?.parse()?,
                "roles" => roles = list(meta.value()?)?,
                "etag" | "deprecated" => resource.put(&key, Value::Bool(true), span),
                "tenant" => {
                    let mut t = Builder::new(KeyPath::root().key("tenant"), resource.spans);
                    meta.parse_nested_meta(|m| {
                        let (k, s) = key_of(&m);
                        match k.as_str() {
                            "field" | "claim" => {
                                let (v, vs) = word(m.value()?)?;
                                t.first(&k, s)?;
                                t.put(&k, Value::String(v), vs);
                                Ok(())
                            }
                            _ => Err(unknown(&k, s, &["field", "claim"], "`tenant(...)`")),
                        }
                    })?;
                    let v = t.finish();
                    resource.put("tenant", v, span);
                }
                "access" => {
                    let mut a = Builder::new(KeyPath::root().key("access"), resource.spans);
                    meta.parse_nested_meta(|m| {
                        let (k, s) = key_of(&m);
                        let actions = ["create", "read", "list", "update", "delete"];
                        if !actions.contains(&k.as_str()) {
                            return Err(unknown(&k, s, &actions, "`access(...)`"));
                        }
                        a.first(&k, s)?;
                        let roles = list(m.value()?)?;
                        a.put_list(&k, roles, s);
                        Ok(())
                    })?;
                    let v = a.finish();
                    resource.put("access", v, span);
                }
                "limits" => {
                    let mut l = Builder::new(KeyPath::root().key("limits"), resource.spans);
                    meta.parse_nested_meta(|m| {
                        let (k, s) = key_of(&m);
                        l.first(&k, s)?;
                        match k.as_str() {
                            "rate" | "body" | "backend" => {
                                let v: syn::LitStr = m.value()?.parse()?;
                                l.put(&k, Value::String(v.value()), v.span());
                            }
                            "page_default" | "page_max" | "max_len" => {
                                let v: syn::LitInt = m.value()?.parse()?;
                                l.put(&k, Value::from(v.base10_parse::<u64>()?), v.span());
                            }
                            _ => {
                                return Err(unknown(
                                    &k,
                                    s,
                                    &["rate", "body", "page_default", "page_max", "max_len", "backend"],
                                    "`limits(...)`",
                                ));
                            }
                        }
                        Ok(())
                    })?;
                    let v = l.finish();
                    resource.put("limits", v, span);
                }
                _ => {
                    errors.push(unknown(&key, span, RESOURCE_KEYS, "#[secure_resource]"));
                    skip(&meta)?;
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            errors.push(e);
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        errors.push(e);
    }
    let mut resource_map = resource.finish();

    // Fields.
    let res_path = KeyPath::root().key("resources").key(&name.0);
    let mut fields_spans = Vec::new();
    let mut fields = Builder::new(res_path.key("fields"), &mut fields_spans);
    match &mut item.fields {
        Fields::Named(named) => {
            for f in &mut named.named {
                let Some(ident) = f.ident.clone() else { continue };
                let fname = ident.unraw().to_string();
                let mut fb = Builder::new(res_path.key("fields").key(&fname), fields.spans);
                let inferred = ty::infer(&f.ty);
                let mut kind: Option<(String, Span)> = None;
                let attrs = std::mem::take(&mut f.attrs);
                for attr in attrs {
                    if !attr.path().is_ident("field") {
                        f.attrs.push(attr);
                        continue;
                    }
                    let r = attr.parse_nested_meta(|meta| {
                        let (key, span) = key_of(&meta);
                        if let Err(e) = fb.first(&key, span) {
                            errors.push(e);
                            return skip(&meta);
                        }
                        let result: syn::Result<()> = (|| {
                            match key.as_str() {
                                "id" => fb.put("primary", Value::Bool(true), span),
                                "redact" => fb.put("redact", Value::Bool(true), span),
                                "kind" => kind = Some(word(meta.value()?)?),
                                "server" | "pattern" | "description" => {
                                    let (v, s) = word(meta.value()?)?;
                                    fb.put(&key, Value::String(v), s);
                                }
                                "write_roles" | "read_roles" => {
                                    let items = list(meta.value()?)?;
                                    fb.put_list(&key, items, span);
                                }
                                "write" | "values" => {
                                    let items = words(&meta)?;
                                    fb.put_list(&key, items, span);
                                }
                                "len" | "range" => {
                                    let (lo, hi, s) = bounds(&meta)?;
                                    let (min, max) = if key == "len" { ("min_len", "max_len") } else { ("min", "max") };
                                    if let Some(v) = lo {
                                        fb.put(min, v, s);
                                    }
                                    if let Some(v) = hi {
                                        fb.put(max, v, s);
                                    }
                                }
                                "default" => {
                                    let e: Expr = meta.value()?.parse()?;
                                    let v = literal(&e).ok_or_else(|| {
                                        syn::Error::new(e.span(), "expected a string, number or boolean literal")
                                    })?;
                                    fb.put("default", v, e.span());
                                }
                                "optional" => {
                                    return Err(syn::Error::new(
                                        span,
                                        "`optional` comes from the type: write `Option<T>`",
                                    ));
                                }
                                _ => {
                                    errors.push(unknown(&key, span, FIELD_KEYS, "#[field]"));
                                    skip(&meta)?;
                                }
                            }
                            Ok(())
                        })();
                        if let Err(e) = result {
                            errors.push(e);
                        }
                        Ok(())
                    });
                    if let Err(e) = r {
                        errors.push(e);
                    }
                }
                match ty::resolve(&inferred, kind.as_ref(), f.ty.span()) {
                    Ok(t) => {
                        fb.put("type", Value::String(t.as_str().to_owned()), kind.map_or(f.ty.span(), |k| k.1));
                        if inferred.optional {
                            fb.put("optional", Value::Bool(true), f.ty.span());
                        }
                    }
                    Err(e) => errors.push(e),
                }
                let v = fb.finish();
                fields.put(&fname, v, ident.span());
            }
        }
        _ => errors.push(syn::Error::new(item.ident.span(), "#[secure_resource] needs a struct with named fields")),
    }
    let fields_map = fields.finish();
    if let Value::Mapping(m) = &mut resource_map {
        m.insert(Value::String("fields".to_owned()), fields_map);
    }

    // Resource-level spans were recorded relative to the resource: re-root them.
    for (p, s) in resource_spans {
        let mut full = res_path.clone();
        full.0.extend(p.0);
        spans.push((full, s));
    }
    spans.extend(fields_spans);
    spans.push((res_path.clone(), name.1));
    if !roles.is_empty() {
        spans.push((KeyPath::root().key("roles"), roles[0].1));
        for (i, (_, s)) in roles.iter().enumerate() {
            spans.push((KeyPath::root().key("roles").index(i), *s));
        }
    }
    if let Some((_, s)) = &api_version {
        spans.push((KeyPath::root().key("service").key("api_version"), *s));
    }

    if !item.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &item.generics,
            "#[secure_resource] structs cannot be generic: a resource is one table",
        ));
    }
    errors.finish()?;
    let doc = crate::document(
        &name.0,
        api_version.map(|v| v.0).as_deref(),
        roles.into_iter().map(|r| r.0).collect(),
        resource_map,
    );
    Ok(Parsed { name: name.0, doc, spans, krate, item })
}
