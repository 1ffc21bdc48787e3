//! The hardening every response passes through (OWASP API7/API8), folded into one layer so
//! that it costs one future per request: a fresh request id (a client's own is replaced: ids
//! in logs must be ours), a deadline for the whole request (408), panics caught (500 with only
//! the request id), every bare error turned into a problem document with the same status and
//! headers, and the security headers.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::FutureExt as _;
use tower::{Layer, Service};

use crate::error::{PROBLEM_JSON, problem_for_status};

/// The header carrying the request id, on requests and responses.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The content security policy of API responses: nothing may load, nothing may frame.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// A request id unique within the process and unpredictable across processes: a random
/// per-process half and a counter, in UUID form (a fresh random UUID per request would cost
/// a system call for randomness on every request).
fn request_id() -> HeaderValue {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Uuid::from_u64_pair(seed, n).hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("-"))
}

/// The hardening layer. Responses get [`API_CSP`] unless a route set its own policy (a page
/// such as the docs explorer, whose policy still forbids all it does not need).
#[derive(Debug, Clone)]
pub struct Harden {
    timeout: Duration,
    hsts: bool,
}

impl Harden {
    /// Requests get `timeout` in all, body included; `hsts` adds `Strict-Transport-Security`
    /// (when serving TLS).
    pub fn new(timeout: Duration, hsts: bool) -> Self {
        Self { timeout, hsts }
    }
}

impl<S> Layer<S> for Harden {
    type Service = HardenService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HardenService { inner, timeout: self.timeout, hsts: self.hsts }
    }
}

/// [`Harden`] around a service.
#[derive(Debug, Clone)]
pub struct HardenService<S> {
    inner: S,
    timeout: Duration,
    hsts: bool,
}

impl<S> Service<Request> for HardenService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let id = request_id();
        req.headers_mut().insert(REQUEST_ID, id.clone());
        let future = self.inner.call(req);
        let (timeout, hsts) = (self.timeout, self.hsts);
        Box::pin(async move {
            let response = match tokio::time::timeout(timeout, AssertUnwindSafe(future).catch_unwind()).await {
                Ok(Ok(Ok(response))) => response,
                Ok(Ok(Err(never))) => match never {},
                Ok(Err(_panic)) => {
                    // The panic message may hold request data: it is not logged or shown.
                    tracing::error!(request_id = id.to_str().unwrap_or("-"), "a handler panicked");
                    problem_for_status(StatusCode::INTERNAL_SERVER_ERROR, id.to_str().ok())
                }
                Err(_elapsed) => problem_for_status(StatusCode::REQUEST_TIMEOUT, id.to_str().ok()),
            };
            Ok(finish(response, &id, hsts))
        })
    }
}

/// Makes every error a problem document (keeping its status and headers), and adds the
/// request id and the security headers.
fn finish(mut response: Response, id: &HeaderValue, hsts: bool) -> Response {
    let status = response.status();
    let is_problem =
        response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let mut replaced = problem_for_status(status, id.to_str().ok());
        copy_headers(response.headers(), replaced.headers_mut());
        response = replaced;
    } else if status == StatusCode::INTERNAL_SERVER_ERROR {
        // A handler's own 500 problem keeps nothing but the request id.
        response = problem_for_status(status, id.to_str().ok());
    }
    let h = response.headers_mut();
    h.insert(REQUEST_ID, id.clone());
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !h.contains_key(HeaderName::from_static("content-security-policy")) {
        h.insert(HeaderName::from_static("content-security-policy"), HeaderValue::from_static(API_CSP));
    }
    h.insert(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer"));
    if hsts {
        h.insert(HeaderName::from_static("strict-transport-security"), HeaderValue::from_static("max-age=31536000"));
    }
    response
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            to.append(name.clone(), value.clone());
        }
    }
}
