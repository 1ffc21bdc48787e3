//! English plurals for resource paths and table names (`order` → `orders`); irregular
//! nouns set `plural:` in the spec.

/// The plural of a snake_case noun: only its last word changes.
pub fn plural(noun: &str) -> String {
    let (head, last) = noun.rsplit_once('_').map_or(("", noun), |(h, l)| (h, l));
    let joined = |s: String| if head.is_empty() { s } else { format!("{head}_{s}") };
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| last.ends_with(s));
    if ends(&["s", "x", "z", "ch", "sh"]) {
        return joined(format!("{last}es"));
    }
    if let Some(stem) = last.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
        && !stem.is_empty()
    {
        return joined(format!("{stem}ies"));
    }
    joined(format!("{last}s"))
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn regular_nouns() {
        assert_eq!(plural("order"), "orders");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("key"), "keys");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("status"), "statuses");
        assert_eq!(plural("line_item"), "line_items");
        assert_eq!(plural("api_key"), "api_keys");
        assert_eq!(plural("branch"), "branches");
    }
}
