//! Request edges, with generated inputs sent over real HTTP to one running service: dates and
//! timestamps of every malformed shape (multibyte characters anywhere, signs, months, days,
//! hours and offsets out of range) are a 422 naming the field and are never stored;
//! `If-Match` values of every shape are 400, 412 or a success — never a 500 — and only a
//! strong match succeeds; any cursor the service did not issue, the empty one included, is a
//! 400. No input is ever a 500.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod common;

use std::sync::OnceLock;

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

/// One service for every case, and a runtime to drive it.
fn shared() -> &'static (tokio::runtime::Runtime, App) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, App)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let app = rt.block_on(start());
        (rt, app)
    })
}

fn on<T>(f: impl std::future::Future<Output = T>) -> T {
    shared().0.block_on(f)
}

/// A subject of its own for each case: each has its own rate limit.
fn someone() -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    format!("user-{}", N.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// Text that looks like a date or a timestamp, broken in one of many ways.
fn time_like() -> impl Strategy<Value = String> {
    let digits = "[0-9+\\-]{1,5}";
    let junk = prop::sample::select(vec![
        "é", "٣", "２", "\u{0}", " ", "T", "t", "Z", "z", ":", "-", "+", ".", "60", "99", "00", "13", "32", "24",
        "+25:00", "-00:00", "+14:00",
    ]);
    let piece = prop_oneof![digits.prop_map(|s| s), junk.prop_map(str::to_owned), "\\PC{0,3}".prop_map(|s| s)];
    prop::collection::vec(piece, 1..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn malformed_dates_are_422_naming_the_field(value in time_like()) {
        let (_, app) = shared();
        let alice = token(&someone(), &["user"]);
        let r = on(send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "t", "due": value }))));
        match r.status {
            201 => {
                // Accepted: then it was a real date, and it reads back as one.
                prop_assert!(securegen::model::values::parse_date(&value).is_some(), "{value:?} was stored");
            }
            422 => {
                let p = r.problem(422);
                prop_assert_eq!(&p["errors"][0]["pointer"], "/due");
                prop_assert!(!r.body.contains(&value) || value.len() < 3, "the value is not echoed: {}", r.body);
            }
            other => prop_assert!(false, "{value:?}: {other} {}", r.body),
        }
    }

    #[test]
    fn if_match_of_any_shape_is_never_a_500(header in "[ -~]{0,40}", id_match in any::<bool>()) {
        let (_, app) = shared();
        let tok = tenant_token(&someone(), "acme");
        let created = on(send(app.addr, "POST", "/api/v1/docs", Some(&tok), Some(&json!({ "name": "d" }))));
        prop_assert_eq!(created.status, 201, "{}", created.body);
        let etag = created.header("etag").unwrap().to_owned();
        let path = format!("/api/v1/docs/{}", created.json()["id"].as_str().unwrap());
        let value = if id_match { format!("{header}, {etag}") } else { header.clone() };
        let h = [format!("If-Match: {value}"), format!("Authorization: Bearer {tok}")];
        let r = on(request(app.addr, "PATCH", &path, &h, Some(r#"{"name": "e"}"#)));
        prop_assert!([200, 400, 412, 428].contains(&r.status), "{value:?}: {} {}", r.status, r.body);
        if r.status == 200 {
            let strong_match = value.split(',').any(|m| m.trim() == etag) || value.trim() == "*";
            prop_assert!(strong_match, "{value:?} matched {etag}");
        }
        if r.status >= 400 {
            r.problem(r.status);
        }
    }

    #[test]
    fn cursors_the_service_did_not_issue_are_400(cursor in "[A-Za-z0-9_%=+/.-]{0,80}") {
        let (_, app) = shared();
        let alice = token(&someone(), &["user"]);
        let r = on(send(app.addr, "GET", &format!("/api/v1/notes?cursor={cursor}"), Some(&alice), None));
        prop_assert_eq!(r.status, 400, "{:?}: {}", cursor, r.body);
        r.problem(400);
    }

    #[test]
    fn an_integer_written_with_a_fraction_is_that_integer(priority in 1i64..=5, frac in 1u32..1000) {
        let (_, app) = shared();
        let alice = token(&someone(), &["user"]);
        let body = serde_json::json!({"title": "t", "priority": priority as f64});
        let r = on(send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&body)));
        prop_assert_eq!(r.status, 201, "{}: {}", body, r.body);
        prop_assert_eq!(r.json()["priority"].as_i64(), Some(priority));
        let body = serde_json::json!({"title": "t", "priority": priority as f64 + f64::from(frac) / 1000.0});
        let r = on(send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&body)));
        prop_assert_eq!(r.status, 422, "{}: {}", body, r.body);
        r.problem(422);
    }

    #[test]
    fn arbitrary_bodies_and_queries_are_never_a_500(body in "\\PC{0,200}", query in "[ -~]{0,60}") {
        let (_, app) = shared();
        let alice = token(&someone(), &["user"]);
        let auth = [format!("Authorization: Bearer {alice}")];
        let r = on(request(app.addr, "POST", "/api/v1/notes", &auth, Some(&body)));
        prop_assert!(r.status < 500, "POST {body:?}: {} {}", r.status, r.body);
        let q: String = query.chars().filter(|c| !c.is_whitespace() && *c != '#').collect();
        let r = on(request(app.addr, "GET", &format!("/api/v1/notes?{q}"), &auth, None));
        prop_assert!(r.status < 500, "GET ?{q}: {} {}", r.status, r.body);
    }
}

#[test]
fn the_empty_cursor_is_refused_and_the_issued_one_works() {
    let (_, app) = shared();
    let alice = token("cursor-owner", &["user"]);
    for i in 0..4 {
        let r = on(send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": format!("n{i}") }))));
        assert_eq!(r.status, 201);
    }
    on(send(app.addr, "GET", "/api/v1/notes?cursor=", Some(&alice), None)).problem(400);
    let first = on(send(app.addr, "GET", "/api/v1/notes?limit=3", Some(&alice), None)).json();
    let next = first["next_cursor"].as_str().unwrap();
    let second = on(send(app.addr, "GET", &format!("/api/v1/notes?limit=3&cursor={next}"), Some(&alice), None)).json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_cursor"], Value::Null);
}
