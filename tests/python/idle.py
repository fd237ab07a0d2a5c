"""`idle SECONDS`: import the network stack, then wait host-side (the
benchmark measures memory per live Python instance)."""
import asyncio  # noqa: F401  (a realistic working set: what servers import)
import select
import sys

select.select([], [], [], float(sys.argv[1]))
print("idle=done")
