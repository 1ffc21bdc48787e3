//! PostgreSQL through sqlx: a pool, native types (`uuid`, `timestamptz`, `date`), rows
//! decoded straight into the resource's struct.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::{Arguments as _, PgPool};

use super::bind::Bind;
use super::row::PgRowReader;
use super::sql::Statement;
use super::{DbError, decode_row};
use crate::migrate::{Applied, MigrateError, Migration, failed, pending, record_table};
use crate::resource::{Resource, Row};

/// The advisory lock instances take while they migrate ("securegen" in ASCII).
const MIGRATION_LOCK: i64 = 0x7365_6375_7265_6765;

/// How long a request waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL pool.
#[derive(Debug, Clone)]
pub(crate) struct PgDb {
    pub(crate) pool: PgPool,
}

impl PgDb {
    /// Connects; with `schema`, every connection works in that schema (which must exist).
    pub(crate) async fn connect(url: &str, schema: Option<&str>, max: u32) -> Result<Self, DbError> {
        let mut options = PgConnectOptions::from_str(url).map_err(DbError::from_sqlx)?;
        if let Some(s) = schema {
            options = options.options([("search_path", s)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(DbError::from_sqlx)?;
        Ok(Self { pool })
    }

    fn arguments(binds: Vec<Bind>) -> Result<PgArguments, DbError> {
        let mut args = PgArguments::default();
        for b in binds {
            let added = match b {
                Bind::Text(v) => args.add(v),
                Bind::Int(v) => args.add(v),
                Bind::Float(v) => args.add(v),
                Bind::Bool(v) => args.add(v),
                Bind::Uuid(v) => args.add(v),
                Bind::Timestamp(v) => args.add(v),
                Bind::Date(v) => args.add(v),
            };
            added.map_err(|e| DbError::Driver(e.to_string()))?;
        }
        Ok(args)
    }

    pub(crate) async fn fetch_all<R: Resource>(&self, stmt: Statement) -> Result<Vec<Row<R>>, DbError> {
        let args = Self::arguments(stmt.binds)?;
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql), args)
            .fetch_all(&self.pool)
            .await
            .map_err(DbError::from_sqlx)?;
        rows.iter().map(|r| decode_row::<R, _>(&mut PgRowReader(r)).map_err(DbError::Decode)).collect()
    }

    pub(crate) async fn fetch_one<R: Resource>(&self, stmt: Statement) -> Result<Option<Row<R>>, DbError> {
        let args = Self::arguments(stmt.binds)?;
        let row = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql), args)
            .fetch_optional(&self.pool)
            .await
            .map_err(DbError::from_sqlx)?;
        row.map(|r| decode_row::<R, _>(&mut PgRowReader(&r)).map_err(DbError::Decode)).transpose()
    }

    pub(crate) async fn exists(&self, stmt: Statement) -> Result<bool, DbError> {
        let args = Self::arguments(stmt.binds)?;
        let row = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql), args)
            .fetch_optional(&self.pool)
            .await
            .map_err(DbError::from_sqlx)?;
        Ok(row.is_some())
    }

    pub(crate) async fn execute(&self, stmt: Statement) -> Result<u64, DbError> {
        let args = Self::arguments(stmt.binds)?;
        let done = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql), args)
            .execute(&self.pool)
            .await
            .map_err(DbError::from_sqlx)?;
        Ok(done.rows_affected())
    }

    /// Runs a script of statements in one transaction.
    pub(crate) async fn batch(&self, script: String) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await.map_err(DbError::from_sqlx)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(script)).execute(&mut *tx).await.map_err(DbError::from_sqlx)?;
        tx.commit().await.map_err(DbError::from_sqlx)
    }

    /// The migrations the database has applied.
    pub(crate) async fn applied(&self) -> Result<Vec<Applied>, DbError> {
        let mut conn = self.pool.acquire().await.map_err(DbError::from_sqlx)?;
        applied_on(&mut conn).await
    }

    /// Applies the pending migrations of `list` under an advisory lock (racing instances
    /// wait, then find them applied), each in a transaction with its record. The lock dies
    /// with the connection, which is closed afterwards whatever happened.
    pub(crate) async fn migrate(&self, list: &[Migration]) -> Result<Vec<Applied>, MigrateError> {
        let mut conn = self.pool.acquire().await.map_err(DbError::from_sqlx)?.detach();
        let result = migrate_on(&mut conn, list).await;
        let _ = sqlx::Connection::close(conn).await;
        result
    }

    /// The plan PostgreSQL would run `sql` with if its tables were large: on a connection of
    /// its own (closed afterwards, its settings changed), sequential scans are priced out and
    /// the plan is the generic one, for any parameter values.
    pub(crate) async fn query_plan(&self, sql: String) -> Result<Vec<String>, DbError> {
        use sqlx::{Connection as _, Row as _};
        let mut conn = self.pool.acquire().await.map_err(DbError::from_sqlx)?.detach();
        let setup = format!(
            "SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan; PREPARE securegen_plan AS {sql}"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(setup)).execute(&mut conn).await.map_err(DbError::from_sqlx)?;
        let types: String =
            sqlx::query("SELECT parameter_types::text FROM pg_prepared_statements WHERE name = 'securegen_plan'")
                .fetch_one(&mut conn)
                .await
                .and_then(|r| r.try_get(0))
                .map_err(DbError::from_sqlx)?;
        let args: Vec<&str> = types
            .trim_matches(['{', '}'])
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| match t.trim_matches('"') {
                "uuid" => "'00000000-0000-7000-8000-000000000000'",
                "bigint" | "integer" | "double precision" => "1",
                "boolean" => "true",
                "timestamp with time zone" => "now()",
                "date" => "current_date",
                _ => "'x'",
            })
            .collect();
        let explain = if args.is_empty() {
            "EXPLAIN EXECUTE securegen_plan".to_owned()
        } else {
            format!("EXPLAIN EXECUTE securegen_plan({})", args.join(", "))
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(explain)).fetch_all(&mut conn).await.map_err(DbError::from_sqlx)?;
        let plan =
            rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>().map_err(DbError::from_sqlx)?;
        let _ = conn.close().await;
        Ok(plan)
    }

    /// Rows of a read-only query, as text.
    pub(crate) async fn rows_as_text(&self, sql: String) -> Result<Vec<Vec<String>>, DbError> {
        use sqlx::Row as _;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await.map_err(DbError::from_sqlx)?;
        Ok(rows.iter().map(|r| (0..r.len()).map(|i| r.try_get::<String, _>(i).unwrap_or_default()).collect()).collect())
    }
}

async fn applied_on(conn: &mut sqlx::PgConnection) -> Result<Vec<Applied>, DbError> {
    use sqlx::Row as _;
    let exists: bool = sqlx::query("SELECT to_regclass($1) IS NOT NULL")
        .bind(crate::migrate::TABLE)
        .fetch_one(&mut *conn)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(DbError::from_sqlx)?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT version, name, checksum FROM \"{}\" ORDER BY version",
        crate::migrate::TABLE
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    rows.iter()
        .map(|r| {
            Ok(Applied {
                version: u32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0),
                name: r.try_get(1)?,
                checksum: r.try_get(2)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from_sqlx)
}

async fn migrate_on(conn: &mut sqlx::PgConnection, list: &[Migration]) -> Result<Vec<Applied>, MigrateError> {
    use sqlx::Connection as _;
    let dialect = super::Dialect::Postgres;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from_sqlx)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(record_table(dialect))).execute(&mut *conn).await.map_err(DbError::from_sqlx)?;
    let applied = applied_on(conn).await?;
    let mut done = Vec::new();
    for m in pending(list, &applied, dialect)? {
        let mut tx = conn.begin().await.map_err(DbError::from_sqlx)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(m.script(dialect).to_owned()))
            .execute(&mut *tx)
            .await
            .map_err(|e| failed(m, dialect, DbError::from_sqlx(e)))?;
        let checksum = m.checksum(dialect);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO \"{}\" (version, name, checksum) VALUES ($1, $2, $3)",
            crate::migrate::TABLE
        )))
        .bind(i64::from(m.version))
        .bind(m.name.as_ref())
        .bind(&checksum)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from_sqlx)?;
        tx.commit().await.map_err(DbError::from_sqlx)?;
        done.push(Applied { version: m.version, name: m.name.to_string(), checksum });
    }
    Ok(done)
}
