"""Run time: run the app as ``__main__`` the way ``python APP.py`` would.

The exit status is Python's: 0 at the end, ``sys.exit(n)`` gives n (a string
is printed to stderr and gives 1), an uncaught exception prints its
traceback to stderr and gives 1, ``KeyboardInterrupt`` gives 130. The status
reaches the host through ``wasi:cli/exit.exit-with-code``.
"""

import atexit
import builtins
import sys
import traceback
import types

from wit_world.imports import exit as _exit

from .boot import APP


def _status(e):
    code = e.code
    if code is None:
        return 0
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def _flush():
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass


def _print_exc(skip=0):
    """Print the exception being handled as ``python APP.py`` would;
    `skip` leaves out this module's own frames at the top."""
    e = sys.exc_info()[1]
    try:
        tb = e.__traceback__
        for _ in range(skip):
            if tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
    except BaseException:
        # The traceback machinery itself failed: the exception's line alone.
        try:
            sys.stderr.write("".join(traceback.format_exception_only(type(e), e)))
        except BaseException:
            pass


def main(name):
    """Never raises: an exception escaping the export would trap the guest
    with a Rust backtrace instead of a Python traceback."""
    try:
        status = _main(name)
    except BaseException:
        _print_exc()
        status = 1
    _flush()
    if status:
        _exit.exit_with_code(status)


def _main(name):
    filename = APP.get_filename(name)
    if sys.argv:
        sys.argv[0] = filename
    else:
        sys.argv.append(filename)
    mod = types.ModuleType("__main__")
    mod.__file__ = filename
    mod.__builtins__ = builtins
    mod.__loader__ = APP
    mod.__spec__ = None
    sys.modules["__main__"] = mod
    status = 0
    try:
        exec(APP.get_code(name), mod.__dict__)
    except SystemExit as e:
        status = _status(e)
    except KeyboardInterrupt:
        _print_exc(skip=1)
        status = 130
    except BaseException:
        _print_exc(skip=1)
        status = 1
    try:
        atexit._run_exitfuncs()
    except BaseException:
        _print_exc()
        status = status or 1
    return status
