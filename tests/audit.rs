//! Audit events, captured from the tracing target `audit` while real requests run: every write
//! and every refusal produces one, with subject, action, resource, id and status — and no
//! token, password or redacted value ever appears in them.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

mod common;

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use common::*;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

type Event = BTreeMap<String, String>;

fn events() -> &'static Mutex<Vec<Event>> {
    static EVENTS: OnceLock<Mutex<Vec<Event>>> = OnceLock::new();
    EVENTS.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

struct Fields(Event);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}").trim_matches('"').to_owned());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == securegen::runtime::audit::TARGET {
            let mut f = Fields(BTreeMap::new());
            event.record(&mut f);
            f.0.insert("level".to_owned(), event.metadata().level().to_string());
            events().lock().unwrap().push(f.0);
        }
    }
}

fn captured(subject: &str) -> Vec<Event> {
    events().lock().unwrap().iter().filter(|e| e.get("subject").map(String::as_str) == Some(subject)).cloned().collect()
}

#[tokio::test]
async fn writes_and_refusals_are_audited_without_secrets() {
    tracing::subscriber::set_global_default(Registry::default().with(Capture)).unwrap();
    let app = start().await;
    let alice = token("auditee", &["user"]);
    let bob = token("auditee-bob", &["user"]);
    let created =
        send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "t", "secret": "redacted-xyz" })))
            .await;
    let id = created.json()["id"].as_str().unwrap().to_owned();
    send(app.addr, "GET", &format!("/api/v1/notes/{id}"), Some(&bob), None).await.problem(404);
    send(app.addr, "DELETE", &format!("/api/v1/notes/{id}"), Some(&alice), None).await.problem(403);
    send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "t", "owner_id": "x" })))
        .await
        .problem(422);
    let forged = format!("{}x", &alice[..alice.len() - 1]);
    send(app.addr, "GET", "/api/v1/notes", Some(&forged), None).await.problem(401);
    let evil = token("auditee\nFAKE audit line", &["user"]);
    send(app.addr, "GET", &format!("/api/v1/notes/{id}"), Some(&evil), None).await.problem(404);

    let a = captured("auditee");
    let find = |action: &str, status: &str| a.iter().find(|e| e["action"] == action && e["status"] == status).cloned();
    let write = find("create", "201").expect("the create is audited");
    assert_eq!(write["resource"], "note");
    assert_eq!(write["id"], id);
    assert_eq!(write["outcome"], "allowed");
    assert_eq!(write["request_id"].len(), 36);
    let denied = find("delete", "403").expect("the 403 is audited");
    assert_eq!(denied["outcome"], "refused");
    assert_eq!(denied["level"], "WARN");
    assert!(find("create", "422").is_some(), "the 422 is audited");
    let b = captured("auditee-bob");
    assert!(b.iter().any(|e| e["action"] == "read" && e["status"] == "404" && e["id"] == id), "{b:?}");
    let all = events().lock().unwrap().clone();
    assert!(all.iter().any(|e| e["status"] == "401" && e["subject"] == "-"), "the forged token is audited");
    assert!(
        all.iter().any(|e| e["subject"] == "auditee\\u{a}FAKE audit line"),
        "control characters are escaped: {all:?}"
    );
    let text = format!("{all:?}");
    assert!(!text.contains("redacted-xyz"), "no redacted value in audit events");
    assert!(!text.contains(&alice) && !text.contains(&alice[..40]), "no token in audit events");
}
