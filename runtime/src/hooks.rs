//! Business logic around each action, without editing generated code. Hooks run after
//! authentication, authorization, the rate limit, the write allowlist and validation: they
//! cannot reach a row outside the caller's scope, they see a well-typed body, and whatever
//! they change is validated again like the client's own values (server fields are still set
//! by the runtime).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::access::Resource;
use crate::error::ApiError;

/// The caller of an action, as hooks see it.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The token subject (`None` for anonymous callers).
    pub subject: Option<&'a str>,
    /// The token's roles.
    pub roles: &'a [String],
    /// The request id, for logs.
    pub request_id: &'a str,
}

/// Hooks around the actions of `R`; every method defaults to doing nothing. An error from a
/// `before_*` hook stops the action and is answered as it is (it is audited like any refusal).
pub trait Hooks<R: Resource>: Send + Sync + 'static {
    /// Before a row is created, with the body that passed the allowlist.
    fn before_create(&self, _call: &Call<'_>, _body: &mut Map<String, Value>) -> Result<(), ApiError> {
        Ok(())
    }
    /// After a row was created (the stored row, unmasked).
    fn after_create(&self, _call: &Call<'_>, _row: &Map<String, Value>) {}
    /// Before a row is updated, with the current row (unmasked) and the changes.
    fn before_update(
        &self,
        _call: &Call<'_>,
        _current: &Map<String, Value>,
        _changes: &mut Map<String, Value>,
    ) -> Result<(), ApiError> {
        Ok(())
    }
    /// After a row was updated.
    fn after_update(&self, _call: &Call<'_>, _row: &Map<String, Value>) {}
    /// Before a row is deleted.
    fn before_delete(&self, _call: &Call<'_>, _id: &str) -> Result<(), ApiError> {
        Ok(())
    }
    /// After a row was deleted.
    fn after_delete(&self, _call: &Call<'_>, _id: &str) {}
}

/// No business logic.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl<R: Resource> Hooks<R> for NoHooks {}

/// The hooks of one resource, as a request extension.
pub(crate) struct HookSet<R>(pub(crate) Arc<dyn Hooks<R>>);

impl<R> Clone for HookSet<R> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

/// Reads a typed value (a generated DTO) from a row or body.
pub fn from_map<T: serde::de::DeserializeOwned>(map: &Map<String, Value>) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(map.clone())).map_err(|e| {
        tracing::error!(error = %e, "a row or body does not fit its generated type");
        ApiError::Internal
    })
}

/// Writes a typed value (a generated DTO) back as a body; absent optional fields stay absent.
pub fn to_map<T: serde::Serialize>(value: &T) -> Result<Map<String, Value>, ApiError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(m)) => Ok(m),
        _ => {
            tracing::error!("a generated type did not serialize to an object");
            Err(ApiError::Internal)
        }
    }
}
