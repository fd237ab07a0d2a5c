"""CPython's answers for tests/reference/resolver_cases.txt, one line per case.

Usage: python3 resolver_reference.py CASES_FILE

Each output line is `CASE => OK VALUE` or `CASE => ERR CLASS ERRNO`, the
format the resolver_diff guest prints; the e2e test `resolver_diff` diffs
the two.
"""
import socket
import sys


def port_arg(p):
    if p == "None":
        return None
    if p.isdigit():
        return int(p)
    return p


def opt(s):
    return None if s == "None" else s


def call(fn, args):
    s = socket
    if fn == "getaddrinfo":
        host, port, fam, typ, proto, flags = args
        res = s.getaddrinfo(opt(host), port_arg(port), int(fam), int(typ), int(proto), int(flags))
        return "[" + ", ".join(repr((int(f), int(t), p, c, sa)) for f, t, p, c, sa in res) + "]"
    if fn == "getnameinfo":
        host, port, flags = args
        sa = (host, int(port), 0, 0) if ":" in host else (host, int(port))
        return repr(s.getnameinfo(sa, int(flags)))
    if fn == "gethostbyname":
        return repr(s.gethostbyname(args[0]))
    if fn in ("gethostbyname_ex", "gethostbyaddr"):
        return repr(getattr(s, fn)(args[0]))
    if fn == "getservbyname":
        return repr(s.getservbyname(args[0], *([] if args[1] == "None" else [args[1]])))
    if fn == "getservbyport":
        return repr(s.getservbyport(int(args[0]), *([] if args[1] == "None" else [args[1]])))
    if fn == "getprotobyname":
        return repr(s.getprotobyname(args[0]))
    if fn == "inet_aton":
        return s.inet_aton(args[0]).hex()
    if fn == "inet_ntoa":
        return repr(s.inet_ntoa(bytes.fromhex(args[0])))
    if fn == "inet_pton":
        return s.inet_pton(int(args[0]), args[1]).hex()
    if fn == "inet_ntop":
        return repr(s.inet_ntop(int(args[0]), bytes.fromhex(args[1])))
    if fn in ("htons", "ntohs", "htonl", "ntohl"):
        return repr(getattr(s, fn)(int(args[0])))
    raise SystemExit(f"unknown function {fn}")


def main():
    for line in open(sys.argv[1], encoding="utf-8").read().splitlines():
        if not line or line.startswith("#"):
            continue
        fn, *args = line.split("|")
        try:
            out = "OK " + call(fn, args)
        except Exception as e:  # every exception is a result to compare
            errno = e.errno if isinstance(e, OSError) else None
            out = f"ERR {type(e).__name__} {errno}"
        print(f"{line} => {out}")


main()
