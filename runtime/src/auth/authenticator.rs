//! The one authentication path. A request's bearer token is verified; a failure is audited
//! and counted against the client's address, and past [`AUTH_FAILURES`] an address gets 429
//! (and at most one audit line a minute) instead of 401, so that a flood of forged tokens
//! costs the flooder and not the log. Counting per address cannot lock out other addresses,
//! and valid tokens are never counted.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use securegen_model::policy::Caller;
use securegen_model::{Per, Rate};

use super::{Principal, Verifier};
use crate::audit;
use crate::error::ApiError;
use crate::limits::KeyedLimiter;
use crate::proxies::TrustedProxies;

/// Failed authentications allowed per client address: a burst of 30, refilled at 30 a minute.
pub const AUTH_FAILURES: Rate = Rate { count: 30, per: Per::Minute };

/// Audit lines about a limited address: one a minute.
const LIMITED_AUDITS: Rate = Rate { count: 1, per: Per::Minute };

#[derive(Debug)]
struct Inner {
    verifier: Verifier,
    proxies: TrustedProxies,
    failures: KeyedLimiter,
    limited_audits: KeyedLimiter,
}

/// Verifies the caller of each request (cheap to clone). A service's own handlers reach it
/// through `FromRef` on their state and take [`Principal`] or [`MaybePrincipal`] arguments.
#[derive(Debug, Clone)]
pub struct Authenticator(Arc<Inner>);

impl Authenticator {
    /// Verifies with `verifier`; client addresses come through `proxies`.
    pub fn new(verifier: Verifier, proxies: TrustedProxies) -> Self {
        Self(Arc::new(Inner {
            verifier,
            proxies,
            failures: KeyedLimiter::new(AUTH_FAILURES),
            limited_audits: KeyedLimiter::new(LIMITED_AUDITS),
        }))
    }

    /// The token verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.0.verifier
    }

    /// The caller's address: the peer, or the client behind trusted proxies.
    pub fn client_ip(&self, parts: &Parts) -> Option<IpAddr> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        self.0.proxies.client_ip(peer, &parts.headers)
    }

    /// The caller of a request: `None` without a token; an error (audited, limited per
    /// address) for a token that does not verify. `resource` names what was asked for, in the
    /// audit line.
    pub fn authenticate(&self, parts: &Parts, resource: &str) -> Result<Option<Principal>, ApiError> {
        match self.0.verifier.from_headers(&parts.headers) {
            Ok(p) => Ok(p),
            Err(e) => Err(self.failed(parts, resource, e)),
        }
    }

    /// Counts a failure of the client's address: 401 within the limit, 429 beyond it.
    fn failed(&self, parts: &Parts, resource: &str, e: ApiError) -> ApiError {
        let client = self.client_ip(parts);
        let (status_error, audited) = match self.0.failures.check(client) {
            Ok(_) => (e, true),
            Err(limited) => (limited, self.0.limited_audits.check(client).is_ok()),
        };
        if audited {
            let reason = match &status_error {
                ApiError::Unauthorized { detail, .. } => detail,
                _ => "too many failed authentications from this address",
            };
            audit::emit(&audit::Event {
                request_id: audit::request_id(parts),
                action: "authenticate",
                resource,
                status: status_error.status().as_u16(),
                reason,
                client,
                ..audit::Event::default()
            });
        }
        status_error
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal
where
    Authenticator: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Authenticator::from_ref(state);
        match auth.authenticate(parts, parts.uri.path())? {
            Some(p) => Ok(p),
            None => {
                let e = ApiError::Unauthorized { detail: "a bearer token is required", token_presented: false };
                audit::refused(parts, None, "authenticate", parts.uri.path(), None, auth.client_ip(parts), &e);
                Err(e)
            }
        }
    }
}

/// A caller who may or may not have a token: a token that is present must be valid.
#[derive(Debug, Clone)]
pub struct MaybePrincipal(pub Option<Principal>);

impl MaybePrincipal {
    /// The caller as the policy functions see it.
    pub fn caller(&self) -> Caller<'_> {
        self.0.as_ref().map_or(Caller::Anonymous, Principal::caller)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybePrincipal
where
    Authenticator: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Authenticator::from_ref(state).authenticate(parts, parts.uri.path()).map(Self)
    }
}
