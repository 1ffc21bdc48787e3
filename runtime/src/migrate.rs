//! Applying a service's migrations safely at start. The table `securegen_migrations` records
//! each applied migration (version, name, checksum of the script, time). Pending migrations
//! run in order, each in its own transaction with its record; an applied one whose script
//! changed, or a database that has applied a migration this binary does not know, stops the
//! start with a message. Instances racing to migrate one database apply each migration once:
//! PostgreSQL serialises them with an advisory lock, SQLite with its write lock.

use std::borrow::Cow;

use sha2::Digest as _;

use crate::db::{Db, DbError, Dialect};

/// The table of applied migrations.
pub const TABLE: &str = "securegen_migrations";

/// One migration: its number, its name and its script for each dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The number (`0002_…` is 2), from 1, without gaps.
    pub version: u32,
    /// `add_order_note`.
    pub name: Cow<'static, str>,
    /// The SQLite script.
    pub sqlite: Cow<'static, str>,
    /// The PostgreSQL script.
    pub postgres: Cow<'static, str>,
}

impl Migration {
    /// A migration compiled into the binary (`include_str!` of the generated files).
    pub const fn new(version: u32, name: &'static str, sqlite: &'static str, postgres: &'static str) -> Self {
        Self { version, name: Cow::Borrowed(name), sqlite: Cow::Borrowed(sqlite), postgres: Cow::Borrowed(postgres) }
    }

    /// The script for `dialect`.
    pub fn script(&self, dialect: Dialect) -> &str {
        match dialect {
            Dialect::Sqlite => &self.sqlite,
            Dialect::Postgres => &self.postgres,
        }
    }

    /// The SHA-256 of the script for `dialect`, hex: what the database records.
    pub fn checksum(&self, dialect: Dialect) -> String {
        sha2::Sha256::digest(self.script(dialect).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The `-- hint:` lines of the script: what to do when it fails.
    fn hints(&self, dialect: Dialect) -> Vec<String> {
        self.script(dialect).lines().filter_map(|l| l.strip_prefix("-- hint: ")).map(str::to_owned).collect()
    }
}

/// A migration the database has applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Its number.
    pub version: u32,
    /// Its name.
    pub name: String,
    /// The checksum of the script it ran.
    pub checksum: String,
}

/// Why the migrations could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// An applied migration's script is not the one the database ran.
    #[error(
        "migration {version:04}_{name} was changed after the database applied it (checksum {recorded}, now {now}): restore the file as it was, and put the change in a new migration (`securegen generate`)"
    )]
    Changed {
        /// Its number.
        version: u32,
        /// Its name.
        name: String,
        /// What the database recorded.
        recorded: String,
        /// What the binary holds.
        now: String,
    },
    /// The database has applied a migration this binary does not have.
    #[error(
        "the database has applied migration {version:04}_{name}, which this build does not know: it is newer than this binary (deploy the newer build, or restore the database)"
    )]
    Newer {
        /// Its number.
        version: u32,
        /// Its name.
        name: String,
    },
    /// The migrations given are not numbered 1, 2, 3….
    #[error("migration {found:04} is numbered out of order (expected {expected:04})")]
    Order {
        /// The number expected.
        expected: u32,
        /// The number found.
        found: u32,
    },
    /// A migration failed; its transaction was rolled back.
    #[error("migration {version:04}_{name} failed and was rolled back, nothing of it applied: {source}{}", hint_lines(.hints))]
    Failed {
        /// Its number.
        version: u32,
        /// Its name.
        name: String,
        /// The database's reason.
        source: DbError,
        /// The migration's own hints.
        hints: Vec<String>,
    },
    /// `MIGRATIONS=manual` and some are pending.
    #[error(
        "{count} migration(s) are pending and MIGRATIONS=manual: run `{binary} migrate` first (or `{binary} migrate --dry-run` to see them)"
    )]
    Pending {
        /// How many.
        count: usize,
        /// The binary's name.
        binary: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn hint_lines(hints: &[String]) -> String {
    hints.iter().map(|h| format!("\n  hint: {h}")).collect()
}

/// The migrations of `list` the database has not applied, after checking the ones it has.
pub fn pending<'a>(
    list: &'a [Migration],
    applied: &[Applied],
    dialect: Dialect,
) -> Result<Vec<&'a Migration>, MigrateError> {
    for (i, m) in list.iter().enumerate() {
        let expected = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if m.version != expected {
            return Err(MigrateError::Order { expected, found: m.version });
        }
    }
    for a in applied {
        let Some(m) = list.iter().find(|m| m.version == a.version) else {
            return Err(MigrateError::Newer { version: a.version, name: a.name.clone() });
        };
        let now = m.checksum(dialect);
        if now != a.checksum {
            return Err(MigrateError::Changed {
                version: a.version,
                name: a.name.clone(),
                recorded: a.checksum.clone(),
                now,
            });
        }
    }
    Ok(list.iter().filter(|m| !applied.iter().any(|a| a.version == m.version)).collect())
}

/// Applies the pending migrations of `list`, each in its own transaction with its record;
/// answers the ones applied.
pub async fn apply(db: &Db, list: &[Migration]) -> Result<Vec<Applied>, MigrateError> {
    db.migrate(list).await
}

/// What `apply` would do, without doing it.
pub async fn dry_run<'a>(db: &Db, list: &'a [Migration]) -> Result<Vec<&'a Migration>, MigrateError> {
    let applied = db.applied_migrations().await?;
    pending(list, &applied, db.dialect())
}

/// Runs `m`'s failure through the hints it carries.
pub(crate) fn failed(m: &Migration, dialect: Dialect, source: DbError) -> MigrateError {
    MigrateError::Failed { version: m.version, name: m.name.to_string(), source, hints: m.hints(dialect) }
}

/// The `CREATE TABLE` of the record.
pub(crate) fn record_table(dialect: Dialect) -> String {
    let at = if dialect == Dialect::Postgres { "TIMESTAMPTZ NOT NULL DEFAULT now()" } else { "TEXT NOT NULL" };
    format!(
        "CREATE TABLE IF NOT EXISTS \"{TABLE}\" (\"version\" BIGINT PRIMARY KEY NOT NULL, \"name\" TEXT NOT NULL, \"checksum\" TEXT NOT NULL, \"applied_at\" {at})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(version: u32, sql: &'static str) -> Migration {
        Migration::new(version, "x", sql, sql)
    }

    #[test]
    fn applied_migrations_are_checked_and_the_rest_is_pending() {
        let list = [m(1, "a"), m(2, "b"), m(3, "c")];
        let applied = |v: u32, sql: &'static str| Applied {
            version: v,
            name: "x".into(),
            checksum: m(v, sql).checksum(Dialect::Sqlite),
        };
        let p = pending(&list, &[applied(1, "a")], Dialect::Sqlite).unwrap();
        assert_eq!(p.iter().map(|m| m.version).collect::<Vec<_>>(), [2, 3]);
        assert!(matches!(pending(&list, &[applied(1, "edited")], Dialect::Sqlite), Err(MigrateError::Changed { .. })));
        assert!(matches!(pending(&list[..1], &[applied(2, "b")], Dialect::Sqlite), Err(MigrateError::Newer { .. })));
        assert!(matches!(pending(&[m(2, "b")], &[], Dialect::Sqlite), Err(MigrateError::Order { .. })));
    }
}
