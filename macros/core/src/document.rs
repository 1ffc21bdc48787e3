//! From the typed attributes to the spec document the YAML front end would have read — a
//! whole spec holding this one resource, with a placeholder service and key (the service's
//! own settings hold the real ones) — and the span of every key path in it, so that each
//! diagnostic of the one validator lands on the attribute that caused it.

use heck::ToSnakeCase as _;
use proc_macro2::Span;
use securegen_model::{KeyPath, YamlMapping as Mapping, YamlValue as Value};

use crate::ast::{Bounds, FieldArgs, LimitValue, ResourceArgs, Spanned, Words};

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
    pub(crate) item: syn::ItemStruct,
    /// A nested resource's own route (`path = "…"`), replacing the one derived from its
    /// parent's default path.
    pub(crate) path: Option<Spanned<String>>,
}

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

/// A mapping being built at `at`, recording the span of each key it puts.
struct Builder<'s> {
    map: Mapping,
    at: KeyPath,
    spans: &'s mut Vec<(KeyPath, Span)>,
}

impl<'s> Builder<'s> {
    fn new(at: KeyPath, spans: &'s mut Vec<(KeyPath, Span)>) -> Self {
        Self { map: Mapping::new(), at, spans }
    }

    fn put(&mut self, key: &str, value: Value, span: Span) {
        self.spans.push((self.at.key(key), span));
        self.map.insert(s(key), value);
    }

    fn text(&mut self, key: &str, v: Option<&Spanned<String>>) {
        if let Some(v) = v {
            self.put(key, s(&v.value), v.span);
        }
    }

    fn flag(&mut self, key: &str, span: Option<Span>) {
        if let Some(span) = span {
            self.put(key, Value::Bool(true), span);
        }
    }

    fn words(&mut self, key: &str, words: Option<&Words>) {
        let Some(w) = words else { return };
        let path = self.at.key(key);
        for (i, item) in w.value.iter().enumerate() {
            self.spans.push((path.index(i), item.span));
        }
        self.put(key, Value::Sequence(w.value.iter().map(|x| s(&x.value)).collect()), w.span);
    }

    fn bounds(&mut self, keys: (&str, &str), b: Option<&Bounds>) {
        let Some(b) = b else { return };
        if let Some(v) = &b.low {
            self.put(keys.0, v.clone(), b.span);
        }
        if let Some(v) = &b.high {
            self.put(keys.1, v.clone(), b.span);
        }
    }

    fn child(&mut self, key: &str) -> Builder<'_> {
        Builder::new(self.at.key(key), self.spans)
    }

    fn finish(self) -> Value {
        Value::Mapping(self.map)
    }
}

fn field(f: &FieldArgs, at: KeyPath, spans: &mut Vec<(KeyPath, Span)>) -> syn::Result<Value> {
    let mut b = Builder::new(at, spans);
    // `to = product` on a `Uuid` makes it a reference; a `kind` still decides when written.
    let ref_kind = f.to.as_ref().filter(|_| f.kind.is_none()).map(|to| Spanned::new("ref".to_owned(), to.span));
    let ty = crate::ty::resolve(&f.inferred, f.kind.as_ref().or(ref_kind.as_ref()), f.ty_span)?;
    b.put("type", s(securegen_model::Keyword::as_str(ty)), f.kind.as_ref().map_or(f.ty_span, |k| k.span));
    if f.inferred.optional {
        b.put("optional", Value::Bool(true), f.ty_span);
    }
    b.flag("primary", f.id);
    b.flag("redact", f.redact);
    b.text("server", f.server.as_ref());
    b.text("pattern", f.pattern.as_ref());
    b.text("description", f.description.as_ref());
    b.text("renamed_from", f.renamed_from.as_ref());
    b.text("to", f.to.as_ref());
    b.text("on_delete", f.on_delete.as_ref());
    b.words("write", f.write.as_ref());
    b.words("values", f.values.as_ref());
    b.words("write_roles", f.write_roles.as_ref());
    b.words("read_roles", f.read_roles.as_ref());
    b.bounds(("min_len", "max_len"), f.len.as_ref());
    b.bounds(("min", "max"), f.range.as_ref());
    if let Some(d) = &f.default {
        b.put("default", d.value.clone(), d.span);
    }
    Ok(b.finish())
}

/// The resource's own mapping; `backend` (service-wide in the spec) comes back apart.
fn resource(
    args: &ResourceArgs,
    fields: &[FieldArgs],
    at: KeyPath,
    spans: &mut Vec<(KeyPath, Span)>,
) -> syn::Result<(Value, Option<Spanned<String>>)> {
    let mut b = Builder::new(at.clone(), spans);
    b.text("plural", args.plural.as_ref());
    b.text("owner", args.owner.as_ref());
    b.text("audit", args.audit.as_ref());
    b.text("sunset", args.sunset.as_ref());
    b.text("description", args.description.as_ref());
    b.text("renamed_from", args.renamed_from.as_ref());
    b.text("parent", args.parent.as_ref());
    b.text("on_parent_delete", args.on_parent_delete.as_ref());
    b.flag("etag", args.etag);
    b.flag("deprecated", args.deprecated);
    if let Some(t) = &args.tenant {
        let mut tb = b.child("tenant");
        tb.text("field", t.value.field.as_ref());
        tb.text("claim", t.value.claim.as_ref());
        let v = tb.finish();
        b.put("tenant", v, t.span);
    }
    if let Some(a) = &args.access {
        let mut ab = b.child("access");
        for (action, roles) in &a.value {
            ab.words(&action.value, Some(roles));
        }
        let v = ab.finish();
        b.put("access", v, a.span);
    }
    if let Some(l) = &args.list {
        let mut lb = b.child("list");
        for (key, names) in &l.value {
            lb.words(&key.value, Some(names));
        }
        let v = lb.finish();
        b.put("list", v, l.span);
    }
    let mut backend = None;
    if let Some(l) = &args.limits {
        let mut lb = b.child("limits");
        for (key, value) in &l.value {
            match (&value.value, key.value.as_str()) {
                (LimitValue::Text(t), "backend") => backend = Some(Spanned::new(t.clone(), value.span)),
                (LimitValue::Text(t), k) => lb.put(k, s(t), value.span),
                (LimitValue::Count(n), k) => lb.put(k, Value::from(*n), value.span),
            }
        }
        let v = lb.finish();
        b.put("limits", v, l.span);
    }
    let mut fb = b.child("fields");
    let mut errors = crate::attr::Errors::default();
    for f in fields {
        let at = fb.at.key(&f.name.value);
        match field(f, at, fb.spans) {
            Ok(v) => fb.put(&f.name.value, v, f.name.span),
            Err(e) => errors.push(e),
        }
    }
    errors.finish()?;
    let v = fb.finish();
    b.map.insert(s("fields"), v);
    Ok((b.finish(), backend))
}

/// The document of a struct's attributes.
pub(crate) fn document(args: ResourceArgs, fields: Vec<FieldArgs>, item: syn::ItemStruct) -> syn::Result<Parsed> {
    let name =
        args.name.clone().unwrap_or_else(|| Spanned::new(item.ident.to_string().to_snake_case(), item.ident.span()));
    let res_path = KeyPath::root().key("resources").key(&name.value);
    let mut spans = vec![(res_path.clone(), name.span)];
    let (resource_map, backend) = resource(&args, &fields, res_path, &mut spans)?;

    let mut root = Builder::new(KeyPath::root(), &mut spans);
    let mut service = root.child("service");
    service.put("name", s("securegen-resource"), name.span);
    service.text("api_version", args.api_version.as_ref());
    let service = service.finish();
    root.map.insert(s("service"), service);
    let mut jwt = Mapping::new();
    jwt.insert(s("algorithms"), Value::Sequence(vec![s("HS256")]));
    jwt.insert(s("secret_env"), s("SECUREGEN_JWT_SECRET"));
    jwt.insert(s("issuer"), s("securegen"));
    jwt.insert(s("audience"), s("securegen"));
    let mut auth = Mapping::new();
    auth.insert(s("jwt"), Value::Mapping(jwt));
    root.map.insert(s("auth"), Value::Mapping(auth));
    match &args.roles {
        Some(r) => root.words("roles", Some(r)),
        None => {
            root.map.insert(s("roles"), Value::Sequence(Vec::new()));
        }
    }
    let mut resources = Mapping::new();
    resources.insert(s(&name.value), resource_map);
    root.map.insert(s("resources"), Value::Mapping(resources));
    if let Some(b) = backend {
        root.spans.push((KeyPath::root().key("defaults").key("limits").key("backend"), b.span));
        let mut limits = Mapping::new();
        limits.insert(s("backend"), s(&b.value));
        let mut defaults = Mapping::new();
        defaults.insert(s("limits"), Value::Mapping(limits));
        root.map.insert(s("defaults"), Value::Mapping(defaults));
    }
    let doc = root.finish();
    let krate = args.krate.unwrap_or_else(|| syn::parse_quote!(::securegen));
    Ok(Parsed { name: name.value, doc, spans, krate, item, path: args.path })
}
