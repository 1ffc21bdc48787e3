//! Formatting generated Rust: attribute lists tidied (prettyplease breaks `[a, b]` across
//! lines inside attributes, which rustfmt leaves alone), then the whole file through rustfmt
//! with its default style, so generated files pass `cargo fmt --check` in the service.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// `[a,\n    b]` → `[a, b]` inside an attribute's brackets, and `1..= 5` → `1..=5`, outside
/// string literals.
pub(crate) fn tidy_attributes(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '[' => {
                depth += 1;
                out.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                out.push(c);
            }
            '\n' if depth > 1 => {
                while chars.peek().is_some_and(|n| *n == ' ') {
                    chars.next();
                }
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ => out.push(c),
        }
    }
    out.replace("..= ", "..=")
}

/// The file through `rustfmt` (edition 2024, default style); unchanged when rustfmt is not
/// installed or fails, so that generation never depends on it.
pub(crate) fn rustfmt(src: &str) -> String {
    let config = std::env::temp_dir().join(format!("securegen-rustfmt-{}.toml", std::process::id()));
    if std::fs::write(&config, "edition = \"2024\"\n").is_err() {
        return src.to_owned();
    }
    let child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--config-path"])
        .arg(&config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return src.to_owned() };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(src.as_bytes());
    }
    match child.wait_with_output() {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout).unwrap_or_else(|_| src.to_owned()),
        _ => src.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_inside_attributes_are_joined() {
        let src = "#[a(\n    roles = [user,\n        admin],\n    len(1..= 5), pattern = \"[x,\\n y]\")]";
        assert_eq!(
            super::tidy_attributes(src),
            "#[a(\n    roles = [user, admin],\n    len(1..=5), pattern = \"[x,\\n y]\")]"
        );
    }
}
