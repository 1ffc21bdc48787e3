//! SQLite through rusqlite: a fixed pool of read-only connections, each query a whole hop
//! onto a blocking thread (rows decoded there, typed), and one writer connection owned by
//! one thread that commits queued writes in groups — one transaction and one WAL sync for
//! every write waiting at that moment, each write in its own savepoint so that one failing
//! does not undo the others, each answered only once its group committed. Durability is
//! SQLite's `synchronous = FULL`. The database file is created owner-only (0600), and SQLite
//! gives its WAL and shared-memory files the same mode.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params_from_iter};
use tokio::sync::{Semaphore, oneshot};

use super::row::SqliteRow;
use super::sql::Statement;
use super::{DbError, decode_row};
use crate::migrate::{Applied, MigrateError, Migration, failed, pending, record_table};
use crate::resource::{Resource, Row};

/// How long a connection waits for a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Most writes committed together.
const MAX_GROUP: usize = 256;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

/// A write to run on the writer connection (`None` when its group could not begin, so it
/// must not run): it answers whether it succeeded (else its savepoint is rolled back) and how
/// to reply once the group's commit is known.
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Reply) + Send>;
/// Sends a write's outcome; given the commit's error, if any.
type Reply = Box<dyn FnOnce(Option<&str>) + Send>;

/// An SQLite database: readers and the writer on one file in WAL mode.
#[derive(Debug)]
pub(crate) struct SqliteDb {
    readers: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
    writer: Mutex<mpsc::Sender<Job>>,
    path: PathBuf,
}

/// The file of `sqlite://path` or `sqlite:path`.
pub(crate) fn path_of(url: &str) -> Result<PathBuf, DbError> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    if rest.is_empty() || rest.contains(":memory:") || rest.contains('?') {
        return Err(DbError::Config(format!(
            "`{url}` is not a database file: write sqlite://path/to/file.db (an in-memory database is not shared by connections)"
        )));
    }
    Ok(PathBuf::from(rest))
}

/// Creates the file owner-only when it does not exist yet.
fn create_private(path: &Path) -> Result<(), DbError> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DbError::Config(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(DbError::Config(format!("cannot create {}: {e}", path.display()))),
    }
}

fn open(path: &Path, read_only: bool) -> Result<Connection, rusqlite::Error> {
    // Readers open read-write and are then made query-only: a connection opened read-only
    // cannot map the WAL index writable, and takes a file lock and copies the index for every
    // read transaction instead.
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let c = Connection::open_with_flags(path, flags)?;
    if read_only {
        c.pragma_update(None, "query_only", "ON")?;
    }
    c.busy_timeout(BUSY_TIMEOUT)?;
    c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Plans that do not depend on bound values: without it a statement with `LIMIT ?` is
    // prepared again each time it is bound, so the statement cache would not help.
    c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    Ok(c)
}

impl SqliteDb {
    /// Opens (creating it owner-only when missing) the database at `url`.
    pub(crate) fn open(url: &str, readers: usize) -> Result<Self, DbError> {
        let path = path_of(url)?;
        create_private(&path)?;
        let writer = open(&path, false).map_err(DbError::driver)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(DbError::driver)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DbError::Config(format!("{} cannot use WAL mode (journal_mode is {mode})", path.display())));
        }
        writer.pragma_update(None, "synchronous", "FULL").map_err(DbError::driver)?;
        let pool =
            (0..readers.max(1)).map(|_| open(&path, true)).collect::<Result<Vec<_>, _>>().map_err(DbError::driver)?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("securegen-sqlite-writer".to_owned())
            .spawn(move || write_loop(&writer, &rx))
            .map_err(|e| DbError::Config(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(pool.len())),
            readers: Arc::new(Mutex::new(pool)),
            writer: Mutex::new(tx),
            path,
        })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a reader connection: in place when a reader is free (measured: cheaper
    /// than the hop to another thread for point reads and pages alike), else on a blocking
    /// thread.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            let conn = self.readers.lock().unwrap_or_else(PoisonError::into_inner).pop().ok_or(DbError::Closed)?;
            let out = f(&conn);
            self.readers.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
            drop(permit);
            return out;
        }
        let permit = Arc::clone(&self.permits).acquire_owned().await.map_err(|_| DbError::Closed)?;
        let readers = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().unwrap_or_else(PoisonError::into_inner).pop().ok_or(DbError::Closed)?;
            let out = f(&conn);
            readers.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
            drop(permit);
            out
        })
        .await
        .map_err(|_| DbError::Closed)?
    }

    /// Queues `job` on the writer and waits for its outcome after its group committed.
    async fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let (tx, rx) = oneshot::channel::<Result<T, DbError>>();
        let boxed: Job = Box::new(move |conn: Option<&Connection>| {
            let outcome = match conn {
                Some(conn) => job(conn),
                None => Err(DbError::Driver("the write transaction could not begin".to_owned())),
            };
            let ok = outcome.is_ok();
            let reply: Reply = Box::new(move |commit_error: Option<&str>| {
                let answer = match commit_error {
                    Some(e) if ok => Err(DbError::Driver(format!("commit failed: {e}"))),
                    _ => outcome,
                };
                let _ = tx.send(answer);
            });
            (ok, reply)
        });
        self.writer.lock().unwrap_or_else(PoisonError::into_inner).send(boxed).map_err(|_| DbError::Closed)?;
        rx.await.map_err(|_| DbError::Closed)?
    }

    pub(crate) async fn read_all<R: Resource>(&self, stmt: Statement) -> Result<Vec<Row<R>>, DbError> {
        self.read(move |conn| query::<R>(conn, &stmt, usize::MAX)).await
    }

    pub(crate) async fn read_one<R: Resource>(&self, stmt: Statement) -> Result<Option<Row<R>>, DbError> {
        self.read(move |conn| Ok(query::<R>(conn, &stmt, 1)?.pop())).await
    }

    pub(crate) async fn exists(&self, stmt: Statement) -> Result<bool, DbError> {
        self.read(move |conn| {
            let mut s = conn.prepare_cached(&stmt.sql).map_err(DbError::from_sqlite)?;
            let mut rows = s.query(params_from_iter(stmt.binds.iter())).map_err(DbError::from_sqlite)?;
            Ok(rows.next().map_err(DbError::from_sqlite)?.is_some())
        })
        .await
    }

    pub(crate) async fn write_one<R: Resource>(&self, stmt: Statement) -> Result<Option<Row<R>>, DbError> {
        self.write(move |conn| Ok(query::<R>(conn, &stmt, 1)?.pop())).await
    }

    pub(crate) async fn write_count(&self, stmt: Statement) -> Result<u64, DbError> {
        self.write(move |conn| {
            let mut s = conn.prepare_cached(&stmt.sql).map_err(DbError::from_sqlite)?;
            let n = s.execute(params_from_iter(stmt.binds.iter())).map_err(DbError::from_sqlite)?;
            Ok(n as u64)
        })
        .await
    }

    /// Runs a script of statements in one transaction on the writer.
    pub(crate) async fn batch(&self, script: String) -> Result<(), DbError> {
        self.write(move |conn| conn.execute_batch(&script).map_err(DbError::from_sqlite)).await
    }

    /// Rows of a read-only query (EXPLAIN, introspection), as text.
    /// Applies the pending migrations of `list` on a connection of its own, each in an
    /// immediate transaction (SQLite's write lock: another process migrating the same file
    /// waits, then finds the migration applied). Foreign keys are checked at the end of each
    /// migration rather than statement by statement, so that a table can be rebuilt.
    pub(crate) async fn migrate(&self, list: &[Migration]) -> Result<Vec<Applied>, MigrateError> {
        let path = self.path.clone();
        let list = list.to_vec();
        tokio::task::spawn_blocking(move || migrate_on(&path, &list)).await.map_err(|_| DbError::Closed)?
    }

    /// `EXPLAIN QUERY PLAN` of `sql`, whose parameters stay unbound: one line per step.
    pub(crate) async fn query_plan(&self, sql: String) -> Result<Vec<String>, DbError> {
        self.read(move |conn| {
            let mut s = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).map_err(DbError::from_sqlite)?;
            let mut rows = s.raw_query();
            let mut out = Vec::new();
            while let Some(r) = rows.next().map_err(DbError::from_sqlite)? {
                out.push(r.get::<_, String>(3).map_err(DbError::from_sqlite)?);
            }
            Ok(out)
        })
        .await
    }

    /// The migrations the database has applied.
    pub(crate) async fn applied(&self) -> Result<Vec<Applied>, DbError> {
        self.read(applied_on).await
    }

    pub(crate) async fn rows_as_text(&self, sql: String) -> Result<Vec<Vec<String>>, DbError> {
        self.read(move |conn| {
            let mut s = conn.prepare(&sql).map_err(DbError::from_sqlite)?;
            let n = s.column_count();
            let mut rows = s.query([]).map_err(DbError::from_sqlite)?;
            let mut out = Vec::new();
            while let Some(r) = rows.next().map_err(DbError::from_sqlite)? {
                let mut line = Vec::with_capacity(n);
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i).map_err(DbError::from_sqlite)?;
                    line.push(match v {
                        rusqlite::types::Value::Null => String::new(),
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        rusqlite::types::Value::Real(x) => x.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        rusqlite::types::Value::Blob(_) => "<blob>".to_owned(),
                    });
                }
                out.push(line);
            }
            Ok(out)
        })
        .await
    }
}

/// Runs `stmt` and decodes up to `max` rows.
fn query<R: Resource>(conn: &Connection, stmt: &Statement, max: usize) -> Result<Vec<Row<R>>, DbError> {
    let mut s = conn.prepare_cached(&stmt.sql).map_err(DbError::from_sqlite)?;
    let mut rows = s.query(params_from_iter(stmt.binds.iter())).map_err(DbError::from_sqlite)?;
    let mut out = Vec::new();
    while out.len() < max {
        let Some(r) = rows.next().map_err(DbError::from_sqlite)? else { break };
        out.push(decode_row::<R, _>(&mut SqliteRow(r))?);
    }
    Ok(out)
}

/// The writer thread: group commit until every sender is gone.
fn write_loop(conn: &Connection, rx: &mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            tracing::error!(error = %e, "sqlite: cannot begin a write transaction");
            for job in group {
                let (_, reply) = job(None);
                reply(None);
            }
            continue;
        }
        let mut replies = Vec::with_capacity(group.len());
        for job in group {
            let _ = conn.execute_batch("SAVEPOINT securegen_write");
            let (ok, reply) = job(Some(conn));
            let end =
                if ok { "RELEASE securegen_write" } else { "ROLLBACK TO securegen_write; RELEASE securegen_write" };
            let _ = conn.execute_batch(end);
            replies.push(reply);
        }
        let commit = conn.execute_batch("COMMIT").err().map(|e| e.to_string());
        if let Some(e) = &commit {
            let _ = conn.execute_batch("ROLLBACK");
            tracing::error!(error = %e, "sqlite: commit failed");
        }
        for reply in replies {
            reply(commit.as_deref());
        }
    }
}

/// The migrations `conn` has applied.
pub(crate) fn applied_on(conn: &Connection) -> Result<Vec<Applied>, DbError> {
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [crate::migrate::TABLE],
            |r| r.get(0),
        )
        .map_err(DbError::from_sqlite)?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut s = conn
        .prepare(&format!("SELECT version, name, checksum FROM \"{}\" ORDER BY version", crate::migrate::TABLE))
        .map_err(DbError::from_sqlite)?;
    let rows = s
        .query_map([], |r| {
            Ok(Applied {
                version: u32::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                name: r.get(1)?,
                checksum: r.get(2)?,
            })
        })
        .map_err(DbError::from_sqlite)?;
    rows.collect::<Result<_, _>>().map_err(DbError::from_sqlite)
}

fn migrate_on(path: &Path, list: &[Migration]) -> Result<Vec<Applied>, MigrateError> {
    let dialect = super::Dialect::Sqlite;
    let conn = open(path, false).map_err(DbError::from_sqlite)?;
    conn.execute_batch(&record_table(dialect)).map_err(DbError::from_sqlite)?;
    pending(list, &applied_on(&conn)?, dialect)?;
    let mut done = Vec::new();
    for m in list {
        conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE").map_err(DbError::from_sqlite)?;
        let result = (|| {
            // Under the lock, look again: another process may have applied it meanwhile.
            let applied = applied_on(&conn)?;
            if pending(list, &applied, dialect)?.iter().all(|p| p.version != m.version) {
                return Ok(None);
            }
            conn.execute_batch(m.script(dialect)).map_err(|e| failed(m, dialect, DbError::from_sqlite(e)))?;
            let broken: Option<String> =
                conn.query_row("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1", [], |r| r.get(0)).ok();
            if let Some(table) = broken {
                return Err(failed(
                    m,
                    dialect,
                    DbError::Driver(format!("rows of {table} refer to rows that do not exist")),
                ));
            }
            let checksum = m.checksum(dialect);
            conn.execute(
                &format!(
                    "INSERT INTO \"{}\" (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
                    crate::migrate::TABLE
                ),
                rusqlite::params![
                    i64::from(m.version),
                    m.name.as_ref(),
                    checksum,
                    securegen_model::values::format_timestamp(time::OffsetDateTime::now_utc())
                ],
            )
            .map_err(DbError::from_sqlite)?;
            Ok(Some(Applied { version: m.version, name: m.name.to_string(), checksum }))
        })();
        match result {
            Ok(applied) => {
                conn.execute_batch("COMMIT; PRAGMA foreign_keys = ON").map_err(DbError::from_sqlite)?;
                done.extend(applied);
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK; PRAGMA foreign_keys = ON");
                return Err(e);
            }
        }
    }
    Ok(done)
}
