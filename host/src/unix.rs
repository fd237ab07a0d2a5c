//! AF_UNIX paths, confined to the directories the policy grants.
//!
//! A guest path is judged by where it lands, not by how it is spelt: it must
//! start with a granted directory (as the policy wrote it, or its absolute
//! form), and the rest is opened through `cap-std`, which refuses `..`
//! components, absolute paths and symlinks that would leave the directory.
//!
//! No OS call then names the path again, so nothing can be swapped between
//! the check and the use (a rename of a directory, a symlink planted in
//! place of a socket):
//!
//! - `bind` names `/proc/PID/fd/DIRFD/NAME`: the kernel resolves the magic
//!   link to the very directory `cap-std` opened, and creates `NAME` in it
//!   (bind never follows a final symlink: an existing name is
//!   `EADDRINUSE`). The socket keeps that directory open for its lifetime,
//!   so its address stays valid for peers that reply to it (a process of
//!   the same user, or root, can use `/proc/PID/fd`).
//! - `connect` and `sendto` open the socket file itself with
//!   `openat(DIRFD, NAME, O_PATH | O_NOFOLLOW)`, check that it is a socket
//!   (a symlink is refused, anything else is `ECONNREFUSED` as Linux says),
//!   and name `/proc/self/fd/FD`: the inode that was checked.

use crate::error::{SockError, SockResult};
use crate::mediate::unix_refusal;
use cap_std::fs::Dir;
use capsock_abi::errno;
use capsock_policy::Policy;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

/// Linux's `sun_path` holds 108 bytes including the terminating NUL.
const SUN_PATH_MAX: usize = 107;

/// A vetted AF_UNIX path: keep `dir` (and `target`) alive while `os_path`
/// is in use; a bound socket keeps `dir` for its lifetime.
pub struct UnixPath {
    pub dir: Dir,
    /// For connect: the socket file, opened `O_PATH | O_NOFOLLOW`.
    #[allow(dead_code, reason = "held open, not read: `os_path` names this descriptor")]
    pub target: Option<OwnedFd>,
    pub os_path: PathBuf,
}

/// One granted directory, opened when the sandbox was built.
struct Granted {
    /// As the policy names it (what guests write and read back).
    spelled: PathBuf,
    /// Its absolute, symlink-free form, if it has one.
    canonical: Option<PathBuf>,
    /// The open directory, or why it could not be opened.
    dir: Result<Dir, String>,
}

/// The `[unix] dirs` of one sandbox, each opened once.
pub struct UnixDirs {
    granted: Vec<Granted>,
}

impl UnixDirs {
    /// Open every directory the policy grants.
    ///
    /// # Ambient Authority
    ///
    /// This is the one place capsock takes AF_UNIX authority from the host
    /// process: it opens each granted directory by its path with
    /// [`cap_std::ambient_authority`]. Every later bind or connect is
    /// resolved *relative to these open directories* through `cap-std`, so
    /// renaming or replacing a granted directory's path afterwards cannot
    /// widen what the guest reaches.
    ///
    /// A directory that cannot be opened is remembered with its error:
    /// [`UnixDirs::missing`] lists them (the embedding API refuses to build
    /// a sandbox with one), and a guest path inside it fails with that
    /// error.
    pub fn open(policy: &Policy) -> UnixDirs {
        let granted = policy
            .unix_dirs()
            .iter()
            .map(|d| Granted {
                spelled: d.clone(),
                canonical: std::fs::canonicalize(d).ok(),
                dir: Dir::open_ambient_dir(d, cap_std::ambient_authority())
                    .map_err(|e| format!("[unix] dirs {}: {e}", d.display())),
            })
            .collect();
        UnixDirs { granted }
    }

    /// The granted directories that could not be opened, with why.
    pub fn missing(&self) -> Vec<String> {
        self.granted.iter().filter_map(|g| g.dir.as_ref().err().cloned()).collect()
    }

    fn spelled(&self) -> Vec<&Path> {
        self.granted.iter().map(|g| g.spelled.as_path()).collect()
    }

    /// Split `guest` into a granted directory and the rest of the path.
    fn grant_for(&self, guest: &Path) -> Option<(&Granted, PathBuf)> {
        for g in &self.granted {
            for form in std::iter::once(&g.spelled).chain(g.canonical.as_ref()) {
                let want: Vec<Component<'_>> = form.components().filter(|c| *c != Component::CurDir).collect();
                let have: Vec<Component<'_>> = guest.components().filter(|c| *c != Component::CurDir).collect();
                if have.len() > want.len() && have[..want.len()] == want[..] {
                    let rest: PathBuf = have[want.len()..].iter().collect();
                    return Some((g, rest));
                }
            }
        }
        None
    }

    /// Vet `guest` for bind (`create`) or connect: the vetted path and the
    /// grant that allowed it.
    ///
    /// # Errors
    /// `PermissionError` when the path is outside every granted directory, or
    /// escapes one (`..`, an absolute path, a symlink); `ENAMETOOLONG` when the
    /// OS path cannot fit `sun_path`; the OS error when a directory is missing.
    pub fn resolve(&self, guest: &str, create: bool) -> SockResult<(UnixPath, String)> {
        if guest.contains('\0') {
            return Err(SockError::value("embedded null character in path"));
        }
        let path = Path::new(guest);
        let denied = || {
            let dirs = self.spelled();
            unix_refusal(
                "outside [unix] dirs",
                format!(
                    "Permission denied by capsock policy: AF_UNIX path {guest:?} is outside the granted directories ({})",
                    if dirs.is_empty() { "none granted: see [unix] dirs".to_string() } else { format!("{dirs:?}") }
                ),
            )
        };
        let (granted, rest) = self.grant_for(path).ok_or_else(denied)?;
        let name = rest.file_name().and_then(|n| n.to_str()).ok_or_else(denied)?.to_string();
        if rest.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(leaves(guest));
        }
        let root = match &granted.dir {
            Ok(d) => d,
            Err(why) => return Err(SockError::os_msg(errno::ENOENT, format!("No such file or directory: {why}"))),
        };
        let parent = rest.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = match parent {
            // cap-std refuses a parent that escapes through `..` or a symlink.
            Some(p) => root.open_dir(p).map_err(|e| escape_or_io(e, guest))?,
            None => root.try_clone().map_err(SockError::from_io)?,
        };
        let symlink = || {
            unix_refusal(
                "AF_UNIX path is a symlink",
                format!("Permission denied by capsock policy: AF_UNIX path {guest:?} is a symlink"),
            )
        };
        let (target, os_path) = if create {
            match dir.symlink_metadata(&name) {
                Ok(m) if m.file_type().is_symlink() => return Err(symlink()),
                Ok(_) => return Err(SockError::os(errno::EADDRINUSE)),
                Err(_) => {}
            }
            (None, PathBuf::from(format!("/proc/{}/fd/{}/{name}", std::process::id(), dir.as_raw_fd())))
        } else {
            let fd = open_path_nofollow(&dir, &name)?;
            match file_kind(&fd)? {
                libc::S_IFSOCK => {}
                libc::S_IFLNK => return Err(symlink()),
                _ => return Err(SockError::os(errno::ECONNREFUSED)),
            }
            let os_path = PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()));
            (Some(fd), os_path)
        };
        if os_path.as_os_str().len() > SUN_PATH_MAX {
            return Err(SockError::os(errno::ENAMETOOLONG));
        }
        Ok((UnixPath { dir, target, os_path }, format!("[unix] dirs {}", granted.spelled.display())))
    }

    /// An OS path inside a granted directory, written as the guest would: the
    /// directory as the policy names it, then the rest. A `/proc/PID/fd/N/NAME`
    /// address (a capsock socket's bound name) is first resolved to the
    /// directory it pins. `None` outside them.
    pub fn to_guest(&self, os_path: &Path) -> Option<String> {
        if os_path.starts_with("/proc") {
            let name = os_path.file_name()?;
            let real = std::fs::read_link(os_path.parent()?).ok()?;
            return self.to_guest_real(&real.join(name));
        }
        self.to_guest_real(os_path)
    }

    fn to_guest_real(&self, os_path: &Path) -> Option<String> {
        for g in &self.granted {
            let Some(real) = &g.canonical else { continue };
            if let Ok(rest) = os_path.strip_prefix(real)
                && !rest.as_os_str().is_empty()
            {
                return Some(g.spelled.join(rest).to_string_lossy().into_owned());
            }
        }
        None
    }
}

/// `openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)`: the file itself,
/// never what a symlink there points to.
fn open_path_nofollow(dir: &Dir, name: &str) -> SockResult<OwnedFd> {
    let c = CString::new(name).map_err(|_| SockError::value("embedded null character in path"))?;
    // SAFETY: `dir` is an open directory descriptor and `c` a NUL-terminated
    // name; the call only returns a new descriptor or -1.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(SockError::from_io(std::io::Error::last_os_error()));
    }
    // SAFETY: `fd` was just returned by openat and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The `S_IFMT` bits of an open file.
fn file_kind(fd: &OwnedFd) -> SockResult<libc::mode_t> {
    // SAFETY: an all-zero `stat` is a valid out-value for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open (O_PATH descriptors may be fstat'ed) and `st` is
    // a valid out-pointer of the right type.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(SockError::from_io(std::io::Error::last_os_error()));
    }
    Ok(st.st_mode & libc::S_IFMT)
}

fn leaves(guest: &str) -> SockError {
    unix_refusal(
        "AF_UNIX path leaves its directory",
        format!("Permission denied by capsock policy: AF_UNIX path {guest:?} leaves its directory"),
    )
}

fn escape_or_io(e: std::io::Error, guest: &str) -> SockError {
    if e.kind() == std::io::ErrorKind::PermissionDenied || e.raw_os_error().is_none() {
        leaves(guest)
    } else {
        SockError::from_io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(dir: &Path) -> UnixDirs {
        let mut p = Policy::deny_all();
        p.allow_unix_dir(dir);
        UnixDirs::open(&p)
    }

    #[test]
    fn inside_is_allowed_and_escapes_are_not() {
        let tmp = std::env::temp_dir().join(format!("capsock-unix-test-{}", std::process::id()));
        let run = tmp.join("run");
        std::fs::create_dir_all(run.join("sub")).unwrap();
        std::fs::create_dir_all(tmp.join("outside")).unwrap();
        let _ = std::fs::remove_file(run.join("link"));
        std::os::unix::fs::symlink(tmp.join("outside"), run.join("link")).unwrap();
        let p = dirs(&run);
        let base = run.display().to_string();
        assert!(p.resolve(&format!("{base}/a.sock"), true).is_ok());
        assert!(p.resolve(&format!("{base}/sub/a.sock"), true).is_ok());
        for bad in [
            format!("{base}/../outside/a.sock"),
            format!("{base}/sub/../../outside/a.sock"),
            format!("{base}/link/a.sock"),
            "/etc/a.sock".to_string(),
            "relative/a.sock".to_string(),
            format!("{base}/link"),
        ] {
            let e = p.resolve(&bad, true).err().unwrap_or_else(|| panic!("{bad} was allowed"));
            assert_eq!(e.errno(), Some(errno::EACCES), "{bad}: {e:?}");
        }
        let missing = dirs(&tmp.join("nowhere"));
        assert!(missing.missing()[0].contains("nowhere"), "{:?}", missing.missing());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
