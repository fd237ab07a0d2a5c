"""asyncio without threads.

CPython's event loop resolves names in a thread pool
(``loop.run_in_executor(None, socket.getaddrinfo, ...)``); a wasm guest has
no threads. capsock's resolver already waits host-side, so the loop calls it
directly: a lookup blocks the loop for its duration (as with
``loop.set_default_executor`` of an inline executor), and everything else in
asyncio is unchanged. Other uses of the default executor (``to_thread``,
``run_in_executor(None, ...)``) raise ``RuntimeError`` at once rather than
waiting for a thread that cannot start.
"""

import asyncio.base_events as _base_events
import socket as _socket


async def _getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
    return _socket.getaddrinfo(host, port, family, type, proto, flags)


async def _getnameinfo(self, sockaddr, flags=0):
    return _socket.getnameinfo(sockaddr, flags)


_orig_run_in_executor = _base_events.BaseEventLoop.run_in_executor


def _run_in_executor(self, executor, func, *args):
    # No default executor is ever made: asyncio.run() would start a thread
    # to shut it down.
    if executor is None and self._default_executor is None:
        self._check_closed()
        name = getattr(func, "__name__", None) or type(func).__name__
        raise RuntimeError(
            "capsock: a wasm guest has no threads, so run_in_executor(None, ...) and "
            "asyncio.to_thread cannot run %s" % name
        )
    return _orig_run_in_executor(self, executor, func, *args)


def patch():
    _base_events.BaseEventLoop.getaddrinfo = _getaddrinfo
    _base_events.BaseEventLoop.getnameinfo = _getnameinfo
    _base_events.BaseEventLoop.run_in_executor = _run_in_executor
