//! `securegen::migrations!()`: the migration files of an app of annotated structs, compiled
//! into its binary, as `&[Migration]` in order. Each `migrations/sqlite/NNNN_name.sql` needs
//! its `migrations/postgres/` twin; the numbers run 1, 2, 3… without gaps (the runtime checks
//! that too). A new file is seen on the next build when the app's `build.rs` says
//! `cargo::rerun-if-changed=migrations` (files already listed are tracked by `include_str!`).

use std::path::Path;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use securegen_model::migrate::parse_file_name;

/// Expands `migrations!()` or `migrations!("dir")` (relative to the crate root).
pub fn migrations(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let dir = if input.is_empty() { "migrations".to_owned() } else { syn::parse2::<syn::LitStr>(input)?.value() };
    let root = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| syn::Error::new(Span::call_site(), "CARGO_MANIFEST_DIR is not set: build with cargo"))?;
    let base = Path::new(&root).join(&dir);
    let mut found = list(&base.join("sqlite"))?;
    found.sort();
    let mut items = Vec::new();
    for (i, (version, name)) in found.iter().enumerate() {
        let expected = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if *version != expected {
            return Err(syn::Error::new(
                Span::call_site(),
                format!("{dir}/sqlite: migration {expected:04} is missing (found {version:04}_{name})"),
            ));
        }
        let file = format!("{version:04}_{name}.sql");
        let twin = base.join("postgres").join(&file);
        if !twin.is_file() {
            return Err(syn::Error::new(Span::call_site(), format!("{dir}/postgres/{file} is missing")));
        }
        let sqlite = path_text(&base.join("sqlite").join(&file))?;
        let postgres = path_text(&twin)?;
        items.push(quote! {
            ::securegen::runtime::migrate::Migration::new(#version, #name, include_str!(#sqlite), include_str!(#postgres))
        });
    }
    Ok(quote! { &[#(#items),*] })
}

/// The migrations in `dir`, by number and name.
fn list(dir: &Path) -> syn::Result<Vec<(u32, String)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(syn::Error::new(Span::call_site(), format!("{}: {e}", dir.display()))),
    };
    Ok(entries.flatten().filter_map(|e| e.file_name().to_str().and_then(parse_file_name)).collect())
}

fn path_text(p: &Path) -> syn::Result<String> {
    p.to_str()
        .map(str::to_owned)
        .ok_or_else(|| syn::Error::new(Span::call_site(), format!("{} is not UTF-8", p.display())))
}
