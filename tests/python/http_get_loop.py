"""`http_get_loop HOST PORT N`: N sequential GETs of / on one keep-alive
http.client connection; prints `elapsed_us=` (the benchmark's Python row;
the same file runs natively under python3 for the native figure).

HOST must be a numeric address: the socket is connected here and handed to
http.client, because CPython's built-in `_socket` (the benchmark's
wasi:sockets column) cannot resolve anything under capsock, not even a
numeric address (wasi:sockets name lookup is off; issue 14)."""
import http.client
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conn = http.client.HTTPConnection(host, port, timeout=30)
conn.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
conn.sock.settimeout(30)
conn.sock.connect((host, port))
conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
t0 = time.perf_counter()
for _ in range(n):
    conn.request("GET", "/")
    r = conn.getresponse()
    body = r.read()
    assert r.status == 200 and body, (r.status, body)
elapsed = time.perf_counter() - t0
conn.close()
print("elapsed_us=%d" % int(elapsed * 1e6))
