//! The runtime's rules, exercised from outside: real HTTP on 127.0.0.1 against a service of
//! annotated structs on a real SQLite file. BOLA, BFLA, mass assignment, redaction, read_roles,
//! validation, body limits, pagination, tenancy, ETags, error shape and hardening headers.
//! (The same cases run against PostgreSQL in `postgres.rs`.)

mod common;

http_cases!(Some(common::start().await); create_read_list_update_delete_follow_the_contract, another_users_row_is_indistinguishable_from_a_missing_one, roles_that_lack_an_action_get_403_and_no_token_gets_401, bodies_with_fields_the_caller_may_not_write_are_refused_whole, redacted_fields_never_leave_and_read_roles_are_per_role, values_are_validated_with_pointers_and_without_echo, malformed_bodies_are_400_413_415_never_500, pages_are_bounded_and_cursors_are_opaque_and_checked, tenants_are_isolated_and_etags_prevent_lost_updates, every_response_is_hardened_and_every_error_is_a_problem, cors_answers_only_allowlisted_origins, list_queries_answer_exactly_the_callers_matching_rows, hidden_fields_cannot_be_queried, cursors_are_bound_to_their_query, search_wildcards_match_only_themselves, references_point_only_at_rows_the_caller_reads, nested_rows_are_reached_only_through_readable_parents, passwords_are_stored_as_argon2id_hashes_and_never_returned);

/// The generated attack on list queries finds the hidden field of the notes (`reviewer_note`,
/// read by admins only) for a user, and the harness refuses to run an attack with nothing to
/// try.
#[tokio::test]
async fn the_list_query_attack_probes_hidden_fields() {
    use securegen::runtime::testing::attack::{Attack, Attacks};
    let attacks = Attacks::new(|| common::service().create_missing_tables());
    let note = attacks.plan().resource("note").unwrap();
    let hidden: Vec<(&str, &str)> =
        note.queries.iter().filter(|q| !q.visible).map(|q| (q.param.as_str(), q.sub.as_str())).collect();
    assert!(hidden.contains(&("reviewer_note", "owner")), "{hidden:?}");
    assert!(note.queries.iter().any(|q| q.visible && q.param == "reviewer_note"), "admins may filter by it");
    attacks.run("note", Attack::ListQueries).await;
    assert!(!attacks.applicable("bulletin").contains(&Attack::ListQueries));
}

/// The generated attack on references creates the folders a card needs, then attaches
/// another owner's folder and a missing one, and sees them refused alike.
#[tokio::test]
async fn the_reference_attack_attaches_hidden_rows() {
    use securegen::runtime::testing::attack::{Attack, Attacks};
    let attacks = Attacks::new(|| common::service().create_missing_tables());
    let card = attacks.plan().resource("card").unwrap();
    assert_eq!(card.refs.len(), 2, "{:?}", card.refs);
    assert!(attacks.applicable("card").contains(&Attack::References));
    for attack in attacks.applicable("card") {
        attacks.run("card", attack).await;
    }
}

/// The generated attacks on nested resources create the parents first; another caller's
/// parent reads as a missing one for every action, two levels down too.
#[tokio::test]
async fn the_foreign_parent_attack_runs_at_every_level() {
    use securegen::runtime::testing::attack::{Attack, Attacks};
    let attacks = Attacks::new(|| common::service().create_missing_tables());
    for name in ["task", "step"] {
        let applicable = attacks.applicable(name);
        assert!(applicable.contains(&Attack::ForeignParent), "{name}: {applicable:?}");
        for attack in applicable {
            attacks.run(name, attack).await;
        }
    }
}

/// A nested struct cannot be served without its parent, or at a path its parent does not
/// serve.
#[tokio::test]
async fn a_nested_resource_needs_its_parent_registered() {
    use securegen::prelude::*;
    let db = securegen::runtime::testing::attack::fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    let build = |b: ServiceBuilder| b.build(&common::env(&[]), db.clone()).map(|_| ()).unwrap_err().to_string();
    let alone = build(Service::builder(common::settings()).resource::<common::Task>(NoHooks));
    assert!(alone.contains("`task` cannot be served: its parent `project` is not registered"), "{alone}");
    let skipped = build(
        Service::builder(common::settings()).resource::<common::Project>(NoHooks).resource::<common::Step>(NoHooks),
    );
    assert!(skipped.contains("`step` cannot be served: its parent `task` is not registered"), "{skipped}");
}

/// `migrate --check` reads every stored row, nested ones included (their statements for
/// requests name a parent; the check names none).
#[tokio::test]
async fn the_row_check_reads_nested_rows_too() {
    use securegen::runtime::serve::serve;
    let db = securegen::runtime::testing::attack::fresh_db(securegen::model::Database::Sqlite).await.unwrap();
    let service = common::service().create_missing_tables().build(&common::env(&[]), db.clone()).unwrap();
    service.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, service.router(), service.serve_options().clone(), std::future::pending()));
    let alice = common::token("alice", &["user"]);
    let body = serde_json::json!({ "name": "p" });
    let project = common::send(addr, "POST", "/api/v1/projects", Some(&alice), Some(&body)).await.json();
    let tasks = format!("/api/v1/projects/{}/tasks", project["id"].as_str().unwrap());
    let task = common::send(addr, "POST", &tasks, Some(&alice), Some(&serde_json::json!({ "title": "t" }))).await;
    assert_eq!(task.status, 201, "{}", task.body);
    db.batch(&format!("UPDATE tasks SET title = '{}'", "x".repeat(60))).await.unwrap();
    let found = securegen::runtime::service::violations(&service).await.unwrap();
    assert!(found.iter().any(|v| v.resource == "task" && v.field == "title" && v.rows == 1), "{found:?}");
}
