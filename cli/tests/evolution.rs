//! A spec that evolves on live data. Six versions of one service — create; add an optional
//! field; add a resource; rename a field and an owner (whose index follows); add a field with
//! a default and a server-filled one; drop a field — each turned into its migration by the
//! `securegen generate` binary, each applied by a restarted service to the same database,
//! SQLite and PostgreSQL (`SECUREGEN_TEST_POSTGRES`), with rows written over HTTP at every
//! step. After every restart each earlier row reads back with every surviving value, the new
//! fields work, and the generated attack tests pass. Plus: an applied migration that was
//! edited stops the start, racing instances apply each migration once, a destructive change
//! without `--allow-destructive` writes nothing.
#![allow(missing_docs, unreachable_pub, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use securegen::prelude::*;
use securegen::runtime::db::Db;
use securegen::runtime::migrate::Migration;
use securegen::runtime::testing::attack::{Attack, Attacks, fresh_secret, start_on};
use securegen::runtime::testing::send;
use serde_json::{Value, json};

const ACCESS: &str =
    "{ create: [reader], read: [owner, admin], list: [owner, admin], update: [owner], delete: [owner, admin] }";

/// The spec of version `v`.
fn spec(v: u32) -> String {
    let title = if v >= 4 {
        "name: { type: string, renamed_from: title, max_len: 200, write: [create, update] }"
    } else {
        "title: { type: string, max_len: 200, write: [create, update] }"
    };
    let pages =
        if v < 6 { "\n      pages: { type: int, optional: true, min: 1, write: [create, update] }" } else { "" };
    let summary = if v >= 2 { "\n      summary: { type: text, optional: true, write: [create, update] }" } else { "" };
    let rating = if v >= 5 {
        "\n      rating: { type: int, min: 1, max: 5, default: 3, write: [create, update] }\n      added_at: { type: timestamp, server: now }"
    } else {
        ""
    };
    let keeper = if v >= 4 { "holder" } else { "keeper" };
    let renamed = if v >= 4 { ", renamed_from: keeper" } else { "" };
    let shelf = if v >= 3 {
        format!(
            "
  shelf:
    plural: shelves
    owner: {keeper}
    fields:
      id: {{ type: uuid }}
      {keeper}: {{ type: string, server: subject{renamed} }}
      label: {{ type: string, max_len: 50, write: [create] }}
    access: {{ create: [reader], read: [owner], list: [owner], delete: [owner] }}
    limits: {{ rate: 1000/minute }}"
        )
    } else {
        String::new()
    };
    format!(
        "service: {{ name: library }}
auth:
  jwt: {{ algorithms: [HS256], secret_env: LIBRARY_JWT_SECRET, issuer: library, audience: library-api }}
roles: [reader, admin]
resources:
  book:
    owner: owner_id
    fields:
      id: {{ type: uuid }}
      owner_id: {{ type: string, server: subject }}
      {title}{pages}{summary}{rating}
    access: {ACCESS}
    limits: {{ rate: 1000/minute }}{shelf}
"
    )
}

fn settings() -> Settings {
    let mut s = Settings::new("library", Jwt::hs256("LIBRARY_JWT_SECRET").issuer("library").audience("library-api"));
    s.roles = vec!["reader".into(), "admin".into()];
    s
}

/// The same six versions as annotated structs: what the service of each version serves.
mod v1 {
    use securegen::prelude::*;
    #[secure_resource(roles = [reader, admin], owner = owner_id, access(create = [reader], read = [owner, admin], list = [owner, admin], update = [owner], delete = [owner, admin]), limits(rate = "1000/minute"))]
    pub struct Book {
        #[field(id)]
        pub id: Uuid,
        #[field(server = subject)]
        pub owner_id: String,
        #[field(write(create, update), len(..=200))]
        pub title: String,
        #[field(write(create, update), range(1..))]
        pub pages: Option<i64>,
    }
}

mod v2 {
    use securegen::prelude::*;
    #[secure_resource(roles = [reader, admin], owner = owner_id, access(create = [reader], read = [owner, admin], list = [owner, admin], update = [owner], delete = [owner, admin]), limits(rate = "1000/minute"))]
    pub struct Book {
        #[field(id)]
        pub id: Uuid,
        #[field(server = subject)]
        pub owner_id: String,
        #[field(write(create, update), len(..=200))]
        pub title: String,
        #[field(write(create, update), range(1..))]
        pub pages: Option<i64>,
        #[field(kind = text, write(create, update))]
        pub summary: Option<String>,
    }
}

mod v3 {
    pub use super::v2::Book;
    use securegen::prelude::*;
    #[secure_resource(roles = [reader, admin], plural = shelves, owner = keeper, access(create = [reader], read = [owner], list = [owner], delete = [owner]), limits(rate = "1000/minute"))]
    pub struct Shelf {
        #[field(id)]
        pub id: Uuid,
        #[field(server = subject)]
        pub keeper: String,
        #[field(write(create), len(..=50))]
        pub label: String,
    }
}

mod v4 {
    use securegen::prelude::*;
    #[secure_resource(roles = [reader, admin], owner = owner_id, access(create = [reader], read = [owner, admin], list = [owner, admin], update = [owner], delete = [owner, admin]), limits(rate = "1000/minute"))]
    pub struct Book {
        #[field(id)]
        pub id: Uuid,
        #[field(server = subject)]
        pub owner_id: String,
        #[field(renamed_from = title, write(create, update), len(..=200))]
        pub name: String,
        #[field(write(create, update), range(1..))]
        pub pages: Option<i64>,
        #[field(kind = text, write(create, update))]
        pub summary: Option<String>,
    }
    #[secure_resource(roles = [reader, admin], plural = shelves, owner = holder, access(create = [reader], read = [owner], list = [owner], delete = [owner]), limits(rate = "1000/minute"))]
    pub struct Shelf {
        #[field(id)]
        pub id: Uuid,
        #[field(server = subject, renamed_from = keeper)]
        pub holder: String,
        #[field(write(create), len(..=50))]
        pub label: String,
    }
}

mod v5 {
    pub use super::v4::Shelf;
    use securegen::prelude::*;
    #[secure_resource(roles = [reader, admin], owner = owner_id, access(create = [reader], read = [owner, admin], list = [owner, admin], update = [owner], delete = [owner, admin]), limits(rate = "1000/minute"))]
    pub struct Book {
        #[field(id)]
        pub id: Uuid,
        #[field(server = subject)]
        pub owner_id: String,
        #[field(renamed_from = title, write(create, update), len(..=200))]
        pub name: String,
        #[field(write(create, update), range(1..))]
        pub pages: Option<i64>,
        #[field(kind = text, write(create, update))]
        pub summary: Option<String>,
        #[field(write(create, update), range(1..=5), default = 3)]
        pub rating: i64,
        #[field(server = now)]
        pub added_at: OffsetDateTime,
    }
}

mod v6 {
    pub use super::v4::Shelf;
    use securegen::prelude::*;
    #[secure_resource(roles = [reader, admin], owner = owner_id, access(create = [reader], read = [owner, admin], list = [owner, admin], update = [owner], delete = [owner, admin]), limits(rate = "1000/minute"))]
    pub struct Book {
        #[field(id)]
        pub id: Uuid,
        #[field(server = subject)]
        pub owner_id: String,
        #[field(renamed_from = title, write(create, update), len(..=200))]
        pub name: String,
        #[field(kind = text, write(create, update))]
        pub summary: Option<String>,
        #[field(write(create, update), range(1..=5), default = 3)]
        pub rating: i64,
        #[field(server = now)]
        pub added_at: OffsetDateTime,
    }
}

/// The migrations `generate` wrote, by version of the spec (the attack tests build services
/// with a plain `fn`, so they are read from here).
static MIGRATIONS: Mutex<BTreeMap<u32, Vec<Migration>>> = Mutex::new(BTreeMap::new());

fn migrations(v: u32) -> Vec<Migration> {
    MIGRATIONS.lock().unwrap().get(&v).cloned().unwrap_or_default()
}

fn resources(v: u32) -> ServiceBuilder {
    let b = Service::builder(settings());
    match v {
        1 => b.resource::<v1::Book>(NoHooks),
        2 => b.resource::<v2::Book>(NoHooks),
        3 => b.resource::<v3::Book>(NoHooks).resource::<v3::Shelf>(NoHooks),
        4 => b.resource::<v4::Book>(NoHooks).resource::<v4::Shelf>(NoHooks),
        5 => b.resource::<v5::Book>(NoHooks).resource::<v5::Shelf>(NoHooks),
        _ => b.resource::<v6::Book>(NoHooks).resource::<v6::Shelf>(NoHooks),
    }
}

fn service(v: u32) -> ServiceBuilder {
    resources(v).migrations(&migrations(v))
}

fn service_1() -> ServiceBuilder {
    service(1)
}
fn service_2() -> ServiceBuilder {
    service(2)
}
fn service_3() -> ServiceBuilder {
    service(3)
}
fn service_4() -> ServiceBuilder {
    service(4)
}
fn service_5() -> ServiceBuilder {
    service(5)
}
fn service_6() -> ServiceBuilder {
    service(6)
}
const SERVICES: [fn() -> ServiceBuilder; 6] = [service_1, service_2, service_3, service_4, service_5, service_6];

/// Runs the `securegen` binary in `dir`.
fn securegen(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_securegen")).args(args).arg("--dir").arg(dir).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The migrations in `dir`, as the generated `lib.rs` lists them.
fn read_migrations(dir: &Path) -> Vec<Migration> {
    let mut found: Vec<(u32, String)> = std::fs::read_dir(dir.join("migrations/sqlite"))
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(securegen::model::migrate::parse_file_name))
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|(v, name)| {
            let file = format!("{}.sql", securegen::model::migrate::stem(v, &name));
            Migration {
                version: v,
                name: name.into(),
                sqlite: std::fs::read_to_string(dir.join("migrations/sqlite").join(&file)).unwrap().into(),
                postgres: std::fs::read_to_string(dir.join("migrations/postgres").join(&file)).unwrap().into(),
            }
        })
        .collect()
}

/// Writes the spec of every version in turn and generates, as a user would; records the
/// migrations each version has. Checks that the structs of each version are the spec's.
fn generate_history(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for v in 1..=6 {
        std::fs::write(dir.join("securegen.yaml"), spec(v)).unwrap();
        let yaml = securegen::model::check(&spec(v));
        let from_yaml = securegen::model::migrate::Layout::of(
            &yaml.spec.unwrap_or_else(|| panic!("v{v}: {:#?}", yaml.diagnostics)).resources,
        );
        let from_structs = securegen::model::migrate::Layout::of(resources(v).policies());
        assert_eq!(from_yaml, from_structs, "v{v}: the structs and the spec disagree");
        if v == 6 {
            let before: Vec<PathBuf> = files(dir);
            let (ok, out) = securegen(dir, &["generate"]);
            assert!(!ok, "dropping a field needs --allow-destructive");
            assert!(out.contains("drops field `book.pages`") && out.contains("securegen.yaml:"), "{out}");
            assert_eq!(files(dir), before, "a refused change writes nothing");
            let (ok, out) = securegen(dir, &["generate", "--allow-destructive"]);
            assert!(ok, "{out}");
        } else {
            let (ok, out) = securegen(dir, &["generate"]);
            assert!(ok, "v{v}: {out}");
        }
        let (ok, out) = securegen(dir, &["generate", "--check"]);
        assert!(ok, "v{v}: generating twice changes nothing: {out}");
        let list = read_migrations(dir);
        assert_eq!(list.len(), v as usize, "v{v}: one migration per version");
        MIGRATIONS.lock().unwrap().insert(v, list);
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["migrations/sqlite", "migrations/postgres", ".securegen"] {
        for e in std::fs::read_dir(dir.join(sub)).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            out.push(PathBuf::from(format!("{}:{}", e.path().display(), text.len())));
        }
    }
    out.sort();
    out
}

fn token(secret: &str, sub: &str) -> String {
    let roles = vec!["reader".to_owned()];
    let claims = securegen::model::token::Claims { subject: sub, roles: &roles, extra: &[] };
    securegen::model::token::mint(&settings().auth.jwt, secret, claims, Duration::from_secs(600)).unwrap()
}

/// The rows written so far and what each must read back as, by path.
type Expected = BTreeMap<String, Value>;

/// Applies a rename, an addition or a drop to every expected row of `prefix`.
fn evolve_rows(rows: &mut Expected, prefix: &str, f: impl Fn(&mut serde_json::Map<String, Value>)) {
    for (path, row) in rows.iter_mut() {
        if path.starts_with(prefix) {
            f(row.as_object_mut().unwrap());
        }
    }
}

async fn every_row_reads_back(addr: std::net::SocketAddr, secret: &str, rows: &Expected, v: u32) {
    for (path, want) in rows {
        let r = send(addr, "GET", path, Some(&token(secret, "ann")), None).await;
        assert_eq!(r.status, 200, "v{v}: {path}: {}", r.body);
        let got = r.json();
        for (k, w) in want.as_object().unwrap() {
            assert_eq!(&got[k], w, "v{v}: {path}.{k}: {}", r.body);
        }
    }
}

/// The whole history on `connect` (a fresh connection per restart).
async fn history<F, Fut>(connect: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Db>,
{
    let secret = fresh_secret();
    let ann = token(&secret, "ann");
    let mut rows = Expected::new();
    for v in 1..=6u32 {
        let addr = start_on(service(v), connect().await, &secret).await;
        // Each restart migrated the database: every earlier row is there, as it should be.
        match v {
            4 => {
                evolve_rows(&mut rows, "/api/v1/books/", |r| {
                    let t = r.remove("title").unwrap();
                    r.insert("name".into(), t);
                });
                evolve_rows(&mut rows, "/api/v1/shelves/", |r| {
                    let k = r.remove("keeper").unwrap();
                    r.insert("holder".into(), k);
                });
            }
            5 => evolve_rows(&mut rows, "/api/v1/books/", |r| {
                r.insert("rating".into(), json!(3));
            }),
            6 => evolve_rows(&mut rows, "/api/v1/books/", |r| {
                r.remove("pages");
            }),
            _ => {}
        }
        every_row_reads_back(addr, &secret, &rows, v).await;
        if v >= 5 {
            let listed = send(addr, "GET", "/api/v1/books?limit=100", Some(&ann), None).await.json();
            for b in listed["items"].as_array().unwrap() {
                assert!(b["added_at"].as_str().is_some_and(|t| t.len() >= 20), "v{v}: old rows get a time: {b}");
                assert!(b.get("pages").is_none() || v < 6, "v{v}: {b}");
            }
        }
        // Rows of this version, with its new fields.
        let title = if v >= 4 { "name" } else { "title" };
        let mut body = json!({ title: format!("book of v{v}") });
        if v < 6 {
            body["pages"] = json!(100 + v);
        }
        if v >= 2 {
            body["summary"] = json!(format!("summary {v}"));
        }
        if v >= 5 {
            body["rating"] = json!(5);
        }
        let r = send(addr, "POST", "/api/v1/books", Some(&ann), Some(&body)).await;
        assert_eq!(r.status, 201, "v{v}: {}", r.body);
        let created = r.json();
        let mut want = body.clone();
        want["owner_id"] = json!("ann");
        rows.insert(format!("/api/v1/books/{}", created["id"].as_str().unwrap()), want);
        if v >= 3 {
            let r = send(addr, "POST", "/api/v1/shelves", Some(&ann), Some(&json!({ "label": format!("shelf {v}") })))
                .await;
            assert_eq!(r.status, 201, "v{v}: {}", r.body);
            let owner = if v >= 4 { "holder" } else { "keeper" };
            rows.insert(
                format!("/api/v1/shelves/{}", r.json()["id"].as_str().unwrap()),
                json!({ "label": format!("shelf {v}"), owner: "ann" }),
            );
        }
        every_row_reads_back(addr, &secret, &rows, v).await;
        // The owner scope still holds on every table, renamed owner included.
        let bob = token(&secret, "bob");
        for path in rows.keys() {
            send(addr, "GET", path, Some(&bob), None).await.problem(404);
        }
    }
    assert_eq!(rows.len(), 6 + 4, "six books and four shelves written, all still there");
}

fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("securegen-evolution-{name}-{}", uuid_like()))
}

fn uuid_like() -> String {
    format!(
        "{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}

/// The CLI writes the history once for both databases.
fn generated() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = temp_dir("spec");
        generate_history(&dir);
        dir
    })
}

#[tokio::test]
async fn six_versions_keep_every_row_on_sqlite() {
    generated();
    let file = temp_dir("db").with_extension("db");
    let url = format!("sqlite://{}", file.display());
    history(|| {
        let url = url.clone();
        async move { Db::connect(&url).await.unwrap() }
    })
    .await;
    // The migrations recorded, in order, each once.
    let db = Db::connect(&url).await.unwrap();
    let applied = db.applied_migrations().await.unwrap();
    assert_eq!(applied.iter().map(|a| a.version).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
}

/// A PostgreSQL schema of its own, or `None` when no server is configured.
async fn postgres_schema() -> Option<(String, String)> {
    let url = std::env::var(securegen::runtime::testing::attack::POSTGRES_ENV).ok().filter(|u| !u.is_empty())?;
    let schema = format!("securegen_test_{}", securegen::types::Uuid::now_v7().simple());
    let admin = Db::connect(&url).await.unwrap_or_else(|e| panic!("{url} does not answer: {e}"));
    admin.batch(&format!("CREATE SCHEMA \"{schema}\"")).await.unwrap();
    Some((url, schema))
}

#[tokio::test]
async fn six_versions_keep_every_row_on_postgres() {
    generated();
    let Some((url, schema)) = postgres_schema().await else {
        eprintln!("skipped: set SECUREGEN_TEST_POSTGRES to run the spec history on PostgreSQL");
        return;
    };
    history(|| {
        let (url, schema) = (url.clone(), schema.clone());
        async move { Db::connect_postgres_schema(&url, &schema).await.unwrap() }
    })
    .await;
}

#[tokio::test]
async fn racing_instances_apply_each_migration_once_on_postgres() {
    generated();
    let Some((url, schema)) = postgres_schema().await else { return };
    let list = migrations(6);
    let a = Db::connect_postgres_schema(&url, &schema).await.unwrap();
    let b = Db::connect_postgres_schema(&url, &schema).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(&list), b.migrate(&list));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.len() + rb.len(), 6, "each migration applied by exactly one instance: {ra:?} {rb:?}");
    assert_eq!(a.applied_migrations().await.unwrap().len(), 6);
}

#[tokio::test]
async fn racing_instances_apply_each_migration_once_on_sqlite() {
    generated();
    let file = temp_dir("race").with_extension("db");
    let url = format!("sqlite://{}", file.display());
    let list = migrations(6);
    let a = Db::connect(&url).await.unwrap();
    let b = Db::connect(&url).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(&list), b.migrate(&list));
    assert_eq!(ra.unwrap().len() + rb.unwrap().len(), 6);
    assert_eq!(a.applied_migrations().await.unwrap().len(), 6);
}

#[tokio::test]
async fn an_edited_applied_migration_stops_the_start() {
    generated();
    let file = temp_dir("edited").with_extension("db");
    let url = format!("sqlite://{}", file.display());
    let secret = fresh_secret();
    start_on(service(2), Db::connect(&url).await.unwrap(), &secret).await;
    let mut list = migrations(2);
    list[1].sqlite = format!("{}\n-- edited\n", list[1].sqlite).into();
    let key = settings().auth.jwt.key.env().to_owned();
    let env = securegen::Environment::from_fn(move |k| (k == key).then(|| secret.clone()));
    let svc = resources(2).migrations(&list).build(&env, Db::connect(&url).await.unwrap()).unwrap();
    let err = svc.migrate().await.unwrap_err().to_string();
    assert!(err.contains("0002_add_book_summary was changed after the database applied it"), "{err}");
    // And a database that has applied more than the binary knows.
    let secret = fresh_secret();
    let key = settings().auth.jwt.key.env().to_owned();
    let env = securegen::Environment::from_fn(move |k| (k == key).then(|| secret.clone()));
    let svc = resources(1).migrations(&migrations(1)).build(&env, Db::connect(&url).await.unwrap()).unwrap();
    let err = svc.migrate().await.unwrap_err().to_string();
    assert!(err.contains("which this build does not know"), "{err}");
}

/// The generated attack tests pass on every version.
#[tokio::test]
async fn the_attacks_hold_at_every_version() {
    generated();
    for (i, make) in SERVICES.iter().enumerate() {
        let attacks = Attacks::new(*make);
        let names: Vec<String> = attacks.plan().resources.iter().map(|r| r.name.clone()).collect();
        for name in &names {
            let applicable = attacks.applicable(name);
            assert!(applicable.contains(&Attack::Bola), "v{}: {name} is owned: {applicable:?}", i + 1);
            for attack in applicable {
                attacks.run(name, attack).await;
            }
        }
        assert!(!names.is_empty(), "v{}", i + 1);
    }
}
