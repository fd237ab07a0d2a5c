"""capsock's Python guest package: CPython's network modules over capsock.

``capsock build APP.py`` builds a program with this package; it is not
imported by apps directly. ``_socket`` and ``select`` replace CPython's C
modules of those names, so the standard library's ``socket``, ``selectors``,
``asyncio``, ``http`` and ``urllib`` run unmodified on capsock's sockets.
"""
