"""A urllib.request client: GET a URL, print its status, length and SHA-256.

    capsock run --allow "connect tcp://127.0.0.1:8000" urllib_client.py http://127.0.0.1:8000/
"""
import hashlib
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=30) as r:
    body = r.read()
    print("status", r.status)
    print("length", len(body))
    print("sha256", hashlib.sha256(body).hexdigest())
