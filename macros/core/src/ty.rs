//! The spec type of a field, from its Rust type and an optional `kind`.

use proc_macro2::Span;
use securegen_model::{FieldType, Keyword};
use syn::{GenericArgument, PathArguments, Type};

use crate::ast::Spanned;

/// What a Rust type says about a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inferred {
    /// The type name (last path segment), for messages.
    pub(crate) name: String,
    /// The spec types this Rust type can hold.
    pub(crate) fits: &'static [FieldType],
    /// `Option<T>`.
    pub(crate) optional: bool,
}

/// What a `String` can hold: text of every form (uuids, times and dates have types of their
/// own, so that rows decode into them and PostgreSQL stores them natively).
const TEXTUAL: &[FieldType] =
    &[FieldType::String, FieldType::Text, FieldType::Email, FieldType::Url, FieldType::Password, FieldType::Enum];

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// Reads a field's Rust type: `Option<T>` makes it optional; `T` decides what it can hold.
pub(crate) fn infer(ty: &Type) -> Inferred {
    let mut optional = false;
    let mut ty = ty;
    if let Some(seg) = last_segment(ty)
        && seg.ident == "Option"
        && let PathArguments::AngleBracketed(args) = &seg.arguments
        && let Some(GenericArgument::Type(inner)) = args.args.first()
    {
        optional = true;
        ty = inner;
    }
    let name = last_segment(ty).map_or_else(|| "this type".to_owned(), |s| s.ident.to_string());
    let fits: &'static [FieldType] = match name.as_str() {
        "String" => TEXTUAL,
        "i64" => &[FieldType::Int],
        "f64" => &[FieldType::Float],
        "bool" => &[FieldType::Bool],
        "Uuid" => &[FieldType::Uuid, FieldType::Ref],
        "OffsetDateTime" => &[FieldType::Timestamp],
        "Date" => &[FieldType::Date],
        _ => &[],
    };
    Inferred { name, fits, optional }
}

/// The field's spec type: `kind` when given (and the Rust type can hold it), else what the
/// Rust type implies.
pub(crate) fn resolve(inferred: &Inferred, kind: Option<&Spanned<String>>, ty_span: Span) -> syn::Result<FieldType> {
    match kind {
        Some(Spanned { value: k, span }) => {
            let Some(t) = FieldType::parse(k) else {
                let hint = securegen_model::suggest::hint(k, &FieldType::spellings());
                return Err(syn::Error::new(*span, format!("`{k}` is not a field type; {hint}")));
            };
            if inferred.fits.contains(&t) {
                Ok(t)
            } else {
                let want = match t {
                    FieldType::Uuid => "`securegen::types::Uuid`",
                    FieldType::Timestamp => "`securegen::types::OffsetDateTime`",
                    FieldType::Date => "`securegen::types::Date`",
                    FieldType::Int => "`i64`",
                    FieldType::Float => "`f64`",
                    FieldType::Bool => "`bool`",
                    _ => "`String`",
                };
                Err(syn::Error::new(
                    ty_span,
                    format!("a `{}` field cannot hold `kind = {k}`; declare it as {want}", inferred.name),
                ))
            }
        }
        None => match inferred.fits.first() {
            Some(t) => Ok(*t),
            None => Err(syn::Error::new(
                ty_span,
                format!(
                    "cannot tell the field type of `{}`; use String, i64, f64, bool, Uuid, OffsetDateTime or Date (from `securegen::types`), with `kind = ...` for text, email, url, password, enum",
                    inferred.name
                ),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_infer_their_kinds() {
        let t: Type = syn::parse_quote!(Option<String>);
        let i = infer(&t);
        assert!(i.optional);
        assert_eq!(resolve(&i, None, Span::call_site()).ok(), Some(FieldType::String));
        let email = Spanned::new("email".to_owned(), Span::call_site());
        assert_eq!(resolve(&i, Some(&email), Span::call_site()).ok(), Some(FieldType::Email));
        let t: Type = syn::parse_quote!(i64);
        assert!(resolve(&infer(&t), Some(&email), Span::call_site()).is_err());
        let uuid = Spanned::new("uuid".to_owned(), Span::call_site());
        let t: Type = syn::parse_quote!(String);
        assert!(resolve(&infer(&t), Some(&uuid), Span::call_site()).unwrap_err().to_string().contains("Uuid"));
        let t: Type = syn::parse_quote!(Vec<u8>);
        assert!(resolve(&infer(&t), None, Span::call_site()).is_err());
    }
}
