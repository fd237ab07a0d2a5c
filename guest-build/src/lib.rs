//! Compiles a crate of guest programs to wasm32-wasip2 from a build script,
//! the way wasmtime's `crates/test-programs` does.
//!
//! Call [`build`] from `build.rs`; it writes `$OUT_DIR/guests.rs` with a
//! `GUESTS` table of `(name, path to .wasm)` and a `foreach_guest!` macro.
//! The guests build in `<target>/wasm-guests`, a target directory of their
//! own, so the nested cargo never waits on the lock the outer build holds.

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
/// With one clear message when the wasm target is missing, and when the
/// guest build fails (cargo's errors are printed above it).
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

    let mut names: Vec<String> = fs::read_dir(guests.join("src/bin"))
        .expect("guest crate has src/bin")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    let wasm_dir = target_dir.join(TARGET).join("release");
    let mut src =
        String::from("/// Every guest program and its compiled component.\npub const GUESTS: &[(&str, &str)] = &[\n");
    for n in &names {
        let path = wasm_dir.join(format!("{n}.wasm"));
        assert!(path.exists(), "guest {n} did not produce {}", path.display());
        src += &format!("    ({n:?}, {:?}),\n", path.display().to_string());
    }
    src += "];\n\n/// Calls `$mac!(name)` for every guest program.\n#[macro_export]\nmacro_rules! foreach_guest {\n    ($mac:ident) => {\n";
    for n in &names {
        src += &format!("        $mac!({n});\n");
    }
    src += "    };\n}\n";
    fs::write(out_dir.join("guests.rs"), src).expect("writing guests.rs");
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
