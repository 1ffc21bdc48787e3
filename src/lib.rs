//! securegen: APIs that are secure by default, generated from a declarative resource spec.
//!
//! This facade re-exports the crates a service uses. Today that is the spec model
//! ([`spec`]): the vocabulary, the normalized [`spec::Spec`] and, with the default `yaml`
//! feature of `securegen-spec`, the checker behind `securegen check`.
//!
//! ```
//! let report = securegen::spec::check(include_str!("../examples/shop/securegen.yaml"));
//! assert_eq!(report.errors(), 0);
//! ```
#![forbid(unsafe_code)]

pub use securegen_spec as spec;
