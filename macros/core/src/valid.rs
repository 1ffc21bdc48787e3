//! Validation: the attributes' document goes through `securegen_model::check_value`, the same
//! validator as YAML, and each error is reported at the span of the key path it names (or its
//! nearest recorded ancestor), all at once.

use proc_macro2::Span;
use securegen_model::{KeyPath, Resource, Severity};

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
    report
        .spec
        .and_then(|s| s.resources.into_iter().find(|r| r.name == parsed.name))
        .ok_or_else(|| syn::Error::new(parsed.item.ident.span(), "the resource could not be built"))
}
