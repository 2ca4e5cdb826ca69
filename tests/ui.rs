//! Compile-fail tests (generators and `comp!`): each `tests/ui/*.rs` must fail to build
//! with the error in its `.stderr` file.
//!
//! The snapshots hold rustc's exact output for the toolchain CI builds with (1.95);
//! after a toolchain change, regenerate them with `TRYBUILD=overwrite cargo test
//! --all-features --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
