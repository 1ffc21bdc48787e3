//! The per-request cost of the security layer — authenticate + authorize + field masks +
//! write allowlist + rate-limit check + the typed JSON view of a row — against its floor,
//! one HS256 verification alone; and a whole request through a service's router (hardening
//! included) against a bare axum handler answering the same JSON, all in one run. The goal:
//! the layer costs at most 1.5× the verification.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use securegen::model::{Action, Per, Rate};
use securegen::prelude::*;
use securegen::runtime::access::check_writable;
use securegen::runtime::json::JsonObject;
use securegen::runtime::limits::KeyedLimiter;
use securegen::runtime::{Authenticator, Verifier, authorize};
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

#[secure_resource(roles = [user, admin], owner = owner_id,
    access(create = [user], read = [owner, admin], list = [owner, admin], update = [owner, admin], delete = [admin]),
    limits(rate = "20/minute", page_max = 50))]
pub struct Order {
    #[field(id)]
    pub id: Uuid,
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
    #[field(write(create), read_roles = [owner, admin], pattern = "^[0-9]{4}$")]
    pub card_last4: Option<String>,
    #[field(server = now)]
    pub created_at: OffsetDateTime,
}

fn secret() -> String {
    "8f3c1e0b9a7d4c2e6f1a0b3d5c7e9f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c1d3e".to_owned()
}

fn token() -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({ "sub": "alice", "roles": ["user"], "iss": "shop", "aud": "shop-api", "exp": now + 3600 });
    jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(secret().as_bytes())).unwrap()
}

fn order() -> Order {
    Order {
        id: Uuid::now_v7(),
        owner_id: "alice".into(),
        item: "book".into(),
        quantity: 2,
        status: "pending".into(),
        internal_note: Some("n".into()),
        card_last4: Some("1234".into()),
        created_at: OffsetDateTime::now_utc(),
    }
}

fn settings() -> Settings {
    Settings::new("shop", Jwt::hs256("SHOP_JWT_SECRET").issuer("shop").audience("shop-api"))
}

fn bench(c: &mut Criterion) {
    let token = token();
    let auth = Authenticator::new(
        Verifier::from_lookup(&settings().auth.jwt, &[], |_| Some(secret())).unwrap(),
        securegen::runtime::proxies::TrustedProxies::none(),
    );
    let limiter = KeyedLimiter::new(Rate { count: u32::MAX, per: Per::Second });
    let body = json!({ "item": "book", "quantity": 2 }).as_object().unwrap().clone();
    let request = Request::builder().header("authorization", format!("Bearer {token}")).body(()).unwrap();
    let (parts, ()) = request.into_parts();

    let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["shop"]);
    validation.set_audience(&["shop-api"]);
    let key = DecodingKey::from_secret(secret().as_bytes());

    let mut g = c.benchmark_group("per request");
    g.bench_function("floor: one HS256 verification", |b| {
        b.iter(|| jsonwebtoken::decode::<Map<String, Value>>(black_box(&token), &key, &validation).unwrap())
    });
    // The row a handler would have read from the database is a fixture, built once.
    let row = order();
    g.bench_function("security layer: authenticate + authorize + allowlist + rate limit + view", |b| {
        b.iter(|| {
            let principal = auth.authenticate(black_box(&parts), "order").unwrap().unwrap();
            let authorized = authorize::<Order>(Some(&principal), Action::Update).unwrap();
            check_writable(&authorized, &body, true).unwrap();
            limiter.check(principal.subject.as_str()).unwrap();
            let masks = authorized.read_masks();
            let mut out = Vec::with_capacity(256);
            let mut o = JsonObject::open(&mut out);
            securegen::runtime::Resource::write_json(&row, masks.of(&authorized, &row), &mut o);
            o.close();
            out
        })
    });

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let bare = axum::Router::new()
        .route("/", axum::routing::get(|| async { axum::Json(json!({ "id": "x", "item": "book", "quantity": 2 })) }));
    g.bench_function("bare axum handler (in process)", |b| {
        b.iter(|| rt.block_on(bare.clone().oneshot(Request::builder().uri("/").body(Body::empty()).unwrap())).unwrap())
    });
    let service = rt.block_on(async {
        let file = std::env::temp_dir().join(format!("securegen-bench-{}.db", Uuid::now_v7()));
        let db = securegen::runtime::db::Db::connect(&format!("sqlite://{}", file.display())).await.unwrap();
        db.create_table::<Order>().await.unwrap();
        let env = Environment::from_fn(|k| (k == "SHOP_JWT_SECRET").then(secret));
        Service::builder(settings()).resource::<Order>(NoHooks).build(&env, db).unwrap()
    });
    let router = service.router();
    g.bench_function("GET /api/v1/orders (empty page) through the service (in process)", |b| {
        b.iter(|| {
            let req = Request::builder()
                .uri("/api/v1/orders")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            rt.block_on(router.clone().oneshot(req)).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
