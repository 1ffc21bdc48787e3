//! Authentication (OWASP API2): who is calling. [`verify`] checks tokens; [`Authenticator`]
//! is the one path every request takes — the CRUD handlers and the [`Principal`] and
//! [`MaybePrincipal`] extractors of a service's own handlers — so that failures are audited
//! and limited per client address in one place.

mod authenticator;
pub mod verify;

use std::collections::BTreeMap;

use securegen_model::policy::Caller;

pub use authenticator::{AUTH_FAILURES, Authenticator, MaybePrincipal};
pub use verify::{ConfigError, MAX_AUTHORIZATION_BYTES, Verifier};

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token subject (`sub`).
    pub subject: String,
    /// Roles from the roles claim.
    pub roles: Vec<String>,
    tenants: BTreeMap<String, String>,
}

impl Principal {
    /// A principal built directly, for tests and benchmarks of code that takes one.
    pub fn new(subject: impl Into<String>, roles: Vec<String>, tenants: BTreeMap<String, String>) -> Self {
        Self { subject: subject.into(), roles, tenants }
    }

    /// The caller as the policy functions see it.
    pub fn caller(&self) -> Caller<'_> {
        Caller::Authenticated(&self.roles)
    }

    /// The value of a tenant claim, when the token carries it.
    pub fn tenant(&self, claim: &str) -> Option<&str> {
        self.tenants.get(claim).map(String::as_str)
    }
}
