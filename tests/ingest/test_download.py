"""Bulk downloads against a real HTTP server on 127.0.0.1 that the tests start.

The server (:class:`FileServer`) serves generated NOAA-format zips and can misbehave on
purpose: drop the connection halfway through a body, ignore Range requests, answer 503,
or not have the file at all (404). It logs every request so tests can count them.
"""

from __future__ import annotations

import hashlib
import random
import re
import stat
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from mda.errors import InputFileError
from mda.ingest import read_input
from mda.ingest.download import (
    DMA,
    NOAA,
    DayNotFoundError,
    DownloadError,
    RetryPolicy,
    UnsafeArchiveError,
    _backoff,
    cache_path,
    check_zip,
    extract_zip,
    fetch_day,
    fetch_range,
    unsafe_member_reason,
)
from mda.ingest.formats import NOAA_COLUMNS

DAY = date(2024, 3, 1)
SIDECAR_PROBES = 2  # .sha256 and .md5 are asked for after each data file


# --- test data -----------------------------------------------------------------------------


def noaa_csv(day: date, rows: int = 3000, seed: int = 1) -> str:
    """A NOAA MarineCadastre CSV for ``day``: ``rows`` positions of 10 ships, one per 20 s."""
    rng = random.Random(seed)
    lines = [",".join(NOAA_COLUMNS)]
    for i in range(rows):
        mmsi = 257_000_000 + i % 10
        t = f"{day}T{i * 20 // 3600 % 24:02d}:{i * 20 // 60 % 60:02d}:{i * 20 % 60:02d}"
        lat, lon = 55 + rng.random(), 15 + rng.random()
        sog, cog = round(rng.uniform(0, 20), 1), round(rng.uniform(0, 359), 1)
        lines.append(f"{mmsi},{t},{lat:.5f},{lon:.5f},{sog},{cog},511,SHIP {i % 10},,,70,0,,,,,A")
    return "\n".join(lines) + "\n"


def noaa_zip(day: date, rows: int = 3000) -> bytes:
    """The bytes of NOAA's daily zip for ``day`` (one CSV named as NOAA names it)."""
    info = zipfile.ZipInfo(f"AIS_{day:%Y_%m_%d}.csv", date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return _zip_bytes([(info, noaa_csv(day, rows).encode())])


def _zip_bytes(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info, data in members:
            zf.writestr(info, data)
    return buf.getvalue()


def member(name: str, data: bytes = b"x", mode: int | None = None) -> tuple[zipfile.ZipInfo, bytes]:
    """A zip member with a chosen (possibly hostile) name and Unix mode."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.external_attr = mode << 16
    return info, data


# --- the server ----------------------------------------------------------------------------


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes
    drops: int = 0  # this many responses are cut after `drop_after` body bytes
    drop_after: int = 0
    errors: int = 0  # this many responses are HTTP 503 first
    ignore_range: bool = False  # answer 200 with the whole body even to a Range request


@dataclass
class FileServer:
    """A threading HTTP/1.0 server on 127.0.0.1 with a request log."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range)

    def __post_init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/data"

    def add(self, url_path: str, body: bytes, **kw) -> Route:
        self.routes[f"/data/{url_path}"] = route = Route(body, **kw)
        return route

    def serve_noaa(self, day: date, **kw) -> bytes:
        body = noaa_zip(day)
        self.add(NOAA.pattern.format(day=day), body, **kw)
        return body

    def hits(self, suffix: str) -> list[str | None]:
        """Range headers of the requests whose path ends with ``suffix``."""
        return [rng for path, rng in self.requests if path.endswith(suffix)]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _handler(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:
            server.requests.append((self.path, self.headers.get("Range")))
            route = server.routes.get(self.path)
            if route is None:
                self.send_error(404)
            elif route.errors > 0:
                route.errors -= 1
                self.send_error(503)
            else:
                self._send(route)

        def _send(self, route: Route) -> None:
            body, start = route.body, 0
            match = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
            if match and not route.ignore_range:
                start = int(match.group(1))
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if route.drops > 0:  # announce everything, send part, hang up
                route.drops -= 1
                self.wfile.write(payload[: route.drop_after])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def server() -> Iterator[FileServer]:
    srv = FileServer()
    yield srv
    srv.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c


def noaa_at(server: FileServer):
    return NOAA.with_base_url(server.base_url)


# --- sources -------------------------------------------------------------------------------


def test_public_urls_and_cache_layout(tmp_path):
    assert NOAA.url(DAY) == (
        "https://coast.noaa.gov/htdata/CMSP/AISDataHandler/2024/AIS_2024_03_01.zip"
    )
    assert DMA.url(DAY) == "http://web.ais.dk/aisdata/aisdk-2024-03-01.zip"
    mirror = NOAA.with_base_url("http://mirror/x/")
    assert mirror.url(DAY) == "http://mirror/x/2024/AIS_2024_03_01.zip"
    assert NOAA.with_base_url(None) is NOAA
    assert cache_path(NOAA, DAY, tmp_path) == tmp_path / "noaa" / "AIS_2024_03_01.zip"


# --- downloads -----------------------------------------------------------------------------


def test_download_is_the_servers_file_and_reads_as_noaa(server, client, tmp_path):
    body = server.serve_noaa(DAY)
    path = fetch_day(noaa_at(server), DAY, tmp_path, client=client)
    assert path == tmp_path / "noaa" / "AIS_2024_03_01.zip"
    assert path.read_bytes() == body
    assert not list(tmp_path.rglob("*.part"))
    assert read_input(path, day=DAY).positions.height == 3000


def test_cache_is_reused_without_any_request(server, client, tmp_path):
    server.serve_noaa(DAY)
    first = fetch_day(noaa_at(server), DAY, tmp_path, client=client)
    n = len(server.requests)
    assert n == 1 + SIDECAR_PROBES
    again = fetch_range(noaa_at(server), DAY, DAY, tmp_path, client=client)
    assert again[0].cached and again[0].path == first
    assert len(server.requests) == n  # no network at all the second time


def test_connection_dropped_halfway_is_resumed_with_range(server, client, tmp_path):
    body = noaa_zip(DAY)
    half = len(body) // 2
    server.add(NOAA.pattern.format(day=DAY), body, drops=1, drop_after=half)
    path = fetch_day(noaa_at(server), DAY, tmp_path, client=client, backoff_s=0)
    assert path.read_bytes() == body
    assert server.hits(".zip") == [None, f"bytes={half}-"]


def test_a_rerun_resumes_the_part_file_left_by_a_failed_run(server, client, tmp_path):
    body = noaa_zip(DAY)
    server.add(NOAA.pattern.format(day=DAY), body, drops=3, drop_after=1000)
    with pytest.raises(DownloadError, match="giving up after 2 attempts"):
        fetch_day(noaa_at(server), DAY, tmp_path, client=client, retries=1, backoff_s=0)
    part = tmp_path / "noaa" / "AIS_2024_03_01.zip.part"
    assert part.read_bytes() == body[:2000]  # what arrived is kept
    assert not cache_path(NOAA, DAY, tmp_path).exists()  # but not as a finished file
    path = fetch_day(noaa_at(server), DAY, tmp_path, client=client, backoff_s=0)
    assert path.read_bytes() == body
    assert server.hits(".zip") == [None, "bytes=1000-", "bytes=2000-", "bytes=3000-"]


def test_server_ignoring_range_restarts_cleanly(server, client, tmp_path):
    body = noaa_zip(DAY)
    half = len(body) // 2
    server.add(NOAA.pattern.format(day=DAY), body, drops=1, drop_after=half, ignore_range=True)
    path = fetch_day(noaa_at(server), DAY, tmp_path, client=client, backoff_s=0)
    assert server.hits(".zip") == [None, f"bytes={half}-"]  # asked to resume, got 200
    assert path.read_bytes() == body  # not the first half twice


def test_complete_part_file_is_finished_by_a_416(server, client, tmp_path):
    body = server.serve_noaa(DAY)
    part = tmp_path / "noaa" / "AIS_2024_03_01.zip.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(body)  # a previous run died between the last byte and the rename
    path = fetch_day(noaa_at(server), DAY, tmp_path, client=client)
    assert path.read_bytes() == body
    assert server.hits(".zip") == [f"bytes={len(body)}-"]


def test_5xx_is_retried_then_succeeds(server, client, tmp_path):
    body = noaa_zip(DAY)
    server.add(NOAA.pattern.format(day=DAY), body, errors=2)
    path = fetch_day(noaa_at(server), DAY, tmp_path, client=client, backoff_s=0)
    assert path.read_bytes() == body
    assert len(server.hits(".zip")) == 3


def test_unreachable_server_gives_up_with_the_url(client, tmp_path):
    srv = FileServer()
    srv.close()  # nothing listens on that port any more
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1.*giving up after 3 attempts"):
        fetch_day(noaa_at(srv), DAY, tmp_path, client=client, retries=2, backoff_s=0)


def test_missing_day_names_the_url_and_the_day(server, client, tmp_path):
    with pytest.raises(DayNotFoundError) as err:
        fetch_day(noaa_at(server), DAY, tmp_path, client=client)
    msg = str(err.value)
    assert f"{server.base_url}/2024/AIS_2024_03_01.zip" in msg and "2024-03-01" in msg
    assert "HTTP 404" in msg
    assert len(server.requests) == 1  # a 404 is not retried
    assert not list(tmp_path.rglob("*.zip*"))


def test_range_stops_at_a_missing_day_keeping_the_days_before(server, client, tmp_path):
    server.serve_noaa(DAY)
    with pytest.raises(DayNotFoundError, match="2024-03-02"):
        fetch_range(noaa_at(server), DAY, DAY + timedelta(days=2), tmp_path, client=client)
    assert cache_path(NOAA, DAY, tmp_path).is_file()


def test_range_of_three_days(server, client, tmp_path):
    bodies = [server.serve_noaa(DAY + timedelta(days=i)) for i in range(3)]
    got = fetch_range(noaa_at(server), DAY, DAY + timedelta(days=2), tmp_path, client=client)
    assert [f.day for f in got] == [DAY + timedelta(days=i) for i in range(3)]
    assert [f.path.read_bytes() for f in got] == bodies
    assert [f.size_bytes for f in got] == [len(b) for b in bodies]
    with pytest.raises(DownloadError, match="before start"):
        fetch_range(noaa_at(server), DAY, DAY - timedelta(days=1), tmp_path, client=client)


# --- verification --------------------------------------------------------------------------


def test_matching_sidecar_checksums_are_accepted(server, client, tmp_path):
    body = server.serve_noaa(DAY)
    url_path = NOAA.pattern.format(day=DAY)
    server.add(url_path + ".md5", f"{hashlib.md5(body).hexdigest()}  x.zip\n".encode())
    path = fetch_day(noaa_at(server), DAY, tmp_path, client=client)
    assert path.read_bytes() == body
    assert len(server.hits(".md5")) == 1


def test_checksum_mismatch_fails_and_keeps_nothing(server, client, tmp_path):
    body = server.serve_noaa(DAY)
    server.add(NOAA.pattern.format(day=DAY) + ".sha256", b"0" * 64 + b"  AIS_2024_03_01.zip\n")
    with pytest.raises(DownloadError, match=r"sha256 is .* expected 0000"):
        fetch_day(noaa_at(server), DAY, tmp_path, client=client)
    assert not list((tmp_path / "noaa").iterdir())  # neither the file nor a .part
    good = hashlib.sha256(body).hexdigest()
    assert fetch_day(noaa_at(server), DAY, tmp_path, client=client, expected_sha256=good)


def test_expected_sha256_argument_is_checked(server, client, tmp_path):
    server.serve_noaa(DAY)
    with pytest.raises(DownloadError, match="corrupt"):
        fetch_day(noaa_at(server), DAY, tmp_path, client=client, expected_sha256="ab" * 32)
    assert not list((tmp_path / "noaa").iterdir())


def test_short_body_with_honest_length_is_retried_not_kept(server, client, tmp_path):
    body = noaa_zip(DAY)
    server.add(NOAA.pattern.format(day=DAY), body, drops=5, drop_after=10)
    with pytest.raises(DownloadError, match="giving up"):
        fetch_day(noaa_at(server), DAY, tmp_path, client=client, retries=0, backoff_s=0)
    assert not cache_path(NOAA, DAY, tmp_path).exists()


# --- safe zips -----------------------------------------------------------------------------


def test_zip_with_parent_path_member_is_refused_and_not_cached(server, client, tmp_path):
    evil = _zip_bytes([member("AIS_2024_03_01.csv", b"MMSI\n"), member("../evil.csv")])
    server.add(NOAA.pattern.format(day=DAY), evil)
    with pytest.raises(UnsafeArchiveError, match=r"'\.\./evil\.csv'.*leaves the archive"):
        fetch_day(noaa_at(server), DAY, tmp_path / "cache", client=client)
    assert not list((tmp_path / "cache" / "noaa").iterdir())
    assert not (tmp_path / "evil.csv").exists() and not (tmp_path / "cache" / "evil.csv").exists()


@pytest.mark.parametrize(
    ("name", "mode", "reason"),
    [
        ("../evil.csv", None, "leaves"),  # climbs out of the target folder
        ("a/../../evil.csv", None, "leaves"),  # climbs out after going in
        ("/etc/evil.csv", None, "absolute"),  # absolute POSIX path
        ("C:/evil.csv", None, "absolute"),  # Windows drive letter
        ("..\\evil.csv", None, "leaves"),  # Windows separator
        ("link.csv", stat.S_IFLNK | 0o777, "symbolic link"),  # symlink entry
    ],
)
def test_unsafe_member_names(name, mode, reason):
    info, _ = member(name, mode=mode)
    assert reason in (unsafe_member_reason(info) or "")


def test_safe_member_names():
    for name in ("AIS_2024_03_01.csv", "sub/dir/file.csv", "a..b.csv", "dir/"):
        assert unsafe_member_reason(member(name)[0]) is None


def test_zip_bomb_ratio_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip_bytes([member("zeros.csv", b"\0" * (4 << 20))]))
    with pytest.raises(UnsafeArchiveError, match="ratio"):
        check_zip(path)


def test_extract_writes_only_under_target(tmp_path):
    good = tmp_path / "good.zip"
    good.write_bytes(_zip_bytes([member("a.csv", b"1"), member("sub/b.csv", b"2")]))
    out = tmp_path / "out"
    written = extract_zip(good, out)
    names = sorted(p.relative_to(out.resolve()).as_posix() for p in written)
    assert names == ["a.csv", "sub/b.csv"]
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_zip_bytes([member("ok.csv"), member("../evil.csv")]))
    with pytest.raises(UnsafeArchiveError):
        extract_zip(bad, tmp_path / "out2")
    assert not (tmp_path / "evil.csv").exists() and not (tmp_path / "out2").exists()
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputFileError, match="not a readable zip"):
        check_zip(not_zip)


def test_backoff_doubles_honours_retry_after_and_is_capped():
    policy = RetryPolicy(retries=10, backoff_s=1.0, max_backoff_s=60.0)
    assert [_backoff(a, policy, None) for a in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert _backoff(0, policy, 30.0) == 30.0
    assert _backoff(9, policy, None) == 60.0
