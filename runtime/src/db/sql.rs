//! Statements and their bound values, built together: every method answers a [`Statement`]
//! whose placeholders and binds were written side by side, with the caller's scope (owner,
//! tenant) in the WHERE clause. Texts that depend only on the policy and the scope shape are
//! built once per resource at registration; identifiers come from the validated model
//! (`^[a-z][a-z0-9_]*$`, double-quoted), values are always placeholders.

use std::fmt::Write as _;
use std::sync::Arc;

use securegen_model::sql::{Dialect, VERSION_COLUMN};
use securegen_model::{Field, Resource as Policy};

use super::bind::Bind;
use crate::access::Authorized;
use crate::resource::Resource;

/// A statement text and the values bound to its placeholders, in order.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The text.
    pub sql: Arc<str>,
    /// The values.
    pub binds: Vec<Bind>,
}

/// Numbers placeholders in order.
struct Params {
    dialect: Dialect,
    n: usize,
}

impl Params {
    fn new(dialect: Dialect) -> Self {
        Self { dialect, n: 0 }
    }

    fn next(&mut self) -> String {
        self.n += 1;
        match self.dialect {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${}", self.n),
        }
    }
}

/// Which scope filters a statement carries: `[none, owner, tenant, owner and tenant]`.
fn shape_index(owner: bool, tenant: bool) -> usize {
    usize::from(owner) | (usize::from(tenant) << 1)
}

/// How a nested resource's rows are confined: to the children of the parent row the path
/// names, and — for a caller confined to their own rows — to those whose chain of parents
/// ends at a row the caller owns.
#[derive(Debug)]
struct Nest {
    /// The column holding the parent's id.
    column: String,
    /// The ancestors up to the one with the owner, when one has it.
    chain: Option<Chain>,
    /// Whether the ancestors were known when the texts were built. Built without them, a
    /// statement confined to the caller's own rows reaches none (fails closed).
    resolved: bool,
}

/// `FROM "orders" AS "a1" [JOIN …]`: the ancestors of a nested resource, nearest first, up
/// to the one whose owner column owns the rows.
#[derive(Debug)]
struct Chain {
    from: String,
    first: String,
    owner: String,
}

impl Chain {
    /// The ancestors of a resource below `ancestors` (nearest first), up to the first with an
    /// owner; `None` when none has one.
    fn of(ancestors: &[&Policy]) -> Option<Self> {
        let top = ancestors.iter().position(|a| a.owner.is_some())?;
        let mut from = String::new();
        for (i, a) in ancestors[..=top].iter().enumerate() {
            let alias = format!("a{}", i + 1);
            if i == 0 {
                let _ = write!(from, "\"{}\" AS \"{alias}\"", a.table);
            } else {
                let below = &ancestors[i - 1];
                let key = below.parent_field().map(|f| f.name.as_str()).unwrap_or_default();
                let _ = write!(
                    from,
                    " JOIN \"{}\" AS \"{alias}\" ON \"{alias}\".\"{}\" = \"a{i}\".\"{key}\"",
                    a.table, a.id
                );
            }
        }
        let owner = format!("\"a{}\".\"{}\"", top + 1, ancestors[top].owner.as_deref().unwrap_or_default());
        Some(Self { from, first: format!("\"a1\".\"{}\"", ancestors[0].id), owner })
    }

    /// `EXISTS (…)`: the parent `start` names ends, up the chain, at the owner bound next.
    fn exists(&self, start: &str, p: &mut Params) -> String {
        format!(
            "EXISTS (SELECT 1 FROM {} WHERE {} = {start} AND {} = {} LIMIT 1)",
            self.from,
            self.first,
            self.owner,
            p.next()
        )
    }
}

/// The texts of one resource in one dialect.
#[derive(Debug)]
pub(crate) struct Statements {
    dialect: Dialect,
    table: String,
    id: String,
    owner: Option<String>,
    /// For a nested resource: the parent column and the owner's chain.
    nest: Option<Nest>,
    /// `SELECT 1` when the parent bound first is owned by the subject bound second (a
    /// create confined to the caller's own parents).
    owned_parent: Option<Arc<str>>,
    tenant: Option<String>,
    /// The tenant field holds uuids (PostgreSQL compares it with a uuid, not text).
    tenant_uuid: bool,
    etag: bool,
    /// `"a", "b", …[, "_version"]`: the columns every read returns, in field order.
    columns: String,
    fetch: [Arc<str>; 4],
    delete: [Arc<str>; 4],
    page_first: [Arc<str>; 4],
    page_after: [Arc<str>; 4],
    /// Every row in id order, whatever its owner, tenant or parent: for the service's own
    /// maintenance only (`migrate --check`), never for a request.
    every: [Arc<str>; 2],
    insert: Arc<str>,
}

impl Statements {
    /// The statements of `policy`, nested below `ancestors` (nearest first; empty for a
    /// top-level resource).
    pub(crate) fn new(policy: &Policy, ancestors: &[&Policy], dialect: Dialect) -> Self {
        let mut columns: Vec<String> = policy.fields.iter().map(|f| format!("\"{}\"", f.name)).collect();
        if policy.etag {
            columns.push(format!("\"{VERSION_COLUMN}\""));
        }
        let mut s = Self {
            dialect,
            table: policy.table.clone(),
            id: policy.id.clone(),
            owner: policy.owner.clone(),
            nest: policy.parent_field().map(|f| Nest {
                column: f.name.clone(),
                chain: Chain::of(ancestors),
                resolved: !ancestors.is_empty(),
            }),
            owned_parent: None,
            tenant: policy.tenant.as_ref().map(|t| t.field.clone()),
            tenant_uuid: policy
                .tenant
                .as_ref()
                .and_then(|t| policy.field(&t.field))
                .is_some_and(|f| f.ty == securegen_model::FieldType::Uuid),
            etag: policy.etag,
            columns: columns.join(", "),
            fetch: Default::default(),
            delete: Default::default(),
            page_first: Default::default(),
            page_after: Default::default(),
            every: Default::default(),
            insert: Arc::from(""),
        };
        for owner in [false, true] {
            for tenant in [false, true] {
                let i = shape_index(owner, tenant);
                s.fetch[i] = s.build_fetch(owner, tenant).into();
                s.delete[i] = s.build_delete(owner, tenant).into();
                s.page_first[i] = s.build_page(owner, tenant, false).into();
                s.page_after[i] = s.build_page(owner, tenant, true).into();
            }
        }
        s.insert = s.build_insert(&policy.fields).into();
        s.every = [false, true].map(|after| {
            let mut p = Params::new(dialect);
            let mut sql = format!("SELECT {} FROM \"{}\"", s.columns, s.table);
            if after {
                let _ = write!(sql, " WHERE \"{}\" > {}", s.id, p.next());
            }
            let _ = write!(sql, " ORDER BY \"{}\" LIMIT {}", s.id, p.next());
            Arc::from(sql)
        });
        s.owned_parent = s.nest.as_ref().filter(|_| s.owned()).map(|n| {
            let mut p = Params::new(dialect);
            let start = p.next();
            match &n.chain {
                Some(c) => format!("SELECT 1 WHERE {}", c.exists(&start, &mut p)).into(),
                // Unresolved: neither the parent nor the owner is ever NULL, so never.
                None => format!("SELECT 1 WHERE {start} IS NULL AND {} IS NULL", p.next()).into(),
            }
        });
        s
    }

    /// Whether rows have an owner here or up the chain of parents.
    fn owned(&self) -> bool {
        self.owner.is_some() || self.nest.as_ref().is_some_and(|n| n.chain.is_some() || !n.resolved)
    }

    /// ` AND "parent" = ? AND "owner" = ? AND "tenant" = ?` for the filters that apply; under
    /// a parent, the owner is found up the chain.
    fn scope_text(&self, owner: bool, tenant: bool, p: &mut Params, sql: &mut String) {
        if let Some(n) = &self.nest {
            let _ = write!(sql, " AND \"{}\" = {}", n.column, p.next());
            match (owner, &n.chain) {
                (true, Some(c)) => {
                    // From the bound parent rather than the row's column: the same value (the
                    // row's parent is bound just before), but a subquery the planner runs
                    // once (`LIMIT 1` keeps SQLite from turning it into a join ahead of the
                    // page's own order, which would sort every child of the parent).
                    let start = p.next();
                    let _ = write!(sql, " AND {}", c.exists(&start, p));
                }
                // Unresolved ancestors: the owner bound here is never NULL, so no row.
                (true, None) if !n.resolved => {
                    let _ = write!(sql, " AND {} IS NULL", p.next());
                }
                _ => {}
            }
        }
        if let (true, Some(field)) = (owner, &self.owner) {
            let _ = write!(sql, " AND \"{field}\" = {}", p.next());
        }
        if let (true, Some(field)) = (tenant, &self.tenant) {
            let _ = write!(sql, " AND \"{field}\" = {}", p.next());
        }
    }

    fn build_fetch(&self, owner: bool, tenant: bool) -> String {
        let mut p = Params::new(self.dialect);
        let mut sql = format!("SELECT {} FROM \"{}\" WHERE \"{}\" = {}", self.columns, self.table, self.id, p.next());
        self.scope_text(owner, tenant, &mut p, &mut sql);
        sql
    }

    fn build_delete(&self, owner: bool, tenant: bool) -> String {
        let mut p = Params::new(self.dialect);
        let mut sql = format!("DELETE FROM \"{}\" WHERE \"{}\" = {}", self.table, self.id, p.next());
        self.scope_text(owner, tenant, &mut p, &mut sql);
        sql
    }

    fn build_page(&self, owner: bool, tenant: bool, after: bool) -> String {
        let mut p = Params::new(self.dialect);
        let mut sql = format!("SELECT {} FROM \"{}\" WHERE TRUE", self.columns, self.table);
        self.scope_text(owner, tenant, &mut p, &mut sql);
        if after {
            let _ = write!(sql, " AND \"{}\" > {}", self.id, p.next());
        }
        let _ = write!(sql, " ORDER BY \"{}\" LIMIT {}", self.id, p.next());
        sql
    }

    fn build_insert(&self, fields: &[Field]) -> String {
        let mut p = Params::new(self.dialect);
        let cols: Vec<String> = fields.iter().map(|f| format!("\"{}\"", f.name)).collect();
        let vals: Vec<String> = fields.iter().map(|_| p.next()).collect();
        format!(
            "INSERT INTO \"{}\" ({}) VALUES ({}) RETURNING {}",
            self.table,
            cols.join(", "),
            vals.join(", "),
            self.columns
        )
    }

    /// The scope values of `auth`, in the order [`Self::scope_text`] writes their filters.
    fn scope_binds<R: Resource>(&self, auth: &Authorized<R>, binds: &mut Vec<Bind>) -> usize {
        if self.nest.is_some() {
            // No parent (a handler that forgot it) binds NULL: no row is its child.
            binds.push(Bind::Uuid(auth.parent_filter()));
        }
        let owner = auth.owner_filter().filter(|_| self.owned());
        let tenant = self.tenant.as_ref().and(auth.tenant_filter());
        if owner.is_some() && self.nest.as_ref().is_some_and(|n| n.chain.is_some()) {
            // The chain starts from the parent the path names, bound again.
            binds.push(Bind::Uuid(auth.parent_filter()));
        }
        if let Some(o) = owner {
            binds.push(Bind::text(o));
        }
        if let Some(t) = tenant {
            // `authorize` admits only a uuid tenant claim for a uuid tenant field.
            binds.push(if self.tenant_uuid {
                Bind::Uuid(securegen_model::values::parse_uuid(t))
            } else {
                Bind::text(t)
            });
        }
        shape_index(owner.is_some(), tenant.is_some())
    }

    /// The row `id` in the caller's scope.
    pub(crate) fn fetch<R: Resource>(&self, auth: &Authorized<R>, id: uuid::Uuid) -> Statement {
        let mut binds = vec![Bind::Uuid(Some(id))];
        let shape = self.scope_binds(auth, &mut binds);
        Statement { sql: Arc::clone(&self.fetch[shape]), binds }
    }

    /// Deletes the row `id` in the caller's scope.
    pub(crate) fn delete<R: Resource>(&self, auth: &Authorized<R>, id: uuid::Uuid) -> Statement {
        let mut binds = vec![Bind::Uuid(Some(id))];
        let shape = self.scope_binds(auth, &mut binds);
        Statement { sql: Arc::clone(&self.delete[shape]), binds }
    }

    /// Up to `limit` of all rows after `after`, in id order (maintenance only).
    pub(crate) fn every(&self, after: Option<uuid::Uuid>, limit: u32) -> Statement {
        let mut binds = Vec::with_capacity(2);
        if let Some(a) = after {
            binds.push(Bind::Uuid(Some(a)));
        }
        binds.push(Bind::Int(Some(i64::from(limit))));
        Statement { sql: Arc::clone(&self.every[usize::from(after.is_some())]), binds }
    }

    /// Up to `limit` rows of the caller's scope after `after`, in id order.
    pub(crate) fn page<R: Resource>(&self, auth: &Authorized<R>, after: Option<uuid::Uuid>, limit: u32) -> Statement {
        let mut binds = Vec::with_capacity(4);
        let shape = self.scope_binds(auth, &mut binds);
        let sql = match after {
            Some(a) => {
                binds.push(Bind::Uuid(Some(a)));
                &self.page_after[shape]
            }
            None => &self.page_first[shape],
        };
        binds.push(Bind::Int(Some(i64::from(limit))));
        Statement { sql: Arc::clone(sql), binds }
    }

    /// Up to `limit` rows of the caller's scope that pass `q`'s filters and search, in its
    /// order, after the row `after` (its id and, when sorted, its sort value). Built per
    /// request by [`Self::query_text`]; the binds follow its placeholders in order: scope,
    /// filters, search, position, limit.
    pub(crate) fn query<R: Resource>(
        &self,
        auth: &Authorized<R>,
        q: &crate::query::ListQuery,
        after: Option<(uuid::Uuid, Option<Bind>)>,
        limit: u32,
    ) -> Statement {
        let fields = &R::policy().fields;
        let mut binds = Vec::with_capacity(8);
        let shape = self.scope_binds(auth, &mut binds);
        let sql = self.query_text(fields, shape, q, after.is_some());
        for f in &q.filters {
            binds.extend(f.binds.iter().cloned());
        }
        if let Some((pattern, searched)) = &q.search {
            binds.extend(searched.iter().map(|_| Bind::text(pattern)));
        }
        if let Some((last, value)) = after {
            if let Some(sort) = q.sort {
                binds.push(value.unwrap_or_else(|| Bind::null(fields[sort.field].ty)));
            }
            binds.push(Bind::Uuid(Some(last)));
        }
        binds.push(Bind::Int(Some(i64::from(limit))));
        Statement { sql: sql.into(), binds }
    }

    /// The text of a list query in scope shape `shape` (see [`shape_index`]), continuing
    /// after a row when `after`. Field names come from the policy; values are placeholders.
    fn query_text(&self, fields: &[Field], shape: usize, q: &crate::query::ListQuery, after: bool) -> String {
        let mut p = Params::new(self.dialect);
        let mut sql = format!("SELECT {} FROM \"{}\" WHERE TRUE", self.columns, self.table);
        self.scope_text(shape & 1 == 1, shape & 2 == 2, &mut p, &mut sql);
        for f in &q.filters {
            let name = &fields[f.field].name;
            if f.op == crate::query::Op::In {
                let marks: Vec<String> = f.binds.iter().map(|_| p.next()).collect();
                let _ = write!(sql, " AND \"{name}\" IN ({})", marks.join(", "));
            } else {
                let _ = write!(sql, " AND \"{name}\" {} {}", f.op.sql(), p.next());
            }
        }
        if let Some((_, searched)) = &q.search {
            let like = match self.dialect {
                Dialect::Sqlite => "LIKE",
                Dialect::Postgres => "ILIKE",
            };
            let terms: Vec<String> =
                searched.iter().map(|&i| format!("\"{}\" {like} {} ESCAPE '\\'", fields[i].name, p.next())).collect();
            let _ = write!(sql, " AND ({})", terms.join(" OR "));
        }
        let id = &self.id;
        // A range or `IN` filter must narrow through its index, then sort the matches by id.
        // Left alone, SQLite's planner (without statistics) may prefer to walk the primary
        // key in order and test every row; `+"id"` takes the primary key out of its choices.
        let ranged = q.sort.is_none() && q.filters.iter().any(|f| f.op != crate::query::Op::Eq);
        let by_id = if ranged && self.dialect == Dialect::Sqlite { format!("+\"{id}\"") } else { format!("\"{id}\"") };
        match (q.sort, after) {
            (Some(sort), true) => {
                let cmp = if sort.descending { "<" } else { ">" };
                let name = &fields[sort.field].name;
                let _ = write!(sql, " AND (\"{name}\", \"{id}\") {cmp} ({}, {})", p.next(), p.next());
            }
            (None, true) => {
                let _ = write!(sql, " AND {by_id} > {}", p.next());
            }
            (_, false) => {}
        }
        match q.sort {
            Some(sort) => {
                let dir = if sort.descending { "DESC" } else { "ASC" };
                let _ = write!(sql, " ORDER BY \"{}\" {dir}, \"{id}\" {dir}", fields[sort.field].name);
            }
            None => {
                let _ = write!(sql, " ORDER BY {by_id}");
            }
        }
        let _ = write!(sql, " LIMIT {}", p.next());
        sql
    }

    /// The text of each allowed filter (one comparison each: `=`, `>=` for ordered types,
    /// `IN` of two for enums) and each sort (descending, from a cursor) in each reachable
    /// scope shape, for query-plan tests.
    pub(crate) fn query_texts(&self, policy: &Policy) -> Vec<(&'static str, String)> {
        use crate::query::{Filter, ListQuery, Op, Sort};
        use securegen_model::FieldType;
        let position = |name: &str| policy.fields.iter().position(|f| f.name == name);
        let mut queries: Vec<(&'static str, ListQuery, bool)> = Vec::new();
        let plain = || ListQuery {
            page: crate::page::PageRequest { limit: 1, cursor: None },
            filters: Vec::new(),
            sort: None,
            search: None,
            fingerprint: String::new(),
        };
        for i in policy.list.filter.iter().filter_map(|n| position(n)) {
            let ty = policy.fields[i].ty;
            let mut ops = vec![("filter =", Op::Eq, 1)];
            if ty.is_ordered() {
                ops.push(("filter range", Op::Gte, 1));
            }
            if ty == FieldType::Enum {
                ops.push(("filter in", Op::In, 2));
            }
            for (kind, op, n) in ops {
                let binds = vec![Bind::null(ty); n];
                queries.push((kind, ListQuery { filters: vec![Filter { field: i, op, binds }], ..plain() }, true));
            }
        }
        for i in policy.list.sort.iter().filter_map(|n| position(n)) {
            queries.push(("sort", ListQuery { sort: Some(Sort { field: i, descending: true }), ..plain() }, true));
        }
        let mut out = Vec::new();
        for (owner, tenant) in self.reachable_shapes() {
            for (kind, q, after) in &queries {
                out.push((*kind, self.query_text(&policy.fields, shape_index(owner, tenant), q, *after)));
            }
        }
        out
    }

    /// Inserts one row; `values` are the binds of every field, in field order.
    pub(crate) fn insert(&self, values: Vec<Bind>) -> Statement {
        Statement { sql: Arc::clone(&self.insert), binds: values }
    }

    /// Sets `changes` (field, value) on the row `id` in the caller's scope, bumping the
    /// version and requiring `version` when given.
    pub(crate) fn update<R: Resource>(
        &self,
        auth: &Authorized<R>,
        id: uuid::Uuid,
        changes: Vec<(&Field, Bind)>,
        version: Option<i64>,
    ) -> Statement {
        let mut p = Params::new(self.dialect);
        let mut binds = Vec::with_capacity(changes.len() + 4);
        let mut sets: Vec<String> = Vec::with_capacity(changes.len() + 1);
        for (f, b) in changes {
            sets.push(format!("\"{}\" = {}", f.name, p.next()));
            binds.push(b);
        }
        if self.etag {
            sets.push(format!("\"{VERSION_COLUMN}\" = \"{VERSION_COLUMN}\" + 1"));
        }
        if sets.is_empty() {
            // Nothing to set: touch the id so the statement still returns the row in scope.
            sets.push(format!("\"{0}\" = \"{0}\"", self.id));
        }
        let mut sql = format!("UPDATE \"{}\" SET {} WHERE \"{}\" = {}", self.table, sets.join(", "), self.id, p.next());
        binds.push(Bind::Uuid(Some(id)));
        let owner = self.owned() && auth.owner_filter().is_some();
        let tenant = self.tenant.as_ref().and(auth.tenant_filter()).is_some();
        self.scope_text(owner, tenant, &mut p, &mut sql);
        self.scope_binds(auth, &mut binds);
        if let Some(v) = version {
            let _ = write!(sql, " AND \"{VERSION_COLUMN}\" = {}", p.next());
            binds.push(Bind::Int(Some(v)));
        }
        let _ = write!(sql, " RETURNING {}", self.columns);
        Statement { sql: sql.into(), binds }
    }

    /// The scope shapes a caller can have: with a tenant, every caller is confined to theirs;
    /// with an owner, a caller is confined to their rows or (granted by role) is not.
    fn reachable_shapes(&self) -> Vec<(bool, bool)> {
        let tenant = self.tenant.is_some();
        let mut shapes = vec![(false, tenant)];
        if self.owned() {
            shapes.push((true, tenant));
        }
        shapes
    }

    /// Every text a caller can reach, for snapshots and query-plan tests.
    pub(crate) fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        for (owner, tenant) in self.reachable_shapes() {
            let i = shape_index(owner, tenant);
            out.push(("fetch", &*self.fetch[i]));
            out.push(("page", &*self.page_first[i]));
            out.push(("page after", &*self.page_after[i]));
            out.push(("delete", &*self.delete[i]));
        }
        out.push(("insert", &*self.insert));
        if let Some(check) = &self.owned_parent {
            out.push(("own parent", check));
        }
        out
    }

    /// Whether the parent of a create confined to the caller's own rows is theirs: `None`
    /// when nothing is to be checked (not nested, or not confined).
    pub(crate) fn owned_parent<R: Resource>(&self, auth: &Authorized<R>) -> Option<Statement> {
        let sql = self.owned_parent.as_ref()?;
        let owner = auth.owner_filter()?;
        Some(Statement { sql: Arc::clone(sql), binds: vec![Bind::Uuid(auth.parent_filter()), Bind::text(owner)] })
    }

    /// The `UPDATE` of one field in each scope shape, for query-plan tests (updates are built
    /// per request, their WHERE clause is the one [`Self::scope_text`] writes).
    pub(crate) fn update_texts(&self, field: &Field) -> Vec<String> {
        let mut out = Vec::new();
        for (owner, tenant) in self.reachable_shapes() {
            let mut p = Params::new(self.dialect);
            let mut sql = format!(
                "UPDATE \"{}\" SET \"{}\" = {} WHERE \"{}\" = {}",
                self.table,
                field.name,
                p.next(),
                self.id,
                p.next()
            );
            self.scope_text(owner, tenant, &mut p, &mut sql);
            out.push(sql);
        }
        out
    }
}
