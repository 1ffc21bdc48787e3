//! What a request costs depends on the caller's rows, not on everyone's (OWASP API4): every
//! statement the runtime runs, in every scope shape, is served by an index the schema creates.
//! Asked of the real planners — SQLite's `EXPLAIN QUERY PLAN`, and PostgreSQL's generic plan
//! with sequential scans priced out (set `SECUREGEN_TEST_POSTGRES`; skipped without it).
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod common;

use common::{Bulletin, Doc, Note, Project, Step, Task};
use securegen::model::sql::schema_script;
use securegen::prelude::*;
use securegen::runtime::db::{Db, Table};
use securegen::runtime::testing::attack::fresh_db;

/// Tickets of a tenant (a uuid claim), each owned by its author: both scopes at once.
#[secure_resource(
    roles = [agent],
    owner = author,
    tenant(field = org_id, claim = org),
    access(create = [authenticated], read = [owner, agent], list = [owner, agent], update = [owner], delete = [owner, agent])
)]
pub struct Ticket {
    #[field(id)]
    pub id: Uuid,
    #[field(server = tenant)]
    pub org_id: Uuid,
    #[field(server = subject)]
    pub author: String,
    #[field(write(create, update), len(1..=100))]
    pub title: String,
}

/// The plan of every statement of `R`, after creating its schema.
async fn plans<R: securegen::runtime::Resource>(db: &Db) -> Vec<(String, String, Vec<String>)> {
    nested_plans::<R>(db, &[]).await
}

/// The plan of every statement of `R` below `ancestors` (nearest first).
async fn nested_plans<R: securegen::runtime::Resource>(
    db: &Db,
    ancestors: &[&securegen::model::Resource],
) -> Vec<(String, String, Vec<String>)> {
    db.batch(&schema_script(R::policy(), db.dialect())).await.unwrap();
    let table = Table::<R>::nested(db.clone(), ancestors);
    let mut out = Vec::new();
    for (kind, sql) in table.statement_texts() {
        if kind == "insert" {
            continue;
        }
        let plan = db.query_plan(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.push((kind.to_owned(), sql, plan));
    }
    out
}

/// A statement reads rows it does not need when SQLite's plan has a `SCAN t` without an
/// index, a sort after the fact, or — for a statement filtered by owner or tenant — a walk
/// of an index that the scope does not narrow (`SCAN t USING INDEX …`, or `SEARCH … (id>?)`
/// with no equality). An unscoped page may walk the primary key in order: `LIMIT` bounds it.
/// A filtered list is narrowed like a scoped one: its index must start from the filter (an
/// equality, or for a range the field's bound), never walk ids and test rows one by one.
fn sqlite_scans(sql: &str, plan: &[String], kind: &str) -> bool {
    let scoped = ["owner_id", "author", "org_id", "project_id", "task_id"]
        .iter()
        .any(|column| sql.contains(&format!("\"{column}\" =")));
    let narrowed = scoped || kind.starts_with("filter");
    let bounded =
        |step: &str| step.contains("=?") || (may_sort(kind) && step.contains(">?") && !step.contains("(id>?)"));
    plan.iter().any(|step| {
        (step.contains("TEMP B-TREE") && !may_sort(kind))
            || (step.starts_with("SCAN") && step != "SCAN CONSTANT ROW" && (!step.contains("USING") || narrowed))
            || (step.starts_with("SEARCH") && narrowed && !bounded(step))
    })
}

/// PostgreSQL: a sequential scan (chosen although priced out: no index can serve) or a sort.
fn postgres_scans(plan: &[String], sorts: bool) -> bool {
    plan.iter().any(|step| {
        step.contains("Seq Scan") || (!sorts && (step.trim_start().starts_with("Sort") || step.contains("-> Sort")))
    })
}

/// A range or `IN` filter finds its rows through the field's index, then orders that
/// caller's matches by id: a sort of the matches, never a walk of the table.
fn may_sort(kind: &str) -> bool {
    matches!(kind, "filter range" | "filter in")
}

async fn check_all(db: &Db) {
    let mut all = Vec::new();
    all.extend(plans::<Note>(db).await);
    all.extend(plans::<Doc>(db).await);
    all.extend(plans::<Bulletin>(db).await);
    all.extend(plans::<Ticket>(db).await);
    // fetch, page, page after, delete, update in each reachable scope shape: Note and Ticket
    // have two (own rows, or all rows by role), Doc and Bulletin one. Note's list queries:
    // priority (=, >=), status (=, in), due (=, >=), reviewer_note (=), three sorts.
    assert_eq!(all.len(), 5 * (2 + 1 + 1 + 2) + 10 * 2, "every shape of every statement");
    // Nested: every statement names the parent (its index leads with the parent key), and a
    // caller confined to their own rows finds the owner up the chain by primary keys.
    let (project, task) =
        (<Project as securegen::runtime::Resource>::policy(), <Task as securegen::runtime::Resource>::policy());
    all.extend(plans::<Project>(db).await);
    let tasks = nested_plans::<Task>(db, &[project]).await;
    let steps = nested_plans::<Step>(db, &[task, project]).await;
    assert!(tasks.iter().chain(&steps).all(|(_, sql, _)| !sql.contains("IS NULL")), "the chain is resolved");
    assert!(steps.iter().any(|(kind, sql, _)| kind == "fetch" && sql.contains("JOIN \"projects\"")), "{steps:?}");
    assert!(steps.iter().any(|(kind, _, _)| kind == "own parent"));
    all.extend(tasks);
    all.extend(steps);
    for (kind, sql, plan) in &all {
        let scans = match db.dialect() {
            securegen::runtime::db::Dialect::Sqlite => sqlite_scans(sql, plan, kind),
            securegen::runtime::db::Dialect::Postgres => postgres_scans(plan, may_sort(kind)),
        };
        assert!(!scans, "{kind} scans a table:\n{sql}\n{}", plan.join("\n"));
    }
}

#[tokio::test]
async fn no_statement_scans_a_table_on_sqlite() {
    let db = fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    check_all(&db).await;
}

#[tokio::test]
async fn no_statement_scans_a_table_on_postgres() {
    if let Some(db) = fresh_db(securegen::model::Database::Postgres).await {
        check_all(&db).await;
    }
}

/// The statement of `kind` picked by `pick`, planned on Note's table without its indexes:
/// the check must catch the walk.
async fn caught_without_indexes(kind: &str, pick: impl Fn(&str) -> bool) {
    let db = fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    db.batch(&securegen::model::sql::create_table_sql(<Note as securegen::runtime::Resource>::policy(), db.dialect()))
        .await
        .unwrap();
    let table = Table::<Note>::new(db.clone());
    let (_, sql) = table.statement_texts().into_iter().find(|(k, sql)| *k == kind && pick(sql)).unwrap();
    let plan = db.query_plan(&sql).await.unwrap();
    assert!(sqlite_scans(&sql, &plan, kind), "{sql}\n{}", plan.join("\n"));
}

/// The check can fail: without the scope indexes, the scoped list walks the whole table.
#[tokio::test]
async fn a_scoped_list_without_its_index_is_caught() {
    caught_without_indexes("page after", |sql| sql.contains("\"owner_id\" =")).await;
}

/// The check can fail for list queries too: without the filter's index, a filtered list of
/// every row walks the table.
#[tokio::test]
async fn a_filter_without_its_index_is_caught() {
    caught_without_indexes("filter =", |sql| sql.contains("\"priority\" =") && !sql.contains("\"owner_id\" =")).await;
}
