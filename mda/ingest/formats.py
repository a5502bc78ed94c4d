"""Input format detection by content, and safe openers for plain, gzip and zip files.

Formats:

- ``"nmea"``: raw NMEA 0183 AIS sentences (``!xxVDM``/``!xxVDO``), plain or gzip.
- ``"noaa_csv"``: NOAA MarineCadastre daily CSV, ``.csv`` or a ``.zip`` holding one CSV.
- ``"dma_csv"``: Danish Maritime Authority daily CSV (22- or 26-column header).

Nothing from an archive is ever extracted to a path named by the archive: zip members are
read as streams and copied to a temporary file of our own naming when a path is needed.
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal, TypeVar, cast

from mda.errors import InputFileError, InputFormatError

Format = Literal["nmea", "noaa_csv", "dma_csv"]
T = TypeVar("T")

ProgressHook = Callable[[str, int, int | None], None]
"""Called as ``hook(name, bytes_done, bytes_total_or_None)`` while a file arrives (a
download) or is read (a file read in pieces)."""
StageHook = Callable[[str], None]
"""Called as ``hook(text)`` when a stage of long work after the reading begins (the
duplicate rules, say), so that a progress display can say what is happening."""

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
POLARS_MAGIC = (GZIP_MAGIC, b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda",
                b"\x28\xb5\x2f\xfd")  # fmt: skip
"""The starts polars' readers take for a compressed buffer (gzip, zlib, zstd): bytes in
memory that start so are decompressed, which fails (or, for some zlib starts, silently
reads nothing). ``x^`` is printable: a garbage line of a text file may start so."""
_HEAD_BYTES = 64 * 1024
_NMEA_SNIFF_LINES = 200

NOAA_COLUMNS = (
    "MMSI", "BaseDateTime", "LAT", "LON", "SOG", "COG", "Heading", "VesselName", "IMO",
    "CallSign", "VesselType", "Status", "Length", "Width", "Draft", "Cargo", "TransceiverClass",
)  # fmt: skip
DMA_COLUMNS = (
    "# Timestamp", "Type of mobile", "MMSI", "Latitude", "Longitude", "Navigational status",
    "ROT", "SOG", "COG", "Heading", "IMO", "Callsign", "Name", "Ship type", "Cargo type",
    "Width", "Length", "Type of position fixing device", "Draught", "Destination", "ETA",
    "Data source type",
)  # fmt: skip
DMA_EXTRA_COLUMNS = ("A", "B", "C", "D")  # the 26-column header adds these

_AIS_SENTENCE = re.compile(r"[!][A-Z0-9-]{2}VD[MO],")
_GATEHOUSE = re.compile(r"\$PGHP,")

DECOMPRESS_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error, zipfile.BadZipFile)


def looks_compressed(data: bytes) -> bool:
    """True when polars would take ``data`` for a compressed buffer (:data:`POLARS_MAGIC`)."""
    return data.startswith(POLARS_MAGIC)


def compression(path: Path) -> Literal["gzip", "zip", "none"]:
    """The container of ``path`` by its magic bytes; raises InputFileError when absent/empty."""
    if path.is_dir():
        raise InputFileError(f"{path} is a folder; give the AIS files in it")
    if not path.is_file():
        raise InputFileError(f"{path}: no such file; check the input path")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if not magic:
        raise InputFileError(f"{path} is empty; expected AIS NMEA or a NOAA/DMA CSV")
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    if magic.startswith(ZIP_MAGIC):
        return "zip"
    return "none"


def _single_csv_member(path: Path, zf: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one CSV member of a zip archive, else InputFormatError."""
    members = [
        m for m in zf.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")
    ]
    csvs = [m for m in members if m.filename.lower().endswith(".csv")]
    if len(members) != 1 or len(csvs) != 1:
        names = ", ".join(m.filename for m in members[:5]) or "nothing"
        raise InputFormatError(
            f"{path}: zip holds {len(members)} file(s) ({names}); expected exactly one .csv"
        )
    return csvs[0]


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    """Open ``path`` for reading decompressed bytes (plain, gzip, or zip with one CSV)."""
    kind = compression(path)
    try:
        if kind == "gzip":
            with gzip.open(path, "rb") as gz:
                yield cast(IO[bytes], gz)
        elif kind == "zip":
            with zipfile.ZipFile(path) as zf, zf.open(_single_csv_member(path, zf)) as fh:
                yield fh
        else:
            with path.open("rb") as fh:
                yield fh
    except DECOMPRESS_ERRORS as e:
        raise truncated_error(path, e) from e


def truncated_error(path: Path, e: BaseException) -> InputFileError:
    """The one-line error for an unreadable compressed file."""
    return InputFileError(
        f"{path}: cannot decompress ({type(e).__name__}: {e}); the file is truncated or "
        "corrupt, download it again"
    )


def read_head(path: Path, n_bytes: int = _HEAD_BYTES) -> str:
    """The first ``n_bytes`` of decompressed content as text (UTF-8, BOM stripped)."""
    try:
        with open_binary(path) as fh:
            head = fh.read(n_bytes)
    except DECOMPRESS_ERRORS as e:
        raise truncated_error(path, e) from e
    if not head.strip():
        raise InputFileError(f"{path} is empty; expected AIS NMEA or a NOAA/DMA CSV")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _header_fields(line: str) -> list[str]:
    return [f.strip().strip('"') for f in line.rstrip("\r\n").split(",")]


def _missing(fields: list[str], required: tuple[str, ...]) -> list[str]:
    have = set(fields)
    return [c for c in required if c not in have]


def _csv_format(path: Path, first_line: str) -> Format | None:
    """NOAA or DMA from a header line, None if it is not a CSV header at all."""
    fields = _header_fields(first_line)
    if "BaseDateTime" in fields or (fields and fields[0] == "MMSI"):
        missing = _missing(fields, NOAA_COLUMNS)
        if missing:
            raise InputFormatError(
                f"{path}: CSV header lacks NOAA MarineCadastre column(s) {', '.join(missing)}; "
                f"expected the header {','.join(NOAA_COLUMNS)}"
            )
        return "noaa_csv"
    if fields and (fields[0].lstrip("# ") == "Timestamp" or "Type of mobile" in fields):
        fields = ["# Timestamp" if f.lstrip("# ") == "Timestamp" else f for f in fields]
        missing = _missing(fields, DMA_COLUMNS)
        if missing:
            raise InputFormatError(
                f"{path}: CSV header lacks Danish Maritime Authority column(s) "
                f"{', '.join(missing)}; expected the 22- or 26-column DMA header"
            )
        return "dma_csv"
    return None


def _looks_like_nmea(lines: list[str]) -> bool:
    return any(_AIS_SENTENCE.search(x) or _GATEHOUSE.search(x) for x in lines)


def detect_format(path: Path) -> Format:
    """Detect the format of ``path`` from its content (not its name).

    Raises InputFileError for a missing, empty or truncated file and InputFormatError,
    naming what was found and what is expected, for anything else unreadable.
    """
    path = Path(path)
    kind = compression(path)
    head = read_head(path)
    lines = head.splitlines()[:_NMEA_SNIFF_LINES]
    first = next((x for x in lines if x.strip()), "")
    found = _csv_format(path, first)
    if found is not None:
        return found
    if kind == "zip":
        raise InputFormatError(
            f"{path}: the CSV in the zip has header {first[:80]!r}; expected the NOAA "
            "MarineCadastre header"
        )
    if _looks_like_nmea(lines):
        return "nmea"
    raise InputFormatError(
        f"{path}: found neither an AIS sentence (!xxVDM/!xxVDO) in the first "
        f"{len(lines)} lines nor a NOAA/DMA CSV header (first line {first[:80]!r})"
    )


@contextmanager
def plain_csv_path(path: Path) -> Iterator[Path]:
    """A path to the decompressed CSV content of ``path`` (itself when uncompressed).

    Compressed content is streamed to a temporary file named by us, deleted afterwards.
    """
    if compression(path) == "none":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="mda-csv-") as tmp:
        out = Path(tmp) / "input.csv"
        with open_binary(path) as src, out.open("wb") as dst:
            try:
                shutil.copyfileobj(src, dst, length=1 << 20)
            except DECOMPRESS_ERRORS as e:
                raise truncated_error(path, e) from e
        yield out


def position(fh: IO[bytes], path: Path) -> Callable[[], tuple[int, int]]:
    """How far reading ``fh`` (as :func:`open_binary` opened ``path``) has got: (bytes read,
    bytes in all), in the file on disk for a plain or gzip file (so a progress bar needs no
    decompressed size), in the member for a zip."""
    if isinstance(fh, gzip.GzipFile) and fh.fileobj is not None:
        raw, size = fh.fileobj, path.stat().st_size
        return lambda: (raw.tell(), size)
    if isinstance(fh, zipfile.ZipExtFile):
        with zipfile.ZipFile(path) as zf:
            member = zf.getinfo(fh.name).file_size
        return lambda: (fh.tell(), member)
    size = path.stat().st_size
    return lambda: (fh.tell(), size)


def pieces(fh: IO[bytes], size: int, first: int | None = None) -> Iterator[bytes]:
    """The rest of ``fh`` in pieces of about ``size`` bytes (the first of about ``first``,
    when given), each ending at a line end. A plain file is read with one read per piece
    (its end found first), not read and extended."""
    exact = isinstance(fh, io.BufferedReader)
    size, rest = first or size, size
    while True:
        if exact:
            start = fh.tell()
            fh.seek(size - 1, 1)
            fh.readline()
            end = fh.tell()
            fh.seek(start)
            data = fh.read(end - start)
        else:
            data = fh.read(size)
            if data and not data.endswith(b"\n"):
                data += fh.readline()
        if not data:
            return
        yield data
        size = rest


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items``, each made in a worker thread while the caller handles the one before
    (for readers whose work releases the GIL: polars, numpy, compiled loops). An error
    raised making an item is raised here, where the caller asks for it."""
    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mda-read-ahead") as pool:
        ahead = pool.submit(next, items, done)
        try:
            while True:
                item = ahead.result()
                if item is done:
                    return
                ahead = pool.submit(next, items, done)
                yield cast(T, item)
        finally:  # the caller stopped early: let the worker finish, then close the items
            wait([ahead])
            close = getattr(items, "close", None)
            if close is not None:
                close()


def iter_text_lines(path: Path) -> Iterator[str]:
    """Decompressed lines of ``path`` as text, without line terminators.

    Bytes that are not UTF-8 are replaced (the line is then kept and judged by the
    decoder); a truncated gzip raises InputFileError.
    """
    with open_binary(path) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline=None)
        try:
            for line in text:
                yield line.rstrip("\r\n")
        except DECOMPRESS_ERRORS as e:
            raise truncated_error(path, e) from e
