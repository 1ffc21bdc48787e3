//! Rebuilds when a migration is added, so `securegen::migrations!()` sees it.

fn main() {
    println!("cargo::rerun-if-changed=migrations");
}
