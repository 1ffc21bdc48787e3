//! The per-request cost of the security layer — authenticate + authorize + field masks +
//! rate-limit check — against its floor, one HS256 verification alone, and against a bare
//! axum handler, all in one run. The goal: the layer costs at most 1.5× the verification.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use securegen_model::{Action, Per, Rate, Spec};
use securegen_runtime::access::{check_writable, view};
use securegen_runtime::limits::KeyedLimiter;
use securegen_runtime::{Resource, Verifier, authorize};
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

const SECRET: &str = "bench-secret-of-at-least-thirty-two-bytes";

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    securegen_model::check(include_str!("../../examples/shop/securegen.yaml")).spec.expect("shop spec")
});

struct Order;
impl Resource for Order {
    fn policy() -> &'static securegen_model::Resource {
        SPEC.resource("order").expect("order")
    }
}

fn token() -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({ "sub": "alice", "roles": ["user"], "iss": "shop", "aud": "shop-api", "exp": now + 3600 });
    jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

fn row() -> Map<String, Value> {
    json!({
        "id": "0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e", "owner_id": "alice", "item": "book", "quantity": 2,
        "status": "pending", "internal_note": "n", "card_last4": "1234", "created_at": "2026-11-22T10:00:00Z"
    })
    .as_object()
    .unwrap()
    .clone()
}

fn bench(c: &mut Criterion) {
    let token = token();
    let verifier = Verifier::from_lookup(&SPEC.auth.jwt, &[], |_| Some(SECRET.to_owned())).unwrap();
    let limiter = KeyedLimiter::new(Rate { count: u32::MAX, per: Per::Second });
    let body = json!({ "item": "book", "quantity": 2 }).as_object().unwrap().clone();
    let request = Request::builder().header("authorization", format!("Bearer {token}")).body(()).unwrap();
    let (parts, ()) = request.into_parts();

    let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["shop"]);
    validation.set_audience(&["shop-api"]);
    let key = DecodingKey::from_secret(SECRET.as_bytes());

    let mut g = c.benchmark_group("per request");
    g.bench_function("floor: one HS256 verification", |b| {
        b.iter(|| jsonwebtoken::decode::<Map<String, Value>>(black_box(&token), &key, &validation).unwrap())
    });
    // The row a handler would have read from the database is a fixture: built outside the
    // timed part.
    let stored = row();
    g.bench_function("security layer: authenticate + authorize + masks + rate limit", |b| {
        b.iter_batched(
            || stored.clone(),
            |row| {
                let principal = verifier.from_parts(black_box(&parts)).unwrap().unwrap();
                let auth = authorize::<Order>(Some(&principal), Action::Update).unwrap();
                check_writable(&auth, &body, true).unwrap();
                limiter.check(&principal.subject).unwrap();
                view(&auth, row)
            },
            BatchSize::SmallInput,
        )
    });

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let bare: Router = Router::new().route("/", axum::routing::get(|| async { axum::Json(row()) }));
    g.bench_function("bare axum handler (in process)", |b| {
        b.iter(|| rt.block_on(bare.clone().oneshot(Request::builder().uri("/").body(Body::empty()).unwrap())).unwrap())
    });
    let security = Arc::new(
        securegen_runtime::Security::from_lookup(&SPEC, |k| (k == "SHOP_JWT_SECRET").then(|| SECRET.to_owned()))
            .unwrap(),
    );
    let secured = security.apply(Router::new().route(
        "/",
        axum::routing::get(|p: securegen_runtime::Principal| async move {
            let auth = authorize::<Order>(Some(&p), Action::Read).unwrap();
            axum::Json(view(&auth, row()))
        }),
    ));
    g.bench_function("the same handler behind the runtime (in process)", |b| {
        b.iter(|| {
            let req = Request::builder()
                .uri("/")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            rt.block_on(secured.clone().oneshot(req)).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
