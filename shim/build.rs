//! The shim's build script.
//!
//! 1. The shim's tests run the test guests (`tests/guests`), built here for
//!    wasm32-wasip2 (a no-op when `capsock-tests` built them already).
//! 2. runwasi's container runtime (youki's libcontainer) links libseccomp.
//!    A machine with only the runtime library (Debian's `libseccomp2`, on
//!    every systemd machine) and not the `-dev` package has no
//!    `libseccomp.so` for the linker: then a link to the runtime library
//!    is made in `OUT_DIR` and given to the linker, so the README's test
//!    command needs no package installed.
use std::path::{Path, PathBuf};

const LIB_DIRS: &[&str] =
    &["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib"];

fn main() {
    capsock_guest_build::build("../tests/guests");
    if LIB_DIRS.iter().any(|d| Path::new(d).join("libseccomp.so").exists()) {
        return;
    }
    let Some(runtime) = LIB_DIRS.iter().map(|d| Path::new(d).join("libseccomp.so.2")).find(|p| p.exists()) else {
        println!("cargo:warning=no libseccomp found: install libseccomp-dev (Debian) to link the shim");
        return;
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("seccomp");
    let _ = std::fs::create_dir_all(&out);
    let link = out.join("libseccomp.so");
    let _ = std::fs::remove_file(&link);
    if std::os::unix::fs::symlink(&runtime, &link).is_ok() {
        println!("cargo:rustc-link-search=native={}", out.display());
    }
}
