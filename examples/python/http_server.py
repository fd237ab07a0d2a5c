"""An http.server guest: answers GET with a small page naming the path.

    capsock run --allow "listen tcp://127.0.0.1:8000" http_server.py 127.0.0.1 8000 [REQUESTS]

Serves forever, or REQUESTS requests and exits (tests use a count).
"""
import http.server
import sys


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from a capsock guest: %s\n" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("served", self.command, self.path, flush=True)


host, port = sys.argv[1], int(sys.argv[2])
with http.server.HTTPServer((host, port), Hello) as server:
    print("listening on", server.server_address, flush=True)
    if len(sys.argv) > 3:
        for _ in range(int(sys.argv[3])):
            server.handle_request()
    else:
        server.serve_forever()
