//! A service made only of the runtime, its spec and SQLite, served on 127.0.0.1, and a small
//! raw HTTP/1.1 client (raw, so that tests can send what well-behaved clients never do).
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

#[path = "cases.rs"]
pub mod cases;

/// One `#[tokio::test]` per case, each on a fresh service from `$start` (an `Option<App>`:
/// `None` skips).
#[macro_export]
macro_rules! http_cases {
    ($start:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                if let Some(app) = $start {
                    common::cases::$name(app).await;
                }
            }
        )+
    };
}

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use jsonwebtoken::{EncodingKey, Header};
use securegen_model::Spec;
use securegen_runtime::db::Db;
use securegen_runtime::serve::{ServeOptions, serve};
use securegen_runtime::{Resource, Security};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const SECRET: &str = "test-secret-of-at-least-thirty-two-bytes!";

pub const SPEC: &str = r#"
service: { name: notes, api_version: v1 }
auth:
  jwt: { algorithms: [HS256], secret_env: NOTES_JWT_SECRET, issuer: notes, audience: notes-api }
roles: [user, admin]
cors: { origins: ["https://app.example.com"] }
defaults:
  limits: { rate: 1000/minute, body: 1KiB, page_default: 2, page_max: 3 }
resources:
  note:
    owner: owner_id
    fields:
      id:            { type: uuid }
      owner_id:      { type: string, server: subject }
      title:         { type: string, min_len: 1, max_len: 100, write: [create, update] }
      body:          { type: text, optional: true, max_len: 500, write: [create, update] }
      secret:        { type: string, redact: true, optional: true, write: [create, update] }
      priority:      { type: int, min: 1, max: 5, default: 3, write: [create, update] }
      status:        { type: enum, values: [open, done], default: open, write: [update], write_roles: [admin] }
      reviewer_note: { type: string, optional: true, read_roles: [admin], write: [update], write_roles: [admin] }
      code:          { type: string, pattern: "^[A-Z]{3}$", optional: true, write: [create] }
      created_at:    { type: timestamp, server: now }
    access:
      create: [user, admin]
      read:   [owner, admin]
      list:   [owner, admin]
      update: [owner, admin]
      delete: [admin]
  bulletin:
    fields:
      id:    { type: uuid }
      text:  { type: string, max_len: 200, write: [create] }
    access:
      create: [admin]
      read:   [authenticated]
      list:   [anyone]
    limits: { rate: 5/minute }
    deprecated: true
    sunset: "2027-06-30"
  doc:
    tenant: { field: org_id, claim: org }
    etag: true
    fields:
      id:     { type: uuid }
      org_id: { type: string, server: tenant }
      name:   { type: string, max_len: 50, write: [create, update] }
    access:
      create: [authenticated]
      read:   [authenticated]
      list:   [authenticated]
      update: [authenticated]
      delete: [admin]
  burst:
    fields:
      id:   { type: uuid }
      n:    { type: int, optional: true, write: [create] }
    access:
      read: [authenticated]
      list: [authenticated]
    limits: { rate: 10/minute }
"#;

pub static SPEC_MODEL: LazyLock<Spec> = LazyLock::new(|| {
    let report = securegen_model::check(SPEC);
    report.spec.unwrap_or_else(|| panic!("test spec invalid: {:#?}", report.diagnostics))
});

macro_rules! resource {
    ($ty:ident, $name:literal) => {
        pub struct $ty;
        impl Resource for $ty {
            fn policy() -> &'static securegen_model::Resource {
                SPEC_MODEL.resource($name).expect($name)
            }
        }
    };
}

resource!(Note, "note");
resource!(Bulletin, "bulletin");
resource!(Doc, "doc");
resource!(Burst, "burst");

#[allow(clippy::unused_async)]
async fn boom() -> &'static str {
    panic!("database password is hunter2")
}

/// A running service.
pub struct App {
    pub addr: SocketAddr,
    pub db: Db,
    pub security: Arc<Security>,
    /// The PostgreSQL schema to drop when the test is done.
    pub schema: Option<DropSchema>,
}

/// Drops a test schema (on its own thread and runtime: `Drop` cannot await).
pub struct DropSchema {
    url: String,
    schema: String,
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                    let _ =
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&pool).await;
                }
            });
        })
        .join();
    }
}

pub fn lookup(name: &str) -> Option<String> {
    (name == "NOTES_JWT_SECRET").then(|| SECRET.to_owned())
}

/// Starts the service on an ephemeral port of 127.0.0.1 with a fresh SQLite file.
pub async fn start() -> App {
    start_with(&SPEC_MODEL, lookup, ServeOptions::default()).await
}

/// The variable naming the PostgreSQL server of the PostgreSQL cases.
pub const POSTGRES_VAR: &str = "SECUREGEN_TEST_POSTGRES";

/// Starts the service on PostgreSQL, in a fresh schema; `None` (with a note) when
/// `SECUREGEN_TEST_POSTGRES` is unset.
pub async fn start_postgres() -> Option<App> {
    let Ok(url) = std::env::var(POSTGRES_VAR) else {
        // Straight to the process's stderr: the test harness captures `eprintln!`, and a
        // skip should be seen.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: {POSTGRES_VAR} is not set (e.g. postgres://postgres@127.0.0.1:5432/test)"
        );
        return None;
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&url).await.unwrap_or_else(|e| panic!("{POSTGRES_VAR}={url}: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.unwrap();
    let db = Db::connect_postgres_schema(&url, &schema).await.unwrap();
    let mut app = start_on(db, &SPEC_MODEL, lookup, ServeOptions::default(), |_| {}).await;
    app.schema = Some(DropSchema { url, schema });
    Some(app)
}

pub async fn start_with(spec: &Spec, lookup: impl Fn(&str) -> Option<String>, options: ServeOptions) -> App {
    start_tuned(spec, lookup, options, |_| {}).await
}

/// Like [`start_with`], adjusting the security context before it is applied.
pub async fn start_tuned(
    spec: &Spec,
    lookup: impl Fn(&str) -> Option<String>,
    options: ServeOptions,
    tune: impl FnOnce(&mut Security),
) -> App {
    // Server-side logs appear with a failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().with_max_level(tracing::Level::WARN).try_init();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("runtime-http");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.db", uuid::Uuid::new_v4()));
    let db = Db::connect(&format!("sqlite://{}", file.display())).await.expect("sqlite");
    start_on(db, spec, lookup, options, tune).await
}

/// Serves the test service on `db`.
pub async fn start_on(
    db: Db,
    spec: &Spec,
    lookup: impl Fn(&str) -> Option<String>,
    options: ServeOptions,
    tune: impl FnOnce(&mut Security),
) -> App {
    db.create_table::<Note>().await.unwrap();
    db.create_table::<Bulletin>().await.unwrap();
    db.create_table::<Doc>().await.unwrap();
    db.create_table::<Burst>().await.unwrap();
    let mut security = Security::from_lookup(spec, lookup).expect("config");
    tune(&mut security);
    let security = Arc::new(security);
    let router: Router = Router::new()
        .merge(securegen_runtime::crud::routes::<Note>())
        .merge(securegen_runtime::crud::routes::<Bulletin>())
        .merge(securegen_runtime::crud::routes::<Doc>())
        .merge(securegen_runtime::crud::routes::<Burst>())
        .route("/boom", axum::routing::get(boom))
        .with_state(db.clone());
    let app = security.apply(router);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app, options, std::future::pending()));
    App { addr, db, security, schema: None }
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Standard claims for `sub` with `roles`, valid for an hour.
pub fn claims(sub: &str, roles: &[&str]) -> Value {
    json!({ "sub": sub, "roles": roles, "iss": "notes", "aud": "notes-api", "exp": now() + 3600, "iat": now() })
}

pub fn sign(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

pub fn token(sub: &str, roles: &[&str]) -> String {
    sign(&claims(sub, roles))
}

pub fn tenant_token(sub: &str, org: &str) -> String {
    let mut c = claims(sub, &["user"]);
    c["org"] = json!(org);
    sign(&c)
}

pub use securegen_runtime::testing::*;
