"""Live streams against servers the tests run on 127.0.0.1: TCP, UDP, an aisstream websocket.

Every test is bounded: the runs stop on ``max_lines`` (the stop event) or a short duration,
and reconnect waits are tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from websockets.asyncio.server import ServerConnection, serve

from mda import schema as s
from mda.errors import ConfigError
from mda.ingest.stream import (
    Backoff,
    LineSplitter,
    StreamOptions,
    parse_address,
    parse_span,
    stream_aisstream,
    stream_tcp,
    stream_udp,
)
from mda.ingest.stream_aisstream import message_fields, parse_time_utc, subscription
from mda.ingest.stream_sink import NmeaBatchDecoder, WindowedSink, open_tail
from mda.sim import encode_nmea, make_track

T0 = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
FAST = Backoff(initial_s=0.02, max_s=0.1)


def track_lines(n_static: bool = True) -> tuple[pl.DataFrame, list[str]]:
    """Two vessels, 60 s apart reports, with type 5 (two-part) static reports every 2 min."""
    a = make_track(244000001, [(10.0, 59.0), (10.3, 59.2)], 10, T0, 60, seed=1)
    b = make_track(257000002, [(10.5, 59.0), (10.2, 59.1)], 8, T0, 60, seed=2)
    pos = pl.concat([a.head(20), b.head(20)])
    vessels = pl.DataFrame(
        {
            s.MMSI: [244000001, 257000002],
            s.TS: [T0, T0],
            s.VESSEL_NAME: ["NORDIC STAR", "FJORD KING"],
            s.CALL_SIGN: ["PBAA", "LAAB"],
            s.SHIP_TYPE: [70, 30],
            s.LENGTH_M: [120.0, 40.0],
            s.WIDTH_M: [20.0, 9.0],
            s.AIS_CLASS: ["A", "A"],
        }
    )
    vessels = s.conform(vessels, s.VESSELS_SCHEMA) if n_static else None
    return pos, encode_nmea(pos, vessels, static_interval_s=120)


def options(out: Path, **kw) -> StreamOptions:
    base: dict = dict(window=timedelta(hours=1), flush_interval_s=60, backoff=FAST)
    return StreamOptions(out=out, **{**base, **kw})


def read_table(out: Path, table: str) -> pl.DataFrame:
    files = sorted((out / table).glob("date=*/*.parquet"))
    assert files, f"no {table} files under {out}"
    return pl.concat([pl.read_parquet(f) for f in files])


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(coro, timeout: float = 8.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


# --- TCP ------------------------------------------------------------------------------------


def test_tcp_reconnects_and_stores_every_line_exactly_once(tmp_path):
    pos, lines = track_lines()
    multipart = [i for i, ln in enumerate(lines) if ",2,1," in ln]
    cut = multipart[1] + 1  # the first connection ends between the two parts of a type 5
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        part = lines[:cut] if len(connections) == 1 else lines[cut:]
        writer.write(("\r\n".join(part) + "\r\n").encode())
        await writer.drain()
        if len(connections) == 1:
            writer.close()  # the server drops the first connection midway
            return
        await reader.read()  # keep the second one open until the client leaves

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        opts = options(tmp_path, max_lines=len(lines), batch_lines=7)
        async with server:
            return await stream_tcp("127.0.0.1", port, opts)

    summary = run(main())
    assert summary.connections == 2  # the reconnect happened
    assert summary.totals.lines_read == len(lines)
    positions = read_table(tmp_path, "positions")
    quarantine = read_table(tmp_path, "quarantine")
    vessels = read_table(tmp_path, "vessels")
    # every position report once: same (mmsi, ts) set as the track, no duplicates stored
    got = positions.select(s.MMSI, s.TS).sort(s.MMSI, s.TS)
    assert got.equals(pos.select(s.MMSI, s.TS).sort(s.MMSI, s.TS))
    assert set(vessels[s.VESSEL_NAME]) == {"NORDIC STAR", "FJORD KING"}
    # repeated static reports are the only quarantined lines: nothing lost or split
    assert set(quarantine[s.REASON]) <= {"static_unchanged"}
    assert summary.totals.accepted + quarantine.height == len(lines)
    assert set(quarantine[s.SOURCE_FILE]) <= {f"tcp:127.0.0.1:{summary.source.split(':')[-1]}"}


def test_tcp_refused_then_server_comes_up(tmp_path):
    _, lines = track_lines(n_static=False)
    port = free_port()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(("\n".join(lines) + "\n").encode())
        await writer.drain()
        await reader.read()

    async def main():
        client = asyncio.create_task(
            stream_tcp("127.0.0.1", port, options(tmp_path, max_lines=len(lines)))
        )
        await asyncio.sleep(0.3)  # connection refused meanwhile, retried with backoff
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            return await client

    summary = run(main())
    assert summary.connect_errors >= 2
    assert summary.connections == 1
    assert read_table(tmp_path, "positions").height == len(lines)


def test_stop_event_flushes_partial_line_and_buffer(tmp_path):
    """A stop while lines are only buffered (long window, long flush) loses nothing."""
    _, lines = track_lines(n_static=False)
    sent = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(("\n".join(lines) + "\n!AIVDM,1,1,,A,13u").encode())  # cut mid-line
        await writer.drain()
        sent.set()
        await reader.read()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        async with server:
            task = asyncio.create_task(stream_tcp("127.0.0.1", port, options(tmp_path), stop=stop))
            await sent.wait()
            await asyncio.sleep(0.3)
            stop.set()
            return await task

    summary = run(main())
    assert summary.totals.lines_read == len(lines) + 1
    quarantine = read_table(tmp_path, "quarantine")
    assert quarantine[s.RAW].to_list() == ["!AIVDM,1,1,,A,13u"]
    assert read_table(tmp_path, "positions").height == len(lines)


# --- UDP ------------------------------------------------------------------------------------


def test_udp_datagrams_with_receive_time_for_untimed_lines(tmp_path):
    """Tag-block lines keep their time; bare sentences get the (fixed, test) receive time."""
    _, lines = track_lines(n_static=False)
    timed, bare = lines[:10], [ln.split("\\")[-1] for ln in lines[10:]]
    assert bare[0].startswith("!AIVDM")
    received_at = datetime(2024, 3, 5, 13, 7, 30, tzinfo=UTC)
    datagrams = [ln.encode() for ln in timed] + ["\r\n".join(bare).encode()]  # several lines

    async def main():
        ready: asyncio.Future = asyncio.get_running_loop().create_future()
        opts = options(tmp_path, max_lines=len(lines), window=timedelta(minutes=10))
        task = asyncio.create_task(
            stream_udp("127.0.0.1", 0, opts, clock=lambda: received_at, on_listen=ready.set_result)
        )
        host, port = await ready
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=(host, port)
        )
        for d in datagrams:
            transport.sendto(d)
        transport.close()
        return await task

    summary = run(main())
    assert summary.totals.lines_read == len(lines)
    positions = read_table(tmp_path, "positions").sort(s.TS)
    assert positions.height == len(lines)
    assert positions[s.TS].head(10).max() < T0 + timedelta(hours=1)  # their own tag-block time
    assert set(positions[s.TS].tail(len(bare))) == {received_at}
    # the window of the receive time names the files
    assert (tmp_path / "positions" / "date=2024-03-05" / "20240305T130000Z.parquet").is_file()


def test_udp_port_in_use_is_a_config_error(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match="cannot listen for UDP"):
            run(stream_udp("127.0.0.1", port, options(tmp_path)))


# --- windows and batches ----------------------------------------------------------------------


def test_windows_roll_into_one_file_set_each(tmp_path):
    _, lines = track_lines(n_static=False)
    sink = WindowedSink(tmp_path, timedelta(minutes=10), NmeaBatchDecoder("test"))
    start = datetime(2024, 3, 5, 23, 45, tzinfo=UTC)  # windows 23:40, 23:50, 00:00 next day
    for i, line in enumerate(lines[:30]):
        sink.add(line, start + timedelta(minutes=i))
    written = sink.process(sink.take(), now=start + timedelta(minutes=10))
    assert [p.name for p in written if p.parent.parent.name == "positions"] == [
        "20240305T234000Z.parquet"
    ]  # only the window that has ended is written
    sink.process(sink.take(), now=start + timedelta(minutes=15), final=True)
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("positions/*/*.parquet"))
    assert names[0] == "positions/date=2024-03-05/20240305T234000Z.parquet"
    assert "positions/date=2024-03-06/20240306T000000Z.parquet" in names
    assert len(names) == 4  # 23:40, 23:50, 00:00, 00:10
    assert sink.totals.lines_read == 30 == read_table(tmp_path, "positions").height
    assert not list(tmp_path.rglob(".*"))  # no temporary file left behind


def test_restart_within_a_window_never_replaces_a_file(tmp_path):
    _, lines = track_lines(n_static=False)
    for _ in range(2):
        sink = WindowedSink(tmp_path, timedelta(minutes=10), NmeaBatchDecoder("test"))
        sink.add(lines[0], T0)
        sink.process(sink.take(), now=T0, final=True)
    names = sorted(p.name for p in (tmp_path / "positions" / "date=2024-03-05").iterdir())
    assert names == ["20240305T120000Z-1.parquet", "20240305T120000Z.parquet"]


def test_multipart_message_across_batches_is_assembled(tmp_path):
    _, lines = track_lines()
    i = next(i for i, ln in enumerate(lines) if ",2,1," in ln)
    part1, part2 = lines[i], lines[i + 1]
    assert open_tail([lines[0], part1]) == 1  # the open group is held back
    assert open_tail([lines[0], part1, part2]) == 3
    assert open_tail(["\\g:1-2-73,c:1709640000*00\\", part1]) == 0  # with its lone tag block
    sink = WindowedSink(tmp_path, timedelta(minutes=10), NmeaBatchDecoder("test"))
    sink.add(part1, T0)
    sink.process(sink.take(), now=T0)  # a batch ends between the two parts
    sink.add(part2, T0)
    sink.process(sink.take(), now=T0, final=True)
    assert read_table(tmp_path, "vessels").height == 1
    assert read_table(tmp_path, "quarantine").height == 0
    assert sink.totals.lines_read == sink.totals.accepted == 2


def test_open_fragment_at_shutdown_is_quarantined_not_dropped(tmp_path):
    _, lines = track_lines()
    part1 = next(ln for ln in lines if ",2,1," in ln)
    sink = WindowedSink(tmp_path, timedelta(minutes=10), NmeaBatchDecoder("test"))
    sink.add(part1, T0)
    sink.process(sink.take(), now=T0)
    sink.process(sink.take(), now=T0, final=True)
    q = read_table(tmp_path, "quarantine")
    assert q[s.REASON].to_list() == ["missing_fragment"] and q[s.RAW][0] == part1


def test_station_reports_get_their_own_table(tmp_path):
    from tests.ingest.factory import sentences

    base_station = sentences({"type": 4, "mmsi": 2_570_000, "lat": 59.4, "lon": 5.3})[0]
    sink = WindowedSink(tmp_path, timedelta(minutes=10), NmeaBatchDecoder("test"))
    sink.add(base_station, T0)  # no time of its own: the receive time
    sink.add(base_station, T0 + timedelta(seconds=1))  # heard again: duplicate
    sink.process(sink.take(), now=T0, final=True)
    stations = read_table(tmp_path, "stations")
    assert stations[s.MMSI].to_list() == [2_570_000] and stations[s.TS].to_list() == [T0]
    assert read_table(tmp_path, "quarantine")[s.REASON].to_list() == ["duplicate"]
    assert (sink.totals.stations, sink.totals.accepted, sink.totals.lines_read) == (1, 1, 2)


# --- aisstream websocket ---------------------------------------------------------------------

META_TIME = "2024-03-05 12:00:00.123456789 +0000 UTC"


def ais_msg(kind: str, body: dict, mmsi: int = 244000001, time_utc: str = META_TIME) -> str:
    meta = {"MMSI": mmsi, "ShipName": "NORDIC STAR ", "latitude": 59.0, "longitude": 10.0,
            "time_utc": time_utc}  # fmt: skip
    return json.dumps({"MessageType": kind, "MetaData": meta, "Message": {kind: body}})


def position(mmsi: int, lat: float, lon: float, **kw) -> dict:
    body = {"UserID": mmsi, "Latitude": lat, "Longitude": lon, "Sog": 12.3, "Cog": 45.5,
            "TrueHeading": 44, "NavigationalStatus": 0, "MessageID": 1}  # fmt: skip
    return {**body, **kw}


AIS_MESSAGES = [
    # (id, raw text, expected reason or None)
    ("class_a", ais_msg("PositionReport", position(244000001, 59.1, 10.1)), None),
    # every "not available" code: SOG 102.3, COG 360, heading 511, status 15 -> null
    (
        "not_available",
        ais_msg(
            "PositionReport",
            position(
                244000001, 59.2, 10.2, Sog=102.3, Cog=360, TrueHeading=511, NavigationalStatus=15
            ),
            time_utc="2024-03-05 12:00:10 +0000 UTC",
        ),
        None,
    ),
    (
        "no_position",
        ais_msg(
            "PositionReport", position(244000001, 91, 181), time_utc="2024-03-05 12:00:20 +0000 UTC"
        ),
        "no_position",
    ),
    (
        "class_b",
        ais_msg(
            "StandardClassBPositionReport",
            {**position(257000002, 59.3, 10.3), "MessageID": 18},
            mmsi=257000002,
        ),
        None,
    ),
    (
        "type5",
        ais_msg(
            "ShipStaticData",
            {
                "UserID": 244000001,
                "MessageID": 5,
                "Name": "NORDIC STAR@@@",
                "CallSign": "PBAA ",
                "ImoNumber": 9123456,
                "Type": 70,
                "Dimension": {"A": 100, "B": 20, "C": 10, "D": 10},
                "MaximumStaticDraught": 7.5,
                "Destination": "BERGEN",
            },
        ),
        None,
    ),
    (
        "type24a",
        ais_msg(
            "StaticDataReport",
            {
                "UserID": 257000002,
                "MessageID": 24,
                "PartNumber": False,
                "ReportA": {"Name": "FJORD KING", "Valid": True},
            },
            mmsi=257000002,
        ),
        None,
    ),
    (
        "type24b",
        ais_msg(
            "StaticDataReport",
            {
                "UserID": 257000002,
                "MessageID": 24,
                "PartNumber": True,
                "ReportB": {
                    "CallSign": "LAAB",
                    "ShipType": 30,
                    "Dimension": {"A": 30, "B": 10, "C": 4, "D": 5},
                },
            },
            mmsi=257000002,
        ),
        None,
    ),
    ("not_json", '{"MessageType": "PositionReport", "Message": {', "malformed"),
    ("unknown", ais_msg("SafetyBroadcastMessage", {"UserID": 2570000}), "unsupported_type"),
    ("bad_value", ais_msg("PositionReport", position(244000001, "north", 10.0)), "bad_value"),
    (
        "base_station",
        ais_msg(
            "BaseStationReport",
            {"UserID": 2573135, "MessageID": 4, "UtcYear": 2024, "UtcMonth": 3, "UtcDay": 5,
             "UtcHour": 11, "UtcMinute": 59, "UtcSecond": 58, "Latitude": 59.9,
             "Longitude": 10.7, "FixType": 7},
            mmsi=2573135,
        ),
        None,
    ),
    (
        "aton",
        ais_msg(
            "AidsToNavigationReport",
            {"UserID": 992576001, "MessageID": 21, "Type": 14, "Name": "SKAGEN REV WEST CARD",
             "NameExtension": "INAL", "Latitude": 57.8, "Longitude": 10.6, "Fixtype": 1,
             "Timestamp": 60, "OffPosition": True, "VirtualAtoN": True,
             "Dimension": {"A": 0, "B": 0, "C": 0, "D": 0}},
            mmsi=992576001,
        ),
        None,
    ),
]


def test_aisstream_message_mapping():
    by_id = {i: message_fields(text, T0) for i, text, _ in AIS_MESSAGES}
    a = by_id["class_a"]
    assert isinstance(a, dict)
    assert (a[s.MMSI], a[s.LAT], a[s.SOG_KN], a[s.COG_DEG], a[s.HEADING_DEG]) == (
        244000001, 59.1, 12.3, 45.5, 44.0,
    )  # fmt: skip
    assert a[s.TS] == datetime(2024, 3, 5, 12, 0, 0, 123456, tzinfo=UTC)
    na = by_id["not_available"]
    assert isinstance(na, dict)
    assert [na[k] for k in (s.SOG_KN, s.COG_DEG, s.HEADING_DEG, s.NAV_STATUS)] == [None] * 4
    t5 = by_id["type5"]
    assert isinstance(t5, dict)
    assert (t5[s.VESSEL_NAME], t5[s.CALL_SIGN], t5[s.LENGTH_M], t5[s.WIDTH_M]) == (
        "NORDIC STAR", "PBAA", 120.0, 20.0,
    )  # fmt: skip
    assert (t5[s.IMO], t5[s.DRAUGHT_M], t5[s.AIS_CLASS], t5[s.MSG_TYPE]) == (9123456, 7.5, "A", 5)
    for i, _, reason in AIS_MESSAGES:
        if reason in ("malformed", "unsupported_type", "bad_value"):
            assert by_id[i] == reason, i
    base, aton = by_id["base_station"], by_id["aton"]
    assert isinstance(base, dict) and isinstance(aton, dict)
    assert (base[s.STATION_KIND], base[s.MSG_TYPE], base[s.EPFD], base[s.LAT]) == (
        "base_station", 4, 7, 59.9,
    )  # fmt: skip
    assert base[s.REPORTED_TS] == datetime(2024, 3, 5, 11, 59, 58, tzinfo=UTC)
    assert (aton[s.STATION_KIND], aton[s.STATION_NAME], aton[s.AID_TYPE]) == (
        "aton", "SKAGEN REV WEST CARDINAL", 14,
    )  # fmt: skip
    # a virtual aid; "off position" means nothing with a time stamp of 60 (ITU-R M.1371)
    assert (aton[s.VIRTUAL_AID], aton[s.OFF_POSITION]) == (True, None)


def test_aisstream_time_utc_forms():
    assert parse_time_utc("2024-03-05 12:00:00 +0000 UTC") == T0
    assert parse_time_utc("2024-03-05 13:00:00.5 +0100 UTC") == T0 + timedelta(seconds=0.5)
    assert parse_time_utc("2024-03-05T12:00:00Z") == T0
    assert parse_time_utc("yesterday") is None
    assert parse_time_utc(1709640000) is None
    # no time of its own: the receive time
    body = ais_msg("PositionReport", position(244000001, 59.1, 10.1), time_utc="")
    got = message_fields(body, T0 + timedelta(hours=3))
    assert isinstance(got, dict) and got[s.TS] == T0 + timedelta(hours=3)


def test_aisstream_websocket_end_to_end(tmp_path):
    subscriptions: list[dict] = []
    raw = [text for _, text, _ in AIS_MESSAGES]

    async def handler(ws: ServerConnection) -> None:
        subscriptions.append(json.loads(await asyncio.wait_for(ws.recv(), 3)))
        for text in raw:
            await ws.send(text.encode() if "class_b" in text else text)  # text and binary frames
        await ws.wait_closed()

    async def main():
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            sub = subscription("test-key", [(4.0, 57.0, 12.0, 62.0)])
            opts = options(tmp_path, max_lines=len(raw))
            return await stream_aisstream(sub, opts, url=f"ws://127.0.0.1:{port}")

    summary = run(main())
    assert subscriptions == [
        {
            "APIKey": "test-key",
            "BoundingBoxes": [[[57.0, 4.0], [62.0, 12.0]]],
            "FilterMessageTypes": [
                "PositionReport",
                "StandardClassBPositionReport",
                "ExtendedClassBPositionReport",
                "ShipStaticData",
                "StaticDataReport",
                "BaseStationReport",
                "AidsToNavigationReport",
            ],
        }
    ]
    assert summary.totals.lines_read == len(raw)
    q = read_table(tmp_path, "quarantine").sort(s.LINE_NO)
    expected = {i + 1: reason for i, (_, _, reason) in enumerate(AIS_MESSAGES) if reason}
    assert dict(zip(q[s.LINE_NO], q[s.REASON], strict=True)) == expected
    assert q.filter(pl.col(s.REASON) == "malformed")[s.RAW].to_list() == [AIS_MESSAGES[7][1]]
    positions = read_table(tmp_path, "positions")
    assert positions.height == 3 and set(positions[s.SOURCE]) == {"aisstream"}
    vessels = read_table(tmp_path, "vessels").sort(s.MMSI, s.VESSEL_NAME, nulls_last=True)
    assert vessels[s.VESSEL_NAME].to_list() == ["NORDIC STAR", "FJORD KING", None]
    assert vessels.filter(pl.col(s.CALL_SIGN) == "LAAB")[s.LENGTH_M].to_list() == [40.0]
    stations = read_table(tmp_path, "stations").sort(s.MMSI)
    assert stations[s.MMSI].to_list() == [2573135, 992576001]
    assert stations[s.STATION_KIND].to_list() == ["base_station", "aton"]
    assert stations[s.STATION_NAME].to_list() == [None, "SKAGEN REV WEST CARDINAL"]
    assert set(stations[s.SOURCE]) == {"aisstream"}


def test_aisstream_refused_key_is_a_config_error(tmp_path):
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(json.dumps({"error": "Api Key Is Not Valid"}))
        await ws.close()

    async def main():
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            sub = subscription("bad", [(4.0, 57.0, 12.0, 62.0)])
            await stream_aisstream(sub, options(tmp_path), url=f"ws://127.0.0.1:{port}")

    with pytest.raises(ConfigError, match="Api Key Is Not Valid"):
        run(main())


# --- small parts --------------------------------------------------------------------------------


def test_backoff_grows_is_capped_and_jittered():
    b, rng = Backoff(initial_s=1, max_s=10, factor=2, jitter=0.5), random.Random(0)
    delays = [b.delay_s(n, rng) for n in range(1, 9)]
    for n, d in enumerate(delays, start=1):
        base = min(10, 2 ** (n - 1))
        assert base * 0.5 <= d <= base
    assert max(delays) <= 10 and len(set(delays)) == len(delays)


def test_line_splitter_keeps_partial_lines_for_later():
    sp = LineSplitter(max_line=20)
    assert sp.feed(b"!AIVDM,a\r\n!AIV") == ["!AIVDM,a"]
    assert sp.feed(b"DM,b\n\n") == ["!AIVDM,b"]
    assert sp.feed(b"x" * 25) == ["x" * 25]  # over-long: cut and judged as it is
    assert sp.feed(b"tail\xff") == [] and sp.flush() == "tail\ufffd"


@pytest.mark.parametrize("bad", ["nohost", "host:", ":5631", "host:0", "host:70000", "h:p"])
def test_bad_addresses(bad):
    with pytest.raises(ConfigError, match="HOST:PORT"):
        parse_address(bad)


def test_addresses_and_spans():
    assert parse_address("153.44.253.27:5631") == ("153.44.253.27", 5631)
    assert parse_address("[::1]:10110") == ("::1", 10110)
    assert parse_span("10m") == timedelta(minutes=10)
    assert parse_span("1h30m") == timedelta(minutes=90)
    for bad in ("10", "m", "0s", "1x", "-1m"):
        with pytest.raises(ConfigError):
            parse_span(bad)
