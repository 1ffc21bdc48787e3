//! A service of annotated structs, served on 127.0.0.1 on a real SQLite file (or PostgreSQL),
//! and a raw HTTP/1.1 client (raw, so that tests can send what well-behaved clients never do).
#![allow(dead_code, unreachable_pub, missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

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
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{EncodingKey, Header};
use securegen::prelude::*;
use securegen::runtime::db::Db;
use securegen::runtime::serve::{ServeOptions, serve};
use securegen::runtime::testing::attack::fresh_db;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub use securegen::runtime::testing::*;

/// The signing secret of the test instances (fresh for each test process).
pub fn secret() -> &'static str {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(securegen::runtime::testing::attack::fresh_secret)
}

/// Owned notes: every kind of field rule.
#[secure_resource(
    roles = [user, admin],
    owner = owner_id,
    access(create = [user, admin], read = [owner, admin], list = [owner, admin], update = [owner, admin], delete = [admin]),
    limits(rate = "1000/minute", body = "1KiB", page_default = 2, page_max = 3),
    list(filter = [priority, status, due, reviewer_note], sort = [created_at, priority, title], search = [title, body, reviewer_note])
)]
pub struct Note {
    #[field(id)]
    pub id: Uuid,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(write(create, update), len(1..=100))]
    pub title: String,
    #[field(kind = text, write(create, update), len(..=500))]
    pub body: Option<String>,
    #[field(redact, write(create, update))]
    pub secret: Option<String>,
    #[field(write(create, update), range(1..=5), default = 3)]
    pub priority: i64,
    #[field(kind = enum, values(open, done), default = "open", write(update), write_roles = [admin])]
    pub status: String,
    #[field(read_roles = [admin], write(update), write_roles = [admin])]
    pub reviewer_note: Option<String>,
    #[field(pattern = "^[A-Z]{3}$", write(create))]
    pub code: Option<String>,
    #[field(write(create, update))]
    pub due: Option<Date>,
    #[field(server = now)]
    pub created_at: OffsetDateTime,
}

/// Public bulletins, deprecated.
#[secure_resource(
    roles = [admin],
    access(create = [admin], read = [authenticated], list = [anyone]),
    limits(rate = "5/minute", body = "1KiB", page_default = 2, page_max = 3),
    deprecated,
    sunset = "2027-06-30"
)]
pub struct Bulletin {
    #[field(id)]
    pub id: Uuid,
    #[field(write(create), len(..=200))]
    pub text: String,
}

/// Documents of a tenant, with ETags.
#[secure_resource(
    roles = [admin],
    tenant(field = org_id, claim = org),
    etag,
    access(create = [authenticated], read = [authenticated], list = [authenticated], update = [authenticated], delete = [admin]),
    limits(rate = "1000/minute", body = "1KiB", page_default = 2, page_max = 3)
)]
pub struct Doc {
    #[field(id)]
    pub id: Uuid,
    #[field(server = tenant)]
    pub org_id: String,
    #[field(write(create, update), len(..=50))]
    pub name: String,
}

/// A resource to exhaust a rate on.
#[secure_resource(access(read = [authenticated], list = [authenticated]), limits(rate = "10/minute"))]
pub struct Burst {
    #[field(id)]
    pub id: Uuid,
    #[field(write(create))]
    pub n: Option<i64>,
}

/// Folders of their owner.
#[secure_resource(
    roles = [user, admin],
    owner = owner_id,
    access(create = [user], read = [owner, admin], list = [owner, admin], delete = [owner, admin]),
    limits(rate = "1000/minute")
)]
pub struct Folder {
    #[field(id)]
    pub id: Uuid,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(write(create), len(1..=50))]
    pub name: String,
}

/// Cards of their owner, each in a folder the owner can read, optionally about a note
/// (deleted with it).
#[secure_resource(
    roles = [user, admin],
    owner = owner_id,
    access(create = [user], read = [owner], list = [owner], update = [owner], delete = [owner]),
    limits(rate = "1000/minute")
)]
pub struct Card {
    #[field(id)]
    pub id: Uuid,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(to = folder, write(create, update))]
    pub folder_id: Uuid,
    #[field(to = note, on_delete = cascade, write(create))]
    pub note_id: Option<Uuid>,
}

/// Projects of their owner: the top of a chain of nested resources.
#[secure_resource(
    roles = [user, admin],
    owner = owner_id,
    access(create = [user], read = [owner, admin], list = [owner, admin], delete = [owner]),
    limits(rate = "1000/minute")
)]
pub struct Project {
    #[field(id)]
    pub id: Uuid,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(write(create), len(1..=50))]
    pub name: String,
}

/// Tasks of a project (`/projects/{project_id}/tasks`), deleted with it; `owner` is the
/// project's owner, admins read every project's tasks.
#[secure_resource(
    roles = [user, admin],
    parent = project,
    on_parent_delete = cascade,
    access(create = [owner], read = [owner, admin], list = [owner, admin], update = [owner], delete = [owner, admin]),
    limits(rate = "1000/minute"),
    list(sort = [title])
)]
pub struct Task {
    #[field(id)]
    pub id: Uuid,
    #[field(to = project, server = parent)]
    pub project_id: Uuid,
    #[field(write(create, update), len(1..=50))]
    pub title: String,
}

/// Steps of a task, two levels down; a task with steps cannot be deleted. Only the
/// project's owner reaches them.
#[secure_resource(
    roles = [user, admin],
    parent = task,
    path = "/api/v1/projects/{project_id}/tasks/{task_id}/steps",
    access(create = [owner], read = [owner], list = [owner], delete = [owner]),
    limits(rate = "1000/minute")
)]
pub struct Step {
    #[field(id)]
    pub id: Uuid,
    #[field(to = task, server = parent)]
    pub task_id: Uuid,
    #[field(write(create))]
    pub done: bool,
}

/// Members with a password: stored as an argon2id hash, never returned.
#[secure_resource(
    roles = [user, admin],
    owner = owner_id,
    access(create = [user], read = [owner, admin], list = [owner, admin], update = [owner]),
    limits(rate = "1000/minute")
)]
pub struct Member {
    #[field(id)]
    pub id: Uuid,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(kind = password, write(create, update))]
    pub password: String,
}

/// The settings of the test service.
pub fn settings() -> Settings {
    let mut s = Settings::new("notes", Jwt::hs256("NOTES_JWT_SECRET").issuer("notes").audience("notes-api"));
    s.roles = vec!["user".into(), "admin".into()];
    s.cors_origins = vec!["https://app.example.com".into()];
    s
}

#[allow(clippy::unused_async)]
async fn boom() -> &'static str {
    panic!("database password is hunter2")
}

/// The service, with a route that panics.
pub fn service() -> ServiceBuilder {
    service_with(settings())
}

/// The service with other settings.
pub fn service_with(settings: Settings) -> ServiceBuilder {
    Service::builder(settings)
        .resource::<Note>(NoHooks)
        .resource::<Bulletin>(NoHooks)
        .resource::<Doc>(NoHooks)
        .resource::<Burst>(NoHooks)
        .resource::<Folder>(NoHooks)
        .resource::<Card>(NoHooks)
        .resource::<Project>(NoHooks)
        .resource::<Task>(NoHooks)
        .resource::<Step>(NoHooks)
        .resource::<Member>(NoHooks)
        .routes(|_| {
            securegen::runtime::axum::Router::new().route("/boom", securegen::runtime::axum::routing::get(boom))
        })
}

/// A running service.
pub struct App {
    pub addr: SocketAddr,
    pub db: Db,
}

/// The environment of the test service: its key, plus `extra`.
pub fn env(extra: &[(&str, &str)]) -> Environment {
    let mut pairs: Vec<(String, String)> = vec![("NOTES_JWT_SECRET".into(), secret().to_owned())];
    pairs.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Environment::from_fn(move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
}

/// Starts the service on an ephemeral port of 127.0.0.1 with a fresh SQLite file.
pub async fn start() -> App {
    start_with(service(), env(&[])).await
}

/// Starts `service` configured by `env` on a fresh SQLite file.
pub async fn start_with(service: ServiceBuilder, env: Environment) -> App {
    let db = fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    start_on(service, env, db).await
}

/// Starts the service on PostgreSQL, in a fresh schema; `None` (saying so) when
/// `SECUREGEN_TEST_POSTGRES` is unset.
pub async fn start_postgres() -> Option<App> {
    let db = fresh_db(securegen::model::Database::Postgres).await?;
    Some(start_on(service(), env(&[]), db).await)
}

/// Serves `service` on `db`.
pub async fn start_on(service: ServiceBuilder, env: Environment, db: Db) -> App {
    // Server-side logs appear with a failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().with_max_level(tracing::Level::WARN).try_init();
    for table in [
        securegen::model::sql::schema_script(<Note as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Bulletin as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Doc as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Burst as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Folder as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Card as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Project as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Task as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Step as securegen::runtime::Resource>::policy(), db.dialect()),
        securegen::model::sql::schema_script(<Member as securegen::runtime::Resource>::policy(), db.dialect()),
    ] {
        db.batch(&table).await.unwrap();
    }
    let service = service.build(&env, db.clone()).expect("config");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options: ServeOptions = service.serve_options().clone();
    tokio::spawn(serve(listener, service.router(), options, std::future::pending()));
    App { addr, db }
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
        &EncodingKey::from_secret(secret().as_bytes()),
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
