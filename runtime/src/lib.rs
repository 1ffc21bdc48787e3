//! Request-time security for securegen services. All security logic lives here, so a rule
//! fixed here is fixed for every service; generated code only states policy and calls in.
//!
//! | OWASP API (2023) | where |
//! |---|---|
//! | API1 object-level authorization | [`access::authorize`] scopes, [`db`] appends them to every query |
//! | API2 authentication | [`auth::Verifier`], [`auth::Principal`] |
//! | API3 property-level authorization | [`access::view`], [`access::check_writable`] |
//! | API4 resource consumption | [`limits`], [`page`], [`body`], [`serve`] |
//! | API5 function-level authorization | [`access::authorize`] (403) |
//! | API8 misconfiguration | [`security::Security::apply`], [`error`] |
//! | API10 logging | [`audit`] |
//!
//! A service builds one [`Security`] from its spec and the environment, wraps its router with
//! [`Security::apply`], and serves it with [`serve::serve`]:
//!
//! ```no_run
//! # async fn run(spec: securegen_model::Spec, router: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let security = Arc::new(securegen_runtime::Security::from_lookup(&spec, |k| std::env::var(k).ok())?);
//! let app = security.apply(router);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! securegen_runtime::serve::serve(listener, app, Default::default(), std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod auth;
pub mod body;
pub mod crud;
pub mod db;
pub mod error;
pub mod hooks;
pub mod limits;
pub mod page;
pub mod rules;
pub mod security;
pub mod serve;
pub mod service;
#[cfg(feature = "testing")]
pub mod testing;

pub use access::{Authorized, Resource, authorize};
pub use auth::{ConfigError, MaybePrincipal, Principal, Verifier};
pub use error::{ApiError, FieldError};
pub use security::Security;

/// The HTTP framework generated routers are built on.
pub use axum;
/// Serialization, for the DTOs generated code derives.
pub use serde;
/// JSON values, which hooks and bodies are made of.
pub use serde_json;
