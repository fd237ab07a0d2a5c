"""The entry module of every capsock Python guest (componentize-py's "app").

At build time it prepares the interpreter (``capsock_py.boot``) for the app
described by ``_capsock_app`` (written by ``capsock build``); at run time
``wasi:cli/run`` runs the app as ``__main__``.
"""

import base64
import importlib.util
import os
import traceback

import _capsock_app as _cfg
from capsock_py import boot


def _prepare():
    """Build time. The outcome goes to a file beside ``_capsock_app`` for
    ``capsock build`` to read: componentize-py shows no output of the
    build-time run, and turns an exception into a bare panic."""
    report = os.path.join(os.path.dirname(_cfg.__file__), "_capsock_build_report.txt")
    try:
        sources = {
            name: (filename, importlib.util.decode_source(base64.b64decode(text)), is_pkg)
            for name, (filename, text, is_pkg) in _cfg.SOURCES.items()
        }
        missing = boot.prepare(_cfg.MAIN, sources, capsock_socket=getattr(_cfg, "CAPSOCK_SOCKET", True))
    except BaseException:
        with open(report, "w", encoding="utf-8") as f:
            f.write("error\n" + traceback.format_exc())
        raise
    with open(report, "w", encoding="utf-8") as f:
        f.write("ok\n" + "".join(m + "\n" for m in missing))


_prepare()

from capsock_py import aio as _aio  # noqa: E402  (after boot: asyncio is capsock's)

_aio.patch()

from capsock_py import runner as _runner  # noqa: E402
from wit_world import exports  # noqa: E402


class Run(exports.Run):
    def run(self):
        _runner.main(_cfg.MAIN)
