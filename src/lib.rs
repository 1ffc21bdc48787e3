//! securegen: APIs that are secure by default, generated from a declarative resource spec.
//!
//! This facade re-exports what a service uses:
//!
//! - [`secure_resource`] (feature `derive`, on by default): declares a resource on the struct
//!   that is its row;
//! - [`runtime`]: every request-time control — JWT authentication, authorization scopes that
//!   data access cannot do without, field masks, limits, problem+json errors, hardening and
//!   audit events — and [`Service`], where each resource is registered once;
//! - [`model`]: the vocabulary, the normalized model and the policy rules (the YAML front end
//!   behind the `yaml` feature);
//! - [`types`]: the Rust types of field values.
//!
//! ```
//! use securegen::prelude::*;
//!
//! #[secure_resource(roles = [user, admin], owner = owner_id,
//!     access(create = [user], read = [owner, admin], list = [owner, admin], delete = [admin]),
//!     limits(rate = "20/minute", page_max = 50))]
//! pub struct Order {
//!     #[field(id)] pub id: Uuid,
//!     #[field(server = subject)] pub owner_id: String,
//!     #[field(write(create), len(1..=100))] pub item: String,
//!     #[field(write(create), range(1..=1000))] pub quantity: i64,
//!     #[field(redact)] pub internal_note: Option<String>,
//!     #[field(server = now)] pub created_at: OffsetDateTime,
//! }
//!
//! let settings = Settings::new("shop", Jwt::hs256("SHOP_JWT_SECRET").issuer("shop").audience("shop-api"));
//! let service = Service::builder(settings).resource::<Order>(NoHooks);
//! assert_eq!(service.policies()[0].path, "/api/v1/orders");
//! ```
#![forbid(unsafe_code)]

pub use securegen_model as model;
pub use securegen_runtime as runtime;

pub use securegen_model::{Jwt, Settings};
pub use securegen_runtime::{
    ApiError, Authenticator, Call, Environment, Hooks, MaybePrincipal, NoHooks, Principal, Service, ServiceBuilder,
    StartError,
};

/// Declares a secure resource on the struct that is its row: its owner, tenant, access,
/// limits and field rules, checked by the same validator as `securegen.yaml` (a mistake is a
/// compile error at the attribute that caused it), expanded into `impl
/// securegen::runtime::Resource` (the policy as data and the typed per-row code) and the
/// bodies its hooks see, `XCreate` and `XUpdate`.
#[cfg(feature = "derive")]
pub use securegen_macros::secure_resource;

/// The migration files of an app, compiled in: `securegen::migrations!()` reads
/// `migrations/{sqlite,postgres}/NNNN_name.sql` under the crate root (`<app> migrate new`
/// writes them). Give the app a `build.rs` with `println!("cargo::rerun-if-changed=migrations");`
/// so that a new file is seen without touching the source.
#[cfg(feature = "derive")]
pub use securegen_macros::migrations;

/// Test support for an app's own tests.
#[cfg(feature = "testing")]
pub mod testing {
    pub use securegen_runtime::testing::contract::{contract, contract_in, contract_of, contract_within};
}

/// The Rust types of field values: `uuid` fields are [`types::Uuid`], `timestamp` fields
/// [`types::OffsetDateTime`], `date` fields [`types::Date`]; the others are `String`, `i64`,
/// `f64` and `bool`, each in `Option` when the field is optional.
pub mod types {
    pub use securegen_runtime::time::{Date, OffsetDateTime};
    pub use securegen_runtime::uuid::Uuid;
}

/// The allocator generated services install (feature `mimalloc`):
/// `#[global_allocator] static GLOBAL: securegen::alloc::MiMalloc = securegen::alloc::MiMalloc;`.
#[cfg(feature = "mimalloc")]
pub mod alloc {
    pub use mimalloc::MiMalloc;
}

/// What an app of annotated structs uses: `use securegen::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "derive")]
    pub use crate::secure_resource;
    pub use crate::types::{Date, OffsetDateTime, Uuid};
    pub use crate::{
        Authenticator, Call, Environment, Hooks, Jwt, MaybePrincipal, NoHooks, Principal, Service, ServiceBuilder,
        Settings,
    };
}
