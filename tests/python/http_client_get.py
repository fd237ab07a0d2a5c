"""http.client GET http://HOST:PORT/PATH; prints status, headers count,
length and sha256 of the body."""
import hashlib
import http.client
import sys

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection(host, port, timeout=30)
conn.request("GET", path)
r = conn.getresponse()
body = r.read()
print("status=%d" % r.status)
print("length=%d" % len(body))
print("sha256=" + hashlib.sha256(body).hexdigest())
conn.close()
