//! The review workflow of a generated service, for real: `securegen new`, then `cargo test`
//! writes the contract snapshots and passes; a change of one field's `read_roles` and
//! `securegen generate` make exactly that resource's snapshot fail, with a diff that names the
//! field; accepting it makes the suite green again. One build of a fresh service (its own
//! target directory under this one's, dependencies pinned by this workspace's lockfile).
#![allow(clippy::expect_used, clippy::unwrap_used)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

fn securegen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_securegen")).args(args).current_dir(dir).output().expect("securegen runs")
}

/// `cargo test --test contract` in `dir`, with `INSTA_UPDATE` as given (unset: the service's
/// own `.cargo/config.toml` decides).
fn contract_tests(dir: &Path, insta_update: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["test", "--quiet", "--test", "contract"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("contract-flow-target"))
        .env_remove("INSTA_UPDATE")
        .env_remove("CI");
    if let Some(v) = insta_update {
        cmd.env("INSTA_UPDATE", v);
    }
    cmd.output().expect("cargo runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn a_policy_change_fails_its_contract_snapshot_until_accepted() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("contract-flow");
    let _ = std::fs::remove_dir_all(&dir);
    let root = root();
    let spec = root.join("examples/shop/securegen.yaml");
    let o = securegen(
        &["new", dir.to_str().unwrap(), "--spec", spec.to_str().unwrap(), "--securegen-path", root.to_str().unwrap()],
        &root,
    );
    assert!(o.status.success(), "{}", text(&o));
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    // The first run writes the snapshots and passes.
    let first = contract_tests(&dir, None);
    assert!(first.status.success(), "{}", text(&first));
    let snapshots = dir.join("tests/snapshots");
    for name in ["contract__order.snap", "contract__product.snap"] {
        assert!(snapshots.join(name).is_file(), "{name} written");
    }
    // In CI mode a missing snapshot fails.
    std::fs::remove_file(snapshots.join("contract__product.snap")).unwrap();
    let missing = contract_tests(&dir, Some("no"));
    assert!(!missing.status.success(), "a missing snapshot fails under INSTA_UPDATE=no");
    assert!(contract_tests(&dir, None).status.success(), "and is written again outside CI");

    // Widen who reads one field of one resource.
    let yaml = std::fs::read_to_string(dir.join("securegen.yaml")).unwrap();
    let widened = yaml.replacen(
        "cost_cents:       { type: int, min: 0, max: 100000000, write: [create, update], read_roles: [admin] }",
        "cost_cents:       { type: int, min: 0, max: 100000000, write: [create, update], read_roles: [user, admin] }",
        1,
    );
    assert_ne!(yaml, widened, "the spec has the line to change");
    std::fs::write(dir.join("securegen.yaml"), widened).unwrap();
    let o = securegen(&["generate"], &dir);
    assert!(o.status.success(), "{}", text(&o));

    let changed = contract_tests(&dir, Some("no"));
    let out = text(&changed);
    assert!(!changed.status.success(), "the contract changed: {out}");
    assert!(out.contains("contract__product") || out.contains("product"), "{out}");
    assert!(!out.contains("contract__order.snap"), "the order's contract did not change: {out}");
    assert!(out.contains("cost_cents"), "the diff names the field: {out}");

    // Accepting it (what `cargo insta review` does) makes the suite green again.
    assert!(contract_tests(&dir, Some("always")).status.success());
    let accepted = contract_tests(&dir, Some("no"));
    assert!(accepted.status.success(), "{}", text(&accepted));
}
