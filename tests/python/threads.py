"""What happens to thread users in a guest: each must fail at once with a
clear error, never hang."""
import asyncio
import threading

try:
    threading.Thread(target=print).start()
    print("thread=started")
except RuntimeError as e:
    print("thread=RuntimeError " + str(e))


async def main():
    try:
        await asyncio.to_thread(print, "in a thread")
        print("to_thread=ran")
    except RuntimeError as e:
        print("to_thread=RuntimeError " + str(e))


asyncio.run(main())
