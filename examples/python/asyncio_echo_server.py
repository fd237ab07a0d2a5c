"""An asyncio echo server (streams API): echoes each connection until EOF.

    capsock run --allow "listen tcp://127.0.0.1:8888" asyncio_echo_server.py 127.0.0.1 8888 [CONNECTIONS]

Serves forever, or until CONNECTIONS connections have been served.
"""
import asyncio
import sys

host, port = sys.argv[1], int(sys.argv[2])
limit = int(sys.argv[3]) if len(sys.argv) > 3 else None


async def main():
    done = asyncio.Event()
    served = 0

    async def echo(reader, writer):
        nonlocal served
        total = 0
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
            total += len(data)
        writer.close()
        await writer.wait_closed()
        served += 1
        if limit is not None and served >= limit:
            done.set()

    server = await asyncio.start_server(echo, host, port)
    print("listening on", server.sockets[0].getsockname(), flush=True)
    async with server:
        if limit is None:
            await server.serve_forever()
        else:
            await done.wait()
    print("served", served, flush=True)


asyncio.run(main())
