//! Attack tests driven by a plan that `securegen generate` computes from a spec: BOLA, tenant
//! isolation, BFLA, mass assignment, redaction, read_roles, bounds, rate and body limits,
//! forged and expired tokens, each against a fresh instance of the real service on
//! 127.0.0.1. A generated `tests/security.rs` holds the plan and one test per resource and
//! attack; the attacks themselves live here, once.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Resp, request, send, tampered, unsigned};
use crate::db::Db;
use crate::service::Service;

/// Starts `service` on an ephemeral port of 127.0.0.1 with a fresh SQLite file, the variable
/// `secret_env` set to `secret`.
pub async fn start_service(service: Service, secret_env: &str, secret: &str) -> SocketAddr {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let file = std::env::temp_dir().join(format!("securegen-attack-{}-{nanos}.db", std::process::id()));
    let db = Db::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let (secret_env, secret) = (secret_env.to_owned(), secret.to_owned());
    let lookup = move |k: &str| (k == secret_env).then(|| secret.clone());
    let (app, _) = crate::service::app(service, db, lookup).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(crate::serve::serve(listener, app, crate::serve::ServeOptions::default(), std::future::pending()));
    addr
}

type Start = Box<dyn Fn(String) -> Pin<Box<dyn Future<Output = SocketAddr> + Send>> + Send + Sync>;

/// A fresh signing secret for one test run: 64 random bytes as 128 hex characters, enough for
/// every HMAC algorithm. Tests never share a fixed secret that a deployment could copy.
pub fn fresh_secret() -> String {
    (0..4).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect()
}

/// The attacks of one service: its plan, the secret its test instances use, and how to start
/// a fresh instance.
pub struct Attacks {
    plan: Value,
    secret: String,
    start: Start,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn item(p: &Value, id: &str) -> String {
    format!("{}/{id}", p["path"].as_str().unwrap())
}

fn method_and_path(p: &Value, action: &str, id: &str) -> (&'static str, String) {
    let base = p["path"].as_str().unwrap().to_owned();
    match action {
        "create" => ("POST", base),
        "list" => ("GET", base),
        "read" => ("GET", item(p, id)),
        "update" => ("PATCH", item(p, id)),
        _ => ("DELETE", item(p, id)),
    }
}

impl Attacks {
    /// Attacks from a plan (JSON), against instances that `start` starts with the signing
    /// secret it is given (fresh and random for each `Attacks`).
    pub fn new<F>(plan_json: &str, start: impl Fn(String) -> F + Send + Sync + 'static) -> Self
    where
        F: Future<Output = SocketAddr> + Send + 'static,
    {
        Self {
            plan: serde_json::from_str(plan_json).unwrap(),
            secret: fresh_secret(),
            start: Box::new(move |secret| Box::pin(start(secret))),
        }
    }

    /// Tests mint tokens only for HMAC services (public-key services get theirs from an
    /// identity provider); without, each test says it skipped, on the real stderr.
    fn without_tokens(&self) -> bool {
        let hmac = self.jwt().algorithms.iter().all(|a| a.is_hmac());
        if !hmac {
            use std::io::Write as _;
            let _ =
                writeln!(std::io::stderr(), "skipped: tokens for a public-key service come from its identity provider");
        }
        !hmac
    }

    /// The plan of `resource`, or `None` (saying why) when tokens cannot be minted.
    fn plan_for(&self, resource: &str) -> Option<Value> {
        if self.without_tokens() { None } else { Some(self.plan(resource)) }
    }

    fn plan(&self, resource: &str) -> Value {
        self.plan["resources"].as_array().unwrap().iter().find(|r| r["name"] == resource).cloned().unwrap()
    }

    fn jwt(&self) -> securegen_model::Jwt {
        serde_json::from_value(self.plan["jwt"].clone()).unwrap()
    }

    /// A token for `sub` with `roles`, in tenant `tenant-a`.
    fn token(&self, sub: &str, roles: &[String]) -> String {
        self.token_in(sub, roles, "tenant-a")
    }

    /// A token for `sub` with `roles`, carrying `tenant` in every tenant claim of the plan.
    fn token_in(&self, sub: &str, roles: &[String], tenant: &str) -> String {
        let extra: Vec<(String, String)> =
            strings(&self.plan["tenant_claims"]).into_iter().map(|c| (c, tenant.to_owned())).collect();
        securegen_model::token::mint(
            &self.jwt(),
            &self.secret,
            securegen_model::token::Claims { subject: sub, roles, extra: &extra },
            Duration::from_secs(600),
        )
        .unwrap()
    }

    fn body(p: &Value) -> Option<Map<String, Value>> {
        p["body"].as_object().cloned()
    }

    /// Creates a row as `sub` and answers its id; `None` when the spec gives no way to.
    async fn create_id(&self, addr: SocketAddr, p: &Value, sub: &str) -> Option<String> {
        let row = self.create(addr, p, sub).await?;
        row[p["id"].as_str()?].as_str().map(str::to_owned)
    }

    /// Creates a row as `sub` (with the creating roles); `None` when the spec gives no way to.
    async fn create(&self, addr: SocketAddr, p: &Value, sub: &str) -> Option<Value> {
        let roles = strings(p.get("creator").filter(|c| c.is_array())?);
        let body = Self::body(p)?;
        let r =
            send(addr, "POST", p["path"].as_str()?, Some(&self.token(sub, &roles)), Some(&Value::Object(body))).await;
        assert_eq!(r.status, 201, "creating a valid row: {}", r.body);
        Some(r.json())
    }

    /// Another owner's row answers every owned action exactly like a missing row.
    pub async fn bola(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        if !p["owner"].as_bool().unwrap_or(false) {
            return;
        }
        let addr = (self.start)(self.secret.clone()).await;
        let Some(id) = self.create_id(addr, &p, "victim").await else {
            return;
        };
        let intruder = self.token("intruder", &strings(&p["creator"]));
        let missing = "00000000-0000-7000-8000-000000000000";
        for action in strings(&p["owner_actions"]) {
            let body = (action == "update").then(|| json!({}));
            let (method, path) = method_and_path(&p, &action, &id);
            let theirs = send(addr, method, &path, Some(&intruder), body.as_ref()).await;
            if action == "list" {
                assert_eq!(theirs.status, 200, "{}", theirs.body);
                assert!(!theirs.body.contains(&id), "list shows another owner's row: {}", theirs.body);
                continue;
            }
            let (_, absent_path) = method_and_path(&p, &action, missing);
            let absent = send(addr, method, &absent_path, Some(&intruder), body.as_ref()).await;
            let (mut a, mut b) = (theirs.problem(404), absent.problem(404));
            a.as_object_mut().unwrap().remove("request_id");
            b.as_object_mut().unwrap().remove("request_id");
            assert_eq!(a, b, "{action}: another owner's row must look missing");
        }
    }

    /// A caller of another tenant, same subject and roles, cannot see the row.
    pub async fn tenant_isolation(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        if !p["tenant"].as_bool().unwrap_or(false) {
            return;
        }
        let addr = (self.start)(self.secret.clone()).await;
        let Some(id) = self.create_id(addr, &p, "owner").await else {
            return;
        };
        // The same subject and roles, in another tenant: the row does not exist there.
        let stranger = self.token_in("owner", &strings(&p["creator"]), "tenant-b");
        let r = send(addr, "GET", &item(&p, &id), Some(&stranger), None).await;
        if r.status != 403 {
            r.problem(404);
        }
        let list = send(addr, "GET", p["path"].as_str().unwrap(), Some(&stranger), None).await;
        assert!(!list.body.contains(&id), "another tenant's row is listed: {}", list.body);
    }

    /// Every caller whose roles lack an action gets 403; anonymous callers get 401.
    pub async fn bfla(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let addr = (self.start)(self.secret.clone()).await;
        let id = self
            .create_id(addr, &p, "owner")
            .await
            .unwrap_or_else(|| "00000000-0000-7000-8000-000000000000".to_owned());
        for denied in p["denied"].as_array().unwrap() {
            let action = denied["action"].as_str().unwrap();
            let roles = strings(&denied["roles"]);
            let (method, path) = method_and_path(&p, action, &id);
            let body = matches!(action, "create" | "update").then(|| json!({}));
            let r = send(addr, method, &path, Some(&self.token("someone", &roles)), body.as_ref()).await;
            r.problem(403);
        }
        for action in strings(&p["anonymous_denied"]) {
            let (method, path) = method_and_path(&p, &action, &id);
            let body = matches!(action.as_str(), "create" | "update").then(|| json!({}));
            let r = send(addr, method, &path, None, body.as_ref()).await;
            r.problem(401);
            assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{action}");
        }
    }

    /// Every field the creator may not write, and an unknown one, is refused with 422.
    pub async fn mass_assignment(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let (Some(valid), Some(creator)) = (Self::body(&p), p["creator"].as_array()) else { return };
        let roles: Vec<String> = creator.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect();
        let addr = (self.start)(self.secret.clone()).await;
        for field in strings(&p["non_writable"]).into_iter().chain(["not_a_field".to_owned()]) {
            let mut b = valid.clone();
            b.insert(field.clone(), json!("smuggled"));
            let r = send(
                addr,
                "POST",
                p["path"].as_str().unwrap(),
                Some(&self.token("mallory", &roles)),
                Some(&Value::Object(b)),
            )
            .await;
            let problem = r.problem(422);
            let pointers: Vec<&str> =
                problem["errors"].as_array().unwrap().iter().filter_map(|e| e["pointer"].as_str()).collect();
            assert!(pointers.contains(&format!("/{field}").as_str()), "{field}: {pointers:?}");
        }
    }

    /// Redacted fields appear in no response, for any reader.
    pub async fn redaction(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let redacted = strings(&p["redacted"]);
        if redacted.is_empty() {
            return;
        }
        let addr = (self.start)(self.secret.clone()).await;
        // The create response is checked too.
        let Some(row) = self.create(addr, &p, "owner").await else {
            return;
        };
        let id = row[p["id"].as_str().unwrap()].as_str().unwrap().to_owned();
        let mut seen = vec![row];
        for reader in p["readers"].as_array().unwrap() {
            let tok = self.token(reader["sub"].as_str().unwrap(), &strings(&reader["roles"]));
            for path in [item(&p, &id), p["path"].as_str().unwrap().to_owned()] {
                let r = send(addr, "GET", &path, Some(&tok), None).await;
                if r.status == 200 {
                    seen.push(r.json());
                }
            }
        }
        for v in seen {
            let rows = v.get("items").and_then(Value::as_array).cloned().unwrap_or_else(|| vec![v.clone()]);
            for row in rows {
                for field in &redacted {
                    assert!(row.get(field).is_none(), "redacted `{field}` in a response: {row}");
                }
            }
        }
    }

    /// Fields with `read_roles` are visible exactly to the callers the policy says.
    pub async fn read_roles(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let checks = p["read_roles"].as_array().cloned().unwrap_or_default();
        if checks.is_empty() {
            return;
        }
        let addr = (self.start)(self.secret.clone()).await;
        let Some(id) = self.create_id(addr, &p, "owner").await else {
            return;
        };
        for check in checks {
            let field = check["field"].as_str().unwrap();
            let tok = self.token(check["sub"].as_str().unwrap(), &strings(&check["roles"]));
            let r = send(addr, "GET", &item(&p, &id), Some(&tok), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let visible = r.json().get(field).is_some();
            assert_eq!(visible, check["visible"].as_bool().unwrap(), "`{field}` for {check}");
        }
    }

    /// Every out-of-bounds value is refused with 422 at its pointer, without echo.
    pub async fn bounds(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let (Some(valid), Some(creator)) = (Self::body(&p), p["creator"].as_array()) else { return };
        let roles: Vec<String> = creator.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect();
        let addr = (self.start)(self.secret.clone()).await;
        for bad in p["bad_values"].as_array().unwrap() {
            let field = bad["field"].as_str().unwrap();
            let mut b = valid.clone();
            b.insert(field.to_owned(), bad["value"].clone());
            let r = send(
                addr,
                "POST",
                p["path"].as_str().unwrap(),
                Some(&self.token("tester", &roles)),
                Some(&Value::Object(b)),
            )
            .await;
            let problem = r.problem(422);
            assert_eq!(problem["errors"][0]["pointer"], format!("/{field}"), "{bad}");
            assert!(
                !r.body.contains(&bad["value"].to_string()) || bad["value"].is_number(),
                "values are not echoed: {}",
                r.body
            );
        }
    }

    /// The (count + 1)th request of a window is a 429 with Retry-After and RateLimit-*.
    pub async fn rate_limit(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let Some(rate) = p["rate"].as_object() else { return };
        let addr = (self.start)(self.secret.clone()).await;
        let count = rate["count"].as_u64().unwrap();
        let tok = rate["roles"]
            .as_array()
            .map(|r| self.token("busy", &r.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect::<Vec<_>>()));
        let path = p["path"].as_str().unwrap();
        for i in 0..count {
            let r = send(addr, "GET", path, tok.as_deref(), None).await;
            assert_eq!(r.status, 200, "request {i}: {}", r.body);
        }
        let r = send(addr, "GET", path, tok.as_deref(), None).await;
        r.problem(429);
        assert!(r.header("retry-after").is_some() && r.header("ratelimit-limit").is_some());
    }

    /// A body one byte over the limit is a 413.
    pub async fn body_limit(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let Some(creator) = p["creator"].as_array() else { return };
        let roles: Vec<String> = creator.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect();
        let addr = (self.start)(self.secret.clone()).await;
        let limit = p["body_limit"].as_u64().unwrap() as usize;
        let big = json!({ "padding": "a".repeat(limit) }).to_string();
        let r = request(
            addr,
            "POST",
            p["path"].as_str().unwrap(),
            &[format!("Authorization: Bearer {}", self.token("big", &roles))],
            Some(&big),
        )
        .await;
        r.problem(413);
    }

    /// Unsigned, edited, expired and garbage tokens are 401 `invalid_token`.
    pub async fn forged_tokens(&self, resource: &str) {
        let Some(p) = self.plan_for(resource) else {
            return;
        };
        let addr = (self.start)(self.secret.clone()).await;
        let Some(action) = strings(&p["token_actions"]).into_iter().next() else { return };
        let (method, path) = method_and_path(&p, &action, "00000000-0000-7000-8000-000000000000");
        let roles = strings(&p["token_roles"]);
        let good = self.token("holder", &roles);
        let expired = securegen_model::token::mint_until(
            &self.jwt(),
            &self.secret,
            securegen_model::token::Claims { subject: "holder", roles: &roles, extra: &[] },
            1_000_000,
        )
        .unwrap();
        let body = matches!(action.as_str(), "create" | "update").then(|| json!({}));
        for (why, forged) in [
            ("alg none", unsigned(&good)),
            ("edited payload", tampered(&good, "admin", &["admin"])),
            ("expired", expired),
            ("garbage", "not.a.token".to_owned()),
        ] {
            let r: Resp = send(addr, method, &path, Some(&forged), body.as_ref()).await;
            r.problem(401);
            assert_eq!(r.header("www-authenticate"), Some("Bearer error=\"invalid_token\""), "{why}");
        }
    }
}
