"""The compiled loops of the NMEA fast path, as numba functions: the source that
:mod:`mda.ingest.fastkernel` either loads as an extension module built from it ahead of
time (no numba at run time) or compiles just in time (numba ``cache=True``, cached beside
this file). See :mod:`mda.ingest.fastkernel` for what each does and how they are called.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
from numba import njit

from mda.ingest.fastkernel import BAD_BITS, POS, STATION, T5, T24, UNSUPPORTED

_BANG, _COMMA, _STAR, _BACKSLASH = 33, 44, 42, 92


@njit(cache=True, inline="always")
def _hex(c: int) -> int:
    """Value of a hex digit character, -1 for any other byte."""
    if 48 <= c <= 57:
        return c - 48
    if 65 <= c <= 70:
        return c - 55
    if 97 <= c <= 102:
        return c - 87
    return -1


@njit(cache=True, inline="always")
def _printable(c: int) -> bool:
    """A byte of a sequence id or channel field: printable ASCII without ``\\ ! $ * ,``."""
    return 32 <= c <= 126 and c != 92 and c != 33 and c != 36 and c != 42 and c != 44


ARMOURED = np.zeros(256, dtype=np.bool_)
"""The payload characters (``0``-``W`` and `````-``w``), by byte."""
ARMOURED[48:88] = True
ARMOURED[96:120] = True


@njit(cache=True, inline="always")
def _talker(c: int) -> bool:
    return 65 <= c <= 90 or 48 <= c <= 57 or c == 45


@njit(cache=True, inline="always")
def _epoch(buf, q: int, end: int, epoch_min: int, epoch_max: int):  # type: ignore[no-untyped-def]
    """The epoch ``<9-13 digits>[.<digits>]`` at ``q`` (before ``end``), as
    :func:`mda.ingest.fastscan.epoch_us` reads it: (where it ends, microseconds or -1 when
    outside the years the reader accepts); where it ends is -1 when it is no epoch."""
    value, k = 0, q
    while k < end and 48 <= buf[k] <= 57 and k - q < 14:
        value = value * 10 + (buf[k] - 48)
        k += 1
    if k - q < 9 or k - q > 13:
        return -1, -1
    micros = 0
    if k < end and buf[k] == 46:  # a fraction: its first six digits are microseconds
        k += 1
        f, scale = k, 100_000
        while k < end and 48 <= buf[k] <= 57:
            if k - f < 6:
                micros += (buf[k] - 48) * scale
                scale //= 10
            k += 1
        if k == f:
            return -1, -1
    if value >= 100_000_000_000:  # milliseconds (a fraction is then ignored)
        secs, micros = value // 1000, (value % 1000) * 1000
    else:
        secs = value
    if epoch_min <= secs < epoch_max:
        return k, secs * 1_000_000 + micros
    return k, -1


@njit(cache=True, nogil=True)
def scan_simple(buf, offsets, lengths, epoch_min, epoch_max):  # type: ignore[no-untyped-def]
    """Lines of the common forms (see the module docstring).

    Returns ``(simple, n, idx, ok, payload_at, plen, count, num, fill, head, key, tagged,
    ts, station_at, station_len)``: ``simple`` flags every line taken; the other arrays hold
    the ``n`` taken lines in file order (their first ``n`` elements) as
    :func:`mda.ingest.fastscan.scan` names them, ``ts`` in microseconds (-1: no usable
    time), the tag block's ``s:`` station at byte ``station_at`` (length 0: none).
    """
    n_lines = len(offsets)
    simple = np.zeros(n_lines, dtype=np.bool_)
    idx = np.empty(n_lines, dtype=np.int64)
    ok = np.empty(n_lines, dtype=np.bool_)
    payload_at = np.empty(n_lines, dtype=np.int64)
    plen = np.empty(n_lines, dtype=np.int64)
    count = np.empty(n_lines, dtype=np.int8)
    num = np.empty(n_lines, dtype=np.int8)
    fill = np.empty(n_lines, dtype=np.int8)
    head = np.empty(n_lines, dtype=np.int64)
    key = np.empty(n_lines, dtype=np.int64)
    tagged = np.empty(n_lines, dtype=np.bool_)
    ts = np.empty(n_lines, dtype=np.int64)
    station_at = np.empty(n_lines, dtype=np.int64)
    station_len = np.empty(n_lines, dtype=np.int64)
    j = 0
    for i in range(n_lines):
        p = offsets[i]
        end = p + lengths[i]
        while end > p and (buf[end - 1] == 32 or buf[end - 1] == 9):  # trailing blanks
            end -= 1
        o = p
        t = -1
        tag_ok = True
        has_tag = False
        st_at, st_len = -1, 0
        if end == p:
            continue
        lead = -1
        if 48 <= buf[p] <= 57:  # a leading epoch, then spaces or tabs
            k, lead = _epoch(buf, p, end, epoch_min, epoch_max)
            if k < 0 or k >= end or (buf[k] != 32 and buf[k] != 9):
                continue
            while k < end and (buf[k] == 32 or buf[k] == 9):
                k += 1
            p = o = k
        if p < end and buf[p] == _BACKSLASH:  # \<fields>*hh\: c:<9-13 digits>, s:<station>
            has_tag = True
            q = p + 1
            x = 0  # the checksum of the tag body, as it is read
            value, n_digits, form = 0, 0, True
            while form:
                name = q  # a field: <lowercase letters>:<value>
                while q < end and 97 <= buf[q] <= 122:
                    x ^= buf[q]
                    q += 1
                if q == name or q + 1 >= end or buf[q] != 58:
                    form = False
                    break
                field = buf[name] if q - name == 1 else 0  # c or s, else another field
                x ^= 58
                q += 1
                start = q
                if field == 99:  # c:
                    if n_digits:  # a second c: (the reader's rule: no time): other path
                        form = False
                        break
                    while q < end and 48 <= buf[q] <= 57 and q - start < 14:
                        value = value * 10 + (buf[q] - 48)
                        x ^= buf[q]
                        q += 1
                    n_digits = q - start
                    if n_digits < 9 or n_digits > 13:
                        form = False
                        break
                elif field != 115:  # another field (g: group, t: text, ...): its value
                    while q < end and _printable(buf[q]):
                        x ^= buf[q]
                        q += 1
                else:  # s:
                    if st_at >= 0:
                        form = False
                        break
                    while q < end and _printable(buf[q]):
                        x ^= buf[q]
                        q += 1
                    st_at, st_len = start, q - start
                    if st_len == 0:
                        form = False
                        break
                if q < end and buf[q] == _COMMA:
                    x ^= _COMMA
                    q += 1
                elif q < end and buf[q] == _STAR:
                    break
                else:
                    form = False
            if not form or q + 4 > end:
                continue
            h1, h2 = _hex(buf[q + 1]), _hex(buf[q + 2])
            if h1 < 0 or h2 < 0 or buf[q + 3] != _BACKSLASH:
                continue
            tag_ok = x == h1 * 16 + h2
            if value >= 100_000_000_000:  # milliseconds
                secs, micros = value // 1000, (value % 1000) * 1000
            else:
                secs, micros = value, 0
            if n_digits and epoch_min <= secs < epoch_max:
                t = secs * 1_000_000 + micros
            o = q + 4
        # !xxVDM,n,m,
        if o + 11 > end or buf[o] != _BANG or not (_talker(buf[o + 1]) and _talker(buf[o + 2])):
            continue
        if buf[o + 3] != 86 or buf[o + 4] != 68 or (buf[o + 5] != 77 and buf[o + 5] != 79):
            continue
        if buf[o + 6] != _COMMA or buf[o + 8] != _COMMA or buf[o + 10] != _COMMA:
            continue
        c_count, c_num = buf[o + 7], buf[o + 9]
        if not (49 <= c_count <= 50 and 49 <= c_num <= 50):
            continue
        x = 0  # the sentence checksum (bytes after "!" up to "*"), as they are read
        for k in range(o + 1, o + 11):
            x ^= buf[k]
        # sequence id, channel
        q = o + 11
        while q < end and _printable(buf[q]):
            x ^= buf[q]
            q += 1
        if q >= end or buf[q] != _COMMA:
            continue
        q += 1
        while q < end and _printable(buf[q]):
            x ^= buf[q]
            q += 1
        if q >= end or buf[q] != _COMMA:
            continue
        second = q  # the comma ending the channel (the two commas cancel in the checksum)
        # <payload>,<fill>*hh, then the end of the line or ",<epoch>" and the end
        q = second + 1
        while q < end and ARMOURED[buf[q]]:
            x ^= buf[q]
            q += 1
        if q == second + 1 or q + 5 > end or buf[q] != _COMMA or buf[q + 2] != _STAR:
            continue
        if q + 5 < end:  # fields after the checksum (satellite feeds, USCG): the first epoch
            k, trail, found, fields = q + 5, -1, False, True
            while k < end and fields:
                if buf[k] != _COMMA:
                    fields = False
                    break
                f = k + 1
                k = f
                while k < end and _printable(buf[k]):
                    k += 1
                if not found:
                    got, value = _epoch(buf, f, k, epoch_min, epoch_max)
                    if got == k:
                        found, trail = True, value
            if not fields:
                continue
            if t < 0:  # the tag block's time first, then this one
                t = trail
        if t < 0:
            t = lead
        c_fill = buf[q + 1]
        h1, h2 = _hex(buf[q + 3]), _hex(buf[q + 4])
        if not (48 <= c_fill <= 53) or h1 < 0 or h2 < 0:
            continue
        sstar = q + 2
        x ^= _COMMA ^ c_fill
        # as the polars path: the sequence id and channel must fit 7 bytes (packed key)
        width = second - (o + 11)
        fits = width <= 7
        packed = 0
        if fits:
            for k in range(width):
                packed |= np.int64(buf[o + 11 + k]) << (8 * k)
        h = 0
        for k in range(5):
            h |= np.int64(buf[o + 1 + k]) << (8 * k)
        at = o + 12 + (width if fits else -1)
        simple[i] = True
        idx[j] = i
        ok[j] = fits and tag_ok and x == h1 * 16 + h2
        payload_at[j] = at
        plen[j] = sstar - 2 - at
        count[j] = c_count - 48
        num[j] = c_num - 48
        fill[j] = c_fill - 48
        head[j] = h
        key[j] = packed
        tagged[j] = has_tag
        ts[j] = t
        station_at[j] = st_at
        station_len[j] = st_len
        j += 1
    return (simple, j, idx, ok, payload_at, plen, count, num, fill, head, key, tagged, ts,
            station_at, station_len)  # fmt: skip


@njit(cache=True, inline="always")
def _put_char(w, k: int, c: int) -> None:  # type: ignore[no-untyped-def]
    """Payload character ``k`` (armoured byte ``c``) into the 48-bit words ``w`` (zeroed
    before the first; eight 6-bit values per word, most significant first)."""
    v = np.int64(c) - 48
    if v > 40:
        v -= 8
    bit = 6 * k
    w[bit // 48] |= v << (42 - bit % 48)


@njit(cache=True, inline="always")
def _field(w, start: int, width: int, signed: bool = False) -> int:  # type: ignore[no-untyped-def]
    """``width`` (<= 30) bits at bit ``start`` of the 48-bit words ``w``."""
    i, o = start // 48, start % 48
    if o + width <= 48:
        v = (w[i] >> (48 - o - width)) & ((1 << width) - 1)
    else:
        low = o + width - 48
        v = ((w[i] & ((1 << (48 - o)) - 1)) << low) | (w[i + 1] >> (48 - low))
    if signed and v >= 1 << (width - 1):
        v -= 1 << width
    return v


@njit(cache=True, inline="always")
def _fmix(h):  # type: ignore[no-untyped-def]
    """MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@njit(cache=True, inline="always")
def _hash_words(w, n_chars: int, seed):  # type: ignore[no-untyped-def]
    """Two independent 64-bit hashes, keyed by ``seed`` (:data:`SEED`), of a payload of
    ``n_chars`` characters held as 6-bit values in the 48-bit words ``w``
    (:func:`_put_char`; the bits after the last character zero). A payload is its
    characters: equal payloads give equal hashes, and two different payloads share both
    hashes with a chance of about 2**-128."""
    n = np.uint64(n_chars)
    h1 = seed[0] ^ n
    h2 = seed[1] + n
    for k in range((n_chars + 7) // 8):
        x = np.uint64(w[k])
        h1 = _fmix(h1 ^ x)
        h2 = _fmix((h2 + x) * np.uint64(0x100000001B3))
    return h1, h2


@njit(cache=True, nogil=True)
def hash_payloads(buf, at1, len1, at2, n_chars, seed, hash1, hash2):  # type: ignore[no-untyped-def]
    """:func:`_hash_words` of payloads of ``n_chars`` armoured characters, ``len1`` of them
    at ``at1`` and the rest at ``at2``, into ``hash1`` and ``hash2``."""
    top = 0
    for r in range(len(at1)):
        top = max(top, n_chars[r])
    w = np.zeros(top // 8 + 1, dtype=np.int64)
    for r in range(len(at1)):
        w[:] = 0
        for k in range(n_chars[r]):
            c = buf[at1[r] + k] if k < len1[r] else buf[at2[r] + k - len1[r]]
            _put_char(w, k, c)
        hash1[r], hash2[r] = _hash_words(w, n_chars[r], seed)


@njit(cache=True, nogil=True)
def decode_positions(buf, payload_at, g, values, valid, seed, hash1, hash2):  # type: ignore[no-untyped-def]
    """Fields of the 168-bit type 1/2/3/18 reports whose 28 payload characters start at
    ``payload_at`` (checked armoured characters), written at record positions ``g``.

    ``values`` and ``valid`` are the record columns (mmsi, msg_type, lat, lon, sog, cog,
    heading, nav_status) and their validity: speed 1023, course 3600 and heading >= 360
    are not available, and so is the status of type 18 or 15. ``hash1`` and ``hash2`` get
    the payloads' hashes (:func:`_hash_words`)."""
    mmsi, msg_type, lat, lon, sog, cog, heading, status = values
    ok_sog, ok_cog, ok_heading, ok_status = valid[4], valid[5], valid[6], valid[7]
    w = np.zeros(4, dtype=np.int64)
    for r in range(len(payload_at)):
        w[:] = 0
        at = payload_at[r]
        for k in range(28):
            _put_char(w, k, buf[at + k])
        hash1[r], hash2[r] = _hash_words(w, 28, seed)
        t = _field(w, 0, 6)
        b = 4 if t == 18 else 0  # type 18 fields sit 4 bits earlier
        i = g[r]
        msg_type[i] = t
        mmsi[i] = _field(w, 8, 30)
        lon[i] = ((10 * _field(w, 61 - b, 28, True) + 3) // 6) / 1e6
        lat[i] = ((10 * _field(w, 89 - b, 27, True) + 3) // 6) / 1e6
        speed = _field(w, 50 - b, 10)
        course = _field(w, 116 - b, 12)
        head = _field(w, 128 - b, 9)
        sog[i] = speed / 10.0
        ok_sog[i] = speed < 1023
        cog[i] = course / 10.0
        ok_cog[i] = course < 3600
        heading[i] = head
        ok_heading[i] = head < 360
        st = _field(w, 38, 4)
        status[i] = st
        ok_status[i] = t != 18 and st != 15
        for c in range(4):  # mmsi, type, lat, lon: always there
            valid[c][i] = True


@njit(cache=True, inline="always")
def _text(w, start: int, out, r: int) -> None:  # type: ignore[no-untyped-def]
    """6-bit ASCII characters at bit ``start`` into row ``r`` of ``out`` (as pyais: codes
    below 32 are letters, 64 added)."""
    for k in range(out.shape[1]):
        code = _field(w, start + 6 * k, 6)
        out[r, k] = code + 64 if code < 32 else code


@njit(cache=True, nogil=True)
def decode_static5(buf, at1, len1, at2, ship_types):  # type: ignore[no-untyped-def]
    """Fields of 424-bit type 5 reports: 71 payload characters, ``len1`` of them at
    ``at1`` and the rest at ``at2`` (a second part). ``ship_types`` maps the 8-bit code to
    pyais's ship type.

    Returns ``(mmsi, msg_type, imo, ship_type, length, width, draught, call_sign, name,
    destination)``: numbers are 0 where the report says "not available", texts are raw
    6-bit ASCII (n x 7, n x 20, n x 20). (The payloads' hashes: :func:`hash_payloads`.)"""
    n = len(at1)
    mmsi = np.empty(n, dtype=np.int64)
    msg_type = np.empty(n, dtype=np.int64)
    imo = np.empty(n, dtype=np.int64)
    ship_type = np.empty(n, dtype=np.int64)
    length = np.empty(n, dtype=np.float64)
    width = np.empty(n, dtype=np.float64)
    draught = np.empty(n, dtype=np.float64)
    call_sign = np.empty((n, 7), dtype=np.uint8)
    name = np.empty((n, 20), dtype=np.uint8)
    destination = np.empty((n, 20), dtype=np.uint8)
    w = np.zeros(9, dtype=np.int64)
    for r in range(n):
        w[:] = 0
        for k in range(71):
            c = buf[at1[r] + k] if k < len1[r] else buf[at2[r] + k - len1[r]]
            _put_char(w, k, c)
        msg_type[r] = _field(w, 0, 6)
        mmsi[r] = _field(w, 8, 30)
        imo[r] = _field(w, 40, 30)
        ship_type[r] = ship_types[_field(w, 232, 8)]
        length[r] = _field(w, 240, 9) + _field(w, 249, 9)
        width[r] = _field(w, 258, 6) + _field(w, 264, 6)
        draught[r] = _field(w, 294, 8) / 10.0
        _text(w, 70, call_sign, r)
        _text(w, 112, name, r)
        _text(w, 302, destination, r)
    return (mmsi, msg_type, imo, ship_type, length, width, draught, call_sign, name,
            destination)  # fmt: skip


@njit(cache=True, nogil=True)
def echo_chains(h, ts, rec, window):  # type: ignore[no-untyped-def]
    """The same-transmission rule over payload hashes ``h`` (uint64), times ``ts`` and
    record ids ``rec`` (int64, rows in ``rec`` order): among the rows of one hash, in
    (ts, rec) order, a row at most ``window`` after the row before continues its chain.

    Returns, for the rows whose hash occurs more than once: ``rows`` (their row numbers),
    ``rep`` (the smallest rec id of each one's chain) and ``first`` (the row where its
    hash first occurs, to check that the payloads behind one hash are equal). Linear apart
    from the sort within each hash's rows (usually two or three): the rows are split by the
    top bits of their hash into parts of about a thousand (in row order within each), and
    each part is grouped by an open-addressing table small enough to stay in cache (one
    table over all rows missed the cache at almost every row: 2-3x slower)."""
    n = len(h)
    bits = 0
    while bits < 16 and (n >> bits) > 1024:
        bits += 1
    n_parts = 1 << bits
    s1, s2 = np.uint64(63 - bits), np.uint64(1)  # (two shifts: a shift by 64 is undefined)
    start = np.zeros(n_parts + 1, dtype=np.int64)
    for i in range(n):
        start[np.int64((h[i] >> s1) >> s2) + 1] += 1
    biggest = 0
    for p in range(n_parts):
        biggest = max(biggest, start[p + 1])
        start[p + 1] += start[p]
    order = np.empty(n, dtype=np.int64)  # the rows, part by part
    hashes = np.empty(n, dtype=np.uint64)  # their hashes
    fill = start[:-1].copy()
    for i in range(n):
        b = np.int64((h[i] >> s1) >> s2)
        q = fill[b]
        order[q], hashes[q] = i, h[i]
        fill[b] = q + 1
    size = 1
    while size < 2 * biggest:
        size <<= 1
    keys = np.empty(size, dtype=np.uint64)
    owner = np.empty(size, dtype=np.int64)  # slot -> its group (-1: free)
    group = np.empty(n, dtype=np.int64)  # group of each row of ``order``
    count = np.zeros(n + 1, dtype=np.int64)  # group -> its number of rows
    firsts = np.empty(n, dtype=np.int64)  # group -> its first row
    n_groups = 0
    for p in range(n_parts):
        lo, hi = start[p], start[p + 1]
        width = 1
        while width < 2 * (hi - lo):
            width <<= 1
        mask = width - 1
        owner[:width] = -1
        for q in range(lo, hi):
            k = hashes[q]
            j = np.int64(k & np.uint64(mask))
            while owner[j] >= 0 and keys[j] != k:
                j = (j + 1) & mask
            if owner[j] < 0:
                owner[j] = n_groups
                keys[j] = k
                firsts[n_groups] = order[q]
                n_groups += 1
            group[q] = owner[j]
            count[owner[j]] += 1
    # the groups of two or more in the order their hash first occurs, and their rows
    multi = np.empty(n_groups, dtype=np.int64)
    n_multi = 0
    for g in range(n_groups):
        if count[g] > 1:
            multi[n_multi] = g
            n_multi += 1
    multi = multi[:n_multi]
    multi = multi[np.argsort(firsts[multi], kind="mergesort")]
    rank = np.empty(n_groups, dtype=np.int64)
    begin = np.zeros(n_multi + 1, dtype=np.int64)
    for r in range(n_multi):
        rank[multi[r]] = r
        begin[r + 1] = begin[r] + count[multi[r]]
    m = begin[n_multi]
    rows = np.empty(m, dtype=np.int64)
    first = np.empty(m, dtype=np.int64)
    at = begin[:-1].copy()
    for q in range(n):  # (part by part, each in row order: a group's rows in row order)
        g = group[q]
        if count[g] > 1:
            r = rank[g]
            rows[at[r]], first[at[r]] = order[q], firsts[g]
            at[r] += 1
    rep = np.empty(m, dtype=np.int64)
    for g in range(n_multi):
        lo, hi = begin[g], begin[g + 1]
        # (ts, rec) order: a stable sort by time of rows already in rec order
        if hi - lo <= 32:  # as usual: an insertion sort in place
            for a in range(lo + 1, hi):
                row, b = rows[a], a
                while b > lo and ts[rows[b - 1]] > ts[row]:
                    rows[b] = rows[b - 1]
                    b -= 1
                rows[b] = row
        else:
            part = rows[lo:hi]
            rows[lo:hi] = part[np.argsort(ts[part], kind="mergesort")]
        a = lo
        while a < hi:
            b, low = a + 1, rec[rows[a]]
            while b < hi and ts[rows[b]] - ts[rows[b - 1]] <= window:
                low = min(low, rec[rows[b]])
                b += 1
            for r in range(a, b):
                rep[r] = low
            a = b
    return rows, rep, first


@njit(cache=True, nogil=True)
def merge_runs(keys, runs, bounds):  # type: ignore[no-untyped-def]
    """The rows of ``keys`` in key order, ties in row order, and their keys, from ``runs``:
    each piece's rows in key order (ties in row order), piece p's at
    ``runs[bounds[p]:bounds[p + 1]]``, the pieces in row order. Adjacent pieces are merged
    pairwise (a tie taken from the left), then pairs of those: log2(pieces) passes over the
    rows, each reading them in order."""
    n = len(runs)
    rows = np.empty(n, dtype=np.uint32)
    key = np.empty(n, dtype=np.int64)
    for i in range(n):
        rows[i] = runs[i]
        key[i] = keys[runs[i]]
    rows2, key2 = np.empty_like(rows), np.empty_like(key)
    cuts = bounds.copy()
    n_parts = len(cuts) - 1
    while n_parts > 1:
        merged = np.empty(n_parts // 2 + 2, dtype=np.int64)
        merged[0], m = 0, 1
        for p in range(0, n_parts, 2):
            lo, mid = cuts[p], cuts[p + 1]
            hi = cuts[p + 2] if p + 2 <= n_parts else mid
            i, j, t = lo, mid, lo
            while i < mid and j < hi:
                if key[j] < key[i]:
                    rows2[t], key2[t] = rows[j], key[j]
                    j += 1
                else:
                    rows2[t], key2[t] = rows[i], key[i]
                    i += 1
                t += 1
            while i < mid:
                rows2[t], key2[t] = rows[i], key[i]
                i += 1
                t += 1
            while j < hi:
                rows2[t], key2[t] = rows[j], key[j]
                j += 1
                t += 1
            merged[m] = hi
            m += 1
        cuts, n_parts = merged[:m], m - 1
        rows, rows2 = rows2, rows
        key, key2 = key2, key
    return rows, key


@njit(cache=True, inline="always")
def _kind(t: int, n_bits: int, single: bool, part: int, supported, lo, hi,
          type27_extra: int) -> int:  # type: ignore[no-untyped-def]  # fmt: skip
    """Unit kind of a message of type ``t`` and ``n_bits`` bits, -1 where the reader must
    decide (the reader's order: an unsupported type, then a wrong bit count)."""
    if not supported[t]:
        return UNSUPPORTED
    if not (lo[t] <= n_bits <= hi[t] or (t == 27 and n_bits == type27_extra)):
        return BAD_BITS
    if t == 5 and n_bits == 424:
        return T5
    if single and n_bits == 168:
        if t == 1 or t == 2 or t == 3 or t == 18:
            return POS
        if t == 24 and part <= 1:
            return T24
    if single and (t == 4 or t == 21):  # (a bit count the type allows: checked above)
        return STATION
    return -1


@njit(cache=True, nogil=True)
def select_units(buf, idx, at, plen, count, num, fill, head, key, ok, armour, supported, lo,
                 hi, type27_extra):  # type: ignore[no-untyped-def]  # fmt: skip
    """The scan rows that start a unit (see :func:`mda.ingest.fastdecode.select_units`):
    ``(rows, n, kind)``, a single sentence (n = 1) or two adjacent parts (n = 2)."""
    n_rows = len(idx)
    rows = np.empty(n_rows, dtype=np.int64)
    lines = np.empty(n_rows, dtype=np.int64)
    kinds = np.empty(n_rows, dtype=np.int8)
    j = 0
    for i in range(n_rows):
        if not ok[i]:
            continue
        t = armour[buf[at[i]]]
        k, n = -1, 1
        if count[i] == 1 and num[i] == 1:
            part = (armour[buf[at[i] + 6]] >> 2) & 3 if t == 24 else 0
            k = _kind(t, 6 * plen[i] - fill[i], True, part, supported, lo, hi, type27_extra)
        elif (
            count[i] == 2 and num[i] == 1 and i + 1 < n_rows and ok[i + 1]
            and idx[i + 1] == idx[i] + 1 and count[i + 1] == 2 and num[i + 1] == 2
            and head[i + 1] == head[i] and key[i + 1] == key[i]
        ):  # fmt: skip
            n_bits = 6 * (plen[i] + plen[i + 1]) - fill[i + 1]
            k, n = _kind(t, n_bits, False, 0, supported, lo, hi, type27_extra), 2
        if k >= 0:
            rows[j], lines[j], kinds[j] = i, n, k
            j += 1
    return rows[:j], lines[:j], kinds[:j]


def numpy_support_without_scipy() -> None:
    """Import numba's NumPy support (``numba.np.arraymath``) without importing SciPy.

    numba's first compile or cache load imports that module, which imports ``scipy.linalg``
    (a quarter of a second here) only to learn whether BLAS is there for its ``np.dot``;
    nothing here uses BLAS. The check is skipped and its answer set as numba would find it
    (BLAS comes with SciPy); numba's linear algebra imports SciPy itself when a compiled
    function uses it. Nothing to do when either module is imported already."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    import numba.np.linalg as linalg

    check = linalg.ensure_blas
    linalg.ensure_blas = lambda: None  # what numba.np.arraymath imports and calls at once
    try:
        import numba.np.arraymath as arraymath
    finally:
        linalg.ensure_blas = check
    arraymath.ensure_blas = check
    arraymath._HAVE_BLAS = importlib.util.find_spec("scipy") is not None
