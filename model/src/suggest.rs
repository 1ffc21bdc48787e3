//! Did-you-mean suggestions for misspelt keys, keywords and names (shared by both front ends).

/// The candidate closest to `input`, if any is close enough to be a likely typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != input)
        .map(|c| (c, score(&input_lower, &c.to_ascii_lowercase())))
        .filter(|(_, s)| *s >= 0.7)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

fn score(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    strsim::normalized_damerau_levenshtein(a, b).max(strsim::jaro_winkler(a, b) - 0.15)
}

/// `did you mean `x`?`, or a list of the choices when nothing is close.
pub fn hint(input: &str, candidates: &[&str]) -> String {
    match closest(input, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("expected one of: {}", list(candidates)),
    }
}

/// `a`, `b`, `c`
pub fn list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_key() {
        assert_eq!(closest("mx_len", ["min_len", "max_len", "pattern"]), Some("max_len"));
        assert_eq!(closest("acess", ["access", "fields", "owner"]), Some("access"));
        assert_eq!(closest("craete", ["create", "read", "list", "update", "delete"]), Some("create"));
        assert_eq!(closest("admn", ["user", "admin"]), Some("admin"));
        assert_eq!(closest("HS265", ["HS256", "HS384", "HS512", "RS256"]), Some("HS256"));
    }

    #[test]
    fn unrelated_words_find_nothing() {
        assert_eq!(closest("colour", ["create", "read", "list"]), None);
        assert!(hint("zzz", &["a", "b"]).starts_with("expected one of"));
    }
}
