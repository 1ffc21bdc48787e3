//! What one caller's list costs as the table grows with other people's rows (OWASP API4):
//! the first page (20 of 50) of a caller whose rows are spread through the table, and the empty page of a user with no rows, on SQLite tables of
//! 10k, 100k and 1M orders from 1,000 owners. The scoped statement walks `(owner_id, id)`, so
//! the cost should stay flat (within 1.5×) however many rows others have. Prints µs per list
//! and the ratio to the smallest table; asserts nothing (numbers are for people).
//!
//!   cargo bench --bench scale                 # 10k, 100k, 1M
//!   SCALE_ROWS=10000,50000 cargo bench --bench scale
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::Instant;

use securegen::model::Action;
use securegen::prelude::*;
use securegen::runtime::db::{Db, Table};
use securegen::runtime::{Principal, authorize};

#[secure_resource(roles = [user, admin], owner = owner_id,
    access(create = [user], read = [owner, admin], list = [owner, admin]),
    limits(page_max = 50))]
pub struct Order {
    #[field(id)]
    pub id: Uuid,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(write(create), len(1..=100))]
    pub item: String,
    #[field(write(create), range(1..=1000))]
    pub quantity: i64,
    #[field(server = now)]
    pub created_at: OffsetDateTime,
}

const ITERATIONS: u32 = 2000;

/// µs per first page of `owner`'s orders (21 rows asked, as a list of 20 does).
async fn per_list(table: &Table<Order>, owner: &str) -> f64 {
    let who = Principal::new(owner, vec!["user".to_owned()], BTreeMap::new());
    let auth = authorize::<Order>(Some(&who), Action::List).unwrap();
    for _ in 0..50 {
        table.page(&auth, None, 21).await.unwrap();
    }
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        std::hint::black_box(table.page(&auth, None, 21).await.unwrap());
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(ITERATIONS)
}

/// A fresh SQLite table of `rows` orders, owner `user{n % 1000}`, ids in time order.
async fn table_of(rows: u64) -> Table<Order> {
    let file = std::env::temp_dir().join(format!("securegen-scale-{rows}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let db = Db::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let policy = <Order as securegen::runtime::Resource>::policy();
    db.batch(&securegen::model::sql::schema_script(policy, db.dialect())).await.unwrap();
    db.batch(&format!(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) \
         INSERT INTO orders (id, owner_id, item, quantity, created_at) \
         SELECT printf('%08x-0000-7000-8000-%012x', x, x), 'user' || (x % 1000), 'item ' || x, 1 + x % 1000, \
                '2026-01-01T00:00:00.000000Z' FROM n"
    ))
    .await
    .unwrap();
    // The measured caller owns the same 50 rows whatever the size, spread through the table.
    db.batch(&format!(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50) \
         INSERT INTO orders (id, owner_id, item, quantity, created_at) \
         SELECT printf('%08x-0000-7000-9000-%012x', x * ({rows} / 50), x), 'alice', 'mine ' || x, 1, \
                '2026-01-01T00:00:00.000000Z' FROM n"
    ))
    .await
    .unwrap();
    Table::new(db)
}

fn main() {
    let sizes: Vec<u64> = std::env::var("SCALE_ROWS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut base: Option<(f64, f64)> = None;
        println!("{:>10}  {:>16}  {:>16}  {:>8}  {:>8}", "rows", "own page µs", "empty page µs", "own ×", "empty ×");
        for rows in sizes {
            let table = table_of(rows).await;
            let own = per_list(&table, "alice").await;
            let empty = per_list(&table, "nobody").await;
            let (b_own, b_empty) = *base.get_or_insert((own, empty));
            println!("{rows:>10}  {own:>16.1}  {empty:>16.1}  {:>8.2}  {:>8.2}", own / b_own, empty / b_empty);
        }
    });
}
