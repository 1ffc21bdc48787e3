//! References between resources (`type: ref`): writing one requires the row it points at to
//! be readable by the caller at that moment, checked with the target's own read policy and
//! scope (OWASP API1: no attaching someone else's object by its id). A hidden row and a
//! missing one answer the same 422. The database's foreign key keeps the reference true
//! afterwards (a delete of a referenced row is a 409, or cascades when the spec says so).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use securegen_model::{Action, Resource as Policy};
use serde_json::{Map, Value};

use crate::access::{authorize, escape_pointer};
use crate::auth::Principal;
use crate::db::{Db, Table};
use crate::error::{ApiError, FieldError};
use crate::resource::Resource;

/// Whether a caller may read the row with an id (for a nested resource: among the children
/// of a parent row): the target's read check, type-erased.
pub(crate) type Readable = Arc<
    dyn Fn(
            Option<Principal>,
            uuid::Uuid,
            Option<uuid::Uuid>,
        ) -> Pin<Box<dyn Future<Output = Result<bool, ApiError>> + Send>>
        + Send
        + Sync,
>;

/// The read checks of every registered resource, by name.
#[derive(Clone, Default)]
pub(crate) struct References(HashMap<String, Readable>);

impl std::fmt::Debug for References {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// The read check of `R` (below `ancestors`, nearest first) on `db`: authorized to read, and
/// the row in the caller's scope.
pub(crate) fn readable<R: Resource>(db: &Db, ancestors: &[&Policy]) -> Readable {
    let table = Table::<R>::nested(db.clone(), ancestors);
    Arc::new(move |who: Option<Principal>, id: uuid::Uuid, parent: Option<uuid::Uuid>| {
        let table = table.clone();
        Box::pin(async move {
            match authorize::<R>(who.as_ref(), Action::Read) {
                Ok(auth) => {
                    let auth = match parent {
                        Some(p) => auth.within(p),
                        None => auth,
                    };
                    Ok(table.fetch(&auth, id).await?.is_some())
                }
                Err(_) => Ok(false),
            }
        })
    })
}

impl References {
    /// The checks, by resource name.
    pub(crate) fn new(checks: impl IntoIterator<Item = (String, Readable)>) -> Self {
        Self(checks.into_iter().collect())
    }

    /// Whether `who` reaches the row path `ids` names through `chain` (resource names from
    /// the top-level one down, one id each): each row readable by the caller under its own
    /// policy, and each the child of the one before. One answer for a missing and a hidden
    /// row, at any level.
    pub(crate) async fn reaches(
        &self,
        chain: &[String],
        who: Option<&Principal>,
        ids: &[uuid::Uuid],
    ) -> Result<bool, ApiError> {
        let mut parent = None;
        for (name, id) in chain.iter().zip(ids) {
            let Some(check) = self.0.get(name) else { return Ok(false) };
            if !check(who.cloned(), *id, parent).await? {
                return Ok(false);
            }
            parent = Some(*id);
        }
        Ok(chain.len() == ids.len())
    }
}

/// Why a reference of `policy` cannot be served, among the `registered` policies: its target
/// is not registered, has no `read`, or is not stored where the foreign key points (an
/// annotated struct's reference assumes the target's default table and `id`).
pub(crate) fn unservable(policy: &Policy, registered: &[&Policy]) -> Option<(String, String)> {
    policy.fields.iter().find_map(|f| {
        // A parent key is checked with its resource's nesting (`service::unnestable`).
        let r = f.reference.as_ref().filter(|_| f.server != Some(securegen_model::ServerValue::Parent))?;
        let why = match registered.iter().find(|p| p.name == r.to) {
            None => format!("`{}` is not registered: register it too", r.to),
            Some(t) if !t.access.contains_key(&Action::Read) => {
                format!("`{}` has no `read` action, so no caller could point at one of its rows", r.to)
            }
            Some(t) if t.parent.is_some() => {
                format!("`{}` is nested: a reference would reach its rows around its parent", r.to)
            }
            Some(t) if t.table != r.table || t.id != r.column => format!(
                "`{}` is stored in {}.{}, not {}.{}: give it the default plural and an `id` field",
                r.to, t.table, t.id, r.table, r.column
            ),
            Some(_) => return None,
        };
        Some((f.name.clone(), why))
    })
}

impl References {
    /// Checks each reference `body` writes: the row must be one `who` may read. Every
    /// refused field is reported, as "no such {resource}", whether it is missing or hidden.
    pub(crate) async fn check(
        &self,
        policy: &Policy,
        who: Option<&Principal>,
        body: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        for f in &policy.fields {
            let (Some(reference), Some(value)) = (&f.reference, body.get(&f.name)) else { continue };
            let Some(id) = value.as_str().and_then(securegen_model::values::parse_uuid) else { continue };
            let readable = match self.0.get(&reference.to) {
                Some(check) => check(who.cloned(), id, None).await?,
                // Registration refuses a reference to a resource that is not served.
                None => false,
            };
            if !readable {
                errors.push(FieldError::new(
                    format!("/{}", escape_pointer(&f.name)),
                    format!("no such {}", reference.to),
                ));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(ApiError::Unprocessable { errors }) }
    }
}
