//! The README's guest example is this crate's `readme_client` guest, which
//! CI compiles; this test keeps the two identical.

#[test]
fn readme_guest_example_is_the_compiled_one() {
    let readme = include_str!("../../README.md");
    let start = readme.find("## A guest in ten lines").expect("README has the section");
    let block = &readme[start..];
    let code = block.split("```rust\n").nth(1).and_then(|b| b.split("```").next()).expect("a rust block");
    let compiled = include_str!("../guests/src/bin/readme_client.rs");
    assert_eq!(code, compiled, "README.md's guest example differs from examples/guests/src/bin/readme_client.rs");
    assert!(code.lines().count() <= 12, "the ten-line example grew");
}
