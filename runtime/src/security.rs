//! The security context of a service and the hardening layers every response passes through
//! (OWASP API7/API8): request ids, security headers, CORS only from an allowlist, panics and
//! bare errors turned into problem documents, request timeouts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use securegen_model::Spec;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::auth::{Auth, ConfigError, Verifier};
use crate::error::{PROBLEM_JSON, problem_for_status};
use crate::limits::ResourceLimiter;
use crate::page::Cursors;

/// The header carrying the request id, on requests and responses.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Everything request-time security needs, shared by all requests.
#[derive(Debug)]
pub struct Security {
    /// Token verification.
    pub verifier: Arc<Verifier>,
    /// Cursor signing.
    pub cursors: Cursors,
    /// X-Forwarded-For hops to trust.
    pub trusted_proxies: usize,
    /// Time allowed for one request, body included (408 beyond).
    pub request_timeout: Duration,
    limiters: HashMap<String, ResourceLimiter>,
    cors_origins: Vec<HeaderValue>,
}

impl Security {
    /// The context of `spec` with this verifier; rate limiters per resource.
    pub fn new(spec: &Spec, verifier: Verifier, cursors: Cursors) -> Self {
        let resources: Vec<&securegen_model::Resource> = spec.resources.iter().collect();
        Self::for_resources(&resources, &spec.cors_origins, verifier, cursors)
    }

    /// The context of a set of resources (for services built from annotated structs, which
    /// have no spec file): rate limiters per resource and the CORS allowlist.
    pub fn for_resources(
        resources: &[&securegen_model::Resource],
        cors_origins: &[String],
        verifier: Verifier,
        cursors: Cursors,
    ) -> Self {
        Self {
            verifier: Arc::new(verifier),
            cursors,
            trusted_proxies: 0,
            request_timeout: Duration::from_secs(30),
            limiters: resources.iter().map(|r| (r.name.clone(), ResourceLimiter::new(r.limits.rate))).collect(),
            cors_origins: cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect(),
        }
    }

    /// The context of `spec` configured from `lookup` (the environment in a service): the
    /// key variable the spec names, `TRUSTED_PROXIES` (default 0) and `CURSOR_SECRET`
    /// (optional; without it cursors are signed with a per-process key).
    pub fn from_lookup(spec: &Spec, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        if spec.limits.backend == securegen_model::Backend::Redis {
            // Failing closed: a service that asked for a shared limit must not silently get
            // one limit per instance.
            return Err(ConfigError::Invalid {
                name: "defaults.limits.backend".to_owned(),
                reason: "the redis rate-limit backend is not available in this runtime yet; use `memory`".to_owned(),
            });
        }
        if let Some((r, f)) = spec
            .resources
            .iter()
            .find_map(|r| r.fields.iter().find(|f| f.ty == securegen_model::FieldType::Password).map(|f| (r, f)))
        {
            // Failing closed: passwords must be stored hashed, which this runtime does not do yet.
            return Err(ConfigError::Invalid {
                name: format!("resources.{}.fields.{}", r.name, f.name),
                reason: "`type: password` fields are not available in this runtime yet (they must be stored as argon2id hashes)".to_owned(),
            });
        }
        let tenant_claims: Vec<&str> =
            spec.resources.iter().filter_map(|r| r.tenant.as_ref()).map(|t| t.claim.as_str()).collect();
        let verifier = Verifier::from_lookup(&spec.auth.jwt, &tenant_claims, &lookup)?;
        let cursors = match lookup("CURSOR_SECRET").filter(|s| !s.is_empty()) {
            None => Cursors::random(),
            Some(s) if s.len() >= 32 => {
                use sha2::Digest as _;
                Cursors::with_key(sha2::Sha256::digest(s.as_bytes()).into())
            }
            Some(s) => {
                return Err(ConfigError::ShortSecret { name: "CURSOR_SECRET".to_owned(), len: s.len() });
            }
        };
        let mut security = Self::new(spec, verifier, cursors);
        if let Some(v) = lookup("TRUSTED_PROXIES").filter(|s| !s.is_empty()) {
            security.trusted_proxies = v.parse().map_err(|_| ConfigError::Invalid {
                name: "TRUSTED_PROXIES".to_owned(),
                reason: format!("`{v}` is not a number of proxy hops (0 when clients connect directly)"),
            })?;
        }
        Ok(security)
    }

    /// The rate limiter of a resource.
    pub fn limiter(&self, resource: &str) -> Option<&ResourceLimiter> {
        self.limiters.get(resource)
    }

    /// Evicts stale rate-limit keys of every resource (a service calls this periodically).
    pub fn evict_stale(&self) {
        self.limiters.values().for_each(ResourceLimiter::evict_stale);
    }

    /// Wraps `router` in the hardening layers and makes this context available to the
    /// extractors.
    pub fn apply(self: &Arc<Self>, router: Router) -> Router {
        let mut router = router
            .fallback(|| async { problem_for_status(StatusCode::NOT_FOUND, None) })
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, self.request_timeout))
            .layer(CatchPanicLayer::custom(|_| problem_for_status(StatusCode::INTERNAL_SERVER_ERROR, None)))
            .layer(axum::Extension(Auth(Arc::clone(&self.verifier))))
            .layer(axum::Extension(Arc::clone(self)));
        if !self.cors_origins.is_empty() {
            router = router.layer(
                CorsLayer::new()
                    .allow_origin(AllowOrigin::list(self.cors_origins.clone()))
                    .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
                    .allow_headers([axum::http::header::AUTHORIZATION, CONTENT_TYPE, axum::http::header::IF_MATCH])
                    .expose_headers([axum::http::header::LOCATION, axum::http::header::ETAG, REQUEST_ID])
                    .max_age(Duration::from_secs(600)),
            );
        }
        router.layer(axum::middleware::from_fn(harden))
    }
}

/// A request id unique within the process and unpredictable across processes: a random
/// per-process half and a counter, in UUID form. (A fresh v4 UUID per request would cost a
/// system call for randomness on every request.)
fn request_id() -> String {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    uuid::Uuid::from_u64_pair(seed, n).to_string()
}

/// Sets a fresh request id (a client's own is replaced: ids in logs must be ours), adds the
/// security headers, and turns any error response that is not already a problem document —
/// from axum, a timeout, a panic — into one with the same status and headers.
async fn harden(mut req: Request, next: Next) -> Response {
    let id = request_id();
    let id_value = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("-"));
    req.headers_mut().insert(REQUEST_ID, id_value.clone());
    let mut response = next.run(req).await;
    let status = response.status();
    let is_problem =
        response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let mut replaced = problem_for_status(status, Some(&id));
        for (name, value) in response.headers() {
            if name != CONTENT_TYPE && name != CONTENT_LENGTH {
                replaced.headers_mut().append(name.clone(), value.clone());
            }
        }
        response = replaced;
    } else if status == StatusCode::INTERNAL_SERVER_ERROR {
        response = problem_for_status(status, Some(&id));
    }
    let h = response.headers_mut();
    h.insert(REQUEST_ID, id_value);
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    h.insert(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer"));
    response
}
