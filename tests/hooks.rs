//! Typed hooks over real HTTP: business logic sees typed bodies and rows, what it changes is
//! validated again, it runs only after every check and only on rows in the caller's scope,
//! and whatever it puts in the changes, the runtime never writes the id, the owner, a
//! server field or the version.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use securegen::prelude::*;
use securegen::runtime::ApiError;
use serde_json::{Value, json};

/// What the hooks saw: the ids `after_create` got, the rows `before_delete` got.
#[derive(Default)]
struct Seen {
    created: Vec<Uuid>,
    deleting: Vec<String>,
}

struct Shop(Arc<Mutex<Seen>>);

impl Hooks<Note> for Shop {
    fn before_create(&self, _call: &Call<'_>, body: &mut NoteCreate) -> Result<(), ApiError> {
        match body.title.as_str() {
            "forbidden" => return Err(ApiError::Conflict { detail: "that title cannot be used".to_owned() }),
            "huge" => body.priority = 50,
            _ => {}
        }
        body.title = body.title.trim().to_owned();
        Ok(())
    }

    fn after_create(&self, call: &Call<'_>, row: &Note) {
        assert_eq!(call.subject, Some(row.owner_id.as_str()));
        self.0.lock().unwrap().created.push(row.id);
    }

    fn before_update(&self, _call: &Call<'_>, current: &Note, changes: &mut NoteUpdate) -> Result<(), ApiError> {
        if current.status == "done" && changes.title.is_some() {
            return Err(ApiError::Conflict { detail: "done notes are final".to_owned() });
        }
        if changes.title.as_deref() == Some("clear my body") {
            // Clearing an optional field through the typed changes.
            changes.body = Some(None);
        }
        Ok(())
    }

    fn before_delete(&self, call: &Call<'_>, row: &Note) -> Result<(), ApiError> {
        self.0.lock().unwrap().deleting.push(format!("{} by {}", row.owner_id, call.subject.unwrap_or("-")));
        Ok(())
    }
}

async fn start_shop(seen: &Arc<Mutex<Seen>>) -> App {
    let service = Service::builder(settings()).resource::<Note>(Shop(Arc::clone(seen))).resource::<Bulletin>(NoHooks);
    start_with(service, env(&[])).await
}

fn pointers(r: &Resp) -> Vec<String> {
    r.problem(422)["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn typed_hooks_add_business_logic_without_bypassing_checks() {
    let seen = Arc::default();
    let app = start_shop(&seen).await;
    let (alice, admin) = (token("alice", &["user"]), token("root", &["admin"]));
    let r = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "  padded  " }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["title"], "padded", "before_create changed the typed body");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(seen.lock().unwrap().created, vec![id.parse::<Uuid>().unwrap()], "after_create saw the stored row");
    let refused = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "forbidden" }))).await;
    assert_eq!(refused.problem(409)["detail"], "that title cannot be used");
    let huge = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "huge" }))).await;
    assert_eq!(pointers(&huge), vec!["/priority"], "what a hook sets is validated again");
    assert_eq!(seen.lock().unwrap().created.len(), 1, "refused creations run no after_create");
    let smuggled =
        send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "x", "owner_id": "m" }))).await;
    assert_eq!(pointers(&smuggled), vec!["/owner_id"], "hooks run after the allowlist");

    let path = format!("/api/v1/notes/{id}");
    let r = send(app.addr, "PATCH", &path, Some(&admin), Some(&json!({ "status": "done" }))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send(app.addr, "PATCH", &path, Some(&alice), Some(&json!({ "title": "again" }))).await;
    assert_eq!(r.problem(409)["detail"], "done notes are final");
}

#[tokio::test]
async fn null_clears_an_optional_field_directly_and_through_the_hooks() {
    let seen = Arc::default();
    for hooked in [false, true] {
        let app = if hooked { start_shop(&seen).await } else { start().await };
        let alice = token("alice", &["user"]);
        let r = send(
            app.addr,
            "POST",
            "/api/v1/notes",
            Some(&alice),
            Some(&json!({ "title": "t", "body": "text", "due": "2027-01-31" })),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let path = format!("/api/v1/notes/{}", r.json()["id"].as_str().unwrap());
        let r = send(app.addr, "PATCH", &path, Some(&alice), Some(&json!({ "body": null, "due": null }))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!((&r.json()["body"], &r.json()["due"]), (&Value::Null, &Value::Null), "hooked: {hooked}");
        let r = send(app.addr, "GET", &path, Some(&alice), None).await;
        assert_eq!(r.json()["body"], Value::Null, "cleared in the database (hooked: {hooked})");
        if hooked {
            // A hook can clear a field through the typed changes too.
            send(app.addr, "PATCH", &path, Some(&alice), Some(&json!({ "body": "again" }))).await;
            let r = send(app.addr, "PATCH", &path, Some(&alice), Some(&json!({ "title": "clear my body" }))).await;
            assert_eq!(r.json()["body"], Value::Null, "{}", r.body);
        }
        // A required field cannot be cleared.
        let r = send(app.addr, "PATCH", &path, Some(&alice), Some(&json!({ "title": null }))).await;
        assert_eq!(pointers(&r), vec!["/title"]);
    }
}

#[tokio::test]
async fn before_delete_sees_only_rows_in_the_callers_scope() {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let app = start_shop(&seen).await;
    let alice = token("alice", &["user"]);
    let r = send(app.addr, "POST", "/api/v1/notes", Some(&alice), Some(&json!({ "title": "mine" }))).await;
    let path = format!("/api/v1/notes/{}", r.json()["id"].as_str().unwrap());
    // Only admins may delete; a foreign admin of no scope still reaches every note, but a
    // missing row never reaches the hook.
    let admin = token("root", &["admin"]);
    send(app.addr, "DELETE", "/api/v1/notes/0192f0c4-7b7e-7c1a-9d0e-3f2a1b4c5d6e", Some(&admin), None)
        .await
        .problem(404);
    send(app.addr, "DELETE", &path, Some(&alice), None).await.problem(403);
    assert!(seen.lock().unwrap().deleting.is_empty(), "refused deletes run no hook");
    assert_eq!(send(app.addr, "DELETE", &path, Some(&admin), None).await.status, 204);
    assert_eq!(seen.lock().unwrap().deleting, vec!["alice by root".to_owned()], "the hook saw the row in scope");
}

#[tokio::test]
async fn the_data_layer_refuses_to_write_what_no_update_may_change() {
    use securegen::model::Action;
    use securegen::runtime::authorize;
    use securegen::runtime::db::Table;
    let db = securegen::runtime::testing::attack::fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    db.create_table::<Note>().await.unwrap();
    let notes = Table::<Note>::new(db);
    let alice = Principal::new("alice", vec!["user".into()], Default::default());
    let create = authorize::<Note>(Some(&alice), Action::Create).unwrap();
    let body = json!({ "title": "t" }).as_object().unwrap().clone();
    let row = notes.insert(&create, &body).await.unwrap();
    let update = authorize::<Note>(Some(&alice), Action::Update).unwrap();
    for (key, value) in [
        ("id", json!(Uuid::now_v7().to_string())),
        ("owner_id", json!("mallory")),
        ("created_at", json!("2020-01-01T00:00:00Z")),
        ("_version", json!(7)),
        ("code", json!("ABC")),
    ] {
        let changes = json!({ key: value }).as_object().unwrap().clone();
        let r = notes.update(&update, row.value.id, &changes, None).await;
        assert!(matches!(r, Err(ApiError::Internal)), "{key}: {:?}", r.err());
    }
    let read = authorize::<Note>(Some(&alice), Action::Read).unwrap();
    let stored = notes.fetch(&read, row.value.id).await.unwrap().unwrap().value;
    assert_eq!((stored.owner_id.as_str(), stored.code.as_deref()), ("alice", None), "nothing was written");
}
