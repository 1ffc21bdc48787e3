//! `GET /resources/{id}` and `GET /resources?limit=&cursor=`.

use std::sync::Arc;

use axum::extract::{RawPathParams, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use securegen_model::Action;

use super::Registered;
use super::ctx::{Target, begin, row_id};
use crate::db::bind::Bind;
use crate::error::ApiError;
use crate::resource::Resource;

pub(super) async fn read<R: Resource>(
    State(reg): State<Arc<Registered<R>>>,
    params: RawPathParams,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let target = Target::of(&params);
    let ctx = begin(&reg, &parts, Action::Read, &target).await?;
    let id = target.id().unwrap_or_default();
    let found = match row_id(id) {
        Some(uuid) => reg.table.fetch(&ctx.auth, uuid).await?,
        None => None,
    };
    let Some(row) = found else {
        return Err(ctx.refused(Some(id), ApiError::NotFound));
    };
    ctx.audit(Some(id), StatusCode::OK);
    Ok(ctx.respond_row(StatusCode::OK, &row))
}

pub(super) async fn list<R: Resource>(
    State(reg): State<Arc<Registered<R>>>,
    params: RawPathParams,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let ctx = begin(&reg, &parts, Action::List, &Target::of(&params)).await?;
    let policy = R::policy();
    let masks = ctx.auth.read_masks();
    let caller = ctx.auth.caller();
    let visible = |i: usize| policy.may_query_by(&policy.fields[i], caller);
    let query =
        crate::query::parse(policy, &reg.rules, parts.uri.query(), visible).map_err(|e| ctx.refused(None, e))?;
    let cursors = &reg.shared.cursors;
    let after = match &query.page.cursor {
        Some(c) => Some(cursor_position(cursors, policy, &query, c).map_err(|e| ctx.refused(None, e))?),
        None => None,
    };
    let limit = query.page.limit;
    let mut rows = if query.is_plain() {
        reg.table.page(&ctx.auth, after.map(|(id, _)| id), limit.saturating_add(1)).await?
    } else {
        reg.table.query(&ctx.auth, &query, after, limit.saturating_add(1)).await?
    };
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some(last) if more => Some(next_cursor(cursors, policy, &query, &last.value)),
        _ => None,
    };
    let mut body = Vec::with_capacity(64 + rows.len() * 256);
    body.extend_from_slice(b"{\"items\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        ctx.view(&row.value, &masks, &mut body);
    }
    body.extend_from_slice(b"],\"next_cursor\":");
    match next {
        // Cursors are URL-safe base64: nothing to escape.
        Some(c) => {
            body.push(b'"');
            body.extend_from_slice(c.as_bytes());
            body.push(b'"');
        }
        None => body.extend_from_slice(b"null"),
    }
    body.push(b'}');
    ctx.audit(None, StatusCode::OK);
    Ok(ctx.respond(StatusCode::OK, body, None))
}

/// Where a cursor continues: the id after which, and (for a sorted list) the sort value.
fn cursor_position(
    cursors: &crate::page::Cursors,
    policy: &securegen_model::Resource,
    query: &crate::query::ListQuery,
    cursor: &str,
) -> Result<(uuid::Uuid, Option<Bind>), ApiError> {
    let (id, extra) = cursors.decode_in(&policy.name, &query.fingerprint, cursor)?;
    let Some(sort) = query.sort else { return Ok((id, None)) };
    // The sort value was written by this service and signed with the query: it decodes.
    let field = &policy.fields[sort.field];
    let value = serde_json::from_slice::<serde_json::Value>(&extra).ok().and_then(|v| Bind::of(field, &v));
    match value {
        Some(v) => Ok((id, Some(v))),
        None => Err(ApiError::BadRequest {
            detail: "the cursor is not one this service issued for this query".to_owned(),
            errors: vec![crate::error::FieldError::new("/cursor", "invalid cursor")],
        }),
    }
}

/// The cursor after `last`: its id, and its sort value when the list is sorted.
fn next_cursor<R: Resource>(
    cursors: &crate::page::Cursors,
    policy: &securegen_model::Resource,
    query: &crate::query::ListQuery,
    last: &R,
) -> String {
    let extra = match query.sort {
        Some(sort) => {
            let mut json = Vec::with_capacity(64);
            let mut o = crate::json::JsonObject::open(&mut json);
            last.write_json(crate::resource::FieldMask::default().with(sort.field), &mut o);
            o.close();
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&json)
                .ok()
                .and_then(|m| m.get(&policy.fields[sort.field].name).map(|v| v.to_string().into_bytes()))
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    cursors.encode_in(&policy.name, &query.fingerprint, last.id(), &extra)
}
