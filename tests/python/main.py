"""The one Python test guest: `main.py MODE [ARGS]` runs module MODE as
``__main__`` with ``sys.argv = [MODE, ARGS...]``, the way ``python -m MODE``
would. Every Python test program (here and examples/python) is a mode, so
CI builds one component instead of one per program."""
import runpy
import sys

if len(sys.argv) < 2:
    print("usage: main.py MODE [ARGS...]", file=sys.stderr)
    sys.exit(2)
mode = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_module(mode, run_name="__main__", alter_sys=True)
