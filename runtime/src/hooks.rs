//! Business logic around each action, without editing generated code. Hooks run after
//! authentication, authorization, the rate limit, the write allowlist and validation, and
//! only on rows already known to be in the caller's scope: they cannot reach a row outside
//! it, they see typed values, and whatever they change is validated again like the client's
//! own values (server fields are still set by the runtime, which refuses to write the id,
//! the owner, the tenant or a server field whatever a hook puts in the changes).

use crate::error::ApiError;
use crate::resource::Resource;

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
/// `before_*` hook stops the action and is answered as it is (and audited like any refusal).
pub trait Hooks<R: Resource>: Send + Sync + 'static {
    /// Before a row is created, with the body that passed the allowlist and validation.
    fn before_create(&self, _call: &Call<'_>, _body: &mut R::Create) -> Result<(), ApiError> {
        Ok(())
    }
    /// After a row was created (the stored row, unmasked).
    fn after_create(&self, _call: &Call<'_>, _row: &R) {}
    /// Before a row in the caller's scope is updated, with the row and the changes.
    fn before_update(&self, _call: &Call<'_>, _current: &R, _changes: &mut R::Update) -> Result<(), ApiError> {
        Ok(())
    }
    /// After a row was updated.
    fn after_update(&self, _call: &Call<'_>, _row: &R) {}
    /// Before a row in the caller's scope is deleted.
    fn before_delete(&self, _call: &Call<'_>, _row: &R) -> Result<(), ApiError> {
        Ok(())
    }
    /// After a row was deleted.
    fn after_delete(&self, _call: &Call<'_>, _row: &R) {}
}

/// No business logic.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl<R: Resource> Hooks<R> for NoHooks {}

/// Reads a typed body (a generated `XCreate` or `XUpdate`) from the validated JSON body.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    map: &serde_json::Map<String, serde_json::Value>,
) -> Result<T, ApiError> {
    T::deserialize(serde_json::Value::Object(map.clone())).map_err(|e| {
        tracing::error!(error = %e, "a validated body does not fit its generated type");
        ApiError::Internal
    })
}

/// Writes a typed body back as JSON, for validation again.
pub(crate) fn untyped<T: serde::Serialize>(value: &T) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => {
            tracing::error!("a generated body type did not serialize to an object");
            Err(ApiError::Internal)
        }
    }
}
