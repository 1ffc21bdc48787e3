//! Generated handlers (`#[secure_resource]` + the runtime's crud) against a hand-written
//! axum handler that runs the same query and the same checks, in one run, behind the same
//! hardening layers: `GET /orders/{id}` for the row's owner. The goal: generated throughput
//! at least 0.95 of hand-written.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{EncodingKey, Header};
use securegen::model::{Action, Algorithm, Jwt, KeySource};
use securegen::runtime::access::view;
use securegen::runtime::axum::body::Body;
use securegen::runtime::axum::extract::{Path, State};
use securegen::runtime::axum::http::Request;
use securegen::runtime::db::Db;
use securegen::runtime::{ApiError, Principal, Resource, Security, Verifier, authorize};
use securegen::secure_resource;
use serde_json::{Map, Value, json};
use sqlx::Row as _;
use tower::ServiceExt as _;

const SECRET: &str = "bench-secret-of-at-least-thirty-two-bytes";

#[secure_resource(roles = [user, admin], owner = owner_id,
    access(create = [user], read = [owner, admin], list = [owner, admin]),
    limits(rate = "1000000000/second"))]
pub struct Order {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(write(create), len(1..=100))]
    pub item: String,
    #[field(write(create), range(1..=1000))]
    pub quantity: i64,
    #[field(redact, write(create))]
    pub internal_note: Option<String>,
}

/// The hand-written equivalent: authenticate, authorize, rate-limit, scoped query, mask, and
/// the same response (body and rate-limit headers).
async fn hand_read(
    State(db): State<Db>,
    Path(id): Path<String>,
    p: Principal,
    sec: securegen::runtime::axum::Extension<Arc<Security>>,
) -> Result<securegen::runtime::axum::response::Response, ApiError> {
    use securegen::runtime::axum::response::IntoResponse as _;
    let auth = authorize::<Order>(Some(&p), Action::Read)?;
    let rate = sec.limiter("order").ok_or(ApiError::Internal)?.check(Some(&p.subject), None)?;
    let row =
        sqlx::query("SELECT id, owner_id, item, quantity, internal_note FROM orders WHERE id = ? AND owner_id = ?")
            .bind(&id)
            .bind(&p.subject)
            .fetch_optional(db.reader().ok_or(ApiError::Internal)?)
            .await?
            .ok_or(ApiError::NotFound)?;
    let mut m = Map::new();
    m.insert("id".into(), Value::from(row.try_get::<String, _>("id")?));
    m.insert("owner_id".into(), Value::from(row.try_get::<String, _>("owner_id")?));
    m.insert("item".into(), Value::from(row.try_get::<String, _>("item")?));
    m.insert("quantity".into(), Value::from(row.try_get::<i64, _>("quantity")?));
    m.insert(
        "internal_note".into(),
        row.try_get::<Option<String>, _>("internal_note")?.map_or(Value::Null, Value::from),
    );
    let mut response = securegen::runtime::axum::Json(view(&auth, m)).into_response();
    rate.write_headers(response.headers_mut());
    Ok(response)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = std::env::temp_dir().join(format!("securegen-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = rt.block_on(Db::connect(&format!("sqlite://{}/bench.db", dir.display()))).unwrap();
    rt.block_on(db.create_table::<Order>()).unwrap();
    let jwt = Jwt {
        algorithms: vec![Algorithm::Hs256],
        key: KeySource::Secret("BENCH_SECRET".into()),
        issuer: None,
        audience: None,
        roles_claim: "roles".into(),
        leeway: 30,
    };
    let verifier = Verifier::from_lookup(&jwt, &[], |_| Some(SECRET.to_owned())).unwrap();
    let security = Arc::new(Security::for_resources(
        &[Order::policy()],
        &[],
        verifier,
        securegen::runtime::page::Cursors::random(),
    ));
    let app = security.apply(
        Order::router()
            .route("/hand/orders/{id}", securegen::runtime::axum::routing::get(hand_read))
            .with_state(db.clone()),
    );
    let exp = jsonwebtoken::get_current_timestamp() + 3600;
    let token = jsonwebtoken::encode(
        &Header::default(),
        &json!({ "sub": "alice", "roles": ["user"], "exp": exp }),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let send = |method: &str, uri: &str, body: Option<Value>| {
        let mut req = Request::builder().method(method).uri(uri).header("authorization", format!("Bearer {token}"));
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        rt.block_on(app.clone().oneshot(req.body(body).unwrap())).unwrap()
    };
    let created = send("POST", "/api/v1/orders", Some(json!({ "item": "book", "quantity": 2, "internal_note": "x" })));
    assert_eq!(created.status(), 201);
    let bytes = rt.block_on(securegen::runtime::axum::body::to_bytes(created.into_body(), 1 << 16)).unwrap();
    let id = serde_json::from_slice::<Value>(&bytes).unwrap()["id"].as_str().unwrap().to_owned();
    let generated = format!("/api/v1/orders/{id}");
    let hand = format!("/hand/orders/{id}");
    assert_eq!(send("GET", &generated, None).status(), 200);
    assert_eq!(send("GET", &hand, None).status(), 200);

    let mut g = c.benchmark_group("GET /orders/{id} for its owner");
    g.bench_function("hand-written handler (baseline)", |b| b.iter(|| send("GET", black_box(&hand), None)));
    g.bench_function("generated (#[secure_resource] + runtime crud)", |b| {
        b.iter(|| send("GET", black_box(&generated), None))
    });
    g.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
