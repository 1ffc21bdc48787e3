//! Your business logic: implement the methods you need of each `XHooks` trait (each has a
//! default that does nothing). `securegen generate` never overwrites this file. When the spec
//! gains a resource, add `impl resources::NewHooks for Hooks {}` here.

use crate::resources;

/// The hooks of every resource.
pub(crate) struct Hooks;

impl resources::TypeHooks for Hooks {}

impl resources::OptionHooks for Hooks {}
