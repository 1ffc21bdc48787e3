//! The text of every statement, per dialect. Identifiers are table and field names from a
//! validated spec (`^[a-z][a-z0-9_]*$`, double-quoted); values are always placeholders.
//! Read and delete statements depend only on the policy and on which scope filters apply, so
//! they are built once and shared (and the driver keeps one prepared statement per text).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use securegen_model::{Field, Resource as Policy};

use crate::access::{Authorized, Resource};
pub use securegen_model::sql::{Dialect, VERSION_COLUMN, create_table_sql};

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

/// ` AND owner = ? AND tenant = ?` for the filters `auth` carries.
fn scope<R: Resource>(policy: &Policy, auth: &Authorized<R>, p: &mut Params, sql: &mut String) {
    if let (Some(field), Some(_)) = (&policy.owner, auth.owner_filter()) {
        let _ = write!(sql, " AND \"{field}\" = {}", p.next());
    }
    if let (Some(t), Some(_)) = (&policy.tenant, auth.tenant_filter()) {
        let _ = write!(sql, " AND \"{}\" = {}", t.field, p.next());
    }
}

/// A statement from the cache, built by `build` on first use.
pub(super) fn cached<R: Resource>(
    d: Dialect,
    auth: &Authorized<R>,
    kind: &'static str,
    build: impl FnOnce(Dialect, &mut String),
) -> Arc<str> {
    type Key = (usize, Dialect, &'static str, bool, bool);
    static CACHE: OnceLock<RwLock<HashMap<Key, Arc<str>>>> = OnceLock::new();
    let policy = R::policy();
    let key = (
        std::ptr::from_ref(policy) as usize,
        d,
        kind,
        policy.owner.is_some() && auth.owner_filter().is_some(),
        policy.tenant.is_some() && auth.tenant_filter().is_some(),
    );
    let cache = CACHE.get_or_init(|| RwLock::new(HashMap::new()));
    if let Some(sql) = cache.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Arc::clone(sql);
    }
    let mut sql = String::new();
    build(d, &mut sql);
    let sql: Arc<str> = Arc::from(sql);
    cache.write().unwrap_or_else(PoisonError::into_inner).insert(key, Arc::clone(&sql));
    sql
}

/// `SELECT … WHERE id = ? AND scope`.
pub(super) fn fetch<R: Resource>(d: Dialect, policy: &Policy, auth: &Authorized<R>, sql: &mut String) {
    let mut p = Params::new(d);
    let _ = write!(sql, "SELECT * FROM \"{}\" WHERE \"{}\" = {}", policy.table, policy.id, p.next());
    scope(policy, auth, &mut p, sql);
}

/// `SELECT … WHERE scope [AND id > ?] ORDER BY id LIMIT ?`.
pub(super) fn page<R: Resource>(d: Dialect, policy: &Policy, auth: &Authorized<R>, after: bool, sql: &mut String) {
    let mut p = Params::new(d);
    let _ = write!(sql, "SELECT * FROM \"{}\" WHERE 1 = 1", policy.table);
    scope(policy, auth, &mut p, sql);
    if after {
        let _ = write!(sql, " AND \"{}\" > {}", policy.id, p.next());
    }
    let _ = write!(sql, " ORDER BY \"{}\" LIMIT {}", policy.id, p.next());
}

/// `DELETE … WHERE id = ? AND scope`.
pub(super) fn delete<R: Resource>(d: Dialect, policy: &Policy, auth: &Authorized<R>, sql: &mut String) {
    let mut p = Params::new(d);
    let _ = write!(sql, "DELETE FROM \"{}\" WHERE \"{}\" = {}", policy.table, policy.id, p.next());
    scope(policy, auth, &mut p, sql);
}

/// `INSERT INTO … (fields) VALUES (…) RETURNING *`.
pub(super) fn insert(d: Dialect, policy: &Policy, fields: &[&Field]) -> String {
    let mut p = Params::new(d);
    let cols: Vec<String> = fields.iter().map(|f| format!("\"{}\"", f.name)).collect();
    let vals: Vec<String> = fields.iter().map(|_| p.next()).collect();
    format!("INSERT INTO \"{}\" ({}) VALUES ({}) RETURNING *", policy.table, cols.join(", "), vals.join(", "))
}

/// `UPDATE … SET fields [, version + 1] WHERE id = ? AND scope [AND version = ?] RETURNING *`.
pub(super) fn update<R: Resource>(
    d: Dialect,
    policy: &Policy,
    auth: &Authorized<R>,
    fields: &[&Field],
    versioned: bool,
) -> String {
    let mut p = Params::new(d);
    let mut sets: Vec<String> = fields.iter().map(|f| format!("\"{}\" = {}", f.name, p.next())).collect();
    if policy.etag {
        sets.push(format!("\"{VERSION_COLUMN}\" = \"{VERSION_COLUMN}\" + 1"));
    }
    let mut sql = format!("UPDATE \"{}\" SET {} WHERE \"{}\" = {}", policy.table, sets.join(", "), policy.id, p.next());
    scope(policy, auth, &mut p, &mut sql);
    if versioned {
        let _ = write!(sql, " AND \"{VERSION_COLUMN}\" = {}", p.next());
    }
    sql.push_str(" RETURNING *");
    sql
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use securegen_model::{Action, Spec};

    use super::*;
    use crate::auth::Principal;

    static SPEC: LazyLock<Spec> = LazyLock::new(|| {
        securegen_model::check(include_str!("../../../examples/shop/securegen.yaml")).spec.expect("shop")
    });

    struct Order;
    impl Resource for Order {
        fn policy() -> &'static Policy {
            SPEC.resource("order").expect("order")
        }
    }

    /// Every statement of `order`, for both dialects and both scope shapes: the text a
    /// reviewer checks for the scope in the WHERE clause and placeholders for every value.
    #[test]
    fn statements_carry_the_scope_and_only_placeholders() {
        let user = Principal::new("alice", vec!["user".into()], Default::default());
        let admin = Principal::new("root", vec!["admin".into()], Default::default());
        let policy = Order::policy();
        let mut out = String::new();
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            let _ = writeln!(out, "-- {d:?}\n{}", create_table_sql(policy, d));
            for (who, p) in [("owner", &user), ("admin", &admin)] {
                let read = crate::access::authorize::<Order>(Some(p), Action::Read).expect("read");
                let mut s = String::new();
                fetch(d, policy, &read, &mut s);
                let _ = writeln!(out, "-- {who} read\n{s}");
                let mut s = String::new();
                page(d, policy, &read, true, &mut s);
                let _ = writeln!(out, "-- {who} list\n{s}");
                let upd = crate::access::authorize::<Order>(Some(p), Action::Update).expect("update");
                let fields: Vec<&Field> =
                    policy.fields.iter().filter(|f| f.name == "item" || f.name == "quantity").collect();
                let _ = writeln!(out, "-- {who} update\n{}", update(d, policy, &upd, &fields, false));
            }
            let fields: Vec<&Field> = policy.fields.iter().collect();
            let _ = writeln!(out, "-- insert\n{}", insert(d, policy, &fields));
        }
        assert!(out.contains("WHERE \"id\" = ? AND \"owner_id\" = ?"), "{out}");
        assert!(out.contains("WHERE \"id\" = $1 AND \"owner_id\" = $2"), "{out}");
        assert!(!out.contains("alice"), "values are never in the text");
        insta::assert_snapshot!(out);
    }
}
