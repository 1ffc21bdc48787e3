//! A service made only of the runtime, its spec and SQLite, served on 127.0.0.1, and a small
//! raw HTTP/1.1 client (raw, so that tests can send what well-behaved clients never do).
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use jsonwebtoken::{EncodingKey, Header};
use securegen_runtime::db::Db;
use securegen_runtime::serve::{ServeOptions, serve};
use securegen_runtime::{Resource, Security};
use securegen_spec::Spec;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
    let report = securegen_spec::check(SPEC);
    report.spec.unwrap_or_else(|| panic!("test spec invalid: {:#?}", report.diagnostics))
});

macro_rules! resource {
    ($ty:ident, $name:literal) => {
        pub struct $ty;
        impl Resource for $ty {
            fn policy() -> &'static securegen_spec::Resource {
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
}

pub fn lookup(name: &str) -> Option<String> {
    (name == "NOTES_JWT_SECRET").then(|| SECRET.to_owned())
}

/// Starts the service on an ephemeral port of 127.0.0.1 with a fresh SQLite file.
pub async fn start() -> App {
    start_with(&SPEC_MODEL, lookup, ServeOptions::default()).await
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
    App { addr, db, security }
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

/// A response as the client saw it.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: BTreeMap<String, Vec<String>>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).and_then(|v| v.first()).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts the RFC 9457 shape of an error response and returns its body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{self:?}");
        let v = self.json();
        assert_eq!(v["status"], status);
        assert!(v["title"].is_string() && v["type"].is_string(), "{v}");
        v
    }
}

/// Sends raw bytes and reads the whole response (the request must say `Connection: close`).
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut buf))
        .await
        .expect("response in time")
        .unwrap();
    parse(&buf)
}

fn parse(buf: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status line");
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.entry(k.trim().to_ascii_lowercase()).or_default().push(v.trim().to_owned());
        }
    }
    let body = if headers.get("transfer-encoding").is_some_and(|v| v.iter().any(|x| x == "chunked")) {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Resp { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// A well-formed request with optional bearer token and JSON body.
pub async fn send(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
    let mut extra = Vec::new();
    if let Some(t) = token {
        extra.push(format!("Authorization: Bearer {t}"));
    }
    request(addr, method, path, &extra, body.map(|b| b.to_string()).as_deref()).await
}

/// A request with extra header lines and a raw JSON body.
pub async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[String], body: Option<&str>) -> Resp {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    if let Some(b) = body {
        if !headers.iter().any(|h| h.to_ascii_lowercase().starts_with("content-type")) {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    raw(addr, req.as_bytes()).await
}
