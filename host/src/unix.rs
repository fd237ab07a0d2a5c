//! AF_UNIX paths, confined to the directories the policy grants.
//!
//! A guest path is judged by where it lands, not by how it is spelt: it must
//! start with a granted directory (as the policy wrote it, or its absolute
//! form), and the rest is opened through `cap-std`, which refuses `..`
//! components, absolute paths and symlinks that would leave the directory.
//! The final component must not be a symlink. The OS call then uses the
//! real path of the opened parent directory (read back from its descriptor,
//! so it is the directory `cap-std` vetted, whatever the guest's spelling),
//! which other processes can use to reply; when that would not fit
//! `sun_path`, `/proc/self/fd/N/NAME` (valid only inside this process).

use crate::error::{SockError, SockResult};
use crate::policy::Policy;
use cap_std::fs::Dir;
use capsock_abi::errno;
use std::os::fd::AsRawFd;
use std::path::{Component, Path, PathBuf};

/// Linux's `sun_path` holds 108 bytes including the terminating NUL.
const SUN_PATH_MAX: usize = 107;

/// A vetted AF_UNIX path: keep `dir` alive while `os_path` is in use.
pub struct UnixPath {
    pub dir: Dir,
    pub os_path: PathBuf,
    /// What decided: the granted directory.
    pub rule: String,
}

fn refuse(message: String) -> SockError {
    SockError::refused(errno::EACCES, message)
}

/// Split `guest` into a granted directory and the rest of the path.
fn grant_for<'a>(policy: &'a Policy, guest: &'a Path) -> Option<(&'a Path, PathBuf)> {
    for dir in policy.unix_dirs() {
        let mut forms = vec![dir.clone()];
        if let Ok(abs) = std::fs::canonicalize(dir) {
            forms.push(abs);
        }
        for form in forms {
            let want: Vec<Component<'_>> = form.components().filter(|c| *c != Component::CurDir).collect();
            let have: Vec<Component<'_>> = guest.components().filter(|c| *c != Component::CurDir).collect();
            if have.len() > want.len() && have[..want.len()] == want[..] {
                let rest: PathBuf = have[want.len()..].iter().collect();
                return Some((dir.as_path(), rest));
            }
        }
    }
    None
}

/// Vet `guest` for bind (`create`) or connect.
///
/// # Errors
/// `PermissionError` when the path is outside every granted directory, or
/// escapes one (`..`, an absolute path, a symlink); `ENAMETOOLONG` when the
/// OS path cannot fit `sun_path`; the OS error when a directory is missing.
pub fn resolve(policy: &Policy, guest: &str, create: bool) -> SockResult<UnixPath> {
    if guest.contains('\0') {
        return Err(SockError::value("embedded null character in path"));
    }
    let path = Path::new(guest);
    let denied = || {
        refuse(format!(
            "Permission denied by capsock policy: AF_UNIX path {guest:?} is outside the granted directories ({})",
            if policy.unix_dirs().is_empty() {
                "none granted: see [unix] dirs".to_string()
            } else {
                format!("{:?}", policy.unix_dirs())
            }
        ))
    };
    let (granted, rest) = grant_for(policy, path).ok_or_else(denied)?;
    let name = rest.file_name().and_then(|n| n.to_str()).ok_or_else(denied)?.to_string();
    if rest.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(refuse(format!(
            "Permission denied by capsock policy: AF_UNIX path {guest:?} leaves its directory"
        )));
    }
    let root = Dir::open_ambient_dir(granted, cap_std::ambient_authority()).map_err(SockError::from_io)?;
    let parent = rest.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = match parent {
        // cap-std refuses a parent that escapes through `..` or a symlink.
        Some(p) => root.open_dir(p).map_err(|e| escape_or_io(e, guest))?,
        None => root,
    };
    match dir.symlink_metadata(&name) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(refuse(format!("Permission denied by capsock policy: AF_UNIX path {guest:?} is a symlink")));
        }
        Ok(_) if create => return Err(SockError::os(errno::EADDRINUSE)),
        _ => {}
    }
    let proc_path = PathBuf::from(format!("/proc/self/fd/{}/{name}", dir.as_raw_fd()));
    let real = std::fs::read_link(format!("/proc/self/fd/{}", dir.as_raw_fd())).ok().map(|d| d.join(&name));
    let os_path = match real {
        Some(r) if r.as_os_str().len() <= SUN_PATH_MAX => r,
        _ => proc_path,
    };
    if os_path.as_os_str().len() > SUN_PATH_MAX {
        return Err(SockError::os(errno::ENAMETOOLONG));
    }
    Ok(UnixPath { dir, os_path, rule: format!("[unix] dirs {}", granted.display()) })
}

/// An OS path inside a granted directory, written as the guest would: the
/// directory as the policy names it, then the rest. `None` outside them.
pub fn to_guest(policy: &Policy, os_path: &Path) -> Option<String> {
    for dir in policy.unix_dirs() {
        let Ok(real) = std::fs::canonicalize(dir) else { continue };
        if let Ok(rest) = os_path.strip_prefix(&real)
            && !rest.as_os_str().is_empty()
        {
            return Some(dir.join(rest).to_string_lossy().into_owned());
        }
    }
    None
}

fn escape_or_io(e: std::io::Error, guest: &str) -> SockError {
    if e.kind() == std::io::ErrorKind::PermissionDenied || e.raw_os_error().is_none() {
        refuse(format!("Permission denied by capsock policy: AF_UNIX path {guest:?} leaves its directory"))
    } else {
        SockError::from_io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dir: &Path) -> Policy {
        let mut p = Policy::deny_all();
        p.allow_unix_dir(dir);
        p
    }

    #[test]
    fn inside_is_allowed_and_escapes_are_not() {
        let tmp = std::env::temp_dir().join(format!("capsock-unix-test-{}", std::process::id()));
        let run = tmp.join("run");
        std::fs::create_dir_all(run.join("sub")).unwrap();
        std::fs::create_dir_all(tmp.join("outside")).unwrap();
        let _ = std::fs::remove_file(run.join("link"));
        std::os::unix::fs::symlink(tmp.join("outside"), run.join("link")).unwrap();
        let p = policy(&run);
        let base = run.display().to_string();
        assert!(resolve(&p, &format!("{base}/a.sock"), true).is_ok());
        assert!(resolve(&p, &format!("{base}/sub/a.sock"), true).is_ok());
        for bad in [
            format!("{base}/../outside/a.sock"),
            format!("{base}/sub/../../outside/a.sock"),
            format!("{base}/link/a.sock"),
            "/etc/a.sock".to_string(),
            "relative/a.sock".to_string(),
            format!("{base}/link"),
        ] {
            let e = resolve(&p, &bad, true).err().unwrap_or_else(|| panic!("{bad} was allowed"));
            assert_eq!(e.errno(), Some(errno::EACCES), "{bad}: {e:?}");
        }
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
