//! The securegen model as Rust tokens, in one place for both front ends' consumers: the
//! `#[secure_resource]` expansion writes the policy with [`literal`], and `securegen new` /
//! `generate` write each resource as an annotated struct with [`render`]. Every text of the
//! spec reaches the tokens as a literal built by `proc_macro2` (escaped for Rust), and every
//! name as an identifier checked by [`ident`]: nothing is pasted as source text.
#![forbid(unsafe_code)]

pub mod literal;
pub mod render;

pub use render::ident;
