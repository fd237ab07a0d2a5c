//! Python guests: `capsock build APP.py` and `capsock run APP.py`.
//!
//! A Python program becomes a guest component with componentize-py (which
//! bundles CPython 3.14 for WASI) and capsock's Python package
//! (`guest-sdk/python`, embedded in this crate), whose `_socket` and `select`
//! replace CPython's C modules so that the standard library's `socket`,
//! `selectors`, `asyncio`, `http` and `urllib` run unmodified over capsock.
//!
//! componentize-py runs the entry module once at build time and snapshots
//! the interpreter: the standard-library modules the app imports (found by
//! reading its source) are imported then; the app's own modules are
//! compiled then and run only at run time.
//!
//! Builds are cached by content: the hash covers the app's sources, the
//! embedded package and WIT, and the componentize-py version, so a second
//! `capsock run APP.py` of an unchanged program starts at once.
//!
//! # Ambient Authority
//!
//! Building is a host-side developer action, not a guest's: it reads the
//! app's directory, writes the cache directory (`$CAPSOCK_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/capsock`, else `~/.cache/capsock`), and runs `python3`
//! (`$CAPSOCK_PYTHON`), which pip-installs componentize-py into that cache
//! the first time (PyPI must be reachable then). The guest built gets none
//! of this: it runs under its policy like any other.
//!
//! # Limits
//!
//! The app's directory is read for `*.py` files beside `APP.py` and for
//! packages (directories with `__init__.py`) below it: at most
//! [`MAX_FILES`] files and [`MAX_SOURCE_BYTES`] bytes in all, else the build
//! fails saying so (put the app in a directory of its own). The cache keeps
//! the newest [`MAX_CACHED_APPS`] builds.

use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The componentize-py release capsock builds with (bundles CPython 3.14.0).
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// Most Python files taken from an app's directory.
pub const MAX_FILES: usize = 2000;

/// Most bytes of Python source taken from an app's directory.
pub const MAX_SOURCE_BYTES: u64 = 32 << 20;

/// Most built apps kept in the cache (each about 24 MB, plus 40 MB
/// precompiled); the oldest builds beyond this are deleted.
pub const MAX_CACHED_APPS: usize = 32;

/// Bumped when the layout of a build changes, so old cache entries are not
/// reused.
const BUILD_FORMAT: &str = "capsock-python-build-1";

/// capsock's Python package, as built into every Python guest.
const PACKAGE: &[(&str, &str)] = &[
    ("capsock_main.py", include_str!("../../guest-sdk/python/capsock_main.py")),
    ("capsock_py/__init__.py", include_str!("../../guest-sdk/python/capsock_py/__init__.py")),
    ("capsock_py/_abi.py", include_str!("../../guest-sdk/python/capsock_py/_abi.py")),
    ("capsock_py/_inet.py", include_str!("../../guest-sdk/python/capsock_py/_inet.py")),
    ("capsock_py/_socket.py", include_str!("../../guest-sdk/python/capsock_py/_socket.py")),
    ("capsock_py/select.py", include_str!("../../guest-sdk/python/capsock_py/select.py")),
    ("capsock_py/ssl.py", include_str!("../../guest-sdk/python/capsock_py/ssl.py")),
    ("capsock_py/boot.py", include_str!("../../guest-sdk/python/capsock_py/boot.py")),
    ("capsock_py/aio.py", include_str!("../../guest-sdk/python/capsock_py/aio.py")),
    ("capsock_py/runner.py", include_str!("../../guest-sdk/python/capsock_py/runner.py")),
];

/// capsock's WIT, the world Python guests are built for.
const WIT: &[(&str, &str)] = &[
    ("capsock.wit", include_str!("../../wit/capsock.wit")),
    ("deps/cli/cli.wit", include_str!("../../wit/deps/cli/cli.wit")),
    ("deps/clocks/clocks.wit", include_str!("../../wit/deps/clocks/clocks.wit")),
    ("deps/filesystem/filesystem.wit", include_str!("../../wit/deps/filesystem/filesystem.wit")),
    ("deps/io/io.wit", include_str!("../../wit/deps/io/io.wit")),
    ("deps/random/random.wit", include_str!("../../wit/deps/random/random.wit")),
    ("deps/sockets/sockets.wit", include_str!("../../wit/deps/sockets/sockets.wit")),
];

/// Why a build failed, in words for the person who ran it.
#[derive(Debug)]
pub struct BuildError {
    message: String,
    unavailable: bool,
}

impl BuildError {
    /// The build tools could not be had (no `python3`, no pip, PyPI not
    /// reachable): nothing was wrong with the app.
    pub fn tools_unavailable(&self) -> bool {
        self.unavailable
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

fn err(msg: impl Into<String>) -> BuildError {
    BuildError { message: msg.into(), unavailable: false }
}

fn unavailable(msg: impl Into<String>) -> BuildError {
    BuildError { message: msg.into(), unavailable: true }
}

/// How to build a Python guest.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Also copy the component here.
    pub out: Option<PathBuf>,
    /// Say on stderr what a slow step is doing (installing componentize-py,
    /// building); a cached build prints nothing.
    pub progress: bool,
    /// More directories whose modules the app may import (like entries on
    /// `PYTHONPATH`), read with the same limits as the app's own.
    pub search_dirs: Vec<PathBuf>,
    /// The cache directory; default [`cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Leave CPython's built-in `_socket` (over `wasi:sockets`, served by
    /// wasmtime-wasi under capsock's address check) in place of capsock's:
    /// for comparison only (the benchmark's third Python column). Such a
    /// guest's denials carry no rule text, and `select` is CPython's.
    pub builtin_socket: bool,
}

/// A built Python guest.
#[derive(Clone, Debug)]
pub struct Built {
    /// The component: `out` when given, else the cached copy.
    pub path: PathBuf,
    /// The cached copy (load it with [`crate::Runtime::load_precompiled`]:
    /// the cache directory is capsock's own).
    pub cached_path: PathBuf,
    /// Whether it came from the cache.
    pub cached: bool,
    /// Modules the app imports that the guest's Python lacks (they raise
    /// `ImportError` at run time, as they would in CPython without them).
    pub missing: Vec<String>,
}

/// capsock's cache directory: `$CAPSOCK_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/capsock`, else `$HOME/.cache/capsock`.
///
/// # Errors
/// When none of those variables is set.
pub fn cache_dir() -> Result<PathBuf, BuildError> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = var("CAPSOCK_CACHE_DIR") {
        return Ok(d);
    }
    if let Some(d) = var("XDG_CACHE_HOME") {
        return Ok(d.join("capsock"));
    }
    var("HOME")
        .map(|h| h.join(".cache").join("capsock"))
        .ok_or_else(|| err("no cache directory: set CAPSOCK_CACHE_DIR (or HOME)"))
}

fn python() -> std::ffi::OsString {
    std::env::var_os("CAPSOCK_PYTHON").unwrap_or_else(|| "python3".into())
}

/// One module of the app.
struct Module {
    name: String,
    filename: String,
    is_pkg: bool,
    source: Vec<u8>,
}

struct Budget {
    files: usize,
    bytes: u64,
}

impl Budget {
    fn take(&mut self, path: &Path, len: u64) -> Result<(), BuildError> {
        self.files += 1;
        self.bytes += len;
        if self.files > MAX_FILES || self.bytes > MAX_SOURCE_BYTES {
            return Err(err(format!(
                "{}: more than {MAX_FILES} Python files or {} MiB of source beside the app; put the app in a directory \
                 of its own",
                path.display(),
                MAX_SOURCE_BYTES >> 20
            )));
        }
        Ok(())
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

fn read_source(path: &Path, budget: &mut Budget) -> Result<Vec<u8>, BuildError> {
    let meta = std::fs::metadata(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    budget.take(path, meta.len())?;
    std::fs::read(path).map_err(|e| err(format!("{}: {e}", path.display())))
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, BuildError> {
    let mut v: Vec<_> =
        std::fs::read_dir(dir).map_err(|e| err(format!("{}: {e}", dir.display())))?.filter_map(Result::ok).collect();
    v.sort_by_key(std::fs::DirEntry::file_name);
    Ok(v)
}

/// The modules of a directory: `*.py` files and packages, recursively for
/// packages. `prefix` is the package the directory is ("" at the top).
fn collect_dir(
    dir: &Path,
    prefix: &str,
    skip: Option<&Path>,
    budget: &mut Budget,
    out: &mut Vec<Module>,
) -> Result<(), BuildError> {
    for entry in sorted_entries(dir)? {
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
        if name.starts_with('.') || name == "__pycache__" {
            continue;
        }
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if is_identifier(&name) && path.join("__init__.py").is_file() {
                let pkg = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                collect_dir(&path, &pkg, None, budget, out)?;
            }
            continue;
        }
        let Some(stem) = name.strip_suffix(".py") else { continue };
        if skip.is_some_and(|s| s == path) || !(kind.is_file() || path.is_file()) {
            continue;
        }
        let (module, is_pkg) = match (prefix.is_empty(), stem == "__init__") {
            (_, true) => (prefix.to_string(), true),
            (true, false) => (stem.to_string(), false),
            (false, false) => (format!("{prefix}.{stem}"), false),
        };
        if module.is_empty() || out.iter().any(|m| m.name == module) {
            continue;
        }
        let source = read_source(&path, budget)?;
        out.push(Module { name: module, filename: path.display().to_string(), is_pkg, source });
    }
    Ok(())
}

/// The app's modules: APP.py as the main module, then what is beside it.
fn collect(app: &Path, search: &[PathBuf]) -> Result<(String, Vec<Module>), BuildError> {
    if app.extension().and_then(|e| e.to_str()) != Some("py") {
        return Err(err(format!("{}: a Python program ends in .py", app.display())));
    }
    if !app.is_file() {
        return Err(err(format!("{}: no such file", app.display())));
    }
    let main = app.file_stem().and_then(|s| s.to_str()).ok_or_else(|| err("the app's name is not UTF-8"))?.to_string();
    let mut budget = Budget { files: 0, bytes: 0 };
    let source = read_source(app, &mut budget)?;
    let mut modules = vec![Module { name: main.clone(), filename: app.display().to_string(), is_pkg: false, source }];
    let dir = match app.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    collect_dir(&dir, "", Some(app), &mut budget, &mut modules)?;
    for d in search {
        collect_dir(d, "", None, &mut budget, &mut modules)?;
    }
    Ok((main, modules))
}

fn content_hash(main: &str, modules: &[Module], builtin_socket: bool) -> String {
    let mut h = Sha256::new();
    let mut put = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    put(BUILD_FORMAT.as_bytes());
    put(COMPONENTIZE_PY_VERSION.as_bytes());
    for (name, text) in PACKAGE.iter().chain(WIT) {
        put(name.as_bytes());
        put(text.as_bytes());
    }
    put(main.as_bytes());
    put(&[u8::from(builtin_socket)]);
    for m in modules {
        put(m.name.as_bytes());
        put(m.filename.as_bytes());
        put(&[u8::from(m.is_pkg)]);
        put(&m.source);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The `_capsock_app` module: the main module's name and every source
/// (base64, so that any bytes survive), as Python literals. JSON strings
/// are Python string literals.
fn app_module(main: &str, modules: &[Module], builtin_socket: bool) -> String {
    use base64::Engine as _;
    let lit = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    let capsock = if builtin_socket { "False" } else { "True" };
    let mut text = format!("MAIN = {}\nCAPSOCK_SOCKET = {capsock}\nSOURCES = {{\n", lit(main));
    for m in modules {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&m.source);
        let pkg = if m.is_pkg { "True" } else { "False" };
        text.push_str(&format!("    {}: ({}, \"{b64}\", {pkg}),\n", lit(&m.name), lit(&m.filename)));
    }
    text.push_str("}\n");
    text
}

fn write_tree(root: &Path, files: &[(&str, &str)]) -> Result<(), BuildError> {
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text).map_err(|e| err(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

/// The installed componentize-py (its `--target` directory), installing
/// it with pip into the cache when missing.
fn componentize_py(cache: &Path, progress: bool) -> Result<PathBuf, BuildError> {
    let dir = cache.join("python").join(format!("componentize-py-{COMPONENTIZE_PY_VERSION}"));
    if dir.join("componentize_py").is_dir() {
        return Ok(dir);
    }
    let parent = cache.join("python");
    std::fs::create_dir_all(&parent).map_err(|e| err(format!("{}: {e}", parent.display())))?;
    if progress {
        eprintln!("capsock: installing componentize-py {COMPONENTIZE_PY_VERSION} into {} (once)", dir.display());
    }
    let tmp = parent.join(format!(".install-{}-{}", std::process::id(), nanos()));
    let out = Command::new(python())
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "--target"])
        .arg(&tmp)
        .arg(format!("componentize-py=={COMPONENTIZE_PY_VERSION}"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            unavailable(format!(
                "cannot run {}: {e} (capsock build needs python3 with pip)",
                python().to_string_lossy()
            ))
        })?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(unavailable(format!(
            "pip could not install componentize-py {COMPONENTIZE_PY_VERSION}:\n{}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        )));
    }
    // Another build may have installed it meanwhile: theirs is as good.
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if dir.join("componentize_py").is_dir() {
        Ok(dir)
    } else {
        Err(err(format!("componentize-py did not install into {}", dir.display())))
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// componentize-py's output, less the Rust backtrace frames it appends.
fn trimmed(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let keep: Vec<&str> = text
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("at ") || t.split_once(": ").is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit())))
        })
        .collect();
    let start = keep.len().saturating_sub(40);
    keep.get(start..).unwrap_or_default().join("\n")
}

/// Build `app` (a `.py` file, with the modules beside it) into a guest
/// component, or take it from the cache.
///
/// # Errors
/// When the app cannot be read (or is over [`MAX_FILES`] /
/// [`MAX_SOURCE_BYTES`]), componentize-py cannot be installed or run, or
/// the app's main module does not compile or fails while its imports are
/// prepared (the message carries the Python traceback).
pub fn build(app: &Path, opts: &BuildOptions) -> Result<Built, BuildError> {
    let cache = match &opts.cache_dir {
        Some(d) => d.clone(),
        None => cache_dir()?,
    };
    let (main, modules) = collect(app, &opts.search_dirs)?;
    let hash = content_hash(&main, &modules, opts.builtin_socket);
    let apps = cache.join("python").join("apps");
    let target = apps.join(format!("{hash}.wasm"));
    let missing_file = apps.join(format!("{hash}.missing"));
    let deliver = |cached: bool| -> Result<Built, BuildError> {
        let missing = std::fs::read_to_string(&missing_file)
            .map(|t| t.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let path = match &opts.out {
            Some(out) => {
                std::fs::copy(&target, out).map_err(|e| err(format!("{}: {e}", out.display())))?;
                out.clone()
            }
            None => target.clone(),
        };
        Ok(Built { path, cached_path: target.clone(), cached, missing })
    };
    if target.is_file() {
        return deliver(true);
    }
    let cpy = componentize_py(&cache, opts.progress)?;
    std::fs::create_dir_all(&apps).map_err(|e| err(format!("{}: {e}", apps.display())))?;
    let work = cache.join("python").join(format!(".build-{}-{}", std::process::id(), nanos()));
    let config = app_module(&main, &modules, opts.builtin_socket);
    let result = build_in(&work, &cpy, app, &config, &target, &missing_file, opts.progress);
    let _ = std::fs::remove_dir_all(&work);
    result?;
    prune(&apps, MAX_CACHED_APPS);
    deliver(false)
}

/// Keep the newest `keep` built apps (by build time); older ones go, with
/// their precompiled copies.
fn prune(apps: &Path, keep: usize) {
    let Ok(dir) = std::fs::read_dir(apps) else { return };
    // Every file of a build is named `HASH.…`; a build's time is its `.wasm`'s.
    let files: Vec<(String, PathBuf, Option<std::time::SystemTime>)> = dir
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let built = name.ends_with(".wasm").then(|| e.metadata().ok()?.modified().ok()).flatten();
            Some((name.split('.').next()?.to_string(), e.path(), built))
        })
        .collect();
    let mut builds: Vec<(std::time::SystemTime, &str)> =
        files.iter().filter_map(|(hash, _, built)| Some(((*built)?, hash.as_str()))).collect();
    if builds.len() <= keep {
        return;
    }
    builds.sort();
    let old: std::collections::HashSet<&str> = builds[..builds.len() - keep].iter().map(|(_, h)| *h).collect();
    for (hash, path, _) in &files {
        if old.contains(hash.as_str()) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn build_in(
    work: &Path,
    cpy: &Path,
    app: &Path,
    config: &str,
    target: &Path,
    missing_file: &Path,
    progress: bool,
) -> Result<(), BuildError> {
    let (wit, pkg, cfg) = (work.join("wit"), work.join("package"), work.join("app"));
    write_tree(&wit, WIT)?;
    write_tree(&pkg, PACKAGE)?;
    write_tree(&cfg, &[("_capsock_app.py", config)])?;
    if progress {
        eprintln!("capsock: building {} into a Python guest (once; about 15 s)", app.display());
    }
    let started = Instant::now();
    let tmp_out = work.join("app.wasm");
    let out = Command::new(python())
        .arg("-c")
        .arg("import sys; from componentize_py import script; sys.exit(script())")
        .arg("-q")
        .arg("-d")
        .arg(&wit)
        .args(["-w", "capsock:socket/command", "componentize", "-p"])
        .arg(&pkg)
        .arg("-p")
        .arg(&cfg)
        .arg("capsock_main")
        .arg("-o")
        .arg(&tmp_out)
        .env("PYTHONPATH", cpy)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| err(format!("cannot run {}: {e}", python().to_string_lossy())))?;
    let report = std::fs::read_to_string(cfg.join("_capsock_build_report.txt")).unwrap_or_default();
    if let Some(tb) = report.strip_prefix("error\n") {
        return Err(err(format!("{}: the program failed while being built:\n{}", app.display(), tb.trim_end())));
    }
    if !out.status.success() || !tmp_out.is_file() {
        return Err(err(format!("componentize-py failed on {}:\n{}", app.display(), trimmed(&out.stderr))));
    }
    let missing: Vec<&str> = report.strip_prefix("ok\n").unwrap_or_default().lines().collect();
    if progress && !missing.is_empty() {
        eprintln!("capsock: not in the guest's Python (ImportError if used): {}", missing.join(", "));
    }
    std::fs::write(missing_file, missing.join("\n")).map_err(|e| err(format!("{}: {e}", missing_file.display())))?;
    // Into place by rename: a concurrent build of the same app finds either
    // nothing or the whole component.
    std::fs::rename(&tmp_out, target).map_err(|e| err(format!("{}: {e}", target.display())))?;
    if progress {
        eprintln!("capsock: built in {:.1} s: {}", started.elapsed().as_secs_f64(), target.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("pkg_1"));
        assert!(!is_identifier("1pkg"));
        assert!(!is_identifier("my-pkg"));
        assert!(!is_identifier(""));
    }

    #[test]
    fn app_module_is_python_literals() {
        let m =
            vec![Module { name: "a\"b".into(), filename: "dir/a\\b.py".into(), is_pkg: false, source: vec![0, 255] }];
        let text = app_module("a\"b", &m, false);
        assert!(text.starts_with("MAIN = \"a\\\"b\"\nCAPSOCK_SOCKET = True\n"), "{text}");
        assert!(text.contains("\"dir/a\\\\b.py\", \"AP8=\", False"), "{text}");
    }

    #[test]
    fn prune_keeps_the_newest_builds_and_all_their_files() {
        let dir = std::env::temp_dir().join(format!("capsock-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let t0 = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for (i, hash) in ["aaa", "bbb", "ccc"].iter().enumerate() {
            for ext in ["wasm", "missing", "0123.cwasm"] {
                let f = std::fs::File::create(dir.join(format!("{hash}.{ext}"))).unwrap();
                f.set_modified(t0 + std::time::Duration::from_secs(i as u64)).unwrap();
            }
        }
        prune(&dir, 2);
        let mut left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        assert_eq!(left, ["bbb.0123.cwasm", "bbb.missing", "bbb.wasm", "ccc.0123.cwasm", "ccc.missing", "ccc.wasm"]);
        prune(&dir, 2);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 6, "nothing more to prune");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn backtrace_frames_are_dropped() {
        let s = b"Traceback:\n  File x\n   12: frame\n             at src/lib.rs:1\nValueError: no\n";
        assert_eq!(trimmed(s), "Traceback:\n  File x\nValueError: no");
    }
}
