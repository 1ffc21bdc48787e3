//! The app over real HTTP on 127.0.0.1: its own routes and the two resources share one
//! authentication, one hardening, and neither resource is ever unlimited or unauthenticated.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)] // test code

use std::time::Duration;

use securegen::runtime::testing::attack::{Attack, Attacks, fresh_db, fresh_secret, start_on};
use securegen::runtime::testing::send;
use serde_json::json;

async fn token(secret: &str, sub: &str, roles: &[&str]) -> String {
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    let claims = securegen::model::token::Claims { subject: sub, roles: &roles, extra: &[] };
    securegen::model::token::mint(&annotated::settings().auth.jwt, secret, claims, Duration::from_secs(600)).unwrap()
}

#[tokio::test]
async fn own_routes_and_resources_share_authentication_and_hardening() {
    let secret = fresh_secret();
    let db = fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    let addr = start_on(annotated::app(), db, &secret).await;

    let hello = send(addr, "GET", "/hello", None, None).await;
    assert_eq!((hello.status, hello.body.as_str()), (200, "hello"));
    assert_eq!(hello.header("x-content-type-options"), Some("nosniff"), "own routes are hardened too");
    send(addr, "GET", "/api/v1/me", None, None).await.problem(401);
    send(addr, "GET", "/api/v1/me", Some("forged.token.here"), None).await.problem(401);
    let ann = token(&secret, "ann", &["member"]).await;
    let me = send(addr, "GET", "/api/v1/me", Some(&ann), None).await;
    assert_eq!(me.json()["subject"], "ann", "{}", me.body);

    let created = send(addr, "POST", "/api/v1/projects", Some(&ann), Some(&json!({ "name": "apollo" }))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = format!("/api/v1/projects/{}", created.json()["id"].as_str().unwrap());
    let bob = token(&secret, "bob", &["member"]).await;
    send(addr, "GET", &path, Some(&bob), None).await.problem(404);
    assert_eq!(send(addr, "GET", "/api/v1/notices", None, None).await.status, 200, "anyone lists notices");
    send(addr, "POST", "/api/v1/notices", Some(&ann), Some(&json!({ "text": "hi" }))).await.problem(403);
}

fn attacks() -> Attacks {
    Attacks::new(annotated::app)
}

#[tokio::test]
async fn the_generated_attacks_hold_on_the_annotated_structs() {
    for resource in ["project", "notice"] {
        let applicable = attacks().applicable(resource);
        assert!(applicable.contains(&Attack::Bfla) && applicable.contains(&Attack::ForgedTokens), "{applicable:?}");
        for attack in applicable {
            attacks().run(resource, attack).await;
        }
    }
}

/// A change to an annotated struct needs its migration: `annotated migrate new` writes it. This
/// test fails until someone has, so a struct and its tables cannot drift apart unnoticed.
#[test]
fn the_migrations_are_up_to_date_with_the_structs() {
    use securegen::model::migrate::{Layout, SNAPSHOT_PATH, Snapshot, next};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(SNAPSHOT_PATH)).expect("the layout snapshot is committed");
    let snapshot = Snapshot::parse(&text).expect("the layout snapshot parses");
    let layout = Layout::of(annotated::app().policies());
    let pending = next(Some(&snapshot), &layout, false).expect("no destructive change is pending");
    assert!(pending.is_none(), "run `cargo run -p annotated -- migrate new`: {:?}", pending.map(|m| m.name));
    assert_eq!(securegen::migrations!().len(), snapshot.version as usize, "every migration is compiled in");
}

/// The security contract of each annotated struct, one line each: a change of its attributes
/// that changes what the app allows fails here with a readable diff (`cargo insta review`).
#[test]
fn the_security_contracts_are_reviewed() {
    insta::assert_snapshot!("project", securegen::testing::contract::<annotated::Project>());
    insta::assert_snapshot!("notice", securegen::testing::contract::<annotated::Notice>());
}
