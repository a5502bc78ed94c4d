"""Bulk downloads of public daily AIS files (NOAA MarineCadastre, Danish Maritime Authority).

A day's file is fetched once into a cache folder (``<cache>/<source>/<file name>``) and reused:
a second request for the same day does no network traffic. A download

- is retried with exponential backoff on connection errors, HTTP 5xx/429 and incomplete bodies;
- resumes a partial ``.part`` file with ``Range: bytes=N-`` (a server answering 200 instead of
  206 makes it start over cleanly);
- is verified against the announced size (Content-Length, or the Content-Range total) and
  against a checksum when one is known: an ``expected_sha256`` argument, or a ``.sha256`` /
  ``.md5`` sidecar file next to the data file on the server;
- is checked as a safe zip archive (see :func:`check_zip`) before it is moved into the cache
  with an atomic rename, so the cache never holds a partial or unsafe file.

A day the server does not have (HTTP 404/410) raises :class:`DayNotFoundError` naming the URL
and the day.

Provider caveat: the DMA serves recent days as ``aisdk-YYYY-MM-DD.zip`` (the :data:`DMA` source)
but older periods only as monthly archives ``aisdk-YYYY-MM.zip``; a day inside such a month
gives DayNotFoundError. Fetch the month with a custom :class:`Source` (``pattern=
"aisdk-{day:%Y-%m}.zip"``) if needed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TypeVar

import httpx

from mda.errors import (
    DayNotFoundError,
    DownloadError,
    InputFileError,
    MdaError,
    UnsafeArchiveError,
)
from mda.ingest.formats import ProgressHook

log = logging.getLogger(__name__)
T = TypeVar("T")

_CHUNK_BYTES = 1 << 20
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_MISSING_STATUS = frozenset({404, 410})
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_CONTENT_RANGE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")
_UNSATISFIED_RANGE = re.compile(r"^bytes\s+\*/(\d+)$")

MAX_ZIP_RATIO = 200
"""Largest accepted uncompressed/compressed size ratio of one zip member (AIS CSV: ~5-15)."""
MAX_ZIP_RATIO_FLOOR_BYTES = 1 << 20
"""Members smaller than this (uncompressed) are not held to MAX_ZIP_RATIO."""
MAX_ZIP_UNCOMPRESSED_BYTES = 64 * 1024**3
"""Largest accepted total uncompressed size of an archive (a NOAA day is ~1 GB)."""


@dataclass(frozen=True)
class Source:
    """A provider of daily files: ``{base_url}/{pattern formatted with day=...}``."""

    name: str  # also the cache sub-folder
    base_url: str
    pattern: str  # str.format pattern with a ``day`` (datetime.date) field
    hint: str = ""  # appended to the "day not found" message
    checksum_suffixes: tuple[str, ...] = (".sha256", ".md5")  # sidecars probed on the server

    def filename(self, day: date) -> str:
        """The file name for ``day`` (last path part of the pattern)."""
        return PurePosixPath(self.pattern.format(day=day)).name

    def url(self, day: date) -> str:
        """The full URL of ``day``'s file."""
        return f"{self.base_url.rstrip('/')}/{self.pattern.format(day=day).lstrip('/')}"

    def with_base_url(self, base_url: str | None) -> Source:
        """The same source served from ``base_url`` (a mirror, a test server); None: unchanged."""
        return self if not base_url else replace(self, base_url=base_url)


NOAA = Source(
    name="noaa",
    base_url="https://coast.noaa.gov/htdata/CMSP/AISDataHandler",
    pattern="{day:%Y}/AIS_{day:%Y_%m_%d}.zip",
    hint="MarineCadastre publishes whole years some months after they end",
)
DMA = Source(
    name="dma",
    base_url="http://web.ais.dk/aisdata",
    pattern="aisdk-{day:%Y-%m-%d}.zip",
    hint="the DMA serves older periods only as monthly archives aisdk-YYYY-MM.zip",
)
SOURCES: dict[str, Source] = {s.name: s for s in (NOAA, DMA)}


@dataclass(frozen=True)
class Fetched:
    """One day's file in the cache."""

    day: date
    url: str
    path: Path
    size_bytes: int
    cached: bool  # True: found in the cache, no network request was made


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried."""

    retries: int = 5  # attempts after the first one
    backoff_s: float = 1.0  # wait before the first retry; doubles each time
    max_backoff_s: float = 60.0


class _Transient(Exception):
    """A failure worth retrying (connection lost, 5xx, short body)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


# --- cache paths -------------------------------------------------------------------------


def cache_path(source: Source, day: date, cache_dir: Path) -> Path:
    """Where ``day``'s file of ``source`` lives in ``cache_dir``."""
    return Path(cache_dir) / source.name / source.filename(day)


def _part_path(final: Path) -> Path:
    return final.with_name(final.name + ".part")


def days(start: date, end: date) -> list[date]:
    """The days from ``start`` to ``end``, both included; DownloadError if end < start."""
    if end < start:
        raise DownloadError(f"end day {end} is before start day {start}; swap them")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- public entry points -------------------------------------------------------------------


def fetch_day(
    source: Source,
    day: date,
    cache_dir: Path,
    *,
    client: httpx.Client | None = None,
    retries: int = 5,
    backoff_s: float = 1.0,
    expected_sha256: str | None = None,
    progress: ProgressHook | None = None,
) -> Path:
    """Download ``day``'s file of ``source`` into ``cache_dir`` (or reuse it) and return its path.

    ``retries`` transient failures are retried, waiting ``backoff_s`` seconds doubled each time
    (at most 60 s). Raises DayNotFoundError (HTTP 404/410), DownloadError (retries exhausted,
    size or checksum mismatch) or UnsafeArchiveError (unsafe zip); nothing bad stays cached.
    """
    policy = RetryPolicy(retries=retries, backoff_s=backoff_s)
    with _client(client) as http:
        return _fetch(http, source, day, Path(cache_dir), policy, expected_sha256, progress).path


def fetch_range(
    source: Source,
    start: date,
    end: date,
    cache_dir: Path,
    *,
    client: httpx.Client | None = None,
    retries: int = 5,
    backoff_s: float = 1.0,
    progress: ProgressHook | None = None,
) -> list[Fetched]:
    """Fetch every day from ``start`` to ``end`` (both included), in order, over one client.

    Stops at the first day that fails (the days before it stay cached, so a rerun continues).
    """
    policy = RetryPolicy(retries=retries, backoff_s=backoff_s)
    with _client(client) as http:
        return [
            _fetch(http, source, d, Path(cache_dir), policy, None, progress)
            for d in days(start, end)
        ]


@contextmanager
def _client(client: httpx.Client | None) -> Iterator[httpx.Client]:
    """The caller's client, or one of our own closed afterwards."""
    if client is not None:
        yield client
        return
    timeout = httpx.Timeout(60.0, connect=15.0)
    with httpx.Client(timeout=timeout, follow_redirects=True) as own:
        yield own


def _fetch(
    http: httpx.Client,
    source: Source,
    day: date,
    cache_dir: Path,
    policy: RetryPolicy,
    expected_sha256: str | None,
    progress: ProgressHook | None,
) -> Fetched:
    """One day: the cached file, or a verified download moved into the cache."""
    url, final = source.url(day), cache_path(source, day, cache_dir)
    if final.is_file() and _cached_ok(final, expected_sha256):
        size = final.stat().st_size
        log.info("%s: cached at %s", url, final)
        if progress:
            progress(url, size, size)
        return Fetched(day, url, final, size, cached=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    part = _part_path(final)
    _with_retries(lambda: _download(http, url, day, source, part, progress), url, policy)
    expected = _expected_checksum(http, source, url, expected_sha256, policy)
    _verify_or_discard(part, url, expected)
    os.replace(part, final)
    log.info("%s: downloaded to %s", url, final)
    return Fetched(day, url, final, final.stat().st_size, cached=False)


def _cached_ok(final: Path, expected_sha256: str | None) -> bool:
    """Whether the cached file can be reused (always, unless a given sha256 disagrees)."""
    if expected_sha256 is None or _digest(final, "sha256") == expected_sha256.lower():
        return True
    log.warning("%s: cached file does not match the expected sha256; downloading again", final)
    final.unlink()
    return False


# --- retries -------------------------------------------------------------------------------


def _with_retries(action: Callable[[], T], url: str, policy: RetryPolicy) -> T:
    """Run ``action``, retrying _Transient failures with exponential backoff."""
    for attempt in range(policy.retries + 1):
        try:
            return action()
        except _Transient as e:
            if attempt == policy.retries:
                raise DownloadError(
                    f"{url}: giving up after {attempt + 1} attempts ({e}); check the network "
                    "or try again later (a rerun resumes the partial file)"
                ) from e
            wait = _backoff(attempt, policy, e.retry_after_s)
            log.warning("%s: %s; retry %d/%d in %.1f s", url, e, attempt + 1, policy.retries, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _backoff(attempt: int, policy: RetryPolicy, retry_after_s: float | None) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (honours Retry-After, capped)."""
    wait = policy.backoff_s * 2**attempt
    if retry_after_s is not None:
        wait = max(wait, retry_after_s)
    return min(wait, policy.max_backoff_s)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


# --- one HTTP attempt ----------------------------------------------------------------------


def _download(
    http: httpx.Client,
    url: str,
    day: date,
    source: Source,
    part: Path,
    progress: ProgressHook | None,
) -> None:
    """One attempt: fetch the rest of ``url`` into ``part``; _Transient if it must be retried."""
    offset = part.stat().st_size if part.is_file() else 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        with http.stream("GET", url, headers=headers) as response:
            total = _start_body(response, url, day, source, part, offset)
            if total is None or _part_size(part) < total:
                _write_body(response, part, total, url, progress)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as e:
        raise DownloadError(f"{url}: not a usable http(s) URL ({e}); check the base URL") from e
    except httpx.TransportError as e:  # refused, reset, timeout, body cut short
        raise _Transient(f"{type(e).__name__}: {e}") from e
    _check_size(part, total, url)


def _part_size(part: Path) -> int:
    return part.stat().st_size if part.is_file() else 0


def _start_body(
    response: httpx.Response, url: str, day: date, source: Source, part: Path, offset: int
) -> int | None:
    """Judge the status line; prepare ``part`` for the body; return the full size if known."""
    status = response.status_code
    if status in _MISSING_STATUS:
        raise DayNotFoundError(
            f"no {source.name} file for {day} at {url} (HTTP {status}); check the date"
            + (f" ({source.hint})" if source.hint else "")
        )
    if status in _TRANSIENT_STATUS:
        raise _Transient(f"HTTP {status}", _retry_after(response))
    if status == 416:
        return _range_not_satisfiable(response, part, offset)
    if status == 206:
        return _resumed(response, part, offset)
    if status == 200:
        if offset:
            log.info("%s: server ignored the Range request; downloading from the start", url)
        part.write_bytes(b"")
        return _content_length(response)
    raise DownloadError(f"{url}: unexpected HTTP {status} for {day}; expected 200")


def _resumed(response: httpx.Response, part: Path, offset: int) -> int | None:
    """Total size from a 206 Content-Range that must start where ``part`` ends."""
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    if not match or int(match.group(1)) != offset:
        part.unlink(missing_ok=True)
        raise _Transient("server resumed at the wrong offset; starting over")
    return None if match.group(3) == "*" else int(match.group(3))


def _range_not_satisfiable(response: httpx.Response, part: Path, offset: int) -> int:
    """416: ``part`` is already complete when the server's total equals its size."""
    match = _UNSATISFIED_RANGE.match(response.headers.get("Content-Range", ""))
    if match and int(match.group(1)) == offset:
        return offset
    part.unlink(missing_ok=True)
    raise _Transient("partial file does not fit the server's file; starting over")


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None


def _write_body(
    response: httpx.Response,
    part: Path,
    total: int | None,
    url: str,
    progress: ProgressHook | None,
) -> None:
    """Append the body to ``part`` chunk by chunk (what arrived stays for a resume)."""
    with part.open("ab") as fh:
        done = fh.tell()
        if progress:
            progress(url, done, total)
        for chunk in response.iter_raw():  # unbuffered: what arrived is on disk
            fh.write(chunk)
            done += len(chunk)
            if progress:
                progress(url, done, total)


def _check_size(part: Path, total: int | None, url: str) -> None:
    """The body must be as long as announced: short -> retry (resume), long -> start over."""
    size = _part_size(part)
    if total is None or size == total:
        return
    if size > total:
        part.unlink()
        raise _Transient(f"got {size} bytes but the server announced {total}; starting over")
    raise _Transient(f"body ended at {size} of {total} bytes")


# --- verification --------------------------------------------------------------------------


def _expected_checksum(
    http: httpx.Client,
    source: Source,
    url: str,
    expected_sha256: str | None,
    policy: RetryPolicy,
) -> tuple[str, str] | None:
    """``(algorithm, hex digest)`` to check against: the argument, else a server sidecar."""
    if expected_sha256:
        return ("sha256", expected_sha256.lower())
    for suffix in source.checksum_suffixes:
        digest = _with_retries(partial(_sidecar, http, url + suffix), url + suffix, policy)
        if digest:
            return (suffix.lstrip("."), digest)
    return None


def _sidecar(http: httpx.Client, url: str) -> str | None:
    """The hex digest in a checksum sidecar file (``<hex>  <name>``), None if absent."""
    try:
        response = http.get(url)
    except httpx.TransportError as e:
        raise _Transient(f"{type(e).__name__}: {e}") from e
    if response.status_code in _MISSING_STATUS:
        return None
    if response.status_code in _TRANSIENT_STATUS:
        raise _Transient(f"HTTP {response.status_code}", _retry_after(response))
    if response.status_code != 200:
        return None
    token = (response.text.split() or [""])[0].lower()
    if not _HEX.match(token) or len(token) not in (32, 64):
        log.warning("%s: not a checksum file (starts %r); ignored", url, response.text[:40])
        return None
    return token


def _digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file's bytes (sha256 or md5)."""
    h = hashlib.new(algorithm, usedforsecurity=False)
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK_BYTES):
            h.update(block)
    return h.hexdigest()


def _verify_or_discard(part: Path, url: str, expected: tuple[str, str] | None) -> None:
    """Checksum and archive checks on the finished ``part``; a bad file is deleted."""
    try:
        if expected is not None:
            algorithm, want = expected
            got = _digest(part, algorithm)
            if got != want:
                raise DownloadError(
                    f"{url}: {algorithm} is {got}, expected {want}; the download is corrupt "
                    "and was deleted, run the command again"
                )
        if zipfile.is_zipfile(part):
            check_zip(part)
    except MdaError:
        part.unlink(missing_ok=True)
        raise


# --- safe zip reading ----------------------------------------------------------------------


def unsafe_member_reason(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member may not be read or extracted, None when it is safe.

    Refused: absolute paths, drive letters, ``..`` parts, symbolic links, and members whose
    declared uncompressed size is more than MAX_ZIP_RATIO times their compressed size.
    """
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ".." in PurePosixPath(name).parts:
        return "path leaves the archive folder"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link"
    big = info.file_size > MAX_ZIP_RATIO_FLOOR_BYTES
    if big and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
        return f"compression ratio above {MAX_ZIP_RATIO} (zip bomb?)"
    return None


def safe_members(zf: zipfile.ZipFile, path: Path) -> list[zipfile.ZipInfo]:
    """All members of ``zf`` after checking each one; UnsafeArchiveError on the first bad one."""
    members = zf.infolist()
    for info in members:
        reason = unsafe_member_reason(info)
        if reason:
            raise UnsafeArchiveError(
                f"{path}: refused zip member {info.filename!r} ({reason}); the archive is "
                "not a plain AIS data file, do not use it"
            )
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_UNCOMPRESSED_BYTES:
        raise UnsafeArchiveError(
            f"{path}: zip would expand to {total} bytes, more than the "
            f"{MAX_ZIP_UNCOMPRESSED_BYTES} accepted (zip bomb?)"
        )
    return members


def check_zip(path: Path) -> list[str]:
    """Names of the members of the zip at ``path``, after the safety checks of safe_members.

    Raises UnsafeArchiveError, or InputFileError when the file is not a readable zip.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            return [m.filename for m in safe_members(zf, path)]
    except zipfile.BadZipFile as e:
        raise InputFileError(f"{path}: not a readable zip ({e}); download it again") from e


def extract_zip(path: Path, target: Path) -> list[Path]:
    """Extract the zip at ``path`` into ``target`` only, after the safety checks; file paths.

    Each member is written under ``target`` (checked again after resolving), never elsewhere;
    directories are created, links and unsafe names are refused before anything is written.
    """
    root = Path(target).resolve()
    written: list[Path] = []
    try:
        with zipfile.ZipFile(path) as zf:
            for info in safe_members(zf, path):
                _extract_member(zf, info, root, path, written)
    except zipfile.BadZipFile as e:
        raise InputFileError(f"{path}: not a readable zip ({e}); download it again") from e
    return written


def _extract_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, path: Path, written: list[Path]
) -> None:
    """Write one checked member under ``root``, appending the file written to ``written``."""
    dest = (root / info.filename.replace("\\", "/")).resolve()
    if not dest.is_relative_to(root):
        raise UnsafeArchiveError(f"{path}: member {info.filename!r} leaves {root}")
    if info.is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, dest.open("wb") as dst:
        while block := src.read(_CHUNK_BYTES):
            dst.write(block)
    written.append(dest)
