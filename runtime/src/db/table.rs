//! A resource's rows, reached only with an [`Authorized`] of that resource: every method puts
//! the caller's scope in its statement, fills server values itself, and refuses to write what
//! no client may (the id, the owner, the tenant, server fields, the version), whatever a hook
//! put in the changes.

use std::marker::PhantomData;
use std::sync::Arc;

use securegen_model::{Action, Field, FieldType, ServerValue};
use serde_json::{Map, Value};

use super::Db;
use super::bind::Bind;
use super::sql::Statements;
use crate::access::{Authorized, escape_pointer};
use crate::error::{ApiError, FieldError};
use crate::resource::{Resource, Row};

/// The rows of `R` in one database.
pub struct Table<R> {
    db: Db,
    statements: Arc<Statements>,
    _resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Table<R> {
    fn clone(&self) -> Self {
        Self { db: self.db.clone(), statements: Arc::clone(&self.statements), _resource: PhantomData }
    }
}

impl<R> std::fmt::Debug for Table<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("statements", &self.statements).finish_non_exhaustive()
    }
}

/// Every statement text of `policy` in `dialect`: what each action runs, in each scope shape a
/// caller can have (for contracts, snapshots and query-plan tests).
pub fn statement_texts(policy: &securegen_model::Resource, dialect: super::Dialect) -> Vec<(&'static str, String)> {
    nested_statement_texts(policy, &[], dialect)
}

/// Every statement text of `policy` nested below `ancestors` (nearest first) in `dialect`.
pub fn nested_statement_texts(
    policy: &securegen_model::Resource,
    ancestors: &[&securegen_model::Resource],
    dialect: super::Dialect,
) -> Vec<(&'static str, String)> {
    texts_of(policy, &Statements::new(policy, ancestors, dialect))
}

fn texts_of(policy: &securegen_model::Resource, statements: &Statements) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = statements.texts().into_iter().map(|(k, s)| (k, s.to_owned())).collect();
    if let Some(f) = policy.fields.iter().find(|f| !f.primary) {
        out.extend(statements.update_texts(f).into_iter().map(|s| ("update", s)));
    }
    out.extend(statements.query_texts(policy));
    out
}

/// The bind of `v` for `f`, or a 422 naming the field.
fn bind(f: &Field, v: &Value) -> Result<Bind, ApiError> {
    Bind::of(f, v).ok_or_else(|| ApiError::Unprocessable {
        errors: vec![FieldError::new(format!("/{}", escape_pointer(&f.name)), format!("must be a valid {}", f.ty))],
    })
}

/// The bind that stores `v` in `f`: a password as its argon2id hash, anything else as is.
async fn stored(f: &Field, v: &Value) -> Result<Bind, ApiError> {
    match (f.ty, v) {
        (FieldType::Password, Value::String(plain)) => {
            Ok(Bind::Text(Some(crate::password::hash(plain.clone()).await?)))
        }
        _ => bind(f, v),
    }
}

impl<R: Resource> Table<R> {
    /// The table of a top-level `R` in `db` (statements built once, here). For a nested
    /// resource, use [`Self::nested`]: built here, its statements confined to the caller's
    /// own rows reach none.
    pub fn new(db: Db) -> Self {
        Self::nested(db, &[])
    }

    /// The table of `R` below `ancestors` (its parent first, then the parent's, …), whose
    /// owner column confines a caller to their own rows.
    pub fn nested(db: Db, ancestors: &[&securegen_model::Resource]) -> Self {
        let statements = Arc::new(Statements::new(R::policy(), ancestors, db.dialect()));
        Self { db, statements, _resource: PhantomData }
    }

    /// Every statement text, for snapshots and query-plan tests.
    pub fn statement_texts(&self) -> Vec<(&'static str, String)> {
        texts_of(R::policy(), &self.statements)
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The row `id`, if it is in the caller's scope.
    pub async fn fetch(&self, auth: &Authorized<R>, id: uuid::Uuid) -> Result<Option<Row<R>>, ApiError> {
        Ok(self.db.read_one(self.statements.fetch(auth, id)).await?)
    }

    /// Up to `limit` rows of the caller's scope after the id `after`, in id order (keyset
    /// pagination: ids are time-ordered UUIDv7).
    pub async fn page(
        &self,
        auth: &Authorized<R>,
        after: Option<uuid::Uuid>,
        limit: u32,
    ) -> Result<Vec<Row<R>>, ApiError> {
        Ok(self.db.read_all(self.statements.page(auth, after, limit)).await?)
    }

    /// Up to `limit` of all stored rows after `after`, in id order, whoever they belong to:
    /// for the service's own checks (`migrate --check`), which no request reaches.
    pub(crate) async fn every(&self, after: Option<uuid::Uuid>, limit: u32) -> Result<Vec<Row<R>>, ApiError> {
        Ok(self.db.read_all(self.statements.every(after, limit)).await?)
    }

    /// Up to `limit` rows of the caller's scope that pass the list query `q`, in its order,
    /// after the row `after` (its id and, when sorted, its sort value).
    pub(crate) async fn query(
        &self,
        auth: &Authorized<R>,
        q: &crate::query::ListQuery,
        after: Option<(uuid::Uuid, Option<Bind>)>,
        limit: u32,
    ) -> Result<Vec<Row<R>>, ApiError> {
        Ok(self.db.read_all(self.statements.query(auth, q, after, limit)).await?)
    }

    /// Inserts a validated body, the server filling the id, the subject, the tenant and the
    /// time, and defaults filling what the body leaves out. Returns the stored row.
    pub async fn insert(&self, auth: &Authorized<R>, body: &Map<String, Value>) -> Result<Row<R>, ApiError> {
        debug_assert_eq!(auth.action(), Action::Create);
        let now = time::OffsetDateTime::now_utc();
        let mut binds = Vec::with_capacity(R::policy().fields.len());
        for f in &R::policy().fields {
            let server = if f.primary { Some(ServerValue::Uuid) } else { f.server };
            let b = match server {
                Some(ServerValue::Uuid) => Bind::Uuid(Some(uuid::Uuid::now_v7())),
                Some(ServerValue::Subject) => Bind::Text(auth.subject().map(str::to_owned)),
                Some(ServerValue::Tenant) if f.ty == FieldType::Uuid => {
                    Bind::Uuid(auth.tenant_filter().and_then(securegen_model::values::parse_uuid))
                }
                Some(ServerValue::Tenant) => Bind::Text(auth.tenant_filter().map(str::to_owned)),
                Some(ServerValue::Now) if f.ty == FieldType::Date => Bind::Date(Some(now.date())),
                Some(ServerValue::Now) => Bind::Timestamp(Some(now)),
                // The parent the path names, found reachable by the handler.
                Some(ServerValue::Parent) => Bind::Uuid(auth.parent_filter()),
                None => match (body.get(&f.name), &f.default) {
                    (Some(v), _) => stored(f, v).await?,
                    (None, Some(d)) => bind(f, &crate::rules::literal(d))?,
                    (None, None) => Bind::null(f.ty),
                },
            };
            binds.push(b);
        }
        self.db.write_one(self.statements.insert(binds)).await?.ok_or_else(|| {
            tracing::error!(resource = %R::policy().name, "an insert returned no row");
            ApiError::Internal
        })
    }

    /// Applies `changes` to the row `id` in the caller's scope (requiring `version` when
    /// given); `None` when no such row (or another version). A key that no client may write
    /// in an update — the id, the owner, the tenant, a server field — is refused as a server
    /// error whoever put it there: validation refused it from clients, so a hook did.
    pub async fn update(
        &self,
        auth: &Authorized<R>,
        id: uuid::Uuid,
        changes: &Map<String, Value>,
        version: Option<i64>,
    ) -> Result<Option<Row<R>>, ApiError> {
        debug_assert_eq!(auth.action(), Action::Update);
        let policy = R::policy();
        let mut sets = Vec::with_capacity(changes.len());
        for (key, v) in changes {
            match policy.field(key) {
                Some(f) if f.is_writable_in(Action::Update) && !f.primary && f.server.is_none() => {
                    sets.push((f, stored(f, v).await?))
                }
                _ => {
                    tracing::error!(resource = %policy.name, field = %crate::audit::clean(key), "refused to write a field no update may change (set by a hook?)");
                    return Err(ApiError::Internal);
                }
            }
        }
        Ok(self.db.write_one(self.statements.update(auth, id, sets, version)).await?)
    }

    /// Whether a create confined to the caller's own rows names a parent the caller owns (up
    /// the chain); true when the create is not confined or not nested.
    pub async fn owns_parent(&self, auth: &Authorized<R>) -> Result<bool, ApiError> {
        match self.statements.owned_parent(auth) {
            Some(stmt) => Ok(self.db.exists(stmt).await?),
            None => Ok(true),
        }
    }

    /// Deletes the row `id` if it is in the caller's scope; whether it was.
    pub async fn delete(&self, auth: &Authorized<R>, id: uuid::Uuid) -> Result<bool, ApiError> {
        Ok(self.db.write_count(self.statements.delete(auth, id)).await? > 0)
    }
}
