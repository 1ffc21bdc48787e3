//! Misuses of `#[secure_resource]` are compile errors pointing at the offending attribute,
//! all reported at once, with the struct still emitted (trybuild, with committed `.stderr`).

#[test]
fn misuse_is_a_compile_error_at_the_attribute() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
