//! Compile-fail tests for `comp!`: each mistake is reported at the tokens that cause it.

#[test]
fn comp_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/comp_*.rs");
}
