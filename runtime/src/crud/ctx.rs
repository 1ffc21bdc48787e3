//! The steps every action takes before its own work — authenticate (401), authorize
//! (401/403), rate-limit (429), each audited when it refuses — and what every answer shares:
//! audit lines, rate-limit and lifecycle headers, the JSON view of a row.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, ETAG};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use securegen_model::{Action, AuditLevel, Keyword};

use super::Registered;
use crate::access::{Authorized, ReadMasks, authorize};
use crate::audit::{self, Event};
use crate::error::{ApiError, RateInfo};
use crate::hooks::Call;
use crate::json::JsonObject;
use crate::resource::{Resource, Row};

/// What a handler knows after the common steps.
pub(super) struct Ctx<'a, R: Resource> {
    pub(super) reg: &'a Registered<R>,
    pub(super) auth: Authorized<R>,
    /// The verified caller, for checks on other resources (references).
    pub(super) principal: Option<crate::auth::Principal>,
    request_id: String,
    client: Option<IpAddr>,
    rate: RateInfo,
}

/// What a request's path names: the parent rows (top-level first) of a nested resource, and
/// the row of an item route.
pub(super) struct Target {
    pub(super) parents: Vec<String>,
    pub(super) id: Option<String>,
}

impl Target {
    /// Reads the path parameters: `id` is the row, every other one a parent, in path order.
    pub(super) fn of(params: &axum::extract::RawPathParams) -> Self {
        let mut t = Self { parents: Vec::new(), id: None };
        for (key, value) in params {
            if key == "id" {
                t.id = Some(value.to_owned());
            } else {
                t.parents.push(value.to_owned());
            }
        }
        t
    }

    /// The row's id as sent (for audit lines).
    pub(super) fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// Authenticate, authorize, rate-limit, and — under a parent — reach the parent: the steps
/// every action takes. A parent the caller may not read answers 404, exactly like a missing
/// one, whatever the action.
pub(super) async fn begin<'a, R: Resource>(
    reg: &'a Registered<R>,
    parts: &Parts,
    action: Action,
    target: &Target,
) -> Result<Ctx<'a, R>, ApiError> {
    let mut ctx = authorize_request(reg, parts, action, target.id())?;
    if !reg.chain.is_empty() {
        let ids: Vec<uuid::Uuid> = target.parents.iter().filter_map(|p| row_id(p)).collect();
        let reached = ids.len() == target.parents.len()
            && reg.shared.refs.reaches(&reg.chain, ctx.principal.as_ref(), &ids).await?;
        let Some(parent) = ids.last().copied().filter(|_| reached) else {
            return Err(ctx.refused(target.id(), ApiError::NotFound));
        };
        ctx.auth = ctx.auth.within(parent);
        // A create confined to the caller's own rows needs a parent the caller owns.
        if action == Action::Create && !reg.table.owns_parent(&ctx.auth).await? {
            return Err(ctx.refused(None, ApiError::NotFound));
        }
    }
    Ok(ctx)
}

/// Authenticate, authorize, rate-limit.
fn authorize_request<'a, R: Resource>(
    reg: &'a Registered<R>,
    parts: &Parts,
    action: Action,
    id: Option<&str>,
) -> Result<Ctx<'a, R>, ApiError> {
    let name = &R::policy().name;
    let auth = &reg.shared.auth;
    let principal = auth.authenticate(parts, name)?;
    let subject = principal.as_ref().map(|p| p.subject.as_str());
    let client = auth.client_ip(parts);
    let refuse = |e: ApiError| {
        audit::refused(parts, subject, action.as_str(), name, id, client, &e);
        e
    };
    let authorized = authorize::<R>(principal.as_ref(), action).map_err(refuse)?;
    let rate = reg.limiter.check(subject, client).map_err(refuse)?;
    let request_id = audit::request_id(parts).unwrap_or("-").to_owned();
    Ok(Ctx { reg, auth: authorized, principal, request_id, client, rate })
}

impl<R: Resource> Ctx<'_, R> {
    /// The caller, as hooks see it.
    pub(super) fn call(&self) -> Call<'_> {
        Call { subject: self.auth.subject(), roles: self.auth.roles(), request_id: &self.request_id }
    }

    fn event<'e>(&'e self, id: Option<&'e str>, status: u16, reason: &'static str) -> Event<'e> {
        Event {
            request_id: Some(&self.request_id),
            subject: self.auth.subject(),
            action: self.auth.action().as_str(),
            resource: &R::policy().name,
            id,
            status,
            reason,
            client: self.client,
        }
    }

    /// Audits a success: every write, and reads when the resource audits everything.
    pub(super) fn audit(&self, id: Option<&str>, status: StatusCode) {
        if self.auth.action().is_write() || R::policy().audit == AuditLevel::All {
            audit::emit(&self.event(id, status.as_u16(), "ok"));
        }
    }

    /// Audits a refusal and hands it back.
    pub(super) fn refused(&self, id: Option<&str>, e: ApiError) -> ApiError {
        audit::emit(&self.event(id, e.status().as_u16(), audit::reason(&e)));
        e
    }

    /// The JSON view of `row` for this caller.
    pub(super) fn view(&self, row: &R, masks: &ReadMasks, out: &mut Vec<u8>) {
        let mut o = JsonObject::open(out);
        row.write_json(masks.of(&self.auth, row), &mut o);
        o.close();
    }

    /// A JSON response with the rate-limit, ETag and lifecycle headers.
    pub(super) fn respond(&self, status: StatusCode, body: Vec<u8>, version: Option<i64>) -> Response {
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let h = response.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.rate.write_headers(h);
        if let Some(v) = version.and_then(|v| HeaderValue::from_str(&format!("\"{v}\"")).ok()) {
            h.insert(ETAG, v);
        }
        for (name, value) in &self.reg.lifecycle {
            h.insert(name.clone(), value.clone());
        }
        response
    }

    /// The response of one row.
    pub(super) fn respond_row(&self, status: StatusCode, row: &Row<R>) -> Response {
        let mut body = Vec::with_capacity(256);
        self.view(&row.value, &self.auth.read_masks(), &mut body);
        self.respond(status, body, row.version)
    }
}

/// The id of a path: a row id is a UUID, so anything else names no row (404, exactly like a
/// missing row).
pub(super) fn row_id(text: &str) -> Option<uuid::Uuid> {
    securegen_model::values::parse_uuid(text)
}
