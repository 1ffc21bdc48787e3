//! `POST /resources`, `PATCH /resources/{id}`, `DELETE /resources/{id}`. A body is read
//! defensively, checked key by key against what this caller may write (API6), validated,
//! handed to the hooks as a typed value, validated again, and only then written.

use std::sync::Arc;

use axum::extract::{RawPathParams, Request, State};
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use securegen_model::Action;
use serde_json::{Map, Value};

use super::Registered;
use super::ctx::{Ctx, Target, begin, row_id};
use crate::access::check_writable;
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::hooks::{typed, untyped};
use crate::resource::Resource;

/// Reads the body of a create (`current` is `None`) or of an update of `current`: media type,
/// size, syntax, then which keys this caller may write, then every value; then the hooks,
/// whose changes are validated like the client's.
async fn body<R: Resource>(
    ctx: &Ctx<'_, R>,
    parts: &Parts,
    raw: axum::body::Body,
    current: Option<&R>,
) -> Result<Map<String, Value>, ApiError> {
    let policy = R::policy();
    let reg = ctx.reg;
    let map = crate::body::read_object(&parts.headers, raw, policy.limits.body.0).await?;
    let owns_row = current.is_none_or(|row| ctx.auth.owns(row));
    check_writable(&ctx.auth, &map, owns_row)?;
    let action = ctx.auth.action();
    let map = reg.rules.validate(policy, action, map)?;
    if !reg.hooks_active {
        reg.shared.refs.check(policy, ctx.principal.as_ref(), &map).await?;
        return Ok(map);
    }
    let changed = match current {
        None => {
            let mut body: R::Create = typed(&map)?;
            reg.hooks.before_create(&ctx.call(), &mut body)?;
            untyped(&body)?
        }
        Some(row) => {
            let mut changes: R::Update = typed(&map)?;
            reg.hooks.before_update(&ctx.call(), row, &mut changes)?;
            untyped(&changes)?
        }
    };
    let changed = reg.rules.validate(policy, action, changed)?;
    // After the hooks: a reference a hook wrote is checked like the client's.
    reg.shared.refs.check(policy, ctx.principal.as_ref(), &changed).await?;
    Ok(changed)
}

pub(super) async fn create<R: Resource>(
    State(reg): State<Arc<Registered<R>>>,
    params: RawPathParams,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, raw) = req.into_parts();
    let ctx = begin(&reg, &parts, Action::Create, &Target::of(&params)).await?;
    let values = body(&ctx, &parts, raw, None).await.map_err(|e| ctx.refused(None, e))?;
    let row = reg.table.insert(&ctx.auth, &values).await.map_err(|e| ctx.refused(None, e))?;
    reg.hooks.after_create(&ctx.call(), &row.value);
    let id = row.value.id().hyphenated().to_string();
    ctx.audit(Some(&id), StatusCode::CREATED);
    let mut response = ctx.respond_row(StatusCode::CREATED, &row);
    // The collection as requested (a nested one names its parents), then the new id.
    if let Ok(location) = HeaderValue::from_str(&format!("{}/{id}", parts.uri.path())) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

pub(super) async fn update<R: Resource>(
    State(reg): State<Arc<Registered<R>>>,
    params: RawPathParams,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, raw) = req.into_parts();
    let target = Target::of(&params);
    let ctx = begin(&reg, &parts, Action::Update, &target).await?;
    let id = target.id().unwrap_or_default();
    let refuse = |e| ctx.refused(Some(id), e);
    let condition = if R::policy().etag {
        Some(
            IfMatch::from_headers(&parts.headers)
                .map_err(refuse)?
                .ok_or_else(|| refuse(ApiError::PreconditionRequired))?,
        )
    } else {
        None
    };
    let uuid = row_id(id).ok_or_else(|| refuse(ApiError::NotFound))?;
    let current = reg.table.fetch(&ctx.auth, uuid).await?.ok_or_else(|| refuse(ApiError::NotFound))?;
    // The condition is evaluated on the row in scope, before the body is read (RFC 9110).
    let version = match (&condition, current.version) {
        (Some(c), Some(v)) if c.matches(v) => Some(v),
        (Some(_), _) => return Err(refuse(ApiError::PreconditionFailed)),
        (None, _) => None,
    };
    let changes = body(&ctx, &parts, raw, Some(&current.value)).await.map_err(refuse)?;
    let Some(row) = reg.table.update(&ctx.auth, uuid, &changes, version).await.map_err(refuse)? else {
        // Changed or deleted since it was read.
        let e = if version.is_some() { ApiError::PreconditionFailed } else { ApiError::NotFound };
        return Err(refuse(e));
    };
    reg.hooks.after_update(&ctx.call(), &row.value);
    ctx.audit(Some(id), StatusCode::OK);
    Ok(ctx.respond_row(StatusCode::OK, &row))
}

pub(super) async fn delete<R: Resource>(
    State(reg): State<Arc<Registered<R>>>,
    params: RawPathParams,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let target = Target::of(&params);
    let ctx = begin(&reg, &parts, Action::Delete, &target).await?;
    let id = target.id().unwrap_or_default();
    let refuse = |e| ctx.refused(Some(id), e);
    let uuid = row_id(id).ok_or_else(|| refuse(ApiError::NotFound))?;
    // Hooks see only a row already known to be in the caller's scope.
    let row = if reg.hooks_active {
        let row = reg.table.fetch(&ctx.auth, uuid).await?.ok_or_else(|| refuse(ApiError::NotFound))?;
        reg.hooks.before_delete(&ctx.call(), &row.value).map_err(refuse)?;
        Some(row)
    } else {
        None
    };
    if !reg.table.delete(&ctx.auth, uuid).await.map_err(refuse)? {
        return Err(refuse(ApiError::NotFound));
    }
    if let Some(row) = &row {
        reg.hooks.after_delete(&ctx.call(), &row.value);
    }
    ctx.audit(Some(id), StatusCode::NO_CONTENT);
    let mut response = ctx.respond(StatusCode::NO_CONTENT, Vec::new(), None);
    response.headers_mut().remove(axum::http::header::CONTENT_TYPE);
    Ok(response)
}
