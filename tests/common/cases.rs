//! The HTTP cases of the runtime, written once and run against each backend (`http.rs`:
//! SQLite; `postgres.rs`: PostgreSQL).
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;

async fn create_note(app: &App, tok: &str, title: &str) -> Value {
    let r =
        send(app.addr, "POST", "/api/v1/notes", Some(tok), Some(&json!({ "title": title, "secret": "s3cr3t-value" })))
            .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

pub async fn create_read_list_update_delete_follow_the_contract(app: App) {
    let (alice, admin) = (token("alice", &["user"]), token("root", &["admin"]));
    let r = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "first" }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let note = r.json();
    let id = note["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(format!("/api/v1/notes/{id}").as_str()));
    assert_eq!(note["owner_id"], "alice", "the owner is the token subject");
    assert_eq!(note["priority"], 3, "defaults are applied");
    assert_eq!(note["status"], "open");
    assert!(note["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(r.header("ratelimit-limit").is_some());

    let r = send(app.addr, "GET", &format!("/api/v1/notes/{id}"), Some(&alice), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["title"], "first");

    let r = send(app.addr, "PATCH", &format!("/api/v1/notes/{id}"), Some(&alice), Some(&json!({ "title": "second" })))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["title"], "second");

    let r = send(app.addr, "GET", "/api/v1/notes", Some(&alice), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["next_cursor"], Value::Null);

    let r = send(app.addr, "DELETE", &format!("/api/v1/notes/{id}"), Some(&admin), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.body, "");
    send(app.addr, "GET", &format!("/api/v1/notes/{id}"), Some(&alice), None).await.problem(404);
}

pub async fn another_users_row_is_indistinguishable_from_a_missing_one(app: App) {
    let (alice, bob, admin) = (token("alice", &["user"]), token("bob", &["user"]), token("root", &["admin"]));
    let id = create_note(&app, &alice, "alice's").await["id"].as_str().unwrap().to_owned();
    let missing = "0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e";
    for (method, body) in [("GET", None), ("PATCH", Some(json!({ "title": "pwned" })))] {
        let theirs = send(app.addr, method, &format!("/api/v1/notes/{id}"), Some(&bob), body.as_ref()).await;
        let absent = send(app.addr, method, &format!("/api/v1/notes/{missing}"), Some(&bob), body.as_ref()).await;
        let (mut a, mut b) = (theirs.problem(404), absent.problem(404));
        a.as_object_mut().unwrap().remove("request_id");
        b.as_object_mut().unwrap().remove("request_id");
        assert_eq!(a, b, "{method}: a foreign row must answer exactly like a missing one");
    }
    let r = send(app.addr, "GET", "/api/v1/notes", Some(&bob), None).await;
    assert_eq!(r.json()["items"], json!([]), "list is scoped to the caller's rows");
    let r = send(app.addr, "GET", &format!("/api/v1/notes/{id}"), Some(&alice), None).await;
    assert_eq!(r.json()["title"], "alice's", "nothing was changed by bob's PATCH");
    let r = send(app.addr, "GET", &format!("/api/v1/notes/{id}"), Some(&admin), None).await;
    assert_eq!(r.status, 200, "a granting role lifts the owner filter");
}

pub async fn roles_that_lack_an_action_get_403_and_no_token_gets_401(app: App) {
    let alice = token("alice", &["user"]);
    let id = create_note(&app, &alice, "x").await["id"].as_str().unwrap().to_owned();
    send(app.addr, "DELETE", &format!("/api/v1/notes/{id}"), Some(&alice), None).await.problem(403);
    send(app.addr, "POST", "/api/v1/bulletins", Some(&alice), Some(&json!({ "text": "hi" }))).await.problem(403);
    let r = send(app.addr, "POST", "/api/v1/notes", None, Some(&json!({ "title": "x" }))).await;
    r.problem(401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let r = send(app.addr, "GET", "/api/v1/bulletins", None, None).await;
    assert_eq!(r.status, 200, "`anyone` lists bulletins without a token");
    send(app.addr, "GET", &format!("/api/v1/bulletins/{id}"), None, None).await.problem(401);
}

pub async fn bodies_with_fields_the_caller_may_not_write_are_refused_whole(app: App) {
    let (alice, admin) = (token("alice", &["user"]), token("root", &["admin"]));
    let smuggled = json!({
        "title": "ok", "id": "0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e", "owner_id": "mallory",
        "created_at": "2020-01-01T00:00:00Z", "status": "done", "is_admin": true
    });
    let r = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&smuggled)).await;
    let p = r.problem(422);
    let pointers: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    for key in ["/id", "/owner_id", "/created_at", "/status", "/is_admin"] {
        assert!(pointers.contains(&key), "{key} not reported: {pointers:?}");
    }
    assert!(!pointers.contains(&"/title"));
    let r = send(app.addr, "GET", "/api/v1/notes", Some(&admin), None).await;
    assert_eq!(r.json()["items"], json!([]), "nothing was written");

    let id = create_note(&app, &alice, "mine").await["id"].as_str().unwrap().to_owned();
    let r =
        send(app.addr, "PATCH", &format!("/api/v1/notes/{id}"), Some(&alice), Some(&json!({ "status": "done" }))).await;
    assert_eq!(r.problem(422)["errors"][0]["pointer"], "/status", "write_roles: [admin]");
    let r =
        send(app.addr, "PATCH", &format!("/api/v1/notes/{id}"), Some(&alice), Some(&json!({ "code": "ABC" }))).await;
    assert_eq!(r.problem(422)["errors"][0]["pointer"], "/code", "code is writable in create only");
    let r =
        send(app.addr, "PATCH", &format!("/api/v1/notes/{id}"), Some(&admin), Some(&json!({ "status": "done" }))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "done");
}

pub async fn redacted_fields_never_leave_and_read_roles_are_per_role(app: App) {
    let (alice, admin) = (token("alice", &["user"]), token("root", &["admin"]));
    let created =
        send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "t", "secret": "s3cr3t-value" })))
            .await;
    assert!(!created.body.contains("s3cr3t-value") && !created.body.contains("\"secret\""), "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let r = send(
        app.addr,
        "PATCH",
        &format!("/api/v1/notes/{id}"),
        Some(&admin),
        Some(&json!({ "reviewer_note": "looks fine" })),
    )
    .await;
    assert_eq!(r.status, 200);
    let bad = send(
        app.addr,
        "PATCH",
        &format!("/api/v1/notes/{id}"),
        Some(&alice),
        Some(&json!({ "secret": "s3cr3t-value", "priority": 99 })),
    )
    .await;
    bad.problem(422);
    for (who, tok) in [("alice", &alice), ("admin", &admin)] {
        for path in [format!("/api/v1/notes/{id}"), "/api/v1/notes".to_owned()] {
            let r = send(app.addr, "GET", &path, Some(tok), None).await;
            assert!(!r.body.contains("s3cr3t-value") && !r.body.contains("\"secret\""), "{who} {path}: {}", r.body);
            assert_eq!(r.body.contains("looks fine"), who == "admin", "{who} {path}: {}", r.body);
        }
    }
    assert!(!bad.body.contains("s3cr3t-value") && !bad.body.contains("99"), "errors never echo values: {}", bad.body);
}

pub async fn values_are_validated_with_pointers_and_without_echo(app: App) {
    let alice = token("alice", &["user"]);
    let cases = [
        (json!({ "title": "" }), "/title"),
        (json!({ "title": "é".repeat(101) }), "/title"),
        (json!({ "title": "ok", "priority": 0 }), "/priority"),
        (json!({ "title": "ok", "priority": 6 }), "/priority"),
        (json!({ "title": "ok", "priority": 2.5 }), "/priority"),
        (json!({ "title": "ok", "priority": "3" }), "/priority"),
        (json!({ "title": "ok", "code": "abc" }), "/code"),
        (json!({ "title": null }), "/title"),
        (json!({ "body": "no title" }), "/title"),
        (json!({ "title": "bell\u{7}" }), "/title"),
    ];
    for (body, pointer) in cases {
        let r = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&body)).await;
        let p = r.problem(422);
        assert_eq!(p["errors"][0]["pointer"], pointer, "{body}: {p}");
    }
    let ok = send(
        app.addr,
        "POST",
        "/api/v1/notes",
        Some(&alice),
        Some(&json!({ "title": "é".repeat(100), "code": "ABC" })),
    )
    .await;
    assert_eq!(ok.status, 201, "lengths count characters, not bytes: {}", ok.body);
}

pub async fn malformed_bodies_are_400_413_415_never_500(app: App) {
    let auth = vec![format!("Authorization: Bearer {}", token("alice", &["user"]))];
    let post = |body: &'static str| request(app.addr, "POST", "/api/v1/notes", &auth, Some(body));
    post("{\"title\": ").await.problem(400);
    post("{\"title\": \"a\", \"title\": \"b\"}").await.problem(400);
    post("[1, 2]").await.problem(422);
    let deep = Box::leak(format!("{{\"title\": {}1{}}}", "[".repeat(64), "]".repeat(64)).into_boxed_str());
    post(deep).await.problem(400);
    let mut with_form = auth.clone();
    with_form.push("Content-Type: application/x-www-form-urlencoded".to_owned());
    request(app.addr, "POST", "/api/v1/notes", &with_form, Some("title=x")).await.problem(415);
    let big = Box::leak(format!("{{\"title\": \"{}\"}}", "a".repeat(2000)).into_boxed_str());
    post(big).await.problem(413);
    // Chunked, without Content-Length: the limit still holds.
    let chunk = "a".repeat(1500);
    let raw_req = format!(
        "POST /api/v1/notes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{{\"title\": \"{chunk}\"}}\r\n0\r\n\r\n",
        auth[0],
        chunk.len() + 13
    );
    raw(app.addr, raw_req.as_bytes()).await.problem(413);
    let invalid_utf8 = b"POST /api/v1/notes HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 15\r\n";
    let mut bytes = invalid_utf8.to_vec();
    bytes.extend(format!("{}\r\n\r\n", auth[0]).as_bytes());
    bytes.extend(b"{\"title\": \"\xff\xfe\"}");
    raw(app.addr, &bytes).await.problem(400);
}

pub async fn pages_are_bounded_and_cursors_are_opaque_and_checked(app: App) {
    let alice = token("alice", &["user"]);
    for i in 0..7 {
        create_note(&app, &alice, &format!("n{i}")).await;
    }
    let r = send(app.addr, "GET", "/api/v1/notes", Some(&alice), None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2, "page_default");
    let r = send(app.addr, "GET", "/api/v1/notes?limit=1000", Some(&alice), None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 3, "clamped to page_max");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/notes?limit=3&cursor={c}"),
            None => "/api/v1/notes?limit=3".to_owned(),
        };
        let page = send(app.addr, "GET", &path, Some(&alice), None).await.json();
        seen.extend(page["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (0..7).map(|i| format!("n{i}")).collect::<Vec<_>>(), "every row once, in order");
    for bad in ["limit=0", "limit=-1", "limit=abc", "cursor=garbage", "cursor=bm90LWEtY3Vyc29y", "offset=3"] {
        send(app.addr, "GET", &format!("/api/v1/notes?{bad}"), Some(&alice), None).await.problem(400);
    }
    let page = send(app.addr, "GET", "/api/v1/notes?limit=1", Some(&alice), None).await.json();
    let foreign = page["next_cursor"].as_str().unwrap();
    send(app.addr, "GET", &format!("/api/v1/docs?cursor={foreign}"), Some(&tenant_token("alice", "acme")), None)
        .await
        .problem(400);
}

pub async fn tenants_are_isolated_and_etags_prevent_lost_updates(app: App) {
    let (a, b) = (tenant_token("ann", "acme"), tenant_token("ben", "globex"));
    let r = send(app.addr, "POST", "/api/v1/docs", Some(&a), Some(&json!({ "name": "plan" }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let doc = r.json();
    assert_eq!(doc["org_id"], "acme");
    let path = format!("/api/v1/docs/{}", doc["id"].as_str().unwrap());
    send(app.addr, "GET", &path, Some(&b), None).await.problem(404);
    assert_eq!(send(app.addr, "GET", "/api/v1/docs", Some(&b), None).await.json()["items"], json!([]));
    send(app.addr, "GET", &path, Some(&token("nobody", &["user"])), None).await.problem(403);

    let patch = |etag: Option<&'static str>| {
        let mut h = vec![format!("Authorization: Bearer {a}")];
        if let Some(e) = etag {
            h.push(format!("If-Match: {e}"));
        }
        let path = path.clone();
        async move { request(app.addr, "PATCH", &path, &h, Some("{\"name\": \"plan v2\"}")).await }
    };
    patch(None).await.problem(428);
    patch(Some("\"7\"")).await.problem(412);
    let r = patch(Some("\"1\"")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("etag"), Some("\"2\""));
    patch(Some("\"1\"")).await.problem(412);
}

pub async fn every_response_is_hardened_and_every_error_is_a_problem(app: App) {
    let alice = token("alice", &["user"]);
    let ok = send(app.addr, "GET", "/api/v1/notes", Some(&alice), None).await;
    let missing = send(app.addr, "GET", "/nope", None, None).await;
    let wrong_method = send(app.addr, "PUT", "/api/v1/notes", Some(&alice), None).await;
    let panic = send(app.addr, "GET", "/boom", None, None).await;
    for r in [&ok, &missing, &wrong_method, &panic] {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("content-security-policy"), Some("default-src 'none'; frame-ancestors 'none'"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(r.header("x-request-id").map(str::len), Some(36));
    }
    missing.problem(404);
    wrong_method.problem(405);
    let allow = wrong_method.header("allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("POST") && !allow.contains("PUT"), "{allow}");
    let p = panic.problem(500);
    assert_eq!(p["request_id"].as_str(), panic.header("x-request-id"), "a 500 names its request id");
    assert!(!panic.body.contains("hunter2") && !panic.body.contains("panic"), "{}", panic.body);

    let spoofed = request(
        app.addr,
        "GET",
        "/api/v1/notes",
        &[format!("Authorization: Bearer {alice}"), "X-Request-Id: evil\u{1b}[31m".to_owned()],
        None,
    )
    .await;
    assert_ne!(spoofed.header("x-request-id"), Some("evil\u{1b}[31m"), "request ids are ours");

    let bulletins = send(app.addr, "GET", "/api/v1/bulletins", None, None).await;
    assert_eq!(bulletins.header("deprecation"), Some("true"));
    assert_eq!(bulletins.header("sunset"), Some("Wed, 30 Jun 2027 00:00:00 GMT"));
}

pub async fn cors_answers_only_allowlisted_origins(app: App) {
    let preflight = |origin: &str| {
        let h = vec![
            format!("Origin: {origin}"),
            "Access-Control-Request-Method: POST".to_owned(),
            "Access-Control-Request-Headers: authorization, content-type".to_owned(),
        ];
        async move { request(app.addr, "OPTIONS", "/api/v1/notes", &h, None).await }
    };
    let good = preflight("https://app.example.com").await;
    assert_eq!(good.header("access-control-allow-origin"), Some("https://app.example.com"));
    let evil = preflight("https://evil.example").await;
    assert_eq!(evil.header("access-control-allow-origin"), None);
}

/// A note of the list-query model: what the server should hold.
#[derive(Debug, Clone)]
struct Held {
    id: String,
    title: String,
    priority: i64,
    status: String,
    due: Option<String>,
    created_at: String,
}

impl Held {
    fn of(v: &Value) -> Self {
        Self {
            id: v["id"].as_str().unwrap().to_owned(),
            title: v["title"].as_str().unwrap().to_owned(),
            priority: v["priority"].as_i64().unwrap(),
            status: v["status"].as_str().unwrap().to_owned(),
            due: v["due"].as_str().map(str::to_owned),
            created_at: v["created_at"].as_str().unwrap().to_owned(),
        }
    }
}

/// A generated list query: filters, a sort and a search, as query pairs and as a predicate
/// and order over the model.
#[derive(Debug, Clone)]
struct Query {
    priority: Option<(&'static str, i64)>,
    statuses: Option<Vec<&'static str>>,
    due: Option<(&'static str, String)>,
    sort: Option<(&'static str, bool)>,
    q: Option<String>,
    limit: u32,
}

fn query_strategy() -> impl proptest::strategy::Strategy<Value = Query> {
    use proptest::prelude::*;
    let op = prop_oneof![Just(""), Just(".lt"), Just(".lte"), Just(".gt"), Just(".gte")];
    let day = (1u32..=28).prop_map(|d| format!("2027-03-{d:02}"));
    (
        proptest::option::of((op.clone(), 1i64..=5)),
        proptest::option::of(proptest::sample::subsequence(vec!["open", "done"], 1..=2)),
        proptest::option::of((op, day)),
        proptest::option::of((prop_oneof![Just("created_at"), Just("priority"), Just("title")], any::<bool>())),
        proptest::option::of("[a-c]{1,2}"),
        1u32..=3,
    )
        .prop_map(|(priority, statuses, due, sort, q, limit)| Query { priority, statuses, due, sort, q, limit })
}

impl Query {
    fn path(&self) -> String {
        let mut pairs: Vec<String> = vec![format!("limit={}", self.limit)];
        if let Some((op, v)) = self.priority {
            pairs.push(format!("priority{op}={v}"));
        }
        if let Some(s) = &self.statuses {
            pairs.push(format!("status.in={}", s.join(",")));
        }
        if let Some((op, d)) = &self.due {
            pairs.push(format!("due{op}={d}"));
        }
        if let Some((field, desc)) = self.sort {
            pairs.push(format!("sort={}{field}", if desc { "-" } else { "" }));
        }
        if let Some(q) = &self.q {
            pairs.push(format!("q={q}"));
        }
        format!("/api/v1/notes?{}", pairs.join("&"))
    }

    fn keeps(&self, n: &Held) -> bool {
        fn cmp<T: PartialOrd>(op: &str, a: &T, b: &T) -> bool {
            match op {
                ".lt" => a < b,
                ".lte" => a <= b,
                ".gt" => a > b,
                ".gte" => a >= b,
                _ => a == b,
            }
        }
        self.priority.is_none_or(|(op, v)| cmp(op, &n.priority, &v))
            && self.statuses.as_ref().is_none_or(|s| s.contains(&n.status.as_str()))
            && self.due.as_ref().is_none_or(|(op, d)| n.due.as_ref().is_some_and(|due| cmp(op, due, d)))
            && self.q.as_ref().is_none_or(|q| n.title.contains(q.as_str()))
    }

    /// The expected order: by the sort key (ids break ties the same way), else by id.
    fn expected(&self, held: &[Held]) -> Vec<String> {
        let mut rows: Vec<&Held> = held.iter().filter(|n| self.keeps(n)).collect();
        rows.sort_by(|a, b| {
            let key = match self.sort {
                Some(("priority", _)) => a.priority.cmp(&b.priority),
                Some(("title", _)) => a.title.cmp(&b.title),
                Some(_) => a.created_at.cmp(&b.created_at),
                None => std::cmp::Ordering::Equal,
            };
            let order = key.then_with(|| a.id.cmp(&b.id));
            if self.sort.is_some_and(|(_, desc)| desc) { order.reverse() } else { order }
        });
        rows.into_iter().map(|n| n.id.clone()).collect()
    }
}

/// Every page of `path`, following cursors.
async fn walk(app: &App, tok: &str, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..100 {
        let url = match &next {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let r = send(app.addr, "GET", &url, Some(tok), None).await;
        assert_eq!(r.status, 200, "{url}: {}", r.body);
        let v = r.json();
        out.extend(v["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()));
        match v["next_cursor"].as_str() {
            Some(c) => next = Some(c.to_owned()),
            None => return out,
        }
    }
    panic!("{path}: more than 100 pages");
}

/// Generated filters, sorts and searches, walked page by page through cursors, answer
/// exactly the rows a model of the caller's own notes says: no row of another owner, none
/// missed, none twice, in order.
pub async fn list_queries_answer_exactly_the_callers_matching_rows(app: App) {
    use proptest::strategy::{Strategy, ValueTree};
    let (alice, bob, admin) = (token("alice", &["user"]), token("bob", &["user"]), token("root", &["admin"]));
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let titles = proptest::string::string_regex("[a-c]{1,4}").unwrap();
    let mut held = Vec::new();
    for i in 0..14u32 {
        let title = titles.new_tree(&mut runner).unwrap().current();
        let mut body = json!({ "title": title, "priority": i64::from(i % 5) + 1 });
        if i % 3 != 0 {
            body["due"] = json!(format!("2027-03-{:02}", 1 + (i * 7) % 28));
        }
        for (who, tok) in [("alice", &alice), ("bob", &bob)] {
            let r = send(app.addr, "POST", "/api/v1/notes", Some(tok), Some(&body)).await;
            assert_eq!(r.status, 201, "{}", r.body);
            if who == "alice" {
                held.push(Held::of(&r.json()));
            }
        }
    }
    for n in held.iter_mut().step_by(3) {
        let r = send(
            app.addr,
            "PATCH",
            &format!("/api/v1/notes/{}", n.id),
            Some(&admin),
            Some(&json!({ "status": "done" })),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        *n = Held::of(&r.json());
    }
    let strategy = query_strategy();
    for _ in 0..48 {
        let q = strategy.new_tree(&mut runner).unwrap().current();
        let got = walk(&app, &alice, &q.path()).await;
        assert_eq!(got, q.expected(&held), "{q:?}\n{}", q.path());
    }
}

/// A field the caller may not read cannot be filtered, sorted or searched: the refusal is
/// byte for byte the one of a field that does not exist (no oracle), and an admin, who may
/// read it, can use it.
pub async fn hidden_fields_cannot_be_queried(app: App) {
    let (alice, admin) = (token("alice", &["user"]), token("root", &["admin"]));
    let hidden = send(app.addr, "GET", "/api/v1/notes?reviewer_note=x", Some(&alice), None).await;
    let missing = send(app.addr, "GET", "/api/v1/notes?no_such_field=x", Some(&alice), None).await;
    hidden.problem(400);
    assert_eq!(hidden.body, missing.body, "a hidden field reads as a missing one");
    // Redacted: not in the allowlist at all.
    assert_eq!(send(app.addr, "GET", "/api/v1/notes?secret=x", Some(&alice), None).await.body, missing.body);
    let sort_hidden = send(app.addr, "GET", "/api/v1/notes?sort=-secret", Some(&alice), None).await;
    let sort_missing = send(app.addr, "GET", "/api/v1/notes?sort=-nothing", Some(&alice), None).await;
    sort_hidden.problem(400);
    assert_eq!(sort_hidden.body, sort_missing.body);
    assert_eq!(send(app.addr, "GET", "/api/v1/notes?reviewer_note=x", Some(&admin), None).await.status, 200);
    // Operators that do not fit the type, unknown operators and `in` on a number read as unknown too.
    for q in ["priority.in=1,2", "title=x", "status.gt=open", "priority.like=1", "priority.=1"] {
        assert_eq!(
            send(app.addr, "GET", &format!("/api/v1/notes?{q}"), Some(&alice), None).await.body,
            missing.body,
            "{q}"
        );
    }
    // Values pass the field's rules, pointed at, never echoed.
    for (q, pointer) in [
        ("priority=9", "/priority"),
        ("priority.gte=x", "/priority.gte"),
        ("status.in=open,gone", "/status.in"),
        ("due=2027-02-30", "/due"),
    ] {
        let v = send(app.addr, "GET", &format!("/api/v1/notes?{q}"), Some(&alice), None).await.problem(400);
        assert_eq!(v["errors"][0]["pointer"], pointer, "{q}: {v}");
    }
    let many = vec!["open"; 21].join(",");
    send(app.addr, "GET", &format!("/api/v1/notes?status.in={many}"), Some(&alice), None).await.problem(400);
    let long = "a".repeat(65);
    send(app.addr, "GET", &format!("/api/v1/notes?q={long}"), Some(&alice), None).await.problem(400);
    send(app.addr, "GET", "/api/v1/notes?priority=1&priority=2", Some(&alice), None).await.problem(400);
}

/// A cursor continues only the query it was issued for: reused with another filter, sort or
/// search it is a 400, never a page of another list.
pub async fn cursors_are_bound_to_their_query(app: App) {
    let alice = token("alice", &["user"]);
    for i in 0..5 {
        let r = send(
            app.addr,
            "POST",
            "/api/v1/notes",
            Some(&alice),
            Some(&json!({ "title": format!("t{i}"), "priority": 2 })),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let first = send(app.addr, "GET", "/api/v1/notes?limit=2&sort=-priority&priority=2", Some(&alice), None).await;
    let cursor = first.json()["next_cursor"].as_str().unwrap().to_owned();
    let same = format!("/api/v1/notes?limit=2&sort=-priority&priority=2&cursor={cursor}");
    assert_eq!(send(app.addr, "GET", &same, Some(&alice), None).await.status, 200);
    let reordered = format!("/api/v1/notes?priority=2&cursor={cursor}&sort=-priority&limit=3");
    assert_eq!(
        send(app.addr, "GET", &reordered, Some(&alice), None).await.status,
        200,
        "order and limit do not matter"
    );
    for other in [
        "sort=priority&priority=2",
        "sort=-priority&priority=3",
        "sort=-priority",
        "priority=2",
        "sort=-priority&priority=2&q=t",
    ] {
        let r = send(app.addr, "GET", &format!("/api/v1/notes?{other}&cursor={cursor}"), Some(&alice), None).await;
        assert_eq!(r.problem(400)["errors"][0]["pointer"], "/cursor", "{other}");
    }
}

/// `q` is a substring, not a pattern: `%`, `_` and `\` match only themselves.
pub async fn search_wildcards_match_only_themselves(app: App) {
    let alice = token("alice", &["user"]);
    for title in ["50% off", "500 off", "a_b", "axb", "back\\slash", "backslash"] {
        let r = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": title }))).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for (q, expected) in
        [("%25", vec!["50% off"]), ("_", vec!["a_b"]), ("%5C", vec!["back\\slash"]), ("0%25+o", vec!["50% off"])]
    {
        let v = send(app.addr, "GET", &format!("/api/v1/notes?q={q}&limit=3"), Some(&alice), None).await.json();
        let titles: Vec<&str> = v["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
        assert_eq!(titles, expected, "q={q}");
    }
}

/// A reference must point at a row the caller may read when it is written: another owner's
/// folder is refused exactly like a folder that does not exist, on create and on update; a
/// referenced folder cannot be deleted (409); a note's cards go with the note (cascade).
pub async fn references_point_only_at_rows_the_caller_reads(app: App) {
    let (alice, bob, admin) = (token("alice", &["user"]), token("bob", &["user"]), token("root", &["admin"]));
    let folder = |tok: String, name: &'static str| {
        let app = app.addr;
        async move {
            let r = send(app, "POST", "/api/v1/folders", Some(&tok), Some(&json!({ "name": name }))).await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let (alices, bobs) = (folder(alice.clone(), "a").await, folder(bob.clone(), "b").await);
    let card = |folder: &str| json!({ "folder_id": folder });
    let missing =
        send(app.addr, "POST", "/api/v1/cards", Some(&bob), Some(&card("0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e"))).await;
    let hidden = send(app.addr, "POST", "/api/v1/cards", Some(&bob), Some(&card(&alices))).await;
    let (mut m, mut h) = (missing.problem(422), hidden.problem(422));
    m.as_object_mut().unwrap().remove("request_id");
    h.as_object_mut().unwrap().remove("request_id");
    assert_eq!(h, m, "another owner's folder reads as a missing one");
    assert_eq!(h["errors"][0]["pointer"], "/folder_id");
    assert_eq!(h["errors"][0]["detail"], "no such folder");
    assert!(!hidden.body.contains(&alices), "the id is not echoed: {}", hidden.body);

    let created = send(app.addr, "POST", "/api/v1/cards", Some(&bob), Some(&card(&bobs))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let card_path = format!("/api/v1/cards/{}", created.json()["id"].as_str().unwrap());
    let moved = send(app.addr, "PATCH", &card_path, Some(&bob), Some(&json!({ "folder_id": alices }))).await;
    assert_eq!(moved.problem(422)["errors"][0]["detail"], "no such folder", "updates are checked too");

    // The database keeps the reference: the referenced folder cannot go.
    let gone = send(app.addr, "DELETE", &format!("/api/v1/folders/{bobs}"), Some(&bob), None).await;
    gone.problem(409);
    assert_eq!(send(app.addr, "GET", &card_path, Some(&bob), None).await.status, 200);

    // A card about a note goes with it.
    let note = send(app.addr, "POST", "/api/v1/notes", Some(&bob), Some(&json!({ "title": "n" }))).await.json();
    let note_id = note["id"].as_str().unwrap();
    let about =
        send(app.addr, "POST", "/api/v1/cards", Some(&bob), Some(&json!({ "folder_id": bobs, "note_id": note_id })))
            .await;
    assert_eq!(about.status, 201, "{}", about.body);
    let about_path = format!("/api/v1/cards/{}", about.json()["id"].as_str().unwrap());
    let alices_note =
        send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "a" }))).await.json();
    let r = send(
        app.addr,
        "POST",
        "/api/v1/cards",
        Some(&bob),
        Some(&json!({ "folder_id": bobs, "note_id": alices_note["id"] })),
    )
    .await;
    assert_eq!(r.problem(422)["errors"][0]["pointer"], "/note_id");
    assert_eq!(send(app.addr, "DELETE", &format!("/api/v1/notes/{note_id}"), Some(&admin), None).await.status, 204);
    send(app.addr, "GET", &about_path, Some(&bob), None).await.problem(404);
}

/// Without the request id, which differs per response.
fn quiet(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("request_id");
    v
}

pub async fn nested_rows_are_reached_only_through_readable_parents(app: App) {
    let a = app.addr;
    let (alice, bob, admin) = (token("alice", &["user"]), token("bob", &["user"]), token("root", &["admin"]));
    let post = |tok: String, path: String, body: Value| async move {
        let r = send(a, "POST", &path, Some(&tok), Some(&body)).await;
        assert_eq!(r.status, 201, "{path}: {}", r.body);
        let location = r.header("location").unwrap().to_owned();
        let v = r.json();
        assert_eq!(location, format!("{path}/{}", v["id"].as_str().unwrap()), "Location names the parents");
        v["id"].as_str().unwrap().to_owned()
    };
    let project = post(alice.clone(), "/api/v1/projects".into(), json!({ "name": "p" })).await;
    let other = post(alice.clone(), "/api/v1/projects".into(), json!({ "name": "q" })).await;
    let tasks = format!("/api/v1/projects/{project}/tasks");
    let task = post(alice.clone(), tasks.clone(), json!({ "title": "t" })).await;
    let steps = format!("{tasks}/{task}/steps");
    let step = post(alice.clone(), steps.clone(), json!({ "done": false })).await;
    let row = send(a, "GET", &format!("{steps}/{step}"), Some(&alice), None).await.json();
    assert_eq!(row["task_id"], task.as_str(), "the parent key is the path's");

    // Bob, by every path: each answer is the 404 of a project that does not exist.
    let missing = "/api/v1/projects/00000000-0000-7000-8000-000000000000/tasks";
    let nothing = quiet(send(a, "GET", missing, Some(&bob), None).await.problem(404));
    let bobs = post(bob.clone(), "/api/v1/projects".into(), json!({ "name": "b" })).await;
    let title = json!({ "title": "x" });
    let done = json!({ "done": true });
    let tries: Vec<(&str, String, Option<&Value>)> = vec![
        ("GET", tasks.clone(), None),
        ("POST", tasks.clone(), Some(&title)),
        ("GET", format!("{tasks}/{task}"), None),
        ("PATCH", format!("{tasks}/{task}"), Some(&title)),
        ("DELETE", format!("{tasks}/{task}"), None),
        ("GET", steps.clone(), None),
        ("POST", steps.clone(), Some(&done)),
        ("GET", format!("{steps}/{step}"), None),
        ("DELETE", format!("{steps}/{step}"), None),
        // Alice's task and step named under Bob's own project.
        ("GET", format!("/api/v1/projects/{bobs}/tasks/{task}"), None),
        ("GET", format!("/api/v1/projects/{bobs}/tasks/{task}/steps/{step}"), None),
        ("GET", format!("/api/v1/projects/{bobs}/tasks/not-a-uuid/steps"), None),
    ];
    for (method, path, body) in &tries {
        let r = send(a, method, path, Some(&bob), *body).await;
        assert_eq!(quiet(r.problem(404)), nothing, "{method} {path}");
    }
    // Alice's own rows under the wrong parent are missing too: every level must match.
    for path in
        [format!("/api/v1/projects/{other}/tasks/{task}"), format!("/api/v1/projects/{other}/tasks/{task}/steps")]
    {
        send(a, "GET", &path, Some(&alice), None).await.problem(404);
    }
    // The parent key is the path's: a body naming it is refused whole.
    let smuggled = send(a, "POST", &tasks, Some(&alice), Some(&json!({ "title": "y", "project_id": other }))).await;
    assert_eq!(smuggled.problem(422)["errors"][0]["pointer"], "/project_id");

    // Admins read every project's tasks, but `owner` on create is the project's owner, and
    // steps are the owner's alone.
    assert_eq!(send(a, "GET", &format!("{tasks}/{task}"), Some(&admin), None).await.status, 200);
    let r = send(a, "POST", &tasks, Some(&admin), Some(&title)).await;
    assert_eq!(quiet(r.problem(404)), nothing, "admins may not add to another's project");
    send(a, "GET", &format!("{steps}/{step}"), Some(&admin), None).await.problem(404);
    let listed = send(a, "GET", &steps, Some(&admin), None).await.json();
    assert_eq!(listed["items"], json!([]), "{listed}");

    // A task with steps cannot go (restrict); without them it can; a project takes its
    // tasks along (cascade).
    send(a, "DELETE", &format!("{tasks}/{task}"), Some(&alice), None).await.problem(409);
    assert_eq!(send(a, "DELETE", &format!("{steps}/{step}"), Some(&alice), None).await.status, 204);
    assert_eq!(send(a, "DELETE", &format!("{tasks}/{task}"), Some(&alice), None).await.status, 204);
    let again = post(alice.clone(), tasks.clone(), json!({ "title": "u" })).await;
    assert_eq!(send(a, "DELETE", &format!("/api/v1/projects/{project}"), Some(&alice), None).await.status, 204);
    send(a, "GET", &format!("{tasks}/{again}"), Some(&alice), None).await.problem(404);
    let left = app.db.rows_as_text("SELECT CAST(COUNT(*) AS TEXT) FROM tasks").await.unwrap();
    assert_eq!(left, vec![vec!["0".to_owned()]], "the project's tasks went with it");

    // The document names every parameter of a nested route.
    let doc = send(a, "GET", "/api/v1/openapi.json", None, None).await.json();
    let op = &doc["paths"]["/api/v1/projects/{project_id}/tasks/{task_id}/steps/{id}"]["get"];
    let names: Vec<&str> = op["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["project_id", "task_id", "id"]);
}

/// Passwords of every shape (generated): each is stored only as an argon2id hash with the
/// OWASP parameters that verifies it, and appears in no response; out-of-bounds ones are
/// refused without echo.
pub async fn passwords_are_stored_as_argon2id_hashes_and_never_returned(app: App) {
    use proptest::strategy::{Strategy, ValueTree};
    let a = app.addr;
    let alice = token("alice", &["user"]);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = "[ -~\u{a0}-\u{10ffff}]{12,128}";
    let passwords: Vec<String> =
        (0..6).map(|_| Strategy::new_tree(&strategy, &mut runner).unwrap().current()).collect();
    let stored = |id: String| {
        let db = app.db.clone();
        async move {
            let rows = db.rows_as_text(&format!("SELECT password FROM members WHERE id = '{id}'")).await.unwrap();
            rows[0][0].clone()
        }
    };
    for plain in &passwords {
        let r = send(a, "POST", "/api/v1/members", Some(&alice), Some(&json!({ "password": plain }))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let mut seen = vec![r.body.clone()];
        seen.push(send(a, "GET", &format!("/api/v1/members/{id}"), Some(&alice), None).await.body);
        seen.push(send(a, "GET", "/api/v1/members", Some(&alice), None).await.body);
        for body in &seen {
            assert!(!body.contains("password") && !body.contains(plain.as_str()), "{body}");
        }
        let hash = stored(id.clone()).await;
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(securegen::runtime::password::verify(plain.clone(), hash.clone()).await.unwrap());
        // A new password is hashed again; the old one no longer verifies.
        let next = format!("{plain}!");
        let r =
            send(a, "PATCH", &format!("/api/v1/members/{id}"), Some(&alice), Some(&json!({ "password": next }))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(!r.body.contains("password"), "{}", r.body);
        let rehashed = stored(id).await;
        assert!(securegen::runtime::password::verify(next, rehashed.clone()).await.unwrap());
        assert!(!securegen::runtime::password::verify(plain.clone(), rehashed).await.unwrap());
    }
    // NIST SP 800-63B bounds by default: 12 to 128 characters, no composition rules.
    for bad in ["elevenchars".to_owned(), "é".repeat(129)] {
        let r = send(a, "POST", "/api/v1/members", Some(&alice), Some(&json!({ "password": bad }))).await;
        let problem = r.problem(422);
        assert_eq!(problem["errors"][0]["pointer"], "/password");
        assert!(!r.body.contains(&bad), "the value is not echoed: {}", r.body);
    }
}
