//! The SQLite backend: pools, binding and decoding.

use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool};

use super::{BUSY_TIMEOUT, Bind, VERSION_COLUMN};
use securegen_model::FieldType;

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments>;

/// Readers and the single writer, on one file in WAL mode.
pub(super) async fn connect(url: &str) -> Result<(SqlitePool, SqlitePool), sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true);
    let write = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
    let read = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    Ok((read, write))
}

fn bind_all(mut q: Query<'_>, binds: Vec<Bind>) -> Query<'_> {
    for b in binds {
        q = match b {
            Bind::Text(v) => q.bind(v),
            Bind::Int(v) => q.bind(v),
            Bind::Float(v) => q.bind(v),
            Bind::Bool(v) => q.bind(v),
        };
    }
    q
}

fn decode(policy: &securegen_model::Resource, row: &SqliteRow) -> Result<Map<String, Value>, sqlx::Error> {
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

pub(super) async fn fetch_optional(
    pool: &SqlitePool,
    sql: Arc<str>,
    binds: Vec<Bind>,
    policy: &securegen_model::Resource,
) -> Result<Option<Map<String, Value>>, sqlx::Error> {
    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds).fetch_optional(pool).await?;
    row.map(|r| decode(policy, &r)).transpose()
}

pub(super) async fn fetch_all(
    pool: &SqlitePool,
    sql: Arc<str>,
    binds: Vec<Bind>,
    policy: &securegen_model::Resource,
) -> Result<Vec<Map<String, Value>>, sqlx::Error> {
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds).fetch_all(pool).await?;
    rows.iter().map(|r| decode(policy, r)).collect()
}

pub(super) async fn execute(pool: &SqlitePool, sql: Arc<str>, binds: Vec<Bind>) -> Result<u64, sqlx::Error> {
    Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds).execute(pool).await?.rows_affected())
}
