"""Build-time set-up of a capsock Python guest.

componentize-py runs the entry module once, at build time, and snapshots the
interpreter; only what exists then exists at run time. So this module, run at
build time:

1. installs capsock's ``_socket`` and ``select`` in ``sys.modules`` *before*
   anything imports the standard library's ``socket``, ``selectors`` or
   ``asyncio`` (a ``socket.py`` beside the app would not shadow the stdlib:
   the stdlib comes first on ``sys.path``);
2. imports the standard library modules the app (and its local modules)
   import, found by reading their source, plus the network stack;
3. compiles the app's own modules and serves them from memory at run time
   (an app module is never executed at build time: its top-level code may
   open sockets).

Nothing here calls the host: capsock's imports exist only at run time.
"""

import ast
import importlib
import importlib.abc
import importlib.util
import sys

from . import _socket as _capsock_socket
from . import select as _capsock_select

# The network stack every guest gets, whatever it imports.
BASE_MODULES = (
    "socket", "selectors", "select", "errno", "io", "time", "struct", "array",
    "asyncio", "asyncio.base_events", "asyncio.selector_events", "asyncio.streams",
    "socketserver", "http", "http.client", "http.server", "urllib", "urllib.request",
    "urllib.parse", "urllib.error", "urllib.response", "email", "email.parser",
    "email.message", "email.utils", "json", "base64", "binascii", "traceback", "argparse",
    "logging", "random", "string", "textwrap", "datetime", "collections", "functools",
    "itertools", "contextlib", "dataclasses", "enum", "typing", "re", "os", "math",
    "signal", "threading", "queue", "weakref", "copy", "types", "runpy", "hashlib",
    "encodings.idna", "encodings.utf_8", "encodings.latin_1", "encodings.ascii",
    "ipaddress", "shutil", "tempfile", "mimetypes", "html", "uuid", "zlib",
)

_installed = False


def install():
    """Put capsock's modules in place of CPython's network C modules."""
    global _installed
    if _installed:
        return
    # `socket` or `selectors` imported before us (it should not be): drop
    # them and asyncio, built on them, so they are imported again over capsock.
    if "socket" in sys.modules or "selectors" in sys.modules:
        for m in [m for m in sys.modules if m in ("socket", "selectors") or m.startswith("asyncio")]:
            del sys.modules[m]
    sys.modules["_socket"] = _capsock_socket
    sys.modules["select"] = _capsock_select
    _patch_inheritable()
    import socket  # noqa: F401  (the stdlib's, now over capsock)
    import selectors  # noqa: F401

    # CPython for WASI has no `ssl`: capsock's (TLS done by the host) is put
    # in place before http.client, urllib and asyncio look for one.
    from . import ssl as _capsock_ssl

    sys.modules["ssl"] = _capsock_ssl
    _installed = True


def _patch_inheritable():
    """``os.get_inheritable``/``set_inheritable`` for capsock's filenos.

    ``socket.socket.get_inheritable`` asks ``os`` about its fileno, and the
    guest's ``os`` (wasi-libc) knows only WASI's descriptors. A guest cannot
    start processes, so the flag means nothing here; it is kept per socket
    so that it reads back as set (sockets start non-inheritable, as in
    CPython)."""
    import os

    if getattr(os.get_inheritable, "_capsock", False):
        return
    flags = {}
    os_get, os_set = os.get_inheritable, os.set_inheritable

    def get_inheritable(fd):
        if _capsock_socket._resource(fd) is not None:
            return flags.get(fd, False)
        return os_get(fd)

    def set_inheritable(fd, inheritable):
        if _capsock_socket._resource(fd) is not None:
            flags[fd] = bool(inheritable)
            return
        os_set(fd, inheritable)

    get_inheritable._capsock = True
    os.get_inheritable, os.set_inheritable = get_inheritable, set_inheritable


def _try_import(name, report):
    try:
        importlib.import_module(name)
        return True
    except BaseException as e:  # SystemExit from a module is a failure too
        report.append("%s (%s: %s)" % (name, type(e).__name__, e))
        return False


def _imports_of(tree, modname, is_pkg):
    """Absolute module names a module imports (relative ones resolved)."""
    pkg = modname if is_pkg else modname.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                mod = (base + "." + node.module) if node.module else base
            else:
                mod = node.module or ""
            if mod:
                yield mod
                for alias in node.names:
                    if alias.name != "*":
                        yield mod + "." + alias.name


class AppModules(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """The app's own modules, compiled at build time, served from memory."""

    def __init__(self):
        # name -> (filename, source, code or SyntaxError, is_package)
        self.modules = {}
        # The module run as __main__ (linecache asks for "__main__").
        self.main = None

    def add(self, name, filename, source, is_pkg):
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as e:
            code = e
        self.modules[name] = (filename, source, code, is_pkg)

    def find_spec(self, fullname, path=None, target=None):
        entry = self.modules.get(fullname)
        if entry is None:
            return None
        spec = importlib.util.spec_from_loader(fullname, self, origin=entry[0], is_package=entry[3])
        spec.has_location = True
        return spec

    def get_source(self, fullname):
        if fullname == "__main__":
            fullname = self.main
        entry = self.modules.get(fullname)
        return None if entry is None else entry[1]

    def get_code(self, fullname):
        code = self.modules[fullname][2]
        if isinstance(code, SyntaxError):
            raise code
        return code

    def is_package(self, fullname):
        return self.modules[fullname][3]

    def get_filename(self, fullname):
        return self.modules[fullname][0]

    def exec_module(self, module):
        module.__file__ = self.modules[module.__name__][0]
        exec(self.get_code(module.__name__), module.__dict__)


APP = AppModules()


def prepare(main, sources, extra=(), capsock_socket=True):
    """Build time: `sources` maps module names to (filename, source text,
    is_package); `main` is the one run as ``__main__``. Imports the stdlib
    modules any of them imports and returns the names that could not be
    imported (they fail at run time as they would in CPython without
    them). `capsock_socket=False` leaves CPython's built-in ``_socket``
    (wasi:sockets) in place: for comparison only (the benchmark)."""
    if capsock_socket:
        install()
    APP.main = main
    for name, (filename, source, is_pkg) in sources.items():
        APP.add(name, filename, source, is_pkg)
    sys.meta_path.insert(0, APP)
    report = []
    for name in BASE_MODULES + tuple(extra):
        _try_import(name, report)
    # Every local module is read, not only those the main module imports:
    # an app may import its modules dynamically (runpy, importlib).
    if isinstance(APP.modules[main][2], SyntaxError):
        raise APP.modules[main][2]
    wanted = []
    for name, (filename, source, code, is_pkg) in APP.modules.items():
        if isinstance(code, SyntaxError):
            continue  # raised when imported, as CPython would
        for imp in _imports_of(ast.parse(source, filename), name, is_pkg):
            top = imp.partition(".")[0]
            if not (imp in APP.modules or top in APP.modules):
                wanted.append(imp)
    for imp in wanted:
        if imp in sys.modules:
            continue
        parent = imp.rpartition(".")[0]
        if parent and parent in sys.modules and not hasattr(sys.modules[parent], "__path__"):
            continue  # `from os import path`-style: an attribute, not a module
        # `from pkg import name` names a module or an attribute: a failed
        # import of pkg.name is only a problem when pkg itself fails.
        quiet = []
        if not _try_import(imp, quiet) and (not parent or parent not in sys.modules):
            report.extend(quiet)
    return [r for r in report if not r.startswith(tuple(m + " " for m in BASE_MODULES))]
