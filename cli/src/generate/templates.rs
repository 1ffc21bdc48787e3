//! The templates of a generated service: embedded in the binary, each replaceable by a file
//! of the same name in `--templates DIR`. Undefined variables are errors, so a typo in a
//! template fails loudly instead of rendering an empty string.

use std::path::Path;

use minijinja::{Environment, UndefinedBehavior};

use crate::error::RenderError;

/// Every template, by name.
pub(crate) const EMBEDDED: &[(&str, &str)] = &[
    ("Cargo.toml.j2", include_str!("../../templates/service/Cargo.toml.j2")),
    ("README.md.j2", include_str!("../../templates/service/README.md.j2")),
    ("env.example.j2", include_str!("../../templates/service/env.example.j2")),
    ("env.j2", include_str!("../../templates/service/env.j2")),
    ("gitignore.j2", include_str!("../../templates/service/gitignore.j2")),
    ("hooks.rs.j2", include_str!("../../templates/service/hooks.rs.j2")),
    ("main.rs.j2", include_str!("../../templates/service/main.rs.j2")),
    ("lib.rs.j2", include_str!("../../templates/service/lib.rs.j2")),
    ("resources_mod.rs.j2", include_str!("../../templates/service/resources_mod.rs.j2")),
    ("resource.rs.j2", include_str!("../../templates/service/resource.rs.j2")),
    ("security.rs.j2", include_str!("../../templates/service/security.rs.j2")),
    ("contract.rs.j2", include_str!("../../templates/service/contract.rs.j2")),
    ("cargo_config.toml.j2", include_str!("../../templates/service/cargo_config.toml.j2")),
    ("rustfmt.toml.j2", include_str!("../../templates/service/rustfmt.toml.j2")),
];

/// The template environment: embedded templates, overridden by files in `dir`.
pub(crate) fn environment(dir: Option<&Path>) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    super::escape::install(&mut env);
    for (name, text) in EMBEDDED {
        let text = match dir.map(|d| d.join(name)) {
            Some(p) if p.exists() => {
                std::fs::read_to_string(&p).map_err(|source| RenderError::Override { path: p, source })?
            }
            _ => (*text).to_owned(),
        };
        env.add_template_owned(*name, text)
            .map_err(|source| RenderError::Template { name: (*name).to_owned(), source })?;
    }
    Ok(env)
}
