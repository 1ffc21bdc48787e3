//! `securegen expand [FILE] [--resource NAME]`: what `#[secure_resource]` writes for each
//! annotated struct of a Rust file, formatted, on a stable toolchain (no `cargo expand`) —
//! for reading in review and for snapshots. The expansion is the macro's own, from the same
//! library the proc-macro calls.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use heck::ToSnakeCase as _;
use quote::ToTokens as _;

use crate::error::CliError;

/// One annotated struct: its attribute's arguments and the struct without the attribute.
struct Annotated {
    args: proc_macro2::TokenStream,
    item: syn::ItemStruct,
}

/// Whether `attr` is `#[secure_resource(...)]` (or a path ending in it).
fn is_secure_resource(attr: &syn::Attribute) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == "secure_resource")
}

/// The annotated structs of `items`, inline modules included, in file order.
fn annotated(items: &[syn::Item], out: &mut Vec<Annotated>) {
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let Some(attr) = s.attrs.iter().find(|a| is_secure_resource(a)) else { continue };
                let args = match &attr.meta {
                    syn::Meta::List(list) => list.tokens.clone(),
                    _ => proc_macro2::TokenStream::new(),
                };
                let mut item = s.clone();
                item.attrs.retain(|a| !is_secure_resource(a));
                out.push(Annotated { args, item });
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    annotated(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// The resource name of a struct: its `name = …` or its snake-cased identifier.
fn resource_name(a: &Annotated) -> String {
    securegen_macros_core::model(a.args.clone(), a.item.to_token_stream())
        .map_or_else(|_| a.item.ident.to_string().to_snake_case(), |m| m.name)
}

/// The expansion of one annotated struct, formatted; or the macro's errors.
pub(crate) struct Expansion {
    /// The struct's name.
    pub(crate) name: String,
    /// Its resource's name.
    pub(crate) resource: String,
    /// The formatted expansion, or every error the macro reports.
    pub(crate) text: Result<String, Vec<String>>,
}

/// The expansions of the annotated structs of `file`, in order.
pub(crate) fn expansions(file: &syn::File) -> Vec<Expansion> {
    let mut found = Vec::new();
    annotated(&file.items, &mut found);
    found
        .iter()
        .map(|a| {
            let name = a.item.ident.to_string();
            let resource = resource_name(a);
            let text = match securegen_macros_core::model(a.args.clone(), a.item.to_token_stream()) {
                Err(e) => Err(e.into_iter().map(|e| e.to_string()).collect()),
                Ok(_) => {
                    let expanded = securegen_macros_core::secure_resource(a.args.clone(), a.item.to_token_stream());
                    syn::parse2::<syn::File>(expanded)
                        .map(|f| prettyplease::unparse(&f))
                        .map_err(|e| vec![format!("the expansion does not parse: {e}")])
                }
            };
            Expansion { name, resource, text }
        })
        .collect()
}

/// Expands the annotated structs of `file` (only `resource`, when given). A struct the macro
/// refuses prints its errors and makes the exit code 1.
pub(crate) fn run(file: &Path, resource: Option<&str>) -> Result<ExitCode, CliError> {
    let src = crate::source::read(file)?;
    let parsed = syn::parse_file(&src)
        .map_err(|e| CliError::Refused(format!("`{}` is not Rust that parses: {e}", file.display())))?;
    let mut found = expansions(&parsed);
    found.retain(|x| resource.is_none_or(|r| x.resource == r));
    if found.is_empty() {
        return Err(CliError::Refused(match resource {
            Some(r) => format!("`{}` has no #[secure_resource] struct for resource `{r}`", file.display()),
            None => format!("`{}` has no #[secure_resource] struct", file.display()),
        }));
    }
    let mut out = std::io::stdout().lock();
    let mut failed = false;
    for x in &found {
        match &x.text {
            Ok(text) => writeln!(out, "// ---- #[secure_resource] struct {} ----\n{text}", x.name)?,
            Err(errors) => {
                failed = true;
                for e in errors {
                    writeln!(std::io::stderr().lock(), "{}: struct `{}`: {e}", file.display(), x.name)?;
                }
            }
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
