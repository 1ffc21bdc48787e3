//! Names: resources, fields, roles and enum values become Rust identifiers, SQL identifiers,
//! JSON keys and URL segments, so they are held to the narrowest form all four accept.

use crate::diag::{Code, KeyPath};

use super::Validator;

/// Longest identifier: PostgreSQL silently truncates names past 63 bytes, which would make
/// two long names one table or column.
pub(super) const MAX_IDENT: usize = 63;

/// Words no Rust identifier may be, not even as a raw identifier (`r#type` works for the
/// other keywords): a field or resource with one of these names could not be generated.
const UNRAWABLE: &[&str] = &["self", "super", "crate", "Self"];

/// Whether `s` is a safe identifier: `^[a-z][a-z0-9_]*$`, at most 63 characters.
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= MAX_IDENT
}

/// How to write `s` as an identifier.
pub(super) fn ident_hint(s: &str) -> String {
    let fixed: String = heck::ToSnakeCase::to_snake_case(s).chars().take(MAX_IDENT).collect();
    if is_ident(&fixed) && fixed != s {
        format!(
            "write `{fixed}`: lowercase letters, digits and `_`, starting with a letter, at most {MAX_IDENT} characters"
        )
    } else {
        format!("use lowercase letters, digits and `_`, starting with a letter, at most {MAX_IDENT} characters")
    }
}

impl Validator<'_> {
    /// A name that must become an identifier everywhere (`what`: "field", "resource"), and
    /// the Rust type name derived from it, if any. Reports and answers `false` when unusable.
    pub(super) fn name(&mut self, name: &str, type_name: Option<&str>, at: &KeyPath, what: &str) -> bool {
        if !is_ident(name) {
            self.sink
                .error_at_key(Code::BadIdentifier, at, format!("`{name}` is not a valid {what} name"))
                .hint(ident_hint(name));
            return false;
        }
        if let Some(word) = [Some(name), type_name].into_iter().flatten().find(|n| UNRAWABLE.contains(n)) {
            self.sink
                .error_at_key(
                    Code::ReservedName,
                    at,
                    format!("`{name}` cannot be a {what} name: `{word}` is reserved in Rust, even as `r#{word}`"),
                )
                .hint(format!("rename it, e.g. `{name}_item` or `the_{name}`"));
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_ident("order_line2"));
        assert!(!is_ident("Order") && !is_ident("2x") && !is_ident("a-b") && !is_ident("") && !is_ident("é"));
        assert!(is_ident(&"a".repeat(63)) && !is_ident(&"a".repeat(64)));
    }
}
