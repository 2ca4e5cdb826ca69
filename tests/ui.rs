//! Compile-fail tests (generators and `comp!`): each `tests/ui/*.rs` must fail to build
//! with the error in its `.stderr` file.
//!
//! The snapshots hold rustc's exact output for the toolchain CI builds with (1.95);
//! after a toolchain change, regenerate them with `TRYBUILD=overwrite cargo test
//! --all-features --test ui` and review the diff.
//!
//! trybuild builds all the files as one crate of its own, checked (not linked), then
//! each file for its errors: about 20 s on two cores once `target/tests/trybuild` is
//! warm, several minutes from cold or on a loaded machine, when cargo reports the test
//! "has been running for over 60 seconds". The snapshot `smuggled_yield_borrow.stderr`
//! names a line of `src/gen/macros.rs` (where the generator's `async` block is
//! spelled): editing the docs above that line means regenerating it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
