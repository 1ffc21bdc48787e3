//! securegen: APIs that are secure by default, generated from a declarative resource spec.
//!
//! This facade re-exports the crates a service uses:
//!
//! - [`model`]: the one model of a spec — vocabulary, normalized [`model::Spec`], policy rules,
//!   and the checker behind `securegen check`;
//! - [`runtime`]: every request-time control — JWT authentication, authorization scopes that
//!   data access cannot do without, field masks, limits, problem+json errors, hardening
//!   layers and audit events.
//!
//! ```
//! let report = securegen::model::check(include_str!("../examples/shop/securegen.yaml"));
//! assert_eq!(report.errors(), 0);
//! ```
#![forbid(unsafe_code)]

pub use securegen_model as model;
pub use securegen_runtime as runtime;

/// Declares a secure resource on a struct: its owner, tenant, access, limits and field rules,
/// checked by the same validator as `securegen.yaml`, expanded into the policy as data
/// (`impl securegen::runtime::Resource`), `Type::router()` and `Type::sqlite_ddl()`.
///
/// ```
/// use securegen::secure_resource;
///
/// #[secure_resource(roles = [user, admin], owner = owner_id,
///     access(create = [user], read = [owner, admin], list = [owner, admin], delete = [admin]),
///     limits(rate = "20/minute", page_max = 50))]
/// pub struct Order {
///     #[field(id)] pub id: uuid_like::Uuid,
///     #[field(server = subject)] pub owner_id: String,
///     #[field(write(create), len(1..=100))] pub item: String,
///     #[field(write(create), range(1..=1000))] pub quantity: i64,
///     #[field(redact)] pub internal_note: Option<String>,
///     #[field(server = now, kind = timestamp)] pub created_at: String,
/// }
/// # mod uuid_like { pub struct Uuid; }
///
/// use securegen::runtime::Resource as _;
/// assert_eq!(Order::policy().path, "/api/v1/orders");
/// assert!(Order::sqlite_ddl().starts_with("CREATE TABLE IF NOT EXISTS \"orders\""));
/// ```
#[cfg(feature = "derive")]
pub use securegen_macros::secure_resource;
