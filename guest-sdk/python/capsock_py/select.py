"""CPython's ``select`` module (``select``, ``poll``) over capsock's poll.

Installed as ``sys.modules['select']`` before ``selectors`` is imported, so
the standard library's ``selectors.DefaultSelector`` is a ``PollSelector``
over this, and asyncio's event loop runs on it unmodified. Readiness is
computed host-side in one call; the guest never spins.

Only sockets are pollable: a fileno that is not one of this instance's
sockets (stdin, a file) is ``OSError(EBADF)``, where CPython would poll it.
"""

import errno as _errno
import math as _math

from wit_world.imports import capsock_socket_poll as _poll

from . import _abi
from . import _socket as _s

for _n, _v in _abi.CONSTANTS.items():
    if _n.startswith("POLL"):
        globals()[_n] = _v
del _n, _v

error = OSError
# PIPE_BUF on Linux; selectors and subprocess read it.
PIPE_BUF = 4096


def _fileno(obj):
    if isinstance(obj, int):
        fd = obj
    else:
        try:
            meth = obj.fileno
        except AttributeError:
            raise TypeError("argument must be an int, or have a fileno() method.") from None
        fd = meth()
        if not isinstance(fd, int):
            raise TypeError("fileno() returned a non-integer")
    if fd < 0:
        raise ValueError("file descriptor cannot be a negative integer (%d)" % fd)
    return fd


def _res(fd):
    r = _s._resource(fd)
    if r is None:
        raise OSError(_s._guest_errno("EBADF", 9), "Bad file descriptor")
    return r


def _timeout_seconds(timeout):
    """select()'s timeout argument in seconds (None waits forever)."""
    if timeout is None:
        return None
    if not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a float or None")
    if isinstance(timeout, float) and _math.isnan(timeout):
        raise ValueError("Invalid value NaN (not a number)")
    if timeout < 0:
        raise ValueError("timeout must be non-negative")
    return float(timeout)


def _select(rlist, wlist, xlist, timeout=None):
    """select(rlist, wlist, xlist[, timeout]) -> (rlist, wlist, xlist)"""
    t = _timeout_seconds(timeout)
    lists = []
    if t == 0 and not (rlist or wlist or xlist):
        return [], [], []
    for seq in (rlist, wlist, xlist):
        items = list(seq)
        lists.append((items, [_res(_fileno(o)) for o in items]))
    got = _s._call(_poll.select, lists[0][1], lists[1][1], lists[2][1], t)
    return (
        [lists[0][0][i] for i in got.readable],
        [lists[1][0][i] for i in got.writable],
        [lists[2][0][i] for i in got.exceptional],
    )


# A staticmethod, as C functions are, so that it does not bind when stored
# on a class (selectors.SelectSelector keeps `_select = select.select`).
select = staticmethod(_select)


class poll:
    """poll() object: register, modify, unregister, poll(timeout ms)."""

    def __init__(self):
        self._fds = {}

    def register(self, fd, eventmask=POLLIN | POLLPRI | POLLOUT):
        fd = _fileno(fd)
        if not 0 <= eventmask <= 0xFFFF:
            raise OverflowError("Python int too large for C unsigned short")
        self._fds[fd] = eventmask

    def modify(self, fd, eventmask):
        fd = _fileno(fd)
        if fd not in self._fds:
            raise FileNotFoundError(_errno.ENOENT, "No such file or directory")
        self._fds[fd] = eventmask

    def unregister(self, fd):
        fd = _fileno(fd)
        del self._fds[fd]

    def poll(self, timeout=None):
        """poll([timeout]) -> list of (fd, event); timeout in milliseconds."""
        if timeout is not None:
            if not isinstance(timeout, (int, float)):
                raise TypeError("'%s' object cannot be interpreted as an integer" % type(timeout).__name__)
            if timeout < 0:
                timeout = None
            else:
                timeout = _math.ceil(timeout) / 1000.0
        fds = list(self._fds.items())
        out = []
        socks, events, where = [], [], []
        for fd, ev in fds:
            r = _s._resource(fd)
            if r is None:
                out.append((fd, POLLNVAL))
                continue
            socks.append(r)
            events.append(ev & 0xFFFF)
            where.append(fd)
        if out:
            timeout = 0.0
        if not socks and timeout == 0:
            # Nothing to wait for and no wait: answered without the host
            # (selectors probes `poll().poll(0)` at import, at build time).
            return out
        revents = _s._call(_poll.poll, socks, events, timeout)
        for fd, rev in zip(where, revents):
            if rev:
                out.append((fd, rev))
        return out
