//! Forgetting authorization does not compile: an `Authorized` cannot be forged, cannot be
//! borrowed from another resource, and data access takes nothing else.

#[test]
fn data_access_needs_an_authorization() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
