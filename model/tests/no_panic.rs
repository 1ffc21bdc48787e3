//! The checker never panics, whatever it is fed: arbitrary text, and the reference spec
//! mutated line by line and byte by byte. Every diagnostic it returns points at a real line.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use proptest::prelude::*;

const SHOP: &str = include_str!("../../examples/shop/securegen.yaml");

fn assert_sound(src: &str) {
    let report = securegen_model::check(src);
    let lines = src.lines().count().max(1);
    for d in &report.diagnostics {
        let loc = d.location.unwrap_or_else(|| panic!("unlocated: {d:?}"));
        assert!(loc.line >= 1 && loc.line <= lines + 1, "line {} of {lines}: {d:?}", loc.line);
        assert!(loc.column >= 1);
        assert!(d.hint.is_some(), "no hint: {d:?}");
    }
    assert_eq!(report.spec.is_some(), report.errors() == 0);
}

/// Mutations that keep most of the structure, so validation (not only the YAML parser) runs.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Replace(usize, String),
    Indent(usize, usize),
    InsertByte(usize, u8),
}

fn apply(src: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_owned).collect();
    let n = lines.len();
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::Replace(i, word) => {
            let l = &mut lines[i % n];
            if let Some(pos) = l.find(|c: char| c.is_alphanumeric()) {
                l.replace_range(pos.., word);
            }
        }
        Mutation::Indent(i, k) => lines[i % n].insert_str(0, &" ".repeat(k % 5)),
        Mutation::InsertByte(i, b) => {
            let mut s = lines.join("\n").into_bytes();
            let at = i % (s.len() + 1);
            s.insert(at, *b);
            return String::from_utf8_lossy(&s).into_owned();
        }
    }
    lines.join("\n")
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let words = prop::sample::select(vec![
        "owner: nobody",
        "type: strng",
        "write: [delete]",
        "read: [anyone]",
        "min: 9999",
        "max_len: 0",
        "pattern: \"(\"",
        "server: subject",
        "redact: true",
        "- x",
        "{",
        "]",
        "&a x",
        "*a",
        "!!binary x",
        "<<: *a",
        "values: []",
        "default: 7",
        "? complex",
        "limits: { rate: 1/hour }",
        "'",
        "\t",
    ]);
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), words).prop_map(|(i, w)| Mutation::Replace(i, w.to_owned())),
        (any::<usize>(), any::<usize>()).prop_map(|(i, k)| Mutation::Indent(i, k)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::InsertByte(i, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_reference_specs_never_panic(ms in prop::collection::vec(mutation(), 1..6)) {
        let src = ms.iter().fold(SHOP.to_owned(), |s, m| apply(&s, m));
        assert_sound(&src);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,400}") {
        assert_sound(&src);
    }

    #[test]
    fn yaml_shaped_text_never_panics(src in "([a-z_]{1,8}: ?(\\{|\\[|[a-z0-9/]{0,6}|\\}|\\]|, )*\n {0,6}){0,30}") {
        assert_sound(&src);
    }
}

#[test]
fn hostile_documents_are_refused_cleanly() {
    // Deep nesting, an alias bomb, several documents, binary noise.
    let deep = format!("{}x{}", "[".repeat(10_000), "]".repeat(10_000));
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    for src in [deep.as_str(), bomb, "a: 1\n---\nb: 2\n", "\u{0}\u{1}\u{7f}", "", "~", "[]", "42"] {
        let report = securegen_model::check(src);
        assert!(report.errors() > 0, "{:?} was accepted", &src[..src.len().min(40)]);
        assert_sound(src);
    }
}
