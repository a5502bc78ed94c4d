"""Deduplication across sources and receivers: one row per report, with its ``sources``.

Scenario files are built with pyais (tests/ingest/factory.py). Rules under test (see
``mda.ingest._records``): (1) identical NMEA payloads at most 60 s apart are one
transmission; (2) fixes of one MMSI in the same second (floored) within 1e-5 degree are
one report. The first record in input order is kept, the others are "duplicate".
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pyais
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from mda import schema as s
from mda.ingest import read_input, read_inputs
from mda.ingest.formats import DMA_COLUMNS, NOAA_COLUMNS
from mda.store.load import load_positions
from tests.ingest.factory import EPOCH0, SHIP, SHIP2, T0, sentences, tag, type1, write_lines

NOAA_HEADER = ",".join(NOAA_COLUMNS)
DMA_HEADER = ",".join(DMA_COLUMNS)
LAT, LON = 60.1234567, 5.7654321  # not on a 5-decimal grid: CSV copies are rounded
AIVDM = type1(lat=LAT, lon=LON)
BSVDM = sentences({"type": 1, "mmsi": SHIP, "lat": LAT, "lon": LON, "speed": 10.0,
                   "course": 90.0, "heading": 91, "status": 0}, talker="BS")[0]  # fmt: skip
STATIC5 = {
    "type": 5, "mmsi": SHIP, "imo": 9123456, "callsign": "LAXX", "shipname": "NORDIC STAR",
    "ship_type": 70, "to_bow": 100, "to_stern": 20, "to_port": 10, "to_starboard": 10,
    "draught": 6.0, "destination": "BERGEN",
}  # fmt: skip


def accounting_holds(res) -> bool:
    """Every line has one fate, and every rejected line is in the quarantine."""
    rejected = sum(res.rejects.values())
    return res.accepted + rejected == res.lines_read and res.quarantine.height == rejected


def decoded_fix() -> tuple[float, float]:
    """LAT/LON as the NMEA reader returns them (AIS 1/600000 degree, as pyais rounds it)."""
    msg = pyais.decode(AIVDM)
    return msg.lat, msg.lon


def noaa(path, rows: list[str]):
    path.write_text(NOAA_HEADER + "\n" + "\n".join(rows) + "\n")
    return path


def noaa_row(lat: float, lon: float, ts: str = "2024-03-05T12:00:00", mmsi: int = SHIP) -> str:
    return f"{mmsi},{ts},{lat},{lon},10.0,90.0,91,,,,,0,,,,,A"


def dma_row(lat: float, lon: float, ts: str = "05/03/2024 12:00:00") -> str:
    return f"{ts},Class A,{SHIP},{lat},{lon},Under way using engine,,10.0,90.0,91" + "," * 12


def test_one_transmission_heard_by_two_stations_in_one_file(tmp_path):
    # the same payload relayed by a base station (talker BS) 2 s later, tagged with stations
    path = write_lines(
        tmp_path / "rx.nmea",
        [tag(AIVDM, c=EPOCH0, s="rx1"), tag(BSVDM, c=EPOCH0 + 2, s="rx2")],
    )
    res = read_input(path)
    assert res.positions.height == 1
    assert res.positions[s.TS].to_list() == [T0]  # the first record is the one kept
    assert res.positions[s.SOURCES].to_list() == [
        ["nmea:rx.nmea/AIVDM/s:rx1", "nmea:rx.nmea/BSVDM/s:rx2"]
    ]
    q = res.quarantine.select(s.LINE_NO, s.REASON).rows()
    assert q == [(2, "duplicate")]
    assert accounting_holds(res)


def test_same_payload_in_two_receivers_files_with_clock_skew(tmp_path):
    # receiver b's clock is 3 s behind; file a comes first in input order, so its row is kept
    a = write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0 + 3)])
    b = write_lines(tmp_path / "b.nmea", [tag(AIVDM, c=EPOCH0)])
    res = read_inputs([a, b])
    assert res.positions[s.TS].to_list() == [T0 + timedelta(seconds=3)]
    assert res.positions[s.SOURCES].to_list() == [["nmea:a.nmea/AIVDM", "nmea:b.nmea/AIVDM"]]
    assert res.quarantine.select(s.SOURCE_FILE, s.REASON).rows() == [(str(b), "duplicate")]


def test_same_payload_more_than_60_s_apart_is_two_reports(tmp_path):
    path = write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0), tag(AIVDM, c=EPOCH0 + 61)])
    res = read_input(path)
    assert res.positions.height == 2 and res.rejects == {}


def test_nmea_and_noaa_rounded_to_5_decimals_are_one_report(tmp_path):
    lat, lon = decoded_fix()
    nmea = write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0)])
    csv = noaa(tmp_path / "AIS_2024_03_05.csv", [noaa_row(round(lat, 5), round(lon, 5))])
    res = read_inputs([nmea, csv])
    assert res.positions.select(s.SOURCE, s.LAT, s.LON).rows() == [("nmea", lat, lon)]
    assert res.positions[s.SOURCES].to_list() == [
        ["nmea:a.nmea/AIVDM", "noaa_csv:AIS_2024_03_05.csv"]
    ]
    assert res.quarantine.select(s.SOURCE_FILE, s.LINE_NO, s.REASON).rows() == [
        (str(csv), 2, "duplicate")
    ]


def test_millisecond_time_matches_the_csv_second(tmp_path):
    # tag block time in milliseconds: 12:00:00.700 is floored to 12:00:00 for matching
    lat, lon = decoded_fix()
    nmea = write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0 * 1000 + 700)])
    csv = noaa(tmp_path / "AIS.csv", [noaa_row(round(lat, 5), round(lon, 5))])
    res = read_inputs([nmea, csv])
    assert res.positions[s.TS].to_list() == [T0 + timedelta(milliseconds=700)]
    assert res.rejects == {"duplicate": 1}


def test_noaa_and_dma_copies_of_one_fix(tmp_path):
    lat, lon = decoded_fix()
    dma = tmp_path / "aisdk-2024-03-05.csv"
    dma.write_text(DMA_HEADER + "\n" + dma_row(round(lat, 6), round(lon, 6)) + "\n")
    csv = noaa(tmp_path / "AIS.csv", [noaa_row(round(lat, 5), round(lon, 5))])
    res = read_inputs([dma, csv])
    assert res.positions[s.SOURCES].to_list() == [
        ["dma_csv:aisdk-2024-03-05.csv", "noaa_csv:AIS.csv"]
    ]
    assert accounting_holds(res) and res.rejects == {"duplicate": 1}


@pytest.mark.parametrize(
    ("row", "why"),
    [
        (noaa_row(LAT + 2e-5, LON), "2e-5 degree north: beyond the 1e-5 tolerance"),
        (noaa_row(LAT, LON, ts="2024-03-05T12:00:01"), "the next second"),
        (noaa_row(LAT, LON, mmsi=SHIP2), "another vessel at the same place and time"),
    ],
)
def test_not_the_same_report(tmp_path, row, why):
    nmea = write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0)])
    res = read_inputs([nmea, noaa(tmp_path / "AIS.csv", [row])])
    assert res.positions.height == 2, why
    assert res.rejects == {}
    assert all(len(x) == 1 for x in res.positions[s.SOURCES].to_list())


def test_a_chain_of_close_fixes_folds_into_the_first(tmp_path):
    # row 3 is 8e-6 from row 2 and row 2 is 8e-6 from row 1, but row 3 is 1.6e-5 from row 1
    rows = [noaa_row(60.0, 5.0), noaa_row(60.000008, 5.0), noaa_row(60.000016, 5.0)]
    res = read_inputs([noaa(tmp_path / "a.csv", rows[:1]), noaa(tmp_path / "b.csv", rows[1:])])
    assert res.positions[s.LAT].to_list() == [60.0]
    assert res.positions[s.SOURCES].to_list() == [["noaa_csv:a.csv", "noaa_csv:b.csv"]]
    assert res.rejects == {"duplicate": 2}


def test_a_later_copy_carrying_static_data_is_accepted_for_it(tmp_path):
    # the CSV row repeats the NMEA fix but adds the vessel name: its line is accepted (vessel
    # row), its position is not stored twice, and the position row names both sources
    lat, lon = decoded_fix()
    nmea = write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0)])
    row = f"{SHIP},2024-03-05T12:00:00,{lat:.5f},{lon:.5f},10.0,90.0,91,NORDIC STAR,,,,0,,,,,A"
    res = read_inputs([nmea, noaa(tmp_path / "AIS.csv", [row])])
    assert (res.accepted, res.rejects) == (2, {})
    assert res.positions[s.SOURCES].to_list() == [["nmea:a.nmea/AIVDM", "noaa_csv:AIS.csv"]]
    assert res.vessels[s.VESSEL_NAME].to_list() == ["NORDIC STAR"]


def test_two_part_static_message_heard_twice(tmp_path):
    first = [tag(x, c=EPOCH0, s="rx1") for x in sentences(STATIC5, seq_id=1)]
    second = [tag(x, c=EPOCH0 + 1, s="rx2") for x in sentences(STATIC5, seq_id=7)]
    res = read_input(write_lines(tmp_path / "a.nmea", first + second))
    assert res.vessels.height == 1 and res.positions.height == 0
    # both lines of the second reception are duplicates, not "static_unchanged"
    assert res.quarantine.select(s.LINE_NO, s.REASON).rows() == [(3, "duplicate"), (4, "duplicate")]
    assert accounting_holds(res)


def test_static_echoes_and_repeats_get_their_own_reasons(tmp_path):
    # the lines of static reports with nothing new are looked up while the rules run: the
    # echo among them must still come out "duplicate", the later repeat "static_unchanged"
    first = [tag(x, c=EPOCH0, s="rx1") for x in sentences(STATIC5, seq_id=1)]
    echo = [tag(x, c=EPOCH0 + 1, s="rx2") for x in sentences(STATIC5, seq_id=7)]
    later = [tag(x, c=EPOCH0 + 600, s="rx1") for x in sentences(STATIC5, seq_id=2)]
    res = read_input(write_lines(tmp_path / "a.nmea", first + echo + later))
    assert res.vessels.height == 1
    assert res.quarantine.select(s.LINE_NO, s.REASON).rows() == [
        (3, "duplicate"), (4, "duplicate"), (5, "static_unchanged"), (6, "static_unchanged")
    ]
    assert res.quarantine[s.RAW].to_list() == [*echo, *later]
    assert accounting_holds(res)


def test_a_static_report_with_another_eta_brings_nothing_new(tmp_path):
    # another payload (the ETA is not a vessel field) with the same fields: "static_unchanged"
    # (a piece's first static reports are found by payload hash, then compared by value)
    eta = {**STATIC5, "month": 3, "day": 5, "hour": 12, "minute": 0}
    reports = [eta, {**eta, "hour": 14}, {**eta, "destination": "OSLO"}, {**eta, "day": 6}]
    lines = [tag(x, c=EPOCH0 + 600 * k) for k, msg in enumerate(reports)
             for x in sentences(msg, seq_id=k)]  # fmt: skip
    res = read_input(write_lines(tmp_path / "eta.nmea", lines))
    assert res.vessels[s.DESTINATION].to_list() == [STATIC5["destination"], "OSLO"]
    assert res.quarantine.select(s.LINE_NO, s.REASON).rows() == [
        (3, "static_unchanged"), (4, "static_unchanged"), (7, "static_unchanged"),
        (8, "static_unchanged"),
    ]
    assert accounting_holds(res)


def test_rejected_records_are_never_folded(tmp_path):
    # the first copy has no time (rejected): the timed copy is kept, alone in its sources
    path = write_lines(tmp_path / "a.nmea", [AIVDM, tag(AIVDM, c=EPOCH0)])
    res = read_input(path)
    assert res.rejects == {"no_timestamp": 1}
    assert res.positions[s.SOURCES].to_list() == [["nmea:a.nmea/AIVDM"]]


def test_every_duplicate_is_named_in_exactly_one_kept_row(tmp_path):
    # position-only input with distinct file names: each duplicate adds one source label
    lat, lon = decoded_fix()
    files = [
        write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0), tag(type1(mmsi=SHIP2), c=EPOCH0)]),
        write_lines(tmp_path / "b.nmea", [tag(AIVDM, c=EPOCH0 + 1)]),
        noaa(tmp_path / "c.csv", [noaa_row(round(lat, 5), round(lon, 5)), noaa_row(1.0, 1.0)]),
        noaa(tmp_path / "d.csv", [noaa_row(round(lat, 6), round(lon, 6))]),
    ]
    res = read_inputs(files)
    extra = res.positions.select(pl.col(s.SOURCES).list.len().sum() - pl.len()).item()
    assert extra == res.rejects["duplicate"] == 3
    assert res.positions.height == 3 and accounting_holds(res)


@pytest.mark.db
def test_sources_reach_postgis(tmp_path, pg_conn: Connection):
    lat, lon = decoded_fix()
    nmea = write_lines(tmp_path / "a.nmea", [tag(AIVDM, c=EPOCH0, s='r"x{}')])
    csv = noaa(tmp_path / "AIS.csv", [noaa_row(round(lat, 5), round(lon, 5))])
    res = read_inputs([nmea, csv])
    load_positions(pg_conn, res.positions, T0.date(), "test")
    got = pg_conn.execute(text("SELECT sources FROM mda.positions WHERE region = 'test'")).all()
    assert got == [(res.positions[s.SOURCES][0].to_list(),)]
    assert len(got[0][0]) == 2


# --- the same-transmission rule in compiled code, against the rule on the texts ----------


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["A", "B", "C", "D" * 28, ""]), st.integers(0, 400)),
        min_size=1,
        max_size=120,
    ),
    big=st.integers(0, 80),
)
def test_echo_chains_match_the_rule_on_texts(rows, big):
    """Payloads from a few values (many repeats, one value ``big`` more times: a group
    past the in-place sort), times within minutes of each other in any order: the
    compiled grouping gives the same folds as sorting the texts."""
    from mda.ingest import _records as r

    rows = rows + [("E", 7 * k % 500) for k in range(big)]
    d = pl.DataFrame(
        {
            r.REC_ID: range(len(rows)),
            r._PAYLOAD: [p for p, _ in rows],
            s.TS: [T0 + timedelta(seconds=x) for _, x in rows],
        }
    )
    d = d.with_columns(r._payload_hashes(d))
    got = r._echo_reps(d).sort(r.REC_ID)
    want = _echo_reps_on_texts(d).sort(r.REC_ID)
    assert got.equals(want)
    assert r._echo_reps_by_pair(d).sort(r.REC_ID).equals(want)


def _echo_reps_on_texts(d: pl.DataFrame) -> pl.DataFrame:
    """The same-transmission rule written plainly on the payload texts."""
    from mda.ingest import _records as r

    d = d.sort(r._PAYLOAD, s.TS, r.REC_ID)
    same = (pl.col(r._PAYLOAD) == pl.col(r._PAYLOAD).shift()) & (
        pl.col(s.TS) - pl.col(s.TS).shift() <= r.SAME_PAYLOAD_WINDOW
    )
    chain = (~same.fill_null(False)).cum_sum()
    d = d.with_columns(pl.col(r.REC_ID).min().over(chain).alias(r._REP))
    return d.filter(pl.col(r._REP) != pl.col(r.REC_ID)).select(r.REC_ID, r._REP)


def test_two_payloads_sharing_the_first_hash_are_told_apart_by_the_second():
    """Forced: records 0 and 1 share ``_payload_hash`` but not ``_payload_check`` (two
    payloads); the rule then runs on both hashes and folds only record 2 (record 0's
    payload again, 10 s later)."""
    from mda.ingest import _records as r

    d = pl.DataFrame(
        {
            r.REC_ID: [0, 1, 2],
            r._PAYLOAD_HASH: pl.Series([7, 7, 7], dtype=pl.UInt64),
            r._PAYLOAD_CHECK: pl.Series([1, 2, 1], dtype=pl.UInt64),
            s.TS: [T0, T0 + timedelta(seconds=5), T0 + timedelta(seconds=10)],
        }
    )
    assert r._echo_reps(d).rows() == [(2, 0)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[0-W`-w]{0,90}", fullmatch=True), min_size=2, max_size=40,
                unique=True))  # fmt: skip
def test_payload_hashes_tell_payloads_apart(payloads):
    """Distinct payloads (armoured characters, any length up to several parts) get
    distinct hash pairs, and each hash alone is distinct too here; the same payload
    always gets the same pair."""
    from mda.ingest.fastkernel import hash_texts

    h1, h2 = hash_texts(pl.Series(payloads + payloads[:1]))
    assert len(set(h1[:-1].tolist())) == len(payloads) == len(set(h2[:-1].tolist()))
    assert (h1[-1], h2[-1]) == (h1[0], h2[0])


def test_echo_chains_report_where_each_hash_began():
    """``first`` names the first row of each repeated hash, so that two payloads sharing
    a hash are caught by comparing their second hashes (the caller then sorts by both)."""
    import numpy as np

    from mda.ingest.fastkernel import echo_chains, frozen

    h = frozen(np.array([5, 9, 5, 5, 7], dtype=np.uint64))
    ts = frozen(np.array([0, 0, 70, 30, 0], dtype=np.int64) * 1_000_000)
    rec = frozen(np.arange(10, 15, dtype=np.int64))
    rows, rep, first = echo_chains(h, ts, rec, 60_000_000)
    # hash 5: rows 0 (t 0), 3 (t 30), 2 (t 70) in time order, one chain folded into rec 10
    assert rows.tolist() == [0, 3, 2] and rep.tolist() == [10, 10, 10]
    assert first.tolist() == [0, 0, 0]


def _echo_reference(h, ts, rec, window):
    """echo_chains written plainly: groups by hash in the order each first occurs, rows
    in (ts, row) order, chains of rows at most ``window`` apart."""
    groups: dict[int, list[int]] = {}
    for i, k in enumerate(h.tolist()):
        groups.setdefault(k, []).append(i)
    rows, rep, first = [], [], []
    for members in groups.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda i: (ts[i], i))
        chain: list[int] = []
        for i in ordered:
            if chain and ts[i] - ts[chain[-1]] > window:
                rep += [min(rec[j] for j in chain)] * len(chain)
                chain = []
            chain.append(i)
        rep += [min(rec[j] for j in chain)] * len(chain)
        rows += ordered
        first += [members[0]] * len(members)
    return rows, rep, first


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 6000), n_values=st.integers(1, 3000), seed=st.integers(0, 2**32 - 1))
def test_echo_chains_agree_with_a_plain_reading(n, n_values, seed):
    """Many rows (the compiled rule splits them by the top bits of their hash above about a
    thousand), few or many distinct hashes, some differing only in their top or low
    bits: the same rows, chains and first rows as the plain version."""
    import numpy as np

    from mda.ingest.fastkernel import echo_chains, frozen

    rng = np.random.default_rng(seed)
    values = rng.integers(0, 2**63, n_values, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    values[: n_values // 3] &= np.uint64(0xFF)  # low bits only: one part
    values[n_values // 3 : n_values // 2] &= np.uint64(0xFF << 56)  # top bits only
    h = frozen(values[rng.integers(0, n_values, n)])
    ts = frozen(rng.integers(0, 600, n) * 1_000_000)  # (ties broken by row)
    rec = frozen(np.arange(n, dtype=np.int64) * 3 + 7)
    rows, rep, first = echo_chains(h, ts, rec, 60_000_000)
    assert (rows.tolist(), rep.tolist(), first.tolist()) == _echo_reference(
        h, ts, rec, 60_000_000
    )


def test_payload_hashes_are_keyed_for_each_process():
    # the keys are drawn when the process starts: nobody can prepare a payload that shares
    # a real one's hashes (to pass for its echo, or take its static fields); within a run
    # the hashes agree (the tests above and the fast-vs-pyais checks)
    import subprocess
    import sys

    code = (
        "import polars as pl; from mda.ingest.fastkernel import hash_texts;"
        "print(*(int(h[0]) for h in hash_texts(pl.Series(['13u?etPv2;0n:dDPwUM1U1Cb069D']))))"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]  # fmt: skip
    assert len(runs[0]) == 2 and runs[0] != runs[1]


# a piece's fixes in key order (_records._stable_order) and where its blocks start
# (_records._blocks): numpy now, checked against the polars expressions they replaced
_keys = st.lists(
    st.builds(lambda m, sec: m * (1 << 33) + sec, st.integers(0, 5), st.integers(0, 40)),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(_keys, st.lists(st.integers(0, 299), max_size=5))
def test_stable_order_is_polars_stable_sort(keys, null_at):
    from mda.ingest._records import _stable_order

    key = pl.Series("_key", keys, dtype=pl.Int64)
    if null_at and keys:
        key = key.scatter([i % len(keys) for i in null_at], None)
    want = key.to_frame().with_row_index("_i").sort("_key", maintain_order=True)["_i"]
    got = _stable_order(key)
    assert got.dtype == pl.UInt32
    assert got.to_list() == want.to_list()  # ties (equal keys, nulls) in row order


@settings(max_examples=200, deadline=None)
@given(_keys)
def test_blocks_start_where_the_key_goes_down_or_the_mmsi_changes(keys):
    from mda.ingest._records import _blocks

    key = pl.Series("_key", keys, dtype=pl.Int64)
    k, mmsi = pl.col("_key"), pl.col("_key") // (1 << 33)
    starts = ((k < k.shift(1)) | (mmsi != mmsi.shift(1))).fill_null(True).arg_true()
    assert _blocks(key).to_list() == key.to_frame().select(starts).to_series().to_list()


@settings(max_examples=100, deadline=None)
@given(
    origins=st.lists(st.integers(0, 2), min_size=0, max_size=60),
    folds=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 2)), max_size=40),
    chunk=st.sampled_from([4, 7, 1 << 18]),
)
def test_source_lists_name_each_row_and_what_folded_into_it(origins, folds, chunk):
    """``sources`` of kept rows (their own label, then the distinct labels of the records
    folded into them, in rec_id order), made from a small table in chunks: equal to a
    plain reading, whatever the chunk size."""
    from mda.ingest import _records as r

    labels = pl.Series(["nmea:a.nmea", "noaa:b.csv", "dma:c.csv"])
    kept = pl.DataFrame(
        {r.REC_ID: [10 * i for i in range(len(origins))], r._ORIGIN: origins},
        schema={r.REC_ID: pl.Int64, r._ORIGIN: pl.UInt32},
    )
    folds = [(to, code) for to, code in folds if to < len(origins)]
    folded = pl.DataFrame(
        {r.REC_ID: [1000 + k for k in range(len(folds))], r._PREP: [10 * to for to, _ in folds],
         r._ORIGIN: [code for _, code in folds]},
        schema={r.REC_ID: pl.Int64, r._PREP: pl.Int64, r._ORIGIN: pl.UInt32},
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(r, "_LIST_CHUNK_ROWS", chunk)
        got = r._source_lists(kept, folded, labels)
    names = labels.to_list()
    want = []
    for i, code in enumerate(origins):
        row = [names[code]]
        for to, other in folds:  # (in rec_id order)
            if to == i and names[other] not in row:
                row.append(names[other])
        want.append(row)
    assert got.to_list() == want
    assert got.n_chunks() == max(1, -(-len(origins) // chunk))
