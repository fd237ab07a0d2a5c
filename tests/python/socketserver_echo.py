"""A socketserver.TCPServer echo server (StreamRequestHandler): handles N
connections on HOST PORT, then exits. `threading` as a 4th argument uses
ThreadingMixIn, which must fail clearly in a guest (no threads)."""
import socketserver
import sys


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cls = socketserver.TCPServer
if len(sys.argv) > 4 and sys.argv[4] == "threading":
    cls = socketserver.ThreadingTCPServer
with cls((host, port), Echo) as server:
    print("listening=%s:%d" % server.server_address, flush=True)
    for _ in range(n):
        server.handle_request()
print("handled=%d" % n)
