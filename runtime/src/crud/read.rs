//! `GET /resources/{id}` and `GET /resources?limit=&cursor=`.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use securegen_model::Action;

use super::Registered;
use super::ctx::{begin, row_id};
use crate::error::ApiError;
use crate::resource::Resource;

pub(super) async fn read<R: Resource>(
    State(reg): State<Arc<Registered<R>>>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let ctx = begin(&reg, &parts, Action::Read, Some(&id))?;
    let found = match row_id(&id) {
        Some(uuid) => reg.table.fetch(&ctx.auth, uuid).await?,
        None => None,
    };
    let Some(row) = found else {
        return Err(ctx.refused(Some(&id), ApiError::NotFound));
    };
    ctx.audit(Some(&id), StatusCode::OK);
    Ok(ctx.respond_row(StatusCode::OK, &row))
}

pub(super) async fn list<R: Resource>(
    State(reg): State<Arc<Registered<R>>>,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let ctx = begin(&reg, &parts, Action::List, None)?;
    let policy = R::policy();
    let page = crate::page::parse_query(parts.uri.query(), policy.limits.page_default, policy.limits.page_max)
        .map_err(|e| ctx.refused(None, e))?;
    let after = match &page.cursor {
        Some(c) => Some(reg.shared.cursors.decode(&policy.name, c).map_err(|e| ctx.refused(None, e))?),
        None => None,
    };
    let mut rows = reg.table.page(&ctx.auth, after, page.limit.saturating_add(1)).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = if more { rows.last().map(|r| reg.shared.cursors.encode(&policy.name, r.value.id())) } else { None };
    let masks = ctx.auth.read_masks();
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
