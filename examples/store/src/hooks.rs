//! Your business logic: implement the methods you need of `securegen::Hooks<R>` for each
//! resource `R` (each has a default that does nothing). `securegen generate` never
//! overwrites this file. When the spec gains a resource, add
//! `impl ResourceHooks<resources::NewResource> for Hooks {}` here.

use securegen::Hooks as ResourceHooks;

use crate::resources;

/// The hooks of every resource.
pub(crate) struct Hooks;

impl ResourceHooks<resources::Product> for Hooks {}

impl ResourceHooks<resources::Order> for Hooks {}

impl ResourceHooks<resources::OrderLine> for Hooks {}
