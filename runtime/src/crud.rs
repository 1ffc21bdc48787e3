//! The HTTP contract of a resource (DESIGN.md §5), generic over its policy: every handler
//! authenticates, authorizes, rate-limits, checks and validates in the same order, and audits
//! what it did. A resource only states its policy ([`Resource`]); the checks live here.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::header::{ETAG, IF_MATCH, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use securegen_model::{Action, Keyword};
use serde_json::{Map, Value, json};

use crate::access::{Authorized, Resource, authorize, check_writable, view};
use crate::audit::{self, Event};
use crate::auth::Principal;
use crate::db::{self, Db};
use crate::error::{ApiError, RateInfo};
use crate::hooks::{Call, HookSet, Hooks, NoHooks};
use crate::rules::rules_for;
use crate::security::Security;

/// What every handler knows after the common steps.
struct Ctx<R> {
    security: Arc<Security>,
    auth: Authorized<R>,
    request_id: String,
    rate: RateInfo,
    hooks: Arc<dyn Hooks<R>>,
}

fn security(parts: &Parts) -> Result<Arc<Security>, ApiError> {
    parts.extensions.get::<Arc<Security>>().cloned().ok_or_else(|| {
        tracing::error!("no security context: wrap the router with Security::apply");
        ApiError::Internal
    })
}

/// Why a request was refused, for the audit log.
fn reason(e: &ApiError) -> &'static str {
    match e {
        ApiError::Unauthorized { detail, .. } => detail,
        ApiError::Forbidden => "the caller's roles do not grant the action",
        ApiError::NotFound => "no such row in the caller's scope",
        ApiError::Unprocessable { .. } => "the body was refused",
        ApiError::PayloadTooLarge { .. } => "the body is too large",
        ApiError::TooManyRequests { .. } => "rate limit exceeded",
        ApiError::PreconditionFailed | ApiError::PreconditionRequired => "version precondition",
        _ => "refused",
    }
}

fn refuse(parts: &Parts, subject: Option<&str>, action: Action, resource: &str, id: Option<&str>, e: &ApiError) {
    audit::emit(&Event {
        request_id: audit::request_id(parts),
        subject,
        action: action.as_str(),
        resource,
        id,
        status: e.status().as_u16(),
        reason: reason(e),
    });
}

/// Authenticate (401), authorize (401/403), rate-limit (429): the steps every action takes,
/// audited when they refuse.
fn begin<R: Resource>(parts: &Parts, action: Action, id: Option<&str>) -> Result<Ctx<R>, ApiError> {
    let security = security(parts)?;
    let policy = R::policy();
    let principal: Option<Principal> = security.verifier.from_parts(parts).inspect_err(|e| {
        refuse(parts, None, action, &policy.name, id, e);
    })?;
    let subject = principal.as_ref().map(|p| p.subject.as_str());
    let auth = authorize::<R>(principal.as_ref(), action)
        .inspect_err(|e| refuse(parts, subject, action, &policy.name, id, e))?;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let client: Option<IpAddr> = crate::limits::client_ip(peer, &parts.headers, security.trusted_proxies);
    let rate = match security.limiter(&policy.name) {
        Some(l) => l.check(subject, client).inspect_err(|e| refuse(parts, subject, action, &policy.name, id, e))?,
        None => RateInfo { limit: 0, remaining: 0, reset: 0, window: 0 },
    };
    let request_id = audit::request_id(parts).unwrap_or("-").to_owned();
    let hooks = parts
        .extensions
        .get::<HookSet<R>>()
        .map_or_else(|| Arc::new(NoHooks) as Arc<dyn Hooks<R>>, |h| Arc::clone(&h.0));
    Ok(Ctx { security, auth, request_id, rate, hooks })
}

impl<R: Resource> Ctx<R> {
    fn call(&self) -> Call<'_> {
        Call { subject: self.auth.subject(), roles: self.auth.roles(), request_id: &self.request_id }
    }

    fn audit(&self, id: Option<&str>, status: StatusCode) {
        let action = self.auth.action();
        if action.is_write() || R::policy().audit == securegen_model::AuditLevel::All {
            audit::emit(&Event {
                request_id: Some(&self.request_id),
                subject: self.auth.subject(),
                action: action.as_str(),
                resource: &R::policy().name,
                id,
                status: status.as_u16(),
                reason: "ok",
            });
        }
    }

    fn refused(&self, id: Option<&str>, e: ApiError) -> ApiError {
        audit::emit(&Event {
            request_id: Some(&self.request_id),
            subject: self.auth.subject(),
            action: self.auth.action().as_str(),
            resource: &R::policy().name,
            id,
            status: e.status().as_u16(),
            reason: reason(&e),
        });
        e
    }

    /// A JSON response with the rate-limit, ETag and deprecation headers.
    fn respond(&self, status: StatusCode, body: &Value, version: Option<i64>) -> Response {
        let mut response = (status, axum::Json(body)).into_response();
        let h = response.headers_mut();
        if self.rate.limit > 0 {
            self.rate.write_headers(h);
        }
        if let Some(v) = version.and_then(|v| HeaderValue::from_str(&format!("\"{v}\"")).ok()) {
            h.insert(ETAG, v);
        }
        deprecation_headers(R::policy(), h);
        response
    }
}

fn deprecation_headers(policy: &securegen_model::Resource, h: &mut HeaderMap) {
    if policy.deprecated {
        h.insert(HeaderName::from_static("deprecation"), HeaderValue::from_static("true"));
    }
    if let Some(date) = policy.sunset.as_deref().and_then(http_date)
        && let Ok(v) = HeaderValue::from_str(&date)
    {
        h.insert(HeaderName::from_static("sunset"), v);
    }
}

/// `YYYY-MM-DD` as an IMF-fixdate at midnight UTC (RFC 9110 §5.6.7).
fn http_date(date: &str) -> Option<String> {
    let d = securegen_model::limits::parse_date(date).ok()?;
    let imf = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] 00:00:00 GMT");
    d.format(imf).ok()
}

fn split_version<R: Resource>(mut row: Map<String, Value>) -> (Map<String, Value>, Option<i64>) {
    let v = if R::policy().etag { db::take_version(&mut row) } else { None };
    (row, v)
}

/// Reads the body of a create or update: size, media type, syntax, then which keys this
/// caller may write, then every value.
async fn body<R: Resource>(
    ctx: &Ctx<R>,
    parts: &Parts,
    body: axum::body::Body,
    current: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, ApiError> {
    let policy = R::policy();
    let map = crate::body::read_object(&parts.headers, body, policy.limits.body.0).await?;
    let owns_row = current.is_none_or(|row| ctx.auth.owns(row));
    check_writable(&ctx.auth, &map, owns_row)?;
    let rules = rules_for(policy);
    let mut map = rules.validate(policy, ctx.auth.action(), map)?;
    match current {
        None => ctx.hooks.before_create(&ctx.call(), &mut map)?,
        Some(row) => ctx.hooks.before_update(&ctx.call(), row, &mut map)?,
    }
    // What the hooks changed is validated like the client's values.
    rules.validate(policy, ctx.auth.action(), map)
}

async fn create<R: Resource>(State(db): State<Db>, req: Request) -> Result<Response, ApiError> {
    let (parts, raw) = req.into_parts();
    let ctx = begin::<R>(&parts, Action::Create, None)?;
    let values = body(&ctx, &parts, raw, None).await.map_err(|e| ctx.refused(None, e))?;
    let stored = db::insert(&db, &ctx.auth, values).await?;
    ctx.hooks.after_create(&ctx.call(), &stored);
    let (stored, version) = split_version::<R>(stored);
    let id = stored.get(&R::policy().id).and_then(Value::as_str).unwrap_or_default().to_owned();
    ctx.audit(Some(&id), StatusCode::CREATED);
    let mut response = ctx.respond(StatusCode::CREATED, &Value::Object(view(&ctx.auth, stored)), version);
    if let Ok(loc) = HeaderValue::from_str(&format!("{}/{id}", R::policy().path)) {
        response.headers_mut().insert(LOCATION, loc);
    }
    Ok(response)
}

async fn read<R: Resource>(State(db): State<Db>, Path(id): Path<String>, req: Request) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let ctx = begin::<R>(&parts, Action::Read, Some(&id))?;
    let Some(row) = db::fetch(&db, &ctx.auth, &id).await? else {
        return Err(ctx.refused(Some(&id), ApiError::NotFound));
    };
    let (row, version) = split_version::<R>(row);
    ctx.audit(Some(&id), StatusCode::OK);
    Ok(ctx.respond(StatusCode::OK, &Value::Object(view(&ctx.auth, row)), version))
}

async fn list<R: Resource>(State(db): State<Db>, req: Request) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let ctx = begin::<R>(&parts, Action::List, None)?;
    let policy = R::policy();
    let page = crate::page::parse_query(parts.uri.query(), policy.limits.page_default, policy.limits.page_max)
        .map_err(|e| ctx.refused(None, e))?;
    let after = match &page.cursor {
        Some(c) => Some(ctx.security.cursors.decode(&policy.name, c).map_err(|e| ctx.refused(None, e))?),
        None => None,
    };
    let mut rows = db::page(&db, &ctx.auth, page.limit + 1, after.as_deref()).await?;
    let more = rows.len() > page.limit as usize;
    rows.truncate(page.limit as usize);
    let next = if more {
        rows.last()
            .and_then(|r| r.get(&policy.id))
            .and_then(Value::as_str)
            .map(|last| ctx.security.cursors.encode(&policy.name, last))
    } else {
        None
    };
    let items: Vec<Value> = rows.into_iter().map(|r| Value::Object(view(&ctx.auth, split_version::<R>(r).0))).collect();
    ctx.audit(None, StatusCode::OK);
    Ok(ctx.respond(StatusCode::OK, &json!({ "items": items, "next_cursor": next }), None))
}

async fn update<R: Resource>(State(db): State<Db>, Path(id): Path<String>, req: Request) -> Result<Response, ApiError> {
    let (parts, raw) = req.into_parts();
    let ctx = begin::<R>(&parts, Action::Update, Some(&id))?;
    let policy = R::policy();
    let expected = if policy.etag {
        let Some(tag) = parts.headers.get(IF_MATCH) else {
            return Err(ctx.refused(Some(&id), ApiError::PreconditionRequired));
        };
        let parsed = tag
            .to_str()
            .ok()
            .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|t| t.parse::<i64>().ok());
        Some(parsed.ok_or_else(|| ctx.refused(Some(&id), ApiError::PreconditionFailed))?)
    } else {
        None
    };
    let Some(current) = db::fetch(&db, &ctx.auth, &id).await? else {
        return Err(ctx.refused(Some(&id), ApiError::NotFound));
    };
    let changes = body(&ctx, &parts, raw, Some(&current)).await.map_err(|e| ctx.refused(Some(&id), e))?;
    let Some(row) = db::update(&db, &ctx.auth, &id, &changes, expected).await? else {
        let e = if expected.is_some() { ApiError::PreconditionFailed } else { ApiError::NotFound };
        return Err(ctx.refused(Some(&id), e));
    };
    ctx.hooks.after_update(&ctx.call(), &row);
    let (row, version) = split_version::<R>(row);
    ctx.audit(Some(&id), StatusCode::OK);
    Ok(ctx.respond(StatusCode::OK, &Value::Object(view(&ctx.auth, row)), version))
}

async fn delete<R: Resource>(State(db): State<Db>, Path(id): Path<String>, req: Request) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let ctx = begin::<R>(&parts, Action::Delete, Some(&id))?;
    ctx.hooks.before_delete(&ctx.call(), &id).map_err(|e| ctx.refused(Some(&id), e))?;
    if !db::delete(&db, &ctx.auth, &id).await? {
        return Err(ctx.refused(Some(&id), ApiError::NotFound));
    }
    ctx.hooks.after_delete(&ctx.call(), &id);
    ctx.audit(Some(&id), StatusCode::NO_CONTENT);
    let mut response = StatusCode::NO_CONTENT.into_response();
    if ctx.rate.limit > 0 {
        ctx.rate.write_headers(response.headers_mut());
    }
    deprecation_headers(R::policy(), response.headers_mut());
    Ok(response)
}

/// The routes of `R` with business-logic hooks around its actions.
pub fn routes_with<R: Resource>(hooks: Arc<dyn Hooks<R>>) -> Router<Db> {
    routes::<R>().layer(axum::Extension(HookSet(hooks)))
}

/// The routes of `R`: only the granted actions have a handler; another method on a routed
/// path is a 405 with `Allow`.
pub fn routes<R: Resource>() -> Router<Db> {
    let policy = R::policy();
    let granted = |a: Action| policy.access.contains_key(&a);
    let mut collection: Option<MethodRouter<Db>> = None;
    let mut item: Option<MethodRouter<Db>> = None;
    let add = |slot: &mut Option<MethodRouter<Db>>, m: MethodRouter<Db>| {
        *slot = Some(match slot.take() {
            Some(existing) => existing.merge(m),
            None => m,
        });
    };
    if granted(Action::Create) {
        add(&mut collection, axum::routing::post(create::<R>));
    }
    if granted(Action::List) {
        add(&mut collection, axum::routing::get(list::<R>));
    }
    if granted(Action::Read) {
        add(&mut item, axum::routing::get(read::<R>));
    }
    if granted(Action::Update) {
        add(&mut item, axum::routing::patch(update::<R>));
    }
    if granted(Action::Delete) {
        add(&mut item, axum::routing::delete(delete::<R>));
    }
    let mut router = Router::new();
    if let Some(c) = collection {
        router = router.route(&policy.path, c);
    }
    if let Some(i) = item {
        router = router.route(&format!("{}/{{id}}", policy.path), i);
    }
    router
}

#[cfg(test)]
mod tests {
    #[test]
    fn sunset_dates_are_http_dates() {
        assert_eq!(super::http_date("2027-06-30").as_deref(), Some("Wed, 30 Jun 2027 00:00:00 GMT"));
        assert_eq!(super::http_date("2026-11-22").as_deref(), Some("Sun, 22 Nov 2026 00:00:00 GMT"));
    }
}
