"""JSON AIS messages in the form aisstream.io delivers, into the canonical tables.

One websocket message is one JSON object::

    {"MessageType": "PositionReport",
     "MetaData": {"MMSI": 259000420, "ShipName": "...", "latitude": 59.1, "longitude": 10.4,
                  "time_utc": "2024-03-05 12:00:00.123456789 +0000 UTC"},
     "Message": {"PositionReport": {"UserID": 259000420, "Latitude": 59.1, ...}}}

Mapped kinds (``MESSAGE_KINDS``): ``PositionReport`` (types 1-3),
``StandardClassBPositionReport`` (18), ``ExtendedClassBPositionReport`` (19),
``ShipStaticData`` (5), ``StaticDataReport`` (24, part A or B), and the fixed stations'
``BaseStationReport`` (4) and ``AidsToNavigationReport`` (21, name and name extension
joined), which go to the ``stations`` table. The fields are handed to
:func:`mda.ingest.nmea.canonical_fields`, so "not available" values get exactly the NMEA
treatment (SOG 102.3, COG 360, heading 511, nav status 15 -> null; lat 91 / lon 181 ->
``no_position``; zero dimensions, IMO, type -> null). ``MMSI`` is the message's ``UserID``
(else ``MetaData.MMSI``); the time is ``MetaData.time_utc`` (UTC, nanoseconds truncated to
microseconds), else the receive time. ``source`` is ``"aisstream"``.

Each message is one line of the line accounting: a message that is not JSON, not an
object or lacks its body is ``malformed``; another ``MessageType`` is ``unsupported_type``;
a field of the wrong type is ``bad_value``; the raw text is kept in the quarantine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import polars as pl

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest.nmea import canonical_fields
from mda.ingest.stream_sink import Received

SOURCE_NAME = "aisstream"
AISSTREAM_URL = "wss://stream.aisstream.io/v0/stream"
_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"\s*(?:([+-])(\d{2}):?(\d{2})|Z)?(?:\s+UTC)?$"
)

BBox = tuple[float, float, float, float]
"""min_lon, min_lat, max_lon, max_lat (degrees), as in the regions file."""


def subscription(
    api_key: str, bboxes: Sequence[BBox], mmsis: Sequence[int] = (), kinds: Sequence[str] = ()
) -> dict[str, Any]:
    """The subscribe message aisstream.io expects first on the websocket.

    ``kinds`` defaults to the mapped kinds (``MESSAGE_KINDS``); ``mmsis`` optionally
    restricts to some vessels. aisstream wants boxes as ``[[lat, lon], [lat, lon]]``.
    """
    msg: dict[str, Any] = {
        "APIKey": api_key,
        "BoundingBoxes": [[[b[1], b[0]], [b[3], b[2]]] for b in bboxes],
        "FilterMessageTypes": list(kinds or MESSAGE_KINDS),
    }
    if mmsis:
        msg["FiltersShipMMSI"] = [str(m) for m in mmsis]
    return msg


def parse_time_utc(value: Any) -> datetime | None:
    """``"2024-03-05 12:00:00.123456789 +0000 UTC"`` (or ISO 8601) as UTC; None if unusable."""
    m = _TIME.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        return None
    y, mo, d, h, mi, sec = (int(m[i]) for i in range(1, 7))
    micros = int((m[7] or "").ljust(6, "0")[:6])
    offset = timedelta(0)
    if m[8]:
        offset = timedelta(hours=int(m[9]), minutes=int(m[10])) * (-1 if m[8] == "-" else 1)
    try:
        t = datetime(y, mo, d, h, mi, sec, micros, tzinfo=timezone(offset))
    except ValueError:
        return None
    return t.astimezone(UTC)


def _num(value: Any) -> float | None:
    """A JSON number (not a bool) or null; anything else is a bad value."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a number: {value!r}")
    return value


def _int(value: Any) -> int | None:
    v = _num(value)
    if v is not None and v != int(v):
        raise ValueError(f"not an integer: {value!r}")
    return None if v is None else int(v)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"not a string: {value!r}")


def _dims(body: dict[str, Any]) -> dict[str, int]:
    dim = body.get("Dimension") or {}
    if not isinstance(dim, dict):
        raise ValueError(f"Dimension is not an object: {dim!r}")
    keys = {"to_bow": "A", "to_stern": "B", "to_port": "C", "to_starboard": "D"}
    return {attr: _int(dim.get(k)) or 0 for attr, k in keys.items()}


def _position(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "lat": _num(body.get("Latitude")), "lon": _num(body.get("Longitude")),
        "speed": _num(body.get("Sog")), "course": _num(body.get("Cog")),
        "heading": _num(body.get("TrueHeading")), "status": _int(body.get("NavigationalStatus")),
    }  # fmt: skip


def _class_b(body: dict[str, Any]) -> dict[str, Any]:
    return {**_position(body), "status": None}


def _extended_b(body: dict[str, Any]) -> dict[str, Any]:
    return {**_class_b(body), **_dims(body), "shipname": _text(body.get("Name")),
            "ship_type": _int(body.get("Type"))}  # fmt: skip


def _ship_static(body: dict[str, Any]) -> dict[str, Any]:
    return {
        **_dims(body), "shipname": _text(body.get("Name")), "callsign": _text(body.get("CallSign")),
        "ship_type": _int(body.get("Type")), "imo": _int(body.get("ImoNumber")),
        "draught": _num(body.get("MaximumStaticDraught")),
        "destination": _text(body.get("Destination")),
    }  # fmt: skip


def _static_report(body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("PartNumber"):
        part_a = body.get("ReportA") or {}
        return {"partno": 0, "shipname": _text(part_a.get("Name"))}
    part_b = body.get("ReportB") or {}
    return {
        "partno": 1, **_dims(part_b), "callsign": _text(part_b.get("CallSign")),
        "ship_type": _int(part_b.get("ShipType")),
    }  # fmt: skip


def _located(body: dict[str, Any]) -> dict[str, Any]:
    return {"lat": _num(body.get("Latitude")), "lon": _num(body.get("Longitude"))}


def _base_station(body: dict[str, Any]) -> dict[str, Any]:
    keys = {"year": "UtcYear", "month": "UtcMonth", "day": "UtcDay", "hour": "UtcHour",
            "minute": "UtcMinute", "second": "UtcSecond"}  # fmt: skip
    return {**_located(body), "epfd": _int(body.get("FixType")),
            **{attr: _int(body.get(k)) for attr, k in keys.items()}}  # fmt: skip


def _aid_to_navigation(body: dict[str, Any]) -> dict[str, Any]:
    # joined after trimming each, as pyais joins the NMEA fields
    name, extension = (_text(body.get(k)) or "" for k in ("Name", "NameExtension"))
    return {
        **_located(body), "epfd": _int(body.get("Fixtype", body.get("FixType"))),
        "aid_type": _int(body.get("Type")),
        "full_name": name.strip(" @") + extension.strip(" @"),
        "virtual_aid": _bool(body.get("VirtualAtoN")),
        "off_position": _bool(body.get("OffPosition")), "second": _int(body.get("Timestamp")),
    }  # fmt: skip


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"not a boolean: {value!r}")


_Mapper = Callable[[dict[str, Any]], dict[str, Any]]
MESSAGE_KINDS: dict[str, tuple[tuple[int, ...], _Mapper]] = {
    "PositionReport": ((1, 2, 3), _position),
    "StandardClassBPositionReport": ((18,), _class_b),
    "ExtendedClassBPositionReport": ((19,), _extended_b),
    "ShipStaticData": ((5,), _ship_static),
    "StaticDataReport": ((24,), _static_report),
    "BaseStationReport": ((4,), _base_station),
    "AidsToNavigationReport": ((21,), _aid_to_navigation),
}
"""aisstream MessageType -> (the AIS message types it carries, field mapper)."""
_POSITION_KINDS = ("PositionReport", "StandardClassBPositionReport", "ExtendedClassBPositionReport")


def _body(obj: Any) -> tuple[str, dict[str, Any], dict[str, Any]] | str:
    """(kind, message body, metadata) of a decoded message, or the reason it is rejected."""
    if not isinstance(obj, dict):
        return "malformed"
    kind = obj.get("MessageType")
    if not isinstance(kind, str) or kind not in MESSAGE_KINDS:
        return "unsupported_type" if isinstance(kind, str) else "malformed"
    message, meta = obj.get("Message"), obj.get("MetaData") or {}
    body = message.get(kind) if isinstance(message, dict) else None
    if not isinstance(body, dict) or not isinstance(meta, dict):
        return "malformed"
    return kind, body, meta


def message_fields(text: str, received: datetime) -> dict[str, Any] | str:
    """Record fields of one aisstream JSON message, or the reason it is rejected."""
    try:
        got = _body(json.loads(text))
    except ValueError:
        return "malformed"
    if isinstance(got, str):
        return got
    kind, body, meta = got
    types, mapper = MESSAGE_KINDS[kind]
    try:
        mmsi = _int(body.get("UserID", meta.get("MMSI")))
        msg_type = _int(body.get("MessageID")) or types[0]
        if msg_type not in types:
            raise ValueError(f"{kind} with MessageID {msg_type}")
        attrs = {"msg_type": msg_type, "mmsi": mmsi or 0, **mapper(body)}
        fields = canonical_fields(SimpleNamespace(**attrs))
    except (ValueError, TypeError, AttributeError):
        return "bad_value"
    fields[s.MMSI] = mmsi
    fields[s.TS] = parse_time_utc(meta.get("time_utc")) or received
    fields[r.IS_POSITION_REPORT] = kind in _POSITION_KINDS
    return fields


def parse_messages(batch: Sequence[Received], source: str = SOURCE_NAME) -> r.Parsed:
    """Records and lines (one line per message) of a batch of aisstream JSON messages;
    base stations and aids to navigation with their station fields (``Parsed.stations``)."""
    rows: list[dict[str, Any]] = []
    stations: list[dict[str, Any]] = []
    for rec_id, item in enumerate(batch):
        got = message_fields(item.text, item.received)
        row: dict[str, Any] = {s.REASON: got} if isinstance(got, str) else dict(got)
        row.update({r.REC_ID: rec_id, s.SOURCE: SOURCE_NAME})
        if s.STATION_KIND in row:  # the records frame keeps no station field
            stations.append(row)
            row = {k: row[k] for k in (r.REC_ID, s.MMSI, s.MSG_TYPE, s.TS, s.SOURCE)}
            row[r.IS_POSITION_REPORT] = False
        rows.append(row)
    records = pl.DataFrame(
        {k: [row.get(k) for row in rows] for k in r.RECORDS_SCHEMA}, schema=r.RECORDS_SCHEMA
    )
    station_fields = pl.DataFrame(
        {k: [row.get(k) for row in stations] for k in r.STATION_FIELDS_SCHEMA},
        schema=r.STATION_FIELDS_SCHEMA,
    )
    lines = pl.DataFrame(
        {
            s.SOURCE_FILE: [source] * len(batch),
            s.LINE_NO: [b.line_no for b in batch],
            s.RAW: [b.text for b in batch],
            r.REC_ID: list(range(len(batch))),
        },
        schema=r.LINES_SCHEMA,
    )
    return r.Parsed(records=records, lines=lines, stations=station_fields)


class AisstreamBatchDecoder:
    """aisstream JSON messages -> records (a message is never split, nothing is held back)."""

    def __init__(self, source: str = SOURCE_NAME) -> None:
        self.source = source

    def decode(self, batch: Sequence[Received], final: bool) -> tuple[r.Parsed, list[Received]]:
        return parse_messages(batch, self.source), []
