//! Audit events (OWASP API10): one structured event on the tracing target `audit` for every
//! write and every refusal (401, 403, 404 in scope, 422, 429), with the request id, subject,
//! action, resource, row id and outcome — never a token, a password or a redacted value.
//! Text from the request is stripped of control characters and truncated, so that log lines
//! cannot be forged.

use std::net::IpAddr;

use axum::http::request::Parts;

use crate::error::ApiError;

/// The tracing target of audit events.
pub const TARGET: &str = "audit";
/// Longest text kept in an audit field.
const MAX_FIELD_CHARS: usize = 200;

/// One audited request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Event<'a> {
    /// Request id (`x-request-id`).
    pub request_id: Option<&'a str>,
    /// Token subject, when known.
    pub subject: Option<&'a str>,
    /// `create`, `read`, `list`, `update`, `delete`, or `authenticate`.
    pub action: &'a str,
    /// Resource name.
    pub resource: &'a str,
    /// Row id, when known.
    pub id: Option<&'a str>,
    /// HTTP status of the outcome.
    pub status: u16,
    /// Why, for refusals.
    pub reason: &'a str,
    /// The client's address, when known.
    pub client: Option<IpAddr>,
}

/// Control characters escaped, length bounded.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_FIELD_CHARS));
    for (i, c) in s.chars().enumerate() {
        if i == MAX_FIELD_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Emits one event: `info` for successes, `warn` for refusals.
pub fn emit(e: &Event<'_>) {
    let request_id = clean(e.request_id.unwrap_or("-"));
    let subject = clean(e.subject.unwrap_or("-"));
    let id = clean(e.id.unwrap_or("-"));
    let resource = clean(e.resource);
    let client = e.client.map_or_else(|| "-".to_owned(), |c| c.to_string());
    let outcome = if e.status < 400 { "allowed" } else { "refused" };
    if e.status < 400 {
        tracing::info!(target: TARGET, request_id, subject, client, action = e.action, resource, id, status = e.status, outcome, reason = e.reason);
    } else {
        tracing::warn!(target: TARGET, request_id, subject, client, action = e.action, resource, id, status = e.status, outcome, reason = e.reason);
    }
}

/// The request id of a request, when the request-id layer set one.
pub fn request_id(parts: &Parts) -> Option<&str> {
    parts.headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

/// Why a request was refused, in one phrase (never a value from the request).
pub fn reason(e: &ApiError) -> &'static str {
    match e {
        ApiError::Unauthorized { detail, .. } => detail,
        ApiError::Forbidden => "the caller's roles do not grant the action",
        ApiError::NotFound => "no such row in the caller's scope",
        ApiError::Unprocessable { .. } => "the body was refused",
        ApiError::PayloadTooLarge { .. } => "the body is too large",
        ApiError::TooManyRequests { .. } => "rate limit exceeded",
        ApiError::PreconditionFailed | ApiError::PreconditionRequired => "version precondition",
        ApiError::BadRequest { .. } => "the request is malformed",
        ApiError::UnsupportedMediaType => "the body is not JSON",
        ApiError::Conflict { .. } => "conflict",
        _ => "refused",
    }
}

/// Audits a refusal.
pub fn refused(
    parts: &Parts,
    subject: Option<&str>,
    action: &str,
    resource: &str,
    id: Option<&str>,
    client: Option<IpAddr>,
    e: &ApiError,
) {
    emit(&Event {
        request_id: request_id(parts),
        subject,
        action,
        resource,
        id,
        status: e.status().as_u16(),
        reason: reason(e),
        client,
    });
}
