//! `get_inheritable` / `set_inheritable`: a wasm guest starts no processes,
//! so nothing can inherit a socket. Sockets are never inheritable (Python's
//! default since 3.4); asking for inheritance is an error rather than a
//! silent lie.

use crate::{Error, Socket, errno};

impl Socket {
    /// `get_inheritable()`: always `false`.
    ///
    /// # Errors
    /// `OSError(EBADF)` on a closed socket, as in Python.
    pub fn get_inheritable(&self) -> Result<bool, Error> {
        if self.fileno() < 0 {
            return Err(Error::os(errno::EBADF));
        }
        Ok(false)
    }

    /// `set_inheritable(flag)`: `false` is accepted (it is already so);
    /// `true` is `OSError(EOPNOTSUPP)`, since no process can inherit it.
    ///
    /// # Errors
    /// As above, and `OSError(EBADF)` on a closed socket.
    pub fn set_inheritable(&self, inheritable: bool) -> Result<(), Error> {
        self.get_inheritable()?;
        if inheritable { Err(Error::os(errno::EOPNOTSUPP)) } else { Ok(()) }
    }
}
