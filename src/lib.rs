//! securegen: APIs that are secure by default, generated from a declarative resource spec.
//!
//! This facade re-exports the crates a service uses:
//!
//! - [`spec`]: the one model of a spec — vocabulary, normalized [`spec::Spec`], policy rules,
//!   and the checker behind `securegen check`;
//! - [`runtime`]: every request-time control — JWT authentication, authorization scopes that
//!   data access cannot do without, field masks, limits, problem+json errors, hardening
//!   layers and audit events.
//!
//! ```
//! let report = securegen::spec::check(include_str!("../examples/shop/securegen.yaml"));
//! assert_eq!(report.errors(), 0);
//! ```
#![forbid(unsafe_code)]

pub use securegen_runtime as runtime;
pub use securegen_spec as spec;
