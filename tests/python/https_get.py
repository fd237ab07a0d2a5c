"""`https_get URL`: urllib.request over TLS done by the host; prints the
status, length and SHA-256 of the body, or what was raised (and, for a
URLError, its reason's class)."""
import hashlib
import sys
import urllib.error
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=30) as r:
        body = r.read()
        print("status=%d" % r.status)
        print("length=%d" % len(body))
        print("sha256=" + hashlib.sha256(body).hexdigest())
        sock = r.fp.raw._sock if hasattr(r.fp, "raw") else None
        if sock is not None:
            print("version=%s" % sock.version())
            cn = dict(x[0] for x in sock.getpeercert()["subject"]).get("commonName")
            print("peer_cn=%s" % cn)
except urllib.error.URLError as e:
    print("raised=URLError")
    print("reason_class=" + type(e.reason).__name__)
    print("reason=" + str(e.reason))
    print("verify_code=%s" % getattr(e.reason, "verify_code", None))
