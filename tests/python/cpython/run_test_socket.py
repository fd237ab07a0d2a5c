"""Run the thread-free test classes of CPython's own Lib/test/test_socket.py
(unmodified, in test/ beside this file) inside a capsock guest.

    python3 /work/pyhelper/mk.py run_test_socket.py OUT.wasm
    cd SCRATCH_DIR && capsock run --timeout 900 <loopback rules> \
        --allow 'resolve *://localhost:*' --unix-dir . --unix-abstract 'python-test*' \
        OUT.wasm [--default-timeout SECONDS] [-k PATTERN]

(README.md beside this file has the full command.)

Verbose unittest output goes to stderr; stdout gets one summary line,
``tests=N passed=N failures=N errors=N skipped=N``, then one line per test
that failed or errored (``FAIL name`` / ``ERROR name``).

Harness settings (none of them edits test_socket.py or test.support):

* ``test.support.has_socket_support`` is set to True. CPython's support
  package assumes WASI has no sockets and would skip the whole module;
  capsock's guest has them.
* The classes run are those deriving from no ``ThreadableTest`` and using no
  ``threading.Thread`` themselves (the guest has no threads):
  ``THREAD_FREE`` below.
* Nothing here can block forever on its own: every blocking call in these
  classes either has a timeout set by the test or completes on loopback at
  once. ``capsock run --timeout`` bounds the whole run as well; a socket
  default timeout is available with ``--default-timeout`` but is off by
  default, because several tests check that the default is None.
"""

import sys
import sysconfig
import types
import unittest

# sysconfig imports its data module by a computed name, which the build
# cannot see, so the guest lacks it; test.support asks sysconfig for CFLAGS
# at import. An empty one answers every variable with None.
_SCD = sysconfig._get_sysconfigdata_name()
try:
    __import__(_SCD)
except ImportError:
    sys.modules[_SCD] = types.ModuleType(_SCD)
    sys.modules[_SCD].build_time_vars = {}

import test.support  # noqa: E402

# capsock provides sockets on WASI: undo support's "WASI has no sockets".
test.support.has_socket_support = True

import socket  # noqa: E402

import test.test_socket as T  # noqa: E402

# Classes of test_socket that start no thread: they do not derive from
# ThreadableTest and do not start a threading.Thread in setUp or a test
# (InterruptedSendTimeoutTest and CreateServerFunctionalTest do, so they are
# left out).
THREAD_FREE = [
    "GeneralModuleTests",
    "BasicCANTest",
    "ISOTPTest",
    "J1939Test",
    "BasicRDSTest",
    "BasicQIPCRTRTest",
    "BasicVSOCKTest",
    "BasicBluetoothTest",
    "BasicHyperVTest",
    "CmsgMacroTests",
    "InterruptedRecvTimeoutTest",
    "NetworkConnectionNoServer",
    "TCPTimeoutTest",
    "UDPTimeoutTest",
    "UDPLITETimeoutTest",
    "TestExceptions",
    "TestLinuxAbstractNamespace",
    "TestUnixDomain",
    "TIPCTest",
    "InheritanceTest",
    "NonblockConstantTest",
    "TestSocketSharing",
    "LinuxKernelCryptoAPI",
    "TestMacOSTCPFlags",
    "TestMSWindowsTCPFlags",
    "CreateServerTest",
    "SendRecvFdsTests",
]


def main(argv):
    pattern = None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--default-timeout":
            socket.setdefaulttimeout(float(args.pop(0)))
        elif a == "-k":
            pattern = args.pop(0)
        else:
            raise SystemExit("unknown argument: %r" % a)
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % pattern]
    suite = unittest.TestSuite()
    for name in THREAD_FREE:
        cls = getattr(T, name, None)
        if cls is None:
            print("no class %s in test_socket" % name, file=sys.stderr)
            continue
        assert not issubclass(cls, T.ThreadableTest), name
        suite.addTests(loader.loadTestsFromTestCase(cls))
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2)
    result = runner.run(suite)
    n = result.testsRun
    nfail, nerr, nskip = len(result.failures), len(result.errors), len(result.skipped)
    nxf, nxs = len(result.expectedFailures), len(result.unexpectedSuccesses)
    passed = n - nfail - nerr - nskip - nxf - nxs
    line = "tests=%d passed=%d failures=%d errors=%d skipped=%d" % (n, passed, nfail, nerr, nskip)
    if nxf or nxs:
        line += " expected_failures=%d unexpected_successes=%d" % (nxf, nxs)
    print(line)
    for test, _tb in result.failures:
        print("FAIL %s" % test.id())
    for test, _tb in result.errors:
        print("ERROR %s" % test.id())
    sys.stdout.flush()
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
