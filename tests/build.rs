//! Builds every guest program in `guests/src/bin` for wasm32-wasip2 and
//! generates `foreach_guest!`, which the host tests use to prove each guest
//! has a test (wasmtime's `crates/test-programs` pattern).
//!
//! The guests build in their own target directory (`<target>/wasm-guests`)
//! so the nested cargo never waits on the lock the outer build holds.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    let guests = manifest_dir.join("guests");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    for dir in [guests.join("src"), root.join("guest-sdk/src"), root.join("wit"), root.join("abi/src")] {
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    println!("cargo:rerun-if-changed={}", guests.join("Cargo.toml").display());

    check_target();
    // out_dir is <target>/<profile>/build/<pkg>-<hash>/out.
    let target_dir = out_dir.ancestors().nth(4).unwrap().join("wasm-guests");
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
    assert!(status.success(), "building the guest programs failed (see the errors above)");

    let mut names: Vec<String> = fs::read_dir(guests.join("src/bin"))
        .unwrap()
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
    fs::write(out_dir.join("guests.rs"), src).unwrap();
}

/// One clear message when the wasm target is missing.
fn check_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).args(["--print", "target-libdir", "--target", TARGET]).output();
    let installed = match out {
        Ok(o) if o.status.success() => Path::new(String::from_utf8_lossy(&o.stdout).trim()).exists(),
        _ => false,
    };
    if !installed {
        panic!(
            "\n\ncapsock's tests need the {TARGET} target for their guest programs.\nInstall it with:\n\n    rustup target add {TARGET}\n\n(the README's commands do this for you)\n"
        );
    }
}
