//! Data access for SQLite. Every function that reaches a row takes an [`Authorized`], and
//! appends its row scope (owner, tenant) to the query itself: a row outside the scope is
//! never read, so it answers exactly like a missing one. Identifiers come from the validated
//! spec; every value is bound as a parameter.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use securegen_spec::{Action, FieldType, ServerValue};
use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite};

use crate::access::{Authorized, Resource};
use crate::error::ApiError;

/// The column holding the row version of `etag: true` resources.
pub const VERSION_COLUMN: &str = "_version";

/// SQLite with pooled readers and a single writer (pooled writers only contend for the lock).
#[derive(Debug, Clone)]
pub struct Db {
    read: SqlitePool,
    write: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) the database at `url`, in WAL mode.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        let read = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(Self { read, write })
    }

    /// The pool for reads, for hand-written queries (which must carry their own scope).
    pub fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// The single-connection pool for writes.
    pub fn writer(&self) -> &SqlitePool {
        &self.write
    }

    /// Creates the table of `R` when it does not exist.
    pub async fn create_table<R: Resource>(&self) -> Result<(), sqlx::Error> {
        sqlx::query(sql_safe(create_table_sql(R::policy()))).execute(&self.write).await.map(|_| ())
    }
}

/// Marks SQL built here as safe: its identifiers are table and field names from a validated
/// spec (`^[a-z][a-z0-9_]*$`, double-quoted) and its values are all bound parameters.
fn sql_safe(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

fn column_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Int | FieldType::Bool => "INTEGER",
        FieldType::Float => "REAL",
        _ => "TEXT",
    }
}

/// The SQLite `CREATE TABLE` of a resource.
pub fn create_table_sql(r: &securegen_spec::Resource) -> String {
    let mut sql = format!("CREATE TABLE IF NOT EXISTS \"{}\" (", r.table);
    let cols: Vec<String> = r
        .fields
        .iter()
        .map(|f| {
            let mut c = format!("\"{}\" {}", f.name, column_type(f.ty));
            if f.primary {
                c.push_str(" PRIMARY KEY");
            }
            if !f.optional {
                c.push_str(" NOT NULL");
            }
            c
        })
        .collect();
    sql.push_str(&cols.join(", "));
    if r.etag {
        let _ = write!(sql, ", \"{VERSION_COLUMN}\" INTEGER NOT NULL DEFAULT 1");
    }
    sql.push(')');
    sql
}

/// The SQL of a read or delete, built once per resource, statement and scope shape: the text
/// depends only on the policy and on which filters the scope carries, never on values.
fn statement<R: Resource>(auth: &Authorized<R>, kind: &'static str, build: impl FnOnce(&mut String)) -> Arc<str> {
    type Key = (usize, &'static str, bool, bool);
    static CACHE: OnceLock<RwLock<HashMap<Key, Arc<str>>>> = OnceLock::new();
    let policy = R::policy();
    let owner = policy.owner.is_some() && auth.owner_filter().is_some();
    let tenant = policy.tenant.is_some() && auth.tenant_filter().is_some();
    let key = (std::ptr::from_ref(policy) as usize, kind, owner, tenant);
    let cache = CACHE.get_or_init(|| RwLock::new(HashMap::new()));
    if let Some(sql) = cache.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Arc::clone(sql);
    }
    let mut sql = String::new();
    build(&mut sql);
    let sql: Arc<str> = Arc::from(sql);
    cache.write().unwrap_or_else(PoisonError::into_inner).insert(key, Arc::clone(&sql));
    sql
}

/// Appends ` AND owner = ? AND tenant = ?` for the scope of `auth`, and collects the binds.
fn scope<R: Resource>(auth: &Authorized<R>, sql: &mut String, binds: &mut Vec<Value>) {
    let policy = R::policy();
    if let (Some(field), Some(owner)) = (&policy.owner, auth.owner_filter()) {
        let _ = write!(sql, " AND \"{field}\" = ?");
        binds.push(Value::String(owner.to_owned()));
    }
    if let (Some(t), Some(tenant)) = (&policy.tenant, auth.tenant_filter()) {
        let _ = write!(sql, " AND \"{}\" = ?", t.field);
        binds.push(Value::String(tenant.to_owned()));
    }
}

/// The values of the scope filters, in the order [`scope`] writes them.
fn scope_binds<R: Resource>(auth: &Authorized<R>, binds: &mut Vec<Value>) {
    let mut ignored = String::new();
    scope(auth, &mut ignored, binds);
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    binds: Vec<Value>,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    for v in binds {
        q = match v {
            Value::Null => q.bind(None::<String>),
            Value::Bool(b) => q.bind(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => q.bind(i),
                None => q.bind(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => q.bind(s),
            other => q.bind(other.to_string()),
        };
    }
    q
}

fn to_map(policy: &securegen_spec::Resource, row: &SqliteRow) -> Result<Map<String, Value>, sqlx::Error> {
    let mut m = Map::new();
    for f in &policy.fields {
        let name = f.name.as_str();
        let v = match f.ty {
            FieldType::Int => row.try_get::<Option<i64>, _>(name)?.map(Value::from),
            FieldType::Float => row.try_get::<Option<f64>, _>(name)?.map(Value::from),
            FieldType::Bool => row.try_get::<Option<bool>, _>(name)?.map(Value::from),
            _ => row.try_get::<Option<String>, _>(name)?.map(Value::from),
        };
        m.insert(f.name.clone(), v.unwrap_or(Value::Null));
    }
    if policy.etag {
        m.insert(VERSION_COLUMN.to_owned(), Value::from(row.try_get::<i64, _>(VERSION_COLUMN)?));
    }
    Ok(m)
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
    let columns: Vec<&String> = policy.fields.iter().map(|f| &f.name).filter(|n| body.contains_key(*n)).collect();
    let sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) RETURNING *",
        policy.table,
        columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    let binds = columns.iter().map(|c| body.get(*c).cloned().unwrap_or(Value::Null)).collect();
    let row = bind_all(sqlx::query(sql_safe(sql)), binds).fetch_one(&db.write).await?;
    Ok(to_map(policy, &row)?)
}

/// The row with this id, if it is in the caller's scope.
pub async fn fetch<R: Resource>(
    db: &Db,
    auth: &Authorized<R>,
    id: &str,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let policy = R::policy();
    let mut binds = vec![Value::String(id.to_owned())];
    let sql = statement(auth, "fetch", |sql| {
        let _ = write!(sql, "SELECT * FROM \"{}\" WHERE \"{}\" = ?", policy.table, policy.id);
        scope(auth, sql, &mut Vec::new());
    });
    scope_binds(auth, &mut binds);
    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds).fetch_optional(&db.read).await?;
    Ok(row.map(|r| to_map(policy, &r)).transpose()?)
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
    let mut sql = format!("SELECT * FROM \"{}\" WHERE 1 = 1", policy.table);
    let mut binds = Vec::new();
    scope(auth, &mut sql, &mut binds);
    if let Some(a) = after {
        let _ = write!(sql, " AND \"{}\" > ?", policy.id);
        binds.push(Value::String(a.to_owned()));
    }
    let _ = write!(sql, " ORDER BY \"{}\" LIMIT ?", policy.id);
    binds.push(Value::from(limit));
    let rows = bind_all(sqlx::query(sql_safe(sql)), binds).fetch_all(&db.read).await?;
    rows.iter().map(|r| to_map(policy, r).map_err(ApiError::from)).collect()
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
    let mut sets: Vec<String> =
        policy.fields.iter().filter(|f| changes.contains_key(&f.name)).map(|f| format!("\"{}\" = ?", f.name)).collect();
    let mut binds: Vec<Value> = policy.fields.iter().filter_map(|f| changes.get(&f.name)).cloned().collect();
    if policy.etag {
        sets.push(format!("\"{VERSION_COLUMN}\" = \"{VERSION_COLUMN}\" + 1"));
    }
    if sets.is_empty() {
        return fetch(db, auth, id).await;
    }
    let mut sql = format!("UPDATE \"{}\" SET {} WHERE \"{}\" = ?", policy.table, sets.join(", "), policy.id);
    binds.push(Value::String(id.to_owned()));
    scope(auth, &mut sql, &mut binds);
    if let Some(v) = version {
        let _ = write!(sql, " AND \"{VERSION_COLUMN}\" = ?");
        binds.push(Value::from(v));
    }
    sql.push_str(" RETURNING *");
    let row = bind_all(sqlx::query(sql_safe(sql)), binds).fetch_optional(&db.write).await?;
    Ok(row.map(|r| to_map(policy, &r)).transpose()?)
}

/// Deletes the row with this id in the caller's scope; `false` when none matched.
pub async fn delete<R: Resource>(db: &Db, auth: &Authorized<R>, id: &str) -> Result<bool, ApiError> {
    let policy = R::policy();
    let mut binds = vec![Value::String(id.to_owned())];
    let sql = statement(auth, "delete", |sql| {
        let _ = write!(sql, "DELETE FROM \"{}\" WHERE \"{}\" = ?", policy.table, policy.id);
        scope(auth, sql, &mut Vec::new());
    });
    scope_binds(auth, &mut binds);
    let done = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds).execute(&db.write).await?;
    Ok(done.rows_affected() > 0)
}

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
