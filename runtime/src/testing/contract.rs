//! The security contract of one resource as text, for a snapshot a reviewer reads in a pull
//! request: who may do what on which rows and fields (the `explain` matrix), the SQL of every
//! statement in every scope shape on SQLite and PostgreSQL, and the resource's part of the
//! OpenAPI document. Deterministic: no times, no random ids, a stable order. A change of the
//! policy shows as a readable diff of this text (`cargo insta review`).
//!
//! ```ignore
//! insta::assert_snapshot!(securegen::testing::contract::<Order>());
//! ```

use std::fmt::Write as _;

use securegen_model::explain::{Explanation, TableStyle, explain_nested_in, explain_resource, render};
use securegen_model::sql::Dialect;
use securegen_model::{Jwt, Resource as Policy, Settings};

use crate::db::nested_statement_texts;
use crate::resource::Resource;

/// The contract of `R`, with a column per role its policy names.
pub fn contract<R: Resource>() -> String {
    contract_of(R::policy())
}

/// The contract of `R` in a service with `settings`: a column per role the service declares,
/// so that a changed grant shows as a changed cell, not a new column.
pub fn contract_in<R: Resource>(settings: &Settings) -> String {
    render_contract(R::policy(), &[], explain_nested_in(R::policy(), &[], &settings.roles), settings)
}

/// The contract of `R` as `service` serves it: a column per role the service declares, and
/// — for a nested resource — the parents it is reached through, which narrow each cell and
/// appear in its statements.
pub fn contract_within<R: Resource>(service: &crate::service::ServiceBuilder) -> String {
    let policies = service.policies();
    let ancestors = R::policy().ancestors(|n| policies.iter().copied().find(|p| p.name == n));
    let settings = service.settings();
    render_contract(R::policy(), &ancestors, explain_nested_in(R::policy(), &ancestors, &settings.roles), settings)
}

/// The contract of a policy, with a column per role it names.
pub fn contract_of(policy: &Policy) -> String {
    let settings = Settings::new(&policy.name, Jwt::hs256("CONTRACT_SECRET"));
    render_contract(policy, &[], explain_resource(policy), &settings)
}

fn render_contract(policy: &Policy, ancestors: &[&Policy], matrix: Explanation, settings: &Settings) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Security contract of `{}` ({})\n", policy.name, policy.path);
    let _ = writeln!(out, "## Access\n");
    out.push_str(&render(&matrix, TableStyle::Text));
    for (name, dialect) in [("SQLite", Dialect::Sqlite), ("PostgreSQL", Dialect::Postgres)] {
        let _ = writeln!(out, "\n## Statements on {name} (every scope shape a caller can have)\n");
        for (kind, sql) in nested_statement_texts(policy, ancestors, dialect) {
            let _ = writeln!(out, "{kind}: {sql}");
        }
    }
    let doc = securegen_model::openapi::document(settings, &[policy]);
    let part = serde_json::json!({ "paths": doc["paths"], "schemas": doc["components"]["schemas"] });
    let _ = writeln!(out, "\n## OpenAPI\n");
    out.push_str(&serde_json::to_string_pretty(&part).unwrap_or_default());
    out.push('\n');
    out
}
