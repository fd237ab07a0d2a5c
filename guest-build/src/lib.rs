//! Compiles a crate of guest programs to wasm32-wasip2 from a build script,
//! the way wasmtime's `crates/test-programs` does.
//!
//! Call [`build`] from `build.rs`; it writes `$OUT_DIR/guests.rs` with a
//! `GUESTS` table of `(name, path to .wasm)`, a `foreach_guest!` macro that
//! calls `$mac!(name)` for every guest, and one `foreach_<suite>!` macro per
//! suite that calls it for that suite's guests only.
//!
//! A guest's suite is the first `_`-separated word of its name
//! (`policy_unix` → `policy`; a one-word name such as `conformance` is a suite
//! of its own). The suites come from the names, not from a list here: adding
//! `src/bin/newarea_thing.rs` makes `foreach_newarea!`. Name a guest after
//! the test module that runs it, and that module can check, with its own
//! `foreach_<suite>!`, that every guest of its suite has a test there. Every
//! name must be a Rust identifier (so `-` is not allowed), and no suite may be
//! called `guest`, whose macro would clash with `foreach_guest!`.
//!
//! The guests build in `<target>/wasm-guests`, a target directory of their
//! own, so the nested cargo never waits on the lock the outer build holds.

#![allow(
    clippy::expect_used,
    reason = "a build-script helper: a failed build panics with a clear message, which is how build scripts report"
)]

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every guest is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// Build every binary of the crate at `guests_dir` (relative to the calling
/// crate's manifest) in release mode and generate `$OUT_DIR/guests.rs`.
///
/// # Panics
/// With one clear message when the wasm target is missing, when a guest's
/// name cannot make a suite (see the module docs), and when the guest build
/// fails (cargo's errors are printed above it).
pub fn build(guests_dir: &str) {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("run from a build script"));
    let root = manifest_dir.parent().expect("crate inside the workspace").to_path_buf();
    let root = if root.join("wit").exists() { root } else { root.parent().expect("workspace root").to_path_buf() };
    let guests = manifest_dir.join(guests_dir);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("run from a build script"));
    for dir in [guests.join("src"), root.join("guest-sdk/src"), root.join("wit"), root.join("abi/src")] {
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    println!("cargo:rerun-if-changed={}", guests.join("Cargo.toml").display());

    let mut names: Vec<String> = fs::read_dir(guests.join("src/bin"))
        .expect("guest crate has src/bin")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    // Checked before the (slow) guest build, so a bad name fails at once.
    let by_suite = suites(&names);

    check_target();
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out.
    let target_dir = out_dir.ancestors().nth(4).expect("cargo's OUT_DIR layout").join("wasm-guests");
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(["build", "--release", "--target", TARGET, "--bins", "--manifest-path"])
        .arg(guests.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    // Flags meant for the host build must not leak into the wasm build.
    for var in
        ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_TARGET_DIR", "RUSTC_WORKSPACE_WRAPPER"]
    {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("running cargo for the guest programs");
    assert!(status.success(), "building the guest programs in {} failed (see the errors above)", guests.display());

    let wasm_dir = target_dir.join(TARGET).join("release");
    let mut src =
        String::from("/// Every guest program and its compiled component.\npub const GUESTS: &[(&str, &str)] = &[\n");
    for n in &names {
        let path = wasm_dir.join(format!("{n}.wasm"));
        assert!(path.exists(), "guest {n} did not produce {}", path.display());
        src += &format!("    ({n:?}, {:?}),\n", path.display().to_string());
    }
    src += "];\n";
    src += &foreach_macro("guest", "every guest program", &names);
    for (suite, members) in by_suite {
        let what = format!("every guest program of the `{suite}` suite (named `{suite}` or `{suite}_*`)");
        src += &foreach_macro(suite, &what, &members);
    }
    fs::write(out_dir.join("guests.rs"), src).expect("writing guests.rs");
}

/// The suite of a guest: its name's first `_`-separated word.
fn suite_of(name: &str) -> &str {
    name.split('_').next().unwrap_or(name)
}

/// The guests grouped by suite, suites and members in name order.
///
/// # Panics
/// When a name is not an identifier, a suite is empty (a name starting with
/// `_`), or a suite is `guest` (its macro would be `foreach_guest!`).
fn suites(names: &[String]) -> BTreeMap<&str, Vec<String>> {
    let mut suites = BTreeMap::<&str, Vec<String>>::new();
    for n in names {
        assert!(is_ident(n), "guest program {n:?}: its name must be a Rust identifier (letters, digits, `_`)");
        let suite = suite_of(n);
        assert!(!suite.is_empty(), "guest program {n:?}: its name must start with its suite, as in `policy_unix`");
        assert!(suite != "guest", "guest program {n:?}: `guest` cannot be a suite (`foreach_guest!` is every guest)");
        suites.entry(suite).or_default().push(n.clone());
    }
    suites
}

/// Whether `s` is a plain (non-raw) Rust identifier.
fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && s != "_"
}

/// A `#[macro_export]`ed `foreach_<name>!` calling `$mac!(guest)` for each
/// of `guests`.
fn foreach_macro(name: &str, what: &str, guests: &[String]) -> String {
    let mut src = format!("\n/// Calls `$mac!(name)` for {what}.\n#[macro_export]\n");
    src += &format!("macro_rules! foreach_{name} {{\n    ($mac:ident) => {{\n");
    for g in guests {
        src += &format!("        $mac!({g});\n");
    }
    src += "    };\n}\n";
    src
}

/// One clear message when the wasm target is missing.
fn check_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).args(["--print", "target-libdir", "--target", TARGET]).output();
    let installed = match out {
        Ok(o) if o.status.success() => Path::new(String::from_utf8_lossy(&o.stdout).trim()).exists(),
        _ => false,
    };
    assert!(
        installed,
        "\n\ncapsock's guest programs need the {TARGET} target.\nInstall it with:\n\n    rustup target add {TARGET}\n\n(the README's commands do this for you)\n"
    );
}
