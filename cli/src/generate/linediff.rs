//! A line diff for `generate --diff`: longest common subsequence over lines, printed as
//! unified hunks with two lines of context.

use std::fmt::Write as _;

enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Add(&'a str),
}

fn ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            out.push(Op::Add(b[j]));
            j += 1;
        } else {
            out.push(Op::Del(a[i]));
            i += 1;
        }
    }
    out
}

/// `old` → `new` as unified hunks under a `--- path` / `+++ path` header.
pub(crate) fn unified(path: &str, old: &str, new: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let ops = ops(&a, &b);
    // A line is shown when it changed or is within two lines of a change.
    let mut visible = vec![false; ops.len()];
    for (k, op) in ops.iter().enumerate() {
        if !matches!(op, Op::Same(_)) {
            for v in visible.iter_mut().take((k + 3).min(ops.len())).skip(k.saturating_sub(2)) {
                *v = true;
            }
        }
    }
    let mut out = format!("--- {path} (on disk)\n+++ {path} (from securegen.yaml)\n");
    let mut in_hunk = false;
    for (op, show) in ops.iter().zip(&visible) {
        if !show {
            in_hunk = false;
            continue;
        }
        if !in_hunk {
            out.push_str("@@\n");
            in_hunk = true;
        }
        let _ = match op {
            Op::Same(l) => writeln!(out, " {l}"),
            Op::Del(l) => writeln!(out, "-{l}"),
            Op::Add(l) => writeln!(out, "+{l}"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hunks_show_changes_with_context() {
        let d = super::unified("f", "a\nb\nc\nd\ne\nf\n", "a\nb\nC\nd\ne\nf\n");
        assert!(d.contains("-c\n+C\n"), "{d}");
        assert!(d.contains(" b\n") && d.contains(" d\n"), "{d}");
        assert!(!d.contains(" f\n"), "only two lines of context: {d}");
    }
}
