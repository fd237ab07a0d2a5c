"""Connect to HOST PORT, which the policy does not grant: prints what
Python saw."""
import errno
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
try:
    socket.create_connection((host, port), timeout=5)
    print("outcome=connected")
except PermissionError as e:
    print("outcome=PermissionError")
    print("errno_name=" + errno.errorcode[e.errno])
    print("str=" + str(e))
    print("rule=" + str(getattr(e, "rule", None)))
except OSError as e:
    print("outcome=" + type(e).__name__ + " " + str(e))
