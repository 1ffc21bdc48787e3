//! Formatting generated Rust: attribute lists tidied (prettyplease breaks `[a, b]` across
//! lines inside attributes, which rustfmt leaves alone), then the whole file through rustfmt
//! with its default style, so generated files pass `cargo fmt --check` in the service.

use std::path::{Path, PathBuf};
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

/// Every file through one `rustfmt` process (edition 2024, default style), laid out in a
/// scratch directory at its real path so that `mod` declarations resolve. A file rustfmt
/// cannot format, or a machine without rustfmt, keeps its text as rendered: generation never
/// depends on it. One process for all files: spawning one per file dominates the run time.
pub(crate) fn rustfmt_all(files: &mut [(&Path, &mut String)]) {
    let dir =
        std::env::temp_dir().join(format!("securegen-fmt-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
    let config = dir.join("rustfmt.toml");
    let mut ok = std::fs::create_dir_all(&dir).is_ok() && std::fs::write(&config, "edition = \"2024\"\n").is_ok();
    let paths: Vec<PathBuf> = files.iter().map(|(rel, _)| dir.join(rel)).collect();
    for ((_, text), path) in files.iter().zip(&paths) {
        ok = ok
            && path.parent().is_none_or(|p| std::fs::create_dir_all(p).is_ok())
            && std::fs::write(path, text.as_bytes()).is_ok();
    }
    if ok {
        let _ = Command::new("rustfmt")
            .args(["--edition", "2024", "--config-path"])
            .arg(&config)
            .args(&paths)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        for ((_, text), path) in files.iter_mut().zip(&paths) {
            if let Ok(formatted) = std::fs::read_to_string(path) {
                **text = formatted;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
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
