//! Data access, SQLite (embedded, the default) or PostgreSQL: one implementation each, no
//! `Any` driver. Every function that reaches a row takes an [`Authorized`] and puts its row
//! scope (owner, tenant) in the query itself: a row outside the scope is never read, so it
//! answers exactly like a missing one. Identifiers come from the validated spec; every value
//! is a bound parameter, typed by its field.

mod postgres;
mod sql;
mod sqlite;

use std::time::Duration;

use securegen_model::{Action, FieldType, ServerValue};
use serde_json::{Map, Value};

use crate::access::{Authorized, Resource};
use crate::error::ApiError;

pub use sql::{Dialect, VERSION_COLUMN, create_table_sql};

/// A connection to the service's database.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite with pooled readers and a single writer (pooled writers only contend for the
    /// file lock).
    Sqlite {
        /// Readers.
        read: sqlx::SqlitePool,
        /// The one writer.
        write: sqlx::SqlitePool,
    },
    /// A PostgreSQL pool.
    Postgres(sqlx::PgPool),
}

impl Db {
    /// Connects to `url`: `sqlite://file.db` (created if missing, WAL mode) or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            postgres::connect(url, None).await.map(Self::Postgres)
        } else {
            let (read, write) = sqlite::connect(url).await?;
            Ok(Self::Sqlite { read, write })
        }
    }

    /// Connects to PostgreSQL with every table in `schema` (which must exist), e.g. to keep
    /// test runs or tenants of a shared server apart.
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> Result<Self, sqlx::Error> {
        postgres::connect(url, Some(schema)).await.map(Self::Postgres)
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite { .. } => Dialect::Sqlite,
            Self::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite reader pool, for hand-written queries (which must carry their own scope).
    pub fn reader(&self) -> Option<&sqlx::SqlitePool> {
        match self {
            Self::Sqlite { read, .. } => Some(read),
            Self::Postgres(_) => None,
        }
    }

    /// Runs a migration script: `--` comment lines dropped, then statements separated by `;`
    /// (the generated scripts hold no `;` inside literals), each idempotent
    /// (`CREATE TABLE IF NOT EXISTS`).
    pub async fn migrate(&self, script: &str) -> Result<(), sqlx::Error> {
        let code: String = script.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
        for statement in code.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let sql: std::sync::Arc<str> = std::sync::Arc::from(statement);
            match self {
                Self::Sqlite { write, .. } => sqlite::execute(write, sql, Vec::new()).await?,
                Self::Postgres(pool) => postgres::execute(pool, sql, Vec::new()).await?,
            };
        }
        Ok(())
    }

    /// Creates the table of `R` when it does not exist.
    pub async fn create_table<R: Resource>(&self) -> Result<(), sqlx::Error> {
        let ddl = create_table_sql(R::policy(), self.dialect());
        match self {
            Self::Sqlite { write, .. } => sqlite::execute(write, ddl.into(), Vec::new()).await.map(|_| ()),
            Self::Postgres(pool) => postgres::execute(pool, ddl.into(), Vec::new()).await.map(|_| ()),
        }
    }

    async fn one(
        &self,
        policy: &securegen_model::Resource,
        sql: std::sync::Arc<str>,
        binds: Vec<Bind>,
        write: bool,
    ) -> Result<Option<Map<String, Value>>, sqlx::Error> {
        match self {
            Self::Sqlite { read, write: w } => {
                sqlite::fetch_optional(if write { w } else { read }, sql, binds, policy).await
            }
            Self::Postgres(pool) => postgres::fetch_optional(pool, sql, binds, policy).await,
        }
    }

    async fn all(
        &self,
        policy: &securegen_model::Resource,
        sql: std::sync::Arc<str>,
        binds: Vec<Bind>,
    ) -> Result<Vec<Map<String, Value>>, sqlx::Error> {
        match self {
            Self::Sqlite { read, .. } => sqlite::fetch_all(read, sql, binds, policy).await,
            Self::Postgres(pool) => postgres::fetch_all(pool, sql, binds, policy).await,
        }
    }

    async fn run(&self, sql: std::sync::Arc<str>, binds: Vec<Bind>) -> Result<u64, sqlx::Error> {
        match self {
            Self::Sqlite { write, .. } => sqlite::execute(write, sql, binds).await,
            Self::Postgres(pool) => postgres::execute(pool, sql, binds).await,
        }
    }
}

/// A value bound to a statement, typed by its column so that a NULL has a type too.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
}

impl Bind {
    /// The bind of a JSON value stored in a column of type `ty`.
    pub(crate) fn of(ty: FieldType, v: &Value) -> Self {
        match ty {
            FieldType::Int => Self::Int(v.as_i64()),
            FieldType::Float => Self::Float(v.as_f64()),
            FieldType::Bool => Self::Bool(v.as_bool()),
            _ => Self::Text(v.as_str().map(str::to_owned)),
        }
    }

    fn text(s: &str) -> Self {
        Self::Text(Some(s.to_owned()))
    }
}

/// The scope values, in the order [`sql::scope`] writes their filters.
fn scope_binds<R: Resource>(auth: &Authorized<R>, binds: &mut Vec<Bind>) {
    let policy = R::policy();
    if let (Some(_), Some(owner)) = (&policy.owner, auth.owner_filter()) {
        binds.push(Bind::text(owner));
    }
    if let (Some(_), Some(tenant)) = (&policy.tenant, auth.tenant_filter()) {
        binds.push(Bind::text(tenant));
    }
}

/// Splits the version off a row read from the database.
pub fn take_version(row: &mut Map<String, Value>) -> Option<i64> {
    row.remove(VERSION_COLUMN).and_then(|v| v.as_i64())
}

/// Inserts a validated body, filling the server fields (id, subject, tenant, time). Returns
/// the stored row.
pub async fn insert<R: Resource>(
    db: &Db,
    auth: &Authorized<R>,
    mut body: Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    debug_assert_eq!(auth.action(), Action::Create);
    let policy = R::policy();
    for f in &policy.fields {
        let value = if f.primary {
            Some(Value::String(uuid::Uuid::now_v7().to_string()))
        } else {
            match f.server {
                Some(ServerValue::Subject) => auth.subject().map(|s| Value::String(s.to_owned())),
                Some(ServerValue::Tenant) => auth.tenant_filter().map(|t| Value::String(t.to_owned())),
                Some(ServerValue::Now) if f.ty == FieldType::Date => {
                    Some(Value::String(now_rfc3339()[..10].to_owned()))
                }
                Some(ServerValue::Now) => Some(Value::String(now_rfc3339())),
                Some(ServerValue::Uuid) => Some(Value::String(uuid::Uuid::now_v7().to_string())),
                None => None,
            }
        };
        if let Some(v) = value {
            body.insert(f.name.clone(), v);
        }
    }
    let fields: Vec<&securegen_model::Field> = policy.fields.iter().filter(|f| body.contains_key(&f.name)).collect();
    let sql = sql::insert(db.dialect(), policy, &fields);
    let binds = fields.iter().map(|f| Bind::of(f.ty, body.get(&f.name).unwrap_or(&Value::Null))).collect();
    let row = db.one(policy, sql.into(), binds, true).await?.ok_or(ApiError::Internal)?;
    Ok(row)
}

/// The row with this id, if it is in the caller's scope.
pub async fn fetch<R: Resource>(
    db: &Db,
    auth: &Authorized<R>,
    id: &str,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let policy = R::policy();
    let sql = sql::cached(db.dialect(), auth, "fetch", |d, s| sql::fetch(d, policy, auth, s));
    let mut binds = vec![Bind::text(id)];
    scope_binds(auth, &mut binds);
    Ok(db.one(policy, sql, binds, false).await?)
}

/// Up to `limit` rows in the caller's scope after the id `after`, in id order (keyset
/// pagination: ids are time-ordered UUIDv7).
pub async fn page<R: Resource>(
    db: &Db,
    auth: &Authorized<R>,
    limit: u32,
    after: Option<&str>,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let policy = R::policy();
    let kind = if after.is_some() { "page-after" } else { "page" };
    let sql = sql::cached(db.dialect(), auth, kind, |d, s| sql::page(d, policy, auth, after.is_some(), s));
    let mut binds = Vec::new();
    scope_binds(auth, &mut binds);
    if let Some(a) = after {
        binds.push(Bind::text(a));
    }
    binds.push(Bind::Int(Some(i64::from(limit))));
    Ok(db.all(policy, sql, binds).await?)
}

/// Applies validated changes to the row with this id in the caller's scope. With `version`,
/// only when the row still has that version (the version then increases). `Ok(None)` when no
/// row matched.
pub async fn update<R: Resource>(
    db: &Db,
    auth: &Authorized<R>,
    id: &str,
    changes: &Map<String, Value>,
    version: Option<i64>,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let policy = R::policy();
    let fields: Vec<&securegen_model::Field> = policy.fields.iter().filter(|f| changes.contains_key(&f.name)).collect();
    if fields.is_empty() && !policy.etag {
        return fetch(db, auth, id).await;
    }
    let sql = sql::update(db.dialect(), policy, auth, &fields, version.is_some());
    let mut binds: Vec<Bind> =
        fields.iter().map(|f| Bind::of(f.ty, changes.get(&f.name).unwrap_or(&Value::Null))).collect();
    binds.push(Bind::text(id));
    scope_binds(auth, &mut binds);
    if let Some(v) = version {
        binds.push(Bind::Int(Some(v)));
    }
    Ok(db.one(policy, sql.into(), binds, true).await?)
}

/// Deletes the row with this id in the caller's scope; `false` when none matched.
pub async fn delete<R: Resource>(db: &Db, auth: &Authorized<R>, id: &str) -> Result<bool, ApiError> {
    let policy = R::policy();
    let sql = sql::cached(db.dialect(), auth, "delete", |d, s| sql::delete(d, policy, auth, s));
    let mut binds = vec![Bind::text(id)];
    scope_binds(auth, &mut binds);
    Ok(db.run(sql, binds).await? > 0)
}

/// How long a connection waits: SQLite's busy timeout, PostgreSQL's pool acquire timeout.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The current UTC time as RFC 3339 with seconds (`2026-11-22T10:00:00Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}
