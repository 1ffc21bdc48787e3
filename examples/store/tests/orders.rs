//! The store's story over real HTTP on SQLite, and on PostgreSQL when
//! `SECUREGEN_TEST_POSTGRES` is set: can one buyer read or extend another's order lines by
//! any path? (No.) Filters, sort and the foreign keys do what the spec says.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)] // test code

use std::net::SocketAddr;
use std::time::Duration;

use securegen::model::Database;
use securegen::runtime::serde_json::{Value, json};
use securegen::runtime::testing::attack::{fresh_db, fresh_secret, start_on};
use securegen::runtime::testing::send;

struct Store {
    addr: SocketAddr,
    secret: String,
}

impl Store {
    async fn start(database: Database) -> Option<Self> {
        let secret = fresh_secret();
        let db = fresh_db(database).await?;
        Some(Self {
            addr: start_on(store::service(), db, &secret).await,
            secret,
        })
    }

    fn token(&self, sub: &str, role: &str) -> String {
        let roles = vec![role.to_owned()];
        let claims = securegen::model::token::Claims {
            subject: sub,
            roles: &roles,
            extra: &[],
        };
        securegen::model::token::mint(
            &store::settings().auth.jwt,
            &self.secret,
            claims,
            Duration::from_secs(600),
        )
        .unwrap()
    }

    async fn post(&self, tok: &str, path: &str, body: Value) -> Value {
        let r = send(self.addr, "POST", path, Some(tok), Some(&body)).await;
        assert_eq!(r.status, 201, "{path}: {}", r.body);
        r.json()
    }

    async fn ids(&self, tok: &str, path: &str) -> Vec<String> {
        let r = send(self.addr, "GET", path, Some(tok), None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

async fn story(s: Store) {
    let (alice, bob, clerk) = (
        s.token("alice", "buyer"),
        s.token("bob", "buyer"),
        s.token("carol", "clerk"),
    );
    let lamp = s
        .post(
            &clerk,
            "/api/v1/products",
            json!({ "name": "lamp", "price_cents": 1999 }),
        )
        .await;
    let order = s
        .post(&alice, "/api/v1/orders", json!({ "note": "gift" }))
        .await;
    let (order_id, lamp_id) = (order["id"].as_str().unwrap(), lamp["id"].as_str().unwrap());
    let lines = format!("/api/v1/orders/{order_id}/lines");
    let line = s
        .post(
            &alice,
            &lines,
            json!({ "product_id": lamp_id, "quantity": 2 }),
        )
        .await;
    let line_id = line["id"].as_str().unwrap();
    assert_eq!(line["order_id"], order_id, "the path names the order");
    let line_path = format!("{lines}/{line_id}");

    // Bob reaches none of Alice's lines: not by id, not by listing, not by adding, changing
    // or deleting one under her order, not by naming her line under an order of his own.
    // Every answer is the 404 of an order that does not exist.
    let missing = "/api/v1/orders/00000000-0000-7000-8000-000000000000/lines";
    let quiet = |mut v: Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    let nothing = quiet(
        send(s.addr, "GET", missing, Some(&bob), None)
            .await
            .problem(404),
    );
    let his = s.post(&bob, "/api/v1/orders", json!({})).await;
    let his_lines = format!("/api/v1/orders/{}/lines", his["id"].as_str().unwrap());
    let quantity = json!({ "quantity": 1 });
    let body = json!({ "product_id": lamp_id, "quantity": 1 });
    for (method, path, body) in [
        ("GET", line_path.clone(), None),
        ("GET", lines.clone(), None),
        ("POST", lines.clone(), Some(&body)),
        ("PATCH", line_path.clone(), Some(&quantity)),
        ("DELETE", line_path.clone(), None),
        ("GET", format!("{his_lines}/{line_id}"), None),
    ] {
        let r = send(s.addr, method, &path, Some(&bob), body).await;
        assert_eq!(quiet(r.problem(404)), nothing, "{method} {path}");
    }
    // Alice lists the lines of her order; the clerk reads them too (clerks read every order).
    assert_eq!(s.ids(&alice, &lines).await, [line_id]);
    assert_eq!(s.ids(&clerk, &lines).await, [line_id]);
    // The clerk may not add a line to Alice's order: `owner` on create is the order's buyer.
    let r = send(s.addr, "POST", &lines, Some(&clerk), Some(&body)).await;
    assert_eq!(quiet(r.problem(404)), nothing);

    // Orders filter by status and time and sort by creation; a buyer sees only theirs.
    let second = s.post(&alice, "/api/v1/orders", json!({})).await;
    let second_id = second["id"].as_str().unwrap();
    let r = send(
        s.addr,
        "PATCH",
        &format!("/api/v1/orders/{second_id}"),
        Some(&clerk),
        Some(&json!({ "status": "paid" })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.post(&bob, "/api/v1/orders", json!({})).await;
    assert_eq!(
        s.ids(&alice, "/api/v1/orders?status=paid").await,
        [second_id]
    );
    assert_eq!(
        s.ids(&alice, "/api/v1/orders?sort=-created_at").await,
        [second_id, order_id]
    );
    let since = order["created_at"].as_str().unwrap();
    assert_eq!(
        s.ids(&alice, &format!("/api/v1/orders?created_at.gt={since}"))
            .await,
        [second_id]
    );
    assert_eq!(
        s.ids(&clerk, "/api/v1/orders?status.in=open,paid")
            .await
            .len(),
        4
    );

    // A product on a line cannot be deleted; deleting the order takes its lines with it.
    send(
        s.addr,
        "DELETE",
        &format!("/api/v1/products/{lamp_id}"),
        Some(&clerk),
        None,
    )
    .await
    .problem(409);
    let r = send(
        s.addr,
        "DELETE",
        &format!("/api/v1/orders/{order_id}"),
        Some(&clerk),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    send(s.addr, "GET", &line_path, Some(&alice), None)
        .await
        .problem(404);
    let r = send(
        s.addr,
        "DELETE",
        &format!("/api/v1/products/{lamp_id}"),
        Some(&clerk),
        None,
    )
    .await;
    assert_eq!(
        r.status, 204,
        "nothing points at the lamp any more: {}",
        r.body
    );
}

#[tokio::test]
async fn nobody_reaches_another_buyers_lines_on_sqlite() {
    story(Store::start(Database::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn nobody_reaches_another_buyers_lines_on_postgres() {
    if let Some(s) = Store::start(Database::Postgres).await {
        story(s).await;
    }
}
