//! Attack tests driven by the plan of a service ([`Plan`], computed from its registered
//! policies): BOLA, tenant isolation, BFLA, mass assignment, redaction, read_roles, bounds,
//! rate and body limits, forged and expired tokens, each against a fresh instance of the
//! real service on 127.0.0.1 — on SQLite, or on PostgreSQL for a PostgreSQL service (from
//! `SECUREGEN_TEST_POSTGRES`; without it the test says it skipped). A generated
//! `tests/security.rs` holds one test per resource and attack; the attacks live here, once.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

pub use securegen_model::plan::Attack;
use securegen_model::plan::{Plan, ResourcePlan};
use securegen_model::token::{Claims, mint, mint_until};
use securegen_model::{Action, Database};
use serde_json::{Map, Value, json};

use super::{Resp, request, send, tampered, unsigned};
use crate::db::Db;
use crate::service::{Environment, ServiceBuilder};

/// The variable naming the PostgreSQL server tests may use.
pub const POSTGRES_ENV: &str = "SECUREGEN_TEST_POSTGRES";

/// A fresh signing secret for one test run: 64 random bytes as 128 hex characters, enough for
/// every HMAC algorithm. Tests never share a fixed secret that a deployment could copy.
pub fn fresh_secret() -> String {
    (0..4).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect()
}

fn skipped(why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// A fresh database for one instance of a service on `database`: a new SQLite file, or a
/// new schema on the PostgreSQL server of [`POSTGRES_ENV`]; `None` (having said why) when
/// the service needs PostgreSQL and none is configured.
pub async fn fresh_db(database: Database) -> Option<Db> {
    match database {
        Database::Sqlite => {
            let file = std::env::temp_dir().join(format!("securegen-test-{}.db", uuid::Uuid::now_v7().simple()));
            Some(Db::connect(&format!("sqlite://{}", file.display())).await.unwrap())
        }
        Database::Postgres => {
            let Some(url) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
                skipped(&format!("a PostgreSQL service is tested on PostgreSQL, and {POSTGRES_ENV} is not set"));
                return None;
            };
            let schema = format!("{SCHEMA_PREFIX}{}", uuid::Uuid::now_v7().simple());
            let admin = Db::connect(&url).await.unwrap_or_else(|e| panic!("{POSTGRES_ENV}={url} does not answer: {e}"));
            drop_old_schemas(&admin).await;
            admin.batch(&format!("CREATE SCHEMA \"{schema}\"")).await.unwrap();
            Some(Db::connect_postgres_schema(&url, &schema).await.unwrap())
        }
    }
}

/// The prefix of the schemas test instances create on PostgreSQL; the rest is a UUIDv7, whose
/// time says when.
const SCHEMA_PREFIX: &str = "securegen_test_";

/// Drops the test schemas of runs more than an hour old (a test process cannot drop its own
/// when it ends, so each run tidies up after the ones before).
async fn drop_old_schemas(admin: &Db) {
    let Ok(rows) =
        admin.rows_as_text(&format!("SELECT nspname FROM pg_namespace WHERE nspname LIKE '{SCHEMA_PREFIX}%'")).await
    else {
        return;
    };
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for name in rows.into_iter().filter_map(|r| r.into_iter().next()) {
        let created = name
            .strip_prefix(SCHEMA_PREFIX)
            .and_then(|id| uuid::Uuid::try_parse(id).ok())
            .and_then(|id| id.get_timestamp())
            .map(|t| std::time::UNIX_EPOCH + Duration::from_secs(t.to_unix().0));
        if created.is_some_and(|c| c < hour_ago) {
            // The name was read from the catalogue and matched the prefix and a UUID.
            let _ = admin.batch(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await;
        }
    }
}

/// Starts `service` on an ephemeral port of 127.0.0.1, on `db`, its key variable holding
/// `secret`.
pub async fn start_on(service: ServiceBuilder, db: Db, secret: &str) -> SocketAddr {
    let key = service.settings().auth.jwt.key.env().to_owned();
    let secret = secret.to_owned();
    let env = Environment::from_fn(move |k| (k == key).then(|| secret.clone()));
    let service = service.build(&env, db).unwrap();
    service.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options = service.serve_options().clone();
    tokio::spawn(crate::serve::serve(listener, service.router(), options, std::future::pending()));
    addr
}

/// The attacks of one service: its plan, the secret its test instances sign with, and how
/// to assemble a fresh instance.
pub struct Attacks {
    plan: Plan,
    secret: String,
    database: Database,
    service: fn() -> ServiceBuilder,
}

/// The last segment of a path.
fn segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or_default()
}

/// A path with every parent parameter naming a row that does not exist: enough for the
/// refusals that come before the parent is looked at (401, 403).
fn unresolved(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { MISSING } else { s }).collect::<Vec<_>>().join("/")
}

fn method_and_path(collection: &str, action: Action, id: &str) -> (&'static str, String) {
    match action {
        Action::Create => ("POST", collection.to_owned()),
        Action::List => ("GET", collection.to_owned()),
        Action::Read => ("GET", format!("{collection}/{id}")),
        Action::Update => ("PATCH", format!("{collection}/{id}")),
        Action::Delete => ("DELETE", format!("{collection}/{id}")),
    }
}

const MISSING: &str = "00000000-0000-7000-8000-000000000000";

/// A boxed future (for the recursion of [`Attacks::body_in`]).
type Pending<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

impl Attacks {
    /// The attacks of the service `service` assembles (called once per instance).
    pub fn new(service: fn() -> ServiceBuilder) -> Self {
        let builder = service();
        let plan = Plan::of(builder.settings(), &builder.policies());
        Self { plan, secret: fresh_secret(), database: builder.settings().service.database, service }
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The attacks that have something to try on `resource`.
    pub fn applicable(&self, resource: &str) -> Vec<Attack> {
        let p = self.plan.resource(resource).unwrap_or_else(|| panic!("no resource `{resource}` is registered"));
        Attack::ALL.iter().copied().filter(|a| a.applies(p)).collect()
    }

    /// Runs `attack` on `resource`. An attack with nothing to try there is a failure, not a
    /// pass: the generated tests name only [`Self::applicable`] ones, and regenerating after
    /// a spec change keeps them so.
    pub async fn run(&self, resource: &str, attack: Attack) {
        if !self.plan.jwt.algorithms.iter().all(|a| a.is_hmac()) {
            skipped("tokens for a public-key service come from its identity provider");
            return;
        }
        let p = self.plan.resource(resource).unwrap_or_else(|| panic!("no resource `{resource}` is registered"));
        assert!(attack.applies(p), "{attack:?} has nothing to try on `{resource}`: regenerate the tests");
        let Some(db) = fresh_db(self.database).await else { return };
        let addr = start_on((self.service)(), db, &self.secret).await;
        match attack {
            Attack::Bola => self.bola(addr, p).await,
            Attack::TenantIsolation => self.tenant_isolation(addr, p).await,
            Attack::Bfla => self.bfla(addr, p).await,
            Attack::MassAssignment => self.mass_assignment(addr, p).await,
            Attack::Redaction => self.redaction(addr, p).await,
            Attack::ReadRoles => self.read_roles(addr, p).await,
            Attack::Bounds => self.bounds(addr, p).await,
            Attack::RateLimit => self.rate_limit(addr, p).await,
            Attack::BodyLimit => self.body_limit(addr, p).await,
            Attack::ForgedTokens => self.forged_tokens(addr, p).await,
            Attack::ListQueries => self.list_queries(addr, p).await,
            Attack::References => self.references(addr, p).await,
            Attack::ForeignParent => self.foreign_parent(addr, p).await,
        }
    }

    /// A token for `sub` with `roles`, in tenant `tenant-a`.
    pub fn token(&self, sub: &str, roles: &[String]) -> String {
        self.token_in(sub, roles, "tenant-a")
    }

    /// A token for `sub` with `roles`, carrying `tenant` in every tenant claim of the plan.
    pub fn token_in(&self, sub: &str, roles: &[String], tenant: &str) -> String {
        let extra: Vec<(String, String)> =
            self.plan.tenant_claims.iter().map(|c| (c.clone(), tenant.to_owned())).collect();
        mint(&self.plan.jwt, &self.secret, Claims { subject: sub, roles, extra: &extra }, Duration::from_secs(600))
            .unwrap()
    }

    /// Creates a row as `sub` in `tenant`, each reference it needs pointing at a row created
    /// first by the same caller.
    async fn create_in(&self, addr: SocketAddr, p: &ResourcePlan, sub: &str, tenant: &str) -> Option<Value> {
        self.create_at(addr, p, sub, tenant).await.map(|(row, _)| row)
    }

    /// Creates a row as `sub` in `tenant` (under parents it creates first, for a nested
    /// resource); the row and the collection it was created in.
    fn create_at<'a>(
        &'a self,
        addr: SocketAddr,
        p: &'a ResourcePlan,
        sub: &'a str,
        tenant: &'a str,
    ) -> Pending<'a, Option<(Value, String)>> {
        Box::pin(async move {
            let roles = p.creator.as_ref()?;
            let collection = self.collection(addr, p, sub, tenant).await?;
            let body = self.body_in(addr, p, sub, tenant, 0).await?;
            let tok = self.token_in(sub, roles, tenant);
            let r = send(addr, "POST", &collection, Some(&tok), Some(&Value::Object(body))).await;
            assert_eq!(r.status, 201, "creating a valid row: {}", r.body);
            Some((r.json(), collection))
        })
    }

    /// The collection `sub` creates and lists `p`'s rows in: its path, or — nested — the
    /// path under a parent row (and its parents) that `sub` creates first.
    fn collection<'a>(
        &'a self,
        addr: SocketAddr,
        p: &'a ResourcePlan,
        sub: &'a str,
        tenant: &'a str,
    ) -> Pending<'a, Option<String>> {
        Box::pin(async move {
            let Some(pp) = &p.parent else { return Some(p.path.clone()) };
            let parent = self.plan.resource(&pp.resource)?;
            let (row, above) = self.create_at(addr, parent, sub, tenant).await?;
            let id = row[&parent.id].as_str()?;
            Some(format!("{above}/{id}/{}", segment(&p.path)))
        })
    }

    /// A valid create body of `p` for `sub`: the plan's, with each required reference set to
    /// a fresh row of its target (created by `sub`, `depth` levels down at most 3).
    fn body_in<'a>(
        &'a self,
        addr: SocketAddr,
        p: &'a ResourcePlan,
        sub: &'a str,
        tenant: &'a str,
        depth: usize,
    ) -> Pending<'a, Option<Map<String, Value>>> {
        Box::pin(async move {
            let mut body = p.body.clone()?;
            for rf in p.refs.iter().filter(|r| r.required) {
                let target = self.plan.resource(&rf.to)?;
                if depth >= 3 || target.name == p.name {
                    return None;
                }
                let roles = target.creator.as_ref()?;
                let target_body = self.body_in(addr, target, sub, tenant, depth + 1).await?;
                let tok = self.token_in(sub, roles, tenant);
                let r = send(addr, "POST", &target.path, Some(&tok), Some(&Value::Object(target_body))).await;
                assert_eq!(r.status, 201, "creating the {} a reference needs: {}", target.name, r.body);
                body.insert(rf.field.clone(), r.json()[&target.id].clone());
            }
            Some(body)
        })
    }

    /// A row created by `sub`: its id and its collection.
    async fn create_id(&self, addr: SocketAddr, p: &ResourcePlan, sub: &str) -> Option<(String, String)> {
        let (row, collection) = self.create_at(addr, p, sub, "tenant-a").await?;
        row[&p.id].as_str().map(|id| (id.to_owned(), collection))
    }

    async fn bola(&self, addr: SocketAddr, p: &ResourcePlan) {
        if !p.owner {
            return;
        }
        let Some((id, collection)) = self.create_id(addr, p, "victim").await else { return };
        let intruder = self.token("intruder", p.creator.as_deref().unwrap_or_default());
        for action in &p.owner_actions {
            let body = (*action == Action::Update).then(|| json!({}));
            let (method, path) = method_and_path(&collection, *action, &id);
            let theirs = send(addr, method, &path, Some(&intruder), body.as_ref()).await;
            if *action == Action::List {
                assert_eq!(theirs.status, 200, "{}", theirs.body);
                assert!(!theirs.body.contains(&id), "list shows another owner's row: {}", theirs.body);
                continue;
            }
            let (_, absent_path) = method_and_path(&collection, *action, MISSING);
            let absent = send(addr, method, &absent_path, Some(&intruder), body.as_ref()).await;
            let (mut a, mut b) = (theirs.problem(404), absent.problem(404));
            a.as_object_mut().unwrap().remove("request_id");
            b.as_object_mut().unwrap().remove("request_id");
            assert_eq!(a, b, "{action}: another owner's row must look missing");
        }
    }

    async fn tenant_isolation(&self, addr: SocketAddr, p: &ResourcePlan) {
        if !p.tenant {
            return;
        }
        let Some((id, collection)) = self.create_id(addr, p, "owner").await else { return };
        // The same subject and roles, in another tenant: the row does not exist there.
        let stranger = self.token_in("owner", p.creator.as_deref().unwrap_or_default(), "tenant-b");
        let r = send(addr, "GET", &format!("{collection}/{id}"), Some(&stranger), None).await;
        if r.status != 403 {
            r.problem(404);
        }
        let list = send(addr, "GET", &collection, Some(&stranger), None).await;
        assert!(!list.body.contains(&id), "another tenant's row is listed: {}", list.body);
    }

    async fn bfla(&self, addr: SocketAddr, p: &ResourcePlan) {
        let (id, collection) =
            self.create_id(addr, p, "owner").await.unwrap_or_else(|| (MISSING.to_owned(), unresolved(&p.path)));
        for denied in &p.denied {
            let (method, path) = method_and_path(&collection, denied.action, &id);
            let body = denied.action.has_body().then(|| json!({}));
            let r = send(addr, method, &path, Some(&self.token("someone", &denied.roles)), body.as_ref()).await;
            r.problem(403);
        }
        for action in &p.anonymous_denied {
            let (method, path) = method_and_path(&collection, *action, &id);
            let body = action.has_body().then(|| json!({}));
            let r = send(addr, method, &path, None, body.as_ref()).await;
            r.problem(401);
            assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{action}");
        }
    }

    async fn mass_assignment(&self, addr: SocketAddr, p: &ResourcePlan) {
        let Some(roles) = &p.creator else { return };
        let Some(valid) = &self.body_in(addr, p, "tester", "tenant-a", 0).await else { return };
        let Some(collection) = self.collection(addr, p, "mallory", "tenant-a").await else { return };
        for field in p.non_writable.iter().map(String::as_str).chain(["not_a_field"]) {
            let mut b: Map<String, Value> = valid.clone();
            b.insert(field.to_owned(), json!("smuggled"));
            let r = send(addr, "POST", &collection, Some(&self.token("mallory", roles)), Some(&Value::Object(b))).await;
            let problem = r.problem(422);
            let pointers: Vec<&str> =
                problem["errors"].as_array().unwrap().iter().filter_map(|e| e["pointer"].as_str()).collect();
            assert!(pointers.contains(&format!("/{field}").as_str()), "{field}: {pointers:?}");
        }
    }

    async fn redaction(&self, addr: SocketAddr, p: &ResourcePlan) {
        if p.redacted.is_empty() {
            return;
        }
        // The create response is checked too.
        let Some((row, collection)) = self.create_at(addr, p, "owner", "tenant-a").await else { return };
        let id = row[&p.id].as_str().unwrap().to_owned();
        let mut seen = vec![row];
        for reader in &p.readers {
            let tok = self.token(&reader.sub, &reader.roles);
            for path in [format!("{collection}/{id}"), collection.clone()] {
                let r = send(addr, "GET", &path, Some(&tok), None).await;
                if r.status == 200 {
                    seen.push(r.json());
                }
            }
        }
        for v in seen {
            let rows = v.get("items").and_then(Value::as_array).cloned().unwrap_or_else(|| vec![v.clone()]);
            for row in rows {
                for field in &p.redacted {
                    assert!(row.get(field).is_none(), "redacted `{field}` in a response: {row}");
                }
            }
        }
    }

    async fn read_roles(&self, addr: SocketAddr, p: &ResourcePlan) {
        if p.read_roles.is_empty() {
            return;
        }
        let Some((id, collection)) = self.create_id(addr, p, "owner").await else { return };
        for check in &p.read_roles {
            let tok = self.token(&check.sub, &check.roles);
            let r = send(addr, "GET", &format!("{collection}/{id}"), Some(&tok), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let visible = r.json().get(&check.field).is_some();
            assert_eq!(visible, check.visible, "`{}` for {check:?}", check.field);
        }
    }

    /// Per reference: a row that does not exist, and a row of another caller (another owner,
    /// or another tenant) that this caller cannot read, are refused alike (422 at the field,
    /// the same body); a row of its own is accepted.
    async fn references(&self, addr: SocketAddr, p: &ResourcePlan) {
        let roles = p.creator.clone().unwrap_or_default();
        let tok = self.token("attacher", &roles);
        let Some(base) = self.body_in(addr, p, "attacher", "tenant-a", 0).await else { return };
        let Some(collection) = self.collection(addr, p, "attacher", "tenant-a").await else { return };
        for rf in &p.refs {
            let target = self.plan.resource(&rf.to).unwrap();
            let post = |value: Value| {
                let mut b = base.clone();
                b.insert(rf.field.clone(), value);
                let tok = tok.clone();
                let collection = collection.clone();
                async move { send(addr, "POST", &collection, Some(&tok), Some(&Value::Object(b))).await }
            };
            let missing = post(json!(MISSING)).await;
            let mut refused = missing.problem(422);
            assert_eq!(refused["errors"][0]["pointer"], format!("/{}", rf.field), "{}", missing.body);
            refused.as_object_mut().unwrap().remove("request_id");
            let mut hidden_rows = Vec::new();
            if let Some(row) = self.create_in(addr, target, "victim", "tenant-a").await {
                hidden_rows.push(row[&target.id].as_str().unwrap().to_owned());
            }
            if target.tenant
                && let Some(row) = self.create_in(addr, target, "attacher", "tenant-b").await
            {
                hidden_rows.push(row[&target.id].as_str().unwrap().to_owned());
            }
            for id in hidden_rows {
                let seen =
                    send(addr, "GET", &format!("{}/{id}", target.path), Some(&self.token("attacher", &roles)), None)
                        .await;
                if seen.status == 200 {
                    continue; // readable by the attacher: referencing it is allowed
                }
                let r = post(json!(id)).await;
                let mut v = r.problem(422);
                v.as_object_mut().unwrap().remove("request_id");
                assert_eq!(v, refused, "a hidden {} must be refused like a missing one", rf.to);
            }
            if let Some(own) = self.create_in(addr, target, "attacher", "tenant-a").await {
                let own_path = format!("{}/{}", target.path, own[&target.id].as_str().unwrap());
                let readable = send(addr, "GET", &own_path, Some(&tok), None).await;
                if readable.status == 200 {
                    let r = post(own[&target.id].clone()).await;
                    assert_eq!(r.status, 201, "a readable {} may be referenced: {}", rf.to, r.body);
                }
            }
        }
    }

    async fn list_queries(&self, addr: SocketAddr, p: &ResourcePlan) {
        for check in &p.queries {
            let tok = self.token(&check.sub, &check.roles);
            let Some(collection) = self.collection(addr, p, &check.sub, "tenant-a").await else { continue };
            if p.parent.is_some() && send(addr, "GET", &collection, Some(&tok), None).await.status == 404 {
                continue; // the lister cannot read the parent its own subject made: nothing to query
            }
            let value: String = form_urlencoded::byte_serialize(check.value.as_bytes()).collect();
            let url = format!("{collection}?{}={value}", check.param);
            let r = send(addr, "GET", &url, Some(&tok), None).await;
            if check.visible {
                assert_eq!(r.status, 200, "{url} for {check:?}: {}", r.body);
            } else {
                let unknown =
                    send(addr, "GET", &format!("{collection}?securegen_no_such_field=1"), Some(&tok), None).await;
                r.problem(400);
                assert_eq!(r.body, unknown.body, "{url} for {check:?} must read as an unknown parameter");
            }
        }
    }

    async fn bounds(&self, addr: SocketAddr, p: &ResourcePlan) {
        let Some(roles) = &p.creator else { return };
        let Some(valid) = &self.body_in(addr, p, "tester", "tenant-a", 0).await else { return };
        let Some(collection) = self.collection(addr, p, "tester", "tenant-a").await else { return };
        for bad in &p.bad_values {
            let mut b = valid.clone();
            b.insert(bad.field.clone(), bad.value.clone());
            let r = send(addr, "POST", &collection, Some(&self.token("tester", roles)), Some(&Value::Object(b))).await;
            let problem = r.problem(422);
            assert_eq!(problem["errors"][0]["pointer"], format!("/{}", bad.field), "{bad:?}");
            assert!(
                !r.body.contains(&bad.value.to_string()) || bad.value.is_number(),
                "values are not echoed: {}",
                r.body
            );
        }
    }

    async fn rate_limit(&self, addr: SocketAddr, p: &ResourcePlan) {
        let Some(rate) = &p.rate else { return };
        let tok = rate.roles.as_ref().map(|r| self.token("busy", r));
        let Some(collection) = self.collection(addr, p, "busy", "tenant-a").await else { return };
        for i in 0..rate.count {
            let r = send(addr, "GET", &collection, tok.as_deref(), None).await;
            assert_eq!(r.status, 200, "request {i}: {}", r.body);
        }
        let r = send(addr, "GET", &collection, tok.as_deref(), None).await;
        r.problem(429);
        assert!(r.header("retry-after").is_some() && r.header("ratelimit-limit").is_some());
    }

    async fn body_limit(&self, addr: SocketAddr, p: &ResourcePlan) {
        let Some(roles) = &p.creator else { return };
        let limit = usize::try_from(p.body_limit).unwrap();
        let big = json!({ "padding": "a".repeat(limit) }).to_string();
        let auth = format!("Authorization: Bearer {}", self.token("big", roles));
        let Some(collection) = self.collection(addr, p, "big", "tenant-a").await else { return };
        let r = request(addr, "POST", &collection, &[auth], Some(&big)).await;
        r.problem(413);
    }

    async fn forged_tokens(&self, addr: SocketAddr, p: &ResourcePlan) {
        let Some(action) = p.token_actions.first().copied() else { return };
        let (method, path) = method_and_path(&unresolved(&p.path), action, MISSING);
        let good = self.token("holder", &p.token_roles);
        let claims = Claims { subject: "holder", roles: &p.token_roles, extra: &[] };
        let expired = mint_until(&self.plan.jwt, &self.secret, claims, 1_000_000).unwrap();
        let body = action.has_body().then(|| json!({}));
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

    /// Under another caller's parent, every routed action answers exactly like under a
    /// parent that does not exist (404, the same body); a child id under the intruder's own
    /// parent is missing too; the victim's row survives.
    async fn foreign_parent(&self, addr: SocketAddr, p: &ResourcePlan) {
        let Some((id, collection)) = self.create_id(addr, p, "victim").await else { return };
        let roles = p.creator.clone().unwrap_or_default();
        let intruder = self.token("intruder", &roles);
        // `{above}/{parent id}/{segment}` → the same with a parent that does not exist.
        let mut parts: Vec<&str> = collection.rsplitn(3, '/').collect();
        parts[1] = MISSING;
        parts.reverse();
        let absent_parent = parts.join("/");
        let own = self.collection(addr, p, "intruder", "tenant-a").await;
        let strip = |mut v: Value| {
            v.as_object_mut().unwrap().remove("request_id");
            v
        };
        for action in &p.token_actions {
            let body = action.has_body().then(|| json!({}));
            let (method, theirs) = method_and_path(&collection, *action, &id);
            let (_, absent) = method_and_path(&absent_parent, *action, &id);
            let a = send(addr, method, &theirs, Some(&intruder), body.as_ref()).await;
            let b = send(addr, method, &absent, Some(&intruder), body.as_ref()).await;
            assert_eq!(
                strip(a.problem(404)),
                strip(b.problem(404)),
                "{action}: another caller's parent must look missing"
            );
            if let (Some(own), true) = (&own, action.has_id()) {
                let (_, mixed) = method_and_path(own, *action, &id);
                let r = send(addr, method, &mixed, Some(&intruder), body.as_ref()).await;
                assert_eq!(strip(r.problem(404)), strip(b.problem(404)), "{action}: a row under another parent");
            }
        }
        if p.token_actions.contains(&Action::Read) {
            let tok = self.token("victim", &roles);
            let r = send(addr, "GET", &format!("{collection}/{id}"), Some(&tok), None).await;
            assert_eq!(r.status, 200, "the victim's row survives: {}", r.body);
        }
    }
}
