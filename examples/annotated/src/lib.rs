//! An existing axum app — its own routes, its own handlers — that annotates two of its
//! structs with `#[secure_resource]` and mounts them. There is no `securegen.yaml`: the
//! attributes are the policy, checked by the same validator at compile time.
#![forbid(unsafe_code)]

use securegen::prelude::*;
use securegen::runtime::axum::{Json, Router, routing::get};
use securegen::runtime::serde_json::{Value, json};

/// A project: owned by whoever created it.
#[secure_resource(
    roles = [member, admin],
    owner = owner_id,
    access(create = [member], read = [owner, admin], list = [owner, admin], update = [owner], delete = [owner, admin]),
    limits(rate = "60/minute", page_max = 50)
)]
pub struct Project {
    #[field(id)]
    pub id: Uuid,
    #[field(server = subject)]
    pub owner_id: String,
    #[field(write(create, update), len(1..=80))]
    pub name: String,
    #[field(kind = text, write(create, update), len(..=2000))]
    pub notes: Option<String>,
    #[field(server = now)]
    pub created_at: OffsetDateTime,
}

/// A public announcement: anyone lists them, admins write them.
#[secure_resource(
    roles = [member, admin],
    access(create = [admin], read = [anyone], list = [anyone], delete = [admin]),
    limits(rate = "120/minute")
)]
pub struct Notice {
    #[field(id)]
    pub id: Uuid,
    #[field(write(create), len(1..=200))]
    pub text: String,
    #[field(write(create))]
    pub until: Option<Date>,
}

/// The app's settings: its name and how it checks tokens.
pub fn settings() -> Settings {
    let mut s = Settings::new("annotated", Jwt::hs256("APP_JWT_SECRET").issuer("annotated").audience("annotated-api"));
    s.roles = vec!["member".into(), "admin".into()];
    s
}

/// A handler of the app's own that needs a caller: the same authentication as the
/// resources (expired, forged or missing tokens are 401 here too).
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({ "subject": caller.subject, "roles": caller.roles }))
}

/// The app's own routes, next to the resources.
fn own_routes(auth: Authenticator) -> Router {
    Router::new().route("/hello", get(|| async { "hello" })).route("/api/v1/me", get(me)).with_state(auth)
}

/// The app: two resources, each registered once, and the app's own routes, all behind the
/// same hardening.
pub fn app() -> ServiceBuilder {
    Service::builder(settings())
        .resource::<Project>(NoHooks)
        .resource::<Notice>(NoHooks)
        .routes(own_routes)
        .migrations(securegen::migrations!())
}
