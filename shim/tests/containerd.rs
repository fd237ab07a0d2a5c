//! The shim under a real containerd (Debian's 1.6, installed when missing),
//! as root: a private containerd (its own root, state and socket; CRI off)
//! imports an OCI image of test guests and `ctr run --runtime <shim>` runs
//! them. The allowed round trip works, the denied connect is refused in the
//! guest and never reaches its listener, the audit lines are on stderr, a
//! ceiling that forbids what the pod asks wins, and SIGTERM ends a spinning
//! guest with 143. Without root (or without a way to install containerd)
//! it says why and passes; the in-process tests (`shim.rs`) carry the gate.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use sha2::{Digest, Sha256};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

fn guest_path(name: &str) -> PathBuf {
    PathBuf::from(GUESTS.iter().find(|(n, _)| *n == name).unwrap().1)
}

fn shim_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_containerd-shim-capsock-v1"))
}

/// containerd and ctr, installed from Debian's packages if missing; or why
/// not.
fn containerd_available() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("not root".into());
    }
    let have = || Command::new("ctr").arg("--version").output().is_ok_and(|o| o.status.success());
    if have() {
        return Ok(());
    }
    let out = Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends", "containerd"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .map_err(|e| format!("apt-get: {e}"))?;
    if !out.status.success() || !have() {
        return Err(format!("installing containerd failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

/// A private containerd, stopped (by its pid) and removed when dropped.
struct Containerd {
    dir: PathBuf,
    child: Child,
}

impl Containerd {
    fn start(dir: &Path, ceiling: &Path) -> Containerd {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let cfg = format!(
            "version = 2\nroot = \"{d}/root\"\nstate = \"{d}/state\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \"{d}/containerd.sock\"\n",
            d = dir.display()
        );
        std::fs::write(dir.join("config.toml"), cfg).unwrap();
        let log = std::fs::File::create(dir.join("containerd.log")).unwrap();
        let child = Command::new("containerd")
            .arg("--config")
            .arg(dir.join("config.toml"))
            .env("CAPSOCK_CEILING_PATH", ceiling)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("containerd starts");
        let c = Containerd { dir: dir.to_path_buf(), child };
        let until = Instant::now() + Duration::from_secs(20);
        while !c.ctr(&["version"]).status.success() {
            assert!(Instant::now() < until, "containerd never answered: {}", c.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        c
    }

    fn ctr(&self, args: &[&str]) -> std::process::Output {
        let sock = self.dir.join("containerd.sock");
        Command::new("ctr").arg("-a").arg(sock).args(["-n", &namespace()]).args(args).output().unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("containerd.log")).unwrap_or_default()
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        // Tasks (and their shims, which outlive containerd) first.
        let tasks = self.ctr(&["task", "ls", "-q"]);
        for id in String::from_utf8_lossy(&tasks.stdout).split_whitespace() {
            let _ = self.ctr(&["task", "kill", "-s", "SIGKILL", id]);
            std::thread::sleep(Duration::from_millis(200));
            let _ = self.ctr(&["task", "delete", "-f", id]);
        }
        let containers = self.ctr(&["container", "ls", "-q"]);
        for id in String::from_utf8_lossy(&containers.stdout).split_whitespace() {
            let _ = self.ctr(&["container", "delete", id]);
        }
        let _ = self.ctr(&["image", "rm", "capsock.test/guests:1"]);
        // SAFETY: kill(2) on the pid of the child this value started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The native snapshotter leaves no mounts; remove everything, and
        // the shim's per-namespace state beside containerd's.
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(Path::new("/run/containerd/capsock").join(namespace()));
    }
}

/// A containerd namespace of this test run's own (the shim keeps state per
/// namespace and container id under /run/containerd/capsock).
fn namespace() -> String {
    format!("capsock-test-{}", std::process::id())
}

fn sha(b: &[u8]) -> String {
    sha2_hex(&Sha256::digest(b))
}

fn sha2_hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// An OCI image layout tarball whose one layer holds `files` at `/`.
fn oci_tarball(dir: &Path, files: &[(&str, PathBuf)]) -> PathBuf {
    let rootfs = dir.join("rootfs");
    let oci = dir.join("oci");
    std::fs::create_dir_all(&rootfs).unwrap();
    std::fs::create_dir_all(oci.join("blobs/sha256")).unwrap();
    for (name, src) in files {
        std::fs::copy(src, rootfs.join(name)).unwrap();
    }
    let layer = dir.join("layer.tar");
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    assert!(Command::new("tar").arg("-C").arg(&rootfs).arg("-cf").arg(&layer).args(&names).status().unwrap().success());
    let put = |bytes: &[u8]| {
        let d = sha(bytes);
        std::fs::write(oci.join("blobs/sha256").join(&d), bytes).unwrap();
        (d, bytes.len())
    };
    let (l, ls) = put(&std::fs::read(&layer).unwrap());
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{"Entrypoint":["/app.wasm"]}},"rootfs":{{"type":"layers","diff_ids":["sha256:{l}"]}}}}"#
    );
    let (c, cs) = put(config.as_bytes());
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{c}","size":{cs}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:{l}","size":{ls}}}]}}"#
    );
    let (m, ms) = put(manifest.as_bytes());
    std::fs::write(oci.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{m}","size":{ms},"annotations":{{"org.opencontainers.image.ref.name":"capsock.test/guests:1"}}}}]}}"#
    );
    std::fs::write(oci.join("index.json"), index).unwrap();
    let tarball = dir.join("image.tar");
    let ok = Command::new("tar")
        .arg("-C")
        .arg(&oci)
        .arg("-cf")
        .arg(&tarball)
        .args(["oci-layout", "index.json", "blobs"])
        .status()
        .unwrap();
    assert!(ok.success());
    tarball
}

/// Two loopback listeners: the allowed one records what it got, the denied
/// one whether anything reached it.
fn listeners() -> (u16, u16, std::thread::JoinHandle<(Vec<u8>, bool)>) {
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let denied = TcpListener::bind("127.0.0.1:0").unwrap();
    let (ap, dp) = (allowed.local_addr().unwrap().port(), denied.local_addr().unwrap().port());
    let h = std::thread::spawn(move || {
        allowed.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(60);
        let mut got = Vec::new();
        while Instant::now() < until {
            if let Ok((mut s, _)) = allowed.accept() {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                s.read_to_end(&mut got).unwrap();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        denied.set_nonblocking(true).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        (got, denied.accept().is_ok())
    });
    (ap, dp, h)
}

#[test]
fn pods_run_under_their_policy_in_a_real_containerd() {
    if let Err(why) = containerd_available() {
        eprintln!("skipped: {why}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("capsock-containerd-{}", std::process::id()));
    let ceiling = dir.with_extension("ceiling.toml");
    std::fs::write(&ceiling, "allow = [\"connect tcp://127.0.0.1:*\"]\n").unwrap();
    let c = Containerd::start(&dir.join("containerd"), &ceiling);
    let image = oci_tarball(
        &dir.join("image"),
        &[("app.wasm", guest_path("policy_std_net_client")), ("spin.wasm", guest_path("policy_spin_forever"))],
    );
    let out = c.ctr(&["image", "import", "--snapshotter", "native", image.to_str().unwrap()]);
    assert!(out.status.success(), "import: {}", String::from_utf8_lossy(&out.stderr));
    let shim = shim_binary();
    let run = |id: &str, policy: &str, args: &[&str]| {
        let mut a = vec!["run", "--rm", "--net-host", "--snapshotter", "native", "--runtime", shim.to_str().unwrap()];
        let env = format!("CAPSOCK_POLICY={policy}");
        a.extend(["--env", &env, "capsock.test/guests:1", id]);
        a.extend(args);
        c.ctr(&a)
    };

    // The pod grants the first port: the round trip works, the second is
    // refused in the guest (it checks that itself) and never reaches its
    // listener, and the audit says so on stderr.
    let (ap, dp, peers) = listeners();
    let (aps, dps) = (ap.to_string(), dp.to_string());
    let out = run("allowed", &format!("allow = [\"connect tcp://127.0.0.1:{ap}\"]"), &["/app.wasm", &aps, &dps]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ctr run: {stdout}\n{stderr}\n{}", c.log());
    let (got, reached) = peers.join().unwrap();
    assert_eq!(got, b"std");
    assert!(!reached, "the denied connect reached its listener");
    assert!(stdout.contains("denied_kind=PermissionDenied"), "{stdout}");
    let denied = stderr
        .lines()
        .find(|l| l.starts_with("{\"src\":\"capsock-audit\"") && l.contains("\"allowed\":false"))
        .unwrap_or_else(|| panic!("the denial is audited on stderr:\n{stderr}"));
    assert!(denied.contains(&format!("tcp://127.0.0.1:{dp}")), "{denied}");

    // A ceiling that forbids what the pod asks wins: the pod grants both
    // ports, the node only the first (each `ctr run` starts a new shim,
    // which reads the ceiling afresh).
    let (ap2, dp2, peers) = listeners();
    std::fs::write(&ceiling, format!("allow = [\"connect tcp://127.0.0.1:{ap2}\"]\n")).unwrap();
    let pod = format!("allow = [\"connect tcp://127.0.0.1:{ap2}\", \"connect tcp://127.0.0.1:{dp2}\"]");
    let out = run("ceiling", &pod, &["/app.wasm", &ap2.to_string(), &dp2.to_string()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ctr run: {stdout}\n{stderr}");
    let (got, reached) = peers.join().unwrap();
    assert_eq!(got, b"std");
    assert!(!reached, "the ceiling let the second connect through");
    assert!(
        stderr.lines().any(|l| l.contains("\"allowed\":false") && l.contains("ceiling: default deny")),
        "the ceiling is named:\n{stderr}"
    );

    // SIGTERM stops a spinning guest: the container exits 143.
    let mut spin = Command::new("ctr")
        .arg("-a")
        .arg(dir.join("containerd/containerd.sock"))
        .args(["-n", &namespace(), "run", "--rm", "--net-host", "--snapshotter", "native", "--runtime"])
        .arg(shim_binary())
        .args(["capsock.test/guests:1", "spin", "/spin.wasm"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("spin.err")).unwrap())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let tasks = c.ctr(&["task", "ls"]);
        if String::from_utf8_lossy(&tasks.stdout).contains("RUNNING") {
            break;
        }
        assert!(
            Instant::now() < until,
            "the spinning guest never ran: {:?} {}",
            spin.try_wait(),
            std::fs::read_to_string(dir.join("spin.err")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Sent again every half second until it exits: the first may come
    // while the container's init is still starting, before the shim has
    // its handler (init ignores a signal without one).
    let until = Instant::now() + Duration::from_secs(30);
    let mut last = Instant::now() - Duration::from_secs(1);
    let status = loop {
        if let Some(s) = spin.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < until, "SIGTERM did not stop the guest");
        if last.elapsed() >= Duration::from_millis(500) {
            let _ = c.ctr(&["task", "kill", "-s", "SIGTERM", "spin"]);
            last = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(143), "SIGTERM gives 143");
    drop(c);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&ceiling);
}
