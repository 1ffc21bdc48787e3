//! The attributes of a `#[secure_resource]` struct in a typed form that keeps the span of
//! every item (thiserror's `ast.rs`): what [`crate::attr`] parses, what
//! [`crate::document`] turns into the spec document the validator reads.

use proc_macro2::Span;
use securegen_model::YamlValue as Value;

use crate::ty::Inferred;

/// A value and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

impl<T> Spanned<T> {
    pub(crate) fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// Words written as `[a, b]` or `(a, b)`, with the span of the whole list.
pub(crate) type Words = Spanned<Vec<Spanned<String>>>;

/// `access(...)`: action → roles, in the order written.
pub(crate) type AccessArgs = Spanned<Vec<(Spanned<String>, Words)>>;

/// `limits(...)`: key → value, in the order written.
pub(crate) type LimitsArgs = Spanned<Vec<(Spanned<String>, Spanned<LimitValue>)>>;

/// A value in `limits(...)`: sizes and rates are strings, counts are integers.
#[derive(Debug, Clone)]
pub(crate) enum LimitValue {
    Text(String),
    Count(u64),
}

/// `tenant(field = …, claim = …)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct TenantArgs {
    pub(crate) field: Option<Spanned<String>>,
    pub(crate) claim: Option<Spanned<String>>,
}

/// The arguments of `#[secure_resource(...)]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResourceArgs {
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) plural: Option<Spanned<String>>,
    pub(crate) owner: Option<Spanned<String>>,
    pub(crate) audit: Option<Spanned<String>>,
    pub(crate) sunset: Option<Spanned<String>>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) renamed_from: Option<Spanned<String>>,
    /// `parent = order`: nested under another struct's resource.
    pub(crate) parent: Option<Spanned<String>>,
    pub(crate) on_parent_delete: Option<Spanned<String>>,
    /// `path = "/api/v1/orders/{order_id}/lines"`: a nested resource's route, when its parent
    /// is not at its default path (nested two deep, or a parent with its own plural).
    pub(crate) path: Option<Spanned<String>>,
    pub(crate) api_version: Option<Spanned<String>>,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) roles: Option<Words>,
    pub(crate) etag: Option<Span>,
    pub(crate) deprecated: Option<Span>,
    pub(crate) tenant: Option<Spanned<TenantArgs>>,
    pub(crate) access: Option<AccessArgs>,
    /// `list(filter = [...], sort = [...], search = [...])`: the same shape as `access`.
    pub(crate) list: Option<AccessArgs>,
    pub(crate) limits: Option<LimitsArgs>,
}

/// Inclusive bounds `a..=b`, `a..`, `..=b`.
#[derive(Debug, Clone)]
pub(crate) struct Bounds {
    pub(crate) low: Option<Value>,
    pub(crate) high: Option<Value>,
    pub(crate) span: Span,
}

/// One field: its Rust name and type, and its `#[field(...)]`.
#[derive(Debug, Clone)]
pub(crate) struct FieldArgs {
    /// The spec name (the identifier without `r#`).
    pub(crate) name: Spanned<String>,
    /// What the Rust type says.
    pub(crate) inferred: Inferred,
    /// The span of the Rust type.
    pub(crate) ty_span: Span,
    pub(crate) kind: Option<Spanned<String>>,
    pub(crate) id: Option<Span>,
    pub(crate) redact: Option<Span>,
    pub(crate) server: Option<Spanned<String>>,
    pub(crate) pattern: Option<Spanned<String>>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) renamed_from: Option<Spanned<String>>,
    /// `to = product`: a reference to a row of that resource.
    pub(crate) to: Option<Spanned<String>>,
    /// `on_delete = cascade`.
    pub(crate) on_delete: Option<Spanned<String>>,
    pub(crate) write: Option<Words>,
    pub(crate) values: Option<Words>,
    pub(crate) write_roles: Option<Words>,
    pub(crate) read_roles: Option<Words>,
    pub(crate) len: Option<Bounds>,
    pub(crate) range: Option<Bounds>,
    pub(crate) default: Option<Spanned<Value>>,
}
