//! Every example spec under `examples/` stays valid (like clap's `tests/examples.rs`), and the
//! reference example stays identical to the shared reference spec when that is present.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a broken fixture should stop the test loudly

use std::path::Path;

#[test]
fn every_example_spec_is_valid() {
    let mut seen = 0;
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")).expect("examples/") {
        let spec = entry.expect("entry").path().join("securegen.yaml");
        if !spec.exists() {
            continue;
        }
        seen += 1;
        let src = std::fs::read_to_string(&spec).expect("read");
        let report = securegen::model::check(&src);
        assert_eq!(report.errors(), 0, "{}: {:#?}", spec.display(), report.diagnostics);
    }
    assert!(seen >= 1, "no example specs found");
}

#[test]
fn the_shop_example_is_the_reference_spec() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs/shop.yaml");
    let Ok(reference) = std::fs::read_to_string(&shared) else {
        // A checkout without the shared folder beside it: nothing to compare against.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "skipped: {} is not present", shared.display());
        return;
    };
    let ours = include_str!("../examples/shop/securegen.yaml");
    assert_eq!(ours, reference, "examples/shop/securegen.yaml drifted from the reference spec");
}
