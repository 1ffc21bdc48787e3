//! Authorization (OWASP API1, API3, API5): function-level decisions, the row scope that data
//! access must carry, and the field masks applied to responses and request bodies.
//!
//! [`authorize`] is the only way to obtain an [`Authorized`] value, and every method of
//! [`crate::db::Table`] takes one; so code that skips the check does not compile.

use std::marker::PhantomData;

use securegen_model::policy::{Caller, Decision, Grant};
use securegen_model::{Action, FieldType, Keyword};
use serde_json::{Map, Value};

use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use crate::resource::{FieldMask, Resource};

/// Proof that a caller passed authorization for one action on resource `R`, carrying the row
/// scope. Only [`authorize`] builds one; its fields are private.
#[derive(Debug)]
pub struct Authorized<R> {
    action: Action,
    subject: Option<String>,
    roles: Vec<String>,
    owner: Option<String>,
    tenant: Option<String>,
    /// For a nested resource, the parent row the request's path names (checked readable by
    /// the caller before any statement runs); every statement is confined to its children.
    parent: Option<uuid::Uuid>,
    _resource: PhantomData<fn() -> R>,
}

impl<R: Resource> Authorized<R> {
    /// Confines a nested resource's statements to the children of `parent`, a row the
    /// caller was found to reach. Without it, a nested resource's statements reach no row.
    pub(crate) fn within(mut self, parent: uuid::Uuid) -> Self {
        self.parent = Some(parent);
        self
    }

    /// The parent row every reached row must belong to (nested resources).
    pub fn parent_filter(&self) -> Option<uuid::Uuid> {
        self.parent
    }

    /// The action that was authorized.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The caller's subject (`None` for anonymous callers).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The caller's roles (empty for anonymous callers).
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// The owner every reached row must have, when the caller is confined to their own rows.
    pub fn owner_filter(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The tenant every reached row must have, when the resource is multi-tenant.
    pub fn tenant_filter(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The caller as the policy functions see it.
    pub fn caller(&self) -> Caller<'_> {
        match self.subject {
            Some(_) => Caller::Authenticated(&self.roles),
            None => Caller::Anonymous,
        }
    }

    /// Whether `row` belongs to the caller (their subject in the owner field, or — without an
    /// owner field — their tenant, which every row in scope has).
    pub fn owns(&self, row: &R) -> bool {
        match (&R::policy().owner, &self.subject) {
            (Some(_), Some(subject)) => row.owner() == Some(subject.as_str()),
            // Under a parent, rows reached through the owner filter are the caller's.
            (None, Some(_)) if R::policy().parent.is_some() => self.owner.is_some(),
            (None, Some(_)) => R::policy().tenant.is_some(),
            _ => false,
        }
    }

    /// The fields this caller sees on rows they own and on other rows.
    pub fn read_masks(&self) -> ReadMasks {
        let caller = self.caller();
        let (mut own, mut other) = (FieldMask::default(), FieldMask::default());
        for (i, f) in R::policy().fields.iter().enumerate() {
            match f.read_grant(caller) {
                Grant::Always => {
                    own = own.with(i);
                    other = other.with(i);
                }
                Grant::OwnRows => own = own.with(i),
                Grant::Never => {}
            }
        }
        ReadMasks { own, other }
    }
}

/// What one caller sees of a resource's rows.
#[derive(Debug, Clone, Copy)]
pub struct ReadMasks {
    /// On rows the caller owns.
    pub own: FieldMask,
    /// On other rows.
    pub other: FieldMask,
}

impl ReadMasks {
    /// The mask of `row` for the caller behind `auth`.
    pub fn of<R: Resource>(&self, auth: &Authorized<R>, row: &R) -> FieldMask {
        if self.own == self.other || !auth.owns(row) { self.other } else { self.own }
    }
}

/// Decides whether `who` may perform `action` on `R`: 401 without a token when one is needed,
/// 403 when the token's roles do not grant it, else the row scope.
pub fn authorize<R: Resource>(who: Option<&Principal>, action: Action) -> Result<Authorized<R>, ApiError> {
    let policy = R::policy();
    let caller = who.map_or(Caller::Anonymous, Principal::caller);
    match policy.decide(action, caller) {
        Decision::Deny => Err(match who {
            None => ApiError::Unauthorized { detail: "a bearer token is required", token_presented: false },
            Some(_) => ApiError::Forbidden,
        }),
        Decision::Allow(scope) => {
            let tenant = match (&policy.tenant, who) {
                (Some(t), Some(p)) if scope.tenant => {
                    // A multi-tenant row cannot be reached without a tenant of the field's type.
                    let value = p.tenant(&t.claim).ok_or(ApiError::Forbidden)?;
                    let uuid_field = policy.field(&t.field).is_some_and(|f| f.ty == FieldType::Uuid);
                    if uuid_field && securegen_model::values::parse_uuid(value).is_none() {
                        return Err(ApiError::Forbidden);
                    }
                    Some(value.to_owned())
                }
                _ => None,
            };
            Ok(Authorized {
                action,
                subject: who.map(|p| p.subject.clone()),
                roles: who.map(|p| p.roles.clone()).unwrap_or_default(),
                owner: if scope.owner { who.map(|p| p.subject.clone()) } else { None },
                tenant,
                parent: None,
                _resource: PhantomData,
            })
        }
    }
}

/// Checks the keys of a `create` or `update` body (OWASP API6, mass assignment): every key must
/// be a field this caller may write in this action. All offending keys are reported at once
/// and nothing is written. `owns_row` tells whether `owner`-gated fields may be written.
pub fn check_writable<R: Resource>(
    auth: &Authorized<R>,
    body: &Map<String, Value>,
    owns_row: bool,
) -> Result<(), ApiError> {
    let policy = R::policy();
    let caller = auth.caller();
    let action = auth.action();
    let mut errors = Vec::new();
    for key in body.keys() {
        let pointer = || format!("/{}", escape_pointer(key));
        match policy.field(key) {
            None => errors.push(FieldError::new(
                pointer(),
                format!("`{}` has no field `{}`", policy.name, crate::audit::clean(key)),
            )),
            Some(f) => {
                let allowed = match f.write_grant(action, caller) {
                    Grant::Always => true,
                    Grant::OwnRows => owns_row,
                    Grant::Never => false,
                };
                if !allowed {
                    errors
                        .push(FieldError::new(pointer(), format!("`{key}` may not be written in {}", action.as_str())));
                }
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Unprocessable { errors }) }
}

/// RFC 6901 escaping of one pointer segment.
pub(crate) fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
