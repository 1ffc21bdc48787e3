//! Request-time security for securegen services. All security logic lives here, so a rule
//! fixed here is fixed for every service; generated code only states policy and calls in.
//!
//! | OWASP API (2023) | where |
//! |---|---|
//! | API1 object-level authorization | [`access::authorize`] scopes; [`db::Table`] puts them in every statement |
//! | API2 authentication | [`auth::Verifier`], [`auth::Authenticator`] (failures limited per address), [`password`] (argon2id) |
//! | API3 property-level authorization | [`access::Authorized::read_masks`], [`access::check_writable`] |
//! | API4 resource consumption | [`limits`], [`page`], [`body`], [`serve`] (connection caps) |
//! | API5 function-level authorization | [`access::authorize`] (403) |
//! | API8 misconfiguration | [`harden`], [`error`] |
//! | API10 logging | [`audit`] |
//!
//! A service registers each resource once ([`service::Service::builder`]) and serves the
//! router it builds with [`serve::serve`]; a generated `main.rs` is one call to
//! [`service::run`].
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod auth;
pub mod body;
mod crud;
pub mod db;
pub mod error;
pub mod etag;
pub mod harden;
pub mod hooks;
pub mod json;
pub mod limits;
pub mod migrate;
pub mod page;
pub mod password;
pub mod proxies;
pub(crate) mod query;
mod refs;
pub mod resource;
pub mod rules;
pub mod serve;
pub mod service;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

pub use access::{Authorized, authorize};
pub use auth::{Authenticator, ConfigError, MaybePrincipal, Principal, Verifier};
pub use error::{ApiError, FieldError};
pub use hooks::{Call, Hooks, NoHooks};
pub use resource::{FieldMask, Resource, Row};
pub use service::{Environment, RegistrationError, Service, ServiceBuilder, StartError};

/// The HTTP framework generated routers are built on.
pub use axum;
/// Serialization, for the typed bodies generated code derives.
pub use serde;
/// JSON values, which bodies are made of.
pub use serde_json;
/// Dates and times: the types of `timestamp` and `date` fields.
pub use time;
/// UUIDs: the type of `uuid` fields and ids.
pub use uuid;
