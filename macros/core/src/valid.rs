//! Validation: the attributes' document goes through `securegen_model::check_value`, the same
//! validator as YAML, and each error is reported at the span of the key path it names (or its
//! nearest recorded ancestor), all at once.

use proc_macro2::Span;
use securegen_model::{KeyPath, Resource, Severity};

use crate::ast::Spanned;
use crate::attr::Errors;
use crate::document::Parsed;

/// The span recorded for `path`, or for its nearest ancestor.
fn span_of(parsed: &Parsed, path: &KeyPath) -> Span {
    let mut p = Some(path.clone());
    while let Some(cur) = p {
        if let Some((_, s)) = parsed.spans.iter().rev().find(|(k, _)| *k == cur) {
            return *s;
        }
        p = cur.parent();
    }
    parsed.item.ident.span()
}

/// The resource's model, or every error of the validator.
pub(crate) fn validate(parsed: &Parsed) -> syn::Result<Resource> {
    let report = securegen_model::check_value(&parsed.doc);
    let mut errors = Errors::default();
    for d in report.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        let message = match &d.hint {
            Some(h) => format!("{} (hint: {h})", d.message),
            None => d.message.clone(),
        };
        errors.push(syn::Error::new(span_of(parsed, &d.path), message));
    }
    errors.finish()?;
    let mut resource = report
        .spec
        .and_then(|s| s.resources.into_iter().find(|r| r.name == parsed.name))
        .ok_or_else(|| syn::Error::new(parsed.item.ident.span(), "the resource could not be built"))?;
    if let Some(path) = &parsed.path {
        resource.path = nested_path(&resource, path)?;
    }
    Ok(resource)
}

/// A nested resource's own route: under the service's base, ending in
/// `/{parent key}/{segment}` like the derived one (the service checks the rest against the
/// parent it registers). Only a nested resource takes one.
fn nested_path(r: &Resource, path: &Spanned<String>) -> syn::Result<String> {
    let Some(key) = r.parent_field() else {
        return Err(syn::Error::new(path.span, "`path` is for a nested resource (with `parent = …`)"));
    };
    let derived_tail = r.path.rsplitn(3, '/').take(2).collect::<Vec<_>>();
    let tail = format!("/{{{}}}/{}", key.name, derived_tail.first().copied().unwrap_or_default());
    let base = r.path.split('/').take(3).collect::<Vec<_>>().join("/");
    let fine = path.value.starts_with(&format!("{base}/"))
        && path.value.ends_with(&tail)
        && path.value.split('/').all(|seg| {
            let name = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(seg);
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if fine {
        Ok(path.value.clone())
    } else {
        Err(syn::Error::new(
            path.span,
            format!("`path` must start with `{base}/` and end with `{tail}`, in lowercase segments"),
        ))
    }
}
