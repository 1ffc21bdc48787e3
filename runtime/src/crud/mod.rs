//! The HTTP contract of a resource (DESIGN.md §5), generic over its policy: every handler
//! authenticates, authorizes, rate-limits, checks and validates in the same order, and audits
//! what it did. The state a handler needs is typed ([`Registered`]), built once when the
//! resource is registered: its limiter, its statements, its rules, its hooks. A resource
//! without any of them cannot be routed.

mod ctx;
mod read;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use axum::routing::MethodRouter;
use securegen_model::Action;

use crate::auth::Authenticator;
use crate::db::Table;
use crate::hooks::Hooks;
use crate::limits::ResourceLimiter;
use crate::page::Cursors;
use crate::resource::Resource;
use crate::rules::Rules;

/// What every resource of a service shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) auth: Authenticator,
    pub(crate) cursors: Cursors,
    /// The read check of every resource, for the references written to it.
    pub(crate) refs: crate::refs::References,
}

/// Everything the handlers of `R` need, built at registration.
pub(crate) struct Registered<R: Resource> {
    pub(crate) shared: Arc<Shared>,
    pub(crate) table: Table<R>,
    pub(crate) limiter: ResourceLimiter,
    pub(crate) rules: Rules,
    pub(crate) hooks: Box<dyn Hooks<R>>,
    /// Whether `hooks` does anything (typed bodies are built only for hooks that look).
    pub(crate) hooks_active: bool,
    /// `Deprecation` and `Sunset`, when the policy sets them.
    pub(crate) lifecycle: Vec<(HeaderName, HeaderValue)>,
    /// For a nested resource, its ancestors' names from the top-level one down: the rows a
    /// request's path names are reached through them, in this order.
    pub(crate) chain: Vec<String>,
}

impl<R: Resource> std::fmt::Debug for Registered<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered").field("resource", &R::policy().name).finish_non_exhaustive()
    }
}

/// `YYYY-MM-DD` as an IMF-fixdate at midnight UTC (RFC 9110 §5.6.7).
fn http_date(date: &str) -> Option<String> {
    let d = securegen_model::limits::parse_date(date).ok()?;
    let imf = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] 00:00:00 GMT");
    d.format(imf).ok()
}

/// The lifecycle headers of a policy.
pub(crate) fn lifecycle(policy: &securegen_model::Resource) -> Vec<(HeaderName, HeaderValue)> {
    let mut out = Vec::new();
    if policy.deprecated {
        out.push((HeaderName::from_static("deprecation"), HeaderValue::from_static("true")));
    }
    if let Some(v) = policy.sunset.as_deref().and_then(http_date).and_then(|d| HeaderValue::from_str(&d).ok()) {
        out.push((HeaderName::from_static("sunset"), v));
    }
    out
}

/// The routes of `R`: only the granted actions have a handler; another method on a routed
/// path is a 405 with `Allow`.
pub(crate) fn routes<R: Resource>(state: Arc<Registered<R>>) -> Router {
    let policy = R::policy();
    let granted = |a: Action| policy.access.contains_key(&a);
    let mut collection: Option<MethodRouter<Arc<Registered<R>>>> = None;
    let mut item: Option<MethodRouter<Arc<Registered<R>>>> = None;
    let add = |slot: &mut Option<MethodRouter<Arc<Registered<R>>>>, m: MethodRouter<Arc<Registered<R>>>| {
        *slot = Some(match slot.take() {
            Some(existing) => existing.merge(m),
            None => m,
        });
    };
    if granted(Action::Create) {
        add(&mut collection, axum::routing::post(write::create::<R>));
    }
    if granted(Action::List) {
        add(&mut collection, axum::routing::get(read::list::<R>));
    }
    if granted(Action::Read) {
        add(&mut item, axum::routing::get(read::read::<R>));
    }
    if granted(Action::Update) {
        add(&mut item, axum::routing::patch(write::update::<R>));
    }
    if granted(Action::Delete) {
        add(&mut item, axum::routing::delete(write::delete::<R>));
    }
    let mut router = Router::new();
    if let Some(c) = collection {
        router = router.route(&policy.path, c);
    }
    if let Some(i) = item {
        router = router.route(&format!("{}/{{id}}", policy.path), i);
    }
    router.with_state(state)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sunset_dates_are_http_dates() {
        assert_eq!(super::http_date("2027-06-30").as_deref(), Some("Wed, 30 Jun 2027 00:00:00 GMT"));
        assert_eq!(super::http_date("2026-11-22").as_deref(), Some("Sun, 22 Nov 2026 00:00:00 GMT"));
    }
}
