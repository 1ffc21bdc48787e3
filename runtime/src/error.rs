//! One error type for every refusal, rendered as RFC 9457 `application/problem+json`. Bodies
//! carry a title, the status, a safe detail and field pointers — never submitted values,
//! tokens, SQL or other internals. A 500 carries only the request id.

use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One rejected field of a request body or query: a JSON pointer and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// RFC 6901 pointer to the field, e.g. `/quantity`.
    pub pointer: String,
    /// What is wrong, without the submitted value.
    pub detail: String,
}

impl FieldError {
    /// A problem with the field at `pointer`.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), detail: detail.into() }
    }
}

/// The rate-limit state sent with a 429 (and with every limited response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInfo {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the limit is fully restored.
    pub reset: u64,
    /// The window in seconds.
    pub window: u64,
}

impl RateInfo {
    /// Adds `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy`.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let mut put = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        };
        put("ratelimit-limit", self.limit.to_string());
        put("ratelimit-remaining", self.remaining.to_string());
        put("ratelimit-reset", self.reset.to_string());
        put("ratelimit-policy", format!("{};w={}", self.limit, self.window));
    }
}

/// Every way a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed syntax (bad JSON, bad query, bad cursor).
    #[error("bad request: {detail}")]
    BadRequest {
        /// What is malformed.
        detail: String,
        /// Offending fields, when known.
        errors: Vec<FieldError>,
    },
    /// 401: no valid bearer token.
    #[error("unauthorized: {detail}")]
    Unauthorized {
        /// Why the token was refused (never the token itself).
        detail: &'static str,
        /// Whether a token was presented (RFC 6750: `error="invalid_token"` only then).
        token_presented: bool,
    },
    /// 403: the token is valid but its roles do not grant the action.
    #[error("forbidden")]
    Forbidden,
    /// 404: no such row in the caller's scope (identical for missing and not-yours rows).
    #[error("not found")]
    NotFound,
    /// 405: the route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// Methods the route allows.
        allow: Vec<Method>,
    },
    /// 409: the write conflicts with the current state (e.g. a unique value).
    #[error("conflict: {detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
    },
    /// 412: `If-Match` does not match the current version.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413: the body exceeds the limit.
    #[error("payload too large")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// 415: the body is not `application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: well-formed but invalid (unknown or forbidden keys, failed constraints).
    #[error("unprocessable: {} field(s)", errors.len())]
    Unprocessable {
        /// Every offending field.
        errors: Vec<FieldError>,
    },
    /// 428: `If-Match` is required.
    #[error("precondition required")]
    PreconditionRequired,
    /// 429: rate limit exceeded.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds to wait before retrying.
        retry_after: u64,
        /// The limit state.
        info: RateInfo,
    },
    /// 500: something failed inside; the body carries only the request id.
    #[error("internal error")]
    Internal,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A 400 with a detail and no field list.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest { detail: detail.into(), errors: Vec::new() }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Self::BadRequest { detail, .. } | Self::Conflict { detail } => Some(detail.clone()),
            Self::Unauthorized { detail, .. } => Some((*detail).to_owned()),
            Self::Forbidden => Some("your roles do not allow this action".to_owned()),
            Self::PayloadTooLarge { limit } => Some(format!("the body exceeds {limit} bytes")),
            Self::UnsupportedMediaType => Some("send the body as application/json".to_owned()),
            Self::Unprocessable { .. } => Some("the body has fields that are not accepted".to_owned()),
            Self::PreconditionFailed => Some("the row changed since you read it".to_owned()),
            Self::PreconditionRequired => Some("send If-Match with the row's ETag".to_owned()),
            Self::TooManyRequests { retry_after, .. } => Some(format!("retry in {retry_after} s")),
            Self::NotFound | Self::MethodNotAllowed { .. } | Self::Internal => None,
        }
    }

    /// Renders the problem document, with the request id when known.
    pub fn into_response_with_id(self, request_id: Option<&str>) -> Response {
        let status = self.status();
        let errors: &[FieldError] = match &self {
            Self::BadRequest { errors, .. } | Self::Unprocessable { errors } => errors,
            _ => &[],
        };
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.detail(),
            errors,
            request_id,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match &self {
            Self::Unauthorized { token_presented: true, .. } => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            }
            Self::Unauthorized { token_presented: false, .. } => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::MethodNotAllowed { allow } => {
                let list = allow.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
                if let Ok(v) = HeaderValue::from_str(&list) {
                    headers.insert(ALLOW, v);
                }
            }
            Self::TooManyRequests { retry_after, info } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after));
                info.write_headers(headers);
            }
            _ => {}
        }
        // Refusals are diagnosed by status and audit log, not by cache.
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_response_with_id(None)
    }
}

/// A bare error response (from axum, tower-http or a timeout) as a problem document with the
/// same status, so that every error a client sees has the same shape.
pub(crate) fn problem_for_status(status: StatusCode, request_id: Option<&str>) -> Response {
    #[derive(Serialize)]
    struct Bare<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        title: &'a str,
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
    }
    let body = Bare {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        request_id,
    };
    let mut response = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}
