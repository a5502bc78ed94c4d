"""The vectorised NMEA path gives exactly what the pyais reader gives.

Each test writes a file and compares ``parse_nmea_fast`` with ``parse_nmea_slow``
(every line through pyais): same records (fields bit for bit, reasons),
same lines and owners, same skipped counts.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest import fastdecode as fd
from mda.ingest import fastkernel as fk
from mda.ingest.fastscan import read_lines, scan, scan_vectorised
from mda.ingest.formats import iter_text_lines
from mda.sim import encode_nmea, make_track
from tests.ingest.factory import (
    EPOCH0,
    SHIP,
    T0,
    corrupt_checksum,
    pghp,
    position,
    sentences,
    tag,
    type1,
    with_payload,
    write_lines,
)
from tests.ingest.nmea_check import assert_same, assert_same_tables


def unit_lines(path: Path) -> int:
    """Lines of ``path`` the vectorised path takes (before looking at the reader's state)."""
    text_lines, buf, offsets = read_lines(path)
    return int(fd.select_units(scan(text_lines, buf, offsets), buf)["n"].sum())


def type18(**kw) -> str:
    return sentences(position(msg_type=18, **kw))[0]


# (id, line): single-part position reports the fast path must decode like pyais
FIELD_CASES = [
    ("type1-plain", type1()),
    ("type1-not-available", type1(speed=102.3, course=360.0, heading=511, status=15)),
    ("type1-no-position", type1(lat=91.0, lon=181.0)),
    ("type1-south-west", type1(lat=-33.8568, lon=-151.2153, status=5)),
    ("type1-east-north", type1(lat=89.999999, lon=179.999998, heading=359, speed=102.2)),
    ("type1-lon-minus-180", type1(lat=-90.0, lon=-180.0, course=359.9)),
    ("type2", sentences(position(msg_type=2, status=7))[0]),
    ("type3-status14", sentences(position(msg_type=3, status=14))[0]),
    ("type18", type18(lat=-12.5, lon=130.8, heading=511, speed=0.1)),
    ("type18-not-available", type18(speed=102.3, course=360.0, heading=511)),
    ("type1-invalid-mmsi", type1(mmsi=2_570_000)),
    ("type1-mmsi-max", type1(mmsi=999_999_999)),
]


@pytest.mark.parametrize("style", ["tag", "trailing", "leading", "none"])
def test_position_fields_bit_for_bit(tmp_path, style):
    wrap = {
        "tag": lambda x: tag(x, c=EPOCH0),
        "trailing": lambda x: f"{x},{EPOCH0}",
        "leading": lambda x: f"{EPOCH0}.250 {x}",
        "none": lambda x: x,
    }[style]
    lines = [wrap(line) for _, line in FIELD_CASES]
    parsed = assert_same(write_lines(tmp_path / "a.nmea", lines))
    assert parsed.records.height == len(FIELD_CASES)
    assert parsed.records[s.REASON].null_count() == len(FIELD_CASES)


def test_random_fleet_all_styles(tmp_path):
    """Simulated traffic in every timestamp style, with negative coordinates."""
    a = make_track(SHIP, [(-70.0, -40.0), (-69.0, -41.0)], 12.0, T0, jitter_m=5.0, seed=1)
    b = make_track(SHIP + 1, [(179.9, 10.0), (179.95, 9.9)], 6.0, T0, msg_type=18, seed=2)
    track = pl.concat([a, b])
    for style in ("tagblock", "leading_epoch", "trailing_epoch", "pghp"):
        lines = encode_nmea(track, timestamp_style=style, engine="fast")
        assert_same(write_lines(tmp_path / f"{style}.nmea", lines))


def test_rejects_and_deferrals(tmp_path):
    """Lines the fast path must reject or leave to pyais, each next to a clean line."""
    good = type1()
    lines = [
        corrupt_checksum(good),  # checksum
        tag(good, c=EPOCH0).replace("*", "*0", 1),  # tag block checksum broken
        "\\c:1709640000*00\\" + good,  # wrong tag block checksum
        with_payload(good, good.split(",")[5][:27]),  # 162 bits: bad_bit_count
        with_payload(good, good.split(",")[5] + "0"),  # 174 bits
        with_payload(good, good.split(",")[5], fill=2),  # 166 bits
        with_payload(good, "4" + good.split(",")[5][1:]),  # type 4 by its first character
        with_payload(good, "5" + good.split(",")[5][1:]),  # type 5, wrong length
        good.replace("!AIVDM", "!AIVDO"),  # own ship, any talker
        good.replace("!AIVDM", "!BSVDM").replace(good[-2:], "00"),
        tag(good, c=EPOCH0, s="rx1", t="x"),
        tag(good, c=EPOCH0 * 1000 + 123),  # milliseconds
        tag(good, c=99),  # not a receive time
        tag(good, c=EPOCH0, d=1) + ",5",  # junk after the checksum
        tag(good, c=EPOCH0).replace("c:", "c:1,c:"),  # two c: fields
        f"{good},s123,d-100,T1.2,r1,{EPOCH0 + 5}",  # USCG trailing fields
        f"{good},99,{EPOCH0}",
        f"  {good}  ",
        f"\t{EPOCH0} {good}",
        "$GPRMC,120000,A,5740.000,N,01810.000,E,0.0,0.0,050324,,*00",
        "garbage " + good,
        "",
        "# comment",
        good,
    ]
    assert_same(write_lines(tmp_path / "a.nmea", lines))


def test_context_lines_apply_to_the_next_sentence(tmp_path):
    """A lone tag block or $PGHP line gives its time to the next sentence, not later ones."""
    good, other = type1(), type1(mmsi=SHIP + 1)
    t1 = T0 + timedelta(minutes=5)
    lines = [
        tag("", c=EPOCH0 + 10),  # lone tag block line
        good,
        other,
        pghp(t1),
        good,
        other,
        pghp(t1),
        "$GPRMC,1*00",  # the $PGHP time passes over a non-AIS line
        other,
        "\\c:1709640000*00\\",  # lone tag block with a bad checksum
        good,
        good,
    ]
    assert_same(write_lines(tmp_path / "a.nmea", lines))


def test_multipart_interleaved_with_fast_lines(tmp_path):
    """Type 5 parts with fast lines between them, and a part that never completes."""
    static = {"type": 5, "mmsi": SHIP, "shipname": "NORDIC STAR", "callsign": "LABC",
              "ship_type": 70, "to_bow": 100, "to_stern": 20}  # fmt: skip
    p1, p2 = sentences(static, seq_id=3)
    q1, _ = sentences(static, seq_id=4)
    fast = [tag(type1(mmsi=SHIP + k), c=EPOCH0 + k) for k in range(120)]
    lines = [p1, *fast[:3], p2, q1, *fast[3:], p1, fast[0], p2]
    assert_same(write_lines(tmp_path / "a.nmea", lines))


def test_newlines_bytes_and_gzip(tmp_path):
    good = tag(type1(), c=EPOCH0)
    data = (good + "\r\n" + good + "\r" + type1(mmsi=SHIP + 1) + "\n\n").encode()
    data += b"\xff\xfe" + good.encode() + b"\n" + good.encode()  # no final newline
    path = tmp_path / "a.nmea"
    path.write_bytes(data)
    assert_same(path)
    assert_same(write_lines(tmp_path / "b.nmea.gz", [good, type1()], compress=True))


def test_mutated_lines(tmp_path):
    """Random byte mutations of realistic lines: same fates on both paths."""
    track = make_track(SHIP, [(18.0, 57.0), (18.2, 57.1)], 10.0, T0, sog_sd_kn=0.5)
    lines = encode_nmea(track, timestamp_style="tagblock", engine="fast")
    rng = np.random.default_rng(7)
    alphabet = list("0123456789ABCDEFW`w,*!\\$ :c.")
    out = []
    for line in lines:
        chars = list(line)
        for _ in range(rng.integers(0, 3)):
            chars[rng.integers(len(chars))] = alphabet[rng.integers(len(alphabet))]
        out.append("".join(chars))
    parsed = assert_same(write_lines(tmp_path / "a.nmea", out))
    reasons = parsed.records[s.REASON].value_counts()
    assert reasons.height > 1  # some lines did break


def two_fields(body: str, sentence: str) -> str:
    """A tag block of the given body (a field twice, say) before ``sentence``."""
    from tests.ingest.factory import checksum

    return f"\\{body}*{checksum(body)}\\{sentence}"


def test_compiled_scan_takes_the_common_forms(tmp_path):
    """The compiled scan reads bare sentences and those with a tag block of a time and a
    station in either order (Norway's stream, AIS-catcher), a leading epoch or one trailing
    epoch field or more fields after the checksum (satellite feeds, USCG), a wrong checksum
    included, other tag fields (g: groups, t: texts), and leaves the rest (a time that is
    no epoch, a field twice, leading blanks, damage) to the expression scan; the rows are
    the same either way."""
    bad_tag = "\\c:" + str(EPOCH0) + "*00\\" + type1()
    common = [type1(), tag(type1(), c=EPOCH0), type18(), tag(type18(), c=EPOCH0 * 1000),
              corrupt_checksum(type1()), bad_tag, tag(type1(), c=EPOCH0, s="rcv1"),
              tag(type1(), s="2573250", c=EPOCH0 + 1), tag(type1(), s="rx 9"),
              f"{EPOCH0} {type1()}", f"{type1()},{EPOCH0}", f"{type1()},{EPOCH0}.1234567",
              f"{EPOCH0}.125\t {tag(type1(), s='rx1')}",
              f"{tag(type1(), c=9_999_999_999)},{EPOCH0 + 7}",
              f"{EPOCH0 * 1000 + 5} {type1()},{EPOCH0 + 9}", f"{type1()},99999999999999"[:-1],
              f"{type1()},s123,d-100,T1.2,r1,{EPOCH0 + 11}", f"{type1()},{EPOCH0} \t",
              f"{type1()},x,{EPOCH0 + 12},{EPOCH0}", f"{type1()},{EPOCH0 * 10000},{EPOCH0}",
              f"{type1()},{EPOCH0}.", f"{type1()},,", f"{type1()}  ",
              tag(type1(), g="1-2-9310", s="2573135", c=EPOCH0), tag(type1(), g="2-2-9310"),
              tag(type1(), c=EPOCH0, t="a text", d=""), tag(type1(), cs="x", c=EPOCH0)]  # fmt: skip
    other = [tag(type1(), c=EPOCH0 * 10000), type1()[:-2] + "ZZ", "!AIVDM,1,1,,A,13u,0", "",
             tag(type1(), C=EPOCH0), tag(type1(), c=f"{EPOCH0}.25"), tag(type1(), s=""),
             two_fields("s:a,s:b", type1()), two_fields(f"c:{EPOCH0},c:{EPOCH0}", type1()),
             f"{type1()},x*1,{EPOCH0}", f"12345678 {type1()}", f"{EPOCH0}{type1()}",
             f"{type1()}!,{EPOCH0}", f" {type1()}"]  # fmt: skip
    path = write_lines(tmp_path / "a.nmea", common + other)
    text_lines, buf, offsets = read_lines(path)
    lengths = text_lines.str.len_bytes().cast(pl.Int64).to_numpy(writable=True)
    simple, _ = fk.scan_lines(buf, offsets, lengths, 0, 2**40)
    assert simple.tolist() == [True] * len(common) + [False] * len(other)
    compiled = scan(text_lines, buf, offsets)
    assert compiled.equals(scan_vectorised(text_lines, buf, offsets))
    # what the fast path asks for: the other forms' lines only where they are ok (the
    # compiled forms' broken lines stay: the scan gives them anyway)
    kept = compiled.filter((pl.col("idx") < len(common)) | pl.col("ok"))
    assert scan(text_lines, buf, offsets, broken=False).equals(kept)
    assert kept.height < compiled.height and kept["ok"].sum() == compiled["ok"].sum()
    n = len(common)
    assert compiled["idx"].to_list()[:n] == list(range(n))
    assert compiled["ok"].to_list()[:9] == [True] * 4 + [False] * 2 + [True] * 3
    assert compiled["station"].to_list()[5:9] == [None, "rcv1", "2573250", "rx 9"]
    us = compiled["ts"].dt.epoch("us").to_list()[:n]
    e = EPOCH0 * 1_000_000
    # bare sentences and a station without time have none; then each form's own
    # (a tag time after 2100 gives way to the trailing epoch, which comes before a leading
    # one; 13 nines are milliseconds after 2100: no time)
    assert us == [None, e, None, e, None, e, e, e + 1_000_000, None, e, e, e + 123456,
                  e + 125_000, e + 7_000_000, e + 9_000_000, None, e + 11_000_000, e,
                  e + 12_000_000, e, None, None, None, e, None, e, e]  # fmt: skip


@pytest.mark.realdata
def test_real_files(shared_data):
    skip = ("LICENSE", "NOTICE", "COPYING", ".MD")
    files = [
        p for p in sorted((shared_data / "nmea").rglob("*"))
        if p.is_file() and not any(k in p.name.upper() for k in skip)
    ]  # fmt: skip
    assert len(files) > 20
    decoded = 0
    for path in files:
        decoded += assert_same(path).records[s.REASON].null_count()
    assert decoded > 10_000


def test_lines_starting_like_a_compressed_buffer(tmp_path):
    # polars would take a piece starting "x^" or "x\x01" (zlib's magic numbers) for a
    # compressed buffer: such a line, first in the file or in a piece, is a line like any
    # other (not AIS), read the same by both readers
    fixes = [tag(type1(), c=EPOCH0), tag(type1(mmsi=SHIP + 1), c=EPOCH0)]
    lines = ["x^garbage", fixes[0], "x\x01garbage", fixes[1]]
    path = write_lines(tmp_path / "x.nmea", lines)
    assert_same(path)
    res = assert_same_tables(path)
    assert (res.lines_read, res.accepted, res.rejects) == (4, 2, {"not_ais": 2})


def test_empty_of_data(tmp_path):
    parsed = assert_same(write_lines(tmp_path / "a.nmea", ["", "# only a comment"]))
    assert parsed.records.height == 0
    # the records schema, plus the origin columns the fast reader passes to finalize
    hashes = {"_payload_hash": pl.UInt64(), "_payload_check": pl.UInt64()}
    assert parsed.records.schema == pl.Schema(
        {**r.RECORDS_SCHEMA, "_label": pl.String(), **hashes}
    )


# --- static reports: 2-part type 5 and single-part type 24 on the vectorised path ---------


def static5(mmsi: int = SHIP, **kw) -> dict:
    base = {"type": 5, "mmsi": mmsi, "imo": 9123456, "callsign": "LAXX", "shipname": "NORDIC STAR",
            "ship_type": 70, "to_bow": 100, "to_stern": 20, "to_port": 10, "to_starboard": 12,
            "draught": 6.3, "destination": "BERGEN"}  # fmt: skip
    return {**base, **kw}


STATIC_CASES = [
    # (id, message): each must decode on the fast path exactly as pyais decodes it
    ("t5-plain", static5()),
    ("t5-not-available", static5(imo=0, callsign="", shipname="", ship_type=0, to_bow=0,
                                 to_stern=0, to_port=0, to_starboard=0, draught=0,
                                 destination="")),
    ("t5-pyais-folds-ship-type-57", static5(ship_type=57)),
    ("t5-pyais-folds-ship-type-100", static5(ship_type=100)),
    ("t5-text-at-signs-and-spaces", static5(shipname=" A@B ", destination="@X Y")),
    ("t5-max-values", static5(imo=(1 << 30) - 1, to_bow=511, to_stern=511, to_port=63,
                              to_starboard=63, draught=25.5, ship_type=99)),
    ("t24a", {"type": 24, "mmsi": SHIP, "partno": 0, "shipname": "SMALL BOAT"}),
    ("t24a-empty-name", {"type": 24, "mmsi": SHIP, "partno": 0, "shipname": ""}),
    ("t24b", {"type": 24, "mmsi": SHIP, "partno": 1, "ship_type": 37, "callsign": "LB1234",
              "to_bow": 5, "to_stern": 3, "to_port": 1, "to_starboard": 2}),
    ("t24b-auxiliary-craft", {"type": 24, "mmsi": 982571234, "partno": 1, "ship_type": 52,
                              "callsign": "AUX", "mothership_mmsi": SHIP}),
]


@pytest.mark.parametrize("msg", [m for _, m in STATIC_CASES], ids=[i for i, _ in STATIC_CASES])
def test_static_fields_bit_for_bit(tmp_path, msg):
    lines = [tag(p, c=EPOCH0) for p in sentences(msg, seq_id=4)]
    path = write_lines(tmp_path / "static.nmea", [tag(type1(), c=EPOCH0), *lines])
    parsed = assert_same(path)
    assert unit_lines(path) == 1 + len(lines)  # every line took the vectorised path
    assert parsed.records[s.REASON].null_count() == 2


def test_repeated_static_reports_decoded_once_each(tmp_path):
    """Static reports repeat (a vessel sends the same type 5 and 24 every few minutes):
    each distinct payload is decoded once and its fields given to every repeat, with the
    same fields as pyais's decode of each."""
    messages = [m for _, m in STATIC_CASES]
    lines = [
        tag(p, c=EPOCH0 + k)
        for k in range(30)
        for j, msg in enumerate(messages)
        for p in sentences(msg, seq_id=(k + j) % 10)
    ]
    path = write_lines(tmp_path / "repeats.nmea", lines)
    parsed = assert_same(path)
    assert parsed.records[s.REASON].null_count() == 30 * len(messages)
    assert unit_lines(path) == len(lines)
    decoded = parsed.records.filter(pl.col(s.MSG_TYPE) == 5)
    hashes = tuple(decoded[c].to_numpy() for c in (r._PAYLOAD_HASH, r._PAYLOAD_CHECK))
    first, _ = fd._repeats(hashes)  # (the path taken: few distinct payloads)
    assert len(first) == sum(m.get("type") != 24 for m in messages)


def test_type24_unknown_part_number_goes_to_pyais(tmp_path):
    t24 = sentences({"type": 24, "mmsi": SHIP, "partno": 0, "shipname": "X"})[0]
    body = t24[: t24.index("*")]
    payload = body.split(",")[5]
    c6 = ord(payload[6]) - 48
    c6 -= 8 if c6 > 40 else 0
    bumped = c6 | 0b001000  # part number 2
    bumped += 8 if bumped > 39 else 0
    line = with_payload(t24, payload[:6] + chr(bumped + 48) + payload[7:])
    path = write_lines(tmp_path / "p2.nmea", [tag(line, c=EPOCH0)])
    assert unit_lines(path) == 0
    assert_same(path)


def test_pair_after_an_orphan_part_with_the_same_key(tmp_path):
    # an orphan first part (its second part is lost) holds the group key the next pair
    # uses: pyais's reader closes it as missing_fragment when the pair starts
    orphan = sentences(static5(mmsi=SHIP + 5), seq_id=3)[0]
    pair = [tag(p, c=EPOCH0 + 1) for p in sentences(static5(), seq_id=3)]
    lines = [tag(orphan, c=EPOCH0), *[tag(type1(), c=EPOCH0 + k) for k in range(3)], *pair,
             *pair]  # fmt: skip
    parsed = assert_same(write_lines(tmp_path / "orphan.nmea", lines))
    assert "missing_fragment" in parsed.records[s.REASON].to_list()


@pytest.mark.parametrize("context", ["tagblock", "pghp"])
def test_context_before_a_pair(tmp_path, context):
    ctx = tag("", c=EPOCH0 + 9) if context == "tagblock" else pghp(T0)  # a lone context line
    pair = sentences(static5(), seq_id=1)
    assert_same(write_lines(tmp_path / "ctx.nmea", [tag(type1(), c=EPOCH0), ctx, *pair]))


def test_pieces_of_a_feed_heard_by_two_receivers(tmp_path):
    """A day heard by two receivers (one of them late and lossy), with broken lines: the
    tables are the same however the file is cut into pieces (echoes, repeats and parts
    of one message in different pieces), and the same as the pyais reader's."""
    from mda.sim import simulate_day

    day = simulate_day(date(2024, 3, 5), seed=11, n_normal=3)
    lines = encode_nmea(day.positions.head(1500), day.vessels, engine="fast",
                        timestamp_style="tagblock")  # fmt: skip
    def rx2(line: str, k: int) -> str:  # heard 1 s later by a second receiver
        epoch = int(line.split("c:")[1].split("*")[0])
        heard = tag(line.split("\\")[2], c=epoch + 1, s="rx2")
        return heard if k % 2 else heard.replace("s:rx2", "s:rx3")  # (tag checksum broken)

    mixed = []
    for i, line in enumerate(lines):
        mixed.append(line)
        if i % 3 == 0 and i + 40 < len(lines):
            mixed.append(lines[i + 40] if i % 9 == 0 else rx2(line, i // 3))
        if i % 97 == 0:
            mixed.append(line[: len(line) // 2])  # a line cut short
    res = assert_same_tables(write_lines(tmp_path / "two.nmea", mixed))
    assert res.rejects["duplicate"] > 200 and res.rejects["checksum"] > 100
    assert res.positions[s.SOURCES].list.len().max() == 2 and res.vessels.height >= 2


def test_generated_feed_with_statics(tmp_path):
    # the simulator's fleet: types 1/18, 2-part type 5 and 24 A/B every 6 minutes
    from mda.sim import simulate_day

    day = simulate_day(date(2024, 3, 5), seed=7, n_normal=3)
    lines = encode_nmea(day.positions.head(3000), day.vessels, engine="fast",
                        timestamp_style="tagblock")  # fmt: skip
    path = write_lines(tmp_path / "sim.nmea", lines)
    parsed = assert_same(path)
    assert parsed.records[s.MSG_TYPE].is_in([5, 24]).sum() > 10


# --- dialects on the vectorised path, and what it leaves to the reader ---------------------


def test_dialect_variants(tmp_path):
    """Times, stations, talkers, spacing and checksum spellings, each next to plain lines."""
    good = type1()
    lower = good[: good.index("*") + 1] + good[-2:].lower()
    lines = [
        tag(good, c=EPOCH0 * 1000 + 999),  # milliseconds since the epoch
        tag(good, c=f"{EPOCH0}.25"),  # a fraction: not the common form
        tag(good, c=EPOCH0, s="rx1"),
        tag(good, s="rx2", c=EPOCH0 + 1),  # station first
        tag(good, c=9_999_999_999),  # after 2100: no time
        tag(good, c=123_456_789),  # 9 digits, before 2000: no time
        f"{EPOCH0} {tag(good, c=EPOCH0 + 7)}",  # leading epoch and tag block: the tag wins
        f"{EPOCH0}.125  {good}",
        f"{good}  ",  # trailing spaces
        f"{good},{EPOCH0 + 9}  ",
        f"{good},x*12,{EPOCH0 + 3}",  # a '*' after the checksum
        f"{good},{EPOCH0 * 1000 + 5}",
        lower,
        tag(lower, c=EPOCH0),
        good.replace("!AIVDM", "!AIVDO").replace(good[-2:], "00"),
        with_payload(good.replace("!AIVDM", "!ABVDM"), good.split(",")[5]),
        with_payload(good.replace("!AIVDM", "!--VDO"), good.split(",")[5]),
        good.replace(",A,", ",,").replace(good[-2:], "00"),
        with_payload(good.replace(",A,", ",,"), good.split(",")[5]),  # no channel
        with_payload(good.replace(",,A,", ",12345,AB,"), good.split(",")[5]),  # long fields
        with_payload(good.replace(",,A,", ",7,B,"), good.split(",")[5]),
        good,
    ]
    path = write_lines(tmp_path / "a.nmea", lines)
    parsed = assert_same(path)
    assert parsed.records[s.REASON].null_count() > 15
    assert unit_lines(path) >= 15  # the unusual forms too


def test_rejects_on_the_vectorised_path(tmp_path):
    """Unsupported types and bad bit counts, single and 2-part, as the reader judges them."""
    good = type1()
    payload = good.split(",")[5]
    t4 = sentences({"type": 4, "mmsi": 2_570_000})[0]
    t8 = sentences({"type": 8, "mmsi": SHIP, "data": b"\x01" * 60}, seq_id=2)
    p5 = sentences(static5(), seq_id=5)
    short5 = [p5[0], with_payload(p5[1], p5[1].split(",")[5][:-1], fill=2)]  # 418 bits
    lines = [
        t4,
        *t8,  # 2-part binary broadcast: unsupported, both lines rejected together
        with_payload(good, payload[:20]),  # type 1 of 120 bits
        with_payload(good, "K" + payload[1:]),  # type 27 at 168 bits: allowed, to pyais
        with_payload(good, "K" + payload[1:16]),  # type 27 at 96 bits
        with_payload(good, "K" + payload[1:12]),  # type 27 at 72 bits: bad bit count
        *short5,
        with_payload(good, "5" + payload[1:]),  # type 5 in 168 bits
        good,
    ]
    parsed = assert_same(write_lines(tmp_path / "a.nmea", lines))
    reasons = parsed.records[s.REASON].drop_nulls().to_list()
    assert {"unsupported_type", "bad_bit_count"} <= set(reasons)
    assert unit_lines(tmp_path / "a.nmea") >= 6
    # the units' rejected lines reach the quarantine with their text, both lines of a
    # 2-part unit, as the pyais reader's do
    res = assert_same_tables(tmp_path / "a.nmea")
    quarantined = res.quarantine.filter(pl.col(s.REASON) == "unsupported_type")[s.RAW]
    assert set(t8) <= set(quarantined.to_list())


def test_one_sentence_type5(tmp_path):
    """A 424-bit type 5 in one sentence (some receivers send it so)."""
    whole = sentences(static5(), seq_id=1)
    payload = "".join(p.split(",")[5] for p in whole)
    line = with_payload(whole[0].replace(",2,1,1,", ",1,1,,"), payload, fill=2)
    path = write_lines(tmp_path / "a.nmea", [tag(line, c=EPOCH0), tag(type1(), c=EPOCH0)])
    parsed = assert_same(path)
    assert unit_lines(path) == 2
    assert parsed.records[s.VESSEL_NAME].to_list()[0] == "NORDIC STAR"


def test_interleaved_and_recycled_sequence_ids(tmp_path):
    """Parts of several messages share sequence ids and interleave with other sentences:
    the reader's grouping (first part replaces a pending one with the same key) holds."""
    a = sentences(static5(mmsi=SHIP), seq_id=0)
    b = sentences(static5(mmsi=SHIP + 1), seq_id=0)
    c = sentences(static5(mmsi=SHIP + 2), seq_id=1)
    fast = [tag(type1(mmsi=SHIP + 10 + k), c=EPOCH0 + k) for k in range(5)]
    lines = [
        a[0], b[0], c[0], a[1], b[1], c[1],  # three first parts, then three second parts
        *fast, a[0], a[1], b[0], fast[0], b[1],  # an adjacent pair, then a split one
        c[1], c[0], c[1],  # a lone second part, then a pair
        a[0], *fast * 25, a[1],  # parts more than 100 lines apart
        b[0], b[0], b[1], a[1], a[0],  # a repeated first part; a part never completed
    ]  # fmt: skip
    parsed = assert_same(write_lines(tmp_path / "a.nmea", lines))
    assert "missing_fragment" in parsed.records[s.REASON].to_list()


def test_bytes_the_line_splitter_must_keep(tmp_path):
    """Unit separators, a byte order mark, invalid UTF-8 and lone carriage returns."""
    good = tag(type1(), c=EPOCH0).encode()
    for name, data in [
        ("us", good + b"\n\x1f" + good + b"\n" + good),
        ("bom", b"\xef\xbb\xbf" + good + b"\n" + good + b"\n"),
        ("utf8", "ÆØÅ ".encode() + good + b"\n" + good + b"\n\xff\n"),
        ("cr", good + b"\r" + good + b"\r\n\r\n" + good),
        ("blank", b"\n\n" + good + b"\n\n"),
        ("newline", b"\n"),
    ]:
        path = tmp_path / f"{name}.nmea"
        path.write_bytes(data)
        assert_same(path)
        assert read_lines(path)[0].to_list() == list(iter_text_lines(path)), name


def test_generated_feed_takes_the_vectorised_path(tmp_path):
    """The benchmark's kind of feed: nearly every line is decoded in bulk (a regression
    here is a silent slowdown, not a wrong result)."""
    from mda.sim import simulate_day

    day = simulate_day(date(2024, 3, 5), seed=7, n_normal=3)
    lines = encode_nmea(day.positions.head(4000), day.vessels, engine="fast",
                        timestamp_style="tagblock")  # fmt: skip
    path = write_lines(tmp_path / "sim.nmea", lines)
    assert unit_lines(path) >= 0.95 * len(lines)


def test_finalize_sees_the_same_records(tmp_path):
    """The same transmission heard by two stations and talkers, across both paths:
    finalize gives the same tables from the fast and the reader's records."""
    good, other = type1(), type1(mmsi=SHIP + 1, lat=60.1)
    p5 = sentences(static5(), seq_id=1)
    lines = [
        tag(good, c=EPOCH0, s="rx1"),
        tag(good, c=EPOCH0 + 2, s="rx2"),  # heard twice: duplicate, sources of both
        tag(good.replace("!AIVDM", "!BSVDM").replace(good[-2:], f"{_cs(good, 'BS')}"),
            c=EPOCH0 + 3),
        pghp(T0 + timedelta(seconds=1)),
        other,  # through pyais (context)
        tag(other, c=EPOCH0 + 1, s="rx3"),
        *[tag(p, c=EPOCH0, s="rx1") for p in p5],
        *[tag(p, c=EPOCH0 + 1, s="rx2") for p in p5],
        tag(type1(mmsi=SHIP + 2), c=EPOCH0 + 400),
    ]
    path = write_lines(tmp_path / "dup.nmea", lines)
    res = assert_same_tables(path)
    assert res.rejects.get("duplicate", 0) >= 3
    assert res.positions[s.SOURCES].list.len().max() >= 2


def _cs(sentence: str, talker: str) -> str:
    from tests.ingest.factory import checksum

    body = sentence[1 : sentence.index("*")]
    return checksum(talker + body[2:])


def test_contexts_before_every_kind_of_unit(tmp_path):
    """Lone tag blocks and $PGHP lines (valid, broken, stacked) before units with and
    without their own time: the unit takes the time the reader would give it."""
    good = type1()
    p5 = sentences(static5(), seq_id=2)
    orphan = sentences(static5(mmsi=SHIP + 4), seq_id=2)[0]
    station = sentences({"type": 21, "mmsi": 992_570_001, "aid_type": 20, "name": "BUOY",
                         "lat": 59.4, "lon": 5.3, "second": 30})[0]  # fmt: skip
    contexts = [
        [tag("", c=EPOCH0 + 10)],
        [tag("", s="rx9")],  # a tag block without time
        ["\\c:1709640000*00\\"],  # wrong checksum: the next sentence is a checksum reject
        [pghp(T0 + timedelta(seconds=20))],
        [tag("", c=EPOCH0 + 30), pghp(T0 + timedelta(seconds=40))],
        [pghp(T0), "$GPRMC,1*00"],  # the context waits over a non-AIS line
    ]
    units = [
        [good],
        [tag(good, c=EPOCH0 + 50)],
        [tag(good, s="rx1")],  # own tag block without time
        [f"{good},{EPOCH0 + 60}"],
        [f"{EPOCH0 + 70} {good}"],
        p5,
        [tag(p, c=EPOCH0 + 80) for p in p5],
        [with_payload(good, "8" + good.split(",")[5][1:])],  # unsupported type
        [with_payload(good, "4" + good.split(",")[5][1:])],  # a base station report (168 bits)
        [station],  # an aid-to-navigation report
        [tag(station, c=EPOCH0 + 90)],
    ]
    lines = []
    for ctx in contexts:
        for unit in units:
            lines += [*ctx, *unit, type1(mmsi=SHIP + 7)]
    lines += [orphan, pghp(T0), *p5]  # a context before a pair whose key is pending
    assert_same(write_lines(tmp_path / "ctx.nmea", lines))


def test_part_on_a_line_owned_by_a_glued_broken_sentence(tmp_path):
    """Found by hypothesis (tests/ingest/test_fuzz.py GLUED): line 2 belongs to its first
    sentence, a broken ``!AAVDM`` (checksum), yet carries part 2 of the type 5 begun on
    line 1. The decoded record's payload is both parts joined, in both paths and in
    finalize, not what line 1 alone holds."""
    from mda.ingest._records import finalize
    from mda.ingest.fastdecode import parse_nmea_fast
    from mda.ingest.nmea import parse_nmea_slow

    part1 = "!AIVDM,2,1,3,A,53m62@02;=`0h5QP000pu8@T>1=@580000000016<PD::0000?0QDQiCP000,0*79"
    part2 = "!AIVDM,2,2,3,A,00000000000,2*27"
    lines = [
        tag(part1, c=EPOCH0 + 1),
        f"\t\t!AAVDM{part2}",
        tag(part1, c=EPOCH0 + 3, s="rx2"),  # the same transmission heard again: duplicate
        part2,
    ]
    path = write_lines(tmp_path / "glued.nmea", lines)
    parsed = assert_same(path)
    decoded = parsed.records.filter(pl.col(s.REASON).is_null())
    joined = pl.Series([part1.split(",")[5] + "00000000000"] * 2)
    assert [decoded[c].to_list() for c in (r._PAYLOAD_HASH, r._PAYLOAD_CHECK)] == [
        h.tolist() for h in fk.hash_texts(joined)
    ]
    fast, slow = finalize([parse_nmea_fast(path)]), finalize([parse_nmea_slow(path)])
    assert fast.vessels.equals(slow.vessels) and fast.quarantine.equals(slow.quarantine)
    assert (fast.accepted, fast.rejects) == (1, {"checksum": 1, "duplicate": 2})


@pytest.fixture
def numba_kernels(monkeypatch):
    """numba's versions of the kernels for the test (not the module built ahead of time)."""
    monkeypatch.setattr(fk, "kernels", fk._jit)
    fk.warm_up.cache_clear()
    yield
    fk.warm_up.cache_clear()


def test_a_run_compiles_nothing_after_the_warm_up(tmp_path, numba_kernels):
    """The warm-up loads the one version of each compiled function that a run uses: an
    argument of another array type (a read-only array, another dtype) would make numba
    compile a second version in the middle of the run, which costs seconds (and the
    module built ahead of time refuse it)."""
    fk.warm_up().join()
    kernels = [fk.scan_simple, fk.select_units, fk.decode_positions, fk.decode_static5,
               fk.echo_chains, fk.hash_payloads]  # fmt: skip
    before = [len(k.signatures) for k in kernels]
    assert before == [1] * len(kernels)
    track = make_track(SHIP, [(18.0, 57.0), (18.2, 57.1)], 10.0, T0)
    lines = encode_nmea(track, timestamp_style="tagblock", engine="fast")
    path = write_lines(tmp_path / "a.nmea", [*lines, *lines[:5]])  # some heard twice
    res = r.finalize([fd.parse_nmea_fast(path)])
    assert res.rejects["duplicate"] == 5  # (the compiled hash table found them)
    assert [len(k.signatures) for k in kernels] == before


@pytest.mark.parametrize("n", [0, 1, 7, 300, 5000])
def test_static_texts_in_python_and_in_polars_agree(n):
    """A piece's few static texts are made in Python (fastbits.few_texts), many through
    polars (fastdecode.text_rows, fastbits.text's numpy path): the same values, '@' and
    spaces stripped at both ends, empty -> null."""
    from mda.ingest import fastbits as fb

    rng = np.random.default_rng(n)
    chars = rng.choice(np.frombuffer(b"AB C@9-", dtype=np.uint8), size=(n, 20))
    chars[::3] = ord("@")  # (all padding: null)
    chars[1::4, :5] = ord(" ")
    by_polars = fd.text_rows(chars).str.strip_chars(" @")
    by_polars = by_polars.set(by_polars == "", None)
    assert fb.few_texts(chars).to_list() == by_polars.to_list()
    assert fd._text(chars).to_list() == by_polars.to_list()  # (either path, by n)
    if n:
        assert by_polars.null_count() >= (n + 2) // 3
