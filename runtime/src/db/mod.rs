//! Data access: one interface ([`Db`]) with one implementation per database — SQLite through
//! rusqlite (the embedded default), PostgreSQL through sqlx — sharing everything but the
//! driver calls and the dialect. Rows are reached only through a [`Table`], whose every
//! method takes an [`Authorized`]: the caller's scope (owner, tenant) is in the statement
//! itself, so a row outside it is never read and answers exactly like a missing one.

pub(crate) mod bind;
#[cfg(feature = "postgres")]
mod postgres;
pub mod row;
pub(crate) mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod table;

use std::sync::Arc;

pub use bind::Bind;
pub use securegen_model::sql::{Dialect, VERSION_COLUMN, schema_script};
pub use sql::Statement;
pub use table::{Table, nested_statement_texts, statement_texts};

use crate::error::ApiError;
use crate::resource::{Resource, Row};
use row::{DecodeError, RowReader};

/// Why the database did not answer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// `DATABASE_URL` is unusable.
    #[error("{0}")]
    Config(String),
    /// A unique constraint refused the write.
    #[error("a unique value already exists")]
    Unique,
    /// A foreign key refused the write.
    #[error("a reference does not hold")]
    ForeignKey,
    /// A stored value does not fit its field's type.
    #[error("a stored row does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The driver failed.
    #[error("{0}")]
    Driver(String),
    /// The database is shutting down.
    #[error("the database is closed")]
    Closed,
}

impl DbError {
    #[cfg(feature = "sqlite")]
    pub(crate) fn from_sqlite(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::ConstraintViolation) => {
                let text = e.to_string();
                if text.contains("FOREIGN KEY") {
                    Self::ForeignKey
                } else if text.contains("UNIQUE") {
                    Self::Unique
                } else {
                    Self::Driver(text)
                }
            }
            _ => Self::Driver(e.to_string()),
        }
    }

    #[cfg(feature = "sqlite")]
    pub(crate) fn driver(e: rusqlite::Error) -> Self {
        Self::Driver(e.to_string())
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn from_sqlx(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return Self::Unique;
            }
            if db.is_foreign_key_violation() {
                return Self::ForeignKey;
            }
        }
        Self::Driver(e.to_string())
    }
}

impl From<DbError> for ApiError {
    /// Database failures are internal: logged with their cause, never shown. A unique value
    /// is a conflict the client can act on.
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unique => Self::Conflict { detail: "a row with this value already exists".to_owned() },
            DbError::ForeignKey => Self::Conflict {
                detail: "the row is referenced by other rows, or refers to one that no longer exists".to_owned(),
            },
            other => {
                tracing::error!(error = %other, "database error");
                Self::Internal
            }
        }
    }
}

/// Decodes a row: the resource's fields, then the version of an ETag resource.
pub(crate) fn decode_row<R: Resource, Rd: RowReader>(row: &mut Rd) -> Result<Row<R>, DecodeError> {
    let value = R::decode(row)?;
    let version = if R::policy().etag { Some(row.get::<i64>(R::policy().fields.len())?) } else { None };
    Ok(Row { value, version })
}

#[derive(Debug)]
enum Backend {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlite::SqliteDb),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgDb),
}

/// A connection to the service's database (cheap to clone).
#[derive(Debug, Clone)]
pub struct Db(Arc<Backend>);

impl Db {
    /// Connects to `url`: `sqlite://file.db` (created owner-only if missing, WAL mode) or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Self(Arc::new(Backend::Postgres(postgres::PgDb::connect(url, None, 16).await?))));
            #[cfg(not(feature = "postgres"))]
            return Err(DbError::Config("this build has no PostgreSQL support (feature `postgres`)".to_owned()));
        }
        #[cfg(feature = "sqlite")]
        {
            let readers = std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).max(4));
            let url = url.to_owned();
            let db = tokio::task::spawn_blocking(move || sqlite::SqliteDb::open(&url, readers))
                .await
                .map_err(|_| DbError::Closed)??;
            Ok(Self(Arc::new(Backend::Sqlite(db))))
        }
        #[cfg(not(feature = "sqlite"))]
        Err(DbError::Config(format!("`{url}` is not a PostgreSQL URL, and this build has no SQLite support")))
    }

    /// Connects to PostgreSQL with every table in `schema` (which must exist), e.g. to keep
    /// test runs or tenants of a shared server apart.
    #[cfg(feature = "postgres")]
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> Result<Self, DbError> {
        Ok(Self(Arc::new(Backend::Postgres(postgres::PgDb::connect(url, Some(schema), 8).await?))))
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite file, when this is one.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => Some(s.path()),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => None,
        }
    }

    pub(crate) async fn read_one<R: Resource>(&self, stmt: Statement) -> Result<Option<Row<R>>, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.read_one(stmt).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.fetch_one(stmt).await,
        }
    }

    pub(crate) async fn read_all<R: Resource>(&self, stmt: Statement) -> Result<Vec<Row<R>>, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.read_all(stmt).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.fetch_all(stmt).await,
        }
    }

    pub(crate) async fn write_one<R: Resource>(&self, stmt: Statement) -> Result<Option<Row<R>>, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.write_one(stmt).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.fetch_one(stmt).await,
        }
    }

    /// Whether a read-only statement answers any row.
    pub(crate) async fn exists(&self, stmt: Statement) -> Result<bool, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.exists(stmt).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.exists(stmt).await,
        }
    }

    pub(crate) async fn write_count(&self, stmt: Statement) -> Result<u64, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.write_count(stmt).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.execute(stmt).await,
        }
    }

    /// Runs a script (statements separated by `;`) in one transaction.
    pub async fn batch(&self, script: &str) -> Result<(), DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.batch(script.to_owned()).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.batch(script.to_owned()).await,
        }
    }

    /// Applies the pending migrations of `list` (see [`crate::migrate`]).
    pub async fn migrate(
        &self,
        list: &[crate::migrate::Migration],
    ) -> Result<Vec<crate::migrate::Applied>, crate::migrate::MigrateError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.migrate(list).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.migrate(list).await,
        }
    }

    /// The migrations the database has applied, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<crate::migrate::Applied>, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.applied().await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.applied().await,
        }
    }

    /// The columns of `policy`'s table the database does not have (all of them when the
    /// table is missing): a service whose schema lacks one would answer 500 to every request
    /// that reads it, so the start stops instead.
    pub async fn missing_columns(&self, policy: &securegen_model::Resource) -> Result<Vec<String>, DbError> {
        let table = securegen_model::migrate::Table::of(policy);
        // The table name is a validated identifier (`^[a-z][a-z0-9_]*$`).
        let sql = match self.dialect() {
            Dialect::Sqlite => format!("SELECT name FROM pragma_table_info('{}')", table.name),
            Dialect::Postgres => format!(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{}'",
                table.name
            ),
        };
        let present: Vec<String> =
            self.rows_as_text(&sql).await?.into_iter().filter_map(|r| r.into_iter().next()).collect();
        Ok(table.columns.into_iter().map(|c| c.name).filter(|c| !present.contains(c)).collect())
    }

    /// How the database would run `sql` (parameters unbound): SQLite's `EXPLAIN QUERY PLAN`
    /// lines, or PostgreSQL's generic plan with sequential scans priced out — the plan of a
    /// large table, which tells whether an index serves the statement.
    pub async fn query_plan(&self, sql: &str) -> Result<Vec<String>, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.query_plan(sql.to_owned()).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.query_plan(sql.to_owned()).await,
        }
    }

    /// The rows of a read-only query, every value as text (for `EXPLAIN` and introspection).
    pub async fn rows_as_text(&self, sql: &str) -> Result<Vec<Vec<String>>, DbError> {
        match &*self.0 {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(s) => s.rows_as_text(sql.to_owned()).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.rows_as_text(sql.to_owned()).await,
        }
    }

    /// Creates the table of `R` and its indexes when they do not exist (services without
    /// migration files).
    pub async fn create_table<R: Resource>(&self) -> Result<(), DbError> {
        self.batch(&schema_script(R::policy(), self.dialect())).await
    }
}
