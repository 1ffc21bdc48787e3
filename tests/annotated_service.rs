//! A service made only of annotated structs and the runtime, exercised over real HTTP on
//! 127.0.0.1 against a real SQLite file: every row of DESIGN.md §5, BOLA, BFLA, mass
//! assignment, redaction, read_roles, validation bounds, rate and body limits.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)] // test fixtures

use std::net::SocketAddr;
use std::sync::Arc;

use jsonwebtoken::{EncodingKey, Header};
use securegen::model::{Algorithm, Jwt, KeySource};
use securegen::runtime::db::Db;
use securegen::runtime::serve::{ServeOptions, serve};
use securegen::runtime::testing::{Resp, request, send};
use securegen::runtime::{Resource, Security, Verifier};
use securegen::secure_resource;
use serde_json::{Value, json};

const SECRET: &str = "annotated-service-secret-32-bytes-at-least";

#[secure_resource(
    roles = [user, admin],
    owner = owner_id,
    access(create = [user], read = [owner, admin], list = [owner, admin], update = [owner, admin], delete = [admin]),
    limits(rate = "50/minute", body = "1KiB", page_default = 2, page_max = 2)
)]
pub struct Order {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(write(create, update), len(1..=100))]
    pub item: String,
    #[field(write(create, update), range(1..=1000))]
    pub quantity: i64,
    #[field(kind = enum, values(pending, shipped), default = "pending", write(update), write_roles = [admin])]
    pub status: String,
    #[field(redact, write(update), write_roles = [admin])]
    pub internal_note: Option<String>,
    #[field(pattern = "^[0-9]{4}$", write(create), read_roles = [owner, admin])]
    pub card_last4: Option<String>,
    #[field(server = now, kind = timestamp)]
    pub created_at: String,
}

#[secure_resource(roles = [user, admin], access(list = [anyone], read = [authenticated], create = [admin]), limits(rate = "3/minute"))]
pub struct Product {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(write(create), len(1..=80))]
    pub name: String,
    #[field(write(create), range(0..=100000000), read_roles = [admin])]
    pub cost_cents: i64,
}

fn token(sub: &str, roles: &[&str]) -> String {
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    let claims = json!({ "sub": sub, "roles": roles, "exp": exp, "iss": "shop", "aud": "shop-api" });
    jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

async fn start() -> SocketAddr {
    start_with(Order::router()).await
}

async fn start_with(orders: securegen::runtime::axum::Router<Db>) -> SocketAddr {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("annotated");
    std::fs::create_dir_all(&dir).unwrap();
    let db =
        Db::connect(&format!("sqlite://{}/{}.db", dir.display(), std::process::id() as u128 * 1000 + rand_suffix()))
            .await
            .unwrap();
    db.create_table::<Order>().await.unwrap();
    db.create_table::<Product>().await.unwrap();
    let jwt = Jwt {
        algorithms: vec![Algorithm::Hs256],
        key: KeySource::Secret("SHOP_JWT_SECRET".to_owned()),
        issuer: Some("shop".to_owned()),
        audience: Some("shop-api".to_owned()),
        roles_claim: "roles".to_owned(),
        leeway: 30,
    };
    let verifier = Verifier::from_lookup(&jwt, &[], |_| Some(SECRET.to_owned())).unwrap();
    let resources = [Order::policy(), Product::policy()];
    let security =
        Arc::new(Security::for_resources(&resources, &[], verifier, securegen::runtime::page::Cursors::random()));
    let app = security.apply(orders.merge(Product::router()).with_state(db));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app, ServeOptions::default(), std::future::pending()));
    addr
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() % 1_000_000
}

fn pointers(r: &Resp) -> Vec<String> {
    r.problem(422)["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_http_contract_holds_for_annotated_structs() {
    let addr = start().await;
    let (alice, bob, admin) = (token("alice", &["user"]), token("bob", &["user"]), token("root", &["admin"]));

    // POST: 201 + Location + view; 401, 403, 413, 415, 422.
    let r = send(
        addr,
        "POST",
        "/api/v1/orders",
        Some(&alice),
        Some(&json!({ "item": "book", "quantity": 2, "card_last4": "4242" })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let order = r.json();
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(format!("/api/v1/orders/{id}").as_str()));
    assert_eq!((order["owner_id"].as_str(), order["status"].as_str()), (Some("alice"), Some("pending")));
    send(addr, "POST", "/api/v1/orders", None, Some(&json!({ "item": "x", "quantity": 1 }))).await.problem(401);
    send(addr, "POST", "/api/v1/orders", Some(&admin), Some(&json!({ "item": "x", "quantity": 1 }))).await.problem(403);
    let big = format!("{{\"item\": \"{}\"}}", "a".repeat(2000));
    request(addr, "POST", "/api/v1/orders", &[format!("Authorization: Bearer {alice}")], Some(&big)).await.problem(413);
    request(
        addr,
        "POST",
        "/api/v1/orders",
        &[format!("Authorization: Bearer {alice}"), "Content-Type: text/plain".to_owned()],
        Some("{}"),
    )
    .await
    .problem(415);
    request(addr, "POST", "/api/v1/orders", &[format!("Authorization: Bearer {alice}")], Some("{\"item\": "))
        .await
        .problem(400);

    // Mass assignment: every non-writable key named, nothing written.
    let smuggle = json!({ "item": "x", "quantity": 1, "owner_id": "mallory", "status": "shipped", "internal_note": "n", "id": "x", "created_at": "x" });
    let keys = pointers(&send(addr, "POST", "/api/v1/orders", Some(&alice), Some(&smuggle)).await);
    for k in ["/owner_id", "/status", "/internal_note", "/id", "/created_at"] {
        assert!(keys.contains(&k.to_owned()), "{k}: {keys:?}");
    }
    // Validation bounds.
    for (body, pointer) in [
        (json!({ "item": "", "quantity": 1 }), "/item"),
        (json!({ "item": "x", "quantity": 0 }), "/quantity"),
        (json!({ "item": "x", "quantity": 1001 }), "/quantity"),
        (json!({ "item": "x", "quantity": 1, "card_last4": "12a4" }), "/card_last4"),
    ] {
        assert_eq!(
            pointers(&send(addr, "POST", "/api/v1/orders", Some(&alice), Some(&body)).await),
            vec![pointer.to_owned()]
        );
    }

    // GET one: 200; BOLA: bob's 404 equals a missing id's.
    let r = send(addr, "GET", &format!("/api/v1/orders/{id}"), Some(&alice), None).await;
    assert_eq!(r.json()["card_last4"], "4242", "read_roles: owner");
    let mut foreign = send(addr, "GET", &format!("/api/v1/orders/{id}"), Some(&bob), None).await.problem(404);
    let mut missing =
        send(addr, "GET", "/api/v1/orders/0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e", Some(&bob), None).await.problem(404);
    foreign.as_object_mut().unwrap().remove("request_id");
    missing.as_object_mut().unwrap().remove("request_id");
    assert_eq!(foreign, missing);

    // PATCH: 200 for the owner, 404 for another user, role-gated fields 422 for users.
    let r = send(addr, "PATCH", &format!("/api/v1/orders/{id}"), Some(&alice), Some(&json!({ "quantity": 3 }))).await;
    assert_eq!(r.json()["quantity"], 3);
    send(addr, "PATCH", &format!("/api/v1/orders/{id}"), Some(&bob), Some(&json!({ "quantity": 9 })))
        .await
        .problem(404);
    assert_eq!(
        pointers(
            &send(addr, "PATCH", &format!("/api/v1/orders/{id}"), Some(&alice), Some(&json!({ "status": "shipped" })))
                .await
        ),
        vec!["/status"]
    );
    let r = send(
        addr,
        "PATCH",
        &format!("/api/v1/orders/{id}"),
        Some(&admin),
        Some(&json!({ "status": "shipped", "internal_note": "fragile" })),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("fragile"), "redacted even for the writer: {}", r.body);

    // LIST: own rows only, pages of at most page_max, opaque cursors.
    for i in 0..3 {
        send(addr, "POST", "/api/v1/orders", Some(&alice), Some(&json!({ "item": format!("i{i}"), "quantity": 1 })))
            .await;
    }
    let page = send(addr, "GET", "/api/v1/orders?limit=10", Some(&alice), None).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = send(addr, "GET", &format!("/api/v1/orders?cursor={next}"), Some(&alice), None).await.json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert_eq!(send(addr, "GET", "/api/v1/orders", Some(&bob), None).await.json()["items"], json!([]));
    send(addr, "GET", "/api/v1/orders?cursor=forged", Some(&alice), None).await.problem(400);
    send(addr, "GET", "/api/v1/orders?limit=0", Some(&alice), None).await.problem(400);
    let all = send(addr, "GET", "/api/v1/orders?limit=2", Some(&admin), None).await;
    assert!(all.body.contains("4242") && !all.body.contains("fragile"), "{}", all.body);

    // DELETE: 403 for users, 204 for admins, then 404.
    send(addr, "DELETE", &format!("/api/v1/orders/{id}"), Some(&alice), None).await.problem(403);
    assert_eq!(send(addr, "DELETE", &format!("/api/v1/orders/{id}"), Some(&admin), None).await.status, 204);
    send(addr, "DELETE", &format!("/api/v1/orders/{id}"), Some(&admin), None).await.problem(404);

    // Products: read_roles per role, `anyone` lists, and an unrouted action is a 405.
    let p =
        send(addr, "POST", "/api/v1/products", Some(&admin), Some(&json!({ "name": "pen", "cost_cents": 40 }))).await;
    assert_eq!(p.status, 201, "{}", p.body);
    let pid = p.json()["id"].as_str().unwrap().to_owned();
    let seen_by_user = send(addr, "GET", &format!("/api/v1/products/{pid}"), Some(&alice), None).await.json();
    assert_eq!(seen_by_user.get("cost_cents"), None);
    let seen_by_admin = send(addr, "GET", &format!("/api/v1/products/{pid}"), Some(&admin), None).await.json();
    assert_eq!(seen_by_admin["cost_cents"], 40);
    let r = send(addr, "DELETE", &format!("/api/v1/products/{pid}"), Some(&admin), None).await;
    r.problem(405);

    // Rate limit: 3/minute for anonymous listing of products (the POST above used admin's).
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(send(addr, "GET", "/api/v1/products", None, None).await.status);
        }
        v
    };
    assert_eq!(statuses, vec![200, 200, 200, 429]);
    let limited: Value = send(addr, "GET", "/api/v1/products", None, None).await.problem(429);
    assert_eq!(limited["status"], 429);
}

/// Ids and internal notes of the rows `after_create` saw.
type Seen = Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

/// Business logic written against the generated typed hooks.
struct Shop {
    created: Seen,
}

impl OrderHooks for Shop {
    fn before_create(
        &self,
        _call: &securegen::runtime::hooks::Call<'_>,
        body: &mut OrderCreate,
    ) -> Result<(), securegen::runtime::ApiError> {
        if body.item == "forbidden" {
            return Err(securegen::runtime::ApiError::Conflict { detail: "that item cannot be ordered".to_owned() });
        }
        if body.item == "huge" {
            body.quantity = 5000;
        }
        body.item = body.item.trim().to_owned();
        Ok(())
    }

    fn after_create(&self, call: &securegen::runtime::hooks::Call<'_>, row: &OrderRow) {
        assert_eq!(call.subject, Some(row.owner_id.as_str()));
        self.created.lock().unwrap().push((row.id.clone(), row.internal_note.clone()));
    }

    fn before_update(
        &self,
        _call: &securegen::runtime::hooks::Call<'_>,
        current: &OrderRow,
        changes: &mut OrderUpdate,
    ) -> Result<(), securegen::runtime::ApiError> {
        if current.status == "shipped" && changes.quantity.is_some() {
            return Err(securegen::runtime::ApiError::Conflict { detail: "shipped orders are final".to_owned() });
        }
        Ok(())
    }
}

#[tokio::test]
async fn typed_hooks_add_business_logic_without_bypassing_checks() {
    let created: Seen = Arc::default();
    let addr = start_with(Order::router_with(Shop { created: Arc::clone(&created) })).await;
    let (alice, admin) = (token("alice", &["user"]), token("root", &["admin"]));
    let r =
        send(addr, "POST", "/api/v1/orders", Some(&alice), Some(&json!({ "item": "  padded  ", "quantity": 1 }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["item"], "padded", "before_create changed the body");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.lock().unwrap().as_slice(), &[(id.clone(), None)], "after_create saw the stored row");
    let refused =
        send(addr, "POST", "/api/v1/orders", Some(&alice), Some(&json!({ "item": "forbidden", "quantity": 1 }))).await;
    assert_eq!(refused.problem(409)["detail"], "that item cannot be ordered");
    let huge =
        send(addr, "POST", "/api/v1/orders", Some(&alice), Some(&json!({ "item": "huge", "quantity": 1 }))).await;
    assert_eq!(pointers(&huge), vec!["/quantity"], "what a hook sets is validated again");
    assert_eq!(created.lock().unwrap().len(), 1, "refused creations run no after_create");
    let smuggled = send(
        addr,
        "POST",
        "/api/v1/orders",
        Some(&alice),
        Some(&json!({ "item": "x", "quantity": 1, "owner_id": "m" })),
    )
    .await;
    assert_eq!(pointers(&smuggled), vec!["/owner_id"], "hooks run after the allowlist");

    let r =
        send(addr, "PATCH", &format!("/api/v1/orders/{id}"), Some(&admin), Some(&json!({ "status": "shipped" }))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send(addr, "PATCH", &format!("/api/v1/orders/{id}"), Some(&alice), Some(&json!({ "quantity": 2 }))).await;
    assert_eq!(r.problem(409)["detail"], "shipped orders are final");
}
