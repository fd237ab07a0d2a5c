"""`exit_status N`: sys.exit(N) after printing; `exit_status raise`: an
uncaught exception (traceback on stderr, status 1)."""
import sys

print("before exit", flush=True)
if sys.argv[1] == "raise":
    raise ValueError("raised on purpose")
sys.exit(int(sys.argv[1]))
