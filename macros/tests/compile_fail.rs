//! Misuse of `#[evloop::main]` / `#[evloop::test]` is a compile error that says what to
//! write instead (the expected messages are the `.stderr` files beside each case).

#[test]
#[cfg_attr(miri, ignore)] // runs rustc
fn misuse_is_a_clear_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
