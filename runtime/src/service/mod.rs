//! A service: its settings, and each resource registered once. Everything the runtime
//! enforces for a resource — its routes, its rate limiter, its statements, its rules, its
//! audit lines, its cursors, its part of the OpenAPI document — comes from that registration
//! and the resource's policy; the handlers get it as typed state, so a resource cannot be
//! routed without a limiter or an authenticator.
//!
//! In an app of annotated structs (`securegen::secure_resource`):
//!
//! ```ignore
//! let settings = Settings::new("shop", Jwt::hs256("SHOP_JWT_SECRET").issuer("shop").audience("shop-api"));
//! let db = Db::connect("sqlite://shop.db").await?;
//! let service = Service::builder(settings)
//!     .resource::<Order>(NoHooks)
//!     .resource::<Product>(NoHooks)
//!     .build(&Environment::process(), db)?;
//! let app: axum::Router = service.router();
//! ```

mod env;
mod maintain;
mod run;

use std::any::TypeId;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use securegen_model::{Backend, Settings};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use env::Environment;
pub use maintain::{Command, Violation, maintain, violations, write_next_migration};
pub use run::run;

use crate::auth::{Authenticator, ConfigError, Verifier};
use crate::crud::{Registered, Shared, lifecycle, routes};
use crate::db::{Db, DbError, Table};
use crate::error::problem_for_status;
use crate::harden::{Harden, REQUEST_ID};
use crate::hooks::{Hooks, NoHooks};
use crate::limits::ResourceLimiter;
use crate::migrate::{MigrateError, Migration};
use crate::resource::Resource;
use crate::rules::Rules;
use crate::serve::ServeOptions;
use maintain::RowCheck;

/// Why a service did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A variable holds an unusable value.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened or migrated.
    #[error("DATABASE_URL: {0}")]
    Database(#[from] DbError),
    /// The address could not be bound.
    #[error("BIND_ADDR: cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The resources registered do not make one service.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    /// The migrations could not be applied.
    #[error("migrations: {0}")]
    Migrate(#[from] MigrateError),
    /// The command line is not one the binary knows.
    #[error("{0}")]
    Usage(String),
    /// The database lacks columns a resource needs.
    #[error(
        "the database lacks {} of table {table}, which `{resource}` needs{}",
        columns.iter().map(|c| format!("column `{c}`")).collect::<Vec<_>>().join(", "),
        if *migrations {
            ": the migration that adds them is missing (run `securegen generate` after changing securegen.yaml, then rebuild)"
        } else {
            ": tables are created but never altered without migrations (write one, see `securegen::runtime::migrate`)"
        }
    )]
    Schema {
        /// The resource.
        resource: String,
        /// Its table.
        table: String,
        /// The missing columns.
        columns: Vec<String>,
        /// Whether the service carries migrations.
        migrations: bool,
    },
}

/// Why the registered resources do not make one service.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// A service serves at least one resource.
    #[error("no resource is registered")]
    Empty,
    /// Two registrations of one path would shadow each other.
    #[error("`{name}` ({path}) is registered twice")]
    Twice {
        /// The resource.
        name: String,
        /// Its path.
        path: String,
    },
    /// A resource outside the base path would escape the service's version prefix.
    #[error("`{name}` lives at {path} but the service serves {base}: give the struct `api_version = \"{version}\"`")]
    OutsideBase {
        /// The resource.
        name: String,
        /// Its path.
        path: String,
        /// The service's base path.
        base: String,
        /// The service's API version.
        version: String,
    },
    /// A reference that could never be checked or stored.
    #[error("`{resource}.{field}` cannot be served: {why}")]
    Reference {
        /// The resource.
        resource: String,
        /// The `ref` field.
        field: String,
        /// What is wrong with its target.
        why: String,
    },
    /// A nested resource whose parent is not served as its path and policy say.
    #[error("`{resource}` cannot be served: {why}")]
    Parent {
        /// The nested resource.
        resource: String,
        /// Why.
        why: String,
    },
    /// A pattern of a hand-built policy does not compile.
    #[error(transparent)]
    Pattern(#[from] crate::rules::PatternError),
    /// The OpenAPI document does not serialise.
    #[error("the OpenAPI document: {0}")]
    OpenApi(#[from] serde_json::Error),
}

type Mount =
    Box<dyn FnOnce(&Arc<Shared>, &Db, &[&'static securegen_model::Resource]) -> Result<Router, StartError> + Send>;

/// One resource, registered.
struct Registration {
    policy: &'static securegen_model::Resource,
    mount: Mount,
    check: RowCheck,
    /// The read check other resources' references to this one go through.
    readable: fn(&Db, &[&securegen_model::Resource]) -> crate::refs::Readable,
}

/// The stored-row checks of the registered resources, by resource name.
struct RowChecks(Vec<(String, RowCheck)>);

impl std::fmt::Debug for RowChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(name, _)| name)).finish()
    }
}

/// Routes of the service's own, given the authenticator their `Principal` arguments need.
type OwnRoutes = Box<dyn FnOnce(Authenticator) -> Router + Send>;

/// A service being assembled: settings and resources, nothing started yet.
pub struct ServiceBuilder {
    settings: Settings,
    registrations: Vec<Registration>,
    migrations: Vec<Migration>,
    create_tables: bool,
    own: Vec<OwnRoutes>,
}

impl std::fmt::Debug for ServiceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.registrations.iter().map(|r| r.policy.name.as_str()).collect();
        f.debug_struct("ServiceBuilder")
            .field("service", &self.settings.service.name)
            .field("resources", &names)
            .finish()
    }
}

/// A service, assembled and configured: its router serves every registered resource.
#[derive(Debug)]
pub struct Service {
    router: Router,
    authenticator: Authenticator,
    db: Db,
    settings: Settings,
    serve_options: ServeOptions,
    migrations: Vec<Migration>,
    /// `MIGRATIONS=manual`: pending migrations stop the start instead of running.
    manual_migrations: bool,
    row_checks: RowChecks,
    create_tables: bool,
    policies: Vec<&'static securegen_model::Resource>,
}

impl Service {
    /// Starts assembling a service with `settings`.
    pub fn builder(settings: Settings) -> ServiceBuilder {
        ServiceBuilder {
            settings,
            registrations: Vec::new(),
            migrations: Vec::new(),
            create_tables: false,
            own: Vec::new(),
        }
    }

    /// The application: every resource, `/healthz` and the OpenAPI document, inside the
    /// hardening layer.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The authenticator, for a service's own handlers (`Principal` arguments reach it
    /// through `FromRef` on their state).
    pub fn authenticator(&self) -> Authenticator {
        self.authenticator.clone()
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The registered resources' policies.
    pub fn policies(&self) -> &[&'static securegen_model::Resource] {
        &self.policies
    }

    /// Connection limits from the environment.
    pub fn serve_options(&self) -> &ServeOptions {
        &self.serve_options
    }

    /// Readies the database: applies the pending migrations (or, with `MIGRATIONS=manual`,
    /// refuses to start while any is pending), creates missing tables when the builder was
    /// asked to, then checks that every column the registered resources need exists.
    pub async fn migrate(&self) -> Result<(), StartError> {
        if !self.migrations.is_empty() {
            if self.manual_migrations {
                let pending = crate::migrate::dry_run(&self.db, &self.migrations).await?;
                if !pending.is_empty() {
                    let binary = self.settings.service.name.clone();
                    return Err(MigrateError::Pending { count: pending.len(), binary }.into());
                }
            } else {
                for applied in crate::migrate::apply(&self.db, &self.migrations).await? {
                    tracing::info!(version = applied.version, name = %applied.name, "migration applied");
                }
            }
        }
        if self.create_tables {
            // In the order a first migration would create them: referenced tables first.
            let policies = securegen_model::migrate::creation_order(&self.policies);
            for p in policies {
                self.db.batch(&crate::db::schema_script(p, self.db.dialect())).await?;
            }
        }
        self.check_schema().await
    }

    /// Every column each registered resource needs exists.
    pub(crate) async fn check_schema(&self) -> Result<(), StartError> {
        for p in &self.policies {
            let missing = self.db.missing_columns(p).await?;
            if !missing.is_empty() {
                return Err(StartError::Schema {
                    resource: p.name.clone(),
                    table: p.table.clone(),
                    columns: missing,
                    migrations: !self.migrations.is_empty(),
                });
            }
        }
        Ok(())
    }

    /// The migrations this service carries.
    pub fn migration_list(&self) -> &[Migration] {
        &self.migrations
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// The registered ancestors of `policy`, nearest first.
fn ancestors_of(
    policy: &securegen_model::Resource,
    policies: &[&'static securegen_model::Resource],
) -> Vec<&'static securegen_model::Resource> {
    policy.ancestors(|name| policies.iter().copied().find(|p| p.name == name))
}

/// Why a nested `policy` cannot be served among the registered `policies`: its parent is not
/// registered, has no `read`, sits too deep, or is not where its path says (an annotated
/// struct's path assumes its parent's default one); its `owner` grants need an owner up the
/// chain.
fn unnestable(policy: &securegen_model::Resource, policies: &[&'static securegen_model::Resource]) -> Option<String> {
    let parent_name = policy.parent.as_ref()?;
    let Some(parent) = policies.iter().find(|p| &p.name == parent_name) else {
        return Some(format!("its parent `{parent_name}` is not registered: register it too"));
    };
    if !parent.access.contains_key(&securegen_model::Action::Read) {
        return Some(format!("its parent `{parent_name}` has no `read` action, so no caller reaches its rows"));
    }
    let ancestors = ancestors_of(policy, policies);
    if ancestors.iter().any(|a| a.name == policy.name) || ancestors.len() > securegen_model::MAX_DEPTH {
        return Some(format!("its parents go round or nest deeper than {}", securegen_model::MAX_DEPTH));
    }
    let key = policy.parent_field().map(|f| f.name.as_str()).unwrap_or_default();
    let expected = format!("{}/{{{key}}}/", parent.path);
    let rest = policy.path.strip_prefix(&expected);
    if rest.is_none_or(|r| r.is_empty() || r.contains('/')) {
        return Some(format!(
            "it lives at {} but its parent serves {}: give the struct `path = \"{expected}<segment>\"`",
            policy.path, parent.path
        ));
    }
    let owned = ancestors.iter().any(|a| a.owner.is_some() || a.tenant.is_some());
    let owner_grant = policy.access.values().flatten().any(|r| r.as_str() == "owner");
    if owner_grant && !owned {
        return Some("`owner` means the owner of its parent, but no parent up the chain has an owner".to_owned());
    }
    None
}

impl ServiceBuilder {
    /// Registers `R` with `hooks` around its actions (`NoHooks` for none).
    #[must_use]
    pub fn resource<R: Resource>(mut self, hooks: impl Hooks<R>) -> Self {
        fn type_of<T: 'static>(_: &T) -> TypeId {
            TypeId::of::<T>()
        }
        let hooks_active = type_of(&hooks) != TypeId::of::<NoHooks>();
        let mount: Mount =
            Box::new(move |shared: &Arc<Shared>, db: &Db, policies: &[&'static securegen_model::Resource]| {
                let policy = R::policy();
                let rules = Rules::new(policy).map_err(RegistrationError::from)?;
                let ancestors = ancestors_of(policy, policies);
                let state = Arc::new(Registered::<R> {
                    shared: Arc::clone(shared),
                    table: Table::nested(db.clone(), &ancestors),
                    chain: ancestors.iter().rev().map(|a| a.name.clone()).collect(),
                    limiter: ResourceLimiter::new(policy.limits.rate),
                    rules,
                    hooks: Box::new(hooks),
                    hooks_active,
                    lifecycle: lifecycle(policy),
                });
                Ok(routes(state))
            });
        self.registrations.push(Registration {
            policy: R::policy(),
            mount,
            check: maintain::row_check::<R>(),
            readable: crate::refs::readable::<R>,
        });
        self
    }

    /// Routes of the service's own, served inside the same hardening (request ids, security
    /// headers, problem documents, timeouts, CORS). They get the [`Authenticator`], so their
    /// handlers can take `Principal` or `MaybePrincipal` arguments:
    /// `.routes(|auth| Router::new().route("/me", get(me)).with_state(auth))`.
    #[must_use]
    pub fn routes(mut self, routes: impl FnOnce(Authenticator) -> Router + Send + 'static) -> Self {
        self.own.push(Box::new(routes));
        self
    }

    /// The migrations [`Service::migrate`] applies, numbered from 1 (`securegen generate`
    /// writes them; `MIGRATIONS` in the generated `lib.rs`).
    #[must_use]
    pub fn migrations(mut self, migrations: &[Migration]) -> Self {
        self.migrations = migrations.to_vec();
        self
    }

    /// Without migration files (an app of annotated structs in development):
    /// [`Service::migrate`] creates the tables that do not exist yet. It changes no table
    /// that exists; a schema that evolves needs migrations.
    #[must_use]
    pub fn create_missing_tables(mut self) -> Self {
        self.create_tables = true;
        self
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The registered resources' policies, in registration order.
    pub fn policies(&self) -> Vec<&'static securegen_model::Resource> {
        self.registrations.iter().map(|r| r.policy).collect()
    }

    /// Checks that the registrations make one service: each resource once, each under the
    /// service's base path, each field type one the runtime serves.
    fn check(&self) -> Result<(), StartError> {
        let base = format!("{}/", self.settings.service.base_path);
        let mut seen: Vec<&str> = Vec::new();
        if self.registrations.is_empty() {
            return Err(RegistrationError::Empty.into());
        }
        for r in &self.registrations {
            let p = r.policy;
            if seen.contains(&p.path.as_str()) {
                return Err(RegistrationError::Twice { name: p.name.clone(), path: p.path.clone() }.into());
            }
            seen.push(&p.path);
            if !p.path.starts_with(&base) {
                return Err(RegistrationError::OutsideBase {
                    name: p.name.clone(),
                    path: p.path.clone(),
                    base: self.settings.service.base_path.clone(),
                    version: self.settings.service.api_version.clone(),
                }
                .into());
            }
        }
        if self.settings.limits.backend == Backend::Redis {
            // Failing closed: a service that asked for a shared limit must not silently get
            // one limit per instance.
            return Err(StartError::Config(ConfigError::Invalid {
                name: "defaults.limits.backend".to_owned(),
                reason: "the redis rate-limit backend is not enabled in this build; use `memory`".to_owned(),
            }));
        }
        Ok(())
    }

    /// Assembles the service: the verifier from the key the settings name (read through
    /// `env`), the limits of connections, and every resource's routes on `db`.
    pub fn build(self, env: &Environment, db: Db) -> Result<Service, StartError> {
        self.check()?;
        let settings = self.settings;
        let policies: Vec<&'static securegen_model::Resource> = self.registrations.iter().map(|r| r.policy).collect();
        let tenant_claims: Vec<&str> =
            policies.iter().filter_map(|r| r.tenant.as_ref()).map(|t| t.claim.as_str()).collect();
        let verifier = Verifier::from_lookup(&settings.auth.jwt, &tenant_claims, |k| env.get(k))?;
        let proxies = env.trusted_proxies()?;
        let authenticator = Authenticator::new(verifier, proxies.clone());
        let refs = crate::refs::References::new(
            self.registrations
                .iter()
                .map(|r| (r.policy.name.clone(), (r.readable)(&db, &ancestors_of(r.policy, &policies)))),
        );
        for r in &self.registrations {
            if let Some((field, why)) = crate::refs::unservable(r.policy, &policies) {
                return Err(RegistrationError::Reference { resource: r.policy.name.clone(), field, why }.into());
            }
            if let Some(why) = unnestable(r.policy, &policies) {
                return Err(RegistrationError::Parent { resource: r.policy.name.clone(), why }.into());
            }
        }
        let shared = Arc::new(Shared { auth: authenticator.clone(), cursors: env.cursors()?, refs });
        let mut router = Router::new();
        let mut row_checks = RowChecks(Vec::new());
        for r in self.registrations {
            router = router.merge((r.mount)(&shared, &db, &policies)?);
            row_checks.0.push((r.policy.name.clone(), r.check));
        }
        for own in self.own {
            router = router.merge(own(authenticator.clone()));
        }
        let document = securegen_model::openapi::document(&settings, &policies);
        let openapi = serde_json::to_vec(&document).map_err(RegistrationError::from)?;
        let openapi = axum::body::Bytes::from(openapi);
        router = router
            .route("/healthz", axum::routing::get(|| async { "ok" }))
            .route(
                &format!("{}/openapi.json", settings.service.base_path),
                axum::routing::get(move || async move {
                    let mut r = openapi.into_response();
                    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    r
                }),
            )
            .fallback(|| async { problem_for_status(StatusCode::NOT_FOUND, None) });
        if !settings.cors_origins.is_empty() {
            let origins: Vec<HeaderValue> =
                settings.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
            router = router.layer(
                CorsLayer::new()
                    .allow_origin(AllowOrigin::list(origins))
                    .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
                    .allow_headers([axum::http::header::AUTHORIZATION, CONTENT_TYPE, axum::http::header::IF_MATCH])
                    .expose_headers([axum::http::header::LOCATION, axum::http::header::ETAG, REQUEST_ID])
                    .max_age(Duration::from_secs(600)),
            );
        }
        let timeout = env
            .parsed("REQUEST_TIMEOUT_SECS", 30, "a number of seconds", |v| v.parse::<u64>().ok().filter(|s| *s > 0))?;
        router = router.layer(Harden::new(Duration::from_secs(timeout), false));
        let defaults = ServeOptions::default();
        let serve_options = ServeOptions {
            max_connections: env.parsed(
                "MAX_CONNECTIONS",
                defaults.max_connections,
                "a number of connections",
                |v| v.parse().ok().filter(|n| *n > 0),
            )?,
            max_connections_per_ip: env.parsed(
                "MAX_CONNECTIONS_PER_IP",
                defaults.max_connections_per_ip,
                "a number of connections",
                |v| v.parse().ok().filter(|n| *n > 0),
            )?,
            header_read_timeout: Duration::from_secs(env.parsed(
                "HEADER_TIMEOUT_SECS",
                10,
                "a number of seconds",
                |v| v.parse::<u64>().ok().filter(|s| *s > 0),
            )?),
            trusted_proxies: proxies,
            ..defaults
        };
        Ok(Service {
            router,
            authenticator,
            db,
            settings,
            serve_options,
            migrations: self.migrations,
            manual_migrations: env.manual_migrations()?,
            row_checks,
            create_tables: self.create_tables,
            policies,
        })
    }
}
