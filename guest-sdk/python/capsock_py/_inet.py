"""glibc's address parsers and printer, in Python (ported from abi/src/inet.rs).

CPython's ``inet_aton``/``inet_pton``/``inet_ntop`` are glibc's on Linux; a
guest must accept and refuse exactly the same strings, so these follow glibc
line by line rather than using ``ipaddress`` (which is stricter).
"""

_SPACE = frozenset(b" \t\n\x0b\x0c\r")


def _strtoul_auto(b, i):
    """strtoul(base 0) from b[i:]: (value, end)."""
    n = len(b)
    if i + 2 < n and b[i] == 0x30 and (b[i + 1] | 0x20) == 0x78 and chr(b[i + 2]) in "0123456789abcdefABCDEF":
        base, j = 16, i + 2
    elif i < n and b[i] == 0x30:
        base, j = 8, i
    else:
        base, j = 10, i
    value = 0
    while j < n:
        c = chr(b[j])
        try:
            d = int(c, base)
        except ValueError:
            break
        value = value * base + d
        j += 1
    return value, j


def aton(s):
    """inet_aton(3): 'a', 'a.b', 'a.b.c', 'a.b.c.d' in any base; trailing
    whitespace ends the address. The 32-bit value, or None."""
    b = s.encode("latin-1") if isinstance(s, str) else bytes(s)
    maxes = (0xFFFFFFFF, 0xFFFFFF, 0xFFFF, 0xFF)
    parts = []
    i = 0
    while True:
        if i >= len(b) or not (0x30 <= b[i] <= 0x39):
            return None
        val, i = _strtoul_auto(b, i)
        if val > 0xFFFFFFFF:
            return None
        if i < len(b) and b[i] == 0x2E:
            if val > 0xFF or len(parts) == 3:
                return None
            parts.append(val)
            i += 1
            continue
        break
    if i < len(b) and b[i] not in _SPACE:
        return None
    if val > maxes[len(parts)]:
        return None
    word = val
    for k, p in enumerate(parts):
        word |= p << (24 - 8 * k)
    return word


def pton4(s):
    """inet_pton(AF_INET): exactly four decimal octets, no leading zeros.
    4 bytes, or None."""
    b = s.encode("latin-1") if isinstance(s, str) else bytes(s)
    out = [0, 0, 0, 0]
    octets = 0
    saw_digit = False
    for c in b:
        if 0x30 <= c <= 0x39:
            if saw_digit and out[octets] == 0:
                return None
            new = out[octets] * 10 + (c - 0x30)
            if new > 255:
                return None
            out[octets] = new
            saw_digit = True
        elif c == 0x2E and saw_digit:
            octets += 1
            if octets == 4:
                return None
            saw_digit = False
        else:
            return None
    if octets == 3 and saw_digit:
        return bytes(out)
    return None


def pton6(s):
    """inet_pton(AF_INET6): 16 bytes, or None."""
    try:
        b = s.encode("ascii") if isinstance(s, str) else bytes(s)
    except UnicodeEncodeError:
        return None
    tmp = bytearray(16)
    tp = 0
    colonp = None
    src = 0
    n = len(b)
    if n == 0:
        return None
    if b[0] == 0x3A:
        if n < 2 or b[1] != 0x3A:
            return None
        src = 1
    curtok = src
    xdigits = 0
    val = 0
    while src < n:
        ch = b[src]
        src += 1
        c = chr(ch)
        if c in "0123456789abcdefABCDEF":
            if xdigits == 4:
                return None
            val = (val << 4) | int(c, 16)
            xdigits += 1
            continue
        if ch == 0x3A:
            curtok = src
            if xdigits == 0:
                if colonp is not None:
                    return None
                colonp = tp
                continue
            elif src == n:
                return None
            if tp + 2 > 16:
                return None
            tmp[tp:tp + 2] = val.to_bytes(2, "big")
            tp += 2
            xdigits = 0
            val = 0
            continue
        if ch == 0x2E and tp + 4 <= 16:
            v4 = pton4(b[curtok:])
            if v4 is not None:
                tmp[tp:tp + 4] = v4
                tp += 4
                xdigits = 0
                break
        return None
    if xdigits > 0:
        if tp + 2 > 16:
            return None
        tmp[tp:tp + 2] = val.to_bytes(2, "big")
        tp += 2
    if colonp is not None:
        if tp == 16:
            return None
        k = tp - colonp
        tail = bytes(tmp[colonp:tp])
        tmp[colonp:16] = bytes(16 - colonp)
        tmp[16 - k:16] = tail
        tp = 16
    if tp != 16:
        return None
    return bytes(tmp)


def ntop4(b):
    return "%d.%d.%d.%d" % (b[0], b[1], b[2], b[3])


def ntop6(b):
    """inet_ntop(AF_INET6) as glibc prints it (embedded IPv4 for ::a.b.c.d
    and ::ffff:a.b.c.d)."""
    words = [(b[2 * i] << 8) | b[2 * i + 1] for i in range(8)]
    best_base, best_len = None, 0
    i = 0
    while i < 8:
        if words[i] == 0:
            start = i
            while i < 8 and words[i] == 0:
                i += 1
            if i - start > best_len:
                best_base, best_len = start, i - start
        else:
            i += 1
    if best_len < 2:
        best_base = None
    out = []
    for i, word in enumerate(words):
        if best_base is not None and best_base <= i < best_base + best_len:
            if i == best_base:
                out.append(":")
            continue
        if i != 0:
            out.append(":")
        if i == 6 and best_base == 0 and (best_len == 6 or (best_len == 5 and words[5] == 0xFFFF)):
            out.append(ntop4(b[12:16]))
            return "".join(out)
        out.append("%x" % word)
    if best_base is not None and best_base + best_len == 8:
        out.append(":")
    return "".join(out)
